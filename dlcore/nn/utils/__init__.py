"""torch.nn.utils: gradient clipping (clip_grad_norm_ and clip_grad_value_, in place on each
parameter's .grad; views of an optimizer's flat buffer stay views) and, in the submodule rnn,
packed and padded variable-length sequences."""

from __future__ import annotations

import math

import numpy as np

from ... import backend
from ...tensor import Tensor
from . import rnn  # noqa: F401
from .state_dict import consume_prefix_in_state_dict_if_present


def _grads(parameters) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """Scale all grads by min(1, max_norm / (total_norm + 1e-6)); returns the total norm (the
    norm of all grads concatenated) before clipping, as torch: a 0-d Tensor in the grads' dtype
    and device (float32 0 when no parameter has a grad)."""
    max_norm, norm_type = float(max_norm), float(norm_type)
    if max_norm < 0 or math.isnan(max_norm):
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    if not (norm_type > 0):
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
    grads = _grads(parameters)
    if not grads:
        return Tensor(np.zeros((), np.float32))
    xp = backend.array_module(grads[0].data)
    if math.isinf(norm_type):
        total = max(float(xp.abs(g.data).max()) if g.data.size else 0.0 for g in grads)
    else:
        acc = 0.0
        for g in grads:
            a = xp.abs(g.data.astype(np.float64, copy=False))
            acc += float((a * a).sum()) if norm_type == 2.0 else float((a**norm_type).sum())
        total = math.sqrt(acc) if norm_type == 2.0 else acc ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the "
            f"gradients is non-finite ({total}); set error_if_nonfinite=False "
            "to clip anyway"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g.data *= g.data.dtype.type(coef)
    return Tensor(xp.asarray(total, dtype=grads[0].data.dtype))


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clamp every grad element to [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for g in _grads(parameters):
        xp = backend.array_module(g.data)
        xp.clip(g.data, -clip_value, clip_value, out=g.data)


__all__ = ["clip_grad_norm_", "clip_grad_value_", "consume_prefix_in_state_dict_if_present"]
