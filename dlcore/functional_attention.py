"""torch.nn.functional.scaled_dot_product_attention, a composite of tensor ops (matmul, masked_fill,
softmax, dropout), so it runs and differentiates on every device; re-exported by
dlcore.nn.functional. nn.MultiheadAttention and nn.AdditiveAttention (dlcore/nn/attention.py)
build on it and on the same masking rules.
"""

from __future__ import annotations

import math

import numpy as np

from . import backend
from . import functional as _f
from .tensor import Tensor

_NEG_INF = float("-inf")


def _broadcast(*shapes) -> tuple | None:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def safe_softmax(scores: Tensor) -> Tensor:
    """softmax over the last dim, with rows that are -inf throughout (every key masked) giving
    weights 0 and gradient 0 instead of nan (torch 2.13's scaled_dot_product_attention)."""
    dead = (scores == _NEG_INF).all(dim=-1, keepdim=True)
    if not bool(dead.any()):
        return scores.softmax(-1)
    return scores.masked_fill(dead, 0.0).softmax(-1).masked_fill(dead, 0.0)


def apply_mask(scores: Tensor, mask, op: str) -> Tensor:
    """scores (..., L, S) with mask: bool (True = takes part: -inf elsewhere) or float (added);
    the mask broadcasts to scores' shape without enlarging it."""
    if mask is None:
        return scores
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}: attn_mask must be a tensor or None, got {type(mask).__name__}")
    if _broadcast(mask.shape, scores.shape) != scores.shape:
        raise ValueError(
            f"{op}: attn_mask of shape {mask.shape} does not broadcast to the attention scores {scores.shape}"
        )
    if mask.dtype == np.bool_:
        return scores.masked_fill(~mask, _NEG_INF)
    if mask.dtype not in (np.float32, scores.dtype):
        raise TypeError(f"{op}: attn_mask must be bool, float32 or the query's dtype, got {mask.dtype}")
    return scores + mask


def causal_mask(length: int, source: int, like: Tensor) -> Tensor:
    """The bool (L, S) mask of is_causal: query i attends to keys 0..i (torch's top-left tril)."""
    keep = np.tril(np.ones((length, source), dtype=bool))
    return Tensor(backend.to_device(keep, backend.device_of(like.data)))


def _repeat_heads(x: Tensor, groups: int) -> Tensor:
    """(..., H, S, E) -> (..., H * groups, S, E), each head repeated `groups` times in place."""
    shape = x.shape
    wide = x.unsqueeze(-3).expand(*shape[:-2], groups, *shape[-2:])
    return wide.reshape(*shape[:-3], shape[-3] * groups, *shape[-2:])


def _check_qkv(q, k, v, enable_gqa: bool, op: str) -> tuple:
    for name, t in (("query", q), ("key", k), ("value", v)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a tensor, got {type(t).__name__}")
    if not (q.dtype == k.dtype == v.dtype) or q.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"{op}: query, key and value must be float32 or float64 of one dtype, got "
            f"{q.dtype}, {k.dtype}, {v.dtype}"
        )
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise ValueError(
            f"{op}: query, key and value must be at least 2-D, got {q.shape}, {k.shape}, {v.shape}"
        )
    if k.shape[-1] != q.shape[-1]:
        raise ValueError(f"{op}: key {k.shape} must end in query's embedding size {q.shape[-1]}")
    if v.shape[-2] != k.shape[-2]:
        raise ValueError(f"{op}: value {v.shape} must have key's {k.shape[-2]} positions (dim -2)")
    if enable_gqa and min(q.ndim, k.ndim, v.ndim) >= 3 and q.shape[-3] != k.shape[-3]:
        hq, hk = q.shape[-3], k.shape[-3]
        if hk == 0 or hq % hk or v.shape[-3] != hk:
            raise ValueError(
                f"{op}: enable_gqa needs the query heads ({hq}) to be a multiple of the key and value "
                f"heads ({hk}, {v.shape[-3]})"
            )
        k, v = _repeat_heads(k, hq // hk), _repeat_heads(v, hq // hk)
    batch = _broadcast(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    if batch is None:
        raise ValueError(
            f"{op}: the batch dims of query {q.shape}, key {k.shape}, value {v.shape} do not broadcast"
        )
    return k, v


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, as torch.nn.functional's: query (..., L, E),
    key (..., S, E), value (..., S, Ev) -> (..., L, Ev), batch dims broadcast. scale defaults to
    1 / sqrt(E). attn_mask: bool (True = the key takes part) or float (added to the scores),
    broadcastable to (..., L, S); is_causal masks keys after the query (no attn_mask with it).
    A query whose keys are all masked gets zeros. dropout_p drops attention weights (always, as
    torch: pass 0.0 outside training). enable_gqa repeats each key/value head for a group of
    query heads (dim -3)."""
    op = "scaled_dot_product_attention"
    k, v = _check_qkv(query, key, value, bool(enable_gqa), op)
    q = query
    if not _is_number(dropout_p) or not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {dropout_p}")
    if scale is not None and not _is_number(scale):
        raise TypeError(f"{op}: scale must be a number or None, got {type(scale).__name__}")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{op}: attn_mask must not be given when is_causal=True")
    e = q.shape[-1]
    factor = float(scale) if scale is not None else (1.0 / math.sqrt(e) if e else 1.0)  # E = 0: scores 0
    scores = q.matmul(k.transpose(-2, -1)) * factor
    if is_causal:
        attn_mask = causal_mask(q.shape[-2], k.shape[-2], q)
    weights = safe_softmax(apply_mask(scores, attn_mask, op))
    if dropout_p > 0.0:
        weights = _f.dropout(weights, p=float(dropout_p), training=True)
    return weights.matmul(v)
