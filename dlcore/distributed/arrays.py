"""Collectives on raw arrays, in place: what the tensor API and library code (DDP's buckets,
fit's metric sums) call. Buffers go to MPI directly, never pickled.

Arrays are numpy (passed as they are when C-contiguous) or CuPy (staged through a host copy:
the MPI wheels are not CUDA-aware). A non-contiguous array is staged through a contiguous copy
and written back when the collective completes. Every function returns a Work when
async_op=True, else waits (bounded by the group's timeout) and returns None.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from . import _group
from .work import Work, wait_request

REDUCE_OPS = ("sum", "avg", "max", "min", "product")
_NAMES = {**{n: n for n in REDUCE_OPS}, "mean": "avg", "prod": "product"}


def reduce_op_name(op, where: str) -> str:
    """The canonical name of a reduction given as a ReduceOp member or a string."""
    name = getattr(op, "value", op)
    if isinstance(name, str):
        canonical = _NAMES.get(name) or _NAMES.get(name.lower())
        if canonical is not None:
            return canonical
    raise ValueError(f"{where}: unknown reduce op {op!r}; expected one of {list(REDUCE_OPS)} (or ReduceOp.X)")


def check_reduce_dtype(name: str, dtype, where: str) -> None:
    """TypeError for reductions MPI (and torch) do not define on a dtype."""
    kind = dtype.kind if isinstance(dtype, np.dtype) else np.dtype(dtype).kind
    if kind == "f" or (kind in "iu" and name != "avg"):
        return  # the common cases, checked first (this runs on every collective)
    dtype = np.dtype(dtype)
    if name == "avg" and kind not in "fc":
        raise TypeError(f"{where}: ReduceOp.AVG needs a floating-point or complex tensor, got {dtype}")
    if name in ("max", "min") and kind == "c":
        raise TypeError(f"{where}: ReduceOp.{name.upper()} is not defined for complex tensors ({dtype})")
    if kind not in "biufc":
        raise TypeError(f"{where}: unsupported dtype {dtype}")


def _mpi_op(MPI, name: str, dtype):
    if dtype.kind == "b":  # bool: SUM/MAX are logical or, PRODUCT/MIN logical and
        return MPI.LOR if name in ("sum", "max") else MPI.LAND
    return getattr(MPI, _MPI_OPS[name])


_MPI_OPS = {"sum": "SUM", "avg": "SUM", "max": "MAX", "min": "MIN", "product": "PROD"}


def _staged(a):
    """(host buffer to hand to MPI, write_back() or None)."""
    if backend.is_numpy(a) and a.flags.c_contiguous:
        return a, None
    host = np.ascontiguousarray(backend.to_device(a, "cpu"))

    def write_back():
        a[...] = host if backend.is_numpy(a) else backend.to_device(host, "cuda")

    return host, write_back


def _finish(steps):
    steps = [s for s in steps if s is not None]
    if not steps:
        return None

    def run():
        for step in steps:
            step()

    return run


def _run(request, op: str, finish, async_op: bool, buffers=()):
    if async_op:
        return Work(request, op, finish, buffers)
    if not request.Test():
        wait_request(request, op)
    if finish is not None:
        finish()
    return None


def all_reduce_array(a, op="sum", async_op: bool = False, where: str = "all_reduce"):
    """Reduce `a` over every rank, in place: every rank ends with the same result."""
    g = _group.require(where)
    name = reduce_op_name(op, where)
    check_reduce_dtype(name, a.dtype, where)
    buf, write_back = _staged(a)
    MPI = g["MPI"]
    request = g["comm"].Iallreduce(MPI.IN_PLACE, buf, op=_mpi_op(MPI, name, buf.dtype))
    finish = write_back
    if name == "avg" and g["size"] > 1:

        def scale():
            np.divide(buf, g["size"], out=buf)

        finish = scale if write_back is None else _finish([scale, write_back])
    return _run(request, where, finish, async_op, (buf,))


def broadcast_array(a, src: int = 0, async_op: bool = False, where: str = "broadcast"):
    """Overwrite `a` on every rank with rank `src`'s."""
    g = _group.require(where)
    check_rank(src, g["size"], where, "src")
    buf, write_back = _staged(a)
    request = g["comm"].Ibcast(buf, root=src)
    return _run(request, where, write_back, async_op, (buf,))


def all_gather_array(out, a, async_op: bool = False, where: str = "all_gather"):
    """out (world_size * a.size elements, a's dtype) = every rank's `a`, in rank order."""
    g = _group.require(where)
    send = np.ascontiguousarray(backend.to_device(a, "cpu"))
    recv, write_back = _staged(out)
    request = g["comm"].Iallgather(send, recv)
    return _run(request, where, write_back, async_op, (send, recv))


def barrier(async_op: bool = False, where: str = "barrier"):
    g = _group.require(where)
    return _run(g["comm"].Ibarrier(), where, None, async_op)


def check_rank(rank, size: int, where: str, name: str = "rank") -> None:
    if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or not 0 <= rank < size:
        raise ValueError(f"{where}: {name} must be a rank in [0, {size - 1}], got {rank!r}")
