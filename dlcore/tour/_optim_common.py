"""Shared pieces of the optimizer tour entries (F15-F21): the digits split (dlcore.data.digits),
a small MLP, its training through dlcore.train.fit, and the parity of dlcore's float32
optimizers with the float64 references of dlcore.reference. Not an entry module (the leading
underscore keeps the registry away)."""

from __future__ import annotations

import numpy as np

from ..callbacks import Callback


def digits_split(fold: int = 0):
    """Fold `fold` of dlcore.data.digits' 5 stratified folds (split seed 0) as the test set, the
    other four as the training set: (x_train, y_train, x_test, y_test). Folds rather than one
    80/20 split because a single split's test accuracy moves by about +-1 pp from split to split
    (see the mlp entry)."""
    from ..data import digits

    return (*digits("train", fold=fold), *digits("test", fold=fold))


def mlp(seed: int, hidden: int = 64):
    """Linear(64, hidden) -> ReLU -> Linear(hidden, 10), initialised after manual_seed(seed)."""
    from .. import manual_seed, nn

    manual_seed(seed)
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))


class StopAtAccuracy(Callback):
    """Ends fit after the first epoch whose val_accuracy >= target."""

    def __init__(self, target: float) -> None:
        self.target = target

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.stop_training = logs["val_accuracy"] >= self.target


def train_digits(
    make_opt, seed: int, epochs: int, data, batch: int = 32, hidden: int = 64, target_acc: float | None = None
) -> dict:
    """fit mlp(seed) on data = digits_split() with make_opt(params), mini-batches of `batch`
    shuffled by dlcore's generator (seeded by mlp), test accuracy after every epoch; stops early
    once it is >= target_acc (if given). Returns per-epoch train loss / test accuracy, the first
    epoch reaching target_acc (None if never) and the wall time."""
    from .. import nn
    from ..data import DataLoader, TensorDataset
    from ..train import fit
    from ._progress import fit_bar

    xtr, ytr, xte, yte = data
    model = mlp(seed, hidden)
    hist = fit(
        model,
        nn.CrossEntropyLoss(),
        make_opt(model.parameters()),
        DataLoader(TensorDataset(xtr, ytr), batch_size=batch, shuffle=True),
        epochs=epochs,
        val_loader=DataLoader(TensorDataset(xte, yte), batch_size=len(xte)),
        metrics=["accuracy"],
        verbose=0,
        callbacks=([StopAtAccuracy(target_acc)] if target_acc is not None else []) + fit_bar(epochs),
    )
    acc = hist["val_accuracy"]
    reached = (
        None
        if target_acc is None
        else next((ep for ep, a in enumerate(acc, start=1) if a >= target_acc), None)
    )
    return {"loss": hist["loss"], "acc": acc, "reached": reached, "seconds": float(sum(hist.epoch_times))}


def parity(name: str, cfg: dict, steps: int = 100, n: int = 1000, seed: int = 0) -> float:
    """Max relative difference between dlcore's float32 optimizer `name`(**cfg) and
    dlcore.reference.optimizer_ref over `steps` steps of random gradients (open loop) on n
    parameters in 3 tensors."""
    from .. import nn, optim, reference
    from ..tensor import Tensor

    rng = np.random.default_rng(seed)
    shapes = [(n // 2,), (n // 8, 2), (n - n // 2 - n // 4,)]
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    params = [nn.Parameter(Tensor(a.copy())) for a in init]
    opt = getattr(optim, name)(params, **cfg)
    ref = [a.astype(np.float64) for a in init]
    states = [{} for _ in ref]
    for _ in range(steps):
        opt.zero_grad()
        for p, r, st in zip(params, ref, states):
            g = rng.standard_normal(p.shape).astype(np.float32)
            p.grad.data[...] = g
            reference.optimizer_ref(name, r, g.astype(np.float64), st, **cfg)
        opt.step()
    num = max(float(np.abs(p.data - r).max()) for p, r in zip(params, ref))
    return num / max(float(np.abs(r).max()) for r in ref)
