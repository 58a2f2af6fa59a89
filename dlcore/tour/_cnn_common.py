"""Shared training for the convnet entries (F04 corgi, F05 hog-vs-cnn, F26, F27, F29).

Not an entry (the leading underscore keeps the registry out). Models are trained with Adam
through dlcore.train.fit on seeded DataLoaders; everything is float32 numpy in, numpy out.
"""

from __future__ import annotations

import numpy as np


def fit_classifier(model, x, y, epochs: int, lr: float = 3e-3, batch_size: int = 32, seed: int = 0):
    """Train `model` on (x, y) with Adam(lr) and cross-entropy, the rate annealed to 0 over the
    epochs on a cosine (CosineAnnealingLR, stepped per epoch); returns fit's History."""
    from .. import nn, optim
    from ..data import DataLoader, TensorDataset
    from ..optim.lr_scheduler import CosineAnnealingLR
    from ..train import fit
    from ._progress import fit_bar

    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, seed=seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    sched = CosineAnnealingLR(opt, T_max=max(1, epochs))
    bar = fit_bar(epochs)
    return fit(
        model, nn.CrossEntropyLoss(), opt, loader, epochs=epochs, verbose=0, scheduler=sched, callbacks=bar
    )


def logits(model, x) -> np.ndarray:
    """model(x) in eval mode under no_grad, as a numpy array (N, classes)."""
    from ..train import predict

    return predict(model, x, batch_size=512)


def accuracy(model, x, y) -> float:
    return float(np.mean(logits(model, x).argmax(1) == y))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def standardized_digit_images(seed: int = 0):
    """digits(seed) train/test as (N, 1, 8, 8), standardised with the training pixels' mean/std."""
    from ..data import digits

    x, y = digits("train", seed=seed, images=True)
    xt, yt = digits("test", seed=seed, images=True)
    mu, sd = float(x.mean()), float(x.std())
    return ((x - mu) / sd).astype(np.float32), y, ((xt - mu) / sd).astype(np.float32), yt


def n_params(model) -> int:
    return int(sum(p.numel() for p in model.parameters()))


def mean_ci95(d) -> tuple[float, float]:
    """Mean of d and the half-width of its 95% Student-t confidence interval (n >= 2)."""
    from scipy import stats

    d = np.asarray(d, dtype=np.float64)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean()), float(half)
