"""F15 (SP/Diff): the gradient-descent recipe. A loss is 0 exactly at the target and positive
elsewhere; -grad is the steepest first-order descent direction; theta <- theta - lr * grad,
repeated until the (validation) loss stops going down, with early stopping."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .registry import register

CRITERIA = (
    "MSE, L1 and Huber losses give l(y, y) = 0 and l(yhat, y) > 0 for yhat != y (500 random "
    "pairs each); hinge gives 0 at y and > 0 whenever y * yhat < 1",
    "-grad beats 1,000 random unit directions in first-order decrease (digits MLP)",
    "repeating theta <- theta - lr * grad (SGD) lowers the digits training loss by >= 50% in 10 epochs",
    "dlcore.train.fit with early stopping (patience 5) halts <= patience + 1 epochs after the "
    "validation-loss minimum, and restores the best weights",
)


def _loss_checks(rng) -> bool:
    from .. import nn, tensor

    ok = True
    for loss in (nn.MSELoss(), nn.L1Loss(), nn.HuberLoss()):
        for _ in range(500):
            y = rng.standard_normal(int(rng.integers(1, 9))).astype(np.float32)
            yhat = y + rng.standard_normal(y.shape).astype(np.float32) * 10.0 ** rng.uniform(-3, 1)
            same = float(loss(tensor(y), tensor(y)).item())
            diff = float(loss(tensor(yhat), tensor(y)).item())
            ok &= same == 0.0 and (diff > 0.0 or np.array_equal(yhat, y))
    for _ in range(500):  # hinge on labels in {-1, +1}: max(0, 1 - y * yhat)
        y = rng.choice([-1.0, 1.0], size=8).astype(np.float32)
        yhat = rng.uniform(-3, 3, size=8).astype(np.float32)
        margin = 1 - tensor(y) * tensor(yhat)
        h = float((margin * (margin > 0)).mean().item())
        h0 = float(np.maximum(0, 1 - y * y).mean())
        ok &= h0 == 0.0 and (h > 0) == bool((y * yhat < 1).any())
    return bool(ok)


def _steepest(data, rng) -> tuple:
    """First-order decrease L(theta) - L(theta + eps u) for u = -g/|g| and 1,000 random u."""
    from .. import nn, no_grad, tensor
    from ._optim_common import mlp

    xtr, ytr, _, _ = data
    model = mlp(0)
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    x, y = tensor(xtr[:256].astype(np.float64)), tensor(ytr[:256])
    loss_fn = nn.CrossEntropyLoss()
    loss = loss_fn(model(x), y)
    loss.backward()
    params = list(model.parameters())
    g = np.concatenate([p.grad.data.ravel() for p in params])
    theta = np.concatenate([p.data.ravel() for p in params])
    eps = 1e-4

    def loss_at(vec):
        off = 0
        for p in params:
            p.data = vec[off : off + p.numel()].reshape(p.shape)
            off += p.numel()
        with no_grad():
            return float(loss_fn(model(x), y).item())

    base = loss_at(theta)
    best_dir = base - loss_at(theta - eps * g / np.linalg.norm(g))
    rand = []
    for _ in range(1000):
        u = rng.standard_normal(theta.shape)
        rand.append(base - loss_at(theta + eps * u / np.linalg.norm(u)))
    return best_dir, max(rand)


def _early_stopping(data, patience: int, max_epochs: int) -> dict:
    """dlcore.train.fit with EarlyStopping(patience, restore_best_weights) on 150 training
    digits (the MLP overfits them), validation loss on the 364 digits of test fold 0."""
    from .. import nn, no_grad, optim, tensor
    from ..callbacks import EarlyStopping
    from ..data import DataLoader, TensorDataset
    from ..train import fit
    from ._optim_common import mlp

    xtr, ytr, xva, yva = data
    xtr, ytr = xtr[:150], ytr[:150]
    model = mlp(1, hidden=256)
    opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    stopper = EarlyStopping("val_loss", patience=patience, restore_best_weights=True)
    hist = fit(
        model,
        loss_fn,
        opt,
        DataLoader(TensorDataset(xtr, ytr), batch_size=16, shuffle=True),
        epochs=max_epochs,
        val_loader=DataLoader(TensorDataset(xva, yva), batch_size=len(xva)),
        callbacks=[stopper],
        verbose=0,
    )
    val = [float(v) for v in hist["val_loss"]]
    model.eval()
    with no_grad():
        restored = float(loss_fn(model(tensor(xva)), tensor(yva)).item())
    return {
        "val": val,
        "stop_epoch": len(val),
        "min_epoch": int(np.argmin(val)) + 1,
        "restored": restored,
        "best": min(val),
    }


@register(
    "gradient-descent",
    "SP/Diff",
    "F15",
    criteria=CRITERIA,
    priority="P0",
    claim=(
        "Training is one recipe: pick a loss that is zero only at the right answer, step the "
        "parameters against its gradient (the steepest local descent), and repeat until the loss "
        "stops going down."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """The gradient-descent recipe, piece by piece: loss, gradient, step, repeat, stop.

    Checks each piece on its own: MSE, L1, Huber and hinge losses are zero exactly at the target (500
    random pairs each); on a digits MLP 64-64-10 the negative gradient lowers the loss more, to first
    order, than any of 1,000 random unit directions; plain SGD(0.1) for 10 epochs cuts the training loss
    by half or more; and fit's early stopping (patience 5) stops within patience + 1 epochs of the
    validation minimum and restores the best weights (150-epoch cap; quick: 60).
    """
    from .. import optim
    from ._optim_common import digits_split, train_digits

    rng = np.random.default_rng(0)
    data = digits_split()
    losses_ok = _loss_checks(rng)
    steep, rand_best = _steepest(data, rng)
    hist = train_digits(lambda p: optim.SGD(p, lr=0.1), seed=0, epochs=10, data=data)
    drop = 1 - hist["loss"][-1] / hist["loss"][0]
    patience = 5
    len_cap = 60 if quick else 150
    es = _early_stopping(data, patience, max_epochs=len_cap)
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (a, b) = new_figure(2)
        a.plot(range(1, len(hist["loss"]) + 1), hist["loss"], marker="o")
        a.set(xlabel="epoch", ylabel="train loss", title="SGD(lr=0.1) on digits")
        b.plot(range(1, len(es["val"]) + 1), es["val"], marker=".")
        b.axvline(es["min_epoch"], color="g", ls="--", label="validation minimum")
        b.axvline(es["stop_epoch"], color="r", ls=":", label="early stop")
        b.set(xlabel="epoch", ylabel="validation loss", title=f"early stopping, patience {patience}")
        b.legend()
        figures.append(save(fig, out_dir, "gradient-descent"))
    return {
        "metrics": {
            "steepest_decrease": steep,
            "best_random_decrease": rand_best,
            "train_loss_epoch1": hist["loss"][0],
            "train_loss_epoch10": hist["loss"][-1],
            "early_stop_epoch": es["stop_epoch"],
            "val_min_epoch": es["min_epoch"],
            "val_min": es["best"],
            "val_restored": es["restored"],
        },
        "criteria": {
            CRITERIA[0]: (losses_ok, "all 4 losses hold" if losses_ok else "a loss fails"),
            CRITERIA[1]: (bool(steep > rand_best > -np.inf), f"{steep:.4g} vs best random {rand_best:.4g}"),
            CRITERIA[2]: (bool(drop >= 0.5), f"{100 * drop:.1f}% lower"),
            CRITERIA[3]: (
                bool(
                    es["stop_epoch"] - es["min_epoch"] <= patience + 1
                    and es["stop_epoch"] < len_cap
                    and abs(es["restored"] - es["best"]) <= 1e-6 * es["best"]
                ),
                f"minimum at epoch {es['min_epoch']}, stopped at {es['stop_epoch']}",
            ),
        },
        "figures": figures,
    }
