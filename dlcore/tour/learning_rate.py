"""F16 (SP/Diff): the learning rate decides how fast, and whether, training moves. Gradient
descent on f(theta) = 1/2 theta^T A theta (A symmetric positive definite, L = lambda_max)
converges for lr < 2/L and diverges beyond: checked at 0.9 * 2/L and 1.1 * 2/L."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

CRITERIA = (
    "GD on a 20-dim quadratic (L = 10) converges at lr = 0.9 * 2/L: f drops below 1e-6 f(theta0)",
    "GD diverges at lr = 1.1 * 2/L: f exceeds 1e6 f(theta0)",
)


def quadratic(n: int = 20, lmin: float = 0.5, lmax: float = 10.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.linspace(lmin, lmax, n)
    return (q * lam) @ q.T, rng.standard_normal((n, 1))


def gd_curve(A, theta0, lr: float, steps: int, momentum: float = 0.0, nesterov: bool = False) -> list:
    """f(theta_k) for k = 0..steps, theta updated by dlcore.optim.SGD through autograd."""
    from .. import nn, optim, tensor

    theta = nn.Parameter(tensor(theta0.copy(), dtype=np.float64))
    At = tensor(A, dtype=np.float64)
    opt = optim.SGD([theta], lr=lr, momentum=momentum, nesterov=nesterov)
    out = []
    for _ in range(steps + 1):
        opt.zero_grad()
        f = (theta * (At @ theta)).sum() * 0.5
        out.append(float(f.item()))
        if not np.isfinite(out[-1]) or out[-1] > 1e30:
            break
        f.backward()
        opt.step()
    return out


@register(
    "learning-rate",
    "SP/Diff",
    "F16",
    criteria=CRITERIA,
    priority="P0",
    claim=(
        "The learning rate decides how fast training moves and whether it converges at all: on a "
        "quadratic with curvature L, gradient descent converges for steps below 2/L and blows up "
        "above."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Learning-rate sweep on a quadratic: gradient descent converges below lr = 2/L and diverges above.

    Data: f(theta) = 1/2 theta^T A theta with A a seeded 20x20 symmetric positive definite matrix of
    largest eigenvalue L = 10. Training: 200 plain gradient-descent steps (numpy, float64) at lr = 0.1,
    0.5, 0.9, 1.0 and 1.1 times 2/L. Measured: f after 200 steps relative to f(theta0) at 0.9 and 1.1
    times 2/L.
    """
    A, theta0 = quadratic()
    L = float(np.linalg.eigvalsh(A).max())
    steps = 200
    factors = [0.1, 0.5, 0.9, 1.0, 1.1]
    curves = {f: gd_curve(A, theta0, f * 2 / L, steps) for f in track(factors, "learning rates")}
    f0 = curves[0.9][0]
    conv, div = curves[0.9][-1], curves[1.1][-1]
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax,) = new_figure(1, width=6)
        for f, c in curves.items():
            ax.semilogy(np.maximum(c, 1e-300), label=f"lr = {f} * 2/L")
        ax.set(xlabel="step", ylabel="f(theta)", title=f"GD on a quadratic, L = {L:.1f}", ylim=(1e-20, 1e12))
        ax.legend()
        figures.append(save(fig, out_dir, "learning-rate"))
    return {
        "metrics": {
            "L": L,
            "f0": f0,
            "f_final_0.9": conv,
            "f_final_1.1": div,
            **{f"f_final_{f}": c[-1] for f, c in curves.items()},
        },
        "criteria": {
            CRITERIA[0]: (bool(conv < 1e-6 * f0), f"f / f(theta0) = {conv / f0:.3g}"),
            CRITERIA[1]: (bool(not np.isfinite(div) or div > 1e6 * f0), f"f / f(theta0) = {div / f0:.3g}"),
        },
        "figures": figures,
    }
