"""Op-table entries for matmul, nn.functional.linear, the softmax family, the losses and dropout."""

from __future__ import annotations

import numpy as np

import dlcore
import dlcore.nn.functional as F
from dlcore import reference

from . import fuzzing as fz
from .core import EXACT, SUMMING, Maker, OpInfo, Sample, _bad, _ones, _torch


def matmul_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), m(7, 3)), desc="2-D")
    yield Sample((m(7), m(7, layout="flipped")), desc="1-D @ 1-D")
    yield Sample((m(7), m(7, 3, layout="transposed")), desc="1-D @ 2-D")
    yield Sample((m(3, 7, layout="strided"), m(7)), desc="2-D @ 1-D")
    yield Sample((m(2, 3, 7), m(7, 3)), desc="batched @ 2-D")
    yield Sample((m(2, 1, 3, 4, layout="flipped"), m(3, 4, 2)), desc="batch broadcast")
    yield Sample((m(3, 0), m(0, 4)), desc="K = 0")
    yield Sample((m(0, 3), m(3, 7)), desc="M = 0")


def matmul_bad():
    return [
        _bad("matmul", _ones(), _ones(3), match="matmul: operands must be at least 1-D", desc="0-d"),
        _bad(
            "matmul",
            _ones(2, 3),
            _ones(4, 2),
            match=r"matmul: shapes \(2, 3\) and \(4, 2\) do not match",
            desc="K",
        ),
        _bad(
            "matmul",
            _ones(2, 3),
            _ones(3, 2, dtype=np.float64),
            exc=TypeError,
            match="matmul: operands must have the same dtype",
            desc="dtypes",
        ),
        _bad("matmul", _ones(2, 2, 3), _ones(3, 3, 2), match="matmul: batch dimensions", desc="batch"),
    ]


def linear_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(5, 7), m(3, 7), m(3)), desc="with bias")
    yield Sample((m(5, 7), m(3, 7, layout="transposed")), desc="no bias, transposed weight")
    yield Sample((m(7), m(3, 7), m(3, layout="flipped")), desc="1-D input")
    yield Sample((m(2, 3, 7, layout="strided"), m(3, 7)), desc="batched input")
    yield Sample((m(0, 7), m(3, 7), m(3)), desc="0 rows")


def linear_bad():
    return [
        _bad(
            "linear",
            _ones(5, 7),
            _ones(3, 6),
            desc="in_features",
            match=r"linear: input of shape \(5, 7\) does not match weight of shape \(3, 6\)",
        ),
        _bad(
            "linear",
            _ones(5, 7),
            _ones(3, 7),
            _ones(4),
            desc="bias",
            match=r"linear: bias of shape \(4,\) does not match weight \(3, 7\)",
        ),
        _bad(
            "linear",
            _ones(5, 7),
            _ones(3, 7, dtype=np.float64),
            exc=TypeError,
            match="linear: input, weight and bias must have the same dtype",
            desc="dtypes",
        ),
    ]


# ---- softmax family, losses, dropout ---------------------------------------------------------


def softmax_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), {"dim": -1}, desc="last dim")
    yield Sample((m(3, 7, layout="flipped"),), {"dim": 0}, desc="dim 0")
    yield Sample((m(2, 3, 7, layout="transposed"),), {"dim": 1}, desc="middle dim")
    yield Sample((m(0, 3),), {"dim": 1}, desc="0 rows")
    yield Sample((m(3, 7, low=-50.0, high=50.0),), {"dim": 1}, desc="large magnitudes")
    yield Sample((m(3, 0),), {"dim": 1}, desc="0 classes")
    yield Sample((m(),), {"dim": 0}, desc="0-d: softmax 1, log_softmax 0")
    yield Sample((m(),), {"dim": -1}, desc="0-d, dim -1")


def softmax_bad(name):
    def bad():
        return [_bad(name, _ones(2, 3), dim=2, match=rf"{name}: dim 2 is out of range", desc="dim")]

    return bad


def regression_loss_samples(op, dtype, rng):
    """(input, target) with input - target away from the op's kinks (0, +-delta)."""
    m = Maker(op, dtype, rng)
    delta = {"huber_loss": 0.5}.get(op.name)
    kw = {} if delta is None else {"delta": delta}
    kinks = (0.0,) if delta is None else (0.0, delta, -delta)

    def pair(*shape, layout="contiguous", kinks=kinks):
        x = m(*shape, layout=layout)
        return x, np.asarray(x - m.values(shape, kinks=kinks), dtype=dtype)

    yield Sample(pair(3, 7), dict(kw), desc="mean")
    yield Sample(pair(3, 7, layout="transposed"), dict(kw, reduction="sum"), desc="sum, transposed")
    yield Sample(pair(2, 3, 7, layout="flipped"), dict(kw, reduction="none"), desc="none, negative strides")
    yield Sample(pair(), dict(kw), desc="0-d")
    yield Sample(pair(0, 3), dict(kw), desc="0-size mean: nan")
    if delta is not None:
        yield Sample(pair(3, 7, kinks=(0.0, 2.0, -2.0)), {"delta": 2.0, "reduction": "sum"}, desc="delta 2")


def regression_loss_bad(name):
    def bad():
        extra = (
            []
            if name != "huber_loss"
            else [
                _bad(
                    name,
                    _ones(2, 3),
                    _ones(2, 3),
                    delta=-1.0,
                    desc="delta negative",
                    match="huber_loss: delta must be positive, got -1.0",
                ),
                _bad(
                    name,
                    _ones(2, 3),
                    _ones(2, 3),
                    delta=0.0,
                    desc="delta zero",
                    match="huber_loss: delta must be positive, got 0.0",
                ),
            ]
        )
        return extra + [
            _bad(
                name,
                _ones(2, 3),
                _ones(3),
                match=rf"{name}: input shape \(2, 3\) and target shape \(3,\)",
                desc="shapes",
            ),
            _bad(
                name,
                _ones(2, 3),
                _ones(2, 3),
                reduction="avg",
                match=rf"{name}: reduction must be one of",
                desc="reduction",
            ),
        ]

    return bad


def class_loss_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)

    def target(*shape, c=3):
        return rng.integers(0, c, size=shape).astype(np.int64)

    yield Sample((m(5, 3), target(5)), desc="mean")
    yield Sample((m(5, 3, layout="flipped"), target(5)), {"reduction": "sum"}, desc="sum, negative strides")
    yield Sample((m(3, 5, layout="transposed"), target(3, c=5)), {"reduction": "none"}, desc="none")
    yield Sample((m(0, 3), target(0)), desc="0 rows mean: nan")
    yield Sample((m(4, 3, low=-50.0, high=50.0), target(4)), desc="large magnitudes")
    yield Sample((m(2, 3, 4), target(2, 4)), desc="(N, C, d)")
    yield Sample((m(2, 3, 4, layout="flipped"), target(2, 4)), {"reduction": "none"}, desc="(N, C, d) none")
    yield Sample((m(4), target(c=4)), desc="unbatched (C,), 0-d target")
    yield Sample((m(4), target(c=4)), {"reduction": "none"}, desc="unbatched, none: 0-d")


def cross_entropy_bad():
    return [
        _bad(
            "cross_entropy",
            _ones(3),
            np.zeros(2, np.int64),
            match=r"cross_entropy: an unbatched input \(3,\) takes a 0-d target, got \(2,\)",
            desc="unbatched, 1-D target",
        ),
        _bad(
            "cross_entropy",
            _ones(5, 3),
            np.zeros(4, np.int64),
            match="cross_entropy: expected logits",
            desc="target length",
        ),
        _bad(
            "cross_entropy",
            np.ones((5, 3), np.int64),
            np.zeros(5, np.int64),
            exc=TypeError,
            match="cross_entropy: logits must be floating point",
            desc="int logits",
        ),
        _bad(
            "cross_entropy",
            _ones(5, 3),
            np.zeros(5, np.float32),
            exc=TypeError,
            match="cross_entropy: targets must be integer",
            desc="float target",
        ),
        _bad(
            "cross_entropy",
            _ones(5, 3),
            np.array([0, 1, 3, 0, 0]),
            match=r"cross_entropy.*\[0, 3\)",
            desc="target out of range",
        ),
        _bad(
            "cross_entropy",
            _ones(5, 3),
            np.zeros(5, np.int64),
            reduction="avg",
            match="cross_entropy: reduction must be one of",
            desc="reduction",
        ),
        _bad(
            "cross_entropy",
            _ones(2, 3, 4),
            np.zeros((2, 5), np.int64),
            match=r"cross_entropy: target shape \(2, 5\) does not match input \(2, 3, 4\)",
            desc="(N, C, d)",
        ),
    ]


def nll_loss_bad():
    return [
        _bad(
            "nll_loss",
            _ones(3),
            np.zeros(1, np.int64),
            match=r"nll_loss: an unbatched input \(3,\) takes a 0-d target, got \(1,\)",
            desc="unbatched, 1-D target",
        ),
        _bad(
            "nll_loss",
            _ones(2, 3, 4),
            np.zeros((2, 5), np.int64),
            match=r"nll_loss: target shape \(2, 5\) does not match input \(2, 3, 4\)",
            desc="(N, C, d)",
        ),
        _bad(
            "nll_loss",
            _ones(5, 3),
            np.zeros(4, np.int64),
            match=r"nll_loss: expected input \(N, C\)",
            desc="target length",
        ),
        _bad(
            "nll_loss",
            _ones(5, 3),
            np.zeros(5, np.float32),
            exc=TypeError,
            match="nll_loss: target must be integer",
            desc="float target",
        ),
        _bad(
            "nll_loss",
            _ones(5, 3),
            np.array([0, 1, 3, 0, 0]),
            desc="target out of range",
            match=r"nll_loss: targets must lie in \[0, 3\)",
        ),
        _bad(
            "nll_loss",
            _ones(5, 3),
            np.zeros(5, np.int64),
            reduction="avg",
            match="nll_loss: reduction must be one of",
            desc="reduction",
        ),
    ]


def dropout_samples(op, dtype, rng):
    """The deterministic cases; the random mask and 1/(1-p) scaling are tested apart."""
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), {"p": 0.0}, desc="p = 0")
    yield Sample((m(3, 7, layout="flipped"),), {"p": 0.5, "training": False}, desc="eval")
    yield Sample((m(0, 3),), {"p": 0.0}, desc="0-size")
    yield Sample((m(2, 3),), {"p": 1.0}, desc="p = 1: zeros")


def dropout_bad():
    return [
        _bad(
            "dropout", _ones(2, 3), p=1.5, match=r"dropout: p must be in \[0, 1\], got 1.5", desc="p above 1"
        ),
        _bad("dropout", _ones(2, 3), p=-0.1, match=r"dropout: p must be in \[0, 1\]", desc="p below 0"),
    ]


def _softmax_ref(fn):
    """reference.* with torch's edge cases: empty in, empty out; a 0-d tensor is one class."""
    return lambda x, dim=-1: x.copy() if x.size == 0 else fn(x, None if x.ndim == 0 else dim)


def _loss(name, samples, bad):
    return OpInfo(
        f"nn.functional.{name}",
        getattr(F, name),
        _torch(f"nn.functional.{name}"),
        samples,
        tol=SUMMING,
        bad_inputs=bad,
        fuzz=fz.loss(name),
    )


OPS = [
    OpInfo(
        "matmul",
        dlcore.matmul,
        _torch("matmul"),
        matmul_samples,
        ref=np.matmul,
        tol=SUMMING,
        bad_inputs=matmul_bad,
        fuzz=fz.matmul,
    ),
    OpInfo(
        "softmax",
        dlcore.softmax,
        _torch("softmax"),
        softmax_samples,
        tol=SUMMING,
        ref=_softmax_ref(reference.softmax),
        bad_inputs=softmax_bad("softmax"),
        fuzz=fz.softmax,
    ),
    OpInfo(
        "log_softmax",
        dlcore.log_softmax,
        _torch("log_softmax"),
        softmax_samples,
        tol=SUMMING,
        ref=_softmax_ref(reference.log_softmax),
        bad_inputs=softmax_bad("log_softmax"),
        fuzz=fz.softmax,
    ),
    OpInfo(
        "nn.functional.linear",
        F.linear,
        _torch("nn.functional.linear"),
        linear_samples,
        tol=SUMMING,
        bad_inputs=linear_bad,
        fuzz=fz.linear,
    ),
    _loss("mse_loss", regression_loss_samples, regression_loss_bad("mse_loss")),
    _loss("l1_loss", regression_loss_samples, regression_loss_bad("l1_loss")),
    _loss("huber_loss", regression_loss_samples, regression_loss_bad("huber_loss")),
    _loss("cross_entropy", class_loss_samples, cross_entropy_bad),
    _loss("nll_loss", class_loss_samples, nll_loss_bad),
    OpInfo(
        "nn.functional.dropout",
        F.dropout,
        _torch("nn.functional.dropout"),
        dropout_samples,
        tol=EXACT,
        bad_inputs=dropout_bad,
        fuzz=fz.dropout,
    ),
]
