"""Reductions over axes: sum, mean, amax/amin (Max/Min: ties share the gradient), argmax/argmin,
and TakeAlong, which picks the values at given indices (torch.max(x, dim)'s values).

`dim` follows torch: None or an empty list reduces every axis; a 0-d tensor takes dim 0 or -1 and
reduces to itself; a repeated dim is an error (see _helpers.reduce_axes). `dim_args` takes numpy's
spellings `axis=` / `keepdims=`, which torch accepts as aliases.
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


def dim_args(op: str, dim, keepdim, axis=None, keepdims=None) -> tuple:
    """(dim, keepdim) from torch's names or their numpy aliases axis / keepdims (not both)."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: got both dim={dim!r} and its alias axis={axis!r}")
        dim = axis
    if keepdims is not None:
        if keepdim and not keepdims:
            raise TypeError(f"{op}: got both keepdim={keepdim!r} and its alias keepdims={keepdims!r}")
        keepdim = keepdims
    return dim, bool(keepdim)


class Max(Function):
    """max over axes (torch.amax; torch.max without dim); ties share the gradient evenly. NaN
    propagates. Min (amin) is the same with min."""

    name = "max"

    def forward(self, x, axis=None, keepdim=False, op=None):
        op = op or self.name  # the name errors give: max, amax, ...
        self.axis, self.keepdim = reduce_axes(axis, x.ndim, op), keepdim
        error = _empty_error(op, x.shape, self.axis)
        if error:
            raise error
        m = getattr(x, self.name)(axis=self.axis, keepdims=True)
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
        return (g * self.mask / self.count.astype(g.dtype),)  # int64 count would promote to float64


class Min(Max):
    name = "min"


def argmax(x, dim=None, keepdim=False, op="argmax", caller=None):
    """Indices (int64) of the maximum over `dim` (an int), or into the flattened x when dim is
    None; the first of tied maxima, as torch.argmax; a NaN counts as the maximum. op="argmin":
    of the minimum. Errors name `caller` (default: op). Not differentiable."""
    if caller is None and x.dtype == np.bool_:  # torch: argmax/argmin refuse bool (max(x, dim) takes it)
        raise TypeError(f"{op}: does not support bool input (as torch); convert it with .long()")
    caller = caller or op
    axis = None if dim is None else check_axis(caller, dim, x.ndim)
    error = _empty_error(caller, x.shape, None if axis is None else (axis,))
    if error:
        raise error
    if x.ndim == 0:
        axis = None  # dim 0 / -1 of a 0-d tensor: the index 0
    r = xp_of(x).asarray(getattr(x, op)(axis=axis), dtype=np.int64)
    if keepdim:  # no dim: every dim kept as 1 (torch)
        return r.reshape((1,) * x.ndim) if axis is None else xp_of(r).expand_dims(r, axis)
    return r


def argmin(x, dim=None, keepdim=False):
    return argmax(x, dim, keepdim, op="argmin")


class TakeAlong(Function):
    """x's values at `indices` (int64, keepdim layout: x's shape with `axis` of size 1) along
    axis, as torch.max(x, dim).values; the gradient goes to those positions only (torch)."""

    def forward(self, x, indices=None, axis=0, keepdim=False):
        self.shape, self.dtype, self.keepdim = x.shape, x.dtype, keepdim
        self.axis = check_axis("take_along", axis, x.ndim) if x.ndim else None
        self.indices = indices
        if self.axis is None:  # 0-d: the value itself
            return x.copy()
        out = xp_of(x).take_along_axis(x, indices, axis=self.axis)
        return out if keepdim else out.squeeze(self.axis)

    def backward(self, g):
        if self.axis is None:
            return (g,)
        xp = xp_of(g)
        gx = xp.zeros(self.shape, dtype=self.dtype)
        g = g if self.keepdim else xp.expand_dims(g, self.axis)
        xp.put_along_axis(gx, self.indices, g, axis=self.axis)
        return (gx,)
