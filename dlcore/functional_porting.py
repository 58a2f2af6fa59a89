"""The functions of the PyTorch porting API beyond the core set: dlcore.flip, all/any, eq/ne/...,
var/std, sin/cos, square/log1p/expm1/clip, isnan/isinf/isfinite, masked_fill, cumsum, gather,
sort/argsort/topk, where(cond) (the one-argument form), eye, rand_like/randn_like, is_tensor, and
the torch.nn.functional ones: one_hot, leaky_relu, binary_cross_entropy,
binary_cross_entropy_with_logits, smooth_l1_loss.

Each function accepts a tensor or a Python number/array (a constant of the default dtypes; other
values are a TypeError naming the function) and forwards to the Tensor method of the same name
(dlcore.tensor_math); the losses are composites of differentiable primitives.
"""

from __future__ import annotations

import numpy as np

from . import backend, creation, ops
from . import functional as _f
from .tensor import Tensor, apply, as_tensor_like

_t = _f._tensor  # x as a tensor (a Python number/array: the default dtypes), TypeError naming op


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def flip(x, dims) -> Tensor:
    return _t(x, "flip").flip(dims)


def all(x, dim=None, keepdim: bool = False) -> Tensor:
    return _t(x, "all").all(dim, keepdim)


def any(x, dim=None, keepdim: bool = False) -> Tensor:
    return _t(x, "any").any(dim, keepdim)


def logical_not(x) -> Tensor:
    return _t(x, "logical_not").logical_not()


def eq(a, b) -> Tensor:
    return _t(a, "eq").eq(b)


def ne(a, b) -> Tensor:
    return _t(a, "ne").ne(b)


def lt(a, b) -> Tensor:
    return _t(a, "lt").lt(b)


def le(a, b) -> Tensor:
    return _t(a, "le").le(b)


def gt(a, b) -> Tensor:
    return _t(a, "gt").gt(b)


def ge(a, b) -> Tensor:
    return _t(a, "ge").ge(b)


def var(x, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    return _t(x, "var").var(dim, unbiased, keepdim, correction=correction)


def std(x, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    return _t(x, "std").std(dim, unbiased, keepdim, correction=correction)


def sin(x) -> Tensor:
    return _t(x, "sin").sin()


def cos(x) -> Tensor:
    return _t(x, "cos").cos()


def square(x) -> Tensor:
    return _t(x, "square").square()


def log1p(x) -> Tensor:
    return _t(x, "log1p").log1p()


def expm1(x) -> Tensor:
    return _t(x, "expm1").expm1()


def clip(x, min=None, max=None) -> Tensor:
    return _t(x, "clip").clamp(min, max)


def isnan(x) -> Tensor:
    return _t(x, "isnan").isnan()


def isinf(x) -> Tensor:
    return _t(x, "isinf").isinf()


def isfinite(x) -> Tensor:
    return _t(x, "isfinite").isfinite()


def masked_fill(x, mask, value) -> Tensor:
    return _t(x, "masked_fill").masked_fill(mask, value)


def cumsum(x, dim) -> Tensor:
    return _t(x, "cumsum").cumsum(dim)


def gather(x, dim, index) -> Tensor:
    return _t(x, "gather").gather(dim, index)


def sort(x, dim=-1, descending: bool = False, stable: bool = False):
    return _t(x, "sort").sort(dim, descending, stable)


def argsort(x, dim=-1, descending: bool = False, stable: bool = False) -> Tensor:
    return _t(x, "argsort").argsort(dim, descending, stable)


def topk(x, k, dim=-1, largest: bool = True, sorted: bool = True):
    return _t(x, "topk").topk(k, dim, largest, sorted)


_MISSING = object()


def where(condition, input=_MISSING, other=_MISSING):
    """where(cond, a, b): a where cond else b; where(cond): the indices of its nonzero elements,
    a tuple of int64 tensors, one per dim (torch.nonzero(cond, as_tuple=True))."""
    if input is _MISSING and other is _MISSING:
        c = _t(condition, "where")
        xp = backend.array_module(c.data)
        nonzero = xp.nonzero(xp.atleast_1d(c.data))  # 0-d: one index dim of length 0 or 1, as torch
        return tuple(Tensor(i.astype(np.int64)) for i in nonzero)
    if input is _MISSING or other is _MISSING:
        raise TypeError("where: expects where(condition) or where(condition, input, other)")
    return _f.where(condition, input, other)


# ---- factories -------------------------------------------------------------------------------


def eye(n, m=None, dtype=None, requires_grad: bool = False, device="cpu") -> Tensor:
    """The n x m (m defaults to n) identity matrix."""
    m = n if m is None else m
    for name, v in (("n", n), ("m", m)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
            raise ValueError(f"eye: {name} must be a non-negative integer, got {v!r}")
    out = creation.zeros(n, m, dtype=dtype, device=device)
    backend.array_module(out.data).fill_diagonal(out.data, 1)
    return out.requires_grad_() if requires_grad else out


def rand_like(x: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) values of x's shape, dtype (floating) and device."""
    x = _t(x, "rand_like")
    return creation.rand(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad, device=x.device)


def randn_like(x: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal values of x's shape, dtype (floating) and device."""
    x = _t(x, "randn_like")
    return creation.randn(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad, device=x.device)


# ---- torch.nn.functional ---------------------------------------------------------------------


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor (..., num_classes) with a 1 at each index of the int64 `tensor` (torch's
    one_hot: num_classes -1 means max + 1; indices must lie in [0, num_classes))."""
    t = _t(tensor, "one_hot")
    if t.dtype != np.int64:
        raise TypeError(f"one_hot: is only applicable to index tensors (int64), got {t.dtype}")
    a = t.data
    if not a.size and num_classes <= 0:  # torch: also for num_classes 0
        raise ValueError("one_hot: can not infer the total number of classes from an empty tensor")
    if num_classes == -1:
        num_classes = int(a.max()) + 1
    if a.size and (int(a.min()) < 0 or int(a.max()) >= num_classes):
        raise ValueError(
            f"one_hot: class values must lie in [0, {num_classes}), got [{int(a.min())}, {int(a.max())}]"
        )
    xp = backend.array_module(a)
    return Tensor((a[..., None] == xp.arange(num_classes)).astype(np.int64))


def _broadcast(*shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def _bce_args(input, target, weight, name: str):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a tensor, got {type(input).__name__}")
    target = as_tensor_like(target, (input, target), name)
    if input.shape != target.shape:
        raise ValueError(f"{name}: target size {target.shape} must be the same as input size {input.shape}")
    if weight is not None:
        weight = as_tensor_like(weight, (input, weight), name).detach()  # no gradient, as torch
        weight = weight.to(dtype=input.dtype)  # torch: the loss keeps the input's dtype
        if _broadcast(weight.shape, input.shape) != input.shape:
            raise ValueError(f"{name}: weight of shape {weight.shape} does not broadcast to {input.shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got {input.dtype}")
    return target, weight


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean") -> Tensor:
    """-(t log p + (1 - t) log(1 - p)) with each log clamped at -100 (torch): input p in [0, 1]."""
    target, weight = _bce_args(input, target, weight, "binary_cross_entropy")
    for what, t in (("input", input), ("target", target)):  # NaN is outside too, as torch
        if t.numel() and not bool(((t.data >= 0) & (t.data <= 1)).all()):
            raise ValueError(f"binary_cross_entropy: all elements of {what} should be between 0 and 1")
    loss = apply(ops.BinaryCrossEntropy, input, target)
    if weight is not None:
        loss = loss * weight
    return _f._reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(
    input, target, weight=None, reduction: str = "mean", pos_weight=None
) -> Tensor:
    """BCE of sigmoid(input), stably: (1 - t) x + (1 + (w - 1) t) softplus(-x), w = pos_weight
    (broadcast over the last dim, as torch), softplus(-x) = -logsigmoid(x) without overflow."""
    target, weight = _bce_args(input, target, weight, "binary_cross_entropy_with_logits")
    softplus_neg = -apply(ops.LogSigmoid, input)  # log(1 + exp(-x)) = -log(sigmoid(x))
    if pos_weight is None:
        loss = (1 - target) * input + softplus_neg
    else:
        pw = as_tensor_like(pos_weight, (input, pos_weight), "binary_cross_entropy_with_logits")
        pw = pw.detach().to(dtype=input.dtype)  # not differentiable, the input's dtype, as torch
        if _broadcast(pw.shape, input.shape) != input.shape:
            raise ValueError(
                f"binary_cross_entropy_with_logits: pos_weight of shape {pw.shape} does not "
                f"broadcast to {input.shape}"
            )
        loss = (1 - target) * input + (1 + (pw - 1) * target) * softplus_neg
    if weight is not None:
        loss = loss * weight
    return _f._reduce(loss, reduction, "binary_cross_entropy_with_logits")


def leaky_relu(input, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x (the gradient at 0 is negative_slope, as torch)."""
    x = _t(input, "leaky_relu")
    if x.dtype.kind != "f":
        raise TypeError(f"leaky_relu: expects a floating-point tensor, got {x.dtype}")
    if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float, np.number)):
        raise TypeError(f"leaky_relu: negative_slope must be a number, got {type(negative_slope).__name__}")
    return _f.where(x > 0, x, x * negative_slope)


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta 0 is the
    L1 loss; a negative beta is a ValueError, as torch."""
    if not beta >= 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if not isinstance(input, Tensor):
        raise TypeError(f"smooth_l1_loss: input must be a tensor, got {type(input).__name__}")
    target = as_tensor_like(target, (input, target), "smooth_l1_loss")
    _f._check_same_shape(input, target, "smooth_l1_loss")
    if beta == 0:
        return _f.l1_loss(input, target, reduction=reduction)
    return _f._reduce(apply(ops.SmoothL1, input - target, beta=beta), reduction, "smooth_l1_loss")
