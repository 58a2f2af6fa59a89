"""DDP worker for tests/test_mpi_ddp.py: `mpiexec -n N python ddp_train.py OUT_DIR`.

Every rank trains the cases of ddp_cases under DistributedDataParallel on its shard; rank 0 also
trains the single-process reference and writes OUT_DIR/results.npz (losses, final weights, the
spread of weights across ranks, the reducer's pack counts) plus the checkpoints the test resumes.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import ddp_cases as cases
import numpy as np

import dlcore
import dlcore.distributed as dist
from dlcore.checkpoint import load_checkpoint, save_checkpoint
from dlcore.distributed.arrays import all_reduce_array, broadcast_array
from dlcore.nn.parallel import DistributedDataParallel

STEPS = 50
out = Path(sys.argv[1])
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
res: dict = {}


def spread(a) -> float:
    """max over elements of (largest - smallest value across ranks)."""
    hi, lo = np.array(a, dtype=np.float64), np.array(a, dtype=np.float64)
    all_reduce_array(hi, op="max")
    all_reduce_array(lo, op="min")
    return float((hi - lo).max()) if hi.size else 0.0


def wrap(kind, dtype, **kw):
    # each rank starts from different weights: the wrap-time broadcast makes them rank 0's (seed 100)
    return DistributedDataParallel(
        cases.build(kind, dtype, 100 + rank), bucket_cap_mb=cases.BUCKET_CAP_MB, **kw
    )


def train_ddp(ddp, opt, dtype, start, stop, set_to_none=False):
    x, y = cases.data(dtype)
    idx = cases.index_batches(STEPS)
    local = [
        cases.train_step(ddp, opt, x, y, cases.shard(idx[t], rank, world), set_to_none)
        for t in range(start, stop)
    ]
    losses = np.array(local)
    all_reduce_array(losses, op="avg")  # equal shard sizes: the mean of the means is the global mean
    return losses


# ---- DDP == one process with the global batch (fast path; and pack path with grads set to None)
cases_run = [
    (k, o, d, False)
    for d in (np.float64, np.float32)
    for k in ("mlp", "shared", "nobias")
    for o in ("sgd", "adam")
]
cases_run += [("mlp", "sgd", np.float64, True), ("mlp", "adam", np.float32, True)]
for kind, opt_kind, dtype, to_none in cases_run:
    name = f"{kind}-{opt_kind}-{np.dtype(dtype).name}-{'pack' if to_none else 'fast'}"
    ddp = wrap(kind, dtype)
    opt = cases.make_opt(opt_kind, ddp.parameters())
    res[f"{name}/ddp_losses"] = train_ddp(ddp, opt, dtype, 0, STEPS, set_to_none=to_none)
    res[f"{name}/ddp_params"] = cases.flat_params(ddp.module)
    res[f"{name}/spread"] = spread(res[f"{name}/ddp_params"])
    buckets = ddp.reducer.buckets
    res[f"{name}/counts"] = np.array(
        [
            ddp.reducer.stats["in_place"],
            ddp.reducer.stats["packed"],
            len(buckets),
            sum(len(b.indices) > 1 for b in buckets),
        ]
    )
    if rank == 0:
        losses, ref, _ = cases.train_single(kind, opt_kind, dtype, STEPS)
        res[f"{name}/ref_losses"], res[f"{name}/ref_params"] = losses, cases.flat_params(ref)

# ---- no_sync: K micro-batches accumulated locally, the last one synced == one process, K * BATCH rows
K, SYNC_STEPS = 4, 10
for opt_kind, dtype in (("sgd", np.float64), ("adam", np.float32)):
    name = f"nosync-{opt_kind}-{np.dtype(dtype).name}"
    x, y = cases.data(dtype)
    idx = cases.index_batches(SYNC_STEPS * K)
    ddp = wrap("mlp", dtype)
    opt = cases.make_opt(opt_kind, ddp.parameters())
    for t in range(SYNC_STEPS):
        opt.zero_grad()
        for j in range(K):  # the first K - 1 accumulate locally, the last averages the sums
            rows = cases.shard(idx[t * K + j], rank, world)
            with ddp.no_sync() if j < K - 1 else contextlib.nullcontext():
                loss = dlcore.nn.CrossEntropyLoss()(ddp(dlcore.tensor(x[rows])), dlcore.tensor(y[rows]))
                (loss * (1.0 / K)).backward()
        opt.step()
    res[f"{name}/ddp_params"] = cases.flat_params(ddp.module)
    res[f"{name}/counts"] = np.array([sum(ddp.reducer.stats.values()), len(ddp.reducer.buckets)])
    if rank == 0:
        ref = cases.build("mlp", dtype, 100)
        ropt = cases.make_opt(opt_kind, ref.parameters())
        for t in range(SYNC_STEPS):
            cases.train_step(ref, ropt, x, y, idx[t * K : (t + 1) * K].ravel())
        res[f"{name}/ref_params"] = cases.flat_params(ref)

# ---- broadcast_buffers: a synced forward starts from rank 0's BatchNorm running statistics
x, y = cases.data(np.float64)
for bb in (True, False):
    ddp = wrap("bn", np.float64, broadcast_buffers=bb)
    opt = cases.make_opt("sgd", ddp.parameters())
    train_ddp(ddp, opt, np.float64, 0, 5)
    bn = ddp.module[1]
    before = np.array(bn.running_mean.data)
    rank0 = before.copy()
    broadcast_array(rank0, src=0)
    ddp.eval()
    with dlcore.no_grad():
        ddp(dlcore.tensor(x[:8]))
    after = np.array(bn.running_mean.data)
    res[f"buffers-{bb}/spread"] = np.array([spread(before), spread(after), np.abs(after - rank0).max()])

# ---- find_unused_parameters: a branch used on the last rank only; a branch used nowhere


class Branches(dlcore.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = dlcore.nn.Linear(4, 2), dlcore.nn.Linear(4, 2), dlcore.nn.Linear(4, 2)

    def forward(self, x, use_b):
        return self.a(x) + self.b(x) if use_b else self.a(x)


dlcore.manual_seed(5)
ddp = DistributedDataParallel(Branches().to(dtype=np.float64), find_unused_parameters=True)
xb = dlcore.tensor(np.random.default_rng(rank).standard_normal((3, 4)))
ddp(xb, rank == world - 1).sum().backward()
grad_b = ddp.module.b.weight.grad
local_b = np.zeros((2, 4)) if rank != world - 1 else xb.numpy().sum(0)[None].repeat(2, 0)
res["unused/b_spread"] = spread(grad_b.numpy())
expect_b = np.array(local_b)
all_reduce_array(expect_b, op="avg")
res["unused/b_vs_expected"] = float(np.abs(grad_b.numpy() - expect_b).max())
res["unused/c_is_none"] = float(ddp.module.c.weight.grad is None)

# ---- checkpoints: (a) written under DDP, resumed by the test in one process
ddp = wrap("mlp", np.float64)
opt = cases.make_opt("adam", ddp.parameters())
train_ddp(ddp, opt, np.float64, 0, 10)
if rank == 0:
    save_checkpoint(out / "ddp.ckpt", ddp, opt, epoch=10)
train_ddp(ddp, opt, np.float64, 10, 20)
res["ckpt_ddp/final"] = cases.flat_params(ddp.module)
# (b) written by one process (a bare model on rank 0), resumed under DDP on every rank
if rank == 0:
    _, single, sopt = cases.train_single("mlp", "adam", np.float64, 10)
    save_checkpoint(out / "single.ckpt", single, sopt, epoch=10)
    cases.train_single("mlp", "adam", np.float64, 20, start=10, model=single, opt=sopt)
    res["ckpt_single/ref_final"] = cases.flat_params(single)
dist.barrier()
ddp = wrap("mlp", np.float64)
opt = cases.make_opt("adam", ddp.parameters())
load_checkpoint(out / "single.ckpt", ddp, opt)
train_ddp(ddp, opt, np.float64, 10, 20)
res["ckpt_single/final"] = cases.flat_params(ddp.module)
res["ckpt_single/spread"] = spread(res["ckpt_single/final"])

if rank == 0:
    np.savez(out / "results.npz", **res)
dist.destroy_process_group()
