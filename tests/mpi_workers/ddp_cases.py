"""Tiny models, a fixed data set and training steps shared by the DDP worker (ddp_train.py) and
tests/test_mpi_ddp.py, so one process and a DDP job train exactly the same problem.

Global batch `step` is BATCH rows of the data set (index_batches); under DDP rank r takes rows
r::world of it (interleaved, as DistributedSampler), so every rank's mean loss averages to the
global batch's mean loss when BATCH is divisible by the world size.
"""

from __future__ import annotations

import numpy as np

import dlcore
from dlcore import nn, optim

N_DATA, N_IN, HIDDEN, N_OUT, BATCH = 96, 6, 16, 3, 24  # BATCH divides by 1, 2, 3, 4
BUCKET_CAP_MB = 0.0005  # 524 bytes: several buckets, single- and multi-parameter ones


class SharedMid(nn.Module):
    """A hidden layer applied twice: its parameters get the sum of two uses' gradients."""

    def __init__(self):
        super().__init__()
        self.inp, self.mid, self.out = nn.Linear(N_IN, 8), nn.Linear(8, 8), nn.Linear(8, N_OUT)

    def forward(self, x):
        h = self.inp(x).tanh()
        return self.out(self.mid(self.mid(h).tanh()).tanh())


def build(kind: str, dtype, seed: int) -> nn.Module:
    """kind: mlp | nobias (a bias-free first layer) | shared (SharedMid) | bn (with BatchNorm1d)."""
    dlcore.manual_seed(seed)
    if kind == "mlp":
        m = nn.Sequential(nn.Linear(N_IN, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, N_OUT))
    elif kind == "nobias":
        m = nn.Sequential(nn.Linear(N_IN, HIDDEN, bias=False), nn.Tanh(), nn.Linear(HIDDEN, N_OUT))
    elif kind == "shared":
        m = SharedMid()
    elif kind == "bn":
        m = nn.Sequential(
            nn.Linear(N_IN, HIDDEN), nn.BatchNorm1d(HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, N_OUT)
        )
    else:
        raise ValueError(kind)
    return m.to(dtype=dtype)


def make_opt(kind: str, params):
    return optim.SGD(params, lr=0.1, momentum=0.9) if kind == "sgd" else optim.Adam(params, lr=0.01)


def data(dtype):
    """(x, y): N_DATA samples of a fixed 3-class problem (a random linear teacher)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N_DATA, N_IN))
    y = (x @ rng.standard_normal((N_IN, N_OUT))).argmax(1)
    return x.astype(dtype), y


def index_batches(steps: int, batch: int = BATCH) -> np.ndarray:
    """(steps, batch) row indices: a fresh permutation of the data set each epoch."""
    rng = np.random.default_rng(1)
    order = np.concatenate([rng.permutation(N_DATA) for _ in range(steps * batch // N_DATA + 1)])
    return order[: steps * batch].reshape(steps, batch)


def shard(idx: np.ndarray, rank: int, world: int) -> np.ndarray:
    return idx[rank::world]


def train_step(model, opt, x, y, rows, set_to_none: bool = False, scale: float = 1.0) -> float:
    """zero_grad, forward on rows, backward of the mean cross-entropy times scale, step; the loss."""
    opt.zero_grad(set_to_none=set_to_none)
    loss = nn.CrossEntropyLoss()(model(dlcore.tensor(x[rows])), dlcore.tensor(y[rows]))
    (loss * scale).backward()
    opt.step()
    return float(loss.item())


def flat_params(model) -> np.ndarray:
    return np.concatenate([np.asarray(p.data, dtype=np.float64).ravel() for p in model.parameters()])


def train_single(kind, opt_kind, dtype, steps, seed=100, start=0, model=None, opt=None):
    """One process, global batches start..steps-1; returns (losses, model, opt)."""
    x, y = data(dtype)
    model = build(kind, dtype, seed) if model is None else model
    opt = make_opt(opt_kind, model.parameters()) if opt is None else opt
    idx = index_batches(steps)
    losses = [train_step(model, opt, x, y, idx[t]) for t in range(start, steps)]
    return np.array(losses), model, opt
