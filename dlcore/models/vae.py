"""Variational autoencoders over binary vectors (a Bernoulli decoder): VAE, with a Gaussian latent
and the reparameterised sample (Kingma & Welling 2014), and CategoricalVAE, with groups of
categorical latents relaxed by gumbel_softmax (Jang et al. 2017).

Layouts (x: (N, in_features) of 0/1 values; logits of p(x | z): (N, in_features)):
  VAE             encoder Linear(in, hidden)-ReLU, heads mu = Linear(hidden, latent) and
                  log_var = Linear(hidden, latent); decoder Linear(latent, hidden)-ReLU-Linear(hidden, in)
  CategoricalVAE  encoder Linear(in, hidden)-ReLU-Linear(hidden, groups * classes) (the logits of
                  q(z | x), (N, groups, classes)); decoder Linear(groups * classes, hidden)-ReLU-
                  Linear(hidden, in) over the flattened (relaxed) one-hot codes
`elbo(x)` returns the per-example evidence lower bound (N,) in nats: E_q[log p(x | z)] - KL(q || prior),
estimated with one sample of z; the prior is N(0, I), resp. uniform over each group's classes.
"""

from __future__ import annotations

import math

from .. import distributions, nn
from ..nn import functional as F
from ._checks import positive_int


def _mlp(sizes) -> nn.Sequential:
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
    return nn.Sequential(*layers)


def _check_input(name: str, x, features: int) -> None:
    if x.ndim != 2 or x.shape[1] != features:
        raise ValueError(f"{name}: expected x of shape (N, {features}), got {tuple(x.shape)}")


def bernoulli_log_likelihood(logits, x):
    """log p(x | z) summed over the features: (N,) from logits (N, D) and 0/1 targets x (N, D)."""
    return distributions.Bernoulli(logits=logits, validate_args=False).log_prob(x).sum(-1)


class VAE(nn.Module):
    """Gaussian-latent VAE with a Bernoulli decoder (the layout in the module docstring)."""

    def __init__(self, in_features: int = 64, hidden: int = 256, latent: int = 8):
        super().__init__()
        name = type(self).__name__
        self.in_features = positive_int(name, "in_features", in_features)
        self.latent = positive_int(name, "latent", latent)
        hidden = positive_int(name, "hidden", hidden)
        self.encoder = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent)
        self.log_var = nn.Linear(hidden, latent)
        self.decoder = _mlp([latent, hidden, in_features])

    def encode(self, x) -> distributions.Normal:
        """q(z | x) = N(mu(x), exp(log_var(x) / 2)^2), batch shape (N, latent)."""
        _check_input(type(self).__name__ + ".encode", x, self.in_features)
        h = self.encoder(x)
        return distributions.Normal(self.mu(h), (0.5 * self.log_var(h)).exp(), validate_args=False)

    def decode(self, z):
        """The logits of p(x | z), (N, in_features)."""
        return self.decoder(z)

    def elbo(self, x):
        """Per-example ELBO (N,): one reparameterised sample z ~ q(z | x)."""
        q = self.encode(x)
        prior = distributions.Normal(0.0, 1.0)
        kl = distributions.kl_divergence(q, prior).sum(-1)
        return bernoulli_log_likelihood(self.decode(q.rsample()), x) - kl

    def forward(self, x):
        return self.elbo(x)


class CategoricalVAE(nn.Module):
    """VAE with `groups` categorical latents of `classes` values each, relaxed by gumbel_softmax."""

    def __init__(self, in_features: int = 64, hidden: int = 256, groups: int = 20, classes: int = 10):
        super().__init__()
        name = type(self).__name__
        self.in_features = positive_int(name, "in_features", in_features)
        self.groups = positive_int(name, "groups", groups)
        self.classes = positive_int(name, "classes", classes)
        hidden = positive_int(name, "hidden", hidden)
        self.encoder = _mlp([in_features, hidden, groups * classes])
        self.decoder = _mlp([groups * classes, hidden, in_features])

    def encode(self, x):
        """The logits of q(z | x), (N, groups, classes)."""
        _check_input(type(self).__name__ + ".encode", x, self.in_features)
        return self.encoder(x).reshape(x.shape[0], self.groups, self.classes)

    def decode(self, z):
        """The logits of p(x | z) from codes z (N, groups, classes), one-hot or relaxed."""
        return self.decoder(z.reshape(z.shape[0], self.groups * self.classes))

    def elbo(self, x, tau: float = 1.0, hard: bool = False):
        """Per-example ELBO (N,) with one relaxed sample z = gumbel_softmax(logits, tau, hard); the
        KL of q to the uniform prior is exact: sum over groups of sum_k q_k log(q_k * classes)."""
        logits = self.encode(x)
        log_q = F.log_softmax(logits, dim=-1)
        kl = (log_q.exp() * (log_q + math.log(self.classes))).sum((1, 2))
        z = F.gumbel_softmax(logits, tau=tau, hard=hard, dim=-1)
        return bernoulli_log_likelihood(self.decode(z), x) - kl

    def forward(self, x):
        return self.elbo(x)
