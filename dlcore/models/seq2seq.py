"""Seq2Seq: an LSTM encoder-decoder with optional additive (Bahdanau) attention, trained with teacher
forcing and decoded greedily; plus the pieces the captioner and pointer network share with it
(additive_scores, greedy_decode, sequence_loss).

Batch-first throughout: token ids int64 (B, T). Every sequence of a batch has the same length
(callers bucket by length or pad after EOS; the encoder is not masked). Layout (state_dict keys):
  src_embed  Embedding(src_vocab, embed_dim)        tgt_embed  Embedding(tgt_vocab, embed_dim)
  encoder    LSTM(embed_dim, hidden, batch_first, bidirectional)   memory (B, S, D), D = H or 2H
  decoder    LSTM(embed_dim, hidden, batch_first), started from the encoder's final (h, c) (the two
             directions summed when bidirectional)
  attention  nn.AdditiveAttention(H, D, attn_dim) (attention=True, Bahdanau scores): the decoder
             output d_t queries the memory (Luong placement), so training runs the decoder LSTM over
             the whole teacher-forced sequence at once
  out        Linear(H [+ D], tgt_vocab) on [d_t, context_t]
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import nn
from ..creation import from_numpy
from ..functional_porting import masked_fill
from ..graph import no_grad
from ..tensor import Tensor
from ._checks import positive_int

PAD, BOS, EOS = 0, 1, 2  # the token ids of dlcore.data.text


def additive_scores(attention: nn.AdditiveAttention, query: Tensor, keys: Tensor, mask=None) -> Tensor:
    """The unnormalised scores (B, Tq, Tk) of nn.AdditiveAttention, v^T tanh(W_q q + W_k k + b), from
    its own submodules (its forward gives only the softmax); query (B, Tq, Dq), keys (B, Tk, Dk).
    mask bool (B, Tq, Tk), True = excluded: that score becomes -1e9 (a row must keep one key)."""
    if query.ndim != 3 or keys.ndim != 3 or query.shape[0] != keys.shape[0]:
        raise ValueError(
            f"additive_scores: expected query (B, Tq, Dq) and keys (B, Tk, Dk), "
            f"got {tuple(query.shape)} and {tuple(keys.shape)}"
        )
    hidden = F.tanh(attention.query_proj(query).unsqueeze(2) + attention.key_proj(keys).unsqueeze(1))
    s = attention.v(hidden).squeeze(-1)
    return s if mask is None else masked_fill(s, mask, -1e9)


def sequence_loss(logits: Tensor, target: Tensor, pad: int = PAD) -> Tensor:
    """Mean cross-entropy over the non-pad targets: logits (B, T, V), target int64 (B, T)."""
    if logits.ndim != 3 or tuple(target.shape) != tuple(logits.shape[:2]):
        raise ValueError(
            f"sequence_loss: expected logits (B, T, V) and target (B, T), got {tuple(logits.shape)} "
            f"and {tuple(target.shape)}"
        )
    flat = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), "none")
    keep = (np.asarray(target.numpy()).reshape(-1) != pad).astype(flat.numpy().dtype)
    return (flat * from_numpy(keep)).sum() / max(float(keep.sum()), 1.0)


def greedy_decode(step, state, batch: int, max_len: int, bos: int = BOS, eos: int = EOS):
    """Greedy decoding under no_grad: step(tokens int64 (B, 1), state) -> (logits (B, 1, V), state),
    fed its own argmax from `bos` on, for max_len steps or until every row has emitted `eos`.
    Returns int64 (B, max_len): the argmax tokens, PAD after a row's first eos."""
    out = np.full((batch, max_len), PAD, np.int64)
    done = np.zeros(batch, bool)
    tokens = np.full((batch, 1), bos, np.int64)
    with no_grad():
        for t in range(max_len):
            logits, state = step(from_numpy(tokens), state)
            tokens = np.asarray(logits.numpy()).argmax(-1).astype(np.int64)  # (B, 1)
            out[:, t] = np.where(done, PAD, tokens[:, 0])
            done |= tokens[:, 0] == eos
            if done.all():
                break
    return out


class Seq2Seq(nn.Module):
    """LSTM encoder-decoder (see the module docstring); forward(src, tgt_in) -> logits (B, T, V)."""

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        embed_dim: int = 32,
        hidden_size: int = 128,
        attention: bool = False,
        bidirectional: bool = False,
        attn_dim: int | None = None,
        dtype=np.float32,
    ):
        super().__init__()
        name = type(self).__name__
        self.src_vocab = positive_int(name, "src_vocab", src_vocab)
        self.tgt_vocab = positive_int(name, "tgt_vocab", tgt_vocab)
        embed_dim = positive_int(name, "embed_dim", embed_dim)
        self.hidden_size = h = positive_int(name, "hidden_size", hidden_size)
        self.bidirectional = bool(bidirectional)
        mem = 2 * h if self.bidirectional else h
        self.src_embed = nn.Embedding(self.src_vocab, embed_dim, dtype=dtype)
        self.tgt_embed = nn.Embedding(self.tgt_vocab, embed_dim, dtype=dtype)
        self.encoder = nn.LSTM(embed_dim, h, batch_first=True, bidirectional=self.bidirectional, dtype=dtype)
        self.decoder = nn.LSTM(embed_dim, h, batch_first=True, dtype=dtype)
        self.attention = nn.AdditiveAttention(h, mem, attn_dim or h, dtype=dtype) if attention else None
        self.out = nn.Linear(h + (mem if attention else 0), self.tgt_vocab, dtype=dtype)

    def _check_tokens(self, x, what: str, vocab: int) -> Tensor:
        x = x if isinstance(x, Tensor) else from_numpy(np.asarray(x))
        a = np.asarray(x.numpy())
        if a.ndim != 2 or a.dtype != np.int64 or a.shape[1] < 1:
            raise ValueError(
                f"{type(self).__name__}: {what} must be int64 (B, T) with T >= 1, got {a.dtype} {a.shape}"
            )
        if a.size and (a.min() < 0 or a.max() >= vocab):
            raise ValueError(f"{type(self).__name__}: {what} ids must be in [0, {vocab})")
        return x

    def encode(self, src) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """src int64 (B, S) -> (memory (B, S, D), decoder start state ((1, B, H), (1, B, H)))."""
        src = self._check_tokens(src, "src", self.src_vocab)
        memory, (h, c) = self.encoder(self.src_embed(src))
        if self.bidirectional:
            h, c = h[0:1] + h[1:2], c[0:1] + c[1:2]
        return memory, (h, c)

    def decode(self, memory: Tensor, tgt_in: Tensor, state) -> tuple[Tensor, tuple, Tensor | None]:
        """Teacher-forced decoder pass: tgt_in int64 (B, T) -> (logits (B, T, V), final state,
        attention weights (B, T, S) or None)."""
        d, state = self.decoder(self.tgt_embed(tgt_in), state)
        weights = None
        if self.attention is not None:
            ctx, weights = self.attention(d, memory, memory)
            d = F.cat([d, ctx], dim=-1)
        return self.out(d), state, weights

    def forward(self, src, tgt_in) -> Tensor:
        """Logits (B, T, tgt_vocab) for teacher-forced decoder inputs tgt_in (BOS, y_0, .., y_{T-2})."""
        memory, state = self.encode(src)
        tgt_in = self._check_tokens(tgt_in, "tgt_in", self.tgt_vocab)
        return self.decode(memory, tgt_in, state)[0]

    def greedy(self, src, max_len: int, return_attention: bool = False):
        """Greedy translation of src (B, S): int64 (B, max_len), PAD after each row's EOS; with
        return_attention also the weights (B, max_len, S) (0 after a row's EOS; needs attention)."""
        max_len = positive_int(type(self).__name__, "max_len", max_len)
        if return_attention and self.attention is None:
            raise ValueError(f"{type(self).__name__}: return_attention needs attention=True")
        with no_grad():
            memory, state = self.encode(src)
        maps = []

        def step(tokens, st):
            logits, st, w = self.decode(memory, tokens, st)
            if w is not None:
                maps.append(np.asarray(w.numpy())[:, 0])
            return logits, st

        out = greedy_decode(step, state, memory.shape[0], max_len)
        if not return_attention:
            return out
        weights = np.zeros((out.shape[0], max_len, memory.shape[1]), np.float32)
        weights[:, : len(maps)] = np.stack(maps, axis=1)
        ended = np.cumsum(out == EOS, axis=1) - (out == EOS) > 0  # steps after the first EOS
        weights[ended] = 0.0
        return out, weights
