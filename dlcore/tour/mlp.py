"""F10 (BG/NN): an MLP, alternating affine maps W x + b and a nonlinearity, on the 8x8 digits.

Trains Linear(64, 512) -> ReLU -> Linear(512, 10) with Adam through dlcore.train.fit and reports
test accuracy by stratified 5-fold cross-validation (a single 20% split of 1,797 digits moves by
about +-1 pp from split to split), and checks the parameter gradients of a small float64 copy of
the same architecture against central finite differences.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

CRITERIA = (
    "test accuracy >= 97% (mean over stratified folds: 5 folds; quick mode: the first 2)",
    "gradcheck: float64 MLP + cross-entropy parameter gradients match central differences "
    "(relative error <= 1e-6)",
)


def mlp(sizes: tuple[int, ...], dtype=np.float32):
    """Sequential(Linear, ReLU, ..., Linear) through the given layer widths."""
    from .. import nn

    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def standardized_digits(fold: int | None = None, seed: int = 0):
    """Digits train/test split (or fold `fold` of 5), standardised with the training mean/std."""
    from ..data import digits

    x, y = digits("train", seed=seed, fold=fold)
    xt, yt = digits("test", seed=seed, fold=fold)
    mu, sd = x.mean(0), x.std(0) + 1e-2
    return ((x - mu) / sd).astype(np.float32), y, ((xt - mu) / sd).astype(np.float32), yt


def param_grad_rel_error(model, loss_fn, x, y, eps: float = 1e-6) -> float:
    """||g_autograd - g_central|| / ||g_central|| over all parameters (float64 model)."""
    from .. import from_numpy, no_grad

    xb, yb = from_numpy(x), from_numpy(y)
    model.zero_grad()
    loss_fn(model(xb), yb).backward()
    analytic = np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])
    numeric = []
    with no_grad():
        for p in model.parameters():
            flat = p.data.reshape(-1)
            for i in range(flat.size):
                old = flat[i]
                flat[i] = old + eps
                up = loss_fn(model(xb), yb).item()
                flat[i] = old - eps
                down = loss_fn(model(xb), yb).item()
                flat[i] = old
                numeric.append((up - down) / (2 * eps))
    numeric = np.asarray(numeric)
    return float(np.linalg.norm(analytic - numeric) / max(np.linalg.norm(numeric), 1e-300))


def train_fold(fold: int, hidden: int, epochs: int):
    """Train the MLP on the other folds; returns (model, history with val_* = fold `fold`)."""
    from .. import nn, optim
    from ..data import DataLoader, TensorDataset
    from ..train import fit

    x, y, xt, yt = standardized_digits(fold)
    model = mlp((64, hidden, 10))
    train = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, seed=fold)
    test = DataLoader(TensorDataset(xt, yt), batch_size=512)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    hist = fit(
        model,
        nn.CrossEntropyLoss(),
        opt,
        train,
        epochs=epochs,
        val_loader=test,
        metrics=["accuracy"],
        verbose=0,
    )
    return model, hist


@register(
    "mlp",
    "BG/NN",
    "F10",
    criteria=CRITERIA,
    priority="P0",
    claim=(
        "A neural net is a differentiable family of functions that alternates affine maps W x + b "
        "with a nonlinearity; with exact gradients from autograd it is trained by gradient descent."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """An MLP (affine maps alternating with ReLU) on the digits, and a float64 check of its gradients.

    Data: the 8x8 digits, stratified 5-fold cross-validation (quick: the first 2 folds), features
    standardised on the training folds. Model: Linear(64, 512) - ReLU - Linear(512, 10), Adam(1e-3), batch
    32, 10 epochs (quick: 8), through fit. Measured: mean test accuracy over the folds, and the relative
    error between autograd's parameter gradients of a float64 64-16-10 copy and central finite
    differences.
    """
    from .. import nn
    from ..random import generator

    hidden, epochs, folds = (512, 8, 2) if quick else (512, 10, 5)
    hists = [train_fold(k, hidden, epochs)[1] for k in track(range(folds), "folds")]
    fold_acc = [h["val_accuracy"][-1] for h in hists]
    acc = float(np.mean(fold_acc))
    hist = hists[0]
    x, y = standardized_digits(0)[:2]

    small = mlp((64, 16, 10), dtype=np.float64)
    idx = generator().choice(len(x), size=8, replace=False)
    rel = param_grad_rel_error(small, nn.CrossEntropyLoss(), x[idx].astype(np.float64), y[idx])
    metrics = {
        "test_accuracy": acc,
        "folds": folds,
        **{f"test_accuracy_fold{k}": a for k, a in enumerate(fold_acc)},
        "train_accuracy_fold0": hist["accuracy"][-1],
        "final_loss_fold0": hist["loss"][-1],
        "epochs": epochs,
        "hidden": hidden,
        "gradcheck_rel_error": rel,
        "s_per_epoch": float(np.median([t for h in hists for t in h.epoch_times])),
    }
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax, ax2) = new_figure(2)
        ax.plot(hist["loss"], label="train (fold 0)")
        ax.plot(hist["val_loss"], label="test (fold 0)")
        ax.set(xlabel="epoch", ylabel="cross-entropy", yscale="log")
        ax.legend()
        for k, h in enumerate(hists):
            ax2.plot(h["val_accuracy"], label=f"test, fold {k}")
        ax2.axhline(0.97, color="k", lw=0.5)
        ax2.set(xlabel="epoch", ylabel="accuracy", ylim=(0.8, 1.0))
        ax2.legend()
        figures.append(save(fig, out_dir, "mlp"))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {CRITERIA[0]: (acc >= 0.97, acc), CRITERIA[1]: (rel <= 1e-6, rel)},
    }
