"""conv1d and conv2d as torch.nn.functional: argument checks and normalisation, then ops.Conv2d.

Tensors are NCHW (conv1d: NCL; an unbatched input drops N, as torch). padding is an int, a tuple
(one value per spatial axis, both sides), 'valid', 'same' (stride 1; an odd total puts the extra
element after, as torch) or, for conv1d only, 'causal' (a dlcore extension, as Keras' Conv1D: all
dilation*(kernel-1) zeros before, so y[t] sees x[..t] only). Float32 and float64 only: integer
tensors are a TypeError (torch computes them on the CPU). Errors are ValueError/TypeError naming
the op, the shapes and what was expected.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .tensor import Tensor, apply, as_tensor_like

_PADDING_WORDS = {"conv1d": ("valid", "same", "causal"), "conv2d": ("valid", "same")}


def _ints(value, n: int, name: str, op: str, minimum: int) -> tuple:
    """An int or a tuple/list of 1 or n ints as n ints, each >= minimum."""
    items = value if isinstance(value, (tuple, list)) else (value,)
    if not items or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if len(items) not in (1, n):
        raise ValueError(f"{op}: {name} must have 1 or {n} values, got {value!r}")
    out = tuple(int(v) for v in items) * (n if len(items) == 1 else 1)
    if min(out) < minimum:
        kind = "negative" if minimum == 0 else "non-positive"
        raise ValueError(f"{op}: {kind} {name} is not supported, got {value!r}")
    return out


def _padding(padding, kernel: tuple, stride: tuple, dilation: tuple, op: str) -> tuple:
    """(before, after) per spatial axis, flattened: (top, bottom, left, right) or (left, right)."""
    n = len(kernel)
    if isinstance(padding, str):
        if padding not in _PADDING_WORDS[op]:
            words = ", ".join(repr(w) for w in _PADDING_WORDS[op])
            raise ValueError(f"{op}: padding must be an int, a tuple or one of {words}, got {padding!r}")
        if padding == "valid":
            return (0,) * (2 * n)
        if padding == "same" and max(stride) > 1:
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
        out = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            out += [total, 0] if padding == "causal" else [total // 2, total - total // 2]
        return tuple(out)
    pads = _ints(padding, n, "padding", op, 0)
    return tuple(p for pad in pads for p in (pad, pad))


def _check_operands(op: str, x: Tensor, w: Tensor, b, spatial: int):
    dims = spatial + 2
    for name, t in (("input", x), ("weight", w)) + ((("bias", b),) if b is not None else ()):
        if t.dtype not in (np.float32, np.float64):
            raise TypeError(f"{op}: {name} must be float32 or float64, got {t.dtype}")
    if len({x.dtype, w.dtype} | ({b.dtype} if b is not None else set())) > 1:
        got = ", ".join(str(t.dtype) for t in (x, w, b) if t is not None)
        raise TypeError(f"{op}: input, weight and bias must have the same dtype, got {got}")
    if len({x.device, w.device} | ({b.device} if b is not None else set())) > 1:
        got = ", ".join(t.device for t in (x, w, b) if t is not None)
        raise TypeError(f"{op}: input, weight and bias must be on one device, got {got}")
    layout = "(out_channels, in_channels/groups, " + ", ".join(["kH", "kW"][-spatial:]) + ")"
    if w.ndim != dims:
        raise ValueError(f"{op}: weight must be {dims}-D {layout}, got shape {w.shape}")
    if x.ndim not in (dims - 1, dims):
        raise ValueError(
            f"{op}: expected a {dims - 1}-D (unbatched) or {dims}-D (batched) input, got shape {x.shape}"
        )
    if b is not None and b.shape != (w.shape[0],):
        raise ValueError(
            f"{op}: bias of shape {b.shape} does not match weight {w.shape}: expected ({w.shape[0]},)"
        )


def _conv(op: str, spatial: int, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    x, w = as_tensor_like(input, (), op), as_tensor_like(weight, (), op)
    b = None if bias is None else as_tensor_like(bias, (), op)
    _check_operands(op, x, w, b, spatial)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool):
        raise TypeError(f"{op}: groups must be an int, got {groups!r}")
    if groups < 1:
        raise ValueError(f"{op}: non-positive groups is not supported, got {groups}")
    stride = _ints(stride, spatial, "stride", op, 1)
    dilation = _ints(dilation, spatial, "dilation", op, 1)
    kernel = w.shape[2:]
    pads = _padding(padding, kernel, stride, dilation, op)
    unbatched = x.ndim == spatial + 1
    shape = (1,) + x.shape if unbatched else x.shape
    if w.shape[0] == 0:
        raise ValueError(f"{op}: weight {w.shape} needs at least one output channel")
    if w.shape[0] % groups:
        raise ValueError(f"{op}: out_channels of weight {w.shape} must be divisible by groups={groups}")
    if shape[1] != w.shape[1] * groups or shape[1] == 0:
        raise ValueError(
            f"{op}: input of shape {x.shape} has {shape[1]} channels, but weight {w.shape} with "
            f"groups={groups} expects {w.shape[1] * groups} (and at least 1)"
        )
    if shape[0] and 0 in shape[2:]:
        raise ValueError(
            f"{op}: input of shape {x.shape} has an empty spatial axis (only the batch may be empty)"
        )
    padded = tuple(shape[2 + i] + pads[2 * i] + pads[2 * i + 1] for i in range(spatial))
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < r for p, r in zip(padded, reach)):
        raise ValueError(
            f"{op}: input of shape {x.shape} padded to {padded} is smaller than the dilated kernel {reach}"
        )
    if spatial == 1:  # through conv2d on (N, C, 1, L)
        stride, dilation, pads = (1,) + stride, (1,) + dilation, (0, 0) + pads
    args = (x, w) if b is None else (x, w, b)
    return apply(ops.Conv2d, *args, stride=stride, padding=pads, dilation=dilation, groups=int(groups))


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D cross-correlation: input (N, C, H, W) or (C, H, W), weight (K, C/groups, kH, kW),
    bias (K,) -> (N, K, Ho, Wo), as torch.nn.functional.conv2d."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D cross-correlation: input (N, C, L) or (C, L), weight (K, C/groups, k), bias (K,) ->
    (N, K, Lo), as torch.nn.functional.conv1d; padding='causal' pads dilation*(k-1) zeros before."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)
