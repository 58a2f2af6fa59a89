"""F45 (RD/Neuro): feedback alignment (Lillicrap et al. 2016) nearly matches backprop on digits.

Two 64-256-256-10 ReLU MLPs start from the same weights (dlcore.manual_seed before each) and
train with Adam(1e-3), batch 64, on the same shuffles: one with backprop, one with
nn.Linear(..., feedback="alignment") in every layer, whose backward sends the error to the layer
below through a fixed random matrix B instead of W^T. Test accuracy is measured after every
epoch. The "update" of the first layer is its weight gradient on the whole training set (the
direction before Adam's per-coordinate scaling); at every epoch the FA network's first-layer
update is compared with the true gradient at the same weights (the same layers switched to
feedback=None), and the angle between them is reported. At the start it is near 90 degrees
(B is unrelated to W); training aligns W with B and the angle falls.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._digits_training import accuracy, batches, cross_entropy_step, relu_mlp
from ._progress import track
from .registry import register

SIZES = (64, 256, 256, 10)
CRITERIA = (
    "feedback-alignment test accuracy >= 95% (quick, 8 epochs: >= 93%)",
    "feedback-alignment test accuracy >= backprop test accuracy - 3 pp",
    "angle between the FA and BP first-layer updates at the start within 90 +- 10 degrees",
    "angle between the FA and BP first-layer updates at the end < 80 degrees",
)


def first_layer_update_angle(net, x: np.ndarray, y: np.ndarray) -> float:
    """Angle in degrees between the first layer's weight gradient under feedback alignment and
    under backprop, both at net's current weights on the whole of (x, y); net is an FA network
    (every Linear with feedback="alignment"), left as it was."""
    from .. import from_numpy, nn
    from ..nn import functional as F

    linears = [m for m in net if isinstance(m, nn.Linear)]
    grads = []
    for mode in ("alignment", None):
        for m in linears:
            m.feedback = mode
        net.zero_grad()
        F.cross_entropy(net(from_numpy(x)), from_numpy(y)).backward()
        grads.append(linears[0].weight.grad.numpy().astype(np.float64).ravel())
    for m in linears:
        m.feedback = "alignment"
    net.zero_grad()
    fa, bp = grads
    cos = fa @ bp / (np.linalg.norm(fa) * np.linalg.norm(bp))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def train_pair(epochs: int, seed: int | None = None, batch: int = 64) -> dict:
    """Backprop and FA MLPs from the same initial weights and the same shuffles, `epochs` epochs
    each; returns per-epoch test accuracies of both and the FA-vs-BP first-layer update angle
    before training and after every epoch. seed None: drawn from dlcore's RNG (the tour's seed)."""
    from .. import manual_seed, optim
    from ..random import generator
    from .mlp import standardized_digits

    seed = int(generator().integers(2**31 - 1)) if seed is None else seed
    x, y, xt, yt = standardized_digits()
    nets = {}
    for name, feedback in (("bp", None), ("fa", "alignment")):
        manual_seed(seed)
        nets[name] = relu_mlp(SIZES, feedback=feedback)
    opts = {k: optim.Adam(n.parameters(), lr=1e-3) for k, n in nets.items()}
    acc = {k: [] for k in nets}
    angle = [first_layer_update_angle(nets["fa"], x, y)]
    rngs = {k: np.random.default_rng(seed) for k in nets}
    for _ in track(range(epochs), "epochs"):
        for k, net in nets.items():
            for idx in batches(len(x), batch, rngs[k]):
                cross_entropy_step(net, opts[k], x[idx], y[idx])
            acc[k].append(accuracy(net, xt, yt))
        angle.append(first_layer_update_angle(nets["fa"], x, y))
    return {"bp_acc": acc["bp"], "fa_acc": acc["fa"], "angle_deg": angle}


@register(
    "feedback-alignment",
    "RD/Neuro",
    "F45",
    criteria=CRITERIA,
    priority="P1",
    claim="Backprop's backward pass need not reuse the forward weights: sending errors back "
    "through fixed random matrices (feedback alignment) trains a deep net nearly as well, because "
    "the forward weights come to align with the feedback.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Feedback alignment vs backprop: MLP 64-256-256-10 on the digits, Adam, 40 epochs.

    Both nets start from the same weights and see the same batches (64, 1,438 training digits,
    359 test digits); the FA net uses nn.Linear(..., feedback="alignment") in all three layers.
    Measured: test accuracy per epoch for both, and the angle between the FA net's first-layer
    weight update (full-batch gradient) and the true backprop gradient at the same weights, at
    the start and after every epoch. Quick mode: 8 epochs.
    """
    epochs = 8 if quick else 40
    r = train_pair(epochs)
    fa, bp = r["fa_acc"][-1], r["bp_acc"][-1]
    start, end = r["angle_deg"][0], r["angle_deg"][-1]
    metrics = {
        "fa_test_accuracy": fa,
        "bp_test_accuracy": bp,
        "fa_minus_bp_pp": 100 * (fa - bp),
        "angle_start_deg": start,
        "angle_end_deg": end,
        "angle_min_deg": min(r["angle_deg"]),
        "epochs": epochs,
        "fa_test_accuracy_per_epoch": r["fa_acc"],
        "bp_test_accuracy_per_epoch": r["bp_acc"],
        "angle_deg_per_epoch": r["angle_deg"],
    }
    figures = []
    if out_dir is not None:
        figures.append(_figure(r, out_dir))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (fa >= (0.93 if quick else 0.95), round(fa, 4)),
            CRITERIA[1]: (fa >= bp - 0.03, f"{100 * fa:.1f}% vs {100 * bp:.1f}%"),
            CRITERIA[2]: (abs(start - 90.0) <= 10.0, round(start, 1)),
            CRITERIA[3]: (end < 80.0, round(end, 1)),
        },
    }


def _figure(r: dict, out_dir: Path) -> str:
    from .plotting import new_figure, save

    fig, (ax, ax2) = new_figure(2)
    ep = np.arange(1, len(r["bp_acc"]) + 1)
    ax.plot(ep, 100 * np.asarray(r["bp_acc"]), label="backprop")
    ax.plot(ep, 100 * np.asarray(r["fa_acc"]), label="feedback alignment", ls="--")
    ax.set(xlabel="epoch", ylabel="test accuracy (%)", title="Digits, MLP 64-256-256-10", ylim=(70, 100))
    ax.legend(loc="lower right")
    ax2.plot(np.arange(len(r["angle_deg"])), r["angle_deg"], color="C2")
    ax2.axhline(90.0, color="k", lw=0.5, ls=":", label="90 deg (unrelated)")
    ax2.axhline(80.0, color="C3", lw=0.5, ls="--", label="criterion: < 80 deg")
    ax2.set(
        xlabel="epoch",
        ylabel="angle (degrees)",
        title="FA vs backprop first-layer update",
        ylim=(0, 100),
    )
    ax2.legend(loc="lower left")
    return save(fig, out_dir, "feedback-alignment")
