"""The differentiable primitives: one Function per op, each with forward(arrays) and backward(g).

Arrays are numpy (CPU) or CuPy (CUDA); `xp` is whichever module owns the input. Matrix products,
log-softmax and cross-entropy on the CPU go through dlcore's C++ kernels (dlcore.backend).
Backward rules return gradients shaped like their inputs (broadcast dimensions summed away).
"""
from __future__ import annotations

import numpy as np

from . import backend
from .tensor import Function, Tensor

# ---- helpers -------------------------------------------------------------------------------


def _xp(x):
    return backend.array_module(x)


def _unbroadcast(g, shape: tuple):
    """Sum g over the axes along which an input of `shape` was broadcast."""
    if tuple(g.shape) == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def _norm_axis(axis, ndim: int, op: str = "reduce"):
    """None, an int or a sequence of ints -> None or a sorted tuple of non-negative axes."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: dim {a} is out of range for a tensor of {ndim} dimensions")
        out.append(int(a) % max(ndim, 1))
    return tuple(sorted(set(out)))


def _bcast_error(op: str, *arrays) -> ValueError:
    shapes = " and ".join(str(tuple(x.shape)) for x in arrays)
    return ValueError(f"{op}: shapes {shapes} do not broadcast")


def _check_axis(op: str, axis, ndim: int) -> int:
    """One axis in [-ndim, ndim) -> its non-negative value, or a ValueError naming op."""
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"{op}: dim {axis!r} is out of range for a tensor of {ndim} dimensions "
                         f"(expected an int in [{-ndim}, {ndim - 1}])")
    return int(axis) % ndim


def _is_cpu_float(x) -> bool:
    return backend.is_numpy(x) and x.dtype in (np.float32, np.float64)


# ---- elementwise binary ----------------------------------------------------------------------


class Add(Function):
    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        try:
            return a + b
        except ValueError:
            raise _bcast_error("add", a, b) from None

    def backward(self, g):
        return _unbroadcast(g, self.shapes[0]), _unbroadcast(g, self.shapes[1])


class Sub(Function):
    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        try:
            return a - b
        except ValueError:
            raise _bcast_error("sub", a, b) from None

    def backward(self, g):
        gb = -_unbroadcast(g, self.shapes[1]) if self.needs_input_grad[1] else None
        return _unbroadcast(g, self.shapes[0]), gb


class Mul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return a * b
        except ValueError:
            raise _bcast_error("mul", a, b) from None

    def backward(self, g):
        ga = _unbroadcast(g * self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = _unbroadcast(g * self.a, self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return a / b
        except ValueError:
            raise _bcast_error("div", a, b) from None

    def backward(self, g):
        ga = _unbroadcast(g / self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = _unbroadcast(-g * self.a / (self.b * self.b), self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            self.out = a ** b
        except ValueError:
            raise _bcast_error("pow", a, b) from None
        return self.out

    def backward(self, g):
        xp = _xp(g)
        ga = None
        if self.needs_input_grad[0]:
            with np.errstate(divide="ignore", invalid="ignore"):
                da = xp.where(self.b == 0, 0, self.b * self.a ** (self.b - 1))  # b == 0: 0, also at a == 0
            ga = _unbroadcast(g * da, self.a.shape)
        gb = None
        if self.needs_input_grad[1]:
            log_a = xp.log(xp.where(self.a > 0, self.a, 1))
            gb = _unbroadcast(g * self.out * log_a, self.b.shape)
        return ga, gb


class PowScalar(Function):
    def forward(self, x, p):
        self.x, self.p = x, p
        return x ** p

    def backward(self, g):
        if self.p == 0:  # d/dx x**0 = 0, also at x = 0 (0 * 0**-1 would be nan)
            return (_xp(g).zeros_like(g),)
        return (g * (self.p * self.x ** (self.p - 1)),)


class Maximum(Function):
    """Elementwise max; where a == b the gradient is split evenly (as torch.maximum)."""

    def forward(self, a, b, op="maximum"):
        self.a, self.b = a, b
        try:
            return _xp(a).maximum(a, b)
        except ValueError:
            raise _bcast_error(op, a, b) from None

    def backward(self, g):
        wa = (self.a > self.b) + 0.5 * (self.a == self.b)
        return _unbroadcast(g * wa, self.a.shape), _unbroadcast(g * (1 - wa), self.b.shape)


class Where(Function):
    def forward(self, a, b, cond):
        self.cond, self.shapes = cond, (a.shape, b.shape)
        try:
            return _xp(a).where(cond, a, b)
        except ValueError:
            raise _bcast_error("where", cond, a, b) from None

    def backward(self, g):
        zero = g.dtype.type(0)
        return (_unbroadcast(_xp(g).where(self.cond, g, zero), self.shapes[0]),
                _unbroadcast(_xp(g).where(self.cond, zero, g), self.shapes[1]), None)


# ---- elementwise unary -----------------------------------------------------------------------


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, g):
        return (-g,)


class Exp(Function):
    def forward(self, x):
        self.y = _xp(x).exp(x)
        return self.y

    def backward(self, g):
        return (g * self.y,)


class Log(Function):
    def forward(self, x):
        self.x = x
        return _xp(x).log(x)

    def backward(self, g):
        return (g / self.x,)


class Sqrt(Function):
    def forward(self, x):
        self.y = _xp(x).sqrt(x)
        return self.y

    def backward(self, g):
        return (g / (2 * self.y),)


class Abs(Function):
    def forward(self, x):
        self.x = x
        return _xp(x).abs(x)

    def backward(self, g):
        return (g * _xp(g).sign(self.x),)


class Tanh(Function):
    def forward(self, x):
        self.y = _xp(x).tanh(x)
        return self.y

    def backward(self, g):
        return (g * (1 - self.y * self.y),)


class Sigmoid(Function):
    def forward(self, x):
        xp = _xp(x)
        self.y = 0.5 * (1 + xp.tanh(0.5 * x))  # overflow-free form of 1 / (1 + exp(-x))
        return self.y

    def backward(self, g):
        return (g * self.y * (1 - self.y),)


class ReLU(Function):
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, g):
        return (g * self.mask,)


class Clamp(Function):
    def forward(self, x, min=None, max=None):
        xp = _xp(x)
        self.mask = xp.ones(x.shape, dtype=bool)
        if min is not None:
            self.mask &= x >= min
        if max is not None:
            self.mask &= x <= max
        return xp.clip(x, min, max)

    def backward(self, g):
        return (g * self.mask,)


class Dropout(Function):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p)."""

    def forward(self, x, p=0.5):
        from .random import generator
        keep = generator().random(x.shape) >= p
        self.scale = (keep / (1.0 - p)).astype(x.dtype)
        if not backend.is_numpy(x):
            self.scale = backend.to_device(self.scale, "cuda")
        return x * self.scale

    def backward(self, g):
        return (g * self.scale,)


# ---- reductions ------------------------------------------------------------------------------


class Sum(Function):
    def forward(self, x, axis=None, keepdim=False):
        self.shape, self.axis, self.keepdim = x.shape, _norm_axis(axis, x.ndim, "sum"), keepdim
        return x.sum(axis=self.axis, keepdims=keepdim)

    def backward(self, g):
        if self.axis is not None and not self.keepdim:
            g = _xp(g).expand_dims(g, self.axis)
        return (_xp(g).broadcast_to(g, self.shape),)


class Mean(Function):
    def forward(self, x, axis=None, keepdim=False):
        self.shape, self.axis, self.keepdim = x.shape, _norm_axis(axis, x.ndim, "mean"), keepdim
        out = x.mean(axis=self.axis, keepdims=keepdim)
        self.count = x.size // max(out.size, 1) if x.size else 1
        return out

    def backward(self, g):
        if self.axis is not None and not self.keepdim:
            g = _xp(g).expand_dims(g, self.axis)
        return (_xp(g).broadcast_to(g / self.count, self.shape),)


class Max(Function):
    """max over axes; ties share the gradient evenly (as torch.amax)."""

    def forward(self, x, axis=None, keepdim=False):
        if x.size == 0:
            raise ValueError(f"max: cannot reduce an empty tensor of shape {x.shape}")
        self.axis, self.keepdim = _norm_axis(axis, x.ndim, "max"), keepdim
        m = x.max(axis=self.axis, keepdims=True)
        self.mask = x == m
        self.count = self.mask.sum(axis=self.axis, keepdims=True)
        return m if keepdim else m.reshape([s for i, s in enumerate(x.shape)
                                            if self.axis is not None and i not in self.axis])

    def backward(self, g):
        if not self.keepdim:
            g = g.reshape(self.count.shape)
        return (g * self.mask / self.count,)


# ---- shape -----------------------------------------------------------------------------------


class Reshape(Function):
    """reshape (copies when it must) or, with view=True, torch's view: same storage or an error."""

    def forward(self, x, shape=(), view=False):
        self.shape = x.shape
        op = "view" if view else "reshape"
        try:
            out = x.reshape(shape)
        except (ValueError, TypeError):
            raise ValueError(f"{op}: cannot reshape a tensor of shape {x.shape} into {tuple(shape)}") from None
        if view and out.size and not _xp(x).may_share_memory(out, x):
            raise ValueError(f"view: a tensor of shape {x.shape} with strides {x.strides} cannot be viewed as "
                             f"{tuple(shape)} without a copy; use reshape()")
        return out

    def backward(self, g):
        return (g.reshape(self.shape),)


class Permute(Function):
    def forward(self, x, dims=()):
        ok = len(dims) == x.ndim and all(isinstance(d, (int, np.integer)) and -x.ndim <= d < x.ndim for d in dims)
        if not ok or sorted(int(d) % x.ndim for d in dims) != list(range(x.ndim)):
            raise ValueError(f"permute: dims {tuple(dims)} are not a permutation of the {x.ndim} axes "
                             f"of a tensor of shape {x.shape}")
        dims = tuple(int(d) % x.ndim for d in dims)
        self.inverse = tuple(int(i) for i in np.argsort(dims))
        return x.transpose(dims)

    def backward(self, g):
        return (g.transpose(self.inverse),)


def unwrap_index(idx):
    """Replace Tensors inside an index expression by their arrays."""
    if isinstance(idx, Tensor):
        return idx.data
    if isinstance(idx, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in idx)
    return idx


def _is_advanced(idx) -> bool:
    parts = idx if isinstance(idx, tuple) else (idx,)
    return any(hasattr(p, "shape") and getattr(p, "ndim", 0) > 0 or isinstance(p, list) for p in parts)


class GetItem(Function):
    def forward(self, x, idx=None):
        self.shape, self.dtype, self.idx = x.shape, x.dtype, idx
        return x[idx]

    def backward(self, g):
        xp = _xp(g)
        gx = xp.zeros(self.shape, dtype=self.dtype)
        if _is_advanced(self.idx):
            if xp is np:
                np.add.at(gx, self.idx, g)
            else:
                xp.add.at(gx, self.idx, g)
        else:
            gx[self.idx] = g
        return (gx,)


class Cat(Function):
    def forward(self, *xs, axis=0):
        if any(x.ndim != xs[0].ndim for x in xs) or xs[0].ndim == 0:
            raise ValueError(f"cat: tensors must have the same number of dimensions (>= 1), "
                             f"got shapes {[tuple(x.shape) for x in xs]}")
        self.axis = axis = _check_axis("cat", axis, xs[0].ndim)
        self.sizes = [x.shape[axis] for x in xs]
        try:
            return _xp(xs[0]).concatenate(xs, axis=axis)
        except ValueError:
            raise ValueError(f"cat: shapes {[tuple(x.shape) for x in xs]} differ outside axis {axis}") from None

    def backward(self, g):
        bounds = np.cumsum(self.sizes)[:-1]
        return tuple(_xp(g).split(g, bounds, axis=self.axis))


class Stack(Function):
    def forward(self, *xs, axis=0):
        self.axis, self.n = _check_axis("stack", axis, xs[0].ndim + 1), len(xs)
        axis = self.axis
        try:
            return _xp(xs[0]).stack(xs, axis=axis)
        except ValueError:
            raise ValueError(f"stack: all shapes must be equal, got {[tuple(x.shape) for x in xs]}") from None

    def backward(self, g):
        return tuple(_xp(g).take(g, i, axis=self.axis) for i in range(self.n))


class Convert(Function):
    """Move to another device and/or dtype; the gradient moves back."""

    def forward(self, x, data=None):
        self.dtype, self.device = x.dtype, backend.device_of(x)
        return data

    def backward(self, g):
        return (backend.to_device(g, self.device).astype(self.dtype, copy=False),)


class Clone(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return (g,)


# ---- matrix products -------------------------------------------------------------------------


def _matmul_arrays(a, b):
    """a @ b for arrays of ndim >= 2 with numpy broadcasting of batch dimensions."""
    if not (_is_cpu_float(a) and a.dtype == b.dtype):
        return _xp(a).matmul(a, b)
    if a.ndim == 2 and b.ndim == 2:
        return backend.matmul_into(a, b)
    if b.ndim == 2:  # (..., M, K) @ (K, N): one gemm over the flattened rows
        out = backend.matmul_into(a.reshape(-1, a.shape[-1]), b)
        return out.reshape(a.shape[:-1] + (b.shape[-1],))
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a3 = np.broadcast_to(a, batch + a.shape[-2:]).reshape((-1,) + a.shape[-2:])
    b3 = np.broadcast_to(b, batch + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
    return backend.matmul_into(a3, b3).reshape(batch + (a.shape[-2], b.shape[-1]))


def _swap(x):
    return x.swapaxes(-1, -2)


class MatMul(Function):
    """numpy matmul semantics: 1-D operands are promoted and the added axis removed."""

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: operands must be at least 1-D, got shapes {a.shape} and {b.shape}")
        if a.dtype != b.dtype:
            raise TypeError(f"matmul: operands must have the same dtype, got {a.dtype} and {b.dtype} "
                            f"(shapes {a.shape} and {b.shape})")
        ka, kb = a.shape[-1], b.shape[0] if b.ndim == 1 else b.shape[-2]
        if ka != kb:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match: "
                             f"a.shape[-1]={ka} must equal b.shape[{0 if b.ndim == 1 else -2}]={kb}")
        self.a_shape, self.b_shape = a.shape, b.shape
        self.a = a[None, :] if a.ndim == 1 else a
        self.b = b[:, None] if b.ndim == 1 else b
        try:
            np.broadcast_shapes(self.a.shape[:-2], self.b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch dimensions of {a.shape} and {b.shape} do not broadcast") from None
        out = _matmul_arrays(self.a, self.b)
        if a.ndim == 1:
            out = out[..., 0, :]
        if b.ndim == 1:
            out = out[..., 0]
        return out

    def backward(self, g):
        if len(self.b_shape) == 1:
            g = g[..., None]
        if len(self.a_shape) == 1:
            g = _xp(g).expand_dims(g, -2)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = _unbroadcast(_matmul_arrays(g, _swap(self.b)), self.a.shape).reshape(self.a_shape)
        if self.needs_input_grad[1]:
            if self.b.ndim == 2 and self.a.ndim > 2:  # sum over batch == one gemm over rows
                k = self.a.shape[-1]
                gb = _matmul_arrays(self.a.reshape(-1, k).T, g.reshape(-1, g.shape[-1]))
            else:
                gb = _unbroadcast(_matmul_arrays(_swap(self.a), g), self.b.shape)
            gb = gb.reshape(self.b_shape)
        return ga, gb


class Linear(Function):
    """y = x @ W^T + b with W (out, in) as in torch.nn.Linear; x (..., in) -> y (..., out)."""

    def forward(self, x, w, b=None):
        if x.dtype != w.dtype or (b is not None and b.dtype != w.dtype):
            raise TypeError(f"linear: input, weight and bias must have the same dtype, got {x.dtype}, {w.dtype}"
                            f"{'' if b is None else ', ' + str(b.dtype)}")
        if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
            raise ValueError(f"linear: input of shape {x.shape} does not match weight of shape {w.shape}: "
                             f"expected input (..., {w.shape[1] if w.ndim == 2 else '?'})")
        if b is not None and b.shape != (w.shape[0],):
            raise ValueError(f"linear: bias of shape {b.shape} does not match weight {w.shape}: expected ({w.shape[0]},)")
        self.x_shape = x.shape
        self.x2 = x.reshape(-1, x.shape[-1])
        self.w = w
        if _is_cpu_float(x) and x.dtype == w.dtype:
            out = np.empty((self.x2.shape[0], w.shape[0]), dtype=x.dtype)
            if b is not None:
                out[...] = b
            backend.matmul_into(self.x2, w.T, out, beta=1.0 if b is not None else 0.0)
        else:
            out = self.x2 @ w.T
            if b is not None:
                out = out + b
        return out.reshape(x.shape[:-1] + (w.shape[0],))

    def backward(self, g):
        g2 = g.reshape(-1, g.shape[-1])
        gx = backend.matmul_into(g2, self.w).reshape(self.x_shape) if self.needs_input_grad[0] else None
        gw = backend.matmul_into(g2.T, self.x2) if self.needs_input_grad[1] else None
        gb = g2.sum(axis=0) if len(self.needs_input_grad) > 2 and self.needs_input_grad[2] else None
        return gx, gw, gb


# ---- softmax family --------------------------------------------------------------------------


def _rows(x, axis):
    """x with `axis` moved last and flattened to C-contiguous (rows, classes)."""
    moved = _xp(x).moveaxis(x, axis, -1)
    rows = int(np.prod(moved.shape[:-1]))  # explicit: reshape(-1, 0) is ambiguous
    return _xp(x).ascontiguousarray(moved.reshape(rows, x.shape[axis])), moved.shape


class LogSoftmax(Function):
    def forward(self, x, axis=-1):
        if x.ndim == 0:
            raise ValueError("log_softmax: input must have at least one dimension")
        self.axis = _check_axis("log_softmax", axis, x.ndim)
        x2, moved_shape = _rows(x, self.axis)
        if _is_cpu_float(x2):
            y2 = np.empty_like(x2)
            backend.cpu.log_softmax_forward(y2, x2)
        else:
            xp = _xp(x2)
            m = x2.max(axis=1, keepdims=True)
            y2 = x2 - m - xp.log(xp.exp(x2 - m).sum(axis=1, keepdims=True))
        self.y2, self.moved_shape = y2, moved_shape
        return _xp(x).moveaxis(y2.reshape(moved_shape), -1, self.axis)

    def backward(self, g):
        xp = _xp(g)
        g2 = xp.ascontiguousarray(xp.moveaxis(g, self.axis, -1).reshape(self.y2.shape))
        if _is_cpu_float(g2) and g2.dtype == self.y2.dtype:
            dx2 = np.empty_like(g2)
            backend.cpu.log_softmax_backward(dx2, g2, self.y2)
        else:
            dx2 = g2 - xp.exp(self.y2) * g2.sum(axis=1, keepdims=True)
        return (xp.moveaxis(dx2.reshape(self.moved_shape), -1, self.axis),)


class Softmax(Function):
    def forward(self, x, axis=-1):
        if x.ndim == 0:
            raise ValueError("softmax: input must have at least one dimension")
        xp, axis = _xp(x), _check_axis("softmax", axis, x.ndim)
        m = x.max(axis=axis, keepdims=True)
        e = xp.exp(x - m)
        self.y, self.axis = e / e.sum(axis=axis, keepdims=True), axis
        return self.y

    def backward(self, g):
        return (self.y * (g - (g * self.y).sum(axis=self.axis, keepdims=True)),)


class CrossEntropy(Function):
    """Fused log-softmax + negative log-likelihood; logits (N, C), int64 targets (N,)."""

    def forward(self, logits, targets, reduction="mean"):
        if logits.ndim != 2 or targets.ndim != 1 or targets.shape[0] != logits.shape[0]:
            raise ValueError(f"cross_entropy: expected logits (N, C) and targets (N,), "
                             f"got {logits.shape} and {targets.shape}")
        if targets.dtype.kind not in "iu":
            raise TypeError(f"cross_entropy: targets must be integer class indices, got {targets.dtype}")
        if logits.dtype.kind != "f":
            raise TypeError(f"cross_entropy: logits must be floating point, got {logits.dtype}")
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.n, self.reduction = logits.shape[0], reduction
        if _is_cpu_float(logits):
            self.targets = np.ascontiguousarray(targets, dtype=np.int64)
            logits = np.ascontiguousarray(logits)
            self.log_probs = np.empty_like(logits)
            losses = np.empty(self.n, dtype=logits.dtype)
            backend.cpu.cross_entropy_forward(losses, self.log_probs, logits, self.targets)
        else:
            xp = _xp(logits)
            if self.n and (int(targets.min()) < 0 or int(targets.max()) >= logits.shape[1]):
                raise ValueError(f"cross_entropy: targets must lie in [0, {logits.shape[1]})")
            self.targets = targets.astype(xp.int64)
            m = logits.max(axis=1, keepdims=True)
            self.log_probs = logits - m - xp.log(xp.exp(logits - m).sum(axis=1, keepdims=True))
            losses = -self.log_probs[xp.arange(self.n), self.targets]
        if reduction == "none":
            return losses
        total = losses.sum()
        if reduction == "sum":
            return total
        return total / self.n if self.n else _xp(total).full((), np.nan, dtype=total.dtype)  # empty mean: nan, as torch

    def backward(self, g):
        xp = _xp(g)
        dtype = self.log_probs.dtype
        if self.reduction == "none":
            dloss = xp.ascontiguousarray(g, dtype=dtype)
        else:
            scale = g / max(self.n, 1) if self.reduction == "mean" else g
            dloss = xp.full(self.n, scale, dtype=dtype)
        if backend.is_numpy(dloss):
            d = np.empty_like(self.log_probs)
            backend.cpu.cross_entropy_backward(d, self.log_probs, self.targets, dloss)
        else:
            d = xp.exp(self.log_probs) * dloss[:, None]
            d[xp.arange(self.n), self.targets] -= dloss
        return d, None
