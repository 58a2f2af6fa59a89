"""F53 (RD/Diff): the straight-through estimator (Bengio et al. 2013; Hinton's lectures).

sign() has zero gradient almost everywhere, so a network whose hidden units output exactly +-1
cannot be trained by backpropagation as it is. dlcore.nn.functional.ste_sign keeps the hard
forward (exactly +1 / -1) and backpropagates the gradient of hardtanh instead (the identity
where |x| <= 1, zero outside). The entry checks both halves of that definition on 10^5 values,
then trains an MLP 64-256-256-10 whose two hidden layers are Linear -> ste_sign (binary
activations, real weights) on the digits, beside the same MLP with tanh units as a
full-precision reference, and checks that the trained binary network's hidden units really are
+-1 on the test set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import nn
from ..nn import functional as F
from .registry import register

HIDDEN, EPOCHS, QUICK_EPOCHS, BATCH, LR, SEED = 256, 20, 6, 64, 1e-3, 0
UNIT_VALUES = 100_000

CRITERIA = (
    "unit: ste_sign's forward is exactly +-1 (sign(0) = +1) on 1e5 values incl. 0 and +-1",
    "unit: ste_sign's backward is the identity clipped to |x| <= 1, exactly",
    "binary-activation MLP 64-256-256-10 (ste_sign) on digits >= 90% test accuracy (quick: 6 epochs)",
)


def unit_checks() -> dict:
    """ste_sign on UNIT_VALUES values (N(0, 2^2), with 0, -0, +-1 and +-(1 +- 1e-7) appended):
    whether the forward equals where(x >= 0, 1, -1) exactly, and whether the gradient for a random
    upstream gradient g equals g * (|x| <= 1) exactly."""
    from .. import tensor

    rng = np.random.default_rng(53)
    edges = [0.0, -0.0, 1.0, -1.0, 1 + 1e-7, -1 - 1e-7, 1 - 1e-7, -1 + 1e-7]
    x0 = np.concatenate([2 * rng.standard_normal(UNIT_VALUES - len(edges)), edges]).astype(np.float32)
    g = rng.standard_normal(x0.shape).astype(np.float32)
    x = tensor(x0, requires_grad=True)
    out = F.ste_sign(x)
    out.backward(tensor(g))
    fwd = out.numpy()
    return {
        "forward_exact": bool(np.array_equal(fwd, np.where(x0 >= 0, 1.0, -1.0).astype(np.float32))),
        "forward_values": sorted(set(np.unique(fwd).tolist())),
        "backward_exact": bool(np.array_equal(x.grad.numpy(), g * (np.abs(x0) <= 1))),
        "passed_gradient_fraction": float((x.grad.numpy() != 0).mean()),
    }


class BinaryMLP(nn.Module):
    """64-H-H-10 with Linear -> act hidden layers; act = ste_sign (binary) or tanh (reference)."""

    def __init__(self, binary: bool, hidden: int = HIDDEN):
        super().__init__()
        self.l1, self.l2, self.out = nn.Linear(64, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, 10)
        self.act = F.ste_sign if binary else F.tanh

    def hidden_units(self, x):
        """The two hidden layers' outputs, (N, H) each."""
        h1 = self.act(self.l1(x))
        return h1, self.act(self.l2(h1))

    def forward(self, x):
        return self.out(self.hidden_units(x)[1])


def train(binary: bool, epochs: int, data) -> dict:
    """Adam (lr LR, batch BATCH, seeded order) on cross-entropy; per-epoch test accuracy. Returns the
    model too."""
    from .. import from_numpy, manual_seed, no_grad, optim
    from ._progress import track

    x, y, xt, yt = data
    manual_seed(SEED)
    model = BinaryMLP(binary)
    opt = optim.Adam(model.parameters(), lr=LR)
    rng = np.random.default_rng(SEED)
    acc, xt_t = [], from_numpy(xt)
    for _ in track(range(epochs), "epochs " + ("binary" if binary else "tanh")):
        order = rng.permutation(len(x))
        for i in range(0, len(x), BATCH):
            idx = order[i : i + BATCH]
            loss = F.cross_entropy(model(from_numpy(x[idx])), from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
        with no_grad():
            acc.append(float((model(xt_t).numpy().argmax(1) == yt).mean()))
    return {"test_accuracy": acc, "model": model}


@register(
    "straight-through",
    "RD/Diff",
    "F53",
    criteria=CRITERIA,
    priority="P1",
    claim="A hard, non-differentiable step such as sign() can sit inside a network trained by "
    "backpropagation if the backward pass pretends it was a smooth function (the straight-through "
    "estimator): a network with binary hidden units then learns nearly as well as a real-valued one.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """MLP with binary (+-1) hidden activations trained through ste_sign reaches >= 90% on digits.

    Unit checks: ste_sign's forward is exactly +-1 and its backward exactly g * (|x| <= 1), on 10^5
    values. Model: 64-256-256-10, hidden layers Linear -> ste_sign (real weights, binary
    activations); reference: the same with tanh. Training: Adam lr 1e-3, batch 64, 20 epochs
    (quick: 6) on the 1,438 training digits; test accuracy on the 359 held out after each epoch,
    and the set of values the trained binary network's hidden units take on the test set.
    """
    from .. import from_numpy, no_grad
    from ..data import digits

    unit = unit_checks()
    data = (*digits("train"), *digits("test"))
    epochs = QUICK_EPOCHS if quick else EPOCHS
    runs = {"binary": train(True, epochs, data), "tanh": train(False, epochs, data)}
    with no_grad():
        h1, h2 = runs["binary"]["model"].hidden_units(from_numpy(data[2]))
    hidden_values = sorted(set(np.unique(h1.numpy()).tolist()) | set(np.unique(h2.numpy()).tolist()))
    acc = runs["binary"]["test_accuracy"][-1]
    metrics = {
        "epochs": epochs,
        "unit_forward_values": unit["forward_values"],
        "unit_gradient_passed_fraction": unit["passed_gradient_fraction"],
        "binary_test_accuracy": acc,
        "binary_best_test_accuracy": max(runs["binary"]["test_accuracy"]),
        "tanh_test_accuracy": runs["tanh"]["test_accuracy"][-1],
        "binary_hidden_values_on_test": hidden_values,
        "curve_binary_test_accuracy": [round(v, 4) for v in runs["binary"]["test_accuracy"]],
        "curve_tanh_test_accuracy": [round(v, 4) for v in runs["tanh"]["test_accuracy"]],
    }
    figures = [] if out_dir is None else [_figure(runs, out_dir)]
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (unit["forward_exact"], str(unit["forward_values"])),
            CRITERIA[1]: (unit["backward_exact"], "exact" if unit["backward_exact"] else "differs"),
            CRITERIA[2]: (acc >= 0.90 and hidden_values == [-1.0, 1.0], round(acc, 4)),
        },
    }


def _figure(runs, out_dir) -> str:
    from .plotting import new_figure, save

    fig, (ax,) = new_figure(1, width=5.5, height=3.8)
    for kind, label in (("binary", "binary +-1 units (ste_sign)"), ("tanh", "tanh units (reference)")):
        acc = runs[kind]["test_accuracy"]
        ax.plot(np.arange(1, len(acc) + 1), acc, "o-", ms=3, label=label)
    ax.axhline(0.90, color="k", ls="--", label="90%")
    ax.set(xlabel="epoch", ylabel="test accuracy", title="MLP 64-256-256-10 on digits", ylim=(0.8, 1.0))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    return save(fig, out_dir, "straight_through")
