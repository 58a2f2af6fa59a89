"""More elementwise and index ops for the PyTorch porting API: sin, cos, log1p and expm1
(unary math), binary cross-entropy (elementwise, torch's clamps), var (the variance
with a correction), cumsum (a prefix sum along one axis) and gather (torch.gather: values picked
by an index array along one axis, the gradient accumulated over repeated indices).

Arrays in, arrays out, any device through its array module; backward returns one gradient per
positional input, shaped like that input.
"""

from __future__ import annotations

import numpy as np

from ._helpers import check_axis, xp_of
from .function import Function


class Sin(Function):
    def forward(self, x):
        self.x = x
        return xp_of(x).sin(x)

    def backward(self, g):
        return (g * xp_of(g).cos(self.x),)


class Cos(Function):
    def forward(self, x):
        self.x = x
        return xp_of(x).cos(x)

    def backward(self, g):
        return (-g * xp_of(g).sin(self.x),)


class Log1p(Function):
    def forward(self, x):
        self.x = x
        return xp_of(x).log1p(x)

    def backward(self, g):
        return (g / (1 + self.x),)


class Expm1(Function):
    def forward(self, x):
        self.y = xp_of(x).expm1(x)
        return self.y

    def backward(self, g):
        return (g * (self.y + 1),)


class SmoothL1(Function):
    """Elementwise smooth L1 of d = input - target: 0.5 d^2 / beta where |d| < beta, else
    |d| - 0.5 beta (beta > 0); torch's gradient d / beta inside, sign(d) outside, NaN at d = NaN."""

    def forward(self, d, beta):
        xp = xp_of(d)
        self.d, self.beta = d, d.dtype.type(beta)
        a = xp.abs(d)
        return xp.where(a < self.beta, 0.5 * d * d / self.beta, a - 0.5 * self.beta)

    def backward(self, g):
        xp, d, beta = xp_of(g), self.d, self.beta
        return (g * xp.where(d < -beta, -1, xp.where(d > beta, 1, d / beta)).astype(d.dtype),)


class BinaryCrossEntropy(Function):
    """Elementwise -(t log p + (1 - t) log(1 - p)), each log clamped at -100, as torch; its
    gradients are torch's: d/dp = (p - t) / max(p (1 - p), 1e-12) (finite at p = 0 and 1),
    d/dt = log(1 - p) - log(p) (not clamped: +-inf at p = 0 or 1, as torch). p and t of one shape."""

    EPS = np.float32(1e-12)  # torch's EPSILON, a float constant also in float64 math

    def forward(self, p, t):
        xp = xp_of(p)
        with np.errstate(divide="ignore"):
            self.log_p = xp.maximum(xp.log(p), p.dtype.type(-100))
            self.log_q = xp.maximum(xp.log1p(-p), p.dtype.type(-100))
        self.p, self.t = p, t
        return -(t * self.log_p + (1 - t) * self.log_q)

    def backward(self, g):
        xp = xp_of(g)
        gp = gt = None
        if self.needs_input_grad[0]:
            gp = g * (self.p - self.t) / xp.maximum(self.p * (1 - self.p), self.p.dtype.type(self.EPS))
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gt = g * (xp.log1p(-self.p) - xp.log(self.p))
        return gp, gt


class Var(Function):
    """sum((x - mean)^2) / (N - correction) over `axis` (a tuple, or None: all); N - correction
    <= 0 divides by 0 (inf or nan, as torch). d/dx = 2 (x - mean) / (N - correction)."""

    def forward(self, x, axis=None, correction=1, keepdim=False):
        xp = xp_of(x)
        n = x.size if axis is None else int(np.prod([x.shape[a] for a in axis]))
        self.shape, self.axis, self.keepdim = x.shape, axis, keepdim
        with np.errstate(divide="ignore", invalid="ignore"):
            self.d = x - (x.mean(axis=axis, keepdims=True) if x.size else xp.zeros((), x.dtype))
            self.scale = x.dtype.type(1) / x.dtype.type(max(0, n - correction))
            return (self.d * self.d).sum(axis=axis, keepdims=keepdim) * self.scale

    def backward(self, g):
        if not self.keepdim and self.axis is not None:
            g = xp_of(g).expand_dims(g, self.axis)
        with np.errstate(invalid="ignore"):
            return (g * (2 * self.scale) * self.d,)


class Cumsum(Function):
    """Inclusive prefix sum along `axis` (a 0-d array: itself); d/dx is the reversed suffix sum."""

    def forward(self, x, axis=0):
        self.axis = check_axis("cumsum", axis, x.ndim) if x.ndim else None
        if self.axis is None:
            return x.copy()
        return xp_of(x).cumsum(x, axis=self.axis, dtype=x.dtype)

    def backward(self, g):
        if self.axis is None:
            return (g,)
        xp = xp_of(g)
        rev = xp.flip(g, axis=self.axis)
        return (xp.flip(xp.cumsum(rev, axis=self.axis), axis=self.axis),)


class Gather(Function):
    """out[i][j] = x[index[i][j]][j] along `axis` (torch.gather); index int64 with x's ndim (a 0-d
    tensor counts as 1-D, as torch) and every size but `axis`'s no larger than x's; out has
    index's shape. The gradient adds up over repeated indices."""

    def forward(self, x, index=None, axis=0):
        if index.dtype.kind not in "iu":
            raise TypeError(f"gather: index must be an integer tensor, got {index.dtype}")
        if max(index.ndim, 1) != max(x.ndim, 1):
            raise ValueError(
                f"gather: index {tuple(index.shape)} and input {tuple(x.shape)} must have the same "
                f"number of dimensions"
            )
        self.axis = axis = check_axis("gather", axis, max(x.ndim, 1))  # 0-d: dims -1 and 0, as torch
        self.shape, self.dtype, out_shape = x.shape, x.dtype, index.shape
        x, index = x.reshape(x.shape or (1,)), index.reshape(index.shape or (1,))
        for d, (n, m) in enumerate(zip(index.shape, x.shape)):
            if d != axis and n > m:
                raise ValueError(f"gather: index {out_shape} is larger than input {self.shape} at dim {d}")
        size = x.shape[axis]
        if index.size and (int(index.min()) < 0 or int(index.max()) >= size):
            raise ValueError(f"gather: index out of range [0, {size}) for dim {axis} of input {self.shape}")
        xp = xp_of(x)
        self.index = index
        self.grid = tuple(
            index if d == axis else xp.arange(n).reshape([-1 if k == d else 1 for k in range(x.ndim)])
            for d, n in enumerate(index.shape)
        )
        return x[self.grid].reshape(out_shape)

    def backward(self, g):
        xp = xp_of(g)
        gx = xp.zeros(self.shape or (1,), dtype=self.dtype)
        xp.add.at(gx, self.grid, g.reshape(self.index.shape))
        return (gx.reshape(self.shape),)
