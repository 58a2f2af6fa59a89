"""Shared by the op families: argument checks, broadcast reduction, and the one gemm call.

Everything takes and returns arrays (numpy or any array with __cuda_array_interface__). Kernels
are reached only through `backend.kernels(x)`: ops choose by dtype, never by device.
"""
from __future__ import annotations

import numpy as np

from .. import backend

KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def xp_of(x):
    """The array module (numpy or cupy) that owns x."""
    return backend.array_module(x)


def has_kernel_dtype(*arrays) -> bool:
    """True when every array is float32 or float64 and all share one dtype: dlcore's kernels
    (gemm, log-softmax, cross-entropy) take exactly these; other dtypes use the array module."""
    dtype = arrays[0].dtype
    return dtype in KERNEL_DTYPES and all(a.dtype == dtype for a in arrays)


def gemm(a, b, out=None, beta: float = 0.0):
    """out = a @ b + beta * out through the device's gemm kernel, for 2-D or equal-batch 3-D
    arrays of one kernel dtype. Operands the kernel cannot read in place (broadcast or negative
    strides, see backend._gemm_operand) are copied first. Returns out (allocated when None)."""
    if out is None:
        out = xp_of(a).empty(a.shape[:-1] + b.shape[-1:], dtype=a.dtype)
    backend.kernels(a).gemm(backend._gemm_operand(a), backend._gemm_operand(b), out, 1.0, beta)
    return out


def mm(a, b):
    """a @ b for 2-D or equal-batch 3-D arrays: the gemm kernel for float32/float64, else xp."""
    if has_kernel_dtype(a, b):
        return gemm(a, b)
    return xp_of(a).matmul(a, b)


def unbroadcast(g, shape: tuple):
    """Sum g over the axes along which an input of `shape` was broadcast."""
    if tuple(g.shape) == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def norm_axis(axis, ndim: int, op: str = "reduce"):
    """None, an int or a sequence of ints -> None or a sorted tuple of non-negative axes."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: dim {a} is out of range for a tensor of {ndim} dimensions")
        out.append(int(a) % max(ndim, 1))
    return tuple(sorted(set(out)))


def check_axis(op: str, axis, ndim: int) -> int:
    """One axis in [-ndim, ndim) -> its non-negative value, or a ValueError naming op."""
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"{op}: dim {axis!r} is out of range for a tensor of {ndim} dimensions "
                         f"(expected an int in [{-ndim}, {ndim - 1}])")
    return int(axis) % ndim


def bcast_error(op: str, *arrays) -> ValueError:
    shapes = " and ".join(str(tuple(x.shape)) for x in arrays)
    return ValueError(f"{op}: shapes {shapes} do not broadcast")
