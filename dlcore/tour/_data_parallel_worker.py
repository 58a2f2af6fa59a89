"""The data-parallel entry's training recipe, and its MPI worker (not an entry: the leading
underscore keeps the registry out).

`train_digits` is the one recipe both runs use: SmallCNN in float64 on the digits, Adam with a
cosine-annealed rate, fit, and a DistributedSampler(shuffle=True, seed=SEED) that deals every
epoch's shared permutation round robin; each replica gets GLOBAL_BATCH / num_replicas samples per
step, so with an even training set step k of every rank together covers the one-process run's
batch k exactly. Run as a script under mpiexec, each rank trains a DistributedDataParallel copy
on the training arrays in DATA (an .npz with x, y, written by the entry: the ranks skip loading
scikit-learn); rank 0 writes the global per-step losses, the epoch logs, the final weights and
the timing to OUT (an .npz):

    mpiexec -n 2 python -m dlcore.tour._data_parallel_worker DATA OUT EPOCHS
"""

from __future__ import annotations

import sys
import time

import numpy as np

from ..callbacks import Callback

SEED = 0
GLOBAL_BATCH = 32
LR = 3e-3


def digits_float64():
    """Standardised digits (x (N, 1, 8, 8) float64, y, x_test, y_test), N even (1,438)."""
    from ._cnn_common import standardized_digit_images

    x, y, xt, yt = standardized_digit_images(seed=SEED)
    return x.astype(np.float64), y, xt.astype(np.float64), yt


def new_model():
    """SmallCNN (no dropout, no batch norm) in float64, initialised from SEED on every rank."""
    from .. import manual_seed
    from ..models import SmallCNN

    manual_seed(SEED)
    return SmallCNN(dtype=np.float64)


class StepLosses(Callback):
    """Records this rank's (batch size, loss) of every training step."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.losses: list[float] = []

    def on_batch_end(self, batch: int, logs: dict) -> None:
        self.sizes.append(logs["size"])
        self.losses.append(logs["loss"])


def train_digits(model, x, y, epochs: int, num_replicas: int = 1, rank: int = 0) -> dict:
    """Train `model` (or its DDP wrapper) on this replica's shard; returns this rank's "history"
    (fit's), "sizes"/"losses" per step, "seconds" of fit and "samples" it trained on."""
    from .. import nn, optim
    from ..data import DataLoader, DistributedSampler, TensorDataset
    from ..optim.lr_scheduler import CosineAnnealingLR
    from ..train import fit

    data = TensorDataset(x, y)
    sampler = DistributedSampler(data, num_replicas=num_replicas, rank=rank, shuffle=True, seed=SEED)
    loader = DataLoader(data, batch_size=GLOBAL_BATCH // num_replicas, sampler=sampler)
    opt = optim.Adam(model.parameters(), lr=LR)
    steps = StepLosses()
    t0 = time.perf_counter()
    hist = fit(
        model,
        nn.CrossEntropyLoss(),
        opt,
        loader,
        epochs=epochs,
        scheduler=CosineAnnealingLR(opt, T_max=max(1, epochs)),
        callbacks=[steps],
        verbose=0,
    )
    seconds = time.perf_counter() - t0
    return {
        "history": hist,
        "sizes": np.array(steps.sizes, dtype=np.float64),
        "losses": np.array(steps.losses, dtype=np.float64),
        "seconds": seconds,
        "samples": float(sum(steps.sizes)),
    }


def _main(data: str, out: str, epochs: int) -> None:
    from .. import distributed as dist
    from .. import set_num_threads
    from ..distributed.arrays import all_reduce_array
    from ..nn.parallel import DistributedDataParallel

    dist.init_process_group("mpi")
    set_num_threads(1)
    rank, world = dist.get_rank(), dist.get_world_size()
    if GLOBAL_BATCH % world:
        raise ValueError(f"data-parallel worker: global batch {GLOBAL_BATCH} must divide by {world} ranks")
    with np.load(data) as arrays:
        x, y = arrays["x"], arrays["y"]
    ddp = DistributedDataParallel(new_model())
    run = train_digits(ddp, x, y, epochs, num_replicas=world, rank=rank)
    # global loss of step k: sum over ranks of n_r * loss_r, over the sum of n_r
    sums = np.concatenate([run["sizes"] * run["losses"], run["sizes"], [run["samples"]]])
    all_reduce_array(sums, op="sum")
    seconds = np.array([run["seconds"]])
    all_reduce_array(seconds, op="max")
    k = len(run["sizes"])
    if rank == 0:
        weights = {f"w:{name}": t.numpy() for name, t in ddp.module.state_dict().items()}
        np.savez(
            out,
            step_loss=sums[:k] / sums[k : 2 * k],
            epoch_loss=np.array(run["history"]["loss"]),
            samples=sums[2 * k],
            seconds=seconds[0],
            world=world,
            **weights,
        )
    dist.destroy_process_group()


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
