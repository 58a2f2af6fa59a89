"""Normal(loc, scale): the Gaussian with reparameterised samples, as torch.distributions.Normal."""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..random import generator
from ..tensor import Tensor
from .distribution import Distribution, broadcast_params

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class Normal(Distribution):
    """N(loc, scale^2) elementwise over the broadcast shape of loc and scale.

    loc, scale: tensors or numbers (floating; broadcast together). validate_args (default on, as
    torch): scale must be > 0 everywhere, else ValueError. rsample(sample_shape) = loc + scale *
    eps with eps ~ N(0, 1) drawn from dlcore's generator (float64, cast to the parameters' dtype),
    differentiable in loc and scale; sample() is the same draw outside the graph.
    """

    has_rsample = True

    def __init__(self, loc, scale, validate_args: bool | None = None):
        self.loc, self.scale = broadcast_params("Normal", loc=loc, scale=scale)
        super().__init__(self.loc.shape, validate_args)
        if self._validate_args:
            s = backend.to_device(self.scale.data, "cpu")
            if not np.all(s > 0):
                bad = s[~(s > 0)].ravel()[:4].tolist()
                raise ValueError(
                    f"Normal: scale must be > 0 everywhere (validate_args), got values such as {bad} "
                    f"in a scale of shape {tuple(self.scale.shape)}"
                )

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale**2

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = generator().standard_normal(shape).astype(self.loc.dtype)
        eps = Tensor(backend.to_device(eps, backend.device_of(self.loc.data)))
        return self.loc + eps * self.scale

    def log_prob(self, value) -> Tensor:
        """log N(value; loc, scale^2), broadcast over value and the batch shape."""
        value = self._value(value, "log_prob")
        return -((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log() - _HALF_LOG_2PI

    def entropy(self) -> Tensor:
        return 0.5 + _HALF_LOG_2PI + self.scale.log()

    def __repr__(self) -> str:
        return f"Normal(loc: {tuple(self.loc.shape)}, scale: {tuple(self.scale.shape)}, {self.loc.dtype})"
