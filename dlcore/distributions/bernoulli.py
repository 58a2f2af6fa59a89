"""Bernoulli(probs= | logits=): a {0, 1} variable, as torch.distributions.Bernoulli (log_prob is
the negative binary cross-entropy, computed from the logits without overflow)."""

from __future__ import annotations

import numpy as np

from .. import backend, ops
from ..random import generator
from ..tensor import Tensor, apply
from .distribution import Distribution, broadcast_params


class Bernoulli(Distribution):
    """P(x = 1) = probs = sigmoid(logits), elementwise; exactly one of probs and logits.

    validate_args (default on): probs must lie in [0, 1], and log_prob's value in {0, 1}, else
    ValueError. log_prob(value) = value log sigmoid(logits) + (1 - value) log sigmoid(-logits)
    (differentiable in logits; exact for large |logits|).
    """

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None):
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli: give exactly one of probs and logits")
        if probs is not None:
            (self.probs,) = broadcast_params("Bernoulli", probs=probs)
            eps = float(np.finfo(self.probs.dtype).eps)
            p = self.probs.clamp(eps, 1 - eps)
            self.logits = p.log() - (1 - p).log()
        else:
            (self.logits,) = broadcast_params("Bernoulli", logits=logits)
            self.probs = self.logits.sigmoid()
        super().__init__(self.logits.shape, validate_args)
        if self._validate_args and probs is not None:
            p = backend.to_device(self.probs.data, "cpu")
            if not np.all((p >= 0) & (p <= 1)):
                raise ValueError("Bernoulli: probs must lie in [0, 1] (validate_args)")

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        """0/1 draws in the parameters' dtype (no gradient)."""
        shape = self._extended_shape(sample_shape)
        u = generator().random(shape)
        p = np.broadcast_to(backend.to_device(self.probs.data, "cpu"), shape)
        x = (u < p).astype(self.probs.dtype)
        return Tensor(backend.to_device(x, backend.device_of(self.probs.data)))

    def log_prob(self, value) -> Tensor:
        value = self._value(value, "log_prob")
        if self._validate_args:
            v = backend.to_device(value.data, "cpu")
            if not np.all((v == 0) | (v == 1)):
                raise ValueError("Bernoulli.log_prob: value must hold only 0 and 1 (validate_args)")
        return self._expected_log(value)

    def entropy(self) -> Tensor:
        """-p log p - (1 - p) log(1 - p), from the logits."""
        return -self._expected_log(self.probs)

    def _expected_log(self, t: Tensor) -> Tensor:
        """t log sigmoid(logits) + (1 - t) log sigmoid(-logits): no cancellation for t in {0, 1}."""
        return t * apply(ops.LogSigmoid, self.logits) + (1 - t) * apply(ops.LogSigmoid, -self.logits)

    def __repr__(self) -> str:
        return f"Bernoulli(logits: {tuple(self.logits.shape)}, {self.logits.dtype})"
