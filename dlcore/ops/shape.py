"""Shape and data-movement ops: reshape/view, permute, expand, indexing, cat, stack, device/dtype
conversion and clone. Index expressions arrive here already unwrapped to arrays.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ._helpers import check_axis, unbroadcast, xp_of
from .function import Function


class Reshape(Function):
    """reshape (copies when it must) or, with view=True, torch's view: same storage or an error."""

    def forward(self, x, shape=(), view=False):
        self.shape = x.shape
        op = "view" if view else "reshape"
        try:
            out = x.reshape(shape)
        except (ValueError, TypeError):
            raise ValueError(
                f"{op}: cannot reshape a tensor of shape {x.shape} into {tuple(shape)}"
            ) from None
        if view and out.size and not xp_of(x).may_share_memory(out, x):
            raise ValueError(
                f"view: a tensor of shape {x.shape} with strides {x.strides} cannot be "
                f"viewed as {tuple(shape)} without a copy; use reshape()"
            )
        return out

    def backward(self, g):
        return (g.reshape(self.shape),)


class Permute(Function):
    def forward(self, x, dims=()):
        ok = len(dims) == x.ndim and all(
            isinstance(d, (int, np.integer)) and -x.ndim <= d < x.ndim for d in dims
        )
        if not ok or sorted(int(d) % x.ndim for d in dims) != list(range(x.ndim)):
            raise ValueError(
                f"permute: dims {tuple(dims)} are not a permutation of the {x.ndim} axes "
                f"of a tensor of shape {x.shape}"
            )
        dims = tuple(int(d) % x.ndim for d in dims)
        self.inverse = tuple(int(i) for i in np.argsort(dims))
        return x.transpose(dims)

    def backward(self, g):
        return (g.transpose(self.inverse),)


def expand_shape(shape: tuple, sizes: tuple) -> tuple:
    """The shape torch.Tensor.expand(*sizes) gives a tensor of `shape`: sizes has at least as many
    entries as shape has dims; -1 keeps an existing dim; new dims lead and take no -1; an existing
    dim changes only from size 1. Else a ValueError naming both shapes."""
    sizes = tuple(sizes)
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in sizes):
        raise TypeError(f"expand: sizes must be ints, got {sizes!r}")
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise ValueError(
            f"expand: the number of sizes provided ({len(sizes)}) must be at least the number of "
            f"dimensions of the tensor of shape {shape}"
        )
    out = []
    for i, s in enumerate(sizes):
        old = shape[i - lead] if i >= lead else None
        if s == -1 and old is not None:
            s = old
        if s < 0 or (old is not None and old != 1 and s != old):
            where = "a new leading dim" if old is None else f"dim {i} of size {old}"
            raise ValueError(
                f"expand: cannot expand a tensor of shape {shape} to {sizes}: size {s} at {where}"
            )
        out.append(int(s))
    return tuple(out)


class Expand(Function):
    """A broadcast view of x at `shape` (torch.Tensor.expand, no copy: read-only on the CPU); the
    gradient sums over the expanded dims."""

    def forward(self, x, shape=()):
        self.shape = x.shape
        return xp_of(x).broadcast_to(x, expand_shape(x.shape, shape))

    def backward(self, g):
        return (unbroadcast(g, self.shape),)


def _is_advanced(idx) -> bool:
    parts = idx if isinstance(idx, tuple) else (idx,)
    return any((hasattr(p, "shape") and getattr(p, "ndim", 0) > 0) or isinstance(p, list) for p in parts)


def check_index(shape: tuple, idx) -> None:
    """IndexError, as numpy and torch, for what CuPy lets through: a float (or other non-integer)
    scalar index, a non-integer non-bool index array, an integer index array with an entry out of
    bounds (CuPy wraps it). Other errors (too many indices, an int out of bounds) are left to the
    array module, which raises the same everywhere."""
    parts = idx if isinstance(idx, tuple) else (idx,)
    arrays = [hasattr(p, "dtype") and hasattr(p, "shape") for p in parts]
    if not any(arrays) and not any(isinstance(p, (float, np.floating, list)) for p in parts):
        return  # ints, slices, None, Ellipsis: nothing CuPy treats differently
    used = sum(
        p.ndim if a and p.dtype.kind == "b" else 0 if p is None or p is Ellipsis else 1
        for p, a in zip(parts, arrays)
    )
    axis = 0
    for p, is_array in zip(parts, arrays):
        if p is None:
            continue
        if p is Ellipsis:
            axis += max(len(shape) - used, 0)
            continue
        if isinstance(p, (float, np.floating)):
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and integer or boolean arrays "
                f"are valid indices, got {type(p).__name__} {p!r}"
            )
        if isinstance(p, list):
            p, is_array = np.asarray(p), True
        if is_array:
            if p.dtype.kind == "b":
                axis += p.ndim
                continue
            if p.dtype.kind not in "iu":
                raise IndexError(
                    f"arrays used as indices must be of integer (or boolean) type, not {p.dtype}"
                )
            if p.size and axis < len(shape):
                n = shape[axis]
                lo, hi = int(p.min()), int(p.max())
                if lo < -n or hi >= n:
                    bad = hi if hi >= n else lo
                    raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {n}")
        axis += 1


class GetItem(Function):
    def forward(self, x, idx=None):
        self.shape, self.dtype, self.idx = x.shape, x.dtype, idx
        check_index(x.shape, idx)
        return x[idx]

    def backward(self, g):
        xp = xp_of(g)
        gx = xp.zeros(self.shape, dtype=self.dtype)
        if _is_advanced(self.idx):  # repeated indices accumulate
            xp.add.at(gx, self.idx, g)
        else:
            gx[self.idx] = g
        return (gx,)


class Cat(Function):
    def forward(self, *xs, axis=0):
        if any(x.ndim != xs[0].ndim for x in xs) or xs[0].ndim == 0:
            raise ValueError(
                f"cat: tensors must have the same number of dimensions (>= 1), "
                f"got shapes {[tuple(x.shape) for x in xs]}"
            )
        self.axis = axis = check_axis("cat", axis, xs[0].ndim)
        self.sizes = [x.shape[axis] for x in xs]
        try:
            return xp_of(xs[0]).concatenate(xs, axis=axis)
        except ValueError:
            raise ValueError(
                f"cat: shapes {[tuple(x.shape) for x in xs]} differ outside axis {axis}"
            ) from None

    def backward(self, g):
        bounds = np.cumsum(self.sizes)[:-1]
        return tuple(xp_of(g).split(g, bounds, axis=self.axis))


class Stack(Function):
    def forward(self, *xs, axis=0):
        self.axis, self.n = check_axis("stack", axis, xs[0].ndim + 1), len(xs)
        axis = self.axis
        try:
            return xp_of(xs[0]).stack(xs, axis=axis)
        except ValueError:
            raise ValueError(f"stack: all shapes must be equal, got {[tuple(x.shape) for x in xs]}") from None

    def backward(self, g):
        return tuple(xp_of(g).take(g, i, axis=self.axis) for i in range(self.n))


class Convert(Function):
    """Move to another device and/or dtype; the gradient moves back."""

    def forward(self, x, data=None):
        self.dtype, self.device = x.dtype, backend.device_of(x)
        return data

    def backward(self, g):
        return (backend.to_device(g, self.device).astype(self.dtype, copy=False),)


class Clone(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return (g,)
