"""Neural-network ops: linear, log-softmax / softmax, fused cross-entropy, huber, dropout.

float32/float64 arrays go through the device's kernels (`backend.kernels(x)`: gemm,
log_softmax_forward/backward, cross_entropy_forward/backward); other dtypes through the array
module. Which one is chosen depends on the dtype only, never on the device.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..random import generator
from ._helpers import affine_rows, check_axis, check_linear_shapes, has_kernel_dtype, mm, xp_of
from .function import Function


class Linear(Function):
    """y = x @ W^T + b with W (out, in) as in torch.nn.Linear; x (..., in) -> y (..., out)."""

    def forward(self, x, w, b=None):
        if x.dtype != w.dtype or (b is not None and b.dtype != w.dtype):
            raise TypeError(
                f"linear: input, weight and bias must have the same dtype, "
                f"got {x.dtype}, {w.dtype}"
                f"{'' if b is None else ', ' + str(b.dtype)}"
            )
        check_linear_shapes("linear", x, w, b)
        self.x_shape = x.shape
        self.x2 = x.reshape(math.prod(x.shape[:-1]), x.shape[-1])  # explicit: -1 is ambiguous at size 0
        self.w = w
        if has_kernel_dtype(x, w):
            out = affine_rows(self.x2, w, b)
        else:
            out = self.x2 @ w.T
            if b is not None:
                out = out + b
        return out.reshape(x.shape[:-1] + (w.shape[0],))

    def backward(self, g):
        g2 = g.reshape(math.prod(g.shape[:-1]), g.shape[-1])
        gx = mm(g2, self.w).reshape(self.x_shape) if self.needs_input_grad[0] else None
        gw = mm(g2.T, self.x2) if self.needs_input_grad[1] else None
        gb = g2.sum(axis=0) if len(self.needs_input_grad) > 2 and self.needs_input_grad[2] else None
        return gx, gw, gb


class Huber(Function):
    """The elementwise Huber loss of input - target (equal shapes): 0.5 d^2 where |d| < delta, else
    delta (|d| - delta / 2). The gradient is d clipped to [-delta, delta], so a NaN difference
    gives a NaN gradient (as torch), where the composite of abs and clamp gave 0."""

    def forward(self, input, target, delta=1.0):
        xp = xp_of(input)
        self.d, self.delta = input - target, input.dtype.type(delta)
        a = xp.abs(self.d)
        return xp.where(a < self.delta, 0.5 * self.d * self.d, self.delta * (a - 0.5 * self.delta))

    def backward(self, g):
        xp = xp_of(g)
        gd = g * xp.where(
            self.d < -self.delta, -self.delta, xp.where(self.d > self.delta, self.delta, self.d)
        )
        return gd, -gd


class Dropout(Function):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p)."""

    def forward(self, x, p=0.5):
        keep = generator().random(x.shape) >= p
        self.scale = (keep / (1.0 - p)).astype(x.dtype)
        self.scale = backend.to_device(self.scale, backend.device_of(x))
        return x * self.scale

    def backward(self, g):
        return (g * self.scale,)


# ---- softmax family --------------------------------------------------------------------------


def _rows(x, axis):
    """x with `axis` moved last and flattened to C-contiguous (rows, classes)."""
    moved = xp_of(x).moveaxis(x, axis, -1)
    rows = int(np.prod(moved.shape[:-1]))  # explicit: reshape(-1, 0) is ambiguous
    return xp_of(x).ascontiguousarray(moved.reshape(rows, x.shape[axis])), moved.shape


def _check_floating(op: str, x) -> None:
    """As torch: softmax-like ops take floating input only (TypeError naming the dtype)."""
    if x.dtype.kind not in "fc":
        raise TypeError(f"{op}: expected a floating point tensor, got {x.dtype}")


class LogSoftmax(Function):
    """log_softmax over one axis. A 0-d input is one row of one class (its result is 0); an empty
    input gives an empty result."""

    def forward(self, x, axis=-1):
        _check_floating("log_softmax", x)
        self.axis, self.shape = check_axis("log_softmax", axis, x.ndim), x.shape
        x = x.reshape(1) if x.ndim == 0 else x
        x2, moved_shape = _rows(x, self.axis)
        if has_kernel_dtype(x2):
            y2 = xp_of(x2).empty_like(x2)
            backend.kernels(x2).log_softmax_forward(y2, x2)
        else:
            xp = xp_of(x2)
            m = x2.max(axis=1, keepdims=True)
            y2 = x2 - m - xp.log(xp.exp(x2 - m).sum(axis=1, keepdims=True))
        self.y2, self.moved_shape = y2, moved_shape
        return xp_of(x).moveaxis(y2.reshape(moved_shape), -1, self.axis).reshape(self.shape)

    def backward(self, g):
        xp = xp_of(g)
        g = g.reshape(1) if g.ndim == 0 else g
        g2 = xp.ascontiguousarray(xp.moveaxis(g, self.axis, -1).reshape(self.y2.shape))
        if has_kernel_dtype(g2, self.y2):
            dx2 = xp.empty_like(g2)
            backend.kernels(g2).log_softmax_backward(dx2, g2, self.y2)
        else:
            dx2 = g2 - xp.exp(self.y2) * g2.sum(axis=1, keepdims=True)
        return (xp.moveaxis(dx2.reshape(self.moved_shape), -1, self.axis).reshape(self.shape),)


class Softmax(Function):
    """softmax over one axis. A 0-d input is one class (its result is 1); an empty input gives an
    empty result."""

    def forward(self, x, axis=-1):
        _check_floating("softmax", x)
        xp, self.axis = xp_of(x), check_axis("softmax", axis, x.ndim)
        if x.size == 0:
            self.y = xp.empty_like(x)
            return self.y
        m = x.max(axis=self.axis if x.ndim else None, keepdims=True)
        e = xp.exp(x - m)
        self.y = e / e.sum(axis=self.axis if x.ndim else None, keepdims=True)
        return self.y

    def backward(self, g):
        axis = self.axis if g.ndim else None
        return (self.y * (g - (g * self.y).sum(axis=axis, keepdims=True)),)


def _check_targets(targets, c: int) -> None:
    """ValueError naming the first target outside [0, c)."""
    if targets.size and (int(targets.min()) < 0 or int(targets.max()) >= c):
        bad = int(targets[(targets < 0) | (targets >= c)][0])
        raise ValueError(
            f"cross_entropy: target {bad} is out of range for {c} classes (targets must be in [0, {c}))"
        )


class CrossEntropy(Function):
    """Fused log-softmax + negative log-likelihood; logits (N, C), int64 targets (N,)."""

    def forward(self, logits, targets, reduction="mean"):
        if logits.ndim != 2 or targets.ndim != 1 or targets.shape[0] != logits.shape[0]:
            raise ValueError(
                f"cross_entropy: expected logits (N, C) and targets (N,), "
                f"got {logits.shape} and {targets.shape}"
            )
        if targets.dtype.kind not in "iu":
            raise TypeError(f"cross_entropy: targets must be integer class indices, got {targets.dtype}")
        if logits.dtype.kind != "f":
            raise TypeError(f"cross_entropy: logits must be floating point, got {logits.dtype}")
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.n, self.reduction = logits.shape[0], reduction
        xp, c = xp_of(logits), logits.shape[1]
        if has_kernel_dtype(logits):  # the kernel checks the targets; its error is reworded here
            self.targets = xp.ascontiguousarray(targets, dtype=xp.int64)
            logits = xp.ascontiguousarray(logits)
            self.log_probs = xp.empty_like(logits)
            losses = xp.empty(self.n, dtype=logits.dtype)
            try:
                backend.kernels(logits).cross_entropy_forward(losses, self.log_probs, logits, self.targets)
            except ValueError:
                _check_targets(targets, c)
                raise
        else:
            _check_targets(targets, c)
            self.targets = targets.astype(xp.int64)
            m = logits.max(axis=1, keepdims=True)
            self.log_probs = logits - m - xp.log(xp.exp(logits - m).sum(axis=1, keepdims=True))
            losses = -self.log_probs[xp.arange(self.n), self.targets]
        if reduction == "none":
            return losses
        total = losses.sum()
        if reduction == "sum":
            return total
        return total / self.n if self.n else xp.full((), np.nan, dtype=total.dtype)  # empty: nan, as torch

    def backward(self, g):
        xp = xp_of(g)
        dtype = self.log_probs.dtype
        if self.reduction == "none":
            dloss = xp.ascontiguousarray(g, dtype=dtype)
        else:
            scale = g / max(self.n, 1) if self.reduction == "mean" else g
            dloss = xp.full(self.n, scale, dtype=dtype)
        if has_kernel_dtype(self.log_probs):
            d = xp.empty_like(self.log_probs)
            backend.kernels(d).cross_entropy_backward(d, self.log_probs, self.targets, dloss)
        else:
            d = xp.exp(self.log_probs) * dloss[:, None]
            d[xp.arange(self.n), self.targets] -= dloss
        return d, None
