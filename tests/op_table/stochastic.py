"""Op-table entries for the differentiable discrete choices: nn.functional.gumbel_softmax,
ste_sign and ste_round (dlcore.functional_stochastic).

gumbel_softmax is random. Its samples (and fuzz draws) reseed dlcore's generator with NOISE_SEED
as their last step, so the call under test draws known noise; the torch counterpart reseeds,
draws the same noise with dlcore.functional_stochastic.gumbel_noise and hands it to torch's own
gumbel_softmax by shifting the logits by (our noise - torch's noise), torch's noise predicted by
reseeding torch (the shift is a constant: the gradient w.r.t. the logits is torch's). gradcheck
needs the same noise at every evaluation: tests/test_stochastic.py reseeds before each one.

ste_sign / ste_round have no torch function; their counterpart is torch's detach idiom
hard + (surrogate - surrogate.detach()), the surrogate hardtanh for sign and the identity for
round, with numpy references for the forward. Finite differences see the hard forward (zero
gradient), not the defined backward: tests/test_stochastic.py checks the backward exactly.
"""

from __future__ import annotations

import importlib

import numpy as np
from hypothesis import strategies as st

import dlcore
import dlcore.nn.functional as F
from dlcore.functional_stochastic import gumbel_noise

from . import fuzzing as fz
from .core import ELEMENTWISE, SUMMING, Maker, OpInfo, Sample, _bad, _ones

NOISE_SEED = 20


def _reseeded(samples):
    """The samples generator, then dlcore.manual_seed(NOISE_SEED) once they are all drawn."""

    def gen(op, dtype, rng):
        yield from samples(op, dtype, rng)
        dlcore.manual_seed(NOISE_SEED)

    return gen


def torch_gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """torch's gumbel_softmax given the noise dlcore draws after manual_seed(NOISE_SEED)."""
    torch = importlib.import_module("torch")
    if not logits.is_floating_point():  # torch's own error
        return torch.nn.functional.gumbel_softmax(logits, tau, hard, eps, dim)
    dlcore.manual_seed(NOISE_SEED)
    ours = torch.from_numpy(gumbel_noise(tuple(logits.shape), str(logits.dtype).removeprefix("torch.")))
    torch.manual_seed(0)
    theirs = -torch.empty_like(logits).exponential_().log()
    torch.manual_seed(0)
    return torch.nn.functional.gumbel_softmax(logits + (ours - theirs), tau, hard, eps, dim)


def gumbel_softmax_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), desc="soft, tau 1")
    yield Sample((m(3, 7, layout="flipped"),), {"tau": 0.5, "dim": 0}, desc="soft, tau 0.5, dim 0")
    yield Sample((m(2, 3, 5, layout="transposed"),), {"tau": 2.0, "dim": 1}, desc="middle dim")
    yield Sample((m(4, 6),), {"hard": True}, desc="hard")
    yield Sample((m(2, 5, 3, layout="strided"),), {"hard": True, "tau": 0.3, "dim": -2}, desc="hard, dim -2")
    yield Sample((m(0, 3),), {"hard": True}, desc="0 rows")
    yield Sample((m(),), {"hard": True}, desc="0-d: 1")


def gumbel_softmax_bad():
    name = "gumbel_softmax"
    return [
        _bad(name, _ones(2, 3), tau=0.0, match=r"gumbel_softmax: tau must be > 0, got 0.0", desc="tau 0"),
        _bad(name, _ones(2, 3), tau=-1.0, match=r"gumbel_softmax: tau must be > 0", desc="tau < 0"),
        _bad(
            name,
            _ones(2, 3),
            tau="1",
            exc=TypeError,
            match=r"gumbel_softmax: tau must be a number",
            desc="tau str",
        ),
        _bad(name, _ones(2, 3), dim=2, match=r"gumbel_softmax: dim 2 is out of range", desc="dim"),
        _bad(
            name,
            _ones(2, 3, dtype=np.int64),
            exc=TypeError,
            match=r"gumbel_softmax: input must be a floating point tensor, got int64",
            desc="int64 logits",
        ),
        _bad(
            name, _ones(2, 0), hard=True, match=r"gumbel_softmax: hard=True .* size 0", desc="hard, empty dim"
        ),
    ]


def _ste_torch(hard):
    """torch's straight-through idiom: hard(x) + (surrogate(x) - surrogate(x).detach())."""

    def call(x):
        torch = importlib.import_module("torch")
        if not x.is_floating_point():
            raise TypeError(f"{hard}: integer input")
        if hard == "ste_sign":
            value, surrogate = torch.where(x >= 0, 1.0, -1.0).to(x.dtype), torch.nn.functional.hardtanh(x)
            value = torch.where(torch.isnan(x), x, value)
        else:
            value, surrogate = torch.round(x), x
        # value exactly, plus a zero that carries the surrogate's gradient (where x is finite)
        return value + torch.where(torch.isfinite(x), surrogate - surrogate.detach(), 0.0)

    call.__name__ = f"torch detach idiom for {hard}"
    return call


def ste_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), desc="2-D")
    yield Sample((m(2, 3, 4, layout="flipped"),), desc="negative strides")
    yield Sample((m(5, 4, layout="transposed"),), desc="transposed")
    yield Sample((m(0, 3),), desc="0-size")
    yield Sample((m(),), desc="0-d")
    halves = np.array([-2.5, -1.5, -0.5, 0.0, 0.5, 1.5, 2.5], dtype=dtype)
    yield Sample((halves,), desc="halves (round to even) and 0 (sign +1)")


def ste_bad(name):
    def bad():
        return [
            _bad(
                name,
                _ones(2, 3, dtype=np.int64),
                exc=TypeError,
                match=rf"{name}: input must be a floating point tensor, got int64",
                desc="int64",
            ),
            _bad(name, _ones(2, dtype=bool), exc=TypeError, match=rf"{name}: input must be", desc="bool"),
            _bad(name, "x", exc=TypeError, match=rf"{name}:", desc="a string"),
        ]

    return bad


def _sign_ref(x):
    return np.where(x >= 0, 1.0, np.where(x < 0, -1.0, x)).astype(x.dtype)


@st.composite
def _gumbel_fuzz(draw, op):
    """Any array and dim (one past the range), tau > 0 (tau <= 0: bad inputs), hard or not; the
    draw reseeds dlcore's generator last, as the samples do. Not drawn: an empty integer tensor,
    which torch returns unchecked and dlcore rejects as any integer input (as softmax does, see
    ALLOWED in tests/test_op_fuzz.py)."""
    x = draw(fz.array(op).filter(lambda a: a.size or a.dtype.kind == "f"))
    kw = {
        "dim": fz._dim(draw, x.ndim),
        "tau": draw(st.sampled_from([1.0, 0.5, 3.0])),
        "hard": draw(st.booleans()),
    }
    dlcore.manual_seed(NOISE_SEED)
    return Sample((x,), kw)


OPS = [
    OpInfo(
        "nn.functional.gumbel_softmax",
        F.gumbel_softmax,
        torch_gumbel_softmax,
        _reseeded(gumbel_softmax_samples),
        gradcheck=False,  # the noise changes between evaluations: tests/test_stochastic.py reseeds
        tol=SUMMING,
        bad_inputs=gumbel_softmax_bad,
        fuzz=_gumbel_fuzz,
    ),
    OpInfo(
        "nn.functional.ste_sign",
        F.ste_sign,
        _ste_torch("ste_sign"),
        ste_samples,
        ref=_sign_ref,
        gradcheck=False,  # the defined backward is not the forward's derivative (test_stochastic.py)
        tol=ELEMENTWISE,
        bad_inputs=ste_bad("ste_sign"),
        fuzz=fz.unary,
    ),
    OpInfo(
        "nn.functional.ste_round",
        F.ste_round,
        _ste_torch("ste_round"),
        ste_samples,
        ref=np.round,
        gradcheck=False,  # as ste_sign
        tol=ELEMENTWISE,
        bad_inputs=ste_bad("ste_round"),
        fuzz=fz.unary,
    ),
]
