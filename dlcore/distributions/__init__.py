"""Probability distributions with reparameterised samples, after torch.distributions.

    distribution.py  Distribution: batch_shape/event_shape, sample shapes, argument checks
    normal.py        Normal(loc, scale): sample, rsample (loc + scale * eps), log_prob, entropy
    bernoulli.py     Bernoulli(probs= | logits=): sample, log_prob, entropy
    kl.py            kl_divergence(p, q) in closed form (Normal-Normal, Bernoulli-Bernoulli)

Random draws come from dlcore's seeded generator (dlcore.manual_seed). User guide: docs/discrete.md.
"""

from .bernoulli import Bernoulli
from .distribution import Distribution
from .kl import kl_divergence
from .normal import Normal

__all__ = ["Distribution", "Normal", "Bernoulli", "kl_divergence"]
