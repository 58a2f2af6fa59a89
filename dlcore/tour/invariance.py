"""F26 (WHY/Arch): convnets suit translation-invariant patterns.

The 8x8 digits pasted into a 16x16 canvas (`dlcore.data.shifted_digits`): train on left-half
placements of the training digits only, test on right-half placements of the held-out digits
(canvas columns 11..15 are never inked in training). A SmallCNN whose conv features are reduced
by a global max-pool (position-free) against an MLP of about the same parameter count. The max of
a 2x2 max-pool's output is the max of its input, so the CNN's output is exactly invariant to
any shift that keeps the digit on the canvas: its left- and right-half accuracies coincide.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._cnn_common import accuracy, fit_classifier, n_params
from .mlp import mlp
from .registry import register

CRITERIA = (
    "CNN + global max-pool: accuracy on right-half placements >= 90% (quick mode: >= 80%)",
    "MLP of similar size: right-half accuracy <= CNN's - 30 pp",
)


def _models():
    from ..models import SmallCNN

    cnn = SmallCNN(image_size=16, channels=(16, 32), hidden=64, global_pool=True)
    # 256 inputs -> h -> 10 has 267 h + 10 parameters: h matches the CNN's count
    hidden = max(1, round((n_params(cnn) - 10) / 267))
    return cnn, mlp((256, hidden, 10)), hidden


@register(
    "invariance",
    "WHY/Arch",
    "F26",
    criteria=CRITERIA,
    priority="P1",
    claim=(
        "Convolutional nets suit patterns that mean the same thing wherever they appear: shared "
        "filters plus pooling recognise an object in a place never seen in training, where a fully "
        "connected net fails."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Translation invariance: digits trained on the left of a canvas and tested on the right, CNN vs MLP.

    Data: the 8x8 digits pasted into a 16x16 canvas, training digits on left-half placements only, held-
    out digits on right-half placements (columns 11-15 never inked in training). Models: a SmallCNN with a
    global max-pool, and an MLP 256-h-10 with h chosen to match the CNN's parameter count; Adam, 6 epochs
    for the CNN and 30 for the MLP (quick: 3 and 15, one placement per digit instead of two). Measured:
    accuracy of both on the right-half test placements.
    """
    from ..data import shifted_digits

    # the MLP is cheap: it trains 5x the CNN's epochs, so it is converged on the left placements
    placements, epochs = (1, 3) if quick else (2, 6)
    x, y = shifted_digits("train", "left", placements=placements, seed=0)
    xt, yt = shifted_digits("test", "right", placements=placements, seed=1)
    xl, yl = shifted_digits("test", "left", placements=placements, seed=1)
    cnn, net, hidden = _models()
    h_cnn = fit_classifier(cnn, x, y, epochs, lr=3e-3, seed=0)
    flat = (len(x), -1)
    h_mlp = fit_classifier(net, x.reshape(flat), y, 5 * epochs, lr=3e-3, seed=0)
    cnn_right, cnn_left = accuracy(cnn, xt, yt), accuracy(cnn, xl, yl)
    mlp_right = accuracy(net, xt.reshape(len(xt), -1), yt)
    mlp_left = accuracy(net, xl.reshape(len(xl), -1), yl)
    metrics = {
        "cnn_right_accuracy": cnn_right,
        "mlp_right_accuracy": mlp_right,
        "cnn_left_accuracy": cnn_left,
        "mlp_left_accuracy": mlp_left,
        "gap_pp": 100 * (cnn_right - mlp_right),
        "cnn_params": n_params(cnn),
        "mlp_params": n_params(net),
        "mlp_hidden": hidden,
        "train_images": len(x),
        "cnn_epochs": epochs,
        "mlp_epochs": 5 * epochs,
        "cnn_s_per_epoch": float(np.median(h_cnn.epoch_times)),
        "mlp_s_per_epoch": float(np.median(h_mlp.epoch_times)),
    }
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax, ax2) = new_figure(2)
        ax.imshow(np.concatenate([x[0, 0], np.ones((16, 1)), xt[0, 0]], axis=1), cmap="gray_r")
        ax.set(title="train (left) | test (right)", xticks=[], yticks=[])
        ax2.bar([0, 1], [cnn_left, mlp_left], 0.38, label="left placements (as trained)")
        ax2.bar([0.4, 1.4], [cnn_right, mlp_right], 0.38, label="right placements (shifted)")
        ax2.set(xticks=[0.2, 1.2], xticklabels=["CNN + global max", "MLP"], ylabel="test accuracy")
        ax2.legend(loc="lower left")
        figures.append(save(fig, out_dir, "invariance"))
    floor = 0.80 if quick else 0.90
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (cnn_right >= floor, cnn_right),
            CRITERIA[1]: (mlp_right <= cnn_right - 0.30, f"MLP {mlp_right:.3f} vs CNN {cnn_right:.3f}"),
        },
    }
