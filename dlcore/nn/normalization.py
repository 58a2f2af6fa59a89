"""Normalization layers as torch.nn: BatchNorm1d ((N, C) or (N, C, L)), BatchNorm2d ((N, C, H, W))
and LayerNorm (over the trailing normalized_shape), over dlcore.functional_norm.

BatchNorm keeps torch's state_dict layout: parameters weight, bias (C,) when affine; buffers
running_mean (C,), running_var (C,), num_batches_tracked (int64, 0-d) when track_running_stats.
Training normalizes with the batch statistics and updates the running ones (momentum, or the
cumulative average when momentum is None); eval normalizes with the running statistics.
"""

from __future__ import annotations

import numpy as np

from .. import functional_norm as F
from ..tensor import Tensor
from .layers import check_input
from .module import Module
from .parameter import Parameter


def _count(name: str, v) -> int:
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
        raise ValueError(f"{name} must be a non-negative int, got {v!r}")
    return int(v)


class _BatchNorm(Module):
    _dims: tuple = ()  # the input ranks the layer takes

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype=None,
    ):
        super().__init__()
        name = type(self).__name__
        self.num_features = _count(f"{name}: num_features", num_features)
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum}")
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        c = self.num_features
        if self.affine:
            self.weight = Parameter(np.ones(c, dtype))
            self.bias = Parameter(np.zeros(c, dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(c, dtype)))
            self.register_buffer("running_var", Tensor(np.ones(c, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            for buf in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(buf, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            self.weight.data[...] = 1
            self.bias.data[...] = 0

    def _check(self, x) -> None:
        name, c = type(self).__name__, self.num_features
        check_input(self, x)
        if x.ndim not in self._dims:
            ranks = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"{name}({c}): expected {ranks} input, got shape {tuple(x.shape)}")
        if x.shape[1] != c:
            raise ValueError(
                f"{name}({c}): expected input with {c} channels (dim 1), "
                f"got {x.shape[1]} in shape {tuple(x.shape)}"
            )
        if self.training and x.shape[0] * int(np.prod(x.shape[2:])) == 1:
            raise ValueError(
                f"{name}: Expected more than 1 value per channel when training, "
                f"got input size {tuple(x.shape)}"
            )

    def forward(self, x):
        self._check(x)
        factor = 0.0 if self.momentum is None else self.momentum
        counting = self.training and self.track_running_stats and self.num_batches_tracked is not None
        if counting and self.momentum is None:  # cumulative moving average
            factor = 1.0 / (int(self.num_batches_tracked.data) + 1)
        batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        use_running = not self.training or self.track_running_stats
        out = F.batch_norm(
            x,
            self.running_mean if use_running else None,
            self.running_var if use_running else None,
            self.weight,
            self.bias,
            batch_stats,
            factor,
            self.eps,
        )
        if counting:  # after the call: a refused input changes nothing
            self.num_batches_tracked.data[...] += 1
        return out

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) over N (and L), per channel C."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) over N, H and W, per channel C."""

    _dims = (4,)


class LayerNorm(Module):
    """Normalizes over the trailing dims normalized_shape (an int or a tuple); weight (ones) and
    bias (zeros) of that shape when elementwise_affine (bias=False drops the bias)."""

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype=None,
    ):
        super().__init__()
        shape = (
            (normalized_shape,)
            if isinstance(normalized_shape, (int, np.integer))
            else tuple(normalized_shape)
        )
        self.normalized_shape = tuple(_count("LayerNorm: normalized_shape", s) for s in shape)
        self.eps, self.elementwise_affine = eps, bool(elementwise_affine)
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        check_input(self, x)
        shape, k = self.normalized_shape, len(self.normalized_shape)
        if k and (x.ndim < k or tuple(x.shape[x.ndim - k :]) != shape):
            raise ValueError(
                f"LayerNorm({shape}): expected input with shape "
                f"(*, {', '.join(map(str, shape))}), got {tuple(x.shape)}"
            )
        return F.layer_norm(x, shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
