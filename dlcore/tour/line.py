"""F01 (BG/ML): fit f(x) = a x + b to 200 noisy points by full-batch gradient descent via fit.

Compares the learned (a, b) with numpy.linalg.lstsq and checks the loss never goes up.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .registry import register

CRITERIA = (
    "(a, b) within 1e-3 of the numpy.linalg.lstsq solution",
    "full-batch loss non-increasing at every step (to float32 rounding: 1e-6 relative)",
)


def fit_linear(x: np.ndarray, y: np.ndarray, lr: float, epochs: int):
    """Linear(d, 1) + MSE + full-batch SGD through dlcore.train.fit; returns (model, history)."""
    from .. import nn, optim
    from ..data import DataLoader, TensorDataset
    from ..train import fit
    from ._progress import fit_bar

    model = nn.Linear(x.shape[1], 1)
    loader = DataLoader(TensorDataset(x, y), batch_size=len(x))
    opt = optim.SGD(model.parameters(), lr=lr)
    history = fit(
        model, nn.MSELoss(), opt, loader, epochs=epochs, verbose=0, callbacks=fit_bar(epochs, "steps")
    )
    return model, history


def lstsq(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """float64 least squares [w..., b] of y ~ x w + b."""
    a = np.hstack([x.astype(np.float64), np.ones((len(x), 1))])
    return np.linalg.lstsq(a, y.astype(np.float64).ravel(), rcond=None)[0]


def non_increasing(losses, rel: float = 1e-6) -> bool:
    return all(b <= a + rel * abs(a) for a, b in zip(losses, losses[1:]))


def max_rise(losses) -> float:
    """Largest step-to-step increase of the loss relative to the previous value (<= 0: never rose)."""
    return max(((b - a) / abs(a) for a, b in zip(losses, losses[1:]) if a), default=0.0)


@register(
    "line",
    "BG/ML",
    "F01",
    criteria=CRITERIA,
    priority="P0",
    claim=(
        "Machine learning fits a function to (input, output) examples; for points scattered around "
        "a line, gradient descent on the squared error finds the same trendline f(x) = ax + b as "
        "linear regression's closed form."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Linear regression on a line, y = 2x + 1 + N(0, 0.1^2), by full-batch gradient descent.

    Data: 200 points with x uniform in [-1, 1]. Model: Linear(1, 1) trained with MSE and full-batch SGD
    (lr 0.5) through dlcore.train.fit for 200 steps (quick: 60). Measured: the largest difference between
    the learned (a, b) and numpy.linalg.lstsq's, and whether the loss ever rose from one step to the next.
    """
    from ..data import line_points

    x, y = line_points(n=200, seed=0)
    model, hist = fit_linear(x, y, lr=0.5, epochs=60 if quick else 200)
    a, b = float(model.weight.numpy().ravel()[0]), float(model.bias.numpy().ravel()[0])
    ref = lstsq(x, y)
    err = max(abs(a - ref[0]), abs(b - ref[1]))
    metrics = {
        "a": a,
        "b": b,
        "lstsq_a": float(ref[0]),
        "lstsq_b": float(ref[1]),
        "max_abs_diff": err,
        "final_loss": hist["loss"][-1],
        "steps": len(hist["loss"]),
    }
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax, ax2) = new_figure(2)
        ax.scatter(x[:, 0], y[:, 0], s=6, alpha=0.6, label="data")
        xs = np.linspace(-1, 1, 2)
        ax.plot(xs, a * xs + b, "r", label=f"fit {a:.3f}x + {b:.3f}")
        ax.legend()
        ax2.semilogy(hist["loss"])
        ax2.set(xlabel="step", ylabel="MSE")
        figures.append(save(fig, out_dir, "line"))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (err <= 1e-3, err),
            CRITERIA[1]: (non_increasing(hist["loss"]), f"max relative rise {max_rise(hist['loss']):.2g}"),
        },
    }
