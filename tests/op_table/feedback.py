"""Op-table entry for nn.functional.linear_feedback_alignment (a dlcore extension) and its fuzz builder.

Its torch counterpart is written here: a torch.autograd.Function whose forward is torch's linear
and whose backward gives the input grad_output @ B, the weight and bias their usual gradients and
B none. The op table's gradcheck is off for this op because the input's gradient is by design not
the derivative; tests/test_feedback_alignment.py gradchecks the weight's and bias's.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
from hypothesis import strategies as st

import dlcore.nn.functional as F

from . import fuzzing as fz
from .core import SUMMING, Maker, OpInfo, Sample, _bad, _ones


def _fa_function(torch):
    class FeedbackAlignment(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, b, fb):
            ctx.save_for_backward(x, fb)
            ctx.has_bias = b is not None
            return torch.nn.functional.linear(x, w, b)

        @staticmethod
        def backward(ctx, g):
            x, fb = ctx.saved_tensors
            g2 = g.reshape(math.prod(g.shape[:-1]), g.shape[-1])
            x2 = x.reshape(math.prod(x.shape[:-1]), x.shape[-1])
            gb = g2.sum(0) if ctx.has_bias else None
            return (g2 @ fb).reshape(x.shape), g2.T @ x2, gb, None

    return FeedbackAlignment


def torch_linear_feedback_alignment(x, weight, bias, feedback_weight):
    """The same op in torch: float32/float64 only, B of the weight's shape and dtype."""
    torch = importlib.import_module("torch")
    if weight.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"weight dtype {weight.dtype}")
    if feedback_weight.dtype != weight.dtype or feedback_weight.shape != weight.shape:
        raise ValueError("feedback_weight must match the weight")
    return _fa_function(torch).apply(x, weight, bias, feedback_weight)


def _ref(x, weight, bias, feedback_weight):
    out = x @ weight.T
    return out if bias is None else out + bias


def samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(5, 7), m(3, 7), m(3), m(3, 7)), desc="with bias")
    yield Sample((m(5, 7), m(3, 7, layout="transposed"), None, m(3, 7, layout="flipped")), desc="no bias")
    yield Sample((m(7), m(3, 7), m(3, layout="flipped"), m(3, 7, layout="strided")), desc="1-D input")
    yield Sample((m(2, 3, 7, layout="strided"), m(3, 7), None, m(3, 7)), desc="batched input")
    yield Sample((m(0, 7), m(3, 7), m(3), m(3, 7)), desc="0 rows")


def bad():
    op = "linear_feedback_alignment"
    return [
        _bad(
            op,
            _ones(5, 7),
            _ones(3, 7),
            None,
            _ones(7, 3),
            desc="B transposed",
            match=r"linear_feedback_alignment: feedback_weight of shape \(7, 3\) must have the weight's "
            r"shape \(3, 7\)",
        ),
        _bad(
            op,
            _ones(5, 7),
            _ones(3, 7),
            None,
            _ones(3, 7, dtype=np.float64),
            exc=TypeError,
            desc="B dtype",
            match="linear_feedback_alignment: feedback_weight dtype float64 differs from the weight's "
            "dtype float32",
        ),
        _bad(
            op,
            _ones(5, 6),
            _ones(3, 7),
            None,
            _ones(3, 7),
            desc="in_features",
            match=r"linear_feedback_alignment: input of shape \(5, 6\) does not match weight of shape "
            r"\(3, 7\)",
        ),
        _bad(
            op,
            _ones(5, 7),
            _ones(3, 7),
            _ones(4),
            _ones(3, 7),
            desc="bias",
            match=r"linear_feedback_alignment: bias of shape \(4,\) does not match weight \(3, 7\)",
        ),
        _bad(
            op,
            _ones(5, 7, dtype=np.int64),
            _ones(3, 7, dtype=np.int64),
            None,
            _ones(3, 7, dtype=np.int64),
            exc=TypeError,
            desc="integer",
            match="linear_feedback_alignment: expected a float32 or float64 weight, got int64",
        ),
    ]


@st.composite
def _fuzz(draw, op):
    """fuzzing's linear call plus B: mostly of the weight's shape and dtype, sometimes not."""
    sample = draw(fz.linear(op))
    x, w, b = (sample.args + (None,))[:3]
    shape = w.shape if draw(st.integers(0, 7)) else (w.shape[1], w.shape[0] + 1)
    dtype = w.dtype.name if draw(st.integers(0, 7)) else draw(st.sampled_from(fz.DTYPES))
    return Sample((x, w, b, draw(fz.array(op, shape, dtypes=[dtype]))))


def fuzz(op):
    return _fuzz(op)


OPS = [
    OpInfo(
        "nn.functional.linear_feedback_alignment",
        F.linear_feedback_alignment,
        torch_linear_feedback_alignment,
        samples,
        ref=_ref,
        gradcheck=False,  # dx = g @ B is not the derivative; tests/test_feedback_alignment.py
        tol=SUMMING,
        bad_inputs=bad,
        fuzz=fuzz,
    ),
]
