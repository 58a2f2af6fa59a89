"""Convolution layers: Conv1d and Conv2d, with PyTorch's arguments, weight layout and init.

weight (out_channels, in_channels/groups, *kernel_size), bias (out_channels,); both initialised
U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels/groups * prod(kernel_size), as torch
(kaiming_uniform with a = sqrt(5)). Conv1d also takes padding='causal' (see functional_conv).
"""

from __future__ import annotations

import math

import numpy as np

from .. import functional_conv as F
from ..random import generator
from .layers import check_input
from .module import Module
from .parameter import Parameter


def _count(module: str, name: str, v) -> int:
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
        raise ValueError(f"{module}: {name} must be a positive int, got {v!r}")
    return int(v)


class _ConvNd(Module):
    _spatial = 0
    _functional = None

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        dtype=np.float32,
    ):
        super().__init__()
        name, n = type(self).__name__, self._spatial
        self.in_channels = _count(name, "in_channels", in_channels)
        self.out_channels = _count(name, "out_channels", out_channels)
        self.groups = _count(name, "groups", groups)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                f"divisible by groups ({groups})"
            )
        if padding_mode != "zeros":
            raise ValueError(f"{name}: padding_mode {padding_mode!r} is not supported; only 'zeros' is")
        self.kernel_size = F._ints(kernel_size, n, "kernel_size", name, 1)
        self.stride = F._ints(stride, n, "stride", name, 1)
        self.dilation = F._ints(dilation, n, "dilation", name, 1)
        if isinstance(padding, str):
            F._padding(padding, self.kernel_size, self.stride, self.dilation, self._functional.__name__)
            self.padding = padding
        else:
            self.padding = F._ints(padding, n, "padding", name, 0)
        self.padding_mode = padding_mode
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        bound = 1.0 / math.sqrt(math.prod(shape[1:]))
        self.weight = Parameter(generator().uniform(-bound, bound, size=shape).astype(dtype))
        if bias:
            self.bias = Parameter(generator().uniform(-bound, bound, size=shape[:1]).astype(dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        check_input(self, x)
        if x.ndim not in (self._spatial + 1, self._spatial + 2):
            raise ValueError(
                f"{type(self).__name__}: expected a {self._spatial + 1}-D (unbatched) or "
                f"{self._spatial + 2}-D (batched) input, got shape {x.shape}"
            )
        channels = x.shape[-self._spatial - 1]
        if channels != self.in_channels:
            raise ValueError(
                f"{self!r}: input of shape {x.shape} has {channels} channels, expected {self.in_channels}"
            )
        conv = type(self)._functional
        return conv(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._spatial:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._spatial:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ("" if self.bias is not None else ", bias=False")


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) or (C, L), as torch.nn.Conv1d (plus padding='causal')."""

    _spatial = 1
    _functional = staticmethod(F.conv1d)


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) or (C, H, W), as torch.nn.Conv2d."""

    _spatial = 2
    _functional = staticmethod(F.conv2d)
