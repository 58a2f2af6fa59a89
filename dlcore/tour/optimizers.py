"""F18-F20 (RD/Meta, FIELD): Adagrad, RMSprop and Adam, "the default optimization algorithm".
Each fused kernel matches a float64 numpy reference; on digits, an MLP trained with the
defaults Adam(1e-3) reaches 95% test accuracy in fewer epochs than SGD(1e-2), and the loss
curves of SGD, Adagrad, RMSprop (the older default; its lr needs re-tuning) and Adam share
one plot."""

from __future__ import annotations

from pathlib import Path

from ._progress import track
from .registry import register

CRITERIA = (
    "Adagrad parity with the float64 numpy reference <= 1e-6 relative (fp32, 100 random-gradient steps)",
    "RMSprop parity with the float64 numpy reference <= 1e-6 relative (fp32, 100 random-gradient steps)",
    "Adam parity with the float64 numpy reference <= 1e-6 relative (fp32, 100 random-gradient steps)",
    "digits MLP 64-64-10, batch 32: Adam(1e-3) reaches 95% test accuracy in fewer epochs than "
    "SGD(1e-2), for each of 3 seeds (seed k: init k, test set = stratified fold k of 5)",
)

CURVES = {
    "SGD lr=1e-2": lambda p, o: o.SGD(p, lr=1e-2),
    "SGD+momentum 0.9 lr=1e-2": lambda p, o: o.SGD(p, lr=1e-2, momentum=0.9),
    "Adagrad lr=1e-2": lambda p, o: o.Adagrad(p, lr=1e-2),
    "RMSprop lr=1e-2": lambda p, o: o.RMSprop(p, lr=1e-2),
    "RMSprop lr=1e-3": lambda p, o: o.RMSprop(p, lr=1e-3),
    "Adam lr=1e-3": lambda p, o: o.Adam(p, lr=1e-3),
}


@register(
    "optimizers",
    "FIELD",
    "F18-F20",
    criteria=CRITERIA,
    priority="P0",
    claim=(
        "Adaptive methods such as Adagrad, RMSProp and, now the default, Adam scale each "
        "parameter's step by its gradient history, and at their default settings train faster than "
        "plain SGD."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Adagrad, RMSprop and Adam: kernel parity, and Adam vs SGD at their defaults on the digits.

    Each fused kernel is compared with a float64 numpy reference over 100 random-gradient steps (two
    settings each). On the digits an MLP 64-64-10 (batch 32, test set = stratified fold k of 5) is trained
    with Adam(1e-3) and with SGD(1e-2) for 3 seeds until 95% test accuracy (cap 60 epochs; quick: 25),
    counting epochs. The figure adds the loss curves of SGD, Adagrad, RMSprop and Adam on seed 0 (30
    epochs; quick: 10).
    """
    from .. import optim
    from ._optim_common import digits_split, parity, train_digits

    par = {
        "Adagrad": max(parity("Adagrad", dict(lr=1e-2)), parity("Adagrad", dict(lr=1e-2, lr_decay=1e-3))),
        "RMSprop": max(parity("RMSprop", dict(lr=1e-2)), parity("RMSprop", dict(lr=1e-3, alpha=0.9))),
        "Adam": max(parity("Adam", dict(lr=1e-3)), parity("Adam", dict(lr=1e-2, betas=(0.8, 0.99)))),
    }
    cap = 25 if quick else 60
    epochs = {"Adam": [], "SGD": []}
    for seed in track(range(3), "seeds"):
        for name, make in (
            ("Adam", lambda p: optim.Adam(p, lr=1e-3)),
            ("SGD", lambda p: optim.SGD(p, lr=1e-2)),
        ):
            r = train_digits(make, seed, cap, data=digits_split(seed), target_acc=0.95)
            epochs[name].append(r["reached"])
    faster = all(a is not None and (s is None or a < s) for a, s in zip(epochs["Adam"], epochs["SGD"]))
    n_curve = 10 if quick else 30
    data = digits_split(0)
    curves = {k: train_digits(lambda p, m=m: m(p, optim), 0, n_curve, data=data) for k, m in CURVES.items()}
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (a, b) = new_figure(2, width=5.5)
        for k, c in curves.items():
            a.plot(range(1, n_curve + 1), c["loss"], label=k)
            b.plot(range(1, n_curve + 1), c["acc"], label=k)
        a.set(xlabel="epoch", ylabel="train loss", yscale="log", title="digits MLP, seed 0")
        b.set(xlabel="epoch", ylabel="test accuracy", ylim=(0.5, 1.0))
        a.legend(fontsize=7)
        figures.append(save(fig, out_dir, "optimizers"))
    metrics = {f"parity_{k}": v for k, v in par.items()}
    metrics.update({f"epochs_to_95_{k}": v for k, v in epochs.items()})
    metrics["epoch_cap"] = cap
    metrics.update({f"final_loss[{k}]": c["loss"][-1] for k, c in curves.items()})
    metrics.update({f"final_acc[{k}]": c["acc"][-1] for k, c in curves.items()})
    return {
        "metrics": metrics,
        "criteria": {
            CRITERIA[0]: (bool(par["Adagrad"] <= 1e-6), par["Adagrad"]),
            CRITERIA[1]: (bool(par["RMSprop"] <= 1e-6), par["RMSprop"]),
            CRITERIA[2]: (bool(par["Adam"] <= 1e-6), par["Adam"]),
            CRITERIA[3]: (bool(faster), f"epochs to 95%: Adam {epochs['Adam']}, SGD {epochs['SGD']}"),
        },
        "figures": figures,
    }
