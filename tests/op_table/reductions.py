"""Op-table entries for the reductions: sum, mean, max (values) and argmax."""

from __future__ import annotations

import warnings

import numpy as np

import dlcore

from . import fuzzing as fz
from .core import EXACT, SUMMING, Maker, OpInfo, Sample, _bad, _method, _ones, _torch, _torch_amax


def reduce_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), desc="all")
    yield Sample((m(3, 7),), {"dim": 1}, desc="dim 1")
    yield Sample((m(2, 3, 7, layout="transposed"),), {"dim": (0, 2), "keepdim": True}, desc="dims, keepdim")
    yield Sample((m(3, 7, layout="flipped"),), {"dim": -1}, desc="negative dim")
    yield Sample((m(),), desc="0-d")
    yield Sample((m(),), {"dim": 0}, desc="0-d, dim 0: itself")
    yield Sample((m(),), {"dim": -1, "keepdim": True}, desc="0-d, dim -1, keepdim")
    yield Sample((m(0, 3),), {"dim": 1}, desc="0-size, other dim: empty result")
    if op.name not in ("amax", "amin"):  # no identity: see reduce_bad
        yield Sample((m(0, 3),), desc="0-size, all (sum 0, mean nan)")
        yield Sample((m(0, 3),), {"dim": 0}, desc="0-size, over the empty dim (sum 0, mean nan)")


def sum_samples(op, dtype, rng):
    yield from reduce_samples(op, dtype, rng)
    if dtype == "float64":  # once per op: no float input; torch sums bool and integers to int64
        yield Sample((rng.integers(0, 255, size=(3, 7)).astype(np.uint8),), {"dim": 1}, desc="uint8: int64")
        yield Sample((rng.random((3, 7)) < 0.5,), desc="bool: int64")
        yield Sample((rng.integers(-9, 9, size=(3, 7)).astype(np.int32),), desc="int32: int64")


def max_samples(op, dtype, rng):
    yield from reduce_samples(op, dtype, rng)
    ties = rng.integers(0, 3, size=(3, 7)).astype(dtype)
    yield Sample((ties,), {"dim": 1}, gradcheck=False, desc="ties split the gradient evenly")


def reduce_bad(name):
    def bad():
        out = [
            _bad(name, _ones(2, 3), dim=2, match=rf"{name}: dim 2 is out of range", desc="dim"),
            _bad(
                name,
                _ones(2, 3),
                dim=(0, 0),
                match=rf"{name}: dim 0 appears multiple times",
                desc="repeated dim",
            ),
            _bad(
                name,
                _ones(2, 3),
                dim=(1, -1),
                match=rf"{name}: dim 1 appears multiple times",
                desc="same dim, negative",
            ),
            _bad(
                name, _ones(), dim=1, match=rf"{name}: dim 1 is out of range .* \[-1, 0\]", desc="0-d dim 1"
            ),
        ]
        if name in ("amax", "amin"):
            out.append(
                _bad(
                    name,
                    _ones(0, 3),
                    match=rf"{name}: cannot reduce an empty tensor of shape \(0, 3\)",
                    desc="empty",
                )
            )
            out.append(
                _bad(
                    name,
                    _ones(0, 3),
                    dim=0,
                    desc="empty dim",
                    match=rf"{name}: cannot reduce an empty tensor of shape \(0, 3\) over dim 0",
                )
            )
        return out

    return bad


def argmax_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), desc="all")
    yield Sample((m(3, 7, layout="flipped"),), {"dim": 1}, desc="dim 1")
    yield Sample((m(2, 3, 7, layout="transposed"),), {"dim": 0, "keepdim": True}, desc="keepdim")
    yield Sample((rng.integers(0, 2, size=(3, 7)).astype(dtype),), {"dim": 1}, desc="ties: first index")
    yield Sample((m(),), {"dim": 0}, desc="0-d, dim 0: index 0")
    yield Sample((m(0, 3),), {"dim": 1}, desc="0-size, other dim: empty result")


def argmax_bad():
    return [
        _bad("argmax", _ones(0, 3), match="argmax", desc="empty"),
        _bad(
            "argmax",
            _ones(2, 3),
            dim=5,
            desc="dim",
            match=r"argmax: dim 5 is out of range for a tensor of 2 dimensions "
            r"\(expected an int in \[-2, 1\]\)",
        ),
        _bad("argmax", _ones(0, 3), dim=0, match=r"argmax: .*shape \(0, 3\) over dim 0", desc="empty dim"),
    ]


def _reduce_ref(fn):
    """fn over `dim` with torch's edge cases: a 0-d tensor reduces to itself; the mean of no
    elements is nan, without numpy's warning."""

    def ref(x, dim=None, keepdim=False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(x, axis=None if x.ndim == 0 else dim, keepdims=keepdim)

    return ref


def _reduction(name, fn, torch_op, ref, samples=reduce_samples):
    return OpInfo(
        name, fn, torch_op, samples, ref=ref, tol=SUMMING, bad_inputs=reduce_bad(name), fuzz=fz.reduction
    )


OPS = [
    _reduction("sum", dlcore.sum, _torch("sum"), _reduce_ref(np.sum), samples=sum_samples),
    _reduction("mean", dlcore.mean, _torch("mean"), _reduce_ref(np.mean)),
    _reduction("amax", dlcore.amax, _torch_amax, _reduce_ref(np.max), samples=max_samples),
    OpInfo(
        "argmax",
        _method("argmax"),
        _method("argmax"),
        argmax_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=argmax_bad,
        fuzz=fz.argmax,
    ),
]
