"""Shared pieces of the sequence-to-sequence entries (F06 translate, F07 attention, F08 caption,
F55 pointer-net): teacher-forcing inputs, step-based training through dlcore.train.fit, and the
exact-match / token-accuracy read-outs. Not an entry (leading underscore)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..models.seq2seq import BOS, PAD


def teacher_inputs(tgt: np.ndarray, bos: int = BOS) -> np.ndarray:
    """Decoder inputs for targets tgt int64 (B, T): (bos, tgt[:, 0], .., tgt[:, T-2])."""
    return np.concatenate([np.full((len(tgt), 1), bos, np.int64), tgt[:, :-1]], axis=1)


class _Chunks:
    """A loader whose k-th pass yields batches k*n .. (k+1)*n - 1 of make_batch (one fit epoch =
    one chunk of steps, so the per-epoch scheduler anneals over the whole run)."""

    def __init__(self, make_batch: Callable[[int], tuple], steps: int, chunks: int):
        self.make_batch, self.n, self.k = make_batch, steps // chunks, 0

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        from .. import from_numpy

        start, self.k = self.k * self.n, self.k + 1
        for i in range(start, start + self.n):
            yield tuple(from_numpy(np.ascontiguousarray(a)) for a in self.make_batch(i))


def fit_steps(model, loss_fn, make_batch: Callable[[int], tuple], steps: int, lr: float, chunks: int = 10):
    """Adam(lr) for `steps` batches make_batch(i) -> (inputs..., target) numpy arrays, through
    dlcore.train.fit in `chunks` epochs with the rate annealed on a cosine from lr to lr / 20 over
    the epochs (steps // chunks batches each). Returns fit's History."""
    from .. import optim
    from ..optim.lr_scheduler import CosineAnnealingLR
    from ..train import fit
    from ._progress import fit_bar

    chunks = max(1, min(chunks, steps))
    opt = optim.Adam(model.parameters(), lr=lr)
    sched = CosineAnnealingLR(opt, T_max=chunks, eta_min=lr / 20)
    loader = _Chunks(make_batch, steps, chunks)
    bar = fit_bar(chunks, f"chunks of {steps // chunks} steps")
    return fit(model, loss_fn, opt, loader, epochs=chunks, verbose=0, scheduler=sched, callbacks=bar)


def exact_and_token_accuracy(pred: np.ndarray, tgt: np.ndarray, pad: int = PAD) -> tuple[float, float]:
    """(share of rows where pred equals tgt everywhere, share of non-pad target tokens matched at
    their position). pred and tgt int64 (N, *) with PAD after EOS; the narrower is PAD-extended."""
    width = max(pred.shape[1], tgt.shape[1])
    p = np.pad(pred, ((0, 0), (0, width - pred.shape[1])), constant_values=pad)
    t = np.pad(tgt, ((0, 0), (0, width - tgt.shape[1])), constant_values=pad)
    keep = t != pad
    return float((p == t).all(axis=1).mean()), float(((p == t) & keep).sum() / max(keep.sum(), 1))
