"""Pooling ops over the last two axes of float32/float64 arrays (*lead, H, W): max pool (with
torch's flat indices h*W + w), average pool, adaptive average pool. The leading axes (N, C or
just C) are flattened into planes, each call is one kernel of the device's namespace
(`backend.kernels(x)`: max_pool2d_*, avg_pool2d_*, adaptive_avg_pool2d_*, docs/kernels.md).
Geometry arguments are pairs (h, w) already checked by the caller (dlcore.functional_pool);
the kernels check them again. 1-D pooling is H = 1.
"""

from __future__ import annotations

import math

from .. import backend
from ._helpers import has_kernel_dtype, xp_of
from .function import Function


def output_size(n: int, k: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    """torch's pooling_output_shape: floor (ceil with ceil_mode) of
    (n + 2 pad - dilation (k - 1) - 1) / stride, plus 1; with ceil_mode the last window must start
    inside the input or the left padding. May be < 1 (the caller refuses that)."""
    span = n + 2 * pad - dilation * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= n + pad:
        out -= 1
    return out


def _planes(x, op: str):
    """x (*lead, H, W) as a C-contiguous (1, planes, H, W) array of a kernel dtype."""
    if not has_kernel_dtype(x):
        raise TypeError(f"{op}: expected a float32 or float64 array, got {x.dtype}")
    return xp_of(x).ascontiguousarray(x).reshape(1, math.prod(x.shape[:-2]), *x.shape[-2:])


def _like_planes(g, planes_shape):
    return xp_of(g).ascontiguousarray(g).reshape(planes_shape)


class MaxPool2d(Function):
    """y[..., i, j] = max of x over window (i, j); the gradient goes to each window's argmax
    (torch's index: the first maximum, or the last NaN). `indices_sink`, a list, receives the
    int64 indices (y's shape) for return_indices."""

    op = "max_pool2d"

    def forward(self, x, kernel, stride, padding, dilation, ceil_mode=False, indices_sink=None):
        x4 = _planes(x, self.op)
        ho, wo = (
            output_size(x.shape[-2 + i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode)
            for i in range(2)
        )
        xp = xp_of(x4)
        y = xp.empty(x4.shape[:2] + (ho, wo), dtype=x4.dtype)
        self.indices = xp.empty(y.shape, dtype=xp.int64)
        backend.kernels(x4).max_pool2d_forward(
            y,
            self.indices,
            x4,
            tuple(kernel),
            tuple(stride),
            tuple(padding),
            tuple(dilation),
            bool(ceil_mode),
        )
        self.x_shape, self.x4_shape = x.shape, x4.shape
        out_shape = x.shape[:-2] + (ho, wo)
        if indices_sink is not None:
            indices_sink.append(self.indices.reshape(out_shape).copy())  # theirs to change
        return y.reshape(out_shape)

    def backward(self, g):
        g4 = _like_planes(g, self.indices.shape)
        dx = xp_of(g4).empty(self.x4_shape, dtype=g4.dtype)
        backend.kernels(g4).max_pool2d_backward(dx, g4, self.indices)
        return (dx.reshape(self.x_shape),)


class AvgPool2d(Function):
    """y[..., i, j] = sum of x over window (i, j) / divisor: divisor_override, else the window's
    size clipped to the padded input (count_include_pad) or its number of input elements."""

    op = "avg_pool2d"

    def forward(
        self, x, kernel, stride, padding, ceil_mode=False, count_include_pad=True, divisor_override=None
    ):
        x4 = _planes(x, self.op)
        ho, wo = (
            output_size(x.shape[-2 + i], kernel[i], stride[i], padding[i], 1, ceil_mode) for i in range(2)
        )
        self.args = (
            tuple(kernel),
            tuple(stride),
            tuple(padding),
            bool(ceil_mode),
            bool(count_include_pad),
            int(divisor_override or 0),
        )
        y = xp_of(x4).empty(x4.shape[:2] + (ho, wo), dtype=x4.dtype)
        backend.kernels(x4).avg_pool2d_forward(y, x4, *self.args)
        self.x_shape, self.x4_shape, self.y4_shape = x.shape, x4.shape, y.shape
        return y.reshape(x.shape[:-2] + (ho, wo))

    def backward(self, g):
        g4 = _like_planes(g, self.y4_shape)
        dx = xp_of(g4).empty(self.x4_shape, dtype=g4.dtype)
        backend.kernels(g4).avg_pool2d_backward(dx, g4, *self.args)
        return (dx.reshape(self.x_shape),)


class AdaptiveAvgPool2d(Function):
    """y[..., i, j] = mean of x over rows [floor(i H / Ho), ceil((i + 1) H / Ho)) and the columns
    alike (torch's adaptive windows); output_size (Ho, Wo)."""

    op = "adaptive_avg_pool2d"

    def forward(self, x, output_size):
        x4 = _planes(x, self.op)
        y = xp_of(x4).empty(x4.shape[:2] + tuple(output_size), dtype=x4.dtype)
        backend.kernels(x4).adaptive_avg_pool2d_forward(y, x4)
        self.x_shape, self.x4_shape, self.y4_shape = x.shape, x4.shape, y.shape
        return y.reshape(x.shape[:-2] + tuple(output_size))

    def backward(self, g):
        g4 = _like_planes(g, self.y4_shape)
        dx = xp_of(g4).empty(self.x4_shape, dtype=g4.dtype)
        backend.kernels(g4).adaptive_avg_pool2d_backward(dx, g4)
        return (dx.reshape(self.x_shape),)
