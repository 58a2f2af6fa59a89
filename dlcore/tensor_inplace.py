"""Tensor's in-place operations, a base class of dlcore.tensor.Tensor: `x += y` (-=, *=, /=),
add_/sub_/mul_/div_, zero_/fill_/clamp_/copy_, with torch's semantics:

- the result is written into the tensor's array (its storage, dtype and shape kept): views and
  optimizers holding that array see the change; a result of a higher dtype category than the
  tensor's (a float into an int tensor, an int into a bool one) is a TypeError, as torch's
  "result type Float can't be cast to the desired output type Long"; a result that broadcasts to
  another shape is a ValueError;
- with grad mode on, a leaf that requires grad is a RuntimeError (torch's message). Otherwise,
  when the result needs a gradient (self or the operand requires grad), the op is recorded as
  torch does: it runs on a stand-in holding self's old values and place in the graph, and self
  becomes the result's node (non-leaf). A view (an array with a base) is refused there: torch
  would rebase its base's graph too, which the tape cannot;
- every write stamps `_version` (dlcore.graph.note_inplace_write); the graph walk raises when a
  tensor the graph recorded was modified in place afterwards (torch's "modified by an inplace
  operation"); it checks every recorded input, not only those a Function saved (stricter than torch).

The class mixing this in provides `_promote` (dlcore.tensor.promote) and a constructor from an array.
"""

from __future__ import annotations

import numpy as np

from . import backend, ops
from .graph import is_grad_enabled, no_grad, note_inplace_write, write_stamp

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}  # bool < integer < floating < complex


class InPlace:
    __slots__ = ()

    def _check_inplace(self, op: str, tracked: bool = False) -> None:
        """Raise where torch raises (a leaf that requires grad, in grad mode) and where the tape
        cannot follow (a non-leaf when not `tracked`; a view when tracked)."""
        if not is_grad_enabled():
            return
        if self.requires_grad and self._ctx is None:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place operation."
            )
        if self.requires_grad and not tracked:
            raise RuntimeError(
                f"{op}: in-place operation on a tensor that requires grad and is part of the "
                f"autograd graph is not supported by dlcore; use the out-of-place form, or "
                f"torch.no_grad() when no gradient should flow"
            )
        if tracked and getattr(self.data, "base", None) is not None:
            raise RuntimeError(
                f"{op}: in-place operation recorded for autograd on a view of another tensor is not "
                f"supported by dlcore (the base's graph would have to change too); use the "
                f"out-of-place form (y = y + x)"
            )

    def _write(self, op: str, result) -> None:
        """Store `result` (a Tensor) into this tensor's array under torch's casting rule."""
        if _CATEGORY[result.dtype.kind] > _CATEGORY[self.dtype.kind]:
            raise TypeError(
                f"{op}: result type {result.dtype} can't be cast to the desired output type {self.dtype}"
            )
        if result.shape != self.shape:
            raise ValueError(
                f"{op}: output with shape {self.shape} doesn't match the broadcast shape {result.shape}"
            )
        self.data[...] = result.data
        note_inplace_write(self)

    def _inplace(self, op: str, fn, *others) -> InPlace:
        """self <- fn(self, *others), written into self's array; recorded for autograd when grad
        mode is on and self or an operand requires grad."""
        tracked = is_grad_enabled() and (
            self.requires_grad or any(getattr(o, "requires_grad", False) for o in others)
        )
        self._check_inplace(op, tracked)
        if not tracked:
            with no_grad():
                self._write(op, fn(self, *others))
            return self
        old = self.detach()  # the stand-in: self's values before the write and its graph node
        old._data, old._ctx, old.requires_grad = self.data.copy(), self._ctx, self.requires_grad
        result = fn(old, *others)
        self._write(op, result)
        self._ctx, self.requires_grad = result._ctx, result.requires_grad
        if self._ctx is not None:
            self._ctx.stamp = write_stamp()  # this node's own write is not a later modification
        return self

    # ---- arithmetic ------------------------------------------------------------------------
    def add_(self, other, *, alpha=1):
        """self += alpha * other, in place."""
        return self._inplace("add_", lambda a, o: a + (o if alpha == 1 else o * alpha), other)

    def sub_(self, other, *, alpha=1):
        """self -= alpha * other, in place."""
        return self._inplace("sub_", lambda a, o: a - (o if alpha == 1 else o * alpha), other)

    def mul_(self, other):
        return self._inplace("mul_", lambda a, o: a * o, other)

    def div_(self, other):
        """self /= other, in place: true division, so an integer tensor is a TypeError (as torch)."""
        return self._inplace("div_", lambda a, o: a / o, other)

    def clamp_(self, min=None, max=None):
        return self._inplace("clamp_", lambda a: a.clamp(min, max))

    clip_ = clamp_

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    # ---- filling -----------------------------------------------------------------------------
    def zero_(self):
        self._check_inplace("zero_")
        self.data[...] = 0
        note_inplace_write(self)
        return self

    def fill_(self, value):
        """Every element set to value (a number or a one-element tensor), cast to this dtype."""
        self._check_inplace("fill_")
        if isinstance(value, InPlace):
            if value.numel() != 1:
                raise ValueError(f"fill_: expects a 0-dim value tensor, got shape {value.shape}")
            value = value.item()
        if not isinstance(value, (bool, int, float, np.number)):
            raise TypeError(f"fill_: value must be a number, got {type(value).__name__}")
        self.data[...] = value
        note_inplace_write(self)
        return self

    def copy_(self, src):
        """Copy src's values into this tensor's storage (broadcasting; devices and dtypes may
        differ); recorded for autograd, as torch, when src requires grad in grad mode."""
        if is_grad_enabled() and (self.requires_grad or getattr(src, "requires_grad", False)):
            if not isinstance(src, InPlace):
                src = self._promote(src, self, op="copy_")[0]
            if src.device != self.device:
                raise RuntimeError("copy_: a source that requires grad must be on the tensor's device")
            return self._inplace("copy_", _copied, src)
        self._check_inplace("copy_")
        src = src.data if isinstance(src, InPlace) else src
        is_int = isinstance(src, (int, np.integer)) and not isinstance(src, (bool, np.bool_))
        if is_int and self.dtype.kind in "iu":
            info = np.iinfo(self.dtype)  # before any move to the device, where CuPy would wrap it
            if not info.min <= src <= info.max:
                raise ValueError(f"copy_: value {src!r} is out of range for {self.dtype}")
        if hasattr(src, "__cuda_array_interface__") or self.device != "cpu":
            src = backend.to_device(src if hasattr(src, "shape") else np.asarray(src), self.device)
        try:
            if np.ndim(src) > self.ndim:  # numpy drops leading 1s; torch: src broadcasts to self
                raise ValueError
            self.data[...] = src
        except ValueError:
            raise ValueError(
                f"copy_: source of shape {np.shape(src)} does not broadcast to {self.shape}"
            ) from None
        except OverflowError:  # a python number outside an integer dtype: torch wraps it
            raise ValueError(f"copy_: value {src!r} is out of range for {self.dtype}") from None
        note_inplace_write(self)
        return self


def _copied(a, s):
    """s broadcast to a's shape in a's dtype, recorded so that a gets a zero gradient (torch's
    CopyBackwards) and s the (summed) incoming one: where(False, a, s)."""
    try:
        s = s.expand(a.shape)
    except ValueError:
        raise ValueError(f"copy_: source of shape {s.shape} does not broadcast to {a.shape}") from None
    never = type(a)(backend.array_module(a.data).zeros(a.shape, dtype=bool))
    return a._apply(ops.Where, a, s.to(dtype=a.dtype), never)
