"""PointerNet (Vinyals et al. 2015): an LSTM encoder-decoder whose output at each step is an
attention distribution over the input positions, so it emits a permutation of its input.

Batch-first. x float (B, n, input_size); the output order perm int64 (B, n). Layout (state_dict):
  embed     Linear(input_size, embed_dim)          e_j = embed(x_j)
  encoder   LSTM(embed_dim, hidden, batch_first)   memory (B, n, H), final (h, c)
  decoder   LSTM(embed_dim, hidden, batch_first)   from the encoder's final state; its input at step
            0 is the learned `start` (embed_dim,), at step t > 0 the embedding of the input chosen at
            step t - 1 (teacher forcing in training: the target's)
  pointer   nn.AdditiveAttention(H, H, attn_dim): its scores (B, n_steps, n) over the positions
            (seq2seq.additive_scores) are the logits;
            with mask_chosen, positions already chosen are masked out (-1e9), so every output is a
            permutation; without it the decoder itself must learn not to point twice
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import nn
from ..creation import from_numpy
from ..graph import no_grad
from ..tensor import Tensor
from ._checks import positive_int
from .seq2seq import additive_scores


def chosen_mask(perm: np.ndarray) -> np.ndarray:
    """bool (B, n, n): [b, t, j] is True when position j is one of perm[b, :t] (chosen before t)."""
    b, n = perm.shape
    onehot = np.zeros((b, n, n), bool)
    onehot[np.arange(b)[:, None], np.arange(n)[None, :], perm] = True
    before = np.cumsum(onehot, axis=1) - onehot  # counts of choices strictly before step t
    return before > 0


class PointerNet(nn.Module):
    """forward(x, perm) -> pointer logits (B, n, n) (teacher forced); greedy(x) -> perm (B, n)."""

    def __init__(
        self,
        input_size: int = 1,
        embed_dim: int = 32,
        hidden_size: int = 128,
        attn_dim: int | None = None,
        mask_chosen: bool = True,
        dtype=np.float32,
    ):
        super().__init__()
        name = type(self).__name__
        self.input_size = positive_int(name, "input_size", input_size)
        embed_dim = positive_int(name, "embed_dim", embed_dim)
        h = positive_int(name, "hidden_size", hidden_size)
        self.embed = nn.Linear(self.input_size, embed_dim, dtype=dtype)
        self.encoder = nn.LSTM(embed_dim, h, batch_first=True, dtype=dtype)
        self.decoder = nn.LSTM(embed_dim, h, batch_first=True, dtype=dtype)
        self.start = nn.Parameter(from_numpy(np.zeros(embed_dim, dtype)))
        nn.init.uniform_(self.start, -0.1, 0.1)
        self.pointer = nn.AdditiveAttention(h, h, attn_dim or h, dtype=dtype)
        self.mask_chosen = bool(mask_chosen)

    def _inputs(self, x) -> Tensor:
        x = x if isinstance(x, Tensor) else from_numpy(np.asarray(x))
        if x.ndim == 2 and self.input_size == 1:
            x = x.unsqueeze(-1)
        if x.ndim != 3 or x.shape[2] != self.input_size or x.shape[1] < 1:
            raise ValueError(
                f"{type(self).__name__}: expected x (B, n, {self.input_size}) (or (B, n) when "
                f"input_size is 1) with n >= 1, got {tuple(x.shape)}"
            )
        return x

    def _check_perm(self, perm, b: int, n: int) -> np.ndarray:
        p = np.asarray(perm.numpy() if isinstance(perm, Tensor) else perm)
        ok = p.shape == (b, n) and p.dtype == np.int64
        if ok and not (np.sort(p, axis=1) == np.arange(n)).all():
            ok = False
        if not ok:
            raise ValueError(
                f"{type(self).__name__}: perm must be int64 ({b}, {n}), each row a permutation "
                f"of 0..{n - 1}; got {p.dtype} {p.shape}"
            )
        return p

    def forward(self, x, perm) -> Tensor:
        """Teacher-forced pointer logits (B, n, n): row t scores the positions for output step t (with
        mask_chosen, the positions perm[:, :t] masked to -1e9)."""
        x = self._inputs(x)
        b, n = x.shape[0], x.shape[1]
        p = self._check_perm(perm, b, n)
        e = self.embed(x)
        memory, state = self.encoder(e)
        # decoder inputs: start, then e at perm[:, 0 .. n-2], gathered by a one-hot matmul
        pick = np.zeros((b, n - 1, n), e.numpy().dtype)
        pick[np.arange(b)[:, None], np.arange(n - 1)[None, :], p[:, :-1]] = 1.0
        start = self.start.reshape(1, 1, -1).expand(b, 1, e.shape[2])
        dec_in = start if n == 1 else F.cat([start, from_numpy(pick) @ e], dim=1)
        d, _ = self.decoder(dec_in, state)
        return additive_scores(
            self.pointer, d, memory, from_numpy(chosen_mask(p)) if self.mask_chosen else None
        )

    def greedy(self, x) -> np.ndarray:
        """The positions int64 (B, n) picked greedily, one per step (a permutation with mask_chosen;
        without it a position may come twice)."""
        with no_grad():
            x = self._inputs(x)
            b, n = x.shape[0], x.shape[1]
            e = self.embed(x)
            memory, state = self.encoder(e)
            e_np = np.asarray(e.numpy())
            inp = self.start.reshape(1, 1, -1).expand(b, 1, e.shape[2])
            used = np.zeros((b, 1, n), bool)
            perm = np.zeros((b, n), np.int64)
            for t in range(n):
                d, state = self.decoder(inp, state)
                s = np.asarray(
                    additive_scores(
                        self.pointer, d, memory, from_numpy(used) if self.mask_chosen else None
                    ).numpy()
                )[:, 0]
                perm[:, t] = s.argmax(-1)
                used[np.arange(b), 0, perm[:, t]] = True
                inp = from_numpy(np.ascontiguousarray(e_np[np.arange(b), perm[:, t]][:, None]))
        return perm
