"""Shared by the digits entries of the feedback-alignment group (F45 feedback-alignment, F34
end-to-end, F38 progressive-nets): ReLU MLPs, a cross-entropy minibatch epoch and accuracy.
Not an entry module (the leading underscore keeps the registry away)."""

from __future__ import annotations

import numpy as np


def relu_mlp(sizes: tuple[int, ...], feedback=None):
    """Sequential(Linear, ReLU, ..., Linear) through the widths in `sizes` (no ReLU after the last
    layer); every Linear gets `feedback` (None: backprop, "alignment": feedback alignment)."""
    from .. import nn

    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b, feedback=feedback))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def batches(n: int, batch: int, rng: np.random.Generator):
    """Index arrays of one shuffled epoch over n samples, `batch` at a time (the last may be short)."""
    perm = rng.permutation(n)
    return [perm[i : i + batch] for i in range(0, n, batch)]


def cross_entropy_step(net, opt, x: np.ndarray, y: np.ndarray) -> float:
    """One optimizer step on the mean cross-entropy of net(x) against labels y; returns the loss."""
    from .. import from_numpy
    from ..nn import functional as F

    opt.zero_grad()
    loss = F.cross_entropy(net(from_numpy(x)), from_numpy(y))
    loss.backward()
    opt.step()
    return float(loss.item())


def accuracy(net, x: np.ndarray, y: np.ndarray) -> float:
    """Share of rows of x whose arg-max logit under net equals y (no graph recorded)."""
    from .. import from_numpy, no_grad

    with no_grad():
        return float((net(from_numpy(x)).numpy().argmax(1) == y).mean())
