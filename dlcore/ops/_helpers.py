"""Shared by the op families: argument checks, broadcast reduction, and the one gemm call.

Everything takes and returns arrays (numpy or any array with __cuda_array_interface__). Kernels
are reached only through `backend.kernels(x)`: ops choose by dtype, never by device.
"""

from __future__ import annotations

import re

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


def _elem_strides(x) -> tuple | None:
    """x's strides in elements as the gemm binding reads them (csrc/bind/array_view.cpp
    elem_stride): 0 on an axis of length 0 or 1, which is never stepped along whatever its
    stride; None when another axis has a negative or misaligned stride."""
    out = []
    for n, s in zip(x.shape, x.strides):
        if n > 1 and (s < 0 or s % x.itemsize):
            return None
        out.append(s // x.itemsize if n > 1 else 0)
    return tuple(out)


def gemm_operand(x):
    """x itself when the gemm binding can read it in place (csrc/bind/bind_gemm.cpp mat_ref: a unit
    stride on one of the last two axes and a leading dimension covering the other; batch strides
    non-negative), else a C-contiguous copy. Broadcast views (stride 0, e.g. the gradient of a sum)
    and negative strides on axes longer than 1 are copied."""
    flags = x.flags
    if x.size and (flags.c_contiguous or (flags.f_contiguous and x.ndim == 2)):
        return x  # the common cases: row-major, or the transpose of a row-major matrix
    strides = _elem_strides(x)
    if x.ndim >= 2 and strides is not None:
        r, c = x.shape[-2:]
        s0, s1 = strides[-2:]
        if (c == 1 or s1 == 1) and (r == 1 or s0 >= c):
            return x
        if (r == 1 or s0 == 1) and (c == 1 or s1 >= r):
            return x
    return xp_of(x).ascontiguousarray(x)


def gemm(a, b, out=None, beta: float = 0.0):
    """out = a @ b + beta * out through the device's gemm kernel, for 2-D or equal-batch 3-D
    arrays of one kernel dtype. Operands the kernel cannot read in place (gemm_operand) are
    copied first. Returns out (allocated when None). An empty product (a size-0 batch, m, n or
    k) needs no kernel: out is beta * out, zeros when k == 0 and beta == 0 (as torch)."""
    if out is None:
        out = xp_of(a).empty(a.shape[:-1] + b.shape[-1:], dtype=a.dtype)
    if out.size == 0 or a.shape[-1] == 0:
        out[...] = 0 if beta == 0 else beta * out
        return out
    backend.kernels(a).gemm(gemm_operand(a), gemm_operand(b), out, 1.0, beta)
    return out


def mm(a, b):
    """a @ b for 2-D or equal-batch 3-D arrays: the gemm kernel for float32/float64, else xp."""
    if has_kernel_dtype(a, b):
        return gemm(a, b)
    return xp_of(a).matmul(a, b)


def check_linear_shapes(op: str, x, w, b) -> None:
    """ValueError naming op unless x (..., in), w (out, in) and b (out,) or None fit together."""
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"{op}: input of shape {x.shape} does not match weight of shape {w.shape}: "
            f"expected input (..., {w.shape[1] if w.ndim == 2 else '?'})"
        )
    if b is not None and b.shape != (w.shape[0],):
        raise ValueError(
            f"{op}: bias of shape {b.shape} does not match weight {w.shape}: expected ({w.shape[0]},)"
        )


def affine_rows(x2, w, b):
    """x2 (n, in) @ w^T + b -> (n, out) through the device's gemm kernel (float32/float64)."""
    out = xp_of(x2).empty((x2.shape[0], w.shape[0]), dtype=x2.dtype)
    if b is not None:
        out[...] = b
    gemm(x2, w.T, out, beta=1.0 if b is not None else 0.0)
    return out


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


def check_axis(op: str, axis, ndim: int) -> int:
    """One dim -> its non-negative value. As torch, a dim is an int in [-n, n) with n = max(ndim, 1):
    a 0-d tensor accepts 0 and -1, which name the tensor itself. Else a ValueError naming op."""
    n = max(ndim, 1)
    if not isinstance(axis, (int, np.integer)) or not -n <= axis < n:
        raise ValueError(
            f"{op}: dim {axis!r} is out of range for a tensor of {ndim} dimensions "
            f"(expected an int in [{-n}, {n - 1}])"
        )
    return int(axis) % n


def norm_dims(dims, ndim: int, op: str) -> tuple:
    """An int or a sequence of ints -> the sorted non-negative axes they name, each checked by
    check_axis; () for a 0-d tensor (its dims 0 and -1 name no axis). A dim named twice
    (0 and -2 of a 2-D tensor, say) is a ValueError naming op, as torch."""
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    axes = [check_axis(op, d, ndim) for d in dims]
    for a in axes:
        if axes.count(a) > 1:
            raise ValueError(
                f"{op}: dim {a} appears multiple times in the list of dims {dims} "
                f"(tensor of {ndim} dimensions)"
            )
    return tuple(sorted(axes)) if ndim else ()


def reduce_axes(dim, ndim: int, op: str):
    """The axes a reduction over `dim` reduces: None (all of them) for dim None, for an empty
    list (as torch) and for a 0-d tensor; else the sorted tuple of norm_dims."""
    if dim is None:
        return None
    return norm_dims(dim, ndim, op) or None


def bcast_error(op: str, *arrays) -> ValueError:
    shapes = " and ".join(str(tuple(x.shape)) for x in arrays)
    return ValueError(f"{op}: shapes {shapes} do not broadcast")


# numpy's messages for a user's error: a dtype an ufunc has no loop for, an index out of range
_USER_ERRORS = re.compile(
    r"numpy boolean|ufunc '\w+'|not supported for the input types|out of bounds|only integers, slices|"
    r"too many indices"
)


def named_error(e: Exception, op: str) -> Exception:
    """e as raised to the user: a numpy message about the user's input gets the "op:" prefix (and
    torch's words for an index out of range); anything else (a bug, an already named error) as is."""
    msg = str(e)
    if re.match(r"[\w.]+(\(.*?\))?:", msg) or not _USER_ERRORS.search(msg):
        return e
    msg = re.sub(r"for axis (\d+) with size", r"for dim \1 of size", msg)
    # the builtin type: numpy's subclasses (_UFuncNoLoopError) take other constructor arguments
    return (IndexError if isinstance(e, IndexError) else TypeError)(f"{op}: {msg}")
