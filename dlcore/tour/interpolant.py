"""F12 (SP/Practical): the universal-approximation proof, made constructive.

The proof that one hidden layer suffices "hard-codes the output at enough x": place a ReLU kink at
each knot and set the output weights to the change of slope there. dlcore.theory.relu_interpolant
builds that net by hand (no training) for f(x) = sin(3x) + 0.3 x^2 on [-pi, pi] with N uniform
knots. It matches f at the knots to float64 rounding and, as piecewise-linear interpolation of a
smooth function, its sup error is at most h^2/8 max|f''| with h = 2 pi / (N - 1): error ~ N^-2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .registry import register

CRITERIA = (
    "interpolant equals f at every knot to <= 1e-12 (N = 8..1024; quick: 8..256)",
    "sup error on [-pi, pi] falls as N^-2: log-log slope in [-2.2, -1.8]",
)


def target(x: np.ndarray) -> np.ndarray:
    """f(x) = sin(3x) + 0.3 x^2, the function of F11 and F12."""
    return np.sin(3 * x) + 0.3 * x**2


def max_second_derivative() -> float:
    """max |f''| on [-pi, pi]: |-9 sin(3x) + 0.6| <= 9.6, reached at sin(3x) = -1."""
    return 9.6


@register(
    "interpolant",
    "SP/Practical",
    "F12",
    criteria=CRITERIA,
    priority="P1",
    claim="A one-hidden-layer ReLU network can represent any continuous function to any accuracy: "
    "the proof simply hard-codes the output at enough inputs, one unit per kink.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """A hand-built one-hidden-layer ReLU net interpolating sin(3x) + 0.3x^2 at N knots, no training.

    dlcore.theory.relu_interpolant puts N uniform knots on [-pi, pi] (N = 8, 16, ..., 1024; quick:
    up to 256) and builds Linear(1, N), ReLU, Linear(N, 1) in float64. Measured: the largest
    |net - f| at the knots, the sup error on a 20,001-point grid (quick: 10,001), the log-log
    slope of sup error vs N, and the bound h^2/8 max|f''|.
    """
    from ..theory import evaluate, relu_interpolant
    from ._progress import track
    from ._theory import sig

    ns = [8, 16, 32, 64, 128, 256] + ([] if quick else [512, 1024])
    grid = np.linspace(-np.pi, np.pi, 10_001 if quick else 20_001)  # >= 20 points per knot interval
    f_grid = target(grid)
    knot_err, sup_err = [], []
    for n in track(ns, "knot counts"):
        knots = np.linspace(-np.pi, np.pi, n)
        net = relu_interpolant(target, knots)
        knot_err.append(float(np.abs(evaluate(net, knots) - target(knots)).max()))
        sup_err.append(float(np.abs(evaluate(net, grid) - f_grid).max()))
    slope = float(np.polyfit(np.log(ns), np.log(sup_err), 1)[0])
    bound = [(2 * np.pi / (n - 1)) ** 2 / 8 * max_second_derivative() for n in ns]
    metrics = {
        "knots": ns,
        "max_error_at_knots": sig(knot_err),
        "sup_error": sig(sup_err),
        "sup_error_bound_h2_over_8_max_f2": sig(bound),
        "loglog_slope": sig(slope),
        "hidden_units": ns,
    }
    figures = []
    if out_dir is not None:
        figures.append(_figure(out_dir, ns, sup_err, bound, relu_interpolant, evaluate))
    worst = max(knot_err)
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (worst <= 1e-12, f"{worst:.1e}"),
            CRITERIA[1]: (-2.2 <= slope <= -1.8, round(slope, 3)),
        },
    }


def _figure(out_dir: Path, ns, sup_err, bound, relu_interpolant, evaluate) -> str:
    from .plotting import new_figure, save

    fig, (ax, ax2) = new_figure(2, width=5.0, height=3.8)
    x = np.linspace(-np.pi, np.pi, 2001)
    ax.plot(x, target(x), "k-", lw=3, alpha=0.35, label="f(x) = sin(3x) + 0.3x²")
    for n, style in ((8, "C0--"), (16, "C1-")):
        knots = np.linspace(-np.pi, np.pi, n)
        ax.plot(
            x, evaluate(relu_interpolant(target, knots), x), style, lw=1.2, label=f"ReLU net, N = {n} knots"
        )
        ax.plot(knots, target(knots), style[:2] + "o", ms=4)
    ax.set(xlabel="x", ylabel="y", title="Hand-built one-hidden-layer ReLU nets")
    ax.legend(fontsize=8)
    ax2.loglog(ns, bound, "-", color="0.6", lw=6, alpha=0.5, label="bound h²/8 · max|f''| (h = 2π/(N-1))")
    ax2.loglog(ns, sup_err, "o-", label="sup error on the grid")
    ax2.set(xlabel="N (knots = hidden units)", ylabel="sup |net - f|", title="Error falls as N⁻²")
    ax2.legend(fontsize=8)
    return save(fig, out_dir, "interpolant")
