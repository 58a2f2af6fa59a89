"""kl_divergence(p, q) = KL(p || q) in closed form, elementwise over the batch shape."""

from __future__ import annotations

from .. import ops
from ..tensor import Tensor, apply
from .bernoulli import Bernoulli
from .normal import Normal


def _normal_normal(p: Normal, q: Normal) -> Tensor:
    """log(s_q / s_p) + (s_p^2 + (m_p - m_q)^2) / (2 s_q^2) - 1/2, written as torch's form."""
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


def _softplus(x: Tensor) -> Tensor:
    return -apply(ops.LogSigmoid, -x)


def _bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    """p log(p / q) + (1 - p) log((1 - p) / (1 - q)), from the logits."""
    t1 = p.probs * (_softplus(-q.logits) - _softplus(-p.logits))
    t2 = (1 - p.probs) * (_softplus(q.logits) - _softplus(p.logits))
    return t1 + t2


_PAIRS = {(Normal, Normal): _normal_normal, (Bernoulli, Bernoulli): _bernoulli_bernoulli}


def kl_divergence(p, q) -> Tensor:
    """KL(p || q) for two Normals or two Bernoullis (their batch shapes broadcast); any other pair
    is a NotImplementedError, as torch.distributions.kl_divergence."""
    fn = _PAIRS.get((type(p), type(q)))
    if fn is None:
        raise NotImplementedError(
            f"kl_divergence: no closed form for ({type(p).__name__}, {type(q).__name__}); "
            f"known pairs: {', '.join(f'({a.__name__}, {b.__name__})' for a, b in _PAIRS)}"
        )
    return fn(p, q)
