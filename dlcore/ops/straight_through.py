"""Straight-through estimators: a hard forward with a chosen surrogate gradient.

SteSign: forward sign(x) as exactly +1 / -1 (sign(0) = +1; NaN stays NaN), backward g * (|x| <= 1)
(the gradient of hardtanh, the "clipped identity"). SteRound: forward round half to even (as
torch.round), backward the identity. Both are elementwise array-module ops, so one code path
serves every device; the output has x's shape and floating dtype.
"""

from __future__ import annotations

from ._helpers import xp_of
from .function import Function


class SteSign(Function):
    """+1 where x >= 0, -1 where x < 0 (NaN kept); backward g where |x| <= 1, else 0."""

    def forward(self, x):
        xp = xp_of(x)
        self.inside = xp.abs(x) <= 1
        one = xp.ones((), dtype=x.dtype)
        return xp.where(x >= 0, one, xp.where(x < 0, -one, x))

    def backward(self, g):
        return (g * self.inside.astype(g.dtype),)


class SteRound(Function):
    """round half to even; backward the identity."""

    def forward(self, x):
        return xp_of(x).round(x)

    def backward(self, g):
        return (g,)
