"""Public differentiable functions (dlcore.add, dlcore.nn.functional.relu, ...) and the Tensor
methods that forward to them. Composite functions (losses, softmax variants) are built from the
primitives in dlcore/ops.py and have no backward of their own.
"""
from __future__ import annotations

import numpy as np

from . import ops
from .tensor import Tensor, _as_tensor_like


def _pair(a, b):
    """Both operands as tensors; an integer/bool tensor meeting a float one takes the float's dtype
    (torch's promotion: int64 + float32 -> float32, where numpy would give float64)."""
    a, b = _as_tensor_like(a, (a, b)), _as_tensor_like(b, (a, b))
    ka, kb = a.data.dtype.kind, b.data.dtype.kind
    if ka == "f" and kb in "iub":
        b = Tensor(b.data.astype(a.data.dtype))
    elif kb == "f" and ka in "iub":
        a = Tensor(a.data.astype(b.data.dtype))
    return a, b


def add(a, b) -> Tensor:
    return ops.Add.apply(*_pair(a, b))


def sub(a, b) -> Tensor:
    return ops.Sub.apply(*_pair(a, b))


def mul(a, b) -> Tensor:
    return ops.Mul.apply(*_pair(a, b))


def div(a, b) -> Tensor:
    a, b = _pair(a, b)
    if a.data.dtype.kind in "iub" and b.data.dtype.kind in "iub":  # true division: float32, as torch
        a, b = Tensor(a.data.astype(np.float32)), Tensor(b.data.astype(np.float32))
    return ops.Div.apply(a, b)


def pow(a, b) -> Tensor:
    if isinstance(a, Tensor) and isinstance(b, (int, float, np.number)):
        return ops.PowScalar.apply(a, p=b)
    return ops.Pow.apply(*_pair(a, b))


def matmul(a, b) -> Tensor:
    return ops.MatMul.apply(*_pair(a, b))


def getitem(x: Tensor, idx) -> Tensor:
    return ops.GetItem.apply(x, idx=ops.unwrap_index(idx))


def neg(x): return ops.Neg.apply(x)
def exp(x): return ops.Exp.apply(x)
def log(x): return ops.Log.apply(x)
def sqrt(x): return ops.Sqrt.apply(x)
def abs(x): return ops.Abs.apply(x)
def tanh(x): return ops.Tanh.apply(x)
def sigmoid(x): return ops.Sigmoid.apply(x)
def relu(x): return ops.ReLU.apply(x)


def clamp(x: Tensor, min=None, max=None) -> Tensor:
    return ops.Clamp.apply(x, min=min, max=max)


def maximum(a, b) -> Tensor:
    return ops.Maximum.apply(*_pair(a, b))


def minimum(a, b) -> Tensor:
    a, b = _pair(a, b)
    return -ops.Maximum.apply(-a, -b, op="minimum")


def where(cond, a, b) -> Tensor:
    a, b = _pair(a, b)
    c = cond.data if isinstance(cond, Tensor) else cond
    return ops.Where.apply(a, b, Tensor(c))


def sum(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return ops.Sum.apply(x, axis=dim, keepdim=keepdim)


def mean(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return ops.Mean.apply(x, axis=dim, keepdim=keepdim)


def max(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Values of the maximum over `dim` (torch.amax semantics)."""
    return ops.Max.apply(x, axis=dim, keepdim=keepdim)


def reshape(x: Tensor, *shape) -> Tensor:
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return ops.Reshape.apply(x, shape=shape)


def view(x: Tensor, *shape) -> Tensor:
    """reshape that never copies (torch.Tensor.view): the result shares x's storage, else ValueError."""
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return ops.Reshape.apply(x, shape=shape, view=True)


def permute(x: Tensor, *dims) -> Tensor:
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    return ops.Permute.apply(x, dims=dims)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    dims = list(range(x.ndim))
    i, j = ops._check_axis("transpose", dim0, x.ndim), ops._check_axis("transpose", dim1, x.ndim)
    dims[i], dims[j] = dims[j], dims[i]
    return permute(x, dims)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if x.ndim == 0:
        return reshape(x, (1,))
    s, e = ops._check_axis("flatten", start_dim, x.ndim), ops._check_axis("flatten", end_dim, x.ndim)
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {x.shape}")
    return reshape(x, x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:])


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    dim = ops._check_axis("unsqueeze", dim, x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def squeeze(x: Tensor, dim=None) -> Tensor:
    if dim is None:
        return reshape(x, tuple(s for s in x.shape if s != 1))
    dim = ops._check_axis("squeeze", dim, x.ndim)
    return reshape(x, x.shape[:dim] + x.shape[dim + 1:]) if x.shape[dim] == 1 else x


def cat(tensors, dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    return ops.Cat.apply(*tensors, axis=dim)


def stack(tensors, dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    return ops.Stack.apply(*tensors, axis=dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    return ops.LogSoftmax.apply(x, axis=dim)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    return ops.Softmax.apply(x, axis=dim)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias, weight (out_features, in_features) as torch.nn.functional.linear."""
    return ops.Linear.apply(x, weight) if bias is None else ops.Linear.apply(x, weight, bias)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    return ops.Dropout.apply(x, p=p)


# ---- losses ----------------------------------------------------------------------------------

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _check_same_shape(input: Tensor, target: Tensor, name: str) -> None:
    if input.shape != target.shape:
        raise ValueError(f"{name}: input shape {input.shape} and target shape {target.shape} must be equal")


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    target = _as_tensor_like(target, (input, target))
    _check_same_shape(input, target, "mse_loss")
    d = input - target
    return _reduce(d * d, reduction, "mse_loss")


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    target = _as_tensor_like(target, (input, target))
    _check_same_shape(input, target, "l1_loss")
    return _reduce(abs(input - target), reduction, "l1_loss")


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    target = _as_tensor_like(target, (input, target))
    _check_same_shape(input, target, "huber_loss")
    a = abs(input - target)
    small = clamp(a, max=delta)
    return _reduce(0.5 * small * small + delta * (a - small), reduction, "huber_loss")


def cross_entropy(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """log-softmax + NLL over classes: input (N, C) or (N, C, d1...), target int64 (N,) / (N, d1...)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    target = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    if input.ndim > 2:  # (N, C, d...) -> (N*d..., C)
        c = input.shape[1]
        if target.shape != (input.shape[0],) + input.shape[2:]:
            raise ValueError(f"cross_entropy: target shape {target.shape} does not match input {input.shape}")
        flat = permute(input, (0,) + tuple(range(2, input.ndim)) + (1,)).reshape(-1, c)
        out = ops.CrossEntropy.apply(flat, target.reshape(-1), reduction=reduction)
        return out.reshape(target.shape) if reduction == "none" else out
    return ops.CrossEntropy.apply(input, target, reduction=reduction)


def nll_loss(log_probs: Tensor, target, reduction: str = "mean") -> Tensor:
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if log_probs.ndim != 2 or t.shape != (log_probs.shape[0],):
        raise ValueError(f"nll_loss: expected input (N, C) and target (N,), got {log_probs.shape} and {t.shape}")
    if t.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: target must be integer class indices, got {t.dtype}")
    if t.size and (int(t.min()) < 0 or int(t.max()) >= log_probs.shape[1]):
        raise ValueError(f"nll_loss: targets must lie in [0, {log_probs.shape[1]}), got values "
                         f"in [{int(t.min())}, {int(t.max())}]")
    picked = log_probs[np.arange(log_probs.shape[0]), t]
    return _reduce(-picked, reduction, "nll_loss")


# ---- Tensor methods --------------------------------------------------------------------------

def _argmax(x: Tensor, dim=None, keepdim=False) -> Tensor:
    r = x.data.argmax(axis=dim)
    if keepdim and dim is not None:
        r = np.expand_dims(r, dim)
    return Tensor(r)


_METHODS = {
    "sum": sum, "mean": mean, "max": max, "reshape": reshape, "view": view,
    "permute": permute, "transpose": transpose, "flatten": flatten, "unsqueeze": unsqueeze,
    "squeeze": squeeze, "exp": exp, "log": log, "sqrt": sqrt, "abs": abs, "tanh": tanh,
    "sigmoid": sigmoid, "relu": relu, "clamp": clamp, "log_softmax": log_softmax,
    "softmax": softmax, "matmul": matmul, "pow": pow, "argmax": _argmax,
}
for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
