"""Reductions over axes: sum, mean and max (torch.amax: ties share the gradient)."""
from __future__ import annotations

from ._helpers import norm_axis, xp_of
from .function import Function


class Sum(Function):
    def forward(self, x, axis=None, keepdim=False):
        self.shape, self.axis, self.keepdim = x.shape, norm_axis(axis, x.ndim, "sum"), keepdim
        return x.sum(axis=self.axis, keepdims=keepdim)

    def backward(self, g):
        if self.axis is not None and not self.keepdim:
            g = xp_of(g).expand_dims(g, self.axis)
        return (xp_of(g).broadcast_to(g, self.shape),)


class Mean(Function):
    def forward(self, x, axis=None, keepdim=False):
        self.shape, self.axis, self.keepdim = x.shape, norm_axis(axis, x.ndim, "mean"), keepdim
        out = x.mean(axis=self.axis, keepdims=keepdim)
        self.count = x.size // max(out.size, 1) if x.size else 1
        return out

    def backward(self, g):
        if self.axis is not None and not self.keepdim:
            g = xp_of(g).expand_dims(g, self.axis)
        return (xp_of(g).broadcast_to(g / self.count, self.shape),)


class Max(Function):
    """max over axes; ties share the gradient evenly (as torch.amax)."""

    def forward(self, x, axis=None, keepdim=False):
        if x.size == 0:
            raise ValueError(f"max: cannot reduce an empty tensor of shape {x.shape}")
        self.axis, self.keepdim = norm_axis(axis, x.ndim, "max"), keepdim
        m = x.max(axis=self.axis, keepdims=True)
        self.mask = x == m
        self.count = self.mask.sum(axis=self.axis, keepdims=True)
        return m if keepdim else m.reshape([s for i, s in enumerate(x.shape)
                                            if self.axis is not None and i not in self.axis])

    def backward(self, g):
        if not self.keepdim:
            g = g.reshape(self.count.shape)
        return (g * self.mask / self.count,)


