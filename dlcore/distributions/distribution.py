"""Distribution: the base of dlcore.distributions (torch.distributions.Distribution's shape and
argument-checking conventions).

batch_shape: the broadcast shape of the parameters; event_shape: () for the scalar distributions
here. sample(sample_shape) / rsample(sample_shape) return sample_shape + batch_shape + event_shape.
Parameters are tensors; a Python number or array becomes a tensor of the other parameters' dtype
(float32 when none is a tensor), as torch's broadcast_all.
"""

from __future__ import annotations

import numpy as np

from ..graph import no_grad
from ..tensor import Tensor, as_tensor_like


def broadcast_params(name: str, **params) -> tuple:
    """The parameters as floating tensors of one broadcast shape (TypeError for non-floating data,
    ValueError for shapes that do not broadcast, each naming the distribution)."""
    tensors = [p for p in params.values() if isinstance(p, Tensor)]
    out = {}
    for key, p in params.items():
        t = as_tensor_like(p, tensors, name)
        if t.dtype.kind != "f":
            t = t.float() if not isinstance(p, Tensor) else t
        if t.dtype.kind != "f":
            raise TypeError(f"{name}: {key} must be a floating point tensor, got {t.dtype}")
        out[key] = t
    dtypes = {t.dtype for t in out.values()}
    if len(dtypes) > 1:
        raise TypeError(f"{name}: parameters of different dtypes {sorted(map(str, dtypes))}")
    try:
        shape = np.broadcast_shapes(*(t.shape for t in out.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {tuple(t.shape)}" for k, t in out.items())
        raise ValueError(f"{name}: parameter shapes do not broadcast: {shapes}") from None
    return tuple(t if t.shape == shape else t.expand(*shape) for t in out.values())


def sample_shape_of(sample_shape, name: str) -> tuple:
    """sample_shape (a tuple/list of non-negative ints, or a torch.Size-like) as a tuple."""
    try:
        shape = tuple(int(s) for s in sample_shape)
    except TypeError:
        raise TypeError(
            f"{name}: sample_shape must be a tuple of ints, got {type(sample_shape).__name__}"
        ) from None
    if any(s < 0 for s in shape):
        raise ValueError(f"{name}: sample_shape must hold non-negative sizes, got {shape}")
    return shape


class Distribution:
    """Base class: subclasses set batch_shape and implement rsample or sample, log_prob, entropy."""

    has_rsample = False
    batch_shape: tuple = ()
    event_shape: tuple = ()

    def __init__(self, batch_shape=(), validate_args: bool | None = None):
        self.batch_shape = tuple(batch_shape)
        self._validate_args = True if validate_args is None else bool(validate_args)

    def _extended_shape(self, sample_shape=()) -> tuple:
        name = type(self).__name__
        return sample_shape_of(sample_shape, name) + self.batch_shape + self.event_shape

    def sample(self, sample_shape=()) -> Tensor:
        """A sample outside the graph (no gradient)."""
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sample (rsample)")

    def log_prob(self, value) -> Tensor:
        raise NotImplementedError

    def entropy(self) -> Tensor:
        raise NotImplementedError

    @property
    def variance(self) -> Tensor:
        return self.stddev**2

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def _value(self, value, op: str) -> Tensor:
        """value as a tensor beside the parameters (a number takes their dtype)."""
        params = [v for v in vars(self).values() if isinstance(v, Tensor)]
        return as_tensor_like(value, params, f"{type(self).__name__}.{op}")
