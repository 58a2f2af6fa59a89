"""F27 (WHY/Arch): "fully convolutional models may beat models that mix convolutions with pooling".

AllConvNet (stride-2 convolutions, Springenberg et al.) against its matched conv + max-pool
control (the same layers with stride-1 convolutions followed by MaxPool2d(2): equal parameter
counts) on the 8x8 digits, over 5 seeds; seed s picks the stratified split, the initialisation
and the batch order, the same for both nets, so the per-seed differences are paired. Reported:
the mean difference (all-conv - max-pool) with its 95% Student-t interval; its sign is not gated
(the post says "may").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._cnn_common import accuracy, fit_classifier, mean_ci95, n_params, standardized_digit_images
from ._progress import track
from .registry import register

CRITERIA = (
    "all-conv and conv + max-pool: mean test accuracy over 5 seeds >= 97% each "
    "(quick mode: 2 seeds, 2 epochs, >= 85%)",
)
CHANNELS = (24, 48)
LR = 5e-3  # Adam, annealed on a cosine over the epochs


def _train(downsample: str, seed: int, epochs: int, data):
    from ..models import AllConvNet
    from ..random import manual_seed

    manual_seed(seed)
    model = AllConvNet(channels=CHANNELS, downsample=downsample)
    x, y, xt, yt = data
    hist = fit_classifier(model, x, y, epochs, lr=LR, batch_size=32, seed=seed)
    return accuracy(model, xt, yt), n_params(model), float(np.median(hist.epoch_times))


@register(
    "all-conv",
    "WHY/Arch",
    "F27",
    criteria=CRITERIA,
    priority="P1",
    claim=(
        "Fully convolutional models, which downsample with strided convolutions instead of pooling "
        "layers, may do as well as or better than nets that mix convolutions with pooling."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """All-convolutional net (stride-2 convolutions) vs the same net with max-pooling, on the digits.

    Data: the 8x8 digits, one stratified 80/20 split per seed. Models: AllConvNet and its matched control
    (stride-1 convolutions followed by MaxPool2d(2), equal parameter counts), Adam with a cosine-annealed
    rate, 8 epochs, 5 seeds that fix split, init and batch order for both (quick: 2 seeds, 2 epochs).
    Measured: the mean test accuracy of each, and the paired difference with its 95% Student-t interval
    (reported, its sign not gated: the post says "may").
    """
    seeds, epochs, floor = ((0, 1), 2, 0.85) if quick else ((0, 1, 2, 3, 4), 8, 0.97)
    acc: dict[str, list[float]] = {"stride": [], "maxpool": []}
    params, s_per_epoch = {}, {}
    for s in track(seeds, "seeds"):
        data = standardized_digit_images(seed=s)
        for kind in acc:
            a, params[kind], s_per_epoch[kind] = _train(kind, s, epochs, data)
            acc[kind].append(a)
    diff = np.subtract(acc["stride"], acc["maxpool"])
    mean_d, half = mean_ci95(diff)
    metrics = {
        "all_conv_mean_accuracy": float(np.mean(acc["stride"])),
        "max_pool_mean_accuracy": float(np.mean(acc["maxpool"])),
        "all_conv_min_accuracy": float(np.min(acc["stride"])),
        "max_pool_min_accuracy": float(np.min(acc["maxpool"])),
        "diff_pp": 100 * mean_d,
        "diff_ci95_low_pp": 100 * (mean_d - half),
        "diff_ci95_high_pp": 100 * (mean_d + half),
        "seeds": len(seeds),
        "epochs": epochs,
        "params": params["stride"],
        "params_max_pool": params["maxpool"],
        "all_conv_s_per_epoch": s_per_epoch["stride"],
        "max_pool_s_per_epoch": s_per_epoch["maxpool"],
        **{f"all_conv_accuracy_seed{s}": a for s, a in zip(seeds, acc["stride"])},
        **{f"max_pool_accuracy_seed{s}": a for s, a in zip(seeds, acc["maxpool"])},
    }
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax,) = new_figure(1)
        for i, kind in enumerate(("stride", "maxpool")):
            ax.plot(np.full(len(seeds), i) + np.linspace(-0.1, 0.1, len(seeds)), acc[kind], "o")
        ax.set(xticks=[0, 1], xticklabels=["all-conv", "conv + max-pool"], ylabel="test accuracy")
        ax.set_title(f"diff {100 * mean_d:+.2f} pp, 95% CI +-{100 * half:.2f}")
        figures.append(save(fig, out_dir, "all-conv"))
    both = min(metrics["all_conv_mean_accuracy"], metrics["max_pool_mean_accuracy"]) >= floor
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (
                both,
                f"all-conv {np.mean(acc['stride']):.4f}, max-pool {np.mean(acc['maxpool']):.4f}",
            )
        },
    }
