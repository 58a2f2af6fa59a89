"""BernoulliRBM: a restricted Boltzmann machine with binary visible and hidden units (dlcore ops).

Energy E(v, h) = -v.b_v - h.b_h - h W v, with W (n_hidden, n_visible) = `weight`, b_h =
`hidden_bias`, b_v = `visible_bias` (scikit-learn's components_, intercept_hidden_,
intercept_visible_). p(v, h) is proportional to exp(-E); summing out h gives the free energy
F(v) = -v.b_v - sum_j softplus(W_j v + b_h[j]) with p(v) proportional to exp(-F(v)).

Training by contrastive divergence (CD-k): `cd_loss(v)` is mean F(v) - mean F(v_k), v_k the end
of k Gibbs steps from v with no gradient through the chain, so its autograd gradient is the
CD-k estimate of -d log p(v) / d theta; any dlcore optimizer then takes the step.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..creation import zeros
from ..functional import sigmoid
from ..functional_porting import rand_like
from ..graph import no_grad
from ..nn.functional import softplus
from ..tensor import Tensor


def _check_v(name: str, v, n_visible: int) -> None:
    if not isinstance(v, Tensor):
        raise TypeError(f"BernoulliRBM.{name}: v must be a dlcore Tensor, got {type(v).__name__}")
    if v.ndim != 2 or v.shape[1] != n_visible:
        raise ValueError(
            f"BernoulliRBM.{name}: v must have shape (N, {n_visible}) (N samples of n_visible units), "
            f"got {tuple(v.shape)}"
        )


class BernoulliRBM(nn.Module):
    """RBM with n_visible and n_hidden binary units.

    Args:
        n_visible: visible units (features), >= 1.
        n_hidden: hidden units, >= 1.
        init_std: weights start N(0, init_std^2) (scikit-learn: 0.01); biases start at 0.
        dtype: np.float32 or np.float64.

    The init draws from dlcore's generator (dlcore.manual_seed makes it repeatable).
    """

    def __init__(self, n_visible: int, n_hidden: int, init_std: float = 0.01, dtype=np.float32) -> None:
        super().__init__()
        for name, n in (("n_visible", n_visible), ("n_hidden", n_hidden)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
                raise ValueError(f"BernoulliRBM: {name} must be an integer >= 1, got {n!r}")
        if not init_std >= 0:
            raise ValueError(f"BernoulliRBM: init_std must be >= 0, got {init_std!r}")
        from ..random import generator

        self.n_visible, self.n_hidden = int(n_visible), int(n_hidden)
        w = generator().normal(0.0, init_std, size=(n_hidden, n_visible)).astype(dtype)
        self.weight = nn.Parameter(Tensor(w))
        self.hidden_bias = nn.Parameter(zeros(n_hidden, dtype=dtype))
        self.visible_bias = nn.Parameter(zeros(n_visible, dtype=dtype))

    def hidden_logits(self, v: Tensor) -> Tensor:
        """(N, n_visible) -> (N, n_hidden): W v + b_h, the logit of p(h_j = 1 | v)."""
        return v @ self.weight.t() + self.hidden_bias

    def visible_logits(self, h: Tensor) -> Tensor:
        """(N, n_hidden) -> (N, n_visible): W^T h + b_v, the logit of p(v_i = 1 | h)."""
        return h @ self.weight + self.visible_bias

    def energy(self, v: Tensor, h: Tensor) -> Tensor:
        """E(v, h) per sample: v (N, n_visible), h (N, n_hidden) -> (N,)."""
        _check_v("energy", v, self.n_visible)
        if not isinstance(h, Tensor) or h.ndim != 2 or tuple(h.shape) != (v.shape[0], self.n_hidden):
            got = tuple(h.shape) if isinstance(h, Tensor) else type(h).__name__
            raise ValueError(
                f"BernoulliRBM.energy: h must have shape ({v.shape[0]}, {self.n_hidden}), got {got}"
            )
        return (
            -(v * self.visible_bias).sum(1)
            - (h * self.hidden_bias).sum(1)
            - (h * (v @ self.weight.t())).sum(1)
        )

    def free_energy(self, v: Tensor) -> Tensor:
        """F(v) = -log sum_h exp(-E(v, h)) per sample: (N, n_visible) -> (N,)."""
        _check_v("free_energy", v, self.n_visible)
        return -(v * self.visible_bias).sum(1) - softplus(self.hidden_logits(v)).sum(1)

    def sample_hidden(self, v: Tensor) -> Tensor:
        """h ~ p(h | v), 0/1 in v's dtype (dlcore's generator), no gradient."""
        with no_grad():
            p = sigmoid(self.hidden_logits(v))
            return (rand_like(p) < p).to(p.dtype)

    def sample_visible(self, h: Tensor) -> Tensor:
        """v ~ p(v | h), 0/1 in h's dtype (dlcore's generator), no gradient."""
        with no_grad():
            p = sigmoid(self.visible_logits(h))
            return (rand_like(p) < p).to(p.dtype)

    def gibbs(self, v: Tensor, k: int = 1) -> Tensor:
        """k steps v -> h -> v of block Gibbs sampling, no gradient."""
        _check_v("gibbs", v, self.n_visible)
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"BernoulliRBM.gibbs: k must be an integer >= 1, got {k!r}")
        for _ in range(int(k)):
            v = self.sample_visible(self.sample_hidden(v))
        return v

    def cd_loss(self, v: Tensor, k: int = 1) -> Tensor:
        """Scalar mean F(v) - mean F(gibbs(v, k)): its gradient is the CD-k update (negated)."""
        negative = self.gibbs(v, k)
        return self.free_energy(v).mean() - self.free_energy(negative).mean()

    def pseudo_log_likelihood(self, v: Tensor) -> Tensor:
        """Exact pseudo-log-likelihood per sample, sum_i log p(v_i | v_-i), in nats: (N,).

        log p(v_i | v_-i) = log sigmoid(F(v with bit i flipped) - F(v)); v must be 0/1. (scikit-
        learn's score_samples estimates the same sum from one random bit, times n_visible.)
        """
        _check_v("pseudo_log_likelihood", v, self.n_visible)
        with no_grad():
            n, d = v.shape
            f = self.free_energy(v).numpy().astype(np.float64)
            x = v.numpy()
            total = np.zeros(n)
            eye = np.eye(d, dtype=x.dtype)
            for i in range(d):
                flipped = np.abs(x - eye[i])  # bit i flipped: 0 <-> 1
                gap = self.free_energy(Tensor(flipped)).numpy().astype(np.float64) - f
                total += -np.logaddexp(0.0, -gap)  # log sigmoid(gap)
        return Tensor(total)

    def extra_repr(self) -> str:
        return f"n_visible={self.n_visible}, n_hidden={self.n_hidden}"
