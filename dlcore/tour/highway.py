"""F25 (RD/NewArch): highway networks (Srivastava et al. 2015, arXiv 1505.00387, the link behind
the seed post's "Residual networks" sentence) train where the plain stack does not.

The F24 setup (digits, 40 hidden layers of width 32, PyTorch's default init, SGD lr 0.05 with
momentum 0.9, batch 64, 1,500 steps) with every hidden layer a Highway(32, gate_bias=-2):
y = H(x) T(x) + x (1 - T(x)), H = Linear -> ReLU, T = sigmoid(Linear) starting near 0.12, so the
carry path (1 - T) passes the input up. The carry shrinks the signal by ~0.88 a layer at first and
the loss sits near ln 10 for several hundred steps before it falls; the plain stack never leaves it.
"""

from __future__ import annotations

from pathlib import Path

from ._deep import LN10
from .registry import register
from .resnet import STEPS, loss_figure, train_stack

DEPTH, QUICK_DEPTH, QUICK_STEPS = 40, 10, 300

CRITERIA = (
    "highway stack (depth 40, gate_bias -2): train loss <= 0.1 after 1,500 SGD+momentum steps "
    "(quick: depth 10, 300 steps)",
    "plain stack of the same depth and steps: train loss stays at ln 10 (within 0.05)",
)


@register(
    "highway",
    "RD/NewArch",
    "F25",
    criteria=CRITERIA,
    priority="P2",
    claim=(
        "Highway networks gate between a layer's transform and its untouched input, so, like "
        "residual networks, very deep stacks become trainable."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Highway networks: the depth-40 stack of F24 trains when every layer is a gated highway layer.

    Data: the digits (80/20 split, standardised). Models: 40 hidden layers of width 32 (quick: 10), plain
    Linear -> ReLU or Highway(32, gate_bias=-2), i.e. y = H(x) T(x) + x (1 - T(x)); SGD lr 0.05 with
    momentum 0.9, batch 64, 1,500 steps (quick: 300). Measured: full training-set loss of both stacks (the
    plain one at ln 10 = chance).
    """
    from .mlp import standardized_digits

    data = standardized_digits()
    depth, steps = (QUICK_DEPTH, QUICK_STEPS) if quick else (DEPTH, STEPS)
    plain = train_stack("plain", steps, data, depth=depth)
    hw = train_stack("highway", steps, data, depth=depth)
    metrics = {
        "depth": depth,
        "steps": steps,
        "plain_train_loss": plain["train_loss"],
        "highway_train_loss": hw["train_loss"],
        "highway_train_accuracy": hw["train_accuracy"],
        "highway_test_accuracy": hw["test_accuracy"],
        "plain_seconds": plain["seconds"],
        "highway_seconds": hw["seconds"],
    }
    figures = [] if out_dir is None else [loss_figure({"plain": plain, "highway": hw}, out_dir, "highway")]
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (hw["train_loss"] <= 0.1, hw["train_loss"]),
            CRITERIA[1]: (abs(plain["train_loss"] - LN10) <= 0.05, plain["train_loss"]),
        },
    }
