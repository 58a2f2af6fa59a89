"""torch.nn.functional's pooling: max_pool1d/2d (return_indices), avg_pool1d/2d, adaptive_avg_pool1d/2d,
with torch's arguments and defaults (stride None: kernel_size), batched (N, C, [H,] W) and unbatched
(C, [H,] W) inputs, float32/float64. Bad arguments raise what torch refuses as ValueError/TypeError
"op: ..." naming the shapes. The ops are dlcore.ops.pool's Functions over the last two axes; 1-D
pooling runs them on (..., 1, L).
"""

from __future__ import annotations

import numbers

from . import ops
from .ops.pool import output_size
from .tensor import Tensor, apply, as_tensor_like


def _ints(value, n: int, name: str, op: str) -> tuple:
    """An int, or a tuple/list of 1 or n ints, as an n-tuple (torch's rule)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value),) * n
    if isinstance(value, (tuple, list)) and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value
    ):
        if len(value) == 1:
            return (int(value[0]),) * n
        if len(value) == n:
            return tuple(int(v) for v in value)
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {tuple(value)}")
    raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {type(value).__name__}")


def _input(input, op: str, n: int, empty_channels: bool = False) -> Tensor:
    """input as a floating tensor of n + 1 (unbatched) or n + 2 dims; N may be 0, C too for the
    adaptive pools (empty_channels: they check the spatial sizes themselves)."""
    x = as_tensor_like(input, (), op)
    names = ("C, L", "N, C, L") if n == 1 else ("C, H, W", "N, C, H, W")
    if x.ndim not in (n + 1, n + 2):
        raise ValueError(f"{op}: expected a ({names[0]}) or ({names[1]}) input, got shape {tuple(x.shape)}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got {x.dtype}")
    if not empty_channels and 0 in x.shape[-n - 1 :]:
        raise ValueError(
            f"{op}: input of shape {tuple(x.shape)} is empty: C and the spatial sizes must be >= 1"
        )
    return x


def _geometry(x, op, n, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    """(kernel, stride, padding, dilation) as n-tuples, checked as torch does, and the output size."""
    k = _ints(kernel_size, n, "kernel_size", op)
    s = (
        k
        if stride is None or (isinstance(stride, (tuple, list)) and not stride)
        else _ints(stride, n, "stride", op)
    )
    p, d = _ints(padding, n, "padding", op), _ints(dilation, n, "dilation", op)
    for name, v, low in (("kernel_size", k, 1), ("stride", s, 1), ("padding", p, 0), ("dilation", d, 1)):
        if min(v) < low:
            raise ValueError(f"{op}: {name} must be >= {low}, got {v if n > 1 else v[0]}")
    if any(2 * pi > ki for pi, ki in zip(p, k)):
        raise ValueError(f"{op}: padding {p} must be at most half of kernel_size {k}")
    out = tuple(output_size(x.shape[-n + i], k[i], s[i], p[i], d[i], bool(ceil_mode)) for i in range(n))
    if min(out) < 1:
        raise ValueError(
            f"{op}: input of shape {tuple(x.shape)} is too small for kernel_size {k}, stride {s}, "
            f"padding {p}, dilation {d}: output size {out}"
        )
    return k, s, p, d


def _two(t: tuple) -> tuple:
    """A 1-D geometry tuple as the (1, L) plane's."""
    return t if len(t) == 2 else (1, *t)


def _max_pool(input, n, kernel_size, stride, padding, dilation, ceil_mode, return_indices, op):
    x = _input(input, op, n)
    k, s, p, d = _geometry(x, op, n, kernel_size, stride, padding, dilation, ceil_mode)
    if n == 1:
        k, s, p, d, x = (1, *k), (1, *s), (0, *p), (1, *d), x.unsqueeze(-2)
    sink = [] if return_indices else None
    y = apply(
        ops.MaxPool2d,
        x,
        kernel=k,
        stride=s,
        padding=p,
        dilation=d,
        ceil_mode=bool(ceil_mode),
        indices_sink=sink,
    )
    y = y.squeeze(-2) if n == 1 else y
    if not return_indices:
        return y
    indices = Tensor(sink[0])
    return y, indices.squeeze(-2) if n == 1 else indices


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows of the last axis of (N, C, L) or (C, L); indices into L (return_indices)."""
    return _max_pool(
        input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d"
    )


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows of (N, C, H, W) or (C, H, W); indices h * W + w into each plane (return_indices)."""
    return _max_pool(
        input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d"
    )


def _avg_pool(input, n, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, op):
    x = _input(input, op, n)
    k, s, p, _ = _geometry(x, op, n, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        if not isinstance(divisor_override, numbers.Integral) or isinstance(divisor_override, bool):
            raise TypeError(f"{op}: divisor_override must be an int, got {type(divisor_override).__name__}")
        if divisor_override == 0:
            raise ValueError(f"{op}: divisor_override must be non-zero")
    if n == 1:
        k, s, p, x = (1, *k), (1, *s), (0, *p), x.unsqueeze(-2)
    y = apply(
        ops.AvgPool2d,
        x,
        kernel=k,
        stride=s,
        padding=p,
        ceil_mode=bool(ceil_mode),
        count_include_pad=bool(count_include_pad),
        divisor_override=divisor_override,
    )
    return y.squeeze(-2) if n == 1 else y


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows of the last axis of (N, C, L) or (C, L)."""
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """Window sums of (N, C, H, W) or (C, H, W) over divisor_override, else over the window's size
    (clipped to the padded input with count_include_pad, else its count of input elements)."""
    return _avg_pool(
        input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, "avg_pool2d"
    )


def _adaptive(input, n, output_size, op):
    x = _input(input, op, n, empty_channels=True)
    if isinstance(output_size, (tuple, list)) and len(output_size) == n:
        out = tuple(x.shape[-n + i] if v is None else v for i, v in enumerate(output_size))
    else:
        out = output_size
    out = _ints(out, n, "output_size", op)
    if min(out) < 0:
        raise ValueError(f"{op}: output_size must be >= 0, got {out if n > 1 else out[0]}")
    if 0 in x.shape[-n:]:
        if out == (1,) * n:  # torch's global-average path takes the mean: nan
            return x.mean(dim=tuple(range(-n, 0)), keepdim=True)
        raise ValueError(f"{op}: input of shape {tuple(x.shape)} is empty: the spatial sizes must be >= 1")
    if n == 1:
        return apply(ops.AdaptiveAvgPool2d, x.unsqueeze(-2), output_size=(1, *out)).squeeze(-2)
    return apply(ops.AdaptiveAvgPool2d, x, output_size=out)


def adaptive_avg_pool1d(input, output_size):
    """Means of (N, C, L) or (C, L) over output_size windows [floor(i L / n), ceil((i + 1) L / n))."""
    return _adaptive(input, 1, output_size, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size):
    """Means of (N, C, H, W) or (C, H, W) over torch's adaptive windows; output_size an int or
    (Ho, Wo), None keeping that input size."""
    return _adaptive(input, 2, output_size, "adaptive_avg_pool2d")
