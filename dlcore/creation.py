"""Tensor factories: tensor (copies), from_numpy / from_dlpack (share memory), zeros, ones, empty,
full, *_like, arange, linspace, and the random rand / randn / randint / randperm drawn from
dlcore.random's generator.

Python floats become float32 and ints int64 (torch's defaults); numpy arrays keep their dtype.
"""

from __future__ import annotations

import numpy as np

from . import backend
from .ops.dtypes import as_array, default_dtype
from .random import generator
from .tensor import Tensor, bool_, float32, int64, shape_args


def tensor(data, dtype=None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """A new tensor holding a copy of `data`. Python floats become float32, ints int64; data that
    is not numeric (a str, None, an object) is a TypeError, as torch."""
    if isinstance(data, Tensor):
        data = data.data
    if backend.is_numpy(data) or not hasattr(data, "__cuda_array_interface__"):
        arr = np.array(as_array(data, default_dtypes=dtype is None), copy=True)
        arr = arr.astype(np.dtype(dtype), copy=False) if dtype is not None else arr
    else:
        arr = data.astype(dtype) if dtype is not None else data.copy()
    arr = backend.to_device(arr, device)
    return Tensor(arr, requires_grad=requires_grad)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor that shares memory with the numpy array (no copy)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(arr).__name__}")
    return Tensor(arr)


def from_dlpack(ext) -> Tensor:
    """A tensor sharing memory with any DLPack exporter (numpy, torch, CuPy, ...): CPU objects
    become numpy-backed tensors, CUDA objects CuPy-backed ones (needs CuPy)."""
    if isinstance(ext, Tensor):
        return ext
    if not hasattr(ext, "__dlpack__") or not hasattr(ext, "__dlpack_device__"):
        raise TypeError(
            f"from_dlpack expects an object with __dlpack__ and __dlpack_device__, got {type(ext).__name__}"
        )
    dev_type = int(ext.__dlpack_device__()[0])
    if dev_type == 1:  # kDLCPU
        return Tensor(np.from_dlpack(ext))
    if dev_type == 2:  # kDLCUDA
        return Tensor(backend.cupy().from_dlpack(ext))
    raise ValueError(f"from_dlpack: unsupported DLPack device type {dev_type} (CPU=1, CUDA=2)")


def _make(fill, shape, dtype, requires_grad, device):
    arr = fill(shape_args(shape), dtype=np.dtype(dtype or float32))
    return Tensor(backend.to_device(arr, device), requires_grad=requires_grad)


def zeros(*shape, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    return _make(np.zeros, shape, dtype, requires_grad, device)


def ones(*shape, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    return _make(np.ones, shape, dtype, requires_grad, device)


def empty(*shape, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    return _make(np.empty, shape, dtype, requires_grad, device)


def full(shape, value, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    """Filled with value; dtype defaults from the value as torch.full (bool, int64, else float32).
    A value that is not a number (str, None) is a TypeError."""
    if as_array(value, "full").ndim:
        raise TypeError(f"full: fill value must be a number, got {type(value).__name__}")
    if dtype is None and isinstance(value, (bool, np.bool_)):
        dtype = bool_
    elif dtype is None and isinstance(value, (int, np.integer)):
        dtype = int64
    return _make(lambda s, dtype: np.full(s, value, dtype=dtype), (shape,), dtype, requires_grad, device)


def zeros_like(t: Tensor, dtype=None) -> Tensor:
    return zeros(t.shape, dtype=dtype or t.dtype, device=t.device)


def ones_like(t: Tensor, dtype=None) -> Tensor:
    return ones(t.shape, dtype=dtype or t.dtype, device=t.device)


def arange(*args, dtype=None, device="cpu") -> Tensor:
    arr = np.arange(*args)
    arr = arr.astype(dtype) if dtype is not None else default_dtype(arr)
    return Tensor(backend.to_device(arr, device))


def linspace(start, end, steps, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    """`steps` values evenly spaced from start to end inclusive (float32 by default), as torch."""
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"linspace: steps must be an int, got {type(steps).__name__}")
    if steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    start, end = (float(v) for v in (start, end))  # a 0-d tensor works too
    arr = np.linspace(start, end, int(steps), dtype=np.float64).astype(np.dtype(dtype or float32))
    return Tensor(backend.to_device(arr, device), requires_grad=requires_grad)


def randperm(n, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    """A random permutation of 0 .. n-1 (int64 by default), drawn from dlcore's generator."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"randperm: n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    arr = generator().permutation(int(n)).astype(np.dtype(dtype or int64), copy=False)
    return Tensor(backend.to_device(arr, device), requires_grad=requires_grad)


def _random(draw, shape, dtype, requires_grad, device):
    arr = draw(generator(), shape_args(shape)).astype(np.dtype(dtype or float32), copy=False)
    return Tensor(backend.to_device(arr, device), requires_grad=requires_grad)


def randn(*shape, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    return _random(lambda g, s: g.standard_normal(s), shape, dtype, requires_grad, device)


def rand(*shape, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    return _random(lambda g, s: g.random(s), shape, dtype, requires_grad, device)


def randint(low, high, shape, device="cpu") -> Tensor:
    arr = generator().integers(low, high, size=tuple(shape), dtype=np.int64)
    return Tensor(backend.to_device(arr, device))
