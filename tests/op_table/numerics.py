"""Op-table entries of the numerics work (issue 17): logsigmoid and softplus, and the tails and
non-finite values (+-inf, nan) of the sigmoid family and relu, compared with torch like every
entry (forward in float64, gradients, gradcheck where finite differences can see the value)."""

from __future__ import annotations

import numpy as np

import dlcore
import dlcore.nn.functional as F

from . import fuzzing as fz
from .core import OpInfo, Sample, _bad, _torch
from .elementwise import unary_bad, unary_samples

TAILS = (-200.0, -88.0, -30.0, -20.0, 20.0, 30.0, 88.0, 200.0)
NONFINITE = (-np.inf, np.inf, np.nan, -1.5, 0.0, 1.5)


def tail_samples(op, dtype, rng):
    """unary_samples, plus the far tails (where 1 - tanh and 1 / (1 + exp(-x)) lose precision or
    overflow) and +-inf / nan: no gradcheck there, finite differences cannot step across."""
    yield from unary_samples(op, dtype, rng)
    yield from _nonfinite_samples(dtype)


def float_tail_samples(op, dtype, rng):
    """tail_samples without the int64 input (logsigmoid, softplus take floating tensors only)."""
    yield from (s for s in unary_samples(op, dtype, rng) if s.desc != "int64 input")
    yield from _nonfinite_samples(dtype)


def _nonfinite_samples(dtype):
    yield Sample((np.array(TAILS, dtype=dtype),), desc="tails", gradcheck=False)
    yield Sample((np.array(NONFINITE, dtype=dtype),), desc="+-inf and nan", gradcheck=False)


def softplus_samples(op, dtype, rng):
    yield from float_tail_samples(op, dtype, rng)
    x = np.array((-30.0, -1.0, 0.5, 9.0, 11.0, 25.0), dtype=dtype)
    yield Sample((x,), {"beta": 2.0, "threshold": 20.0}, gradcheck=False, desc="beta 2: x > 10 is x")
    yield Sample((x,), {"beta": 0.5, "threshold": 3.0}, gradcheck=False, desc="beta 0.5, threshold 3")
    yield Sample((rng.uniform(-2, 2, (3, 4)).astype(dtype),), {"beta": -1.5}, desc="negative beta")


def float_unary_bad(name):
    def bad():
        return unary_bad(name)() + [
            _bad(name, np.ones(3, np.int64), exc=TypeError, match=f"{name}: input must be floating point")
        ]

    return bad


def softplus_bad():
    return float_unary_bad("softplus")() + [
        _bad(
            "softplus",
            np.ones(3, np.float32),
            beta="2",
            exc=TypeError,
            match="softplus: beta must be a number",
        )
    ]


def _nonfinite(name, fn, **kw):
    return OpInfo(
        f"{name} (tails, inf, nan)",
        fn,
        _torch(name),
        tail_samples,
        bad_inputs=unary_bad(name),
        fuzz=fz.unary,
        **kw,
    )


OPS = [
    OpInfo(
        "nn.functional.logsigmoid",
        F.logsigmoid,
        _torch("nn.functional.logsigmoid"),
        float_tail_samples,
        bad_inputs=float_unary_bad("logsigmoid"),
        fuzz=fz.unary,
    ),
    OpInfo(
        "nn.functional.softplus",
        F.softplus,
        _torch("nn.functional.softplus"),
        softplus_samples,
        bad_inputs=softplus_bad,
        fuzz=fz.unary,
    ),
    _nonfinite("sigmoid", dlcore.sigmoid),
    _nonfinite("relu", dlcore.relu, kinks=(0.0,)),
    _nonfinite("tanh", dlcore.tanh),
    _nonfinite("neg", dlcore.neg),
]
