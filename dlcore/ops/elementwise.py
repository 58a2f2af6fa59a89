"""Elementwise ops: binary (add, sub, mul, div, pow, maximum, where) with numpy broadcasting,
and unary math (neg, exp, log, sqrt, abs, tanh, sigmoid, relu, clamp).

Arrays of any device go through their array module; backward rules return gradients shaped like
their inputs (broadcast dimensions summed away by unbroadcast).
"""

from __future__ import annotations

import numpy as np

from ._helpers import bcast_error, unbroadcast, xp_of
from .function import Function

# ---- binary ----------------------------------------------------------------------------------


class Add(Function):
    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        try:
            return a + b
        except ValueError:
            raise bcast_error("add", a, b) from None

    def backward(self, g):
        return unbroadcast(g, self.shapes[0]), unbroadcast(g, self.shapes[1])


class Sub(Function):
    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        try:
            return a - b
        except ValueError:
            raise bcast_error("sub", a, b) from None

    def backward(self, g):
        gb = -unbroadcast(g, self.shapes[1]) if self.needs_input_grad[1] else None
        return unbroadcast(g, self.shapes[0]), gb


class Mul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return a * b
        except ValueError:
            raise bcast_error("mul", a, b) from None

    def backward(self, g):
        ga = unbroadcast(g * self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * self.a, self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return a / b
        except ValueError:
            raise bcast_error("div", a, b) from None

    def backward(self, g):
        ga = unbroadcast(g / self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-g * self.a / (self.b * self.b), self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            self.out = a**b
        except ValueError:
            raise bcast_error("pow", a, b) from None
        return self.out

    def backward(self, g):
        xp = xp_of(g)
        ga = None
        if self.needs_input_grad[0]:
            with np.errstate(divide="ignore", invalid="ignore"):
                da = xp.where(self.b == 0, 0, self.b * self.a ** (self.b - 1))  # b == 0: 0, also at a == 0
            ga = unbroadcast(g * da, self.a.shape)
        gb = None
        if self.needs_input_grad[1]:
            log_a = xp.log(xp.where(self.a > 0, self.a, 1))
            gb = unbroadcast(g * self.out * log_a, self.b.shape)
        return ga, gb


class PowScalar(Function):
    def forward(self, x, p):
        self.x, self.p = x, p
        return x**p

    def backward(self, g):
        if self.p == 0:  # d/dx x**0 = 0, also at x = 0 (0 * 0**-1 would be nan)
            return (xp_of(g).zeros_like(g),)
        return (g * (self.p * self.x ** (self.p - 1)),)


class Maximum(Function):
    """Elementwise max; where a == b the gradient is split evenly (as torch.maximum)."""

    def forward(self, a, b, op="maximum"):
        self.a, self.b = a, b
        try:
            return xp_of(a).maximum(a, b)
        except ValueError:
            raise bcast_error(op, a, b) from None

    def backward(self, g):
        wa = (self.a > self.b) + 0.5 * (self.a == self.b)
        return unbroadcast(g * wa, self.a.shape), unbroadcast(g * (1 - wa), self.b.shape)


class Where(Function):
    """where(cond, a, b), cond a bool array (as torch: no truthiness of numbers)."""

    def forward(self, a, b, cond):
        if cond.dtype != bool:
            raise TypeError(f"where: expected condition to be a boolean tensor, got dtype {cond.dtype}")
        self.cond, self.shapes = cond, (a.shape, b.shape)
        try:
            return xp_of(a).where(cond, a, b)
        except ValueError:
            raise bcast_error("where", cond, a, b) from None

    def backward(self, g):
        zero = g.dtype.type(0)
        return (
            unbroadcast(xp_of(g).where(self.cond, g, zero), self.shapes[0]),
            unbroadcast(xp_of(g).where(self.cond, zero, g), self.shapes[1]),
            None,
        )


# ---- unary -----------------------------------------------------------------------------------


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, g):
        return (-g,)


class Exp(Function):
    def forward(self, x):
        self.y = xp_of(x).exp(x)
        return self.y

    def backward(self, g):
        return (g * self.y,)


class Log(Function):
    def forward(self, x):
        self.x = x
        return xp_of(x).log(x)

    def backward(self, g):
        return (g / self.x,)


class Sqrt(Function):
    def forward(self, x):
        self.y = xp_of(x).sqrt(x)
        return self.y

    def backward(self, g):
        return (g / (2 * self.y),)


class Abs(Function):
    def forward(self, x):
        self.x = x
        return xp_of(x).abs(x)

    def backward(self, g):
        return (g * xp_of(g).sign(self.x),)


class Tanh(Function):
    def forward(self, x):
        self.y = xp_of(x).tanh(x)
        return self.y

    def backward(self, g):
        return (g * (1 - self.y * self.y),)


class Sigmoid(Function):
    def forward(self, x):
        xp = xp_of(x)
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


def _fits(v: int, dtype) -> bool:
    info = np.iinfo(dtype)
    return info.min <= v <= info.max


class Clamp(Function):
    """clip to [min, max], either bound optional but not both (as torch); min > max gives max."""

    def forward(self, x, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
        for v in (min, max):
            if x.dtype.kind in "iu" and isinstance(v, (int, np.integer)) and not _fits(v, x.dtype):
                raise ValueError(f"clamp: bound {v} is out of range for {x.dtype} (torch wraps it)")
        if x.dtype.kind in "biu" and any(isinstance(v, float) for v in (min, max)):
            x = x.astype(np.float32)  # an integer tensor and a float bound: torch's default float dtype
        xp = xp_of(x)
        self.mask = xp.ones(x.shape, dtype=bool)
        if min is not None:
            self.mask &= x >= min
        if max is not None:
            self.mask &= x <= max
        return xp.clip(x, min, max)

    def backward(self, g):
        return (g * self.mask,)
