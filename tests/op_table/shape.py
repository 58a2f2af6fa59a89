"""Op-table entries for the shape and indexing ops: reshape, view, permute, transpose, flatten,
squeeze, unsqueeze, cat, stack and getitem (pure data movement: exact results)."""

from __future__ import annotations

import operator

import numpy as np

import dlcore

from . import fuzzing as fz
from .core import EXACT, Maker, OpInfo, Sample, _bad, _method, _ones, _torch


def reshape_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), 7, 3), desc="varargs")
    yield Sample((m(3, 7, layout="transposed"), (-1,)), desc="transposed (copies)")
    yield Sample((m(), (1, 1)), desc="0-d")
    yield Sample((m(0, 3), (3, 0, 1)), desc="0-size")
    yield Sample((m(2, 3, 7, layout="flipped"), (6, -1)), desc="negative strides")


def view_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), 7, 3), desc="varargs")
    yield Sample((m(2, 3, 7), (6, 7)), desc="merge")
    yield Sample((m(2, 3, 7, layout="strided"), (6, 7)), desc="strided, mergeable")
    yield Sample((m(), (1,)), desc="0-d")
    yield Sample((m(0, 3), (-1,)), desc="0-size")


def reshape_bad(name):
    def bad():
        out = [
            _bad(
                name,
                _ones(2, 3),
                (5,),
                desc="numel",
                match=rf"{name}: cannot reshape a tensor of shape \(2, 3\) into \(5,\)",
            )
        ]
        if name == "view":
            out.append(_bad(name, _ones(7, 3).T, (21,), match="view: .* without a copy", desc="transposed"))
        return out

    return bad


def permute_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(2, 3, 7), (2, 0, 1)), desc="3-D")
    yield Sample((m(3, 7, layout="transposed"), (1, 0)), desc="transposed")
    yield Sample((m(2, 3, 7, layout="flipped"), (-1, 0, 1)), desc="negative dims")
    yield Sample((m(), ()), desc="0-d")
    yield Sample((m(0, 3), (1, 0)), desc="0-size")


def permute_bad():
    return [
        _bad(
            "permute",
            _ones(2, 3),
            (0, 0),
            match=r"permute: dims \(0, 0\) are not a permutation",
            desc="repeated",
        ),
        _bad(
            "permute", _ones(2, 3), (0,), match=r"permute: dims \(0,\) are not a permutation", desc="too few"
        ),
    ]


def transpose_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(2, 3, 7), 0, 2), desc="3-D")
    yield Sample((m(3, 7, layout="flipped"), -1, -2), desc="negative dims")
    yield Sample((m(0, 3), 0, 1), desc="0-size")
    yield Sample((m(), 0, -1), desc="0-d: dims 0 and -1")


def flatten_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(2, 3, 7),), desc="all")
    yield Sample((m(2, 3, 7),), {"start_dim": 1}, desc="start 1")
    yield Sample((m(2, 3, 7, layout="transposed"), 0, 1), desc="transposed")
    yield Sample((m(),), desc="0-d")
    yield Sample((m(0, 3),), desc="0-size")


def squeeze_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 1, 7),), desc="all")
    yield Sample((m(3, 1, 7, layout="flipped"), 1), desc="dim 1")
    yield Sample((m(3, 7), 0), desc="not size 1: unchanged")
    yield Sample((m(1),), desc="to 0-d")
    yield Sample((m(0, 1), -1), desc="0-size")
    yield Sample((m(),), desc="0-d")
    yield Sample((m(), 0), desc="0-d, dim 0")
    yield Sample((m(1, 3, 1), (0, 2)), desc="tuple of dims")
    yield Sample((m(1, 3, 1, layout="flipped"), (0, 1)), desc="tuple of dims, one not size 1")


def unsqueeze_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), 0), desc="front")
    yield Sample((m(3, 7, layout="transposed"), -1), desc="back")
    yield Sample((m(), 0), desc="0-d")
    yield Sample((m(0, 3), 1), desc="0-size")


def dim_bad(name, *args):
    """name(2-D tensor, *args) with dim 5 among args."""

    def bad():
        return [_bad(name, _ones(2, 3), *args, match=rf"{name}: dim 5 is out of range", desc="dim")]

    return bad


def flatten_bad():
    return [
        _bad(
            "flatten",
            _ones(2, 3, 4),
            2,
            1,
            match="flatten: start_dim 2 comes after end_dim 1",
            desc="start after end",
        ),
        _bad("flatten", _ones(2, 3), 5, match="flatten: dim 5 is out of range", desc="dim"),
        _bad("flatten", _ones(), 1, match=r"flatten: dim 1 is out of range .*\[-1, 0\]", desc="0-d, dim 1"),
    ]


def cat_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample(([m(3, 7), m(2, 7)],), desc="dim 0")
    yield Sample(([m(3, 2), m(3, 0), m(3, 4, layout="transposed")],), {"dim": 1}, desc="views, 0-size part")
    yield Sample(([m(3), m(4, layout="flipped")], -1), desc="1-D")
    yield Sample(([m(2, 3)],), desc="one tensor")
    if dtype == "float32":  # an int32 part takes the float part's dtype, as torch (numpy: float64)
        yield Sample(([m(2, 3), np.arange(6, dtype=np.int32).reshape(2, 3)],), desc="float32 and int32")


def cat_bad():
    return [
        _bad("cat", [], match="cat: expected a non-empty", desc="empty list"),
        _bad("cat", [_ones(2, 3), _ones(2, 4)], match="cat: shapes", desc="shapes"),
        _bad(
            "cat",
            [_ones(2, 3), _ones(3)],
            match="cat: tensors must have the same number of dimensions",
            desc="ndim",
        ),
        _bad("cat", [_ones(2, 3)], dim=2, match="cat: dim 2 is out of range", desc="dim"),
    ]


def stack_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample(([m(3, 7), m(3, 7, layout="flipped")],), desc="dim 0")
    yield Sample(([m(3, 7), m(3, 7, layout="transposed"), m(3, 7)],), {"dim": -1}, desc="dim -1")
    yield Sample(([m(), m()],), desc="0-d")
    yield Sample(([m(0, 3), m(0, 3)], 2), desc="0-size")
    if dtype == "float32":
        yield Sample(([np.arange(3, dtype=np.int64), m(3)],), desc="int64 and float32: float32")


def stack_bad():
    return [
        _bad("stack", [], match="stack: expected a non-empty", desc="empty list"),
        _bad("stack", [_ones(2, 3), _ones(3, 2)], match="stack: all shapes must be equal", desc="shapes"),
        _bad("stack", [_ones(2, 3)], dim=3, match="stack: dim 3 is out of range", desc="dim"),
    ]


def getitem_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    x, x3 = m(3, 7), m(2, 3, 7, layout="transposed")
    yield Sample((x, 1), desc="int")
    yield Sample((x, (slice(None), slice(1, 3))), desc="slices")
    yield Sample((m(3, 7, layout="flipped"), (slice(None), slice(None, None, 3))), desc="step, flipped input")
    yield Sample((x3, (Ellipsis, -1)), desc="ellipsis")
    yield Sample((x, (None, 1)), desc="None")
    yield Sample((x, (1, 2)), desc="to 0-d")
    yield Sample((x, slice(0, 0)), desc="empty slice")
    yield Sample((x, np.array([0, 2, 2, -1])), desc="int array, repeats")
    yield Sample((x, (np.array([0, 1]), np.array([1, 2]))), desc="paired arrays")
    yield Sample((x, rng.random((3, 7)) < 0.5), desc="bool mask")
    yield Sample((x3, (np.array([1, 0]), slice(1, None))), desc="array and slice")
    yield Sample((x, [2, 0]), desc="list")
    yield Sample((x, np.array([], dtype=np.int64)), desc="empty array")
    yield Sample((x, np.array(1)), desc="0-d int tensor")


def getitem_bad():
    return [
        _bad("getitem", _ones(3, 7), 5, exc=IndexError, match="out of bounds", desc="int"),
        _bad("getitem", _ones(3, 7), np.array([3]), exc=IndexError, match="out of bounds", desc="array"),
        _bad("getitem", _ones(3, 7), (0, 0, 0), exc=IndexError, match="too many indices", desc="too many"),
        _bad("getitem", _ones(3, 7), 1.5, exc=IndexError, match="integer", desc="float index"),
    ]


def _swapaxes_ref(x, dim0, dim1):
    return x.copy() if x.ndim == 0 else np.swapaxes(x, dim0, dim1)  # 0-d: dims 0 / -1 name itself


OPS = [
    OpInfo(
        "reshape",
        dlcore.reshape,
        _method("reshape"),
        reshape_samples,
        tol=EXACT,
        bad_inputs=reshape_bad("reshape"),
        fuzz=fz.reshape,
    ),
    OpInfo(
        "view",
        _method("view"),
        _method("view"),
        view_samples,
        tol=EXACT,
        bad_inputs=reshape_bad("view"),
        fuzz=fz.reshape,
    ),
    OpInfo(
        "permute",
        dlcore.permute,
        _torch("permute"),
        permute_samples,
        ref=np.transpose,
        tol=EXACT,
        bad_inputs=permute_bad,
        fuzz=fz.permute,
    ),
    OpInfo(
        "transpose",
        dlcore.transpose,
        _torch("transpose"),
        transpose_samples,
        ref=_swapaxes_ref,
        tol=EXACT,
        bad_inputs=dim_bad("transpose", 0, 5),
        fuzz=fz.transpose,
    ),
    OpInfo(
        "flatten",
        dlcore.flatten,
        _torch("flatten"),
        flatten_samples,
        tol=EXACT,
        bad_inputs=flatten_bad,
        fuzz=fz.flatten,
    ),
    OpInfo(
        "squeeze",
        dlcore.squeeze,
        _torch("squeeze"),
        squeeze_samples,
        tol=EXACT,
        bad_inputs=dim_bad("squeeze", 5),
        fuzz=fz.squeeze,
    ),
    OpInfo(
        "unsqueeze",
        dlcore.unsqueeze,
        _torch("unsqueeze"),
        unsqueeze_samples,
        tol=EXACT,
        bad_inputs=dim_bad("unsqueeze", 5),
        fuzz=fz.unsqueeze,
    ),
    OpInfo(
        "cat",
        dlcore.cat,
        _torch("cat"),
        cat_samples,
        tol=EXACT,
        bad_inputs=cat_bad,
        fuzz=fz.cat,
        ref=lambda xs, dim=0: np.concatenate(xs, axis=dim),
    ),
    OpInfo(
        "stack",
        dlcore.stack,
        _torch("stack"),
        stack_samples,
        tol=EXACT,
        bad_inputs=stack_bad,
        fuzz=fz.stack,
        ref=lambda xs, dim=0: np.stack(xs, axis=dim),
    ),
    OpInfo(
        "getitem",
        operator.getitem,
        operator.getitem,
        getitem_samples,
        ref=operator.getitem,
        bad_inputs=getitem_bad,
        fuzz=fz.getitem,
    ),  # ELEMENTWISE: the gradient sums repeated indices
]
