"""Tensor's reductions, a base class of dlcore.tensor.Tensor: sum, mean, max/min, amax/amin,
argmax/argmin, and the named tuples (values, indices) that max/min over a dim return, as
torch.return_types.max / .min.

Every method takes torch's arguments and the numpy spellings axis= / keepdims= that torch accepts
as aliases (ops.dim_args). The class mixing this in provides `_apply` (dlcore.tensor.apply),
`_promote` (dlcore.tensor.promote) and a constructor from an array.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import ops

max_values_indices = namedtuple("max", ["values", "indices"])  # torch.return_types.max
min_values_indices = namedtuple("min", ["values", "indices"])  # torch.return_types.min
_RETURN = {"max": max_values_indices, "min": min_values_indices}


class Reductions:
    __slots__ = ()

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = ops.dim_args("sum", dim, keepdim, axis, keepdims)
        return self._apply(ops.Sum, self, axis=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = ops.dim_args("mean", dim, keepdim, axis, keepdims)
        return self._apply(ops.Mean, self, axis=dim, keepdim=keepdim)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The maximum over `dim` (an int or a tuple; None or (): all dims); ties share the gradient."""
        dim, keepdim = ops.dim_args("amax", dim, keepdim, axis, keepdims)
        return self._apply(ops.Max, self, axis=dim, keepdim=keepdim, op="amax")

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The minimum over `dim` (an int or a tuple; None or (): all dims); ties share the gradient."""
        dim, keepdim = ops.dim_args("amin", dim, keepdim, axis, keepdims)
        return self._apply(ops.Min, self, axis=dim, keepdim=keepdim, op="amin")

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """As torch.max: no dim, the maximum of all elements (0-d; ties share the gradient); an int
        dim, the named tuple (values, indices) over it (the gradient goes to the index); a
        tensor, the elementwise maximum."""
        return self._extreme("max", dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """As torch.min: see max."""
        return self._extreme("min", dim, keepdim, axis, keepdims)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Indices (int64) of the maximum over `dim`, or into the flattened tensor; no gradient."""
        dim, keepdim = ops.dim_args("argmax", dim, keepdim, axis, keepdims)
        return type(self)(ops.argmax(self.data, dim, keepdim))

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Indices (int64) of the minimum over `dim`, or into the flattened tensor; no gradient."""
        dim, keepdim = ops.dim_args("argmin", dim, keepdim, axis, keepdims)
        return type(self)(ops.argmin(self.data, dim, keepdim))

    def _extreme(self, name: str, dim, keepdim, axis, keepdims):
        if isinstance(dim, (Reductions, np.ndarray)):  # max(a, b): the elementwise form
            a, b = self._promote(self, dim, op=f"{name}imum")
            return self._apply(ops.Maximum if name == "max" else ops.Minimum, a, b)
        dim, keepdim = ops.dim_args(name, dim, keepdim, axis, keepdims)
        if dim is None:
            if keepdim:
                raise TypeError(f"{name}: keepdim=True needs a dim (use amax/amin to keep every dim)")
            return self._apply(ops.Max if name == "max" else ops.Min, self)
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            raise TypeError(
                f"{name}: dim must be an int, got {type(dim).__name__} {dim!r} "
                f"(torch.{name} reduces one dim; use a{name} for several)"
            )
        indices = ops.argmax(self.data, dim, keepdim=True, op=f"arg{name}", caller=name)
        values = self._apply(ops.TakeAlong, self, indices=indices, axis=dim, keepdim=keepdim)
        if not keepdim and self.ndim:
            indices = indices.squeeze(ops.check_axis(name, dim, self.ndim))
        elif not self.ndim:
            indices = indices.reshape(())
        return _RETURN[name](values, type(self)(indices))
