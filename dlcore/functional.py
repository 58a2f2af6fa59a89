"""Public differentiable functions (dlcore.add, dlcore.nn.functional.relu, ...) and composites.

Each function accepts tensors or plain numbers/arrays (wrapped as constants, see
tensor.as_tensor_like: anything else is a TypeError naming the function) and forwards to the
Tensor method or ops Function of the same name.
Composites (losses, minimum, nll_loss) are built from those primitives and have no backward of
their own.
"""

from __future__ import annotations

import numpy as np

from . import backend, ops
from .tensor import Tensor, apply, as_tensor_like, mat_product, power, promote, subtract


def _tensor(x, op: str) -> Tensor:
    """x, or the Python number/array x as a tensor of the default dtypes (TypeError naming op)."""
    return as_tensor_like(x, (), op)


# ---- elementwise -----------------------------------------------------------------------------


def add(a, b) -> Tensor:
    return apply(ops.Add, *promote(a, b, op="add"))


def sub(a, b) -> Tensor:
    return subtract(a, b)


def mul(a, b) -> Tensor:
    return apply(ops.Mul, *promote(a, b, op="mul"))


def div(a, b) -> Tensor:
    """a / b; two integer operands divide in float32 (true division, as torch)."""
    return apply(ops.Div, *promote(a, b, op="div", floating=True))


def pow(a, b) -> Tensor:
    return power(a, b)


def matmul(a, b) -> Tensor:
    return mat_product(a, b)


def getitem(x: Tensor, idx) -> Tensor:
    return _tensor(x, "getitem")[idx]


def neg(x):
    return -_tensor(x, "neg")


def exp(x):
    return _tensor(x, "exp").exp()


def log(x):
    return _tensor(x, "log").log()


def sqrt(x):
    return _tensor(x, "sqrt").sqrt()


def abs(x):
    return _tensor(x, "abs").abs()


def tanh(x):
    return _tensor(x, "tanh").tanh()


def sigmoid(x):
    return _tensor(x, "sigmoid").sigmoid()


def relu(x):
    return _tensor(x, "relu").relu()


def clamp(x: Tensor, min=None, max=None) -> Tensor:
    return _tensor(x, "clamp").clamp(min, max)


def maximum(a, b) -> Tensor:
    return apply(ops.Maximum, *promote(a, b, op="maximum"))


def minimum(a, b) -> Tensor:
    return apply(ops.Minimum, *promote(a, b, op="minimum"))


def where(cond, a, b) -> Tensor:
    """a where cond else b; cond must be a bool tensor (or bools), as torch."""
    a, b = promote(a, b, op="where")
    return apply(ops.Where, a, b, _tensor(cond, "where").detach())


# ---- reductions and shape --------------------------------------------------------------------


def sum(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return _tensor(x, "sum").sum(dim, keepdim)


def mean(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return _tensor(x, "mean").mean(dim, keepdim)


def max(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
    """As torch.max: max(x), the 0-d maximum; max(x, dim), the named tuple (values, indices);
    max(x, other), the elementwise maximum."""
    return _tensor(x, "max").max(dim, keepdim, axis=axis, keepdims=keepdims)


def min(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
    """As torch.min: min(x), the 0-d minimum; min(x, dim), the named tuple (values, indices);
    min(x, other), the elementwise minimum."""
    return _tensor(x, "min").min(dim, keepdim, axis=axis, keepdims=keepdims)


def amax(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    return _tensor(x, "amax").amax(dim, keepdim, axis=axis, keepdims=keepdims)


def amin(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    return _tensor(x, "amin").amin(dim, keepdim, axis=axis, keepdims=keepdims)


def argmax(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    return _tensor(x, "argmax").argmax(dim, keepdim, axis=axis, keepdims=keepdims)


def argmin(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    return _tensor(x, "argmin").argmin(dim, keepdim, axis=axis, keepdims=keepdims)


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|a - b| <= atol + rtol * |b| elementwise (bool, broadcast), as torch.isclose: a and b of one
    dtype (TypeError otherwise); NaNs are close only with equal_nan."""
    a, b = _tensor(a, "isclose"), as_tensor_like(b, (a, b), "isclose")
    if a.dtype != b.dtype:
        raise TypeError(f"isclose: a ({a.dtype}) and b ({b.dtype}) must have the same dtype")
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")
    xp = backend.array_module(a.data)
    try:
        return Tensor(xp.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan))
    except ValueError:
        raise ValueError(f"isclose: shapes {a.shape} and {b.shape} do not broadcast") from None


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when isclose(a, b, ...) holds everywhere (a Python bool), as torch.allclose."""
    return bool(isclose(a, b, rtol, atol, equal_nan).data.all())


def t(x: Tensor) -> Tensor:
    return _tensor(x, "t").t()


def reshape(x: Tensor, *shape) -> Tensor:
    return _tensor(x, "reshape").reshape(*shape)


def view(x: Tensor, *shape) -> Tensor:
    """reshape that never copies (torch.Tensor.view): the result shares x's storage, else ValueError."""
    return _tensor(x, "view").view(*shape)


def permute(x: Tensor, *dims) -> Tensor:
    return _tensor(x, "permute").permute(*dims)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    return _tensor(x, "transpose").transpose(dim0, dim1)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return _tensor(x, "flatten").flatten(start_dim, end_dim)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    return _tensor(x, "unsqueeze").unsqueeze(dim)


def squeeze(x: Tensor, dim=None) -> Tensor:
    return _tensor(x, "squeeze").squeeze(dim)


def cat(tensors, dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    return apply(ops.Cat, *promote(*tensors, op="cat"), axis=dim)  # int and float parts: torch's dtype


def stack(tensors, dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    return apply(ops.Stack, *promote(*tensors, op="stack"), axis=dim)


# ---- neural-network functions ----------------------------------------------------------------


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    return _tensor(x, "log_softmax").log_softmax(dim)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    return _tensor(x, "softmax").softmax(dim)


def _same_device(op: str, x, weight, bias) -> None:
    """TypeError naming op when the tensors among x, weight, bias are on more than one device
    (else the gemm kernel or the array module fails with a message that does not name op)."""
    devices = [str(t.device) for t in (x, weight, bias) if isinstance(t, Tensor)]
    if len(set(devices)) > 1:
        raise TypeError(f"{op}: input, weight and bias must be on one device, got {', '.join(devices)}")


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias, weight (out_features, in_features) as torch.nn.functional.linear."""
    _same_device("linear", x, weight, bias)
    return apply(ops.Linear, x, weight) if bias is None else apply(ops.Linear, x, weight, bias)


def linear_feedback_alignment(
    x: Tensor, weight: Tensor, bias: Tensor | None, feedback_weight: Tensor
) -> Tensor:
    """x @ weight.T + bias, as linear, whose backward gives weight and bias their usual gradients
    but sends grad_output @ feedback_weight to x instead of grad_output @ weight (feedback
    alignment, Lillicrap et al. 2016). feedback_weight: a fixed (out_features, in_features) tensor
    of weight's dtype and device; it gets no gradient. float32/float64 only."""
    args = (x, weight, feedback_weight) + (() if bias is None else (bias,))
    return apply(ops.LinearFeedbackAlignment, *args)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    x = _tensor(x, "dropout")
    floating = x.dtype.kind in "fc"
    if p == 1.0:  # zeros of x's dtype, as torch (whatever the dtype)
        return x * 0.0 if floating else Tensor(backend.array_module(x.data).zeros_like(x.data))
    if not floating and x.data.size:  # as torch: no integer/bool dropout in training (empty: x)
        raise TypeError(f"dropout: expected a floating point tensor, got {x.dtype}")
    if not floating:
        return x
    return apply(ops.Dropout, x, p=p)


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
    input = _tensor(input, "mse_loss")
    target = as_tensor_like(target, (input, target))
    _check_same_shape(input, target, "mse_loss")
    d = input - target
    return _reduce(d * d, reduction, "mse_loss")


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    input = _tensor(input, "l1_loss")
    target = as_tensor_like(target, (input, target))
    _check_same_shape(input, target, "l1_loss")
    return _reduce(abs(input - target), reduction, "l1_loss")


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    if not delta > 0:
        raise ValueError(
            f"huber_loss: delta must be positive, got {delta} "
            f"(huber_loss does not support non-positive values for delta)"
        )
    input = _tensor(input, "huber_loss")
    target = as_tensor_like(target, (input, target))
    _check_same_shape(input, target, "huber_loss")
    input, target = promote(input, target, op="huber_loss")
    return _reduce(apply(ops.Huber, input, target, delta=delta), reduction, "huber_loss")


def _unbatched(fn, input: Tensor, target: Tensor, reduction: str, name: str) -> Tensor:
    """fn on an unbatched input (C,) and 0-d target, as torch: a batch of one; 'none' gives 0-d."""
    if target.ndim != 0:
        raise ValueError(f"{name}: an unbatched input {input.shape} takes a 0-d target, got {target.shape}")
    out = fn(input.reshape(1, -1), target.reshape(1), reduction)
    return out.reshape(()) if reduction == "none" else out


def cross_entropy(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """log-softmax + NLL over classes: input (N, C), (N, C, d1...) or unbatched (C,), target int64
    (N,) / (N, d1...) / ()."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    input, target = _tensor(input, "cross_entropy"), _tensor(target, "cross_entropy")
    if input.ndim == 1:
        return _unbatched(cross_entropy, input, target, reduction, "cross_entropy")
    if input.ndim > 2:  # (N, C, d...) -> (N*d..., C)
        c = input.shape[1]
        if target.shape != (input.shape[0],) + input.shape[2:]:
            raise ValueError(f"cross_entropy: target shape {target.shape} does not match input {input.shape}")
        flat = permute(input, (0,) + tuple(range(2, input.ndim)) + (1,)).reshape(-1, c)
        out = apply(ops.CrossEntropy, flat, target.reshape(-1), reduction=reduction)
        return out.reshape(target.shape) if reduction == "none" else out
    return apply(ops.CrossEntropy, input, target, reduction=reduction)


def nll_loss(log_probs: Tensor, target, reduction: str = "mean") -> Tensor:
    """-log_probs at the target class: input (N, C), (N, C, d1...) or unbatched (C,), as torch."""
    log_probs, target = _tensor(log_probs, "nll_loss"), _tensor(target, "nll_loss")
    if log_probs.ndim == 1 or log_probs.ndim > 2:
        if log_probs.ndim == 1:
            return _unbatched(nll_loss, log_probs, target, reduction, "nll_loss")
        if target.shape != (log_probs.shape[0],) + log_probs.shape[2:]:
            raise ValueError(f"nll_loss: target shape {target.shape} does not match input {log_probs.shape}")
        c, dims = log_probs.shape[1], (0, *range(2, log_probs.ndim), 1)
        out = nll_loss(permute(log_probs, dims).reshape(-1, c), target.reshape(-1), reduction)
        return out.reshape(target.shape) if reduction == "none" else out
    t = target.data
    if log_probs.ndim != 2 or t.shape != (log_probs.shape[0],):
        raise ValueError(
            f"nll_loss: expected input (N, C) and target (N,), got {log_probs.shape} and {t.shape}"
        )
    if t.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: target must be integer class indices, got {t.dtype}")
    if t.size and (int(t.min()) < 0 or int(t.max()) >= log_probs.shape[1]):
        raise ValueError(
            f"nll_loss: targets must lie in [0, {log_probs.shape[1]}), got values "
            f"in [{int(t.min())}, {int(t.max())}]"
        )
    picked = log_probs[np.arange(log_probs.shape[0]), t]
    return _reduce(-picked, reduction, "nll_loss")
