"""F49 (RD/Interp): looking inside a trained net, DeepDream-style activation maximisation and saliency.

The net is F04's digit CNN (dlcore/tour/corgi.py train_digit_cnn: models.SmallCNN, Adam(3e-3),
standardised 8x8 digits). Activation maximisation (dlcore.models.activation_maximization): from
faint noise, 200 steps of gradient ascent on the input maximising one class logit minus
0.1 * ||x||^2, each step on the image shifted by up to one pixel (jitter), one image per class in
one batch; the same for 8 channels of the second conv layer (their mean activation over the 8x8
positions; step 0.5, L2 0.01).
The gate: the net itself calls each optimised image its target class with softmax p >= 0.99.
Saliency (dlcore.models.saliency): |d logit_true / d pixel| for a few test digits, rendered but
not gated (there is no ground truth for where a net "should" look).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

EPOCHS, QUICK_EPOCHS = 10, 3
STEPS, LR, L2, JITTER = 200, 0.05, 0.1, 1
CHANNEL_LR, CHANNEL_L2 = 0.5, 0.01  # a channel's mean over 8x8 positions has ~1/64 the gradient
CHANNELS, SALIENCY_DIGITS = (0, 1, 2, 3, 4, 5, 6, 7), 5
CRITERIA = ("optimised image classified as its target class with p >= 0.99, for all 10 classes",)


@register(
    "deepdream",
    "RD/Interp",
    "F49",
    criteria=CRITERIA,
    priority="P1",
    claim="A trained network can be inspected through its input gradients: ascending a unit's "
    "activation shows what it responds to, and the input gradient shows which pixels a decision "
    "rests on.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Activation maximisation for each class logit (and conv channels) and saliency maps, on F04's CNN.

    SmallCNN trained on the standardised 8x8 digits for 10 epochs (quick: 3). For each of the 10
    classes, 200 steps of gradient ascent on the input (step 0.05, L2 penalty 0.1, jitter of one
    pixel) from faint noise; the same for 8 channels of the second conv layer (step 0.5, L2 0.01).
    Measured: the CNN's softmax probability of the target class on each optimised image;
    saliency maps (|input gradient| of the true class logit) of 5 test digits are drawn, not gated.
    """
    from ..models import activation_maximization, saliency
    from ._cnn_common import logits, softmax, standardized_digit_images
    from .corgi import train_digit_cnn

    stages = iter(track(("train the CNN", "class logits", "conv channels", "saliency"), "stages"))
    x, y, xt, yt = standardized_digit_images(seed=0)
    epochs = QUICK_EPOCHS if quick else EPOCHS
    next(stages)
    model, _ = train_digit_cnn(x, y, epochs)
    test_acc = float(np.mean(logits(model, xt).argmax(1) == yt))
    classes = np.arange(10)
    next(stages)
    images, history = activation_maximization(
        model, classes, (1, 8, 8), steps=STEPS, lr=LR, l2=L2, jitter=JITTER, seed=0
    )
    p = softmax(logits(model, images))[classes, classes]
    conv2 = _conv_stack(model)
    next(stages)
    channel_images, channel_history = activation_maximization(
        conv2, list(CHANNELS), (1, 8, 8), steps=STEPS, lr=CHANNEL_LR, l2=CHANNEL_L2, jitter=JITTER, seed=1
    )
    next(stages)
    pick = np.array([np.flatnonzero(yt == c)[0] for c in range(SALIENCY_DIGITS)])
    sal = saliency(model, xt[pick], yt[pick], abs=True)
    next(stages, None)  # closes the bar
    metrics = {
        "cnn_test_accuracy": test_acc,
        "cnn_epochs": epochs,
        "target_probability_per_class": [float(v) for v in p],
        "min_target_probability": float(p.min()),
        "logit_objective_start_mean": float(history[0].mean()),
        "logit_objective_end_mean": float(history[-1].mean()),
        "channel_objective_start_mean": float(channel_history[0].mean()),
        "channel_objective_end_mean": float(channel_history[-1].mean()),
        "optimised_image_max_abs": float(np.abs(images).max()),
        "data_max_abs": float(np.abs(x).max()),
        "saliency_digits": [int(v) for v in yt[pick]],
    }
    figures = []
    if out_dir is not None:
        figures.append(_figure(out_dir, images, p, channel_images, xt[pick], yt[pick], sal))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {CRITERIA[0]: (bool(p.min() >= 0.99), round(float(p.min()), 5))},
    }


def _conv_stack(model):
    """SmallCNN's features up to the second conv's ReLU: (N, 1, 8, 8) -> (N, c1, 8, 8)."""
    from .. import nn

    return nn.Sequential(*list(model.features)[:4])


def _figure(out_dir: Path, images, p, channel_images, digits, labels, sal) -> str:
    import matplotlib.pyplot as plt

    from .plotting import save

    fig, axes = plt.subplots(3, 10, figsize=(11, 4.4))
    for c in range(10):
        ax = axes[0, c]
        ax.imshow(images[c, 0], cmap="gray")
        ax.set_title(f"class {c}\np={p[c]:.3f}", fontsize=8)
    for j in range(10):
        ax = axes[1, j]
        if j < len(channel_images):
            ax.imshow(channel_images[j, 0], cmap="gray")
            ax.set_title(f"conv2 ch {CHANNELS[j]}", fontsize=8)
    for j in range(len(digits)):
        axes[2, 2 * j].imshow(digits[j, 0], cmap="gray")
        axes[2, 2 * j].set_title(f"test digit {labels[j]}", fontsize=8)
        axes[2, 2 * j + 1].imshow(sal[j, 0], cmap="hot")
        axes[2, 2 * j + 1].set_title("saliency", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[1, len(channel_images) :]:
        ax.axis("off")
    axes[0, 0].set_ylabel("class logit", fontsize=9)
    axes[1, 0].set_ylabel("conv channel", fontsize=9)
    axes[2, 0].set_ylabel("input | saliency", fontsize=9)
    fig.suptitle("Digit CNN (F04): inputs optimised by gradient ascent, and |input gradient| saliency")
    return save(fig, out_dir, "deepdream")
