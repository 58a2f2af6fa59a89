"""F17 (FIELD; RD/Meta): SGD with momentum and Nesterov momentum. The fused kernel matches a
float64 numpy reference over 100 random-gradient steps; on an ill-conditioned quadratic
(kappa = 100) momentum needs a fraction of plain gradient descent's iterations at the same lr;
Rosenbrock's valley shows the same effect."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

CRITERIA = (
    "SGD momentum and Nesterov parity with the float64 numpy reference <= 1e-6 relative (fp32, "
    "100 random-gradient steps)",
    "momentum 0.8 (about (1 - 1/sqrt(kappa))^2) reaches f <= 1e-6 on a kappa = 100 quadratic "
    "in <= 1/3 of plain GD's iterations at the same lr (1/L)",
)


def _iters_to(curve, tol) -> int | None:
    for k, f in enumerate(curve):
        if f <= tol:
            return k
    return None


def rosenbrock(steps: int, lr: float, momentum: float, nesterov: bool = False) -> list:
    from .. import nn, optim, tensor

    xy = nn.Parameter(tensor(np.array([-1.5, 2.0]), dtype=np.float64))
    opt = optim.SGD([xy], lr=lr, momentum=momentum, nesterov=nesterov)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        x, y = xy[0], xy[1]
        f = (1 - x) * (1 - x) + (y - x * x) * (y - x * x) * 100.0
        out.append(float(f.item()))
        f.backward()
        opt.step()
    return out


@register(
    "momentum",
    "FIELD",
    "F17",
    criteria=CRITERIA,
    priority="P0",
    claim=(
        "SGD with momentum (and Nesterov's variant) replaced plain stochastic gradient descent "
        "because accumulating a velocity moves much faster along ill-conditioned valleys at the "
        "same learning rate."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Momentum vs plain gradient descent: kernel parity, a kappa = 100 quadratic, and Rosenbrock.

    The fused SGD kernel (momentum, Nesterov, dampening, weight decay) is compared with a float64 numpy
    reference over 100 random-gradient steps. Then, on a seeded 20-dim quadratic with condition number 100
    (f(theta0) = 1, lr = 1/L, up to 3,000 steps), plain GD, momentum 0.8 and 0.9 and Nesterov 0.9 count
    iterations to f <= 1e-6; Rosenbrock (lr 1e-4, 10,000 steps; quick: 2,000) is shown, not gated.
    """
    from ._optim_common import parity
    from .learning_rate import gd_curve, quadratic

    par = max(
        parity("SGD", dict(lr=0.01, momentum=0.9)),
        parity("SGD", dict(lr=0.01, momentum=0.9, nesterov=True)),
        parity("SGD", dict(lr=0.01, momentum=0.9, dampening=0.1, weight_decay=1e-3)),
    )
    A, theta0 = quadratic(20, 1.0, 100.0, seed=1)
    theta0 = theta0 / np.sqrt(0.5 * float((theta0.T @ A @ theta0).item()))  # f(theta0) = 1
    lr = 1.0 / 100.0
    steps = 3000
    plain = gd_curve(A, theta0, lr, steps)
    mom = gd_curve(A, theta0, lr, steps, momentum=0.8)
    mom9 = gd_curve(A, theta0, lr, steps, momentum=0.9)
    nest = gd_curve(A, theta0, lr, steps, momentum=0.9, nesterov=True)
    k_plain, k_mom, k_mom9, k_nest = (_iters_to(c, 1e-6) for c in (plain, mom, mom9, nest))
    rsteps = 2000 if quick else 10000
    ros = {
        name: rosenbrock(rsteps, 1e-4, m, n)
        for name, m, n in track(
            (("SGD", 0.0, False), ("momentum 0.9", 0.9, False), ("Nesterov 0.9", 0.9, True)),
            "Rosenbrock runs",
        )
    }
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (a, b) = new_figure(2)
        for name, c in (
            ("SGD", plain),
            ("momentum 0.8", mom),
            ("momentum 0.9", mom9),
            ("Nesterov 0.9", nest),
        ):
            a.semilogy(np.maximum(c, 1e-300), label=name)
        a.axhline(1e-6, color="k", lw=0.5)
        a.set(xlabel="iteration", ylabel="f", title="quadratic, kappa = 100, lr = 1/L", ylim=(1e-12, 10))
        a.legend()
        for name, c in ros.items():
            b.semilogy(c, label=name)
        b.set(xlabel="iteration", ylabel="f", title="Rosenbrock, lr = 1e-4")
        b.legend()
        figures.append(save(fig, out_dir, "momentum"))
    ok_speed = k_plain is not None and k_mom is not None and k_mom <= k_plain / 3
    return {
        "metrics": {
            "parity_max_rel": par,
            "iters_plain": k_plain,
            "iters_momentum_0.8": k_mom,
            "iters_momentum_0.9": k_mom9,
            "iters_nesterov": k_nest,
            **{f"rosenbrock_final_{k}": v[-1] for k, v in ros.items()},
        },
        "criteria": {
            CRITERIA[0]: (bool(par <= 1e-6), par),
            CRITERIA[1]: (bool(ok_speed), f"{k_mom} vs {k_plain} iterations"),
        },
        "figures": figures,
    }
