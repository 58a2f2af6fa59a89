"""dlcore.device: a device as torch.device names it ('cpu', 'cuda', 'cuda:0', ('cuda', 1)), and the
argument parsing of `.to(...)` shared by Tensor and Module.

Two devices are equal when type and index are (torch: device('cuda') != device('cuda:0')). A
device also compares with a string, and there an unindexed name matches every index
(`x.device == "cuda"`), so code written against dlcore's string devices keeps working.
"""

from __future__ import annotations

import builtins

import numpy as np

TYPES = ("cpu", "cuda")


class device:
    """device('cpu'), device('cuda'), device('cuda:1'), device('cuda', 1), device(1) (a CUDA index)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            if index is not None:
                raise ValueError(f"device: index given twice ({type!r} and {index!r})")
            type, index = type.type, type.index
        elif isinstance(type, (int, np.integer)) and not isinstance(type, bool):
            type, index = "cuda", int(type)
        elif not isinstance(type, str):
            raise TypeError(
                f"device: expected a str, a device or a CUDA index, got {builtins.type(type).__name__}"
            )
        name, _, suffix = type.partition(":")
        if name not in TYPES:
            raise ValueError(
                f"device: unknown device type {type!r}: expected one of {TYPES}, optionally ':N'"
            )
        if suffix:
            if index is not None or not suffix.isdigit():
                raise ValueError(f"device: invalid device string {type!r} (expected e.g. 'cuda:0')")
            index = int(suffix)
        if index is not None and (
            isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0
        ):
            raise ValueError(f"device: index must be a non-negative int, got {index!r}")
        self.type, self.index = name, None if index is None else int(index)

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (TypeError, ValueError):
                return False
            return self.type == other.type and other.index in (None, self.index)
        if isinstance(other, device):
            return (self.type, self.index) == (other.type, other.index)
        return NotImplemented

    def __hash__(self):
        return hash(self.type)  # equal devices (and a device and its unindexed name) hash alike

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"


def is_device(value) -> bool:
    """True for a device or a string naming one ('cpu', 'cuda:0')."""
    if isinstance(value, device):
        return True
    if isinstance(value, str):
        try:
            device(value)
        except ValueError:
            return False
        return True
    return False


def to_args(op: str, args: tuple, device_kw=None, dtype_kw=None) -> tuple:
    """(device or None, dtype or None) from torch's `.to` forms: to(device), to(dtype),
    to(device, dtype), to(device=..., dtype=...). A tensor argument is taken by the caller."""
    if len(args) > 2:
        raise TypeError(f"{op}: expected at most a device and a dtype, got {len(args)} arguments")
    dev, dtype = device_kw, dtype_kw
    for a in args:
        if is_device(a) or (isinstance(a, int) and not isinstance(a, bool)):
            if dev is not None:
                raise TypeError(f"{op}: device given twice")
            dev = device(a)
        elif dtype is None:
            dtype = a
        else:
            raise TypeError(f"{op}: dtype given twice, or {a!r} is not a device")
    if dtype is None:
        return dev, None
    try:
        numeric = np.dtype(dtype)
    except TypeError:
        if isinstance(dtype, str):  # a string is more likely a device name
            raise ValueError(f"{op}: unknown device {dtype!r}: expected 'cpu', 'cuda' or 'cuda:N'") from None
        numeric = None
    if numeric is None or numeric.kind not in "biufc":
        raise TypeError(f"{op}: {dtype!r} is neither a device nor a numeric dtype")
    return dev, numeric
