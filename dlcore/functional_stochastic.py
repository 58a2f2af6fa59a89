"""Differentiable discrete choices (exported by dlcore.nn.functional): torch's gumbel_softmax and
dlcore's straight-through estimators ste_sign and ste_round.

gumbel_softmax draws its Gumbel noise from dlcore's seeded generator (dlcore.manual_seed), through
`gumbel_noise`, so a reseed before a call gives the same sample. ste_sign / ste_round are the
Functions of dlcore.ops.straight_through.
"""

from __future__ import annotations

import numpy as np

from . import backend, ops
from .random import generator
from .tensor import Tensor, apply, as_tensor_like


def _floating(x, op: str) -> Tensor:
    """x as a tensor; integer and bool input is a TypeError naming op (no gradient flows there)."""
    x = as_tensor_like(x, (), op)
    if x.dtype.kind != "f":
        raise TypeError(
            f"{op}: input must be a floating point tensor, got {x.dtype}; convert it with .float()"
        )
    return x


def gumbel_noise(shape, dtype, device="cpu"):
    """An array of i.i.d. standard Gumbel samples -log(E), E ~ Exponential(1), drawn in float64
    from dlcore's generator and cast to dtype, on device (torch draws -log(exponential_()))."""
    e = generator().exponential(size=tuple(shape))
    return backend.to_device(np.asarray(-np.log(e), dtype=dtype), device)


def gumbel_softmax(logits, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """A sample of the Gumbel-softmax (Concrete) distribution over `dim`, as
    torch.nn.functional.gumbel_softmax: softmax((logits + g) / tau) with g standard Gumbel noise.

    hard=True returns y_hard - y_soft.detach() + y_soft: the one-hot vector of the soft sample's
    argmax in the forward pass (up to the rounding of that expression, as torch), the soft
    sample's gradient in the backward pass. `eps` is unused (torch deprecated it) and kept for
    torch's signature. tau must be a number > 0 (ValueError; torch does not check); logits must
    be floating (TypeError); dim an int in [-ndim, ndim) (ValueError); hard=True over a dim of
    size 0 is a ValueError (torch: IndexError).
    """
    op = "gumbel_softmax"
    logits = _floating(logits, op)
    if isinstance(tau, bool) or not isinstance(tau, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: tau must be a number, got {type(tau).__name__}")
    if not tau > 0:
        raise ValueError(f"{op}: tau must be > 0, got {tau}")
    if not isinstance(hard, (bool, np.bool_)):
        raise TypeError(f"{op}: hard must be a bool, got {type(hard).__name__}")
    axis = ops.check_axis(op, dim, logits.ndim)
    g = Tensor(gumbel_noise(logits.shape, logits.dtype, backend.device_of(logits.data)))
    y_soft = ((logits + g) / float(tau)).softmax(dim)
    if not hard:
        return y_soft
    soft = y_soft.data
    if soft.ndim and soft.shape[axis] == 0:
        raise ValueError(
            f"{op}: hard=True takes the argmax over dim {dim}, which has size 0 (shape {soft.shape})"
        )
    xp = backend.array_module(soft)
    if soft.ndim == 0:
        y_hard = xp.ones_like(soft)
    elif soft.size == 0:  # 0 rows
        y_hard = xp.zeros_like(soft)
    else:  # one-hot of the argmax along axis (its first occurrence, as torch's max)
        positions = xp.arange(soft.shape[axis]).reshape([-1 if a == axis else 1 for a in range(soft.ndim)])
        y_hard = (positions == xp.expand_dims(xp.argmax(soft, axis=axis), axis)).astype(soft.dtype)
    return Tensor(y_hard) - y_soft.detach() + y_soft


def ste_sign(input) -> Tensor:
    """sign(input) as exactly +1 / -1 with the straight-through gradient (dlcore extension).

    Forward: +1 where input >= 0 (so sign(0) = +1, unlike torch.sign), -1 where input < 0, NaN
    kept. Backward: grad * (|input| <= 1), the gradient of hardtanh (the clipped identity).
    Floating input only (TypeError otherwise).
    """
    return apply(ops.SteSign, _floating(input, "ste_sign"))


def ste_round(input) -> Tensor:
    """round(input) (half to even, as torch.round) with the identity as its gradient (dlcore
    extension). Floating input only (TypeError otherwise)."""
    return apply(ops.SteRound, _floating(input, "ste_round"))
