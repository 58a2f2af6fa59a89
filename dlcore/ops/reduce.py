"""Reductions over axes: sum, mean and max (torch.amax: ties share the gradient), and argmax.

`dim` follows torch: None or an empty list reduces every axis; a 0-d tensor takes dim 0 or -1 and
reduces to itself; a repeated dim is an error (see _helpers.reduce_axes).
"""

from __future__ import annotations

import math

import numpy as np

from ._helpers import check_axis, reduce_axes, xp_of
from .function import Function


def _expand(g, axis, keepdim):
    """g (the reduced result) with the reduced axes restored as size 1, ready to broadcast."""
    return g if axis is None or keepdim else xp_of(g).expand_dims(g, axis)


def _empty_error(op: str, shape: tuple, axis) -> ValueError | None:
    """The error for reducing an empty tensor without an identity (max, argmax): reducing all of
    it, or over a dim of size 0. Reducing other dims of an empty tensor gives an empty result."""
    if math.prod(shape):
        return None
    if axis is None:
        return ValueError(
            f"{op}: cannot reduce an empty tensor of shape {shape} over all its dims "
            f"({op} has no identity); pass a dim of nonzero size"
        )
    empty = [a for a in axis if shape[a] == 0]
    if empty:
        return ValueError(
            f"{op}: cannot reduce an empty tensor of shape {shape} over dim {empty[0]}, "
            f"which has size 0 ({op} has no identity)"
        )
    return None


class Sum(Function):
    def forward(self, x, axis=None, keepdim=False):
        self.shape, self.axis, self.keepdim = x.shape, reduce_axes(axis, x.ndim, "sum"), keepdim
        ints = x.dtype.kind in "biu"  # torch sums bool and every integer dtype to int64 (numpy: uint64, ...)
        return x.sum(axis=self.axis, keepdims=keepdim, dtype=np.int64 if ints else None)

    def backward(self, g):
        return (xp_of(g).broadcast_to(_expand(g, self.axis, self.keepdim), self.shape),)


class Mean(Function):
    """Floating inputs only (as torch). The mean of no elements is nan, without a warning."""

    def forward(self, x, axis=None, keepdim=False):
        if x.dtype.kind not in "fc":
            raise TypeError(f"mean: input must be floating point, got {x.dtype}; convert it with .float()")
        self.shape, self.axis, self.keepdim = x.shape, reduce_axes(axis, x.ndim, "mean"), keepdim
        self.count = math.prod(x.shape[a] for a in (range(x.ndim) if self.axis is None else self.axis))
        total = x.sum(axis=self.axis, keepdims=keepdim)
        if self.count == 0:
            return xp_of(x).full(total.shape, np.nan, dtype=total.dtype)
        return total / total.dtype.type(self.count)

    def backward(self, g):
        g = _expand(g, self.axis, self.keepdim) / max(self.count, 1)  # count 0: the input is empty
        return (xp_of(g).broadcast_to(g, self.shape),)


class Max(Function):
    """max over axes; ties share the gradient evenly (as torch.amax)."""

    def forward(self, x, axis=None, keepdim=False):
        self.axis, self.keepdim = reduce_axes(axis, x.ndim, "max"), keepdim
        error = _empty_error("max", x.shape, self.axis)
        if error:
            raise error
        m = x.max(axis=self.axis, keepdims=True)
        self.mask = x == m
        self.count = self.mask.sum(axis=self.axis, keepdims=True)
        return (
            m
            if keepdim
            else m.reshape([s for i, s in enumerate(x.shape) if self.axis is not None and i not in self.axis])
        )

    def backward(self, g):
        if not self.keepdim:
            g = g.reshape(self.count.shape)
        return (g * self.mask / self.count,)


def argmax(x, dim=None, keepdim=False):
    """Indices (int64) of the maximum over `dim`, or into the flattened x when dim is None; the
    first of tied maxima, as torch.argmax. Not differentiable."""
    axis = None if dim is None else check_axis("argmax", dim, x.ndim)
    error = _empty_error("argmax", x.shape, None if axis is None else (axis,))
    if error:
        raise error
    if x.ndim == 0:
        axis = None  # dim 0 / -1 of a 0-d tensor: the index 0
    r = xp_of(x).asarray(x.argmax(axis=axis), dtype=np.int64)
    return xp_of(r).expand_dims(r, axis) if keepdim and axis is not None else r
