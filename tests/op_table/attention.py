"""Op-table entries for issue 19's attention: nn.functional.scaled_dot_product_attention,
nn.MultiheadAttention and nn.AdditiveAttention, with their fuzz builders.

The layers return (output, weights): an entry compares one of them, named by the suffix
(".weights" for the attention weights). A layer sample is Sample(inputs, {"init": constructor
arguments, "state": weights by state_dict name, "forward": forward's keyword arguments, "train":
bool}); masks inside "forward" are arrays like any other (float masks are differentiable inputs, as
in torch). torch.nn has no AdditiveAttention: its twin is written here with the same submodule
names (query_proj, key_proj, v) and the formula of dlcore/nn/attention.py:
    score(q, k_s) = v^T tanh(W_q q + W_k k_s + b), weights = softmax over s (a query whose keys
    are all masked gets zeros), context = weights @ values.
"""

from __future__ import annotations

import functools
import importlib

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dlcore.nn
import dlcore.nn.functional as F

from . import fuzzing as fz
from .core import SUMMING, Maker, OpInfo, Sample, _bad, _ones, _torch
from .layers import _on_inputs_device, _substitute


def _torch_mod():
    return importlib.import_module("torch")


@functools.cache
def _torch_additive():
    torch = _torch_mod()

    class AdditiveAttention(torch.nn.Module):
        def __init__(self, query_dim, key_dim, hidden_dim, bias=True, dtype=None):
            super().__init__()
            self.query_proj = torch.nn.Linear(query_dim, hidden_dim, bias=False, dtype=dtype)
            self.key_proj = torch.nn.Linear(key_dim, hidden_dim, bias=bias, dtype=dtype)
            self.v = torch.nn.Linear(hidden_dim, 1, bias=False, dtype=dtype)

        def forward(self, query, keys, values=None, mask=None):
            values = keys if values is None else values
            batched = keys.dim() == 3
            if not batched:
                query, keys, values = query[None], keys[None], values[None]
                mask = None if mask is None else mask[None]
            single = query.dim() == 2
            q = query[:, None] if single else query
            scores = self.v(torch.tanh(self.query_proj(q)[:, :, None] + self.key_proj(keys)[:, None]))[..., 0]
            if mask is not None:
                mask = mask[:, None] if mask.dim() == 2 else mask
                if torch.broadcast_shapes(mask.shape, scores.shape) != scores.shape:
                    raise ValueError(f"mask {tuple(mask.shape)} for scores {tuple(scores.shape)}")
                scores = scores.masked_fill(~mask, float("-inf"))
            dead = torch.isneginf(scores).all(-1, keepdim=True)
            weights = scores.masked_fill(dead, 0.0).softmax(-1).masked_fill(dead, 0.0)
            context = weights @ values
            if single:
                context, weights = context[:, 0], weights[:, 0]
            if not batched:
                context, weights = context[0], weights[0]
            return context, weights

    return AdditiveAttention


def _layer(name: str, output: int, torch_side: bool):
    """Builds the layer from `init`, runs forward(*inputs, **forward) with `state` as its weights
    and returns output `output` of (output, weights)."""

    def call(*inputs, init=None, state=None, train=True, forward=None):
        init, forward = dict(init or {}), dict(forward or {})
        if torch_side:
            torch = _torch_mod()
            cls = _torch_additive() if name == "AdditiveAttention" else getattr(torch.nn, name)
            if "dtype" in init:
                init["dtype"] = getattr(torch, init["dtype"])
            module = cls(**init)
            module.train(train)
            if state is None:
                return module(*inputs, **forward)[output]
            return torch.func.functional_call(module, state, inputs, forward)[output]
        module = _on_inputs_device(getattr(dlcore.nn, name)(**init), inputs)
        module.train(train)
        if state is not None:
            _substitute(module, state)
        return module(*inputs, **forward)[output]

    call.__name__ = f"{'torch' if torch_side else 'dlcore'}.nn.{name}[{output}]"
    if not torch_side:
        call.module_class = getattr(dlcore.nn, name)
    return call


# ---- samples -----------------------------------------------------------------------------------


def sdpa_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(2, 3, 4), m(2, 5, 4), m(2, 5, 6)), desc="3-D")
    keep = rng.random((3, 5)) < 0.6
    keep[1] = False  # a query with no key: zeros, gradient 0
    yield Sample(
        (m(2, 2, 3, 4, layout="flipped"), m(2, 2, 5, 4), m(2, 2, 5, 3, layout="strided")),
        {"attn_mask": keep},
        desc="4-D, bool mask with a fully masked query",
    )
    yield Sample(
        (m(2, 3, 4), m(2, 5, 4), m(2, 5, 2)), {"attn_mask": m(1, 3, 5)}, desc="float mask, broadcast"
    )
    yield Sample(
        (m(4, 3), m(6, 3, layout="transposed"), m(6, 2)), {"is_causal": True}, desc="unbatched, causal, L < S"
    )
    yield Sample(
        (m(2, 4, 3), m(2, 2, 3), m(2, 2, 5)), {"is_causal": True, "scale": 0.7}, desc="causal, L > S, scale"
    )
    yield Sample(
        (m(1, 4, 3, 2), m(1, 2, 5, 2), m(1, 2, 5, 3)), {"enable_gqa": True}, desc="grouped query heads"
    )
    yield Sample((m(2, 3, 4), m(2, 0, 4), m(2, 0, 6)), desc="no keys: zeros")


def _mha_state(m, e, kdim=None, vdim=None, bias=True, bias_kv=False):
    if kdim is None and vdim is None:
        state = {"in_proj_weight": m(3 * e, e)}
    else:
        state = {"q_proj_weight": m(e, e), "k_proj_weight": m(e, kdim or e), "v_proj_weight": m(e, vdim or e)}
    if bias:
        state |= {"in_proj_bias": m(3 * e), "out_proj.bias": m(e)}
    if bias_kv:
        state |= {"bias_k": m(1, 1, e), "bias_v": m(1, 1, e)}
    return state | {"out_proj.weight": m(e, e)}


def mha_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    e, h = 6, 2
    base = {"embed_dim": e, "num_heads": h, "dtype": dtype}
    kpm = np.zeros((3, 5), bool)
    kpm[0, 3:] = kpm[2, 1] = True
    yield Sample(
        (m(4, 3, e), m(5, 3, e), m(5, 3, e)), {"init": base, "state": _mha_state(m, e)}, desc="(L, N, E)"
    )
    yield Sample(
        (m(3, 4, e, layout="flipped"), m(3, 5, e), m(3, 5, e)),
        {
            "init": base | {"batch_first": True},
            "state": _mha_state(m, e),
            "forward": {"key_padding_mask": kpm},
        },
        desc="batch_first, bool key_padding_mask",
    )
    yield Sample(
        (m(4, 2, e), m(5, 2, 3), m(5, 2, 4, layout="strided")),
        {
            "init": base | {"kdim": 3, "vdim": 4, "add_bias_kv": True, "add_zero_attn": True},
            "state": _mha_state(m, e, 3, 4, bias_kv=True),
            "forward": {"attn_mask": m(4, 5), "average_attn_weights": False},
        },
        desc="kdim, vdim, bias_kv, zero_attn, float attn_mask, per-head weights",
    )
    causal = ~np.tril(np.ones((4, 4), bool))  # True = not attended
    yield Sample(
        (m(4, e), m(4, e), m(4, e)),
        {
            "init": base | {"bias": False, "num_heads": 3},
            "state": _mha_state(m, e, bias=False),
            "forward": {"attn_mask": causal, "is_causal": True},
        },
        desc="unbatched, no bias, causal",
    )
    yield Sample(
        (m(4, 3, e), m(5, 3, e), m(5, 3, e)),
        {
            "init": base | {"dropout": 0.5},
            "state": _mha_state(m, e),
            "forward": {"attn_mask": m(3 * h, 4, 5), "key_padding_mask": m(3, 5)},
            "train": False,
        },
        desc="eval (no dropout), 3-D float attn_mask and float key_padding_mask",
    )


def mha_output_samples(op, dtype, rng):
    yield from mha_samples(op, dtype, rng)
    m = Maker(op, dtype, rng)
    yield Sample(
        (m(4, 2, 4), m(3, 2, 4), m(3, 2, 4)),
        {
            "init": {"embed_dim": 4, "num_heads": 2, "dtype": dtype},
            "state": _mha_state(m, 4),
            "forward": {"need_weights": False, "key_padding_mask": np.array([[0, 0, 1], [1, 1, 1]], bool)},
        },
        desc="need_weights False (scaled_dot_product_attention), a fully padded item: zeros",
    )


def _additive_state(m, q, k, hidden, bias=True):
    state = {"query_proj.weight": m(hidden, q), "key_proj.weight": m(hidden, k), "v.weight": m(1, hidden)}
    return state | ({"key_proj.bias": m(hidden)} if bias else {})


def additive_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    init = {"query_dim": 3, "key_dim": 4, "hidden_dim": 5, "dtype": dtype}
    st_ = functools.partial(_additive_state, m, 3, 4, 5)
    yield Sample((m(2, 3), m(2, 6, 4)), {"init": init, "state": st_()}, desc="one query, values = keys")
    mask = rng.random((2, 6)) < 0.7
    mask[1] = False
    yield Sample(
        (m(2, 3, layout="transposed"), m(2, 6, 4, layout="flipped"), m(2, 6, 2)),
        {"init": init, "state": st_(), "forward": {"mask": mask}},
        desc="values, mask with an item fully masked",
    )
    yield Sample(
        (m(2, 4, 3), m(2, 5, 4), m(2, 5, 3)),
        {
            "init": init | {"bias": False},
            "state": st_(bias=False),
            "forward": {"mask": rng.random((2, 4, 5)) < 0.8},
        },
        desc="several queries, per-query mask, no bias",
    )
    yield Sample((m(3), m(5, 4), m(5, 2)), {"init": init, "state": st_()}, desc="unbatched")
    yield Sample((m(2, 3), m(2, 0, 4)), {"init": init, "state": st_()}, desc="no keys")


# ---- bad inputs --------------------------------------------------------------------------------


def sdpa_bad():
    n = "scaled_dot_product_attention"
    q, k, v = _ones(2, 3, 4), _ones(2, 5, 4), _ones(2, 5, 6)
    return [
        _bad(
            n,
            q,
            _ones(2, 5, 3),
            v,
            match=rf"{n}: key \(2, 5, 3\) must end in query's embedding size 4",
            desc="E",
        ),
        _bad(n, q, k, _ones(2, 4, 6), match=rf"{n}: value \(2, 4, 6\) must have key's 5 positions", desc="S"),
        _bad(
            n,
            q,
            k,
            v.astype(np.float64),
            exc=TypeError,
            match=f"{n}: query, key and value must be float32",
            desc="dtype",
        ),
        _bad(
            n,
            q,
            k,
            v,
            attn_mask=_ones(3, 4),
            match=rf"{n}: attn_mask of shape \(3, 4\) does not broadcast",
            desc="mask shape",
        ),
        _bad(
            n,
            q,
            k,
            v,
            attn_mask=_ones(3, 5, dtype=np.int64),
            exc=TypeError,
            match=f"{n}: attn_mask must be bool",
            desc="mask dtype",
        ),
        _bad(
            n,
            q,
            k,
            v,
            attn_mask=np.ones((3, 5), bool),
            is_causal=True,
            match=f"{n}: attn_mask must not be given",
            desc="both",
        ),
        _bad(
            n, q, k, v, dropout_p=1.5, match=f"{n}: dropout probability has to be between 0 and 1", desc="p"
        ),
        _bad(n, _ones(3), k, v, match=f"{n}: query, key and value must be at least 2-D", desc="1-D"),
        _bad(
            n,
            _ones(3, 2, 3, 4),
            _ones(2, 2, 5, 4),
            _ones(2, 2, 5, 6),
            match=f"{n}: the batch dims",
            desc="batch",
        ),
        _bad(
            n,
            _ones(1, 3, 3, 2),
            _ones(1, 2, 5, 2),
            _ones(1, 2, 5, 3),
            enable_gqa=True,
            match=f"{n}: enable_gqa needs",
            desc="gqa",
        ),
    ]


def mha_bad():
    n = "MultiheadAttention"
    init = {"embed_dim": 4, "num_heads": 2}
    q = _ones(3, 2, 4)
    return [
        _bad(
            n,
            q,
            q,
            q,
            init={"embed_dim": 5, "num_heads": 2},
            match=f"{n}: embed_dim 5 must be divisible by num_heads 2",
            desc="heads",
        ),
        _bad(
            n,
            q,
            q,
            q,
            init={"embed_dim": 0, "num_heads": 2},
            match=f"{n}: embed_dim must be a positive int",
            desc="E",
        ),
        _bad(
            n,
            q,
            q,
            q,
            init=init | {"dropout": 2.0},
            match=f"{n}: dropout must be a probability",
            desc="dropout",
        ),
        _bad(
            n,
            _ones(3, 2, 5),
            q,
            q,
            init=init,
            match=rf"{n}\(4, 2\): query \(3, 2, 5\) must end in 4 features",
            desc="width",
        ),
        _bad(
            n,
            q,
            _ones(4, 2, 4),
            q,
            init=init,
            match=rf"{n}\(4, 2\): key \(4, 2, 4\) and value \(3, 2, 4\) must have one length",
            desc="S",
        ),
        _bad(
            n,
            q,
            _ones(3, 3, 4),
            _ones(3, 3, 4),
            init=init,
            match=rf"{n}\(4, 2\): key .* query's batch size",
            desc="N",
        ),
        _bad(
            n,
            q,
            q,
            _ones(3, 4),
            init=init,
            match=rf"{n}\(4, 2\): query, key and value must all be 3-D",
            desc="rank",
        ),
        _bad(
            n,
            q,
            q,
            q,
            init=init,
            forward={"key_padding_mask": np.zeros((2, 4), bool)},
            match=rf"{n}\(4, 2\): key_padding_mask must have shape \(2, 3\)",
            desc="kpm",
        ),
        _bad(
            n,
            q,
            q,
            q,
            init=init,
            forward={"attn_mask": np.zeros((4, 3), bool)},
            match=rf"{n}\(4, 2\): attn_mask must have shape \(3, 3\)",
            desc="mask",
        ),
        _bad(
            n,
            q,
            q,
            q,
            init=init,
            forward={"attn_mask": np.zeros((3, 3, 3), bool)},
            match=rf"{n}\(4, 2\): a 3-D attn_mask must have shape \(4, 3, 3\)",
            desc="3-D mask",
        ),
        _bad(
            n,
            q,
            q,
            q,
            init=init,
            forward={"attn_mask": np.zeros((3, 3), np.int64)},
            exc=TypeError,
            match=rf"{n}\(4, 2\): only bool and floating attn_mask",
            desc="int mask",
        ),
        _bad(
            n,
            q,
            q,
            q,
            init=init,
            forward={"is_causal": True},
            match=rf"{n}\(4, 2\): is_causal needs attn_mask",
            desc="causal",
        ),
        _bad(
            n,
            q.astype(np.float64),
            q,
            q,
            init=init,
            exc=TypeError,
            match=rf"{n}\(4, 2\): query, key and value must have the parameters' dtype float32",
            desc="dtype",
        ),
        _bad(
            n,
            None,
            q,
            q,
            init=init,
            exc=TypeError,
            match=f"{n}: expected a Tensor as query, got NoneType",
            desc="None",
        ),
    ]


def additive_bad():
    n = "AdditiveAttention"
    init = {"query_dim": 3, "key_dim": 4, "hidden_dim": 5}
    full = rf"{n}\(3, 4, 5\)"
    return [
        _bad(
            n,
            _ones(2, 3),
            _ones(2, 6, 4),
            init={"query_dim": 0, "key_dim": 4, "hidden_dim": 5},
            match=f"{n}: query_dim must be a positive int",
            desc="init",
        ),
        _bad(
            n,
            _ones(2, 2),
            _ones(2, 6, 4),
            init=init,
            match=rf"{full}: query \(2, 2\) must end in 3 features",
            desc="query",
        ),
        _bad(
            n, _ones(2, 3), _ones(2, 6, 3), init=init, match=rf"{full}: .* keys \(2, 6, 3\) in 4", desc="keys"
        ),
        _bad(
            n,
            _ones(3, 3),
            _ones(2, 6, 4),
            init=init,
            match=rf"{full}: query \(3, 3\), keys \(2, 6, 4\), values",
            desc="N",
        ),
        _bad(
            n,
            _ones(2, 3),
            _ones(2, 6, 4),
            _ones(2, 5, 2),
            init=init,
            match=rf"{full}: .* values \(2, 5, 2\) disagree",
            desc="S",
        ),
        _bad(
            n,
            _ones(2, 2, 3),
            _ones(6, 4),
            init=init,
            match=rf"{full}: query \(2, 2, 3\) does not go with keys \(6, 4\)",
            desc="rank",
        ),
        _bad(
            n,
            _ones(2, 3),
            _ones(2, 6, 4),
            init=init,
            forward={"mask": np.ones((2, 5), bool)},
            match=rf"{full}: mask of shape \(2, 5\) does not broadcast to the keys of each query \(N, S\)",
            desc="mask",
        ),
        _bad(
            n,
            _ones(2, 3),
            _ones(2, 6, 4),
            init=init,
            forward={"mask": _ones(2, 6)},
            exc=TypeError,
            match=f"{full}: mask must be a bool tensor",
            desc="mask dtype",
        ),
        _bad(
            n,
            "q",
            _ones(2, 6, 4),
            init=init,
            exc=TypeError,
            match=f"{n}: expected a Tensor as query, got str",
            desc="str",
        ),
    ]


# ---- fuzz builders -----------------------------------------------------------------------------


@st.composite
def _values(draw, op, shape, dtypes, layouts=fz.LAYOUTS, specials=True):
    """An array of ordinary values (a 1/8 grid in [-2, 2]) in any layout, or (specials) now and
    then one of fz.array's (nan, +-inf, huge values among them)."""
    if (specials and draw(st.integers(0, 19)) == 0) or dtypes[0] not in fz.FLOATS:
        return draw(fz.array(op, shape, dtypes=dtypes, layouts=layouts))
    grid = st.integers(-16, 16).map(lambda k: k / 8)
    a = draw(hnp.arrays(draw(st.sampled_from(dtypes)), shape, elements=grid))
    return np.ascontiguousarray(a[::-1])[::-1] if a.ndim and draw(st.booleans()) else a


def _sometimes(draw, good, bad, rate=9):
    """good, or now and then bad (a size one off, a mismatch)."""
    return bad if draw(st.integers(0, rate)) == 0 else good


@st.composite
def _sdpa(draw, op):
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    lq, s, e, ev = (draw(st.integers(0 if k == 0 else 1, 4)) for k in range(4))
    dtype = draw(st.sampled_from(fz.FLOATS)) if draw(st.integers(0, 9)) else "int64"
    q = draw(_values(op, batch + (lq, e), dtypes=[dtype]))
    k = draw(
        _values(op, _sometimes(draw, batch, batch[1:]) + (s, _sometimes(draw, e, e + 1)), dtypes=[dtype])
    )
    v = draw(
        _values(op, batch + (_sometimes(draw, s, s + 1), ev), dtypes=[_sometimes(draw, dtype, "float64")])
    )
    kw = {}
    kind = draw(st.integers(0, 3))
    if kind == 1:
        good = draw(st.sampled_from([(lq, s), (1, s), (lq, 1), batch + (lq, s)]))
        shape = _sometimes(draw, good, (lq + 1, s))
        kw["attn_mask"] = draw(hnp.arrays(bool, shape))
    elif kind == 2:
        shape = _sometimes(draw, (lq, s), (2,) + batch + (lq, s))
        kw["attn_mask"] = draw(_values(op, shape, dtypes=[dtype if dtype != "int64" else "float32"]))
    elif kind == 3:
        kw["is_causal"] = True
    if draw(st.booleans()):
        kw["scale"] = draw(st.sampled_from([0.5, 1.0, 2.0]))
    if draw(st.integers(0, 9)) == 0:
        kw["dropout_p"] = draw(st.sampled_from([0.0, 1.5]))
    return Sample((q, k, v), kw)


def sdpa_fuzz(op):
    return _sdpa(op)


@st.composite
def _state(draw, op, names_shapes, dtype):
    return {
        n: draw(_values(op, shape, dtypes=[dtype], layouts=("contiguous",), specials=False))
        for n, shape in names_shapes
    }


@st.composite
def _mha(draw, op, weights=False):
    h = draw(st.integers(1, 3))
    e = h * draw(st.integers(1, 2)) if draw(st.integers(0, 9)) else draw(st.integers(1, 5))
    kdim, vdim = (draw(st.sampled_from([None, None, 2, 3])) for _ in range(2))
    bias, bias_kv, zero_attn, batch_first = (draw(st.booleans()) for _ in range(4))
    dtype = draw(st.sampled_from(fz.FLOATS))
    init = {
        "embed_dim": e,
        "num_heads": h,
        "bias": bias,
        "add_bias_kv": bias_kv,
        "add_zero_attn": zero_attn,
        "kdim": kdim,
        "vdim": vdim,
        "batch_first": batch_first,
        "dtype": dtype,
    }
    same = (kdim or e) == e and (vdim or e) == e
    names = (
        [("in_proj_weight", (3 * e, e))]
        if same
        else [("q_proj_weight", (e, e)), ("k_proj_weight", (e, kdim or e)), ("v_proj_weight", (e, vdim or e))]
    )
    names += [("in_proj_bias", (3 * e,)), ("out_proj.bias", (e,))] if bias else []
    names += [("bias_k", (1, 1, e)), ("bias_v", (1, 1, e))] if bias_kv else []
    state = draw(_state(op, names + [("out_proj.weight", (e, e))], dtype))
    lq, s, n = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    batched = draw(st.integers(0, 4)) > 0

    def shape(length, width):
        if not batched:
            return (length, width)
        return (n, length, width) if batch_first else (length, n, width)

    x_dtype = _sometimes(draw, dtype, "float64" if dtype == "float32" else "float32")
    q = draw(_values(op, shape(lq, _sometimes(draw, e, e + 1)), dtypes=[x_dtype]))
    k = draw(_values(op, shape(s, kdim or e), dtypes=[x_dtype]))
    v = draw(_values(op, shape(_sometimes(draw, s, s + 1), vdim or e), dtypes=[x_dtype]))
    forward = {"need_weights": True if weights else draw(st.booleans())}
    if draw(st.booleans()):
        forward["key_padding_mask"] = draw(
            hnp.arrays(bool, _sometimes(draw, (n, s) if batched else (s,), (s + 1,)))
        )
    if draw(st.booleans()):
        mshape = _sometimes(
            draw, draw(st.sampled_from([(lq, s), ((n if batched else 1) * h, lq, s)])), (lq, s + 1)
        )
        forward["attn_mask"] = draw(hnp.arrays(bool, mshape))
        forward["is_causal"] = draw(st.integers(0, 4)) == 0
    if not weights and draw(st.booleans()):
        forward["average_attn_weights"] = draw(st.booleans())
    return Sample((q, k, v), {"init": init, "state": state, "forward": forward, "train": draw(st.booleans())})


def mha_fuzz(op):
    return _mha(op)


def mha_weights_fuzz(op):
    return _mha(op, weights=True)


@st.composite
def _additive(draw, op):
    qd, kd, hd = (draw(st.integers(1, 4)) for _ in range(3))
    bias, dtype = draw(st.booleans()), draw(st.sampled_from(fz.FLOATS))
    init = {"query_dim": qd, "key_dim": kd, "hidden_dim": hd, "bias": bias, "dtype": dtype}
    names = [("query_proj.weight", (hd, qd)), ("key_proj.weight", (hd, kd)), ("v.weight", (1, hd))]
    state = draw(_state(op, names + ([("key_proj.bias", (hd,))] if bias else []), dtype))
    n, s, lq = draw(st.integers(1, 3)), draw(st.integers(0, 4)), draw(st.integers(1, 3))
    batched, several = draw(st.integers(0, 4)) > 0, draw(st.booleans())
    lead = (n,) if batched else ()
    query = draw(
        _values(op, lead + ((lq,) if several else ()) + (_sometimes(draw, qd, qd + 1),), dtypes=[dtype])
    )
    keys = draw(_values(op, lead + (s, _sometimes(draw, kd, kd + 1)), dtypes=[dtype]))
    args = (query, keys)
    if draw(st.booleans()):
        args += (draw(_values(op, lead + (_sometimes(draw, s, s + 1), 2), dtypes=[dtype])),)
    forward = {}
    if draw(st.booleans()):
        forward["mask"] = draw(
            hnp.arrays(bool, lead + ((lq,) if several and draw(st.booleans()) else ()) + (s,))
        )
    return Sample(args, {"init": init, "state": state, "forward": forward})


def additive_fuzz(op):
    return _additive(op)


# ---- the entries -------------------------------------------------------------------------------


def _layer_entry(name, output, samples, bad, fuzz):
    suffix = ".weights" if output else ""
    return OpInfo(
        f"nn.{name}{suffix}",
        _layer(name, output, torch_side=False),
        _layer(name, output, torch_side=True),
        samples,
        tol=SUMMING,
        domain=(-1.0, 1.0),  # weights of a trained layer's size: softmax not saturated
        bad_inputs=bad,
        fuzz=fuzz,
    )


OPS = [
    OpInfo(
        "nn.functional.scaled_dot_product_attention",
        F.scaled_dot_product_attention,
        _torch("nn.functional.scaled_dot_product_attention"),
        sdpa_samples,
        tol=SUMMING,
        bad_inputs=sdpa_bad,
        fuzz=sdpa_fuzz,
    ),
    _layer_entry("MultiheadAttention", 0, mha_output_samples, mha_bad, mha_fuzz),
    _layer_entry("MultiheadAttention", 1, mha_samples, mha_bad, mha_weights_fuzz),
    _layer_entry("AdditiveAttention", 0, additive_samples, additive_bad, additive_fuzz),
    _layer_entry("AdditiveAttention", 1, additive_samples, additive_bad, additive_fuzz),
]
