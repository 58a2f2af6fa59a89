"""A rank that fails, for tests/test_mpi_collectives.py: the job must end, not hang.

Usage (one of):
  failing_rank.py raise       rank 1 raises ValueError("boom ...") at batch 3 of a tiny DDP fit's
                              first epoch while the other ranks wait in that batch's gradient
                              all-reduce (default 1800 s timeout: only the abort ends them)
  failing_rank.py absent OP   init_process_group(timeout=3); rank 0 calls OP (all_reduce, broadcast
                              from the last rank, barrier); the other ranks never do (they sleep).
                              A broadcast's root may finish without its receivers (MPI sends small
                              messages eagerly), hence the last rank as src.
"""

import sys
import time

import numpy as np

import dlcore
import dlcore.distributed as dist
from dlcore import nn, optim
from dlcore.data import DataLoader, DistributedSampler, TensorDataset
from dlcore.nn.parallel import DistributedDataParallel
from dlcore.train import fit

FAIL_AT_BATCH = 3


def failing_loss(rank):
    mse = nn.MSELoss()
    calls = []

    def loss(output, target):
        calls.append(1)
        if rank == 1 and len(calls) == FAIL_AT_BATCH + 1:
            raise ValueError(f"boom on rank {rank} at batch {FAIL_AT_BATCH} of epoch 0")
        return mse(output, target)

    return loss


def tiny_fit(rank):
    dlcore.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 4)).astype(np.float32)
    y = rng.standard_normal((128, 2)).astype(np.float32)
    data = TensorDataset(x, y)
    loader = DataLoader(data, batch_size=8, sampler=DistributedSampler(data, seed=0))
    model = DistributedDataParallel(nn.Linear(4, 2))
    fit(model, failing_loss(rank), optim.SGD(model.parameters(), lr=0.1), loader, epochs=2, verbose=0)


def absent(rank, op):
    if rank != 0:
        time.sleep(120)  # never joins; the abort after rank 0's timeout ends this rank
        return
    t = dlcore.zeros(3)
    {
        "all_reduce": lambda: dist.all_reduce(t),
        "broadcast": lambda: dist.broadcast(t, src=dist.get_world_size() - 1),
        "barrier": dist.barrier,
    }[op]()


if __name__ == "__main__":
    mode = sys.argv[1]
    dist.init_process_group("mpi", timeout=3 if mode == "absent" else None)
    if mode == "raise":
        tiny_fit(dist.get_rank())
    else:
        absent(dist.get_rank(), sys.argv[2])
    print(f"rank {dist.get_rank()} finished", flush=True)
