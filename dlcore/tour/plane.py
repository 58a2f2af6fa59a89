"""F02 (BG/ML): fit f(x, y) = a x + b y + c to 300 noisy 3-D points by full-batch SGD via fit.

Compares (a, b, c) with numpy.linalg.lstsq and reports R^2 on the same points.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .line import fit_linear, lstsq
from .registry import register

CRITERIA = (
    "(a, b, c) within 1e-3 of the numpy.linalg.lstsq solution",
    "R^2 >= 0.99",
)


@register(
    "plane",
    "BG/ML",
    "F02",
    criteria=CRITERIA,
    priority="P0",
    claim=(
        "The same recipe fits a plane f(x, y) = ax + by + c to 3-D points that cluster around a "
        "two-dimensional object; gradient descent lands on the least-squares plane."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Linear regression on a plane, z = 0.5x - 1.5y + 2 + N(0, 0.1^2), by full-batch gradient descent.

    Data: 300 points with (x, y) uniform in [-2, 2]^2. Model: Linear(2, 1), MSE, full-batch SGD (lr 0.3)
    through fit for 200 steps (quick: 60). Measured: the largest difference between the learned (a, b, c)
    and numpy.linalg.lstsq's, and the fit's R^2 on the training points.
    """
    from ..data import plane_points
    from ..train import predict

    xy, z = plane_points(n=300, seed=0)
    model, hist = fit_linear(xy, z, lr=0.3, epochs=60 if quick else 200)
    w = model.weight.numpy().ravel().astype(np.float64)
    got = np.array([w[0], w[1], float(model.bias.numpy().ravel()[0])])
    ref = lstsq(xy, z)
    err = float(np.max(np.abs(got - ref)))
    pred = predict(model, xy).astype(np.float64).ravel()
    zt = z.astype(np.float64).ravel()
    r2 = 1.0 - np.sum((zt - pred) ** 2) / np.sum((zt - zt.mean()) ** 2)
    metrics = {
        "a": got[0],
        "b": got[1],
        "c": got[2],
        "lstsq_a": ref[0],
        "lstsq_b": ref[1],
        "lstsq_c": ref[2],
        "max_abs_diff": err,
        "r2": float(r2),
        "final_loss": hist["loss"][-1],
        "steps": len(hist["loss"]),
    }
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax, ax2) = new_figure(2)
        ax.scatter(zt, pred, s=6, alpha=0.6)
        ax.plot([zt.min(), zt.max()], [zt.min(), zt.max()], "r")
        ax.set(xlabel="z", ylabel="prediction", title=f"R^2 = {r2:.4f}")
        ax2.semilogy(hist["loss"])
        ax2.set(xlabel="step", ylabel="MSE")
        figures.append(save(fig, out_dir, "plane"))
    return {
        "metrics": {k: float(v) for k, v in metrics.items()},
        "figures": figures,
        "criteria": {CRITERIA[0]: (err <= 1e-3, err), CRITERIA[1]: (r2 >= 0.99, float(r2))},
    }
