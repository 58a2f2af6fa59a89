"""F23 (FIELD): batch normalisation, "the number of iterations can drastically reduce".

8 hidden sigmoid layers of width 64 on the standardised digits, PyTorch's default init, plain SGD
at lr 0.5, batch 64. Without normalisation the sigmoids' small slopes (<= 1/4) compound through
the depth and the stack stays at chance; with Linear -> BatchNorm1d -> Sigmoid it passes 90% test
accuracy within a few hundred steps. Test accuracy is probed every 25 steps in eval mode, where
BatchNorm1d normalises with its running statistics: checked against a numpy forward pass that
uses running_mean/running_var, and row by row (one sample's output does not depend on the batch).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .registry import register

DEPTH, WIDTH, LR, BATCH, EVERY = 8, 64, 0.5, 64, 25
BN_STEPS, PLAIN_STEPS, QUICK_PLAIN_STEPS, TARGET = 300, 3000, 600, 0.90

CRITERIA = (
    "with BatchNorm1d: test accuracy >= 90% within 300 SGD steps (probed every 25, eval mode; "
    "quick: training stops there)",
    "without: test accuracy < 90% at every probe through 3,000 steps (quick: 600)",
    "eval mode uses the running statistics: outputs match a numpy forward with running_mean/var "
    "(max abs diff <= 1e-4) and each sample's output is the same alone as in the batch (<= 1e-5)",
)


def sigmoid_stack(bn: bool, seed: int = 0):
    """DEPTH x (Linear(., WIDTH) [-> BatchNorm1d] -> Sigmoid) -> Linear(WIDTH, 10)."""
    from .. import manual_seed, nn

    manual_seed(seed)
    layers, n = [], 64
    for _ in range(DEPTH):
        layers += [nn.Linear(n, WIDTH), *([nn.BatchNorm1d(WIDTH)] if bn else []), nn.Sigmoid()]
        n = WIDTH
    return nn.Sequential(*layers, nn.Linear(WIDTH, 10))


def numpy_forward(model, x: np.ndarray) -> np.ndarray:
    """model's eval-mode output computed in float64 numpy from its parameters and buffers."""
    from .. import nn

    h = x.astype(np.float64)
    for m in model:
        if isinstance(m, nn.Linear):
            h = h @ m.weight.numpy().T.astype(np.float64) + m.bias.numpy()
        elif isinstance(m, nn.BatchNorm1d):
            mean, var = m.running_mean.numpy(), m.running_var.numpy()
            h = (h - mean) / np.sqrt(var + m.eps) * m.weight.numpy() + m.bias.numpy()
        elif isinstance(m, nn.Sigmoid):
            h = 1.0 / (1.0 + np.exp(-h))
        else:
            raise TypeError(f"numpy_forward: unexpected layer {type(m).__name__}")
    return h


def running_stats_check(model, x: np.ndarray) -> dict:
    """Eval-mode output vs numpy_forward, and the first 16 rows run one at a time vs in the batch."""
    from .. import from_numpy, no_grad

    model.eval()
    with no_grad():
        out = model(from_numpy(x)).numpy()
        alone = np.concatenate([model(from_numpy(x[i : i + 1])).numpy() for i in range(16)])
    return {
        "vs_numpy": float(np.max(np.abs(out - numpy_forward(model, x)))),
        "alone_vs_batch": float(np.max(np.abs(alone - out[:16]))),
    }


def train(bn: bool, steps: int, data, stop_at_target: bool) -> dict:
    """SGD(LR) for up to `steps` steps; test accuracy probed every EVERY steps in eval mode."""
    from .. import optim
    from ._deep import evaluate, train_steps

    x, y, xt, yt = data
    model = sigmoid_stack(bn)
    run = train_steps(
        model,
        optim.SGD(model.parameters(), lr=LR),
        x,
        y,
        steps,
        batch=BATCH,
        every=EVERY,
        probe=lambda m, step: evaluate(m, xt, yt)[1],
        stop=(lambda acc: acc >= TARGET) if stop_at_target else None,
    )
    first = next((s for s, acc in run["probes"] if acc >= TARGET), None)
    return {"model": model, "run": run, "first_step_at_target": first}


@register(
    "batchnorm",
    "FIELD",
    "F23",
    criteria=CRITERIA,
    priority="P0",
    claim=(
        "Batch normalisation, normalising each layer's inputs over the mini-batch, can drastically "
        "reduce the number of iterations training needs, and lets deep stacks train where they "
        "would otherwise stall."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Batch normalisation: a deep sigmoid stack trains in a few hundred steps with it, not at all without.

    Data: the digits (80/20 split, standardised). Model: 8 hidden Linear(64) -> Sigmoid layers, PyTorch's
    default init, with and without BatchNorm1d before each sigmoid; SGD lr 0.5, batch 64. Test accuracy is
    probed in eval mode every 25 steps: up to 300 steps with BatchNorm (quick: until 90%), 3,000 without
    (quick: 600). Also checked: eval mode uses the running statistics (a numpy forward with
    running_mean/var, and one sample alone vs in a batch).
    """
    from .mlp import standardized_digits

    data = standardized_digits()
    with_bn = train(True, BN_STEPS, data, stop_at_target=quick)  # quick: stop at 90%
    plain = train(False, QUICK_PLAIN_STEPS if quick else PLAIN_STEPS, data, stop_at_target=True)
    check = running_stats_check(with_bn["model"], data[2])
    bn_acc = [a for _, a in with_bn["run"]["probes"]]
    plain_acc = [a for _, a in plain["run"]["probes"]]
    metrics = {
        "bn_first_step_at_90": with_bn["first_step_at_target"],
        "bn_steps": with_bn["run"]["steps"],
        "bn_final_test_accuracy": bn_acc[-1],
        "plain_steps": plain["run"]["steps"],
        "plain_first_step_at_90": plain["first_step_at_target"],
        "plain_best_test_accuracy": max(plain_acc),
        "plain_final_test_accuracy": plain_acc[-1],
        "eval_vs_numpy_running_stats": check["vs_numpy"],
        "eval_alone_vs_batch": check["alone_vs_batch"],
        "bn_seconds": with_bn["run"]["seconds"],
        "plain_seconds": plain["run"]["seconds"],
    }
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax,) = new_figure(1)
        for label, r in (("BatchNorm1d", with_bn), ("plain", plain)):
            steps, acc = zip(*r["run"]["probes"])
            ax.plot(steps, acc, label=label)
        ax.axhline(TARGET, color="k", lw=0.5, ls="--")
        ax.set(xlabel="SGD step", ylabel="test accuracy (eval mode)", xscale="log")
        ax.legend()
        figures.append(save(fig, out_dir, "batchnorm"))
    first = with_bn["first_step_at_target"]
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (first is not None and first <= BN_STEPS, f"90% at step {first}"),
            CRITERIA[1]: (plain["first_step_at_target"] is None, f"best {max(plain_acc):.3f}"),
            CRITERIA[2]: (
                check["vs_numpy"] <= 1e-4 and check["alone_vs_batch"] <= 1e-5,
                f"{check['vs_numpy']:.2g}, {check['alone_vs_batch']:.2g}",
            ),
        },
    }
