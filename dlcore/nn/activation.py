"""GELU and the channel dropouts as torch.nn: GELU(approximate), Dropout1d (whole channels of
(N, C, L) or (C, L)) and Dropout2d (whole channels of (N, C, H, W)); identity in eval mode."""

from __future__ import annotations

from .. import functional_norm as F
from .layers import check_input
from .module import Module


class GELU(Module):
    """x * Phi(x); approximate="tanh" uses torch's tanh approximation."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(check_input(self, x), self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {p!r}")
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Zeroes each channel of (N, C, L) or (C, L) with probability p, scales the rest by 1/(1-p)."""

    def forward(self, x):
        return F.dropout1d(check_input(self, x), self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zeroes each channel of (N, C, H, W) with probability p, scales the rest by 1/(1-p)."""

    def forward(self, x):
        return F.dropout2d(check_input(self, x), self.p, self.training)
