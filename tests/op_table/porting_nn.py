"""Op-table entries of the porting gaps (issue 17, engineer h7), part 2: the torch.nn.functional
ones (one_hot, leaky_relu, smooth_l1_loss, binary_cross_entropy[_with_logits]) and the in-place
methods add_/sub_/mul_/div_/copy_ (run on a clone, so that in grad mode the op is recorded on a
non-leaf and its gradient compared with torch). op_table/__init__.py appends OPS to its own.
"""

from __future__ import annotations

import importlib

import numpy as np

import dlcore.nn.functional as F

from . import fuzzing as fz
from .core import EXACT, SUMMING, Maker, OpInfo, Sample, _bad, _ones, _torch
from .elementwise import unary_bad
from .porting_math import _special, special_unary_samples

# ---- nn.functional ---------------------------------------------------------------------------


def one_hot_samples(op, dtype, rng):
    yield Sample((rng.integers(0, 4, (5,)),), desc="inferred classes")
    yield Sample((rng.integers(0, 4, (3, 2)), 6), desc="2-D, 6 classes")
    yield Sample((np.array(2),), {"num_classes": 3}, desc="0-d")
    yield Sample((np.zeros((0,), np.int64), 3), desc="0-size")
    yield Sample((rng.integers(0, 4, (4, 3)).T,), desc="transposed")


def one_hot_bad():
    return [
        _bad(
            "one_hot",
            _ones(3),
            exc=TypeError,
            match="one_hot: is only applicable to index tensors",
            desc="float",
        ),
        _bad(
            "one_hot",
            np.array([0, 3]),
            3,
            match=r"one_hot: class values must lie in \[0, 3\)",
            desc="too large",
        ),
        _bad(
            "one_hot",
            np.array([-1, 0]),
            3,
            match=r"one_hot: class values must lie in \[0, 3\)",
            desc="negative",
        ),
        _bad("one_hot", np.zeros(0, np.int64), match="one_hot: can not infer", desc="empty, inferred"),
    ]


def bce_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    logits = op.name.endswith("with_logits")
    x = (
        (lambda *s, layout="contiguous": m(*s, layout=layout, low=-4.0, high=4.0))
        if logits
        else (lambda *s, layout="contiguous": m(*s, layout=layout, low=0.05, high=0.95))
    )
    t = lambda *s: m(*s, low=0.0, high=1.0)  # noqa: E731  (soft targets)
    yield Sample((x(3, 7), t(3, 7)), desc="mean")
    yield Sample((x(3, 7, layout="transposed"), t(3, 7)), {"reduction": "sum"}, desc="sum, transposed")
    yield Sample(
        (x(2, 3, 4, layout="flipped"), t(2, 3, 4)), {"reduction": "none"}, desc="none, negative strides"
    )
    yield Sample((x(), t()), desc="0-d")
    yield Sample((x(0, 3), t(0, 3)), desc="0-size mean: nan")
    yield Sample((x(3, 4), t(3, 4)), {"weight": m(4, low=0.5, high=2.0)}, gradcheck=False, desc="weight")
    if logits:
        yield Sample(
            (x(3, 4), t(3, 4)), {"pos_weight": m(4, low=0.5, high=3.0)}, gradcheck=False, desc="pos_weight"
        )
        big = np.array([-200.0, -30.0, -20.0, 0.0, 20.0, 30.0, 200.0], dtype)
        yield Sample((big, (rng.random(7) < 0.5).astype(dtype)), gradcheck=False, desc="large logits: stable")
    else:
        edge = np.array([0.0, 1.0, 0.0, 1.0, 1e-30], dtype)
        yield Sample(
            (edge, np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype)), gradcheck=False, desc="log clamped at -100"
        )


def bce_bad(name):
    def bad():
        out = [
            _bad(
                name,
                _ones(2, 3),
                _ones(3),
                match=rf"{name}: target size \(3,\) must be the same",
                desc="shapes",
            ),
            _bad(name, _ones(2, 3), _ones(2, 3), reduction="avg", match=rf"{name}: reduction must be one of"),
            _bad(name, _ones(2, 3), _ones(2, 3), weight=_ones(4), match=rf"{name}: weight of shape \(4,\)"),
            _bad(name, [0.5], _ones(1), exc=TypeError, match=rf"{name}: input must be a tensor", desc="list"),
        ]
        if name == "binary_cross_entropy":
            out.append(_bad(name, 2 * _ones(2), _ones(2), match=rf"{name}: all elements of input should be"))
            nan = np.full(2, np.nan, np.float32)
            out.append(_bad(name, nan, _ones(2), match=rf"{name}: all elements of input", desc="nan input"))
            out.append(
                _bad(name, _ones(2), 2 * _ones(2), match=rf"{name}: all elements of target", desc="t > 1")
            )
            out.append(_bad(name, _ones(2), nan, match=rf"{name}: all elements of target", desc="nan target"))
        return out

    return bad


def leaky_relu_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield from (s for s in special_unary_samples(op, dtype, rng) if s.desc != "int64 input")
    yield Sample((m(3, 7, layout="flipped"),), {"negative_slope": 0.2}, desc="slope 0.2")
    yield Sample(
        (np.array([0.0, -0.0], dtype),), {"negative_slope": 0.3}, gradcheck=False, desc="at 0: slope"
    )


def leaky_relu_bad():
    return unary_bad("leaky_relu")() + [
        _bad(
            "leaky_relu",
            _ones(2),
            negative_slope="a",
            exc=TypeError,
            match="leaky_relu: negative_slope must be",
        )
    ]


def smooth_l1_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    for beta, layout, kw, desc in (
        (1.0, "contiguous", {}, "mean"),
        (0.5, "transposed", {"reduction": "sum", "beta": 0.5}, "sum, transposed, beta 0.5"),
        (1.0, "flipped", {"reduction": "none"}, "none, negative strides"),
        (2.0, "strided", {"beta": 2.0}, "strided, beta 2"),
    ):
        x = m(3, 7, layout=layout)
        yield Sample((x, np.asarray(x - m.values((3, 7), kinks=(0.0, beta, -beta)), dtype)), kw, desc=desc)
    yield Sample((m(), m()), desc="0-d")
    yield Sample((m(0, 3), m(0, 3)), desc="0-size mean: nan")
    x = m(3, 7)
    yield Sample((x, np.asarray(x - m.values((3, 7), kinks=(0.0,)), dtype)), {"beta": 0.0}, desc="beta 0: L1")
    yield Sample(
        (_special(dtype), np.zeros(7, dtype)), {"reduction": "none"}, gradcheck=False, desc="nan, inf"
    )


def smooth_l1_bad():
    name = "smooth_l1_loss"
    return [
        _bad(name, _ones(2, 3), _ones(3), match=rf"{name}: input shape \(2, 3\) and target shape \(3,\)"),
        _bad(name, _ones(2, 3), _ones(2, 3), reduction="avg", match=rf"{name}: reduction must be one of"),
        _bad(
            name, _ones(2, 3), _ones(2, 3), beta=-1.0, match=rf"{name}: beta must be non-negative, got -1.0"
        ),
        _bad(name, [1.0], _ones(1), exc=TypeError, match=rf"{name}: input must be a tensor", desc="list"),
    ]


def inplace_samples(op, dtype, rng):
    """(self, other) where other broadcasts to self's shape (the in-place result keeps it)."""
    m = Maker(op, dtype, rng)
    low = 0.5 if op.name == "Tensor.div_" else None  # away from division by 0
    yield Sample((m(3, 7), m(3, 7, low=low)), desc="same shape")
    yield Sample(
        (m(3, 7, layout="transposed"), m(7, layout="flipped", low=low)), desc="views, broadcast other"
    )
    yield Sample((m(), m(low=low)), desc="0-d")
    yield Sample((m(0, 3), m(3, layout="strided", low=low)), desc="0-size")
    yield Sample((m(3, 7), 1.5), desc="python float")
    yield Sample((_special(dtype), np.array(2.0, dtype)), gradcheck=False, desc="nan, inf")


def inplace_bad(name):
    def bad():
        return [
            _bad(
                name,
                _ones(3),
                _ones(2, 3),
                match=rf"{name}: output with shape \(3,\) doesn't match the broadcast shape \(2, 3\)",
                desc="result larger",
            ),
            _bad(
                name,
                np.ones(3, np.int64),
                _ones(3),
                exc=TypeError,
                match=rf"{name}: result type float32 can't be cast to the desired output type int64",
                desc="float into int",
            ),
        ]

    return bad


def _inplace(name, *extra):
    """x.clone().<name>(other, ...): the clone keeps the sample unchanged, and in grad mode the
    in-place op is recorded on a non-leaf (torch allows it there), so gradients are compared."""

    def call(x, *args):
        return getattr(x.clone(), name)(*args, *extra)

    call.__name__ = f"Tensor.{name}"
    return call


def _torch_bce(name):
    """torch's binary cross-entropy with weight and pos_weight detached (torch: not differentiable
    with respect to them, and a leaf requiring grad there is an error; dlcore detaches them)."""

    def call(*args, weight=None, pos_weight=None, **kwargs):
        f = getattr(importlib.import_module("torch").nn.functional, name)
        extra = {} if pos_weight is None else {"pos_weight": pos_weight.detach()}
        return f(*args, weight=None if weight is None else weight.detach(), **extra, **kwargs)

    return call


OPS = [
    *(
        OpInfo(
            f"Tensor.{n}",
            _inplace(n),
            _inplace(n),
            inplace_samples,
            kinks=(0.0,) if n == "div_" else (),
            bad_inputs=inplace_bad(n),
            fuzz=fz.inplace,
        )
        for n in ("add_", "sub_", "mul_", "div_")
    ),
    OpInfo(
        "Tensor.copy_",
        _inplace("copy_"),
        _inplace("copy_"),
        inplace_samples,
        tol=SUMMING,  # the gradient of a broadcast source sums
        bad_inputs=lambda: [
            _bad(
                "copy_",
                _ones(3),
                _ones(2, 3),
                match=r"copy_: source of shape \(2, 3\) does not broadcast to \(3,\)",
            ),
            _bad(
                "copy_",
                np.zeros(2, np.uint8),
                256,
                match=r"copy_: value 256 is out of range for uint8",
                desc="number outside the dtype",
            ),
        ],
        fuzz=fz.inplace,
    ),
    OpInfo(
        "nn.functional.leaky_relu",
        F.leaky_relu,
        _torch("nn.functional.leaky_relu"),
        leaky_relu_samples,
        kinks=(0.0,),
        bad_inputs=leaky_relu_bad,
        fuzz=fz.leaky_relu,
    ),
    OpInfo(
        "nn.functional.smooth_l1_loss",
        F.smooth_l1_loss,
        _torch("nn.functional.smooth_l1_loss"),
        smooth_l1_samples,
        tol=SUMMING,
        bad_inputs=smooth_l1_bad,
        fuzz=fz.smooth_l1,
    ),
    OpInfo(
        "nn.functional.one_hot",
        F.one_hot,
        _torch("nn.functional.one_hot"),
        one_hot_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=one_hot_bad,
        fuzz=fz.one_hot,
    ),
    OpInfo(
        "nn.functional.binary_cross_entropy",
        F.binary_cross_entropy,
        _torch_bce("binary_cross_entropy"),
        bce_samples,
        tol=SUMMING,
        bad_inputs=bce_bad("binary_cross_entropy"),
        fuzz=fz.bce(logits=False),
    ),
    OpInfo(
        "nn.functional.binary_cross_entropy_with_logits",
        F.binary_cross_entropy_with_logits,
        _torch_bce("binary_cross_entropy_with_logits"),
        bce_samples,
        tol=SUMMING,
        bad_inputs=bce_bad("binary_cross_entropy_with_logits"),
        fuzz=fz.bce(logits=True),
    ),
]
