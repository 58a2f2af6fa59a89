"""Tensor methods of the PyTorch porting API beyond the core set, a base class of
dlcore.tensor.Tensor: comparisons as methods (eq, ne, lt, le, gt, ge), logical/bitwise operators
(~ & | ^), all/any, flip, var/std, sin/cos, square/log1p/expm1, isnan/isinf/isfinite,
masked_fill, cumsum, gather, sort/argsort/topk, repeat, // and %.

Semantics and errors follow torch 2.13. The class mixing this in provides `_apply`
(dlcore.tensor.apply), `_promote` (dlcore.tensor.promote) and a constructor from an array.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import backend, ops

sort_values_indices = namedtuple("sort", ["values", "indices"])  # torch.return_types.sort
topk_values_indices = namedtuple("topk", ["values", "indices"])  # torch.return_types.topk


def _xp(t):
    return backend.array_module(t.data)


def _dims(op: str, dims, ndim: int) -> tuple:
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    axes = tuple(ops.check_axis(op, d, max(ndim, 1)) for d in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: dim {axes} appears multiple times in the list of dims")
    return axes


def _broadcast(*shapes):
    """The broadcast shape, or None when the shapes do not broadcast."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


class MathExtras:
    __slots__ = ()

    # ---- comparisons as methods (bool results, no gradient) --------------------------------
    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    # ---- logical / bitwise (bool and integer tensors) --------------------------------------
    def _bitwise(self, other, name: str, symbol: str, reflected: bool = False):
        a, b = self._promote(other, self, op=name) if reflected else self._promote(self, other, op=name)
        for t in (a, b):
            if t.dtype.kind not in "biu":
                raise TypeError(
                    f"{name}: only integer and bool tensors are supported (the {symbol} operator), "
                    f"got {t.dtype}"
                )
        try:
            return type(self)(getattr(_xp(a), name)(a.data, b.data))
        except ValueError:
            raise ValueError(f"{name}: shapes {a.shape} and {b.shape} do not broadcast") from None

    def __invert__(self):
        if self.dtype.kind not in "biu":
            raise TypeError(
                f"bitwise_not: only integer and bool tensors are supported (the ~ operator), got {self.dtype}"
            )
        return type(self)(_xp(self).invert(self.data))

    def logical_not(self):
        return type(self)(_xp(self).logical_not(self.data))

    def __and__(self, other):
        return self._bitwise(other, "bitwise_and", "&")

    def __rand__(self, other):
        return self._bitwise(other, "bitwise_and", "&", reflected=True)

    def __or__(self, other):
        return self._bitwise(other, "bitwise_or", "|")

    def __ror__(self, other):
        return self._bitwise(other, "bitwise_or", "|", reflected=True)

    def __xor__(self, other):
        return self._bitwise(other, "bitwise_xor", "^")

    def __rxor__(self, other):
        return self._bitwise(other, "bitwise_xor", "^", reflected=True)

    def all(self, dim=None, keepdim=False):
        """True where every element over `dim` (None: all) is nonzero; a bool tensor."""
        axis = None if dim is None else ops.norm_dims(dim, self.ndim, "all")
        return self._truth(_xp(self).all(self.data, axis=axis, keepdims=keepdim))

    def any(self, dim=None, keepdim=False):
        """True where some element over `dim` (None: all) is nonzero; a bool tensor."""
        axis = None if dim is None else ops.norm_dims(dim, self.ndim, "any")
        return self._truth(_xp(self).any(self.data, axis=axis, keepdims=keepdim))

    def _truth(self, out):
        """all/any's result: bool, but uint8 for a uint8 tensor (torch's legacy rule)."""
        return type(self)(out.astype(np.uint8) if self.dtype == np.uint8 else out)

    # ---- shape -------------------------------------------------------------------------------
    def flip(self, *dims):
        """A copy with the order of elements reversed along `dims` (an int, a tuple or a list)."""
        if not dims:
            raise TypeError("flip: missing the dims to flip")
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        axes = _dims("flip", dims, self.ndim)
        if not self.ndim or not axes:
            return self.clone()
        idx = tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(self.ndim))
        return self._apply(ops.Clone, self[idx])

    def repeat(self, *sizes):
        """The tensor tiled sizes[i] times along dim i (leading sizes add dims), as torch.repeat."""
        if not sizes:
            raise TypeError("repeat: missing the sizes to repeat by")
        sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        if len(sizes) < self.ndim:
            raise ValueError(
                f"repeat: number of repeat dims ({len(sizes)}) can not be smaller than the number "
                f"of dims of the tensor ({self.ndim})"
            )
        if any(not isinstance(s, (int, np.integer)) or s < 0 for s in sizes):
            raise ValueError(f"repeat: repeats must be non-negative integers, got {sizes}")
        shape = (1,) * (len(sizes) - self.ndim) + self.shape
        x = self.reshape([d for n in shape for d in (1, n)])
        x = x.expand([d for r, n in zip(sizes, shape) for d in (r, n)])
        return x.reshape([r * n for r, n in zip(sizes, shape)])

    # ---- statistics --------------------------------------------------------------------------
    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """sum((x - mean)^2) / (N - correction) over `dim` (None: all); correction 1 by default
        (unbiased=False: 0). N - correction <= 0 divides by 0 (inf or nan), as torch."""
        return self._variance("var", dim, unbiased, keepdim, correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """The square root of var (same arguments)."""
        return self._variance("std", dim, unbiased, keepdim, correction).sqrt()

    def _variance(self, op, dim, unbiased, keepdim, correction):
        if self.dtype.kind not in "fc":
            raise TypeError(f"{op}: std and var only support floating point dtypes, got {self.dtype}")
        if isinstance(dim, bool):  # the legacy var(unbiased) form
            dim, unbiased = None, dim
        if unbiased is not None and correction is not None:
            raise TypeError(f"{op}: pass correction or unbiased, not both")
        if isinstance(dim, (tuple, list)) and not dim:  # dim=(): every dim, as torch
            dim = None
        corr = (1 if unbiased is None or unbiased else 0) if correction is None else correction
        axes = None if dim is None else ops.norm_dims(dim, self.ndim, op)
        return self._apply(ops.Var, self, axis=axes, correction=corr, keepdim=bool(keepdim))

    def cumsum(self, dim):
        if not self.ndim:  # a 0-d tensor takes dim -1 or 0, as torch
            ops.check_axis("cumsum", dim, 1)
        x = self if self.dtype.kind in "fc" else self.to(dtype=np.int64)  # torch: ints sum in int64
        return self._apply(ops.Cumsum, x, axis=dim)

    # ---- elementwise math --------------------------------------------------------------------
    def sin(self):
        return self._apply(ops.Sin, *self._promote(self, op="sin", floating=True))

    def cos(self):
        return self._apply(ops.Cos, *self._promote(self, op="cos", floating=True))

    def log1p(self):
        return self._apply(ops.Log1p, *self._promote(self, op="log1p", floating=True))

    def expm1(self):
        return self._apply(ops.Expm1, *self._promote(self, op="expm1", floating=True))

    def square(self):
        x = self.to(dtype=np.int64) if self.dtype == np.bool_ else self  # torch: bool squares to int64
        return x * x

    def clip(self, min=None, max=None):
        return self.clamp(min, max)

    def isnan(self):
        return type(self)(_xp(self).isnan(self.data))

    def isinf(self):
        return type(self)(_xp(self).isinf(self.data))

    def isfinite(self):
        return type(self)(_xp(self).isfinite(self.data))

    def masked_fill(self, mask, value):
        """value where the bool `mask` is True, else self; mask and self broadcast together (the
        result takes the broadcast shape, as torch's out-of-place masked_fill)."""
        m = mask.data if isinstance(mask, MathExtras) else np.asarray(mask)
        if m.dtype != np.bool_:
            raise TypeError(f"masked_fill: mask must be a bool tensor, got {m.dtype}")
        if _broadcast(m.shape, self.shape) is None:
            raise ValueError(f"masked_fill: mask of shape {m.shape} does not broadcast to {self.shape}")
        if isinstance(value, MathExtras):
            if value.ndim:
                raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got {value.shape}")
            value = value.item()
        try:
            fill = type(self)(_xp(self).asarray(value, dtype=self.dtype))
        except (OverflowError, ValueError):  # inf/nan into an integer dtype, -1 into uint8
            raise ValueError(f"masked_fill: value {value!r} is out of range for {self.dtype}") from None
        return self._apply(ops.Where, fill, self, type(self)(m))

    def gather(self, dim, index):
        index = index.data if isinstance(index, MathExtras) else np.asarray(index)
        return self._apply(ops.Gather, self, index=index, axis=dim)

    # ---- sorting -----------------------------------------------------------------------------
    def argsort(self, dim=-1, descending=False, stable=False):
        """Indices (int64) that sort along dim (ties keep their order: a stable sort)."""
        axis = ops.check_axis("argsort", dim, max(self.ndim, 1))  # a 0-d tensor takes -1 or 0
        if not self.ndim:
            return type(self)(_xp(self).zeros((), dtype=np.int64))
        xp = _xp(self)
        keys = self.data
        if descending:  # a stable descending order: reverse, sort ascending, map back
            flipped = xp.flip(keys, axis=axis)
            idx = xp.argsort(flipped, axis=axis, kind="stable")
            idx = keys.shape[axis] - 1 - xp.flip(idx, axis=axis)
            order = xp.take_along_axis(keys, idx, axis=axis)
            # NaN sorts first in descending order (torch: NaN is the largest)
            nan_first = (
                xp.argsort(~xp.isnan(order), axis=axis, kind="stable") if keys.dtype.kind == "f" else None
            )
            if nan_first is not None:
                idx = xp.take_along_axis(idx, nan_first, axis=axis)
            return type(self)(idx.astype(np.int64))
        return type(self)(xp.argsort(keys, axis=axis, kind="stable").astype(np.int64))

    def sort(self, dim=-1, descending=False, stable=False):
        """The named tuple (values, indices) of the sort along dim; the gradient follows the values."""
        indices = self.argsort(dim, descending)
        if not self.ndim:
            return sort_values_indices(self.clone(), indices)
        values = self._apply(ops.TakeAlong, self, indices=indices.data, axis=dim, keepdim=True)
        return sort_values_indices(values, indices)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """The named tuple (values, indices) of the k largest (smallest) along dim, in order."""
        size = self.shape[ops.check_axis("topk", dim, self.ndim)] if self.ndim else 1
        ops.check_axis("topk", dim, max(self.ndim, 1))
        if self.dtype == np.bool_:
            raise TypeError("topk: bool tensors are not supported (as torch); convert with .long()")
        if not isinstance(k, (int, np.integer)) or not 0 <= k <= size:
            raise ValueError(f"topk: k ({k}) out of range [0, {size}] for dim {dim} of shape {self.shape}")
        if not self.ndim:
            return topk_values_indices(self.clone(), type(self)(_xp(self).zeros((), dtype=np.int64)))
        axis = ops.check_axis("topk", dim, self.ndim)
        order = self.argsort(axis, descending=largest).data
        indices = _xp(self).take(order, range(k), axis=axis)
        values = self._apply(ops.TakeAlong, self, indices=indices, axis=axis, keepdim=True)
        return topk_values_indices(values, type(self)(indices))

    # ---- integer-style arithmetic (no gradient) ----------------------------------------------
    def _floor_op(self, other, name: str, reflected: bool):
        a, b = self._promote(other, self, op=name) if reflected else self._promote(self, other, op=name)
        xp = _xp(a)
        if a.dtype == np.bool_ or b.dtype == np.bool_:
            raise TypeError(f"{name}: bool tensors are not supported (as torch); convert with .long()")
        if a.dtype.kind in "iub" and b.dtype.kind in "iub" and a.data.size and (b.data == 0).any():
            raise ZeroDivisionError(f"{name}: integer division by zero")
        try:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                if a.dtype.kind == "f":  # torch's formulas: CuPy's floor(a / b) differs at inf
                    out = (_floor_divide if name == "floor_divide" else _remainder)(xp, a.data, b.data)
                    return type(self)(xp.asarray(out, dtype=a.dtype))
                return type(self)(getattr(xp, name)(a.data, b.data))
        except ValueError:
            raise ValueError(f"{name}: shapes {a.shape} and {b.shape} do not broadcast") from None

    def __floordiv__(self, other):
        return self._floor_op(other, "floor_divide", False)

    def __rfloordiv__(self, other):
        return self._floor_op(other, "floor_divide", True)

    def __mod__(self, other):
        return self._floor_op(other, "remainder", False)

    def __rmod__(self, other):
        return self._floor_op(other, "remainder", True)


def _floor_divide(xp, a, b):
    """Floating a // b as torch (div_floor_floating), with the array module's fmod: nan where a
    is infinite or b is 0 and a is 0 or nan (a / b where b == 0), the quotient rounded from
    (a - fmod(a, b)) / b, and a signed zero for a zero quotient."""
    mod = xp.fmod(a, b)
    div = (a - mod) / b
    div = xp.where((mod != 0) & ((b < 0) != (mod < 0)), div - 1, div)
    floor = xp.floor(div)
    floor = xp.where(div - floor > 0.5, floor + 1, floor)
    q = a / b
    out = xp.where(div != 0, floor, xp.copysign(xp.zeros_like(q), q))
    return xp.where(b == 0, q, out)


def _remainder(xp, a, b):
    """Floating a % b as torch: fmod(a, b), moved by b when nonzero and of the other sign than b."""
    mod = xp.fmod(a, b)
    return xp.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)
