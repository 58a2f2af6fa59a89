"""Op-table entries for the elementwise ops: arithmetic, pow, maximum/minimum, unary math and
activations, clamp, where, and the casts/copies clone, float, double."""

from __future__ import annotations

import numpy as np

import dlcore

from . import fuzzing as fz
from .core import ELEMENTWISE, EXACT, Maker, OpInfo, Sample, Tol, _bad, _method, _ones, _torch


def unary_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), desc="3x7")
    yield Sample((m(),), desc="0-d")
    yield Sample((m(0, 3),), desc="0-size")
    yield Sample((m(7, 3, layout="transposed"),), desc="transposed")
    yield Sample((m(2, 3, 7, layout="strided"),), desc="strided")
    yield Sample((m(3, 7, layout="flipped"),), desc="negative strides")
    if dtype == "float64":  # once per op: the sample holds no float (exp, log, ...: float32 result)
        yield Sample((rng.integers(1, 4, size=(2, 3)),), desc="int64 input")


def binary_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), m(3, 7)), desc="same shape")
    yield Sample((m(3, 1), m(1, 7)), desc="broadcast both")
    yield Sample((m(), m(2, 3)), desc="0-d with 2-D")
    yield Sample((m(2, 3, 7, layout="transposed"), m(7, layout="flipped")), desc="views")
    yield Sample((m(0, 3), m(3, layout="strided")), desc="0-size")
    yield Sample((m(3, 7), 1.5), desc="python float")


def div_samples(op, dtype, rng):
    yield from binary_samples(op, dtype, rng)
    if dtype == "float64":  # once per op: no float input; the int scalar must not wrap to uint8 (255)
        yield Sample((-1, np.array([1, 2, 4], np.uint8)), desc="negative python int over uint8")
        yield Sample((np.array([1, 2, 4], np.uint8), -2), desc="uint8 over a negative python int")


def binary_bad(name):
    def bad():
        return [
            _bad(
                name,
                _ones(2, 3),
                _ones(4),
                match=rf"{name}: shapes \(2, 3\) and \(4,\) do not broadcast",
                desc="shapes",
            ),
            _bad(
                name,
                _ones(2, 3),
                "x",
                exc=TypeError,
                match=rf"{name}: unsupported operand type str",
                desc="string operand",
            ),
        ]

    return bad


def unary_bad(name):
    def bad():
        return [
            _bad(
                name,
                None,
                exc=TypeError,
                match=rf"{name}: unsupported operand type NoneType",
                desc="None input",
            )
        ]

    return bad


def kinked_pair_samples(op, dtype, rng):
    """(a, b) with a - b kept away from 0 (maximum/minimum/l1 kinks), plus exact ties."""
    m = Maker(op, dtype, rng)
    a = m(3, 7)
    d = m.values((3, 7), kinks=(0.0,))
    yield Sample((a, a - d), desc="no ties")
    yield Sample((m(3, 1), m(1, 7)), desc="broadcast")
    yield Sample((m(), m(2, 3)), desc="0-d with 2-D")
    yield Sample((m(2, 3, 7, layout="transposed"), m(7, layout="flipped")), desc="views")
    yield Sample((m(0, 3), m(3)), desc="0-size")
    b = np.where(rng.random((3, 7)) < 0.5, a, m(3, 7))
    yield Sample((a, b), desc="ties split the gradient evenly")


def pow_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield from binary_samples(op, dtype, rng)
    yield Sample((m(3, 7, low=-2.0), 2.0), desc="negative base, scalar exponent 2.0")
    yield Sample((m(3, 7, low=-2.0), 3), desc="negative base, int exponent 3")
    yield Sample((m(2, 3), -1.5), desc="negative scalar exponent")
    yield Sample((m(2, 3, low=-2.0), 0), desc="exponent 0")
    yield Sample((2.0, m(3, 7, layout="transposed")), desc="python float base")


def clamp_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), {"min": -0.5, "max": 0.5}, desc="both bounds")
    yield Sample((m(3, 7, layout="flipped"),), {"min": -0.5}, desc="min only")
    yield Sample((m(7, 3, layout="transposed"),), {"max": 0.5}, desc="max only")
    yield Sample((m(),), {"min": -0.5, "max": 0.5}, desc="0-d")
    yield Sample((m(0, 3),), {"min": -0.5}, desc="0-size")
    at = np.array([-0.5, 0.5, -1.0, 1.0, 0.0], dtype=dtype)
    yield Sample((at,), {"min": -0.5, "max": 0.5}, gradcheck=False, desc="on the bounds: gradient 1")
    yield Sample((m(2, 3),), {"min": 0.5, "max": -0.5}, desc="min > max: all max")
    if dtype == "float64":  # once per op: an integer tensor and a float bound give float32, as torch
        yield Sample(
            (rng.integers(-3, 3, size=(2, 3)).astype(np.int32),), {"max": 1.5}, desc="int32, float bound"
        )


def clamp_bad():
    return [
        _bad(
            "clamp",
            _ones(2, 3),
            desc="no bound",
            match="clamp: at least one of 'min' or 'max' must not be None",
        ),
        _bad(
            "clamp",
            np.zeros((2, 3), np.uint8),
            max=-1,
            desc="int bound out of the dtype's range",
            match="clamp: bound -1 is out of range for uint8",
        ),
    ]


def where_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((rng.random((3, 7)) < 0.5, m(3, 7), m(3, 7)), desc="same shape")
    yield Sample((rng.random((3, 1)) < 0.5, m(1, 7), m()), desc="broadcast")
    yield Sample((rng.random((2, 3)) < 0.5, m(2, 3, layout="transposed"), 0.0), desc="python float")
    yield Sample((np.zeros((0, 3), bool), m(0, 3), m(3, layout="flipped")), desc="0-size")


def where_bad():
    return [
        _bad(
            "where",
            np.ones((2, 3), bool),
            _ones(4),
            _ones(4),
            match=r"where: shapes \(2, 3\) and \(4,\) and \(4,\) do not broadcast",
            desc="shapes",
        ),
        _bad(
            "where",
            _ones(2, 3),
            _ones(2, 3),
            _ones(2, 3),
            exc=TypeError,
            desc="float condition",
            match="where: expected condition to be a boolean tensor, got dtype float32",
        ),
    ]


def _sigmoid_ref(x):
    return 1.0 / (1.0 + np.exp(-x))


def _unary(name, fn, ref, **kw):
    return OpInfo(
        name, fn, _torch(name), unary_samples, ref=ref, bad_inputs=unary_bad(name), fuzz=fz.unary, **kw
    )


def _binary(name, fn, ref, samples=binary_samples, **kw):
    return OpInfo(name, fn, _torch(name), samples, ref=ref, bad_inputs=binary_bad(name), fuzz=fz.binary, **kw)


OPS = [
    _binary("add", dlcore.add, np.add),
    _binary("sub", dlcore.sub, np.subtract),
    _binary("mul", dlcore.mul, np.multiply),
    # float32 atol 3e-6: the gradient of a broadcast divisor is a sum with cancellation; on the
    # "views" sample, element 1 sums 6 terms of |.| 29.9 to -0.0577 and its float32 error runs
    # from 1.3e-6 (numpy's pairwise order) to 2.27e-6 (the worst of all 720 orders, CuPy's on the
    # H200) against the float64 reference; the bound there was 1e-6 + 1e-5 * 0.0577 = 1.6e-6.
    _binary(
        "div",
        dlcore.div,
        np.divide,
        samples=div_samples,
        kinks=(0.0,),
        tol={"float32": Tol(1e-5, 3e-6), "float64": ELEMENTWISE["float64"]},
    ),
    _binary("pow", dlcore.pow, np.power, samples=pow_samples, domain=(0.5, 2.0)),
    _binary("maximum", dlcore.maximum, np.maximum, samples=kinked_pair_samples),
    _binary("minimum", dlcore.minimum, np.minimum, samples=kinked_pair_samples),
    _unary("neg", dlcore.neg, np.negative),
    _unary("exp", dlcore.exp, np.exp),
    _unary("log", dlcore.log, np.log, domain=(0.1, 3.0)),
    _unary("sqrt", dlcore.sqrt, np.sqrt, domain=(0.1, 3.0)),
    _unary("abs", dlcore.abs, np.abs, kinks=(0.0,)),
    _unary("tanh", dlcore.tanh, np.tanh),
    _unary("sigmoid", dlcore.sigmoid, _sigmoid_ref, domain=(-6.0, 6.0)),
    _unary("relu", dlcore.relu, lambda x: np.maximum(x, 0), kinks=(0.0,)),
    OpInfo(
        "clamp",
        dlcore.clamp,
        _torch("clamp"),
        clamp_samples,
        kinks=(-0.5, 0.5),
        ref=lambda x, min=None, max=None: np.clip(x, min, max),
        bad_inputs=clamp_bad,
        fuzz=fz.clamp,
    ),
    OpInfo(
        "where",
        dlcore.where,
        _torch("where"),
        where_samples,
        ref=np.where,
        bad_inputs=where_bad,
        fuzz=fz.where,
    ),
    OpInfo("clone", _method("clone"), _method("clone"), unary_samples, ref=np.copy, tol=EXACT, fuzz=fz.unary),
    OpInfo(
        "float",
        _method("float"),
        _method("float"),
        unary_samples,
        ref=lambda x: x.astype(np.float32),
        gradcheck=False,
        fuzz=fz.unary,
    ),
    OpInfo("double", _method("double"), _method("double"), unary_samples, fuzz=fz.unary),
]
