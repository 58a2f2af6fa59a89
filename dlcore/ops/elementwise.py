"""Elementwise ops: binary (add, sub, mul, div, pow, maximum, minimum, where) with numpy
broadcasting, and unary math (neg, exp, log, sqrt, abs, tanh, sigmoid, logsigmoid, softplus,
relu, clamp). NaN and +-inf flow through as in torch: no `0 * inf` in a forward or backward rule
(masks select with `where`), sigmoid-like functions use exp(-|x|), which never overflows.

Arrays of any device go through their array module; backward rules return gradients shaped like
their inputs (broadcast dimensions summed away by unbroadcast).
"""

from __future__ import annotations

import numpy as np

from . import dtypes
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
    @staticmethod
    def bool_error(two: bool) -> TypeError:
        """torch's refusal of a bool operand (`two`: both operands bool tensors)."""
        if two:
            return TypeError(
                "sub: Subtraction, the `-` operator, with two bool tensors is not supported. "
                "Use the `^` or `logical_xor()` operator instead."
            )
        return TypeError(
            "sub: Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )

    def forward(self, a, b):
        if a.dtype == bool and b.dtype == bool:
            raise self.bool_error(two=True)
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


def _int_pow(a, b):
    """a ** b for integer arrays as torch: a negative exponent gives 1 for a base of 1, +-1 for a
    base of -1 (by the exponent's parity) and 0 for any other base (0 included)."""
    xp = xp_of(a)
    neg = b < 0
    out = a ** xp.where(neg, 0, b).astype(b.dtype)
    flip = (-1) ** (b % 2).astype(out.dtype)  # the sign of (-1) ** b
    at_neg = xp.where(a == 1, 1, xp.where(a == -1, flip, 0)).astype(out.dtype)
    return xp.where(neg, at_neg, out)


class Pow(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise bcast_error("pow", a, b) from None
        if a.dtype.kind in "iub" and b.dtype.kind in "iu" and bool((b < 0).any()):
            self.out = _int_pow(a, b)
        else:
            self.out = a**b
        return self.out

    def backward(self, g):
        xp = xp_of(g)
        ga = None
        if self.needs_input_grad[0]:
            with np.errstate(divide="ignore", invalid="ignore"):
                da = xp.where(self.b == 0, 0, self.b * self.a ** (self.b - 1))  # b == 0: 0, also at a == 0
            ga = unbroadcast(g * da, self.a.shape)
        gb = None
        if self.needs_input_grad[1]:  # out * log(a); 0 where a <= 0 (torch: nan), nan where a is nan
            log_a = xp.log(xp.where(self.a <= 0, 1, self.a))
            gb = unbroadcast(g * self.out * log_a, self.b.shape)
        return ga, gb


class PowScalar(Function):
    def forward(self, x, p):
        if x.dtype.kind in "iub" and isinstance(p, (int, np.integer)) and p < 0:
            raise ValueError(
                f"pow: Integers to negative integer powers are not allowed "
                f"(a tensor of dtype {x.dtype} to the power {p}); convert it with .float()"
            )
        self.x, self.p = x, p
        return x**p

    def backward(self, g):
        if self.p == 0:  # d/dx x**0 = 0, also at x = 0 (0 * 0**-1 would be nan)
            return (xp_of(g).zeros_like(g),)
        return (g * (self.p * self.x ** (self.p - 1)),)


class Maximum(Function):
    """Elementwise max; where a == b the gradient is split evenly (as torch.maximum). A NaN on
    either side gives NaN. Computed by the array module's maximum: exact for every dtype
    (unsigned and bool included)."""

    op = "maximum"

    def forward(self, a, b):
        self.a, self.b = a, b
        try:
            return getattr(xp_of(a), self.op)(a, b)
        except ValueError:
            raise bcast_error(self.op, a, b) from None

    def _losers(self):
        """(a lost, b lost): where each input is not the result. A NaN on either side loses
        nothing, so both get the gradient (as torch)."""
        return self.a < self.b, self.a > self.b

    def backward(self, g):
        xp = xp_of(g)
        zero = g.dtype.type(0)
        shared = xp.where(self.a == self.b, g / 2, g)
        lost_a, lost_b = self._losers()
        ga = xp.where(lost_a, zero, shared)  # where, not a 0/1 weight: no 0 * inf
        gb = xp.where(lost_b, zero, shared)
        return unbroadcast(ga, self.a.shape), unbroadcast(gb, self.b.shape)


class Minimum(Maximum):
    """Elementwise min, the mirror of Maximum (not -max(-a, -b), which wraps unsigned integers)."""

    op = "minimum"

    def _losers(self):
        return self.a > self.b, self.a < self.b


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
        if x.dtype == bool:
            raise TypeError(
                "neg: Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                "to invert a mask, use the `~` or `logical_not()` operator instead."
            )
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
        if x.dtype == bool:
            raise TypeError("abs: bool tensors are not supported; convert with .long() or .float()")
        self.x = x
        return xp_of(x).abs(x)

    def backward(self, g):
        sign = (self.x > 0).astype(g.dtype) - (self.x < 0)  # sgn(nan) = 0, as torch
        return (g * sign,)


class Tanh(Function):
    def forward(self, x):
        self.y = xp_of(x).tanh(x)
        return self.y

    def backward(self, g):
        return (g * (1 - self.y * self.y),)


def _sigmoid(x):
    """1 / (1 + exp(-x)) from e = exp(-|x|) in (0, 1]: no overflow, and full relative precision
    in both tails (sigmoid(-88) ~ 6e-39 in float32, where 1 - tanh loses everything below 6e-8)."""
    xp = xp_of(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class Sigmoid(Function):
    def forward(self, x):
        self.y = _sigmoid(x)
        return self.y

    def backward(self, g):
        return (g * self.y * (1 - self.y),)


class LogSigmoid(Function):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): exact in both tails (-200 at x = -200)."""

    def forward(self, x):
        xp = xp_of(x)
        self.x = x
        return (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)

    def backward(self, g):
        return (g * _sigmoid(-self.x),)  # d/dx log(sigmoid(x)) = sigmoid(-x), in [0, 1]


class Softplus(Function):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold (as torch)."""

    def forward(self, x, beta=1.0, threshold=20.0):
        xp = xp_of(x)
        self.bx, self.beta, self.threshold = x * x.dtype.type(beta), beta, threshold
        with np.errstate(divide="ignore"):  # beta = 0: inf, as torch
            soft = (xp.maximum(self.bx, 0) + xp.log1p(xp.exp(-xp.abs(self.bx)))) / x.dtype.type(beta)
        return xp.where(self.bx > threshold, x, soft).astype(x.dtype, copy=False)

    def backward(self, g):
        return (xp_of(g).where(self.bx > self.threshold, g, g * _sigmoid(self.bx)),)


class ReLU(Function):
    """max(x, 0): relu(-inf) = 0, relu(nan) = nan; the gradient passes where x > 0 or x is nan
    (torch's threshold_backward: zero where x <= 0). Bool tensors are refused, as torch."""

    def forward(self, x):
        if x.dtype == bool:
            raise TypeError("relu: bool tensors are not supported; convert with .float() or .long()")
        out = xp_of(x).maximum(x, x.dtype.type(0))
        self.keep = out != 0  # x > 0 or x nan: out is x there, 0 (never -0.0) where x <= 0
        return out

    def backward(self, g):
        xp = xp_of(g)
        if bool(xp.isfinite(g).all()):
            return (g * self.keep,)
        return (xp.where(self.keep, g, g.dtype.type(0)),)  # inf/nan where x <= 0 still give 0


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
        for bound in (min, max):  # a float bound of an integer tensor: float32, as torch
            if bound is not None and np.asarray(bound).dtype.kind not in dtypes.CATEGORY:
                raise TypeError(f"clamp: min and max must be numbers or None, got {type(bound).__name__}")
            if bound is not None:
                x = x.astype(dtypes.constant_dtype(x.dtype, np.asarray(bound).dtype), copy=False)
        self.mask = xp.ones(x.shape, dtype=bool)
        if min is not None:
            self.mask &= x >= min
        if max is not None:
            self.mask &= x <= max
        return xp.clip(x, min, max)

    def backward(self, g):
        return (xp_of(g).where(self.mask, g, g.dtype.type(0)),)
