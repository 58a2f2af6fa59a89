"""F34 (BLOCKS): training the whole pipeline on the final objective beats training each component
on its own objective.

The network is the same in both arms: an encoder 64-128-2 (ReLU after the 128, a linear 2-D
code) and a classifier 2-128-10. Stagewise: the encoder is first trained as the front half of an
autoencoder (decoder 2-128-64, mean squared reconstruction error of the standardised digits),
then frozen with requires_grad_(False), and the classifier is trained on its codes. End to end:
the same network from the same initial weights is trained on the labels directly. The 2-D code
is the bottleneck: an autoencoder keeps the directions of largest pixel variance, which are not
the ones that separate the classes, while end-to-end training shapes the code for the labels.
The code stays linear: with a ReLU on it, one end-to-end seed of the prototype collapsed to 39%
(MISSION-FEATURES section D).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._digits_training import accuracy, batches, cross_entropy_step, relu_mlp
from ._progress import track
from .registry import register

CRITERIA = (
    "end-to-end test accuracy >= stagewise + 15 pp (mean of 3 seeds; quick: 1 seed, shorter training)",
    "the frozen encoder's weights are bit-identical before and after the stagewise classifier's training",
)


def mse_step(net, opt, x: np.ndarray) -> float:
    """One optimizer step on the mean squared error of net(x) against x; returns the loss."""
    from .. import from_numpy
    from ..nn import functional as F

    opt.zero_grad()
    xb = from_numpy(x)
    loss = F.mse_loss(net(xb), xb)
    loss.backward()
    opt.step()
    return float(loss.item())


def codes(encoder, x: np.ndarray) -> np.ndarray:
    """The encoder's 2-D codes of x, (N, 2), without recording a graph."""
    from .. import from_numpy, no_grad

    with no_grad():
        return encoder(from_numpy(x)).numpy()


def one_seed(seed: int, epochs: int, data, batch: int = 64) -> dict:
    """Stagewise and end-to-end training of the 64-128-2-128-10 net from one initialisation;
    returns both test accuracies, both sets of test codes and whether the frozen encoder stayed
    unchanged."""
    from .. import manual_seed, nn, optim

    x, y, xt, yt = data
    manual_seed(seed)
    encoder, head, decoder = relu_mlp((64, 128, 2)), relu_mlp((2, 128, 10)), relu_mlp((2, 128, 64))
    init = {k: v.numpy().copy() for k, v in nn.Sequential(encoder, head).state_dict().items()}
    rng = np.random.default_rng(seed)

    autoencoder = nn.Sequential(encoder, decoder)
    opt = optim.Adam(autoencoder.parameters(), lr=1e-3)
    for _ in range(epochs):
        for idx in batches(len(x), batch, rng):
            mse_step(autoencoder, opt, x[idx])
    encoder.requires_grad_(False)
    stagewise = nn.Sequential(encoder, head)
    frozen = [p.numpy().copy() for p in encoder.parameters()]
    opt = optim.Adam([p for p in stagewise.parameters() if p.requires_grad], lr=1e-3)  # the head
    for _ in range(epochs):
        for idx in batches(len(x), batch, rng):
            cross_entropy_step(stagewise, opt, x[idx], y[idx])
    unchanged = all(np.array_equal(a, p.numpy()) for a, p in zip(frozen, encoder.parameters()))
    out = {"stagewise": accuracy(stagewise, xt, yt), "stagewise_codes": codes(encoder, xt)}

    e2e = nn.Sequential(relu_mlp((64, 128, 2)), relu_mlp((2, 128, 10)))
    e2e.load_state_dict(init)
    opt = optim.Adam(e2e.parameters(), lr=1e-3)
    for _ in range(epochs):
        for idx in batches(len(x), batch, rng):
            cross_entropy_step(e2e, opt, x[idx], y[idx])
    out.update(e2e=accuracy(e2e, xt, yt), e2e_codes=codes(e2e[0], xt), encoder_unchanged=unchanged)
    return out


@register(
    "end-to-end",
    "BLOCKS",
    "F34",
    criteria=CRITERIA,
    priority="P1",
    claim="A pipeline trained end to end on the final objective beats the same pipeline whose "
    "parts were each trained on their own proxy objective: the parts learn what the task needs.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """End to end vs stagewise: the same 64-128-2-128-10 net on the digits, 3 seeds.

    Stagewise: autoencoder 64-128-2-128-64 (linear 2-D code) trained on reconstruction, encoder
    frozen (requires_grad_(False)), then the 2-128-10 classifier trained on the codes. End to end:
    the same net from the same initial weights trained on the labels. Adam(1e-3), batch 64,
    20 epochs per stage (1,438 training digits, 359 test). Measured: test accuracy of both,
    mean over 3 seeds drawn from the tour's seed. Quick mode: 1 seed, 10 epochs per stage.
    """
    from ..random import generator
    from .mlp import standardized_digits

    n_seeds, epochs = (1, 10) if quick else (3, 20)
    data = standardized_digits()
    seeds = [int(s) for s in generator().integers(2**31 - 1, size=n_seeds)]
    runs = [one_seed(s, epochs, data) for s in track(seeds, "seeds")]
    stage = [r["stagewise"] for r in runs]
    e2e = [r["e2e"] for r in runs]
    gap = float(np.mean(e2e) - np.mean(stage))
    unchanged = all(r["encoder_unchanged"] for r in runs)
    metrics = {
        "e2e_test_accuracy_mean": float(np.mean(e2e)),
        "stagewise_test_accuracy_mean": float(np.mean(stage)),
        "e2e_minus_stagewise_pp": 100 * gap,
        "e2e_test_accuracy_per_seed": e2e,
        "stagewise_test_accuracy_per_seed": stage,
        "seeds": n_seeds,
        "epochs_per_stage": epochs,
    }
    figures = []
    if out_dir is not None:
        figures.append(_figure(runs[0], data[3], out_dir))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (gap >= 0.15, f"{100 * np.mean(e2e):.1f}% vs {100 * np.mean(stage):.1f}%"),
            CRITERIA[1]: (unchanged, "unchanged" if unchanged else "changed"),
        },
    }


def _figure(r: dict, labels: np.ndarray, out_dir: Path) -> str:
    from .plotting import new_figure, save

    fig, axes = new_figure(2, width=4.6, height=4.2)
    for ax, key, name in zip(axes, ("stagewise", "e2e"), ("stagewise (autoencoder code)", "end to end")):
        z = r[f"{key}_codes"]
        for c in range(10):
            pts = z[labels == c]
            ax.scatter(pts[:, 0], pts[:, 1], s=7, color=f"C{c}", label=str(c), alpha=0.8)
        ax.set(
            xlabel="code 1",
            ylabel="code 2",
            title=f"{name}: test acc {100 * r[key]:.1f}%",
        )
    axes[1].legend(title="digit", loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=2)
    return save(fig, out_dir, "end-to-end")
