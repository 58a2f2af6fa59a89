"""GELU through the device's kernels (`backend.kernels(x)`: gelu_forward / gelu_backward):
x * Phi(x) with erf (approximate "none") or torch's tanh form ("tanh"). float32/float64 go to the
kernels as they are; another floating dtype (float16) is computed in float32 and cast back.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ._helpers import has_kernel_dtype, xp_of
from .function import Function


def _kernel_input(x):
    """x as a C-contiguous kernel dtype (float32 for any other floating dtype), x's shape
    (ascontiguousarray alone makes a 0-d array 1-d)."""
    xp = xp_of(x)
    return xp.ascontiguousarray(x if has_kernel_dtype(x) else x.astype(np.float32)).reshape(x.shape)


class GELU(Function):
    """gelu(x) elementwise; approximate: "none" or "tanh" (checked by the caller)."""

    def forward(self, x, approximate="none"):
        self.dtype, self.tanh = x.dtype, approximate == "tanh"
        self.x = _kernel_input(x)
        y = xp_of(x).empty_like(self.x)
        backend.kernels(self.x).gelu_forward(y, self.x, self.tanh)
        return y.astype(self.dtype, copy=False)

    def backward(self, g):
        xp = xp_of(g)
        g = xp.ascontiguousarray(g, dtype=self.x.dtype).reshape(self.x.shape)
        dx = xp.empty_like(self.x)
        backend.kernels(g).gelu_backward(dx, g, self.x, self.tanh)
        return (dx.astype(self.dtype, copy=False),)
