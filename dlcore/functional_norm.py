"""torch.nn.functional's normalization, GELU and channel dropout: batch_norm, layer_norm, gelu,
dropout1d, dropout2d (re-exported by dlcore.nn.functional).

batch_norm runs the ops.BatchNorm / ops.BatchNormEval kernels; layer_norm ops.LayerNorm
(array code, no kernel); gelu runs ops.GELU; the channel dropouts draw one
keep/drop per (sample, channel) from dlcore.random.generator() and multiply by that mask.
Arguments are checked here; errors name the function.
"""

from __future__ import annotations

import math

import numpy as np

from . import backend, ops
from . import functional as _f
from .random import generator
from .tensor import Tensor, apply

_t = _f._tensor  # x as a tensor (a Python number/array: the default dtypes), TypeError naming op


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _check_float_input(x: Tensor, op: str) -> None:
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: expected a float32 or float64 input, got {x.dtype}")


def _like_input(t, name: str, x: Tensor, shape: tuple, what: str, op: str):
    """t (a tensor of x's dtype and the given shape) or None; else a TypeError/ValueError."""
    if t is None:
        return None
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a tensor or None, got {type(t).__name__}")
    if t.dtype != x.dtype:
        raise TypeError(f"{op}: {name} must have the input's dtype {x.dtype}, got {t.dtype}")
    if t.shape != shape:
        raise ValueError(f"{op}: {name} must have shape {shape} ({what}), got {t.shape}")
    if t.device != x.device:  # the kernels take arrays of one device (running stats are written)
        raise TypeError(f"{op}: {name} is on {t.device}, the input on {x.device}")
    return t


def _affine_args(weight, bias) -> tuple:
    """The parts string of ops.BatchNorm and the parameter tensors it names."""
    parts = ("w" if weight is not None else "") + ("b" if bias is not None else "")
    return parts, tuple(t for t in (weight, bias) if t is not None)


def batch_norm(
    input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5
) -> Tensor:
    """torch.nn.functional.batch_norm over axis 1 of input (N, C, *). training: batch statistics,
    and running_mean / running_var (if given) updated in place with the unbiased variance; eval:
    running_mean / running_var (required) are the statistics."""
    op = "batch_norm"
    x = _t(input, op)
    if x.ndim < 2:
        raise ValueError(f"{op}: expected an input (N, C, *) with at least 2 dims, got shape {x.shape}")
    _check_float_input(x, op)
    c = (x.shape[1],)
    what = f"the channels of input {x.shape}"
    rm = _like_input(running_mean, "running_mean", x, c, what, op)
    rv = _like_input(running_var, "running_var", x, c, what, op)
    weight, bias = (_like_input(t, n, x, c, what, op) for t, n in ((weight, "weight"), (bias, "bias")))
    for name, v in (("momentum", momentum), ("eps", eps)):
        if not _is_number(v):
            raise TypeError(f"{op}: {name} must be a number, got {type(v).__name__}")
    if (rm is None) != (rv is None):
        raise ValueError(f"{op}: running_mean and running_var must be given together")
    parts, params = _affine_args(weight, bias)
    if training:
        if x.shape[0] * math.prod(x.shape[2:]) == 1:
            raise ValueError(
                f"{op}: Expected more than 1 value per channel when training, got input size {x.shape}"
            )
        if not eps > 0:
            raise ValueError(f"{op}: eps must be positive during training, got {eps}")
        stats = {} if rm is None else {"running_mean": rm.data, "running_var": rv.data}
        return apply(ops.BatchNorm, x, *params, parts=parts, momentum=float(momentum), eps=eps, **stats)
    if not eps >= 0:
        raise ValueError(f"{op}: eps must be non-negative, got {eps}")
    if rm is None:
        raise ValueError(f"{op}: running_mean and running_var must be given in evaluation mode")
    return apply(ops.BatchNormEval, x, *params, parts=parts, mean=rm.data, var=rv.data, eps=eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5) -> Tensor:
    """torch.nn.functional.layer_norm: normalizes over the trailing dims `normalized_shape` (a
    tuple or list of ints) with their mean and biased variance, then y * weight + bias."""
    op = "layer_norm"
    x = _t(input, op)
    if not isinstance(normalized_shape, (tuple, list)) or not all(
        isinstance(s, (int, np.integer)) and not isinstance(s, (bool, np.bool_)) for s in normalized_shape
    ):
        raise TypeError(f"{op}: normalized_shape must be a tuple of ints, got {normalized_shape!r}")
    shape = tuple(int(s) for s in normalized_shape)
    k = len(shape)
    if not k:
        raise ValueError(f"{op}: expected normalized_shape to have at least one element, got ()")
    if x.ndim < k or x.shape[x.ndim - k :] != shape:
        raise ValueError(
            f"{op}: given normalized_shape={shape}, expected input with shape "
            f"(*, {', '.join(map(str, shape))}), got {x.shape}"
        )
    _check_float_input(x, op)
    what = f"normalized_shape {shape}"
    weight, bias = (_like_input(t, n, x, shape, what, op) for t, n in ((weight, "weight"), (bias, "bias")))
    if not _is_number(eps):
        raise TypeError(f"{op}: eps must be a number, got {type(eps).__name__}")
    parts, params = _affine_args(weight, bias)
    return apply(ops.LayerNorm, x, *params, parts=parts, ndim=k, eps=eps)


def gelu(input, approximate: str = "none") -> Tensor:
    """x * Phi(x) (approximate="none", with erf) or torch's tanh approximation ("tanh")."""
    x = _t(input, "gelu")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    if x.dtype.kind != "f":
        raise TypeError(f"gelu: expected a floating point tensor, got {x.dtype}")
    return apply(ops.GELU, x, approximate=approximate)


def _feature_dropout(x: Tensor, p, training: bool, op: str) -> Tensor:
    """torch's feature dropout: each (sample, channel) of x (N, C, *) kept with probability 1 - p
    and scaled by 1 / (1 - p), or zeroed whole."""
    if not training or p == 0 or x.numel() == 0:
        return x
    xp = backend.array_module(x.data)
    if p == 1:  # zeros of x's dtype, as torch (whatever the dtype or rank)
        return x * 0.0 if x.dtype.kind == "f" else Tensor(xp.zeros_like(x.data))
    if x.ndim < 2:
        raise ValueError(f"{op}: feature dropout needs an input of at least 2 dims (N, C, *), got {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point tensor, got {x.dtype}")
    mask_shape = x.shape[:2] + (1,) * (x.ndim - 2)
    keep = generator().random(mask_shape) >= p
    scale = backend.to_device((keep / (1.0 - p)).astype(x.dtype), backend.device_of(x.data))
    return x * Tensor(scale)


def _check_p(p, op: str) -> None:
    if not _is_number(p):
        raise TypeError(f"{op}: p must be a number, got {type(p).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def dropout1d(input, p: float = 0.5, training: bool = True) -> Tensor:
    """Zeroes whole channels of input (N, C, L) or unbatched (C, L) with probability p."""
    x = _t(input, "dropout1d")
    _check_p(p, "dropout1d")
    if x.ndim not in (2, 3):
        raise ValueError(f"dropout1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {x.shape}")
    if x.ndim == 2:
        return _feature_dropout(x.unsqueeze(0), p, training, "dropout1d").squeeze(0)
    return _feature_dropout(x, p, training, "dropout1d")


def dropout2d(input, p: float = 0.5, training: bool = True) -> Tensor:
    """Zeroes whole channels of input (N, C, H, W) with probability p. As torch, a 3-D input is
    taken as (N, C, L) (channel-wise 1-D dropout) and any rank >= 2 masks axes 0 and 1."""
    x = _t(input, "dropout2d")
    _check_p(p, "dropout2d")
    return _feature_dropout(x, p, training, "dropout2d")
