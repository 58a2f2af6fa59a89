"""Captioner: a CNN encodes an image into the start state of an LSTM decoder that writes its caption
(Show and Tell / Karpathy's captioning, at toy scale).

images float (B, C, H, W), H and W even; captions int64 (B, T). Layout (state_dict keys):
  encoder   Sequential(Conv2d(C, c0, 3, padding=1), ReLU, Conv2d(c0, c1, 3, padding=1), ReLU,
                       MaxPool2d(2), Flatten, Linear(c1 * H/2 * W/2, hidden), ReLU)  -> feature (B, H')
  init_h, init_c   Linear(hidden, hidden): the decoder's start state, tanh(init_h(f)), init_c(f)
  embed     Embedding(vocab, embed_dim)
  decoder   LSTM(embed_dim + hidden, hidden, batch_first): its input at every step is the previous
            word's embedding beside the image feature f (the image also "injected" at every step,
            which trains several times faster than the start state alone)
  out       Linear(hidden, vocab)
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import nn
from ..creation import from_numpy
from ..graph import no_grad
from ..tensor import Tensor
from ._checks import channel_pair, positive_int
from .seq2seq import BOS, EOS, greedy_decode


class Captioner(nn.Module):
    """forward(images, tgt_in) -> logits (B, T, vocab) (teacher forced); greedy(images, max_len)."""

    def __init__(
        self,
        vocab: int,
        image_size: tuple[int, int] = (8, 16),
        in_channels: int = 1,
        channels: tuple[int, int] = (16, 32),
        embed_dim: int = 16,
        hidden_size: int = 64,
        dtype=np.float32,
    ):
        super().__init__()
        name = type(self).__name__
        self.vocab = positive_int(name, "vocab", vocab)
        try:
            hh, ww = (positive_int(name, "image_size", v) for v in image_size)
        except TypeError:
            raise ValueError(f"{name}: image_size must be a pair (H, W), got {image_size!r}") from None
        if hh % 2 or ww % 2:
            raise ValueError(
                f"{name}: image_size must be even on both sides (one 2x2 pool), got {image_size}"
            )
        self.image_size = (hh, ww)
        self.in_channels = positive_int(name, "in_channels", in_channels)
        c0, c1 = channel_pair(name, channels)
        embed_dim = positive_int(name, "embed_dim", embed_dim)
        h = positive_int(name, "hidden_size", hidden_size)
        self.encoder = nn.Sequential(
            nn.Conv2d(self.in_channels, c0, 3, padding=1, dtype=dtype),
            nn.ReLU(),
            nn.Conv2d(c0, c1, 3, padding=1, dtype=dtype),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(c1 * (hh // 2) * (ww // 2), h, dtype=dtype),
            nn.ReLU(),
        )
        self.init_h = nn.Linear(h, h, dtype=dtype)
        self.init_c = nn.Linear(h, h, dtype=dtype)
        self.embed = nn.Embedding(self.vocab, embed_dim, dtype=dtype)
        self.decoder = nn.LSTM(embed_dim + h, h, batch_first=True, dtype=dtype)
        self.out = nn.Linear(h, self.vocab, dtype=dtype)

    def encode(self, images) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """images (B, C, H, W) -> (feature f (B, H'), the decoder's start state ((1, B, H'), (1, B, H')))."""
        images = images if isinstance(images, Tensor) else from_numpy(np.asarray(images))
        want = (self.in_channels, *self.image_size)
        if images.ndim != 4 or tuple(images.shape[1:]) != want:
            raise ValueError(
                f"{type(self).__name__}: expected images (B, {want[0]}, {want[1]}, {want[2]}), "
                f"got {tuple(images.shape)}"
            )
        f = self.encoder(images)
        return f, (F.tanh(self.init_h(f)).unsqueeze(0), self.init_c(f).unsqueeze(0))

    def _step(self, tokens: Tensor, state):
        """tokens (B, T), state (f, (h, c)) -> (logits (B, T, vocab), (f, (h', c')))."""
        f, hc = state
        e = self.embed(tokens)
        feat = f.unsqueeze(1).expand(e.shape[0], e.shape[1], f.shape[1])
        d, hc = self.decoder(F.cat([e, feat], dim=-1), hc)
        return self.out(d), (f, hc)

    def forward(self, images, tgt_in) -> Tensor:
        """Logits (B, T, vocab) for teacher-forced inputs tgt_in int64 (B, T) = (BOS, y_0 .. y_{T-2})."""
        tgt_in = tgt_in if isinstance(tgt_in, Tensor) else from_numpy(np.asarray(tgt_in))
        t = np.asarray(tgt_in.numpy())
        if t.ndim != 2 or t.dtype != np.int64 or (t.size and (t.min() < 0 or t.max() >= self.vocab)):
            raise ValueError(
                f"{type(self).__name__}: tgt_in must be int64 (B, T) with ids in "
                f"[0, {self.vocab}), got {t.dtype} {t.shape}"
            )
        return self._step(tgt_in, self.encode(images))[0]

    def greedy(self, images, max_len: int, bos: int = BOS, eos: int = EOS) -> np.ndarray:
        """Greedy captions int64 (B, max_len), PAD after each row's EOS."""
        max_len = positive_int(type(self).__name__, "max_len", max_len)
        with no_grad():
            state = self.encode(images)
        return greedy_decode(self._step, state, state[0].shape[0], max_len, bos, eos)
