"""F29 (WHY/Unif): convnets beyond vision, on a board game (the post's Computer Go example).

9x9 Gomoku positions (`dlcore.data.gomoku_boards`: black and white stone planes) labelled
"black has 5 in a row", balanced, half of the negatives hard (4 in a row, broken fives, white
fives). A SmallCNN with a global max-pool (a five may sit anywhere, in any of four directions)
against an MLP given the same parameter count.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._cnn_common import accuracy, fit_classifier, n_params
from .mlp import mlp
from .registry import register

CRITERIA = (
    "CNN test accuracy >= 98% (quick mode, 3,000 boards for 1 epoch: >= 70%)",
    "CNN test accuracy >= MLP's + 10 pp (quick mode: + 5 pp), the MLP within 2% of the CNN's parameter count",
)


def _models():
    from ..models import SmallCNN

    cnn = SmallCNN(num_classes=2, in_channels=2, image_size=9, channels=(32, 32), hidden=32, global_pool=True)
    # 162 inputs -> h -> h -> 2: h^2 + 166 h + 2 parameters, h solved to match the CNN's count
    target = n_params(cnn)
    hidden = round((-166 + np.sqrt(166**2 + 4 * (target - 2))) / 2)
    return cnn, mlp((162, hidden, hidden, 2)), hidden


@register(
    "board-game",
    "WHY/Unif",
    "F29",
    criteria=CRITERIA,
    priority="P1",
    claim=(
        "Convnets are not only for images: any input with local, position-independent structure, "
        "such as a board game position (the post's Computer Go example), suits them."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """A convnet beyond vision: does black have five in a row on a 9x9 Gomoku board? CNN vs MLP.

    Data: seeded 9x9 positions as two stone planes, balanced, half the negatives hard (four in a row,
    broken fives, white fives): 12,000 training and 2,000 test boards (quick: 3,000 and 1,000). Models: a
    SmallCNN with a global max-pool and an MLP 162-h-h-2 with the same parameter count, Adam, 3 epochs for
    the CNN and 15 for the MLP (quick: 1 and 5). Measured: test accuracy of both.
    """
    from ..data import gomoku_boards

    n_train, n_test, epochs = (3000, 1000, 1) if quick else (12000, 2000, 3)
    x, y = gomoku_boards(n_train, seed=0)
    xt, yt = gomoku_boards(n_test, seed=1)
    cnn, net, hidden = _models()
    h_cnn = fit_classifier(cnn, x, y, epochs, lr=3e-3, seed=0)
    # the MLP is cheap: it trains 5x the CNN's epochs, so its shortfall is not a lack of training
    h_mlp = fit_classifier(net, x.reshape(len(x), -1), y, 5 * epochs, lr=3e-3, seed=0)
    cnn_acc = accuracy(cnn, xt, yt)
    mlp_acc = accuracy(net, xt.reshape(len(xt), -1), yt)
    p_cnn, p_mlp = n_params(cnn), n_params(net)
    metrics = {
        "cnn_test_accuracy": cnn_acc,
        "mlp_test_accuracy": mlp_acc,
        "gap_pp": 100 * (cnn_acc - mlp_acc),
        "cnn_train_accuracy": accuracy(cnn, x, y),
        "mlp_train_accuracy": accuracy(net, x.reshape(len(x), -1), y),
        "cnn_params": p_cnn,
        "mlp_params": p_mlp,
        "mlp_hidden": hidden,
        "train_boards": n_train,
        "test_boards": n_test,
        "cnn_epochs": epochs,
        "mlp_epochs": 5 * epochs,
        "cnn_s_per_epoch": float(np.median(h_cnn.epoch_times)),
    }
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax, ax2) = new_figure(2)
        ax.imshow(x[0, 0] - x[0, 1], cmap="bwr_r", vmin=-1.5, vmax=1.5)
        ax.set(title="a positive board (black = blue)", xticks=[], yticks=[])
        ax2.plot(h_cnn["loss"], label=f"CNN ({p_cnn} params)")
        ax2.plot(h_mlp["loss"], label=f"MLP ({p_mlp} params)")
        ax2.set(xlabel="epoch", ylabel="training cross-entropy", yscale="log")
        ax2.legend()
        figures.append(save(fig, out_dir, "board-game"))
    floor, gap = (0.70, 0.05) if quick else (0.98, 0.10)
    same_size = abs(p_mlp - p_cnn) <= 0.02 * p_cnn
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (cnn_acc >= floor, cnn_acc),
            CRITERIA[1]: (
                same_size and cnn_acc >= mlp_acc + gap,
                f"{100 * (cnn_acc - mlp_acc):+.1f} pp, params {p_mlp} vs {p_cnn}",
            ),
        },
    }
