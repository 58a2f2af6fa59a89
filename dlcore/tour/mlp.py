"""F10 (BG/NN): an MLP, alternating affine maps W x + b and a nonlinearity, on the 8x8 digits.

Trains Linear(64, H) -> ReLU -> Linear(H, 10) with Adam through dlcore.train.fit on the
standardised training split, reports test accuracy, and checks the parameter gradients of a
small float64 copy of the same architecture against central finite differences.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .registry import register

CRITERIA = (
    "test accuracy >= 97%",
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


def standardized_digits(seed: int = 0):
    """Digits train/test split, features standardised with the training mean and std."""
    from ..data import digits

    x, y = digits("train", seed=seed)
    xt, yt = digits("test", seed=seed)
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


@register("mlp", "BG/NN", "F10", criteria=CRITERIA)
def run(quick: bool, out_dir: Path | None) -> dict:
    """MLP 64-512-10 (ReLU) on the digits with Adam(1e-3), batch 32; plus a float64 gradcheck."""
    from .. import nn, optim
    from ..data import DataLoader, TensorDataset
    from ..random import generator
    from ..train import fit

    hidden, epochs = (512, 20) if quick else (512, 40)
    x, y, xt, yt = standardized_digits()
    model = mlp((64, hidden, 10))
    train = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, seed=0)
    test = DataLoader(TensorDataset(xt, yt), batch_size=512)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    hist = fit(model, nn.CrossEntropyLoss(), opt, train, epochs=epochs, val_loader=test,
               metrics=["accuracy"], verbose=0)
    acc = hist["val_accuracy"][-1]

    small = mlp((64, 16, 10), dtype=np.float64)
    idx = generator().choice(len(x), size=8, replace=False)
    rel = param_grad_rel_error(small, nn.CrossEntropyLoss(), x[idx].astype(np.float64), y[idx])
    metrics = {"test_accuracy": acc, "train_accuracy": hist["accuracy"][-1],
               "final_loss": hist["loss"][-1], "epochs": epochs, "hidden": hidden,
               "train_size": len(x), "test_size": len(xt), "gradcheck_rel_error": rel,
               "s_per_epoch": float(np.median(hist.epoch_times))}
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax, ax2) = new_figure(2)
        ax.plot(hist["loss"], label="train")
        ax.plot(hist["val_loss"], label="test")
        ax.set(xlabel="epoch", ylabel="cross-entropy", yscale="log")
        ax.legend()
        ax2.plot(hist["accuracy"], label="train")
        ax2.plot(hist["val_accuracy"], label="test")
        ax2.axhline(0.97, color="k", lw=0.5)
        ax2.set(xlabel="epoch", ylabel="accuracy", ylim=(0.8, 1.0))
        ax2.legend()
        figures.append(save(fig, out_dir, "mlp"))
    return {"metrics": metrics, "figures": figures,
            "criteria": {CRITERIA[0]: acc >= 0.97, CRITERIA[1]: rel <= 1e-6}}
