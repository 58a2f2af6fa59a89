"""F13 (SP/Practical): a large net memorises its training set, even when the labels are random.

After Zhang et al., "Understanding deep learning requires rethinking generalization" (ICLR 2017).
1,000 digits (a seeded subset of the 1,797; the other 797 are held out) get labels drawn
uniformly from 0..9, independent of the images. An MLP 64-512-512-10 (about 300k parameters, 300
per training example) trained with Adam(1e-3), batch 100, reaches 100% training accuracy on these
labels, while its held-out accuracy against the true labels stays at chance (10%): fitting the
training set says nothing about generalisation. The control trains the same net on the true
labels for as many epochs: it fits them sooner and generalises (>= 97% held out).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

N_TRAIN, MAX_EPOCHS, BATCH, LR = 1000, 200, 100, 1e-3
QUICK_N_TRAIN, QUICK_N_HELD = 500, 300
CRITERIA = (
    "random labels: 100% training accuracy within 200 epochs",
    "random labels: held-out accuracy (against the true labels) in [5%, 15%]",
    "true labels: 100% training accuracy in fewer epochs than with random labels",
    "true labels: held-out accuracy >= 97% (quick, 500 training and 300 held-out digits: >= 93%)",
)


def split_digits(n_train: int, n_held: int | None = None, seed: int = 0):
    """(x, y, xh, yh): n_train digits of a seeded permutation of all 1,797 and the next n_held
    (default: all the rest) held out, pixels standardised with the training set's global mean and
    standard deviation."""
    from ..data import digits

    x, y = digits("all")
    perm = np.random.default_rng(seed).permutation(len(x))
    tr = perm[:n_train]
    ho = perm[n_train:] if n_held is None else perm[n_train : n_train + n_held]
    mu, sd = float(x[tr].mean()), float(x[tr].std())
    z = ((x - mu) / sd).astype(np.float32)
    return z[tr], y[tr], z[ho], y[ho]


def train_until_memorised(x, y, xh, yh, max_epochs: int, seed: int, stop_at_100: bool = True):
    """MLP 64-512-512-10 with Adam(LR), batch BATCH, shuffled per epoch (numpy seed `seed`), for
    max_epochs or until training accuracy is 100%. Returns per-epoch training accuracy (on y) and
    held-out accuracy (on yh), and the first epoch (1-based) with 100% training accuracy or None."""
    from .. import from_numpy, nn, no_grad, optim

    model = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    opt = optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(seed)
    train_acc, held_acc, memorised = [], [], None
    xb, xhb = from_numpy(x), from_numpy(xh)
    for epoch in track(range(max_epochs), "epochs"):
        perm = rng.permutation(len(x))
        for i in range(0, len(x), BATCH):
            b = perm[i : i + BATCH]
            opt.zero_grad()
            loss_fn(model(from_numpy(x[b])), from_numpy(y[b])).backward()
            opt.step()
        with no_grad():
            train_acc.append(float(np.mean(model(xb).numpy().argmax(1) == y)))
            held_acc.append(float(np.mean(model(xhb).numpy().argmax(1) == yh)))
        if memorised is None and train_acc[-1] == 1.0:
            memorised = epoch + 1
            if stop_at_100:
                break
    return train_acc, held_acc, memorised


@register(
    "random-labels",
    "SP/Practical",
    "F13",
    criteria=CRITERIA,
    priority="P0",
    claim="A large enough network can memorise any labelling of its training set, even random "
    "labels, so fitting the training data says little about generalisation.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """MLP 64-512-512-10 memorises 1,000 digits with uniformly random labels; control on true labels.

    1,000 digits with labels drawn uniformly from 0..9 and the 797 other digits held out (quick:
    500 and 300). Adam(1e-3), batch 100, until 100% training accuracy (at most 200 epochs); the
    control trains the same net on the true labels for as many epochs. Measured: the epoch each
    run first fits its training set, and the held-out accuracy against the true labels.
    """
    n, n_held = (QUICK_N_TRAIN, QUICK_N_HELD) if quick else (N_TRAIN, None)
    x, y, xh, yh = split_digits(n, n_held)
    y_random = np.random.default_rng(1).integers(0, 10, size=n)
    r_train, r_held, r_epoch = train_until_memorised(x, y_random, xh, yh, MAX_EPOCHS, seed=2)
    t_train, t_held, t_epoch = train_until_memorised(x, y, xh, yh, len(r_train), seed=2, stop_at_100=False)
    metrics = {
        "n_train": n,
        "n_held_out": len(yh),
        "random_labels_epochs_to_100pct": r_epoch,
        "random_labels_final_train_accuracy": r_train[-1],
        "random_labels_held_out_accuracy": r_held[-1],
        "random_labels_agree_with_true_labels": float(np.mean(y_random == y)),
        "true_labels_epochs_to_100pct": t_epoch,
        "true_labels_epochs_trained": len(t_train),
        "true_labels_held_out_accuracy": t_held[-1],
        "random_train_accuracy_per_epoch": r_train,
        "random_held_out_accuracy_per_epoch": r_held,
        "true_train_accuracy_per_epoch": t_train,
        "true_held_out_accuracy_per_epoch": t_held,
    }
    figures = []
    if out_dir is not None:
        figures.append(_figure(out_dir, r_train, r_held, t_train, t_held, n))
    r_ok = r_epoch is not None
    t_ok = t_epoch is not None and r_ok and t_epoch < r_epoch
    test_min = 0.93 if quick else 0.97
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (r_ok, r_epoch if r_ok else f"{r_train[-1]:.3f} after {MAX_EPOCHS}"),
            CRITERIA[1]: (0.05 <= r_held[-1] <= 0.15, round(r_held[-1], 4)),
            CRITERIA[2]: (t_ok, f"{t_epoch} vs {r_epoch}"),
            CRITERIA[3]: (t_held[-1] >= test_min, round(t_held[-1], 4)),
        },
    }


def _figure(out_dir: Path, r_train, r_held, t_train, t_held, n: int) -> str:
    from .plotting import new_figure, save

    fig, (ax,) = new_figure(1, width=6.5, height=4.0)
    epochs = np.arange(1, len(r_train) + 1)
    ax.plot(epochs, r_train, "C3-", label="random labels: training accuracy")
    ax.plot(epochs, r_held, "C3--", label="random labels: held-out accuracy (true labels)")
    ax.plot(epochs, t_train, "C0-", label="true labels: training accuracy")
    ax.plot(epochs, t_held, "C0--", label="true labels: held-out accuracy")
    for acc, color in ((r_train, "C3"), (t_train, "C0")):
        if 1.0 in acc:
            ax.plot(acc.index(1.0) + 1, 1.0, "o", color=color, ms=7, mfc="none")
    ax.axhline(0.1, color="gray", lw=0.8, ls=":", label="chance (10%)")
    ax.set(
        xlabel="epoch",
        ylabel="accuracy",
        ylim=(0, 1.02),
        title=f"MLP 64-512-512-10 on {n} digits: memorising random labels",
    )
    ax.legend(
        loc="center right", fontsize=8, title="o: first epoch at 100% training accuracy", title_fontsize=8
    )
    return save(fig, out_dir, "random-labels")
