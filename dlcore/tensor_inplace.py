"""Tensor's in-place operations, a base class of dlcore.tensor.Tensor: `x += y` (-=, *=, /=),
add_/sub_/mul_/div_, zero_/fill_/clamp_/copy_, with torch's semantics:

- the result is written into the tensor's array (its storage, dtype and shape kept): views and
  optimizers holding that array see the change; a result of a higher dtype category than the
  tensor's (a float into an int tensor, an int into a bool one) is a TypeError, as torch's
  "result type Float can't be cast to the desired output type Long"; a result that broadcasts to
  another shape is a ValueError;
- with grad mode on, a leaf that requires grad is a RuntimeError (torch's message). A non-leaf
  that requires grad is a RuntimeError too: torch rebases the graph onto the in-place node, the
  tape here does not, so dlcore refuses rather than give a wrong gradient;
- every write stamps `_version` (dlcore.graph.note_inplace_write); the graph walk raises when a
  tensor the graph recorded was modified in place afterwards (torch's "modified by an inplace
  operation"); it checks every recorded input, not only those a Function saved (stricter than torch).

The class mixing this in provides `_promote` (dlcore.tensor.promote) and a constructor from an array.
"""

from __future__ import annotations

import numpy as np

from . import backend
from .graph import is_grad_enabled, no_grad, note_inplace_write

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}  # bool < integer < floating < complex


class InPlace:
    __slots__ = ()

    def _check_inplace(self, op: str) -> None:
        if not (self.requires_grad and is_grad_enabled()):
            return
        if self._ctx is None:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place operation."
            )
        raise RuntimeError(
            f"{op}: in-place operation on a tensor that requires grad and is part of the autograd "
            f"graph; dlcore's tape cannot rebase the graph onto it: use the out-of-place form "
            f"(y = y + x), or torch.no_grad() when no gradient should flow"
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

    def _inplace(self, op: str, compute) -> InPlace:
        self._check_inplace(op)
        with no_grad():
            result = compute()
        self._write(op, result)
        return self

    # ---- arithmetic ------------------------------------------------------------------------
    def add_(self, other, *, alpha=1):
        """self += alpha * other, in place."""
        return self._inplace("add_", lambda: self + (other if alpha == 1 else other * alpha))

    def sub_(self, other, *, alpha=1):
        """self -= alpha * other, in place."""
        return self._inplace("sub_", lambda: self - (other if alpha == 1 else other * alpha))

    def mul_(self, other):
        return self._inplace("mul_", lambda: self * other)

    def div_(self, other):
        """self /= other, in place: true division, so an integer tensor is a TypeError (as torch)."""
        return self._inplace("div_", lambda: self / other)

    def clamp_(self, min=None, max=None):
        return self._inplace("clamp_", lambda: self.clamp(min, max))

    clip_ = clamp_

    def __iadd__(self, other):
        return self._inplace("add_", lambda: self + other)

    def __isub__(self, other):
        return self._inplace("sub_", lambda: self - other)

    def __imul__(self, other):
        return self._inplace("mul_", lambda: self * other)

    def __itruediv__(self, other):
        return self._inplace("div_", lambda: self / other)

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
        """Copy src's values into this tensor's storage (broadcasting; devices and dtypes may differ)."""
        self._check_inplace("copy_")
        src = src.data if isinstance(src, InPlace) else src
        if hasattr(src, "__cuda_array_interface__") or self.device != "cpu":
            src = backend.to_device(src if hasattr(src, "shape") else np.asarray(src), self.device)
        try:
            self.data[...] = src
        except ValueError:
            raise ValueError(
                f"copy_: source of shape {np.shape(src)} does not broadcast to {self.shape}"
            ) from None
        note_inplace_write(self)
        return self
