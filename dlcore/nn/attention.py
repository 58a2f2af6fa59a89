"""Attention layers, composites of tensor ops (every device): nn.MultiheadAttention (torch's
parameters, layout and forward) and nn.AdditiveAttention (Bahdanau et al. 2015, a dlcore
extension: torch has none)."""

from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from .. import functional_attention as A
from ..creation import zeros
from ..tensor import Tensor
from . import init
from .layers import Linear, check_input
from .module import Module
from .parameter import Parameter


def _positive_int(v, name: str, layer: str) -> int:
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, got {v!r}")
    return int(v)


def _float_mask(mask, name: str, shape: tuple, dtype, layer: str):
    """None, or mask as a float tensor of dtype to add to the scores: a bool mask gives -inf
    where True (that key is not attended: torch's MultiheadAttention meaning), a float mask as it is."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"{layer}: {name} must be a tensor or None, got {type(mask).__name__}")
    if mask.shape != shape:
        raise ValueError(f"{layer}: {name} must have shape {shape}, got {mask.shape}")
    if mask.dtype == np.bool_:
        return zeros(shape, dtype=dtype, device=mask.device).masked_fill(mask, -math.inf)
    if mask.dtype.kind != "f":
        raise TypeError(f"{layer}: only bool and floating {name} are supported, got {mask.dtype}")
    return mask


def _pad_key(mask: Tensor | None) -> Tensor | None:
    """mask with one more key (last dim) that takes part: a zero column."""
    if mask is None:
        return None
    return F.cat([mask, zeros(*mask.shape[:-1], 1, dtype=mask.dtype, device=mask.device)], dim=-1)


class MultiheadAttention(Module):
    """torch.nn.MultiheadAttention: attn_output = out_proj(concat_h softmax(Q_h K_h^T / sqrt(d) +
    mask) V_h) with Q = query W_q^T + b_q, K, V likewise, d = embed_dim / num_heads.
    Parameters as torch: in_proj_weight (3E, E) and in_proj_bias (3E,) hold W_q, W_k, W_v stacked
    (q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim) instead when kdim or
    vdim differ from E); out_proj.weight (E, E), out_proj.bias (E,); bias_k, bias_v (1, 1, E) with
    add_bias_kv. Inputs (L, N, E) (batch_first: (N, L, E)) or unbatched (L, E); key_padding_mask
    (N, S), attn_mask (L, S) or (N * num_heads, L, S): bool True = not attended, float added.
    forward returns (attn_output, attn_weights): weights (N, L, S) averaged over heads, or
    (N, num_heads, L, S); None when need_weights is False. dropout acts on the weights in training."""

    def __init__(
        self,
        embed_dim,
        num_heads,
        dropout=0.0,
        bias=True,
        add_bias_kv=False,
        add_zero_attn=False,
        kdim=None,
        vdim=None,
        batch_first=False,
        dtype=None,
    ):
        super().__init__()
        name = "MultiheadAttention"
        self.embed_dim = e = _positive_int(embed_dim, "embed_dim", name)
        self.num_heads = _positive_int(num_heads, "num_heads", name)
        if e % self.num_heads:
            raise ValueError(f"{name}: embed_dim {e} must be divisible by num_heads {self.num_heads}")
        self.kdim = e if kdim is None else _positive_int(kdim, "kdim", name)
        self.vdim = e if vdim is None else _positive_int(vdim, "vdim", name)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be a probability in [0, 1], got {dropout!r}")
        self.dropout, self.batch_first, self.add_zero_attn = (
            float(dropout),
            bool(batch_first),
            bool(add_zero_attn),
        )
        self.head_dim = e // self.num_heads
        self._qkv_same_embed_dim = self.kdim == e and self.vdim == e
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = init.xavier_uniform_(Parameter(np.empty((3 * e, e), dtype)))
            for n in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(n, None)
        else:
            self.register_parameter("in_proj_weight", None)
            for n, d in (("q_proj_weight", e), ("k_proj_weight", self.kdim), ("v_proj_weight", self.vdim)):
                setattr(self, n, init.xavier_uniform_(Parameter(np.empty((e, d), dtype))))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * e, dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(e, e, bias=bias, dtype=dtype)
        if bias:
            init.zeros_(self.out_proj.bias)
        if add_bias_kv:
            self.bias_k = init.xavier_normal_(Parameter(np.empty((1, 1, e), dtype)))
            self.bias_v = init.xavier_normal_(Parameter(np.empty((1, 1, e), dtype)))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)

    def _projections(self) -> tuple:
        """(W_q, W_k, W_v) and (b_q, b_k, b_v) (None without bias)."""
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            ws = (w[:e], w[e : 2 * e], w[2 * e :])
        else:
            ws = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        return ws, ((None,) * 3 if b is None else (b[:e], b[e : 2 * e], b[2 * e :]))

    def _check(self, query, key, value) -> bool:
        name = f"MultiheadAttention({self.embed_dim}, {self.num_heads})"
        for n, t in (("query", query), ("key", key), ("value", value)):
            check_input(self, t, n)
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(
                f"{name}: query, key and value must all be 3-D (batched) or 2-D (unbatched), got "
                f"{query.shape}, {key.shape}, {value.shape}"
            )
        for n, t, d in (
            ("query", query, self.embed_dim),
            ("key", key, self.kdim),
            ("value", value, self.vdim),
        ):
            if t.shape[-1] != d:
                raise ValueError(f"{name}: {n} {t.shape} must end in {d} features")
        w = self.out_proj.weight
        if not (query.dtype == key.dtype == value.dtype == w.dtype):
            raise TypeError(
                f"{name}: query, key and value must have the parameters' dtype {w.dtype}, got "
                f"{query.dtype}, {key.dtype}, {value.dtype}"
            )
        batched = query.ndim == 3
        if key.shape[:-1] != value.shape[:-1] or (
            batched and query.shape[1 - self.batch_first] != key.shape[1 - self.batch_first]
        ):
            raise ValueError(
                f"{name}: key {key.shape} and value {value.shape} must have one length and query's "
                f"batch size ({query.shape})"
            )
        return batched

    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights=True,
        attn_mask=None,
        average_attn_weights=True,
        is_causal=False,
    ):
        name = f"MultiheadAttention({self.embed_dim}, {self.num_heads})"
        batched = self._check(query, key, value)
        if self.batch_first and batched:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        if not batched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
        tgt, n, e = query.shape
        src, h, d = key.shape[0], self.num_heads, self.head_dim
        kpm_shape = (n, src) if batched else (src,)
        kpm = _float_mask(key_padding_mask, "key_padding_mask", kpm_shape, query.dtype, name)
        if kpm is not None and not batched:
            kpm = kpm.unsqueeze(0)
        if is_causal and attn_mask is None:
            raise ValueError(f"{name}: is_causal needs attn_mask (is_causal is a hint that it is causal)")
        sdpa_causal = bool(is_causal) and kpm is None and not need_weights
        mask = None
        if not sdpa_causal and attn_mask is not None:
            mask_shape = attn_mask.shape if getattr(attn_mask, "ndim", 0) == 3 else (tgt, src)
            if len(mask_shape) == 3 and mask_shape != (n * h, tgt, src):
                raise ValueError(
                    f"{name}: a 3-D attn_mask must have shape {(n * h, tgt, src)}, got {mask_shape}"
                )
            mask = _float_mask(attn_mask, "attn_mask", mask_shape, query.dtype, name)
            mask = mask.unsqueeze(0) if mask.ndim == 2 else mask
        (wq, wk, wv), (bq, bk, bv) = self._projections()
        q, k, v = F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)
        if self.bias_k is not None:
            k = F.cat([k, self.bias_k.expand(1, n, e)])
            v = F.cat([v, self.bias_v.expand(1, n, e)])
            mask, kpm = _pad_key(mask), _pad_key(kpm)
        q = q.reshape(tgt, n * h, d).transpose(0, 1)
        k = k.reshape(k.shape[0], n * h, d).transpose(0, 1)
        v = v.reshape(v.shape[0], n * h, d).transpose(0, 1)
        if self.add_zero_attn:
            column = zeros(n * h, 1, d, dtype=k.dtype, device=k.device)
            k, v = F.cat([k, column], dim=1), F.cat([v, column], dim=1)
            mask, kpm = _pad_key(mask), _pad_key(kpm)
        src = k.shape[1]
        if kpm is not None:
            kpm = kpm.reshape(n, 1, 1, src).expand(n, h, 1, src).reshape(n * h, 1, src)
            mask = kpm if mask is None else mask + kpm
        p = self.dropout if self.training else 0.0
        if need_weights:
            scores = (q * math.sqrt(1.0 / d)).matmul(k.transpose(-2, -1))
            weights = (scores if mask is None else scores + mask).softmax(-1)  # plain softmax, as torch
            if p > 0.0:
                weights = F.dropout(weights, p=p, training=True)
            out = weights.matmul(v)
            weights = weights.reshape(n, h, tgt, src)
            if average_attn_weights:
                weights = weights.mean(dim=1)
        else:
            if mask is not None:
                mask = mask.unsqueeze(0) if mask.shape[0] == 1 else mask.reshape(n, h, mask.shape[1], src)
            out = A.scaled_dot_product_attention(
                q.reshape(n, h, tgt, d),
                k.reshape(n, h, src, d),
                v.reshape(n, h, src, d),
                attn_mask=mask,
                dropout_p=p,
                is_causal=sdpa_causal,
            ).reshape(n * h, tgt, d)
            weights = None
        out = out.transpose(0, 1).reshape(tgt * n, e)
        out = self.out_proj(out).reshape(tgt, n, e)
        if not batched:
            out = out.squeeze(1)
            weights = None if weights is None else weights.squeeze(0)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"


class AdditiveAttention(Module):
    """Additive (Bahdanau) attention, a dlcore extension (torch.nn has none):
        score(q, k_s) = v^T tanh(W_q q + W_k k_s + b),  weights = softmax over the keys s,
        context = sum_s weights_s value_s.
    Submodules: query_proj = Linear(query_dim, hidden_dim, bias=False) (W_q), key_proj =
    Linear(key_dim, hidden_dim, bias=bias) (W_k, b), v = Linear(hidden_dim, 1, bias=False).
    forward(query, keys, values=None, mask=None) -> (context, weights): query (N, query_dim) or
    (N, L, query_dim) (L queries), keys (N, S, key_dim), values (N, S, value_dim) (default: keys);
    unbatched: keys (S, key_dim) with query (query_dim,) or (L, query_dim). mask (N, S) or
    (N, L, S) (or broadcastable to it), bool, True = the key takes part (a query with no key
    left gets weights 0).
    context (N, [L,] value_dim), weights (N, [L,] S)."""

    def __init__(self, query_dim, key_dim, hidden_dim, bias=True, dtype=None):
        super().__init__()
        name = "AdditiveAttention"
        self.query_dim = _positive_int(query_dim, "query_dim", name)
        self.key_dim = _positive_int(key_dim, "key_dim", name)
        self.hidden_dim = _positive_int(hidden_dim, "hidden_dim", name)
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        self.query_proj = Linear(self.query_dim, self.hidden_dim, bias=False, dtype=dtype)
        self.key_proj = Linear(self.key_dim, self.hidden_dim, bias=bias, dtype=dtype)
        self.v = Linear(self.hidden_dim, 1, bias=False, dtype=dtype)

    def forward(self, query, keys, values=None, mask=None):
        name = f"AdditiveAttention({self.query_dim}, {self.key_dim}, {self.hidden_dim})"
        check_input(self, query, "query"), check_input(self, keys, "keys")
        values = keys if values is None else check_input(self, values, "values")
        if mask is not None and (not isinstance(mask, Tensor) or mask.dtype != np.bool_):
            got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
            raise TypeError(f"{name}: mask must be a bool tensor (True = the key takes part), got {got}")
        if keys.ndim not in (2, 3) or values.ndim != keys.ndim:
            raise ValueError(
                f"{name}: keys and values must be (N, S, D) or unbatched (S, D), got {keys.shape}, "
                f"{values.shape}"
            )
        batched, given = keys.ndim == 3, None if mask is None else mask.shape
        if query.ndim not in ((2, 3) if batched else (1, 2)):
            raise ValueError(f"{name}: query {query.shape} does not go with keys {keys.shape}")
        if query.shape[-1] != self.query_dim or keys.shape[-1] != self.key_dim:
            raise ValueError(
                f"{name}: query {query.shape} must end in {self.query_dim} features, keys {keys.shape} in "
                f"{self.key_dim}"
            )
        if values.shape[:-1] != keys.shape[:-1] or (batched and query.shape[0] != keys.shape[0]):
            raise ValueError(
                f"{name}: query {query.shape}, keys {keys.shape}, values {values.shape} disagree"
            )
        if not batched:
            query, keys, values = query.unsqueeze(0), keys.unsqueeze(0), values.unsqueeze(0)
            mask = None if mask is None else mask.unsqueeze(0)
        single = query.ndim == 2
        q = query.unsqueeze(1) if single else query  # (N, L, query_dim)
        hidden = (self.query_proj(q).unsqueeze(2) + self.key_proj(keys).unsqueeze(1)).tanh()
        scores = self.v(hidden).squeeze(-1)  # (N, L, S)
        if mask is not None:
            mask = mask.unsqueeze(1) if mask.ndim == 2 else mask
            if A._broadcast(mask.shape, scores.shape) != scores.shape:
                raise ValueError(
                    f"{name}: mask of shape {given} does not broadcast to the keys of each query "
                    f"(N, S) {scores.shape[::2]} or (N, L, S) {scores.shape}"
                )
        weights = A.safe_softmax(A.apply_mask(scores, mask, name))
        context = weights.matmul(values)
        if single:
            context, weights = context.squeeze(1), weights.squeeze(1)
        if not batched:
            context, weights = context.squeeze(0), weights.squeeze(0)
        return context, weights

    def extra_repr(self) -> str:
        return f"query_dim={self.query_dim}, key_dim={self.key_dim}, hidden_dim={self.hidden_dim}"
