"""Shared pieces of the discrete-choice entries (vae, gumbel-softmax, straight-through):
binarised digits, the independent-Bernoulli baseline, an ELBO training loop, image mosaics."""

from __future__ import annotations

import numpy as np

from ._progress import track


def binary_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 digits' train and test splits (dlcore.data.digits, seed 0) binarised at 0.5:
    (x_train (1438, 64), x_test (359, 64)), float32 0/1."""
    from ..data import digits

    return tuple((digits(split)[0] > 0.5).astype(np.float32) for split in ("train", "test"))


def independent_bernoulli_nll(train: np.ndarray, test: np.ndarray) -> float:
    """Mean NLL (nats per digit) of `test` under independent per-pixel Bernoullis fitted to `train`
    (the pixel means, clipped to [1e-3, 1 - 1e-3] so unseen values cost finite nats)."""
    p = train.mean(axis=0).clip(1e-3, 1 - 1e-3)
    return float(-(test * np.log(p) + (1 - test) * np.log(1 - p)).sum(axis=1).mean())


def train_elbo(
    model, x, xt, epochs: int, *, lr: float, batch: int, seed: int, train_kw=None, eval_kw=None, evals=5
):
    """Adam on -ELBO (model.elbo(x, **train_kw(epoch)), mini-batches of `batch` in a seeded order).
    Returns per-epoch lists: "train" (mean -ELBO of the epoch's batches) and "test" (held-out -ELBO,
    the mean of `evals` one-sample estimates with eval_kw(epoch)); "init" is the held-out -ELBO
    before training. train_kw / eval_kw: epoch -> keyword arguments of model.elbo (None: none)."""
    from .. import from_numpy, no_grad, optim

    train_kw, eval_kw = train_kw or (lambda e: {}), eval_kw or (lambda e: {})
    opt = optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    xt_t = from_numpy(xt)

    def held_out(epoch):
        with no_grad():
            return float(np.mean([-model.elbo(xt_t, **eval_kw(epoch)).mean().item() for _ in range(evals)]))

    hist = {"init": held_out(0), "train": [], "test": []}
    for epoch in track(range(epochs), "epochs"):
        order, losses = rng.permutation(len(x)), []
        for i in range(0, len(x), batch):
            loss = -model.elbo(from_numpy(x[order[i : i + batch]]), **train_kw(epoch)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        hist["train"].append(float(np.mean(losses)))
        hist["test"].append(held_out(epoch))
    return hist


def mosaic(images: np.ndarray, rows: int) -> np.ndarray:
    """(n, 64) images as one (rows * 9 - 1, cols * 9 - 1) picture of 8x8 tiles, 1-pixel gaps (nan)."""
    cols = int(np.ceil(len(images) / rows))
    out = np.full((rows * 9 - 1, cols * 9 - 1), np.nan)
    for k, img in enumerate(images):
        r, c = divmod(k, cols)
        out[r * 9 : r * 9 + 8, c * 9 : c * 9 + 8] = img.reshape(8, 8)
    return out
