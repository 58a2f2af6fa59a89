"""Matrix products: matmul with numpy semantics (1-D promotion, broadcast batch dimensions).

float32/float64 operands go through the device's gemm kernel (ops._helpers.gemm); other dtypes
through the array module.
"""

from __future__ import annotations

import math

import numpy as np

from ._helpers import gemm, has_kernel_dtype, unbroadcast, xp_of
from .function import Function


def _matmul_arrays(a, b):
    """a @ b for arrays of ndim >= 2 with numpy broadcasting of batch dimensions."""
    if not has_kernel_dtype(a, b):
        return xp_of(a).matmul(a, b)
    if a.ndim == 2 and b.ndim == 2:
        return gemm(a, b)
    if b.ndim == 2:  # (..., M, K) @ (K, N): one gemm over the flattened rows
        out = gemm(a.reshape(math.prod(a.shape[:-1]), a.shape[-1]), b)  # explicit: -1 is ambiguous at size 0
        return out.reshape(a.shape[:-1] + (b.shape[-1],))
    xp = xp_of(a)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    count = math.prod(batch)
    a3 = xp.broadcast_to(a, batch + a.shape[-2:]).reshape((count,) + a.shape[-2:])
    b3 = xp.broadcast_to(b, batch + b.shape[-2:]).reshape((count,) + b.shape[-2:])
    return gemm(a3, b3).reshape(batch + (a.shape[-2], b.shape[-1]))


def _swap(x):
    return x.swapaxes(-1, -2)


class MatMul(Function):
    """numpy matmul semantics: 1-D operands are promoted and the added axis removed."""

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: operands must be at least 1-D, got shapes {a.shape} and {b.shape}")
        if a.dtype != b.dtype:
            raise TypeError(
                f"matmul: operands must have the same dtype, got {a.dtype} and {b.dtype} "
                f"(shapes {a.shape} and {b.shape})"
            )
        ka, kb = a.shape[-1], b.shape[0] if b.ndim == 1 else b.shape[-2]
        if ka != kb:
            raise ValueError(
                f"matmul: shapes {a.shape} and {b.shape} do not match: "
                f"a.shape[-1]={ka} must equal b.shape[{0 if b.ndim == 1 else -2}]={kb}"
            )
        self.a_shape, self.b_shape = a.shape, b.shape
        self.a = a[None, :] if a.ndim == 1 else a
        self.b = b[:, None] if b.ndim == 1 else b
        try:
            np.broadcast_shapes(self.a.shape[:-2], self.b.shape[:-2])
        except ValueError:
            raise ValueError(
                f"matmul: batch dimensions of {a.shape} and {b.shape} do not broadcast"
            ) from None
        out = _matmul_arrays(self.a, self.b)
        if a.ndim == 1:
            out = out[..., 0, :]
        if b.ndim == 1:
            out = out[..., 0]
        return out

    def backward(self, g):
        if len(self.b_shape) == 1:
            g = g[..., None]
        if len(self.a_shape) == 1:
            g = xp_of(g).expand_dims(g, -2)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(_matmul_arrays(g, _swap(self.b)), self.a.shape).reshape(self.a_shape)
        if self.needs_input_grad[1]:
            if self.b.ndim == 2 and self.a.ndim > 2:  # sum over batch == one gemm over rows
                rows, k = math.prod(self.a.shape[:-1]), self.a.shape[-1]
                gb = _matmul_arrays(self.a.reshape(rows, k).T, g.reshape(rows, g.shape[-1]))
            else:
                gb = unbroadcast(_matmul_arrays(_swap(self.a), g), self.b.shape)
            gb = gb.reshape(self.b_shape)
        return ga, gb
