"""F24 (FIELD; RD/NewArch): residual connections make a 40-layer ReLU stack trainable.

The same digits, the same 40 hidden Linear(32, 32) -> ReLU layers, PyTorch's default init and SGD
with momentum (lr 0.05, 0.9, batch 64): the plain stack's signal dies out on the way up (ReLU
halves the variance and the default init shrinks it further), its output is constant and the
loss stays at ln 10; wrapping every hidden layer as Residual(Linear -> ReLU, scale=1/sqrt(40))
keeps an identity path through the depth and it fits the training set. The branch scale stands in
for normalisation: 40 unscaled branches add up to a blow-up (the prototype diverged).
"""

from __future__ import annotations

from pathlib import Path

from ._deep import LN10, deep_stack, evaluate, train_steps
from .registry import register

DEPTH, STEPS, LR, MOMENTUM = 40, 1500, 0.05, 0.9
QUICK_STEPS = 150

CRITERIA = (
    "plain 40-layer ReLU stack: train loss stays at ln 10 (within 0.05) after 1,500 SGD+momentum "
    "steps (quick: 150)",
    "residual stack (branch scale 1/sqrt(40)): train loss <= 0.05 after the same steps",
    "residual stack: test accuracy >= 95%",
)


def train_stack(kind: str, steps: int, data, depth: int = DEPTH, seed: int = 0) -> dict:
    """deep_stack(kind, depth) trained `steps` steps of SGD(LR, MOMENTUM) on data = (x, y, xt, yt);
    returns the final full-train loss, test loss/accuracy, per-step batch losses and seconds."""
    from .. import optim

    x, y, xt, yt = data
    model = deep_stack(kind, depth, seed=seed)
    run = train_steps(model, optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM), x, y, steps, seed=seed)
    train_loss, train_acc = evaluate(model, x, y)
    test_loss, test_acc = evaluate(model, xt, yt)
    return {
        "train_loss": train_loss,
        "train_accuracy": train_acc,
        "test_loss": test_loss,
        "test_accuracy": test_acc,
        "batch_loss": run["loss"],
        "seconds": run["seconds"],
    }


def loss_figure(runs: dict, out_dir: Path, name: str) -> str:
    """Per-step batch loss of each run (labelled by key), log scale, ln 10 marked."""
    import numpy as np

    from .plotting import new_figure, save

    fig, (ax,) = new_figure(1)
    for label, r in runs.items():
        loss = np.asarray(r["batch_loss"])
        k = 20
        smooth = np.convolve(loss, np.ones(k) / k, mode="valid") if len(loss) >= k else loss
        ax.plot(smooth, label=label)
    ax.axhline(LN10, color="k", lw=0.5, ls="--", label="ln 10")
    ax.set(xlabel="SGD step", ylabel="batch cross-entropy (20-step mean)", yscale="log")
    ax.legend()
    return save(fig, out_dir, name)


@register(
    "resnet",
    "FIELD",
    "F24",
    criteria=CRITERIA,
    priority="P0",
    claim=(
        "Residual connections, adding each layer's input to its output, let very deep networks "
        "train where the same plain stack does not learn at all."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Residual networks: a 40-layer ReLU stack learns with skip connections and stays at chance without.

    Data: the digits (80/20 split, standardised). Models: 40 hidden Linear(32, 32) -> ReLU layers,
    PyTorch's default init, plain or each wrapped as Residual(..., scale=1/sqrt(40)); SGD lr 0.05 with
    momentum 0.9, batch 64, 1,500 steps (quick: 150). Measured: full training-set loss of both (the plain
    one's should sit at ln 10 = chance) and the residual stack's test accuracy.
    """
    from .mlp import standardized_digits

    data = standardized_digits()  # the 80/20 split, standardised with the training statistics
    steps = QUICK_STEPS if quick else STEPS
    plain = train_stack("plain", steps, data)
    res = train_stack("residual", steps, data)
    metrics = {
        "depth": DEPTH,
        "steps": steps,
        "plain_train_loss": plain["train_loss"],
        "plain_test_accuracy": plain["test_accuracy"],
        "residual_train_loss": res["train_loss"],
        "residual_train_accuracy": res["train_accuracy"],
        "residual_test_accuracy": res["test_accuracy"],
        "plain_seconds": plain["seconds"],
        "residual_seconds": res["seconds"],
    }
    figures = [] if out_dir is None else [loss_figure({"plain": plain, "residual": res}, out_dir, "resnet")]
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (abs(plain["train_loss"] - LN10) <= 0.05, plain["train_loss"]),
            CRITERIA[1]: (res["train_loss"] <= 0.05, res["train_loss"]),
            CRITERIA[2]: (res["test_accuracy"] >= 0.95, res["test_accuracy"]),
        },
    }
