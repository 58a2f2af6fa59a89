"""Op-table entries for the porting gaps the ported programs found (issue 17, engineer h7):
comparisons as functions, logical/bitwise operators, all/any, flip, var/std, sin/cos,
square/log1p/expm1/clip, isnan/isinf/isfinite, masked_fill, cumsum, gather, sort/argsort/topk,
where(cond), repeat, // and %. The nn.functional ones and the in-place methods:
op_table/porting_nn.py. op_table/__init__.py appends both OPS to its own.
"""

from __future__ import annotations

import operator
import re

import numpy as np

import dlcore

from . import fuzzing as fz
from .core import ELEMENTWISE, EXACT, SUMMING, Maker, OpInfo, Sample, _bad, _method, _ones, _torch
from .elementwise import binary_bad, binary_samples, clamp_samples, unary_bad, unary_samples
from .reductions import reduce_bad

SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.5]  # nan/inf propagation samples


def _special(dtype):
    return np.array(SPECIAL, dtype=dtype)


def _part(fn, part):
    """fn(...).<part> (a named tuple's values or indices), or fn(...)[part] for an int."""

    def call(*args, **kwargs):
        out = fn(*args, **kwargs)
        return out[part] if isinstance(part, int) else getattr(out, part)

    call.__name__ = f"{getattr(fn, '__name__', 'op')}.{part}"
    return call


# ---- elementwise -----------------------------------------------------------------------------


def special_unary_samples(op, dtype, rng):
    yield from unary_samples(op, dtype, rng)
    yield Sample((_special(dtype),), gradcheck=False, desc="nan, inf, signed zeros")
    if op.name == "square":
        yield Sample((np.array([True, False]),), desc="bool: int64, as torch")


def bool_pair_samples(op, dtype, rng):
    """Bool and integer operands of the logical/bitwise operators (no floats)."""
    b = lambda *s: rng.random(s) < 0.5  # noqa: E731
    yield Sample((b(3, 7), b(3, 7)), desc="bool, same shape")
    yield Sample((b(3, 1), b(1, 7)), desc="bool, broadcast")
    yield Sample((b(7, 3).T, b(3, 7)[::-1]), desc="bool views")
    yield Sample((np.zeros((0, 3), bool), b(3)), desc="0-size")
    yield Sample((np.array(True), b(2, 3)), desc="0-d")
    yield Sample((rng.integers(-5, 5, (3, 4)), rng.integers(-5, 5, (3, 4))), desc="int64")
    yield Sample((b(2, 3), True), desc="python bool")


def bitwise_bad(name, symbol, fn):
    def bad():
        return [
            _bad(
                name,
                _ones(2, 3),
                np.ones((2, 3), bool),
                exc=TypeError,
                match=rf"{name}: only integer and bool tensors are supported "
                rf"\(the {re.escape(symbol)} operator\), got float32",
                desc="float operand",
            ),
            _bad(
                name,
                np.ones((2, 3), bool),
                np.ones(4, bool),
                match=rf"{name}: shapes \(2, 3\) and \(4,\) do not broadcast",
                desc="shapes",
            ),
        ]

    return bad


def invert_samples(op, dtype, rng):
    yield Sample((rng.random((3, 7)) < 0.5,), desc="bool")
    yield Sample(((rng.random((7, 3)) < 0.5).T,), desc="bool, transposed")
    yield Sample((np.array(False),), desc="0-d")
    yield Sample((np.zeros((0, 3), bool),), desc="0-size")
    yield Sample((rng.integers(-5, 5, (3, 4)),), desc="int64: bitwise not")


def invert_bad():
    return [
        _bad(
            "bitwise_not",
            _ones(2, 3),
            exc=TypeError,
            match=r"bitwise_not: only integer and bool tensors are supported \(the ~ operator\), got float32",
            desc="float",
        )
    ]


def compare_samples(op, dtype, rng):
    yield from binary_samples(op, dtype, rng)
    a = _special(dtype)
    yield Sample((a, a[::-1]), desc="nan, inf, signed zeros")
    yield Sample((rng.integers(0, 3, (3, 4)), rng.integers(0, 3, (3, 4))), desc="int64 ties")


def floor_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), m(3, 7, low=0.5)), desc="float")
    yield Sample(
        (m(3, 1, low=-5.0, high=5.0), m(1, 7, low=-3.0, high=-0.5)), desc="negative divisor, broadcast"
    )
    yield Sample((m(7, 3, layout="transposed"), 0.7), desc="python float")
    yield Sample((m(0, 3), m(3, layout="flipped", low=0.5)), desc="0-size")
    yield Sample((m(), m(2, 3, low=0.5)), desc="0-d")
    yield Sample(
        (rng.integers(-9, 9, (3, 4)), rng.integers(1, 4, (3, 4)) * rng.choice([-1, 1], (3, 4))), desc="int"
    )
    yield Sample(
        (_special(dtype), np.array([1.0, 2.0, 2.0, 0.0, 3.0, np.inf, -1.0], dtype)), desc="nan, inf, /0"
    )
    yield Sample((np.zeros((0, 3), np.int64), 0), desc="0-size int by 0: empty, no error")


def floor_bad(name, fn):
    def bad():
        return [
            _bad(
                name,
                np.array([1, 2]),
                np.array([1, 0]),
                exc=ZeroDivisionError,
                match=rf"{name}: integer division by zero",
                desc="int by zero",
            ),
            _bad(name, _ones(2, 3), _ones(4), match=rf"{name}: shapes \(2, 3\) and \(4,\) do not broadcast"),
        ]

    return bad


# ---- reductions and shape --------------------------------------------------------------------


def all_any_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    z = lambda a: np.where(rng.random(a.shape) < 0.3, 0, a).astype(a.dtype)  # noqa: E731
    yield Sample((z(m(3, 7)),), desc="all, some zeros")
    yield Sample((rng.random((3, 7)) < 0.8,), {"dim": 1}, desc="bool, dim 1")
    yield Sample((z(m(2, 3, 7, layout="transposed")),), {"dim": 0, "keepdim": True}, desc="keepdim")
    yield Sample((z(m(3, 7, layout="flipped")),), {"dim": -1}, desc="negative strides")
    yield Sample((m(),), desc="0-d")
    yield Sample((m(0, 3),), desc="0-size: all True, any False")
    yield Sample((m(0, 3),), {"dim": 0}, desc="0-size over the empty dim")
    yield Sample((_special(dtype),), desc="nan counts as nonzero")
    yield Sample((np.array([[3, 0], [1, 2]], np.uint8),), {"dim": 1}, desc="uint8: a uint8 result")


def var_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), desc="all")
    yield Sample((m(3, 7),), {"dim": 1}, desc="dim 1")
    yield Sample((m(2, 3, 7, layout="transposed"),), {"dim": (0, 2), "keepdim": True}, desc="dims, keepdim")
    yield Sample((m(3, 7, layout="flipped"),), {"dim": -1, "correction": 0}, desc="correction 0")
    yield Sample((m(3, 7, layout="strided"),), {"dim": 0, "unbiased": False}, desc="unbiased False")
    yield Sample((m(4, 5),), {"dim": 1, "correction": 2}, desc="correction 2")
    yield Sample(
        (m(3, 4),),
        {"dim": ()},
        desc="dim (): every dim, as torch",
        xfail={
            "backward": "torch's backward for dim=() divides by 1 - correction (inf); gradcheck checks ours"
        },
    )
    yield Sample((m(),), gradcheck=False, desc="0-d: 0/0 = nan")
    yield Sample((m(0, 3),), {"dim": 1}, desc="0-size, other dim: empty result")
    yield Sample((m(2, 3),), {"dim": 0, "correction": 2}, gradcheck=False, desc="N - correction = 0: inf/nan")
    yield Sample(
        (np.array([[1.0, np.nan], [np.inf, 2.0]], dtype),), {"dim": 1}, gradcheck=False, desc="nan, inf"
    )


def var_bad(name):
    def bad():
        return reduce_bad(name)()[:3] + [
            _bad(
                name,
                np.ones((2, 3), np.int64),
                exc=TypeError,
                match=rf"{name}: std and var only support floating point",
                desc="int64",
            ),
            _bad(
                name,
                _ones(2, 3),
                dim=0,
                unbiased=True,
                correction=1,
                exc=TypeError,
                match=rf"{name}: pass correction or unbiased, not both",
                desc="both",
            ),
        ]

    return bad


def flip_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), (0,)), desc="dim 0")
    yield Sample((m(2, 3, 7, layout="transposed"), [0, 2]), desc="two dims, transposed")
    yield Sample((m(3, 7, layout="flipped"), (-1,)), desc="negative strides, negative dim")
    yield Sample((m(2, 3, 5, layout="strided"), (0, 1, 2)), desc="strided, all dims")
    yield Sample((m(), (0,)), desc="0-d")
    yield Sample((m(0, 3), (0, 1)), desc="0-size")
    yield Sample((m(2, 3), ()), desc="no dims: a copy")


def flip_bad():
    return [
        _bad("flip", _ones(2, 3), (2,), match=r"flip: dim 2 is out of range", desc="dim"),
        _bad("flip", _ones(2, 3), (0, -2), match=r"flip: dim \(0, 0\) appears multiple times", desc="repeat"),
    ]


def cumsum_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), 1), desc="dim 1")
    yield Sample((m(2, 3, 7, layout="transposed"), 0), desc="transposed, dim 0")
    yield Sample((m(3, 7, layout="flipped"), -1), desc="negative strides")
    yield Sample((m(2, 3, 4, layout="strided"), 2), desc="strided")
    yield Sample((m(), 0), desc="0-d")
    yield Sample((m(0, 3), 0), desc="0-size")
    yield Sample((_special(dtype), 0), gradcheck=False, desc="nan, inf")
    if dtype == "float64":
        yield Sample((rng.integers(-3, 3, (2, 5)), 1), desc="int64")


def dim_only_bad(name, *args):
    def bad():
        out = [_bad(name, _ones(2, 3), *args, match=rf"{name}: dim 5 is out of range", desc="dim")]
        if name == "cumsum":
            out.append(_bad(name, _ones(), 1, match=r"cumsum: dim 1 is out of range", desc="0-d, dim 1"))
        return out

    return bad


def masked_fill_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    mask = lambda *s: rng.random(s) < 0.5  # noqa: E731
    yield Sample((m(3, 7), mask(3, 7), 0.5), desc="same shape")
    yield Sample(
        (m(3, 7, layout="transposed"), mask(1, 7), -np.inf), desc="broadcast mask, -inf", gradcheck=False
    )
    yield Sample(
        (m(3, 7, layout="flipped"), mask(3, 7), np.nan), desc="negative strides, nan", gradcheck=False
    )
    yield Sample((m(), np.array(True), 2.0), desc="0-d")
    yield Sample((m(0, 3), mask(0, 3), 1.0), desc="0-size")
    yield Sample((m(1, 3), mask(2, 1, 3), -1.0), desc="mask larger than input: broadcast both, as torch")


def masked_fill_bad():
    return [
        _bad(
            "masked_fill",
            _ones(2, 3),
            _ones(2, 3),
            0.0,
            exc=TypeError,
            match="masked_fill: mask must be a bool tensor, got float32",
            desc="float mask",
        ),
        _bad(
            "masked_fill",
            _ones(2, 3),
            np.ones((4,), bool),
            0.0,
            match=r"masked_fill: mask of shape \(4,\) does not broadcast to \(2, 3\)",
            desc="mask shape",
        ),
        _bad(
            "masked_fill",
            np.ones(2, np.int32),
            np.ones(2, bool),
            np.inf,
            match=r"masked_fill: value inf is out of range for int32",
            desc="inf into int",
        ),
    ]


def gather_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 5), 1, rng.integers(0, 5, (3, 4))), desc="dim 1, repeated indices")
    yield Sample((m(5, 3, layout="transposed"), 0, rng.integers(0, 5, (2, 3))), desc="transposed, dim 0")
    yield Sample((m(3, 5, layout="flipped"), -1, rng.integers(0, 5, (2, 2))), desc="index smaller than input")
    yield Sample((m(2, 3, 4, layout="strided"), 2, rng.integers(0, 4, (2, 3, 6))), desc="strided, 3-D")
    yield Sample((m(3, 5), 1, np.zeros((3, 0), np.int64)), desc="0-size index")


def gather_bad():
    return [
        _bad("gather", _ones(2, 3), 1, _ones(2, 3), exc=TypeError, match="gather: index must be an integer"),
        _bad(
            "gather",
            _ones(2, 3),
            1,
            np.zeros(2, np.int64),
            match="gather: index .* same number of dimensions",
        ),
        _bad("gather", _ones(2, 3), 1, np.full((2, 3), 3), match=r"gather: index out of range \[0, 3\)"),
        _bad(
            "gather",
            _ones(2, 3),
            1,
            -np.ones((2, 3), np.int64),
            match=r"gather: index out of range",
            desc="neg",
        ),
        _bad(
            "gather",
            _ones(2, 3),
            1,
            np.zeros((3, 3), np.int64),
            match="gather: index .* is larger than input",
        ),
        _bad("gather", _ones(2, 3), 2, np.zeros((2, 3), np.int64), match="gather: dim 2 is out of range"),
    ]


def sort_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), desc="last dim")
    yield Sample(
        (m(3, 7, layout="transposed"),), {"dim": 0, "descending": True}, desc="transposed, descending"
    )
    yield Sample((m(2, 3, 7, layout="flipped"),), {"dim": 1}, desc="negative strides")
    yield Sample((m(2, 3, 4, layout="strided"),), {"descending": True}, desc="strided")
    yield Sample((m(),), desc="0-d")
    yield Sample((m(0, 3),), {"dim": 0}, desc="0-size")
    ties = rng.integers(0, 3, (3, 7)).astype(dtype)
    yield Sample((ties,), {"stable": True}, gradcheck=False, desc="ties: stable")
    yield Sample(
        (ties,), {"stable": True, "descending": True}, gradcheck=False, desc="ties: stable, descending"
    )
    yield Sample((_special(dtype),), gradcheck=False, desc="nan last")
    yield Sample((_special(dtype),), {"descending": True}, gradcheck=False, desc="nan first descending")


def topk_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), 3), desc="k 3")
    yield Sample((m(7, 3, layout="transposed"), 2), {"dim": 0, "largest": False}, desc="smallest, dim 0")
    yield Sample((m(2, 3, 7, layout="flipped"), 7), desc="k = size")
    yield Sample((m(3, 7), 0), desc="k 0")
    yield Sample((m(), 1), desc="0-d")
    yield Sample((_special(dtype), 3), gradcheck=False, desc="nan is the largest")


def sort_bad(name):
    def bad():
        return [
            _bad(name, _ones(2, 3), dim=2, match=rf"{name}: dim 2 is out of range", desc="dim"),
            _bad(name, _ones(), dim=1, match=r"(argsort|topk): dim 1 is out of range", desc="0-d, dim 1"),
        ]

    return bad


def topk_bad():
    return [
        _bad("topk", _ones(2, 3), 4, match=r"topk: k \(4\) out of range \[0, 3\]", desc="k too large"),
        _bad("topk", _ones(2, 3), -1, match=r"topk: k \(-1\) out of range", desc="k negative"),
        _bad("topk", _ones(), 1, dim=1, match=r"topk: dim 1 is out of range", desc="0-d, dim 1"),
    ]


def repeat_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(2, 3), 2, 3), desc="2-D")
    yield Sample((m(3, 2, layout="transposed"), (1, 2, 1)), desc="a new leading dim, transposed")
    yield Sample((m(3, 4, layout="flipped"), 2, 1), desc="negative strides")
    yield Sample((m(), 3), desc="0-d")
    yield Sample((m(0, 3), 2, 2), desc="0-size")
    yield Sample((m(2, 3), 0, 1), desc="0 repeats")


def repeat_bad():
    return [
        _bad(
            "repeat",
            _ones(2, 3),
            2,
            match=r"repeat: number of repeat dims \(1\) can not be smaller",
            desc="few",
        ),
        _bad("repeat", _ones(2, 3), 2, -1, match="repeat: repeats must be non-negative", desc="negative"),
        _bad("repeat", _ones(), exc=TypeError, match="repeat: missing the sizes", desc="no sizes"),
    ]


def where_nonzero_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((rng.random((3, 7)) < 0.5,), desc="bool")
    yield Sample((np.where(rng.random((3, 7)) < 0.5, 0, m(3, 7)).astype(dtype),), desc="float: nonzero")
    yield Sample((np.zeros((0, 3), bool),), desc="0-size")
    yield Sample(((rng.random((7, 3)) < 0.5).T,), desc="transposed")
    yield Sample((np.array(3.0, dtype),), desc="0-d nonzero: one index")
    yield Sample((np.array(0, np.int64),), desc="0-d zero: no index")


def where_nonzero_bad():
    return [
        _bad(
            "where",
            np.ones(2, bool),
            _ones(2),
            exc=TypeError,
            match=r"where: expects where\(condition\) or where\(condition, input, other\)",
        )
    ]


def _unary(name, fn, **kw):
    return OpInfo(
        name, fn, _torch(name), special_unary_samples, bad_inputs=unary_bad(name), fuzz=fz.unary, **kw
    )


def _compare(name):
    return OpInfo(
        name,
        getattr(dlcore, name),
        _torch(name),
        compare_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=binary_bad(name),
        fuzz=fz.binary,
    )


def _bitwise(name, fn, symbol):
    return OpInfo(
        name,
        fn,
        fn,
        bool_pair_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=bitwise_bad(name, symbol, fn),
        fuzz=fz.binary,
    )


def _sorting(name, part, differentiable):
    return OpInfo(
        f"{name}.{part}",
        _part(getattr(dlcore, name), part),
        _part(_torch(name), part),
        topk_samples if name == "topk" else sort_samples,
        differentiable=differentiable,
        tol=EXACT,
        bad_inputs=topk_bad if name == "topk" else sort_bad(name),
        fuzz=fz.topk if name == "topk" else fz.sort,
    )


OPS = [
    *(_compare(n) for n in ("eq", "ne", "lt", "le", "gt", "ge")),
    _bitwise("bitwise_and", operator.and_, "&"),
    _bitwise("bitwise_or", operator.or_, "|"),
    _bitwise("bitwise_xor", operator.xor, "^"),
    OpInfo(
        "bitwise_not",
        operator.invert,
        operator.invert,
        invert_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=invert_bad,
        fuzz=fz.unary,
    ),
    OpInfo(
        "logical_not",
        dlcore.logical_not,
        _torch("logical_not"),
        invert_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=unary_bad("logical_not"),
        fuzz=fz.unary,
    ),
    OpInfo(
        "all",
        dlcore.all,
        _torch("all"),
        all_any_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=dim_only_bad("all", 5),
        fuzz=fz.reduction,
    ),
    OpInfo(
        "any",
        dlcore.any,
        _torch("any"),
        all_any_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=dim_only_bad("any", 5),
        fuzz=fz.reduction,
    ),
    OpInfo("flip", dlcore.flip, _torch("flip"), flip_samples, tol=EXACT, bad_inputs=flip_bad, fuzz=fz.flip),
    OpInfo(
        "var", dlcore.var, _torch("var"), var_samples, tol=SUMMING, bad_inputs=var_bad("var"), fuzz=fz.var
    ),
    OpInfo(
        "std", dlcore.std, _torch("std"), var_samples, tol=SUMMING, bad_inputs=var_bad("std"), fuzz=fz.var
    ),
    _unary("sin", dlcore.sin),
    _unary("cos", dlcore.cos),
    _unary("square", dlcore.square),
    _unary("log1p", dlcore.log1p, domain=(-0.5, 2.0)),
    _unary("expm1", dlcore.expm1),
    *(
        OpInfo(
            n,
            getattr(dlcore, n),
            _torch(n),
            special_unary_samples,
            differentiable=False,
            tol=EXACT,
            bad_inputs=unary_bad(n),
            fuzz=fz.unary,
        )
        for n in ("isnan", "isinf", "isfinite")
    ),
    OpInfo(
        "clip",
        dlcore.clip,
        _torch("clip"),
        clamp_samples,
        kinks=(-0.5, 0.5),
        bad_inputs=lambda: [_bad("clip", _ones(2, 3), match="clamp: at least one of", desc="no bound")],
        fuzz=fz.clamp,
    ),
    OpInfo(
        "masked_fill",
        dlcore.masked_fill,
        _torch("masked_fill"),
        masked_fill_samples,
        tol=EXACT,
        bad_inputs=masked_fill_bad,
        fuzz=fz.masked_fill,
    ),
    OpInfo(
        "cumsum",
        dlcore.cumsum,
        _torch("cumsum"),
        cumsum_samples,
        tol=SUMMING,
        bad_inputs=dim_only_bad("cumsum", 5),
        fuzz=fz.cumsum,
    ),
    OpInfo(
        "gather",
        dlcore.gather,
        _torch("gather"),
        gather_samples,
        tol=ELEMENTWISE,
        bad_inputs=gather_bad,
        fuzz=fz.gather,
    ),
    _sorting("sort", "values", True),
    _sorting("sort", "indices", False),
    _sorting("topk", "values", True),
    _sorting("topk", "indices", False),
    OpInfo(
        "argsort",
        dlcore.argsort,
        _torch("argsort"),
        sort_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=sort_bad("argsort"),
        fuzz=fz.sort,
    ),
    OpInfo(
        "where.nonzero",
        _part(dlcore.where, 0),
        _part(_torch("where"), 0),
        where_nonzero_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=where_nonzero_bad,
        fuzz=fz.unary,
    ),
    OpInfo(
        "repeat",
        _method("repeat"),
        _method("repeat"),
        repeat_samples,
        tol=SUMMING,
        bad_inputs=repeat_bad,
        fuzz=fz.repeat,
    ),
    OpInfo(
        "floor_divide",
        operator.floordiv,
        operator.floordiv,
        floor_samples,
        differentiable=False,
        bad_inputs=floor_bad("floor_divide", operator.floordiv),
        fuzz=fz.binary,
    ),
    OpInfo(
        "remainder",
        operator.mod,
        operator.mod,
        floor_samples,
        differentiable=False,
        bad_inputs=floor_bad("remainder", operator.mod),
        fuzz=fz.binary,
    ),
]
