"""Op-table entries for the porting API of issue 17 (engineer h1): max/min in every torch form
(the 0-d reduction, the elementwise pair, the named tuple over a dim), amin, argmax/argmin as
functions, isclose, t, expand, expand_as and contiguous. op_table/__init__.py appends OPS to its own.
"""

from __future__ import annotations

import importlib

import numpy as np

import dlcore

from . import fuzzing as fz
from .core import ELEMENTWISE, EXACT, SUMMING, Maker, OpInfo, Sample, _bad, _method, _ones, _torch
from .elementwise import kinked_pair_samples, unary_samples
from .reductions import argmax_bad, argmax_samples, reduce_bad, reduce_samples


def _torch_mod():
    return importlib.import_module("torch")


# ---- max / min -------------------------------------------------------------------------------


def extreme_samples(op, dtype, rng):
    """max(x) / min(x) over every element, and the elementwise max(a, b) / min(a, b)."""
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), desc="all")
    yield Sample((m(),), desc="0-d")
    yield Sample((m(7, 3, layout="transposed"),), desc="transposed")
    yield Sample((m(2, 3, 7, layout="strided"),), desc="strided")
    yield Sample((m(3, 7, layout="flipped"),), desc="negative strides")
    ties = rng.integers(0, 3, size=(3, 7)).astype(dtype)
    yield Sample((ties,), gradcheck=False, desc="ties split the gradient evenly")
    for s in kinked_pair_samples(op, dtype, rng):
        yield Sample(s.args, s.kwargs, desc=f"elementwise: {s.desc}", gradcheck=s.gradcheck)


def extreme_bad(name):
    def bad():
        return [
            _bad(
                name,
                _ones(0, 3),
                match=rf"{name}: cannot reduce an empty tensor of shape \(0, 3\)",
                desc="empty",
            ),
            _bad(
                name,
                _ones(2, 3),
                dim=(0, 1),
                exc=TypeError,
                match=rf"{name}: dim must be an int",
                desc="dims",
            ),
            _bad(
                name,
                _ones(2, 3),
                keepdim=True,
                exc=TypeError,
                match=rf"{name}: keepdim=True needs a dim",
                desc="keepdim",
            ),
            _bad(
                name,
                _ones(2, 3),
                _ones(4),
                match=rf"{name}imum: shapes \(2, 3\) and \(4,\) do not broadcast",
                desc="pair shapes",
            ),
            _bad(
                name,
                _ones(2, 3),
                dim=1,
                axis=1,
                exc=TypeError,
                match=rf"{name}: got both dim=1 and its alias axis",
                desc="dim and axis",
            ),
        ]

    return bad


def dim_samples(op, dtype, rng):
    """max / min over one dim: the named tuple's values or indices."""
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), 1), desc="dim 1")
    yield Sample((m(2, 3, 7, layout="transposed"),), {"dim": 0, "keepdim": True}, desc="transposed, keepdim")
    yield Sample((m(3, 7, layout="flipped"), -1), desc="negative strides, dim -1")
    yield Sample(
        (m(2, 3, 5, layout="strided"),), {"axis": 2, "keepdims": True}, desc="strided, numpy aliases"
    )
    yield Sample((m(2, 7), 0), desc="batch of 2")
    yield Sample((m(), 0), desc="0-d, dim 0")
    yield Sample((m(),), {"dim": -1, "keepdim": True}, desc="0-d, keepdim")
    yield Sample((m(0, 3), 1), desc="0-size, other dim: empty result")
    yield Sample(
        (np.array([[1.0, np.nan, 3.0], [2.0, 0.0, -1.0]], dtype=dtype), 1), gradcheck=False, desc="NaN wins"
    )


def dim_bad(name):
    def bad():
        return [
            _bad(name, _ones(2, 3), 2, match=rf"{name}: dim 2 is out of range", desc="dim"),
            _bad(
                name,
                _ones(0, 3),
                0,
                match=rf"{name}: cannot reduce .*shape \(0, 3\) over dim 0",
                desc="empty dim",
            ),
            _bad(
                name,
                _ones(2, 3),
                1.0,
                exc=TypeError,
                match=rf"{name}: dim must be an int, got float",
                desc="float dim",
            ),
        ]

    return bad


def _part(fn, part: str):
    """fn(...)[part] for a named-tuple result (values or indices)."""

    def call(*args, **kwargs):
        return getattr(fn(*args, **kwargs), part)

    call.__name__ = f"{getattr(fn, '__name__', 'op')}.{part}"
    return call


def _torch_fn(name):
    return lambda *a, **k: getattr(_torch_mod(), name)(*a, **k)


def _dim_entries(name, fn, torch_fn):
    return [
        OpInfo(
            f"{name}.dim.values",
            _part(fn, "values"),
            _part(torch_fn, "values"),
            dim_samples,
            tol=ELEMENTWISE,
            bad_inputs=dim_bad(name),
            fuzz=fz.over_dim,
        ),
        OpInfo(
            f"{name}.dim.indices",
            _part(fn, "indices"),
            _part(torch_fn, "indices"),
            dim_samples,
            differentiable=False,
            tol=EXACT,
            bad_inputs=dim_bad(name),
            fuzz=fz.over_dim,
        ),
    ]


def argmin_bad():
    return [
        _bad("argmin", _ones(0, 3), match=r"argmin: cannot reduce an empty tensor", desc="empty"),
        _bad("argmin", _ones(2, 3), dim=5, match=r"argmin: dim 5 is out of range", desc="dim"),
        _bad(
            "argmin",
            _ones(2, 3),
            dim=1,
            axis=1,
            exc=TypeError,
            match=r"argmin: got both dim=1 and its alias",
            desc="dim and axis",
        ),
    ]


# ---- shape -----------------------------------------------------------------------------------


def t_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), desc="2-D")
    yield Sample((m(7, 3, layout="transposed"),), desc="transposed")
    yield Sample((m(3, 7, layout="strided"),), desc="strided")
    yield Sample((m(5, layout="flipped"),), desc="1-D: itself")
    yield Sample((m(),), desc="0-d: itself")
    yield Sample((m(0, 3),), desc="0-size")


def t_bad():
    return [
        _bad(
            "t",
            _ones(2, 3, 4),
            match=r"t: expects a tensor with <= 2 dimensions, got shape \(2, 3, 4\)",
            desc="3-D",
        )
    ]


def expand_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 1), 3, 4), desc="size-1 dim")
    yield Sample((m(3, 1), (2, 3, 4)), desc="new leading dim, sizes as a tuple")
    yield Sample((m(3, 1), -1, 5), desc="-1 keeps a dim")
    yield Sample((m(), 2, 3), desc="0-d")
    yield Sample((m(3, 1), 3, 0), desc="to 0-size")
    yield Sample((m(1, 3, layout="transposed"), 2, 4, 3), desc="transposed")
    yield Sample((m(1, 4, layout="flipped"), 3, -1), desc="negative strides")
    yield Sample((m(3, 4), 3, 4), desc="no change")


def expand_bad():
    return [
        _bad(
            "expand",
            _ones(3, 1),
            3,
            match=r"expand: the number of sizes provided \(1\)",
            desc="too few sizes",
        ),
        _bad(
            "expand",
            _ones(3, 1),
            2,
            4,
            match=r"expand: cannot expand a tensor of shape \(3, 1\) to \(2, 4\)",
            desc="non-singleton",
        ),
        _bad(
            "expand",
            _ones(3, 1),
            -1,
            3,
            4,
            match=r"expand: .*size -1 at a new leading dim",
            desc="-1 leading",
        ),
        _bad(
            "expand", _ones(3, 1), "a", 4, exc=TypeError, match=r"expand: sizes must be ints", desc="str size"
        ),
    ]


def expand_as_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 1), m(2, 3, 4)), desc="broadcast")
    yield Sample((m(), m(2, 3, layout="transposed")), desc="0-d")
    yield Sample((m(1, 3, layout="flipped"), m(0, 3)), desc="to 0-size")


def expand_as_bad():
    return [
        _bad(
            "expand",
            _ones(3, 2),
            _ones(2, 4),
            match=r"expand: cannot expand a tensor of shape \(3, 2\)",
            desc="shapes",
        )
    ]


def contiguous_bad():
    return [
        _bad(
            "contiguous",
            _ones(2, 3),
            "x",
            exc=TypeError,
            match=r"contiguous\(\) takes 1 positional argument",
            desc="an argument",
        )
    ]


# ---- comparison ------------------------------------------------------------------------------


def isclose_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    a = m(3, 7)
    near = (a * (1 + rng.choice([0.0, 5e-6, 2e-5], size=a.shape))).astype(dtype)
    yield Sample((a, near), desc="some within rtol")
    yield Sample((m(3, 1), m(1, 7)), {"atol": 0.5}, desc="broadcast, atol")
    yield Sample((m(), m(2, 3, layout="transposed")), desc="0-d with a view")
    yield Sample((m(0, 3), m(3, layout="flipped")), desc="0-size")
    nan = np.array([1.0, np.nan, np.inf, -np.inf, np.nan], dtype=dtype)
    other = np.array([1.0, np.nan, np.inf, np.inf, 0.0], dtype=dtype)
    yield Sample((nan, other), desc="nan and inf")
    yield Sample((nan, other), {"equal_nan": True}, desc="equal_nan")


def isclose_bad():
    return [
        _bad(
            "isclose",
            _ones(2, 3),
            _ones(4),
            match=r"isclose: shapes \(2, 3\) and \(4,\) do not broadcast",
            desc="shapes",
        ),
        _bad(
            "isclose",
            _ones(2, 3),
            _ones(2, 3, dtype=np.float64),
            exc=TypeError,
            match=r"isclose: .* must have the same dtype",
            desc="dtypes",
        ),
        _bad(
            "isclose",
            _ones(2, 3),
            _ones(2, 3),
            rtol=-1.0,
            match=r"isclose: rtol and atol must be non-negative",
            desc="rtol",
        ),
    ]


OPS = [
    OpInfo("max", dlcore.max, _torch("max"), extreme_samples, bad_inputs=extreme_bad("max"), fuzz=fz.extreme),
    OpInfo("min", dlcore.min, _torch("min"), extreme_samples, bad_inputs=extreme_bad("min"), fuzz=fz.extreme),
    *_dim_entries("max", dlcore.max, _torch_fn("max")),
    *_dim_entries("min", _method("min"), _method("min")),
    OpInfo(
        "amin",
        dlcore.amin,
        _torch("amin"),
        reduce_samples,
        tol=SUMMING,
        bad_inputs=reduce_bad("amin"),
        fuzz=fz.reduction,
    ),
    OpInfo(
        "argmax.function",
        dlcore.argmax,
        _torch("argmax"),
        argmax_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=argmax_bad,
        fuzz=fz.argmax,
    ),
    OpInfo(
        "argmin",
        dlcore.argmin,
        _torch("argmin"),
        argmax_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=argmin_bad,
        fuzz=fz.argmax,
    ),
    OpInfo(
        "Tensor.argmin",
        _method("argmin"),
        _method("argmin"),
        argmax_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=argmin_bad,
        fuzz=fz.argmax,
    ),
    OpInfo("t", dlcore.t, _torch("t"), t_samples, tol=EXACT, bad_inputs=t_bad, fuzz=fz.unary),
    OpInfo(
        "expand",
        _method("expand"),
        _method("expand"),
        expand_samples,
        tol=SUMMING,
        bad_inputs=expand_bad,
        fuzz=fz.expand,
    ),
    OpInfo(
        "expand_as",
        _method("expand_as"),
        _method("expand_as"),
        expand_as_samples,
        tol=SUMMING,
        bad_inputs=expand_as_bad,
        fuzz=fz.expand_as,
    ),
    OpInfo(
        "contiguous",
        _method("contiguous"),
        _method("contiguous"),
        unary_samples,
        tol=EXACT,
        bad_inputs=contiguous_bad,
        fuzz=fz.unary,
    ),
    OpInfo(
        "isclose",
        dlcore.isclose,
        _torch("isclose"),
        isclose_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=isclose_bad,
        fuzz=fz.tensor_pair,
    ),
]
