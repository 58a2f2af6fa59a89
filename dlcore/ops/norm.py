"""Batch normalization over axis 1 of x (N, C, *), through the device's kernels
(`backend.kernels(x)`: batch_norm_forward / batch_norm_inference / batch_norm_backward), and
layer normalization over the trailing axes (array-module code, analytic backward).

The positional inputs are x, then the affine parameters named by `parts`: "wb" (weight, bias),
"w", "b" or "" (none; weight 1, bias 0). float32/float64 only, all of one dtype (the caller
checks arguments and names the op; dlcore.functional_norm.batch_norm).
"""

from __future__ import annotations

import math

from .. import backend
from ._helpers import xp_of
from .function import Function


def _affine(params, parts: str):
    """(weight, bias) arrays or None, contiguous (the kernels take C-contiguous arrays)."""
    given = dict(zip(parts, params))
    w, b = given.get("w"), given.get("b")
    return (None if w is None else xp_of(w).ascontiguousarray(w)), (
        None if b is None else xp_of(b).ascontiguousarray(b)
    )


def _count(shape) -> int:
    """Values per channel: N times the trailing sizes."""
    return shape[0] * math.prod(shape[2:])


def _param_grads(fn, dw, db) -> tuple:
    """The gradients of the parameters in `parts` order."""
    return tuple({"w": dw, "b": db}[p] for p in fn.parts)


class BatchNorm(Function):
    """Training mode: normalizes with the batch mean and biased variance per channel. Given
    running_mean / running_var arrays (C,), updates them in place as torch:
    r = (1 - momentum) r + momentum * s, with s the batch mean and the unbiased variance (an empty
    batch updates nothing)."""

    def forward(self, x, *params, parts="wb", running_mean=None, running_var=None, momentum=0.1, eps=1e-5):
        xp = xp_of(x)
        self.parts, self.eps = parts, float(eps)
        self.w, b = _affine(params, parts)
        self.x = xp.ascontiguousarray(x)
        c = x.shape[1]
        self.mean, self.var = xp.empty(c, dtype=x.dtype), xp.empty(c, dtype=x.dtype)
        y = xp.empty_like(self.x)
        backend.kernels(self.x).batch_norm_forward(y, self.mean, self.var, self.x, self.w, b, self.eps)
        count = _count(x.shape)
        if count > 0:
            if running_mean is not None:
                running_mean[...] = (1 - momentum) * running_mean + momentum * self.mean
            if running_var is not None:
                unbiased = self.var * (count / (count - 1)) if count > 1 else self.var
                running_var[...] = (1 - momentum) * running_var + momentum * unbiased
        return y

    def backward(self, g):
        xp = xp_of(g)
        g = xp.ascontiguousarray(g, dtype=self.x.dtype)
        c = self.x.shape[1]
        wants = dict(zip(self.parts, self.needs_input_grad[1:]))
        dx = xp.empty_like(self.x)
        dw = xp.empty(c, dtype=g.dtype) if wants.get("w") else None
        db = xp.empty(c, dtype=g.dtype) if wants.get("b") else None
        backend.kernels(g).batch_norm_backward(dx, dw, db, g, self.x, self.mean, self.var, self.w, self.eps)
        return (dx, *_param_grads(self, dw, db))


class BatchNormEval(Function):
    """Eval mode: normalizes with given statistics mean, var (C,), copied (they are not inputs of
    the graph; torch does not differentiate them either)."""

    def forward(self, x, *params, parts="wb", mean=None, var=None, eps=1e-5):
        xp = xp_of(x)
        self.parts = parts
        w, b = _affine(params, parts)
        x = xp.ascontiguousarray(x)
        mean, var = xp.array(mean, dtype=x.dtype), xp.array(var, dtype=x.dtype)
        y = xp.empty_like(x)
        backend.kernels(x).batch_norm_inference(y, x, mean, var, w, b, float(eps))
        bshape = (1, -1) + (1,) * (x.ndim - 2)
        invstd = (1.0 / xp.sqrt(var + x.dtype.type(eps))).astype(x.dtype)
        self.scale = (invstd if w is None else invstd * w).reshape(bshape)
        self.xhat_args = (x, mean.reshape(bshape), invstd.reshape(bshape))
        return y

    def backward(self, g):
        axes = (0, *range(2, g.ndim))
        wants = dict(zip(self.parts, self.needs_input_grad[1:]))
        dx = g * self.scale
        dw = db = None
        if wants.get("w"):
            x, mean, invstd = self.xhat_args
            dw = (g * ((x - mean) * invstd)).sum(axis=axes)
        if wants.get("b"):
            db = g.sum(axis=axes)
        return (dx, *_param_grads(self, dw, db))


class LayerNorm(Function):
    """Normalization over the last `ndim` axes of x with their mean and biased variance (two
    passes, in x's dtype), then y * weight + bias, weight/bias of the normalized shape (`parts`
    as BatchNorm). Array-module code (any device); the backward is the analytic one,
    dx = invstd * (gw - mean(gw) - xhat * mean(gw * xhat)) with gw = g * weight, which a
    composite of tensor ops only reaches up to cancellation."""

    def forward(self, x, *params, parts="wb", ndim=1, eps=1e-5):
        xp = xp_of(x)
        self.parts = parts
        self.w, b = dict(zip(parts, params)).get("w"), dict(zip(parts, params)).get("b")
        self.axes = tuple(range(x.ndim - ndim, x.ndim))
        if x.size == 0:  # no value to normalize (numpy warns on the mean of nothing)
            self.xhat, self.invstd = xp.zeros_like(x), xp.ones_like(x)
        else:
            d = x - x.mean(axis=self.axes, keepdims=True)
            var = (d * d).mean(axis=self.axes, keepdims=True)
            self.invstd = 1 / xp.sqrt(var + x.dtype.type(eps))
            self.xhat = d * self.invstd
        y = self.xhat if self.w is None else self.xhat * self.w
        return y if b is None else y + b

    def backward(self, g):
        lead = tuple(range(g.ndim - len(self.axes)))
        wants = dict(zip(self.parts, self.needs_input_grad[1:]))
        dw = (g * self.xhat).sum(axis=lead) if wants.get("w") else None
        db = g.sum(axis=lead) if wants.get("b") else None
        dx = None
        if self.needs_input_grad[0]:
            if g.size == 0:
                dx = g * 0
            else:
                gw = g if self.w is None else g * self.w
                mean_gw = gw.mean(axis=self.axes, keepdims=True)
                mean_gwx = (gw * self.xhat).mean(axis=self.axes, keepdims=True)
                dx = self.invstd * (gw - mean_gw - self.xhat * mean_gwx)
        return (dx, *_param_grads(self, dw, db))
