"""torch.distributed's collectives on dlcore Tensors: barrier, broadcast, all_reduce, all_gather,
all_gather_into_tensor. In place on the tensors' arrays (see arrays.py), with torch's argument
names; async_op=True returns a Work. Checks run on the calling rank before anything is sent, so
bad arguments raise the same error on every rank that makes the same mistake, and nothing hangs.
"""

from __future__ import annotations

import enum

import numpy as np

from .. import backend
from ..graph import note_inplace_write
from ..tensor import Tensor
from . import _group, arrays


class ReduceOp(enum.Enum):
    """Reductions of all_reduce (torch.distributed.ReduceOp). AVG is the mean over ranks; the
    strings "sum", "avg"/"mean", "max", "min", "product" are accepted as well."""

    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"


def _check_group(group, where: str) -> None:
    if group is not None:
        raise ValueError(f"{where}: only the default group (group=None) exists with the MPI backend")


def _check_tensor(t, where: str, name: str = "tensor") -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{where}: {name} must be a dlcore Tensor, got {type(t).__name__}")
    return t


def barrier(group=None, async_op: bool = False, device_ids=None):
    """Wait until every rank has called barrier."""
    _check_group(group, "barrier")
    return arrays.barrier(async_op, "barrier")


def broadcast(tensor: Tensor, src: int = 0, group=None, async_op: bool = False):
    """Every rank's `tensor` becomes rank src's (same shape and dtype on every rank)."""
    _check_group(group, "broadcast")
    _check_tensor(tensor, "broadcast")
    work = arrays.broadcast_array(tensor.data, src, async_op, "broadcast")
    note_inplace_write(tensor)
    return work


def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """tensor = op over every rank's tensor, on every rank (same shape and dtype everywhere)."""
    _check_group(group, "all_reduce")
    _check_tensor(tensor, "all_reduce")
    work = arrays.all_reduce_array(tensor.data, op, async_op, "all_reduce")  # checks op and dtype first
    note_inplace_write(tensor)
    return work


def all_gather(tensor_list: list, tensor: Tensor, group=None, async_op: bool = False):
    """tensor_list[r] = rank r's tensor; tensor_list holds world_size tensors shaped like tensor."""
    _check_group(group, "all_gather")
    _check_tensor(tensor, "all_gather")
    size = _group.require("all_gather")["size"]
    if not isinstance(tensor_list, list) or len(tensor_list) != size:
        n = len(tensor_list) if isinstance(tensor_list, (list, tuple)) else type(tensor_list).__name__
        raise ValueError(f"all_gather: tensor_list must be a list of world_size={size} tensors, got {n}")
    for i, t in enumerate(tensor_list):
        _check_tensor(t, "all_gather", f"tensor_list[{i}]")
        if t.shape != tensor.shape or t.dtype != tensor.dtype:
            raise ValueError(
                f"all_gather: tensor_list[{i}] is {t.dtype}{list(t.shape)}, expected {tensor.dtype}"
                f"{list(tensor.shape)} like the input tensor"
            )
    out = np.empty((size, *tensor.shape), dtype=tensor.dtype)

    def scatter_back():
        for t, chunk in zip(tensor_list, out):
            note_inplace_write(t)
            t.data[...] = backend.to_device(chunk, t.device)

    work = arrays.all_gather_array(out, tensor.data, True, "all_gather")
    work._finish = scatter_back
    if async_op:
        return work
    work.wait()
    return None


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group=None, async_op: bool = False):
    """output = every rank's input in rank order, either concatenated along dim 0
    (world_size * n, ...) or stacked (world_size, n, ...), as torch."""
    _check_group(group, "all_gather_into_tensor")
    _check_tensor(output_tensor, "all_gather_into_tensor", "output_tensor")
    _check_tensor(input_tensor, "all_gather_into_tensor", "input_tensor")
    size = _group.require("all_gather_into_tensor")["size"]
    shape = tuple(input_tensor.shape)
    stacked, concatenated = (size, *shape), ((size * shape[0], *shape[1:]) if shape else (size,))
    if output_tensor.dtype != input_tensor.dtype or tuple(output_tensor.shape) not in (stacked, concatenated):
        raise ValueError(
            f"all_gather_into_tensor: output_tensor is {output_tensor.dtype}{list(output_tensor.shape)}; "
            f"expected {input_tensor.dtype}{list(concatenated)} (or {list(stacked)}) for input "
            f"{input_tensor.dtype}{list(shape)} and world_size={size}"
        )
    work = arrays.all_gather_array(output_tensor.data, input_tensor.data, async_op, "all_gather_into_tensor")
    note_inplace_write(output_tensor)
    return work
