"""Convolution: one Function for conv2d over NCHW arrays, through the device's kernels
(`backend.kernels(x)`: conv2d_forward, conv2d_backward_input, conv2d_backward_weight).

Arguments arrive checked and normalised by dlcore.functional_conv: x (N, C, H, W), w (K, C/groups,
R, S), b (K,) or None, all of one float dtype; stride (sh, sw), padding (top, bottom, left, right),
dilation (dh, dw). conv1d is this op with x (N, C, L) and w (K, C/groups, k) viewed as (N, C, 1, L)
and (K, C/groups, 1, k); an unbatched x (no N axis) is viewed as N = 1. The gradients come back in
the inputs' own shapes.
"""

from __future__ import annotations

from .. import backend
from ._helpers import xp_of
from .function import Function


def conv_output_size(size: int, before: int, after: int, kernel: int, stride: int, dilation: int) -> int:
    """Output length along one axis: (size + before + after - dilation*(kernel-1) - 1) // stride + 1."""
    return (size + before + after - dilation * (kernel - 1) - 1) // stride + 1


class Conv2d(Function):
    """y (N, K, Ho, Wo) = cross-correlation of x with w (+ b), as torch.nn.functional.conv2d."""

    op = "conv2d"

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
        xp = xp_of(x)
        self.x_shape, self.w_shape = x.shape, w.shape
        if w.ndim == 3:  # conv1d
            x, w = x[..., None, :], w[:, :, None, :]
        unbatched = x.ndim == 3
        x, w = xp.ascontiguousarray(x[None] if unbatched else x), xp.ascontiguousarray(w)
        b = None if b is None else xp.ascontiguousarray(b)
        ho = conv_output_size(x.shape[2], padding[0], padding[1], w.shape[2], stride[0], dilation[0])
        wo = conv_output_size(x.shape[3], padding[2], padding[3], w.shape[3], stride[1], dilation[1])
        y = xp.empty((x.shape[0], w.shape[0], ho, wo), dtype=x.dtype)
        self.geometry = (tuple(stride), tuple(padding), tuple(dilation), int(groups))
        backend.kernels(x).conv2d_forward(y, x, w, b, *self.geometry)
        self.x, self.w, self.has_bias = x, w, b is not None
        if unbatched:
            y = y[0]
        return y[..., 0, :] if len(self.w_shape) == 3 else y

    def backward(self, g):
        xp = xp_of(g)
        if len(self.w_shape) == 3:
            g = g[..., None, :]
        g = xp.ascontiguousarray(g[None] if g.ndim == 3 else g)
        kernels = backend.kernels(g)
        need_x, need_w = self.needs_input_grad[0], self.needs_input_grad[1]
        need_b = self.has_bias and self.needs_input_grad[2]
        dx = dw = db = None
        if need_x:
            dx = xp.empty_like(self.x)
            kernels.conv2d_backward_input(dx, g, self.w, *self.geometry)
        if need_w or need_b:
            dw = xp.empty_like(self.w)
            db = xp.empty((self.w.shape[0],), dtype=self.w.dtype) if need_b else None
            kernels.conv2d_backward_weight(dw, db, g, self.x, *self.geometry)
        dx = None if dx is None else dx.reshape(self.x_shape)
        dw = dw.reshape(self.w_shape) if need_w else None
        return (dx, dw) + ((db,) if self.has_bias else ())
