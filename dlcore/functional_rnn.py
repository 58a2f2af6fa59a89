"""The functions under the recurrent layers and embeddings: rnn_direction (one direction of one
layer over a sequence, ops.RNNDirection) and torch.nn.functional.embedding (ops.Embedding).

rnn_direction takes arguments the layer has checked (dlcore.nn.rnn names the layer in its
errors); embedding checks its own and names itself.
"""

from __future__ import annotations

import math

import numpy as np

from . import backend, ops
from . import functional as _f
from .graph import is_grad_enabled
from .tensor import Tensor, apply


def rnn_direction(mode: str, x: Tensor, h0: Tensor, c0, w_ih, w_hh, b_ih, b_hh, lengths=None, reverse=False):
    """(y (T, B, H), h_n (B, H), c_n (B, H) or None) of one direction of one layer: x (T, B, I)
    time-major, h0 (B, H), c0 (B, H) for "lstm" else None, weights as torch (ops.rnn), lengths an
    int64 array (B,) of x's device or None. Saves activations for backward only when a gradient
    can flow (grad mode on and an input requires grad)."""
    lstm = mode == "lstm"
    inputs = (x, h0) + ((c0,) if lstm else ()) + (w_ih, w_hh)
    inputs += () if b_ih is None else (b_ih, b_hh)
    inference = not (is_grad_enabled() and any(t.requires_grad for t in inputs))
    out = apply(
        ops.RNNDirection,
        *inputs,
        mode=mode,
        bias=b_ih is not None,
        lengths=lengths,
        reverse=reverse,
        inference=inference,
    )
    t_len = x.shape[0]
    return out[:t_len], out[t_len], (out[t_len + 1] if lstm else None)


def _renorm_(weight: Tensor, indices, max_norm: float, norm_type: float) -> None:
    """torch's embedding_renorm_: each looked-up row whose norm exceeds max_norm is scaled in
    place (no gradient) to max_norm / (norm + 1e-7) times itself."""
    xp = backend.array_module(weight.data)
    rows = xp.unique(indices.reshape(-1))
    if rows.size == 0:
        return
    picked = weight.data[rows].astype(np.float64)
    if math.isinf(norm_type):
        norms = xp.abs(picked).max(axis=1)
    else:
        norms = (xp.abs(picked) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    weight.data[rows] = (picked * scale[:, None]).astype(weight.dtype)


def embedding(
    input,
    weight,
    padding_idx=None,
    max_norm=None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """weight[input], as torch.nn.functional.embedding: input int32/int64 indices of any shape
    in [0, V), weight (V, D) -> (*input.shape, D). The row padding_idx (negative: from the end)
    gets no gradient; max_norm renormalizes the looked-up rows of weight in place first;
    scale_grad_by_freq divides gradients by the indices' frequencies in the call."""
    op = "embedding"
    idx, w = _f._tensor(input, op), _f._tensor(weight, op)
    if idx.dtype not in (np.int64, np.int32):
        raise TypeError(f"{op}: expected int64 or int32 indices as input, got {idx.dtype}")
    if w.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape {w.shape}")
    if idx.device != w.device:
        raise TypeError(f"{op}: input and weight must be on one device, got {idx.device} and {w.device}")
    if sparse:
        raise ValueError(f"{op}: sparse gradients are not supported (sparse=True)")
    rows = w.shape[0]
    if padding_idx is not None:
        if not isinstance(padding_idx, (int, np.integer)) or isinstance(padding_idx, bool):
            raise TypeError(f"{op}: padding_idx must be an int or None, got {padding_idx!r}")
        if not -rows <= padding_idx < rows:
            raise ValueError(f"{op}: padding_idx must be within num_embeddings ({rows}), got {padding_idx}")
        padding_idx = int(padding_idx) % rows
    data = idx.data
    if data.size:
        low, high = int(data.min()), int(data.max())
        if low < 0 or high >= rows:
            bad = low if low < 0 else high
            raise ValueError(f"{op}: index {bad} is out of range for a weight of {rows} rows {w.shape}")
    if max_norm is not None:
        _renorm_(w, data, float(max_norm), float(norm_type))
    return apply(
        ops.Embedding, w, indices=data, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq
    )
