"""Feedback alignment (Lillicrap et al. 2016): a linear op whose backward sends the error to the
input through a fixed matrix B instead of the weight's transpose.

Forward and backward go through the device's gemm kernel (`_helpers.affine_rows` and `mm`, which call
`backend.kernels(x).gemm`), exactly as ops.nn.Linear does; there is no device branch. Only
float32/float64 are taken: feedback alignment is a training rule, and integer weights never train.
"""

from __future__ import annotations

import math

from .. import backend
from ._helpers import KERNEL_DTYPES, affine_rows, check_linear_shapes, mm
from .function import Function

OP = "linear_feedback_alignment"


def _check(x, w, fb, b) -> None:
    """TypeError/ValueError naming the op and the shapes/dtypes/devices when the four arrays do
    not form x (..., in), W (out, in), B (out, in), bias (out,) of one floating dtype and device."""
    if w.dtype not in KERNEL_DTYPES:
        raise TypeError(f"{OP}: expected a float32 or float64 weight, got {w.dtype}")
    for name, a in (("input", x), ("feedback_weight", fb), ("bias", b)):
        if a is not None and a.dtype != w.dtype:
            raise TypeError(f"{OP}: {name} dtype {a.dtype} differs from the weight's dtype {w.dtype}")
        if a is not None and backend.device_of(a) != backend.device_of(w):
            raise ValueError(
                f"{OP}: {name} is on {backend.device_of(a)}, the weight on {backend.device_of(w)}"
            )
    check_linear_shapes(OP, x, w, b)
    if fb.shape != w.shape:
        raise ValueError(
            f"{OP}: feedback_weight of shape {fb.shape} must have the weight's shape {w.shape} "
            f"(out_features, in_features)"
        )


class LinearFeedbackAlignment(Function):
    """y = x @ W^T + bias with W and B (out, in), bias (out,), x (..., in) -> y (..., out).

    backward(g): dW = g^T x and dbias = sum g, as ops.nn.Linear; dx = g @ B (not g @ W); B gets
    no gradient (it is fixed)."""

    op = OP

    def forward(self, x, w, fb, b=None):
        _check(x, w, fb, b)
        self.x_shape, self.fb = x.shape, fb
        self.x2 = x.reshape(math.prod(x.shape[:-1]), x.shape[-1])  # explicit: -1 is ambiguous at size 0
        return affine_rows(self.x2, w, b).reshape(x.shape[:-1] + (w.shape[0],))

    def backward(self, g):
        g2 = g.reshape(math.prod(g.shape[:-1]), g.shape[-1])
        need = self.needs_input_grad
        gx = mm(g2, self.fb).reshape(self.x_shape) if need[0] else None
        gw = mm(g2.T, self.x2) if need[1] else None
        gb = g2.sum(axis=0) if len(need) > 3 and need[3] else None
        return gx, gw, None, gb
