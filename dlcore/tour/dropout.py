"""F22 (FIELD): dropout, "one of the more common regularization tricks".

The unit check: inverted dropout keeps the expectation (E[out] = in: the kept units are scaled by
1/(1-p)) and eval mode is the identity. The demo needs something to regularise: on clean digits
the gap is <= 0.4 pp (calibration), so 500 training digits get 30% of their labels flipped to
another class (dlcore.data.noisy_labels) and an MLP 64-512-512-10 trained 100 epochs memorises the
noise; Dropout(0.5) after each hidden ReLU keeps test accuracy (clean test labels) higher.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

N_TRAIN, NOISE, P, EPOCHS, BATCH, LR = 500, 0.3, 0.5, 100, 64, 1e-3
SEEDS, QUICK_SEEDS, QUICK_EPOCHS = (0, 1, 2), (0,), 40
UNITS = 1_000_000

CRITERIA = (
    "unit: Dropout(0.5) in training mode keeps the mean over 10^6 units within 1% of the input's",
    "unit: Dropout(0.5) in eval mode returns its input unchanged",
    "500 digits, 30% label noise, MLP 64-512-512-10, 100 epochs: test accuracy with dropout 0.5 is "
    ">= 2 pp higher than without, mean of 3 seeds (quick: 1 seed, 40 epochs)",
    "dropout's gain is > 0 on every seed",
)


def unit_checks() -> dict:
    """Mean ratio out/in of nn.Dropout(P) over UNITS units in training mode, and whether eval
    mode returns the input's values exactly. The input, U(0.5, 1.5), comes from dlcore's own
    generator ahead of the mask: a numpy Generator seeded like dlcore's would draw the mask's
    uniforms again and keep exactly the units above 1."""
    from .. import from_numpy, nn, rand

    x = 0.5 + rand(UNITS).numpy()
    layer = nn.Dropout(P)
    out = layer(from_numpy(x)).numpy()
    kept = float(np.mean(out != 0))
    layer.eval()
    same = bool(np.array_equal(layer(from_numpy(x)).numpy(), x))
    return {
        "mean_ratio": float(out.mean(dtype=np.float64) / x.mean(dtype=np.float64)),
        "kept": kept,
        "eval_same": same,
    }


def noisy_digits(seed: int):
    """N_TRAIN training digits (a seeded subset of the 80% split) with NOISE of their labels
    flipped, and the clean 20% test split: (x, y_noisy, xt, yt), pixels in [0, 1]."""
    from ..data import digits, noisy_labels

    x, y = digits("train")
    xt, yt = digits("test")
    idx = np.random.default_rng(seed).permutation(len(x))[:N_TRAIN]
    return x[idx], noisy_labels(y[idx], NOISE, num_classes=10, seed=seed)[0], xt, yt


def mlp(p: float, seed: int):
    """64-512-512-10, ReLU, Dropout(p) after each hidden ReLU when p > 0."""
    from .. import manual_seed, nn

    manual_seed(seed)
    drop = [nn.Dropout(p)] if p > 0 else []
    return nn.Sequential(
        nn.Linear(64, 512), nn.ReLU(), *drop, nn.Linear(512, 512), nn.ReLU(), *drop, nn.Linear(512, 10)
    )


def train(p: float, seed: int, epochs: int, data) -> dict:
    """fit mlp(p, seed) with Adam on the noisy training set; per-epoch test accuracy."""
    from .. import nn, optim
    from ..data import DataLoader, TensorDataset
    from ..train import fit

    x, y, xt, yt = data
    model = mlp(p, seed)
    hist = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=LR),
        DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True, seed=seed),
        epochs=epochs,
        val_loader=DataLoader(TensorDataset(xt, yt), batch_size=len(xt)),
        metrics=["accuracy"],
        verbose=0,
    )
    return {"test_accuracy": hist["val_accuracy"], "test_loss": hist["val_loss"], "train_loss": hist["loss"]}


@register(
    "dropout",
    "FIELD",
    "F22",
    criteria=CRITERIA,
    priority="P0",
    claim=(
        "Dropout, randomly zeroing units while training, is one of the most common regularisation "
        "tricks: it keeps a large net from memorising noise and so improves held-out accuracy."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Dropout as a regulariser: an MLP with and without Dropout(0.5) on digits with noisy labels.

    Unit checks: over 10^6 units Dropout(0.5) in training mode keeps the mean, and in eval mode returns
    its input. Demo: 500 training digits with 30% of their labels flipped to another class, an MLP
    64-512-512-10 (ReLU) with and without Dropout(0.5) after each hidden layer, Adam, 100 epochs, 3 seeds
    (quick: 1 seed, 40 epochs). Measured: the test-accuracy gain of dropout on the clean test labels, its
    mean and its value on each seed.
    """
    unit = unit_checks()
    seeds, epochs = (QUICK_SEEDS, QUICK_EPOCHS) if quick else (SEEDS, EPOCHS)
    runs = {}
    for s in track(seeds, "seeds"):
        data = noisy_digits(s)
        runs[s] = {"plain": train(0.0, s, epochs, data), "dropout": train(P, s, epochs, data)}
    gains = [runs[s]["dropout"]["test_accuracy"][-1] - runs[s]["plain"]["test_accuracy"][-1] for s in seeds]
    metrics = {
        "unit_mean_ratio": unit["mean_ratio"],
        "unit_kept_fraction": unit["kept"],
        "seeds": len(seeds),
        "epochs": epochs,
        "mean_gain_pp": 100 * float(np.mean(gains)),
    }
    for s, g in zip(seeds, gains):
        for kind in ("plain", "dropout"):
            metrics[f"seed{s}_{kind}_test_accuracy"] = runs[s][kind]["test_accuracy"][-1]
            metrics[f"seed{s}_{kind}_test_nll"] = runs[s][kind]["test_loss"][-1]
        metrics[f"seed{s}_gain_pp"] = 100 * g
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax,) = new_figure(1)
        for kind, color in (("plain", "C0"), ("dropout", "C1")):
            for s in seeds:
                label = f"{kind}" if s == seeds[0] else None
                ax.plot(runs[s][kind]["test_accuracy"], color=color, alpha=0.8, label=label)
        ax.set(xlabel="epoch", ylabel="test accuracy (clean labels)", title="30% label noise, 500 digits")
        ax.legend()
        figures.append(save(fig, out_dir, "dropout"))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (abs(unit["mean_ratio"] - 1.0) <= 0.01, f"mean ratio {unit['mean_ratio']:.4f}"),
            CRITERIA[1]: (unit["eval_same"], "identical" if unit["eval_same"] else "changed"),
            CRITERIA[2]: (float(np.mean(gains)) >= 0.02, f"{100 * float(np.mean(gains)):+.1f} pp"),
            CRITERIA[3]: (all(g > 0 for g in gains), ", ".join(f"{100 * g:+.1f}" for g in gains) + " pp"),
        },
    }
