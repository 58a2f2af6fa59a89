"""Op-table entries for issue 19's CTC: nn.functional.ctc_loss, the same through log_softmax,
nn.CTCLoss, and nn.functional.ctc_greedy_decode (a dlcore extension), with their fuzz builders.

torch's CTC backward returns the true gradient plus exp(log_probs) (harmless after log_softmax,
whose backward removes it); dlcore's is the true gradient, so gradcheck holds. The ctc_loss entry
feeds log_softmax(logits) values as log_probs and compares with `torch_ctc_loss`: torch's call
with the same value and the true gradient (exp(log_probs) summed over the active steps is
subtracted and added back detached). The log_softmax entry and nn.CTCLoss take the logits as the
leaf and compare with torch's own call as it is. ctc_greedy_decode's counterpart is written here
in torch (argmax, unique_consecutive, blanks dropped, rows padded), its numpy reference from
dlcore/reference_ctc.collapse.
"""

from __future__ import annotations

import importlib

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dlcore.nn
import dlcore.nn.functional as F
from dlcore.reference_ctc import collapse

from . import fuzzing as fz
from .core import EXACT, SUMMING, Maker, OpInfo, Sample, _bad, _ones
from .layers import _dlcore_layer


def _torch_mod():
    return importlib.import_module("torch")


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x64 = x.astype(np.float64)
    m = x64.max(axis=-1, keepdims=True)
    return (x64 - m - np.log(np.exp(x64 - m).sum(axis=-1, keepdims=True))).astype(x.dtype)


def _laid_out(a: np.ndarray, layout: str) -> np.ndarray:
    """a's values in the layout: "flipped" (negative strides), "strided" (every 2nd element of a
    wider last axis) or as it is."""
    if layout == "flipped":
        return np.ascontiguousarray(a[::-1, ::-1])[::-1, ::-1]
    if layout == "strided":
        wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        wide[..., ::2] = a
        return wide[..., ::2]
    return a


def _labels(rng, shape, c, blank):
    return rng.choice([k for k in range(c) if k != blank], size=shape).astype(np.int64)


# ---- torch counterparts -----------------------------------------------------------------------


def torch_ctc_loss(
    log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False
):
    """torch.nn.functional.ctc_loss's value with the true gradient (see the module header)."""
    torch = _torch_mod()
    loss = torch.nn.functional.ctc_loss(
        log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity
    )
    lp = log_probs if log_probs.dim() == 3 else log_probs.unsqueeze(1)
    il = torch.as_tensor(input_lengths).reshape(-1)
    tl = torch.as_tensor(target_lengths).reshape(-1)
    active = (torch.arange(lp.shape[0])[:, None] < il[None, :]).to(lp.dtype)
    extra = (lp.exp() * active[..., None]).sum(dim=(0, 2))  # d extra / d lp = exp(lp) where active
    if zero_infinity:  # torch zeroes these rows' gradient, exp(log_probs) included
        per_item = torch.nn.functional.ctc_loss(
            log_probs, targets, input_lengths, target_lengths, blank, "none"
        ).reshape(-1)
        extra = torch.where(torch.isinf(per_item), torch.zeros_like(extra), extra)
    if reduction == "mean":
        extra = (extra / tl.clamp(min=1).to(lp.dtype)).mean()
    elif reduction == "sum":
        extra = extra.sum()
    elif log_probs.dim() == 2:
        extra = extra[0]
    return loss - extra + extra.detach()


def dlcore_ctc_from_logits(logits, *args, **kwargs):
    return F.ctc_loss(F.log_softmax(logits, -1), *args, **kwargs)


def torch_ctc_from_logits(logits, *args, **kwargs):
    torch = _torch_mod()
    return torch.nn.functional.ctc_loss(torch.log_softmax(logits, -1), *args, **kwargs)


def _ctc_layer(torch_side: bool):
    plain = _dlcore_layer("CTCLoss")

    def call(logits, targets, input_lengths, target_lengths, init=None, train=True):
        if torch_side:
            torch = _torch_mod()
            module, lp = torch.nn.CTCLoss(**(init or {})), torch.log_softmax(logits, -1)
        else:
            module, lp = dlcore.nn.CTCLoss(**(init or {})), F.log_softmax(logits, -1)
        return module(lp, targets, input_lengths, target_lengths)

    call.__name__ = "torch.nn.CTCLoss" if torch_side else plain.__name__
    if not torch_side:
        call.module_class = plain.module_class
    return call


def torch_greedy_decode(log_probs, input_lengths=None, blank=0, padding_value=-1):
    """The torch twin of ctc_greedy_decode: argmax per step, repeats merged, blanks dropped."""
    torch = _torch_mod()
    batched = log_probs.dim() == 3
    best = (log_probs if batched else log_probs.unsqueeze(1)).argmax(-1)
    n = best.shape[1]
    lengths = (
        [best.shape[0]] * n if input_lengths is None else torch.as_tensor(input_lengths).reshape(-1).tolist()
    )
    if len(lengths) != n or not all(0 <= k <= best.shape[0] for k in lengths):
        raise ValueError(f"input_lengths {lengths} for {n} items of {best.shape[0]} steps")
    rows = []
    for i in range(n):
        path = torch.unique_consecutive(best[: lengths[i], i])
        rows.append(path[path != blank])
    width = max((len(r) for r in rows), default=0)
    out = torch.full((n, width), padding_value, dtype=torch.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out if batched else out[0]


def greedy_decode_ref(log_probs, input_lengths=None, blank=0, padding_value=-1):
    lp = log_probs if log_probs.ndim == 3 else log_probs[:, None]
    lengths = [lp.shape[0]] * lp.shape[1] if input_lengths is None else np.reshape(input_lengths, -1)
    rows = [collapse(lp[: lengths[i], i].argmax(-1), blank) for i in range(lp.shape[1])]
    out = np.full((lp.shape[1], max(map(len, rows), default=0)), padding_value, np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out if log_probs.ndim == 3 else out[0]


# ---- samples -----------------------------------------------------------------------------------


def ctc_samples(op, dtype, rng, logits=False):
    """log_probs (or logits, when the entry applies log_softmax itself) of several layouts with
    padded and concatenated targets, tuple and tensor lengths, every reduction."""
    m = Maker(op, dtype, rng)

    def lp(*shape, layout="contiguous"):
        x = m(*shape, low=-3.0, high=3.0)
        return _laid_out(x if logits else _log_softmax(x), layout)

    t = np.array([[1, 1, 2, 4], [3, 2, 0, 0], [4, 4, 4, 1]])  # repeats; row 1 padded with 0 = blank
    yield Sample((lp(12, 3, 5), t, (12, 10, 12), (4, 2, 4)), desc="padded, tuples, mean")
    yield Sample(
        (lp(9, 2, 4, layout="flipped"), np.array([1, 0, 1, 2, 2]), np.array([9, 7]), np.array([3, 2])),
        {"blank": 3, "reduction": "sum"},
        desc="concatenated targets, blank 3, sum, negative strides",
    )
    yield Sample(
        (lp(6, 4, 3, layout="strided"), _labels(rng, (4, 3), 3, 1), (6, 5, 2, 0), (3, 0, 2, 0)),
        {"blank": 1, "reduction": "none", "zero_infinity": True},
        desc="empty target, lengths < T, an impossible item zeroed, blank 1",
    )
    yield Sample(
        (lp(8, 6), np.array([2, 5, 5], np.int32), np.array(8), np.array(3)),
        desc="unbatched, int32 targets, 0-d lengths",
    )
    yield Sample(
        (lp(5, 2, 4), np.array([[2, 2, 2], [1, 3, 1]]), (5, 3), (3, 3)),
        {"reduction": "none"},
        desc="an impossible item: +inf loss, nan gradient (as torch)",
        gradcheck=False,
    )
    yield Sample((lp(1, 1, 2), np.zeros((1, 0), np.int64), (1,), (0,)), desc="one step, empty target")


def ctc_logits_samples(op, dtype, rng):
    return ctc_samples(op, dtype, rng, logits=True)


def ctc_layer_samples(op, dtype, rng):
    for i, s in enumerate(ctc_samples(op, dtype, rng, logits=True)):
        init = dict(s.kwargs)
        if i == 0:
            init["zero_infinity"] = True
        yield Sample(s.args, {"init": init}, desc=s.desc, gradcheck=s.gradcheck)


def greedy_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(10, 3, 4),), desc="batched")
    yield Sample((m(7, 2, 5, layout="flipped"), (7, 3)), {"blank": 4}, desc="lengths, blank 4")
    yield Sample((m(9, 3),), {"padding_value": 0, "blank": 2}, desc="unbatched")
    yield Sample((m(4, 2, 3), np.array([0, 2])), desc="an empty input")
    yield Sample((np.repeat(m(3, 1, 4), 2, axis=0),), desc="repeats merged")


# ---- bad inputs -------------------------------------------------------------------------------


def ctc_bad(logits=False):
    lp, t = _ones(6, 2, 5), np.array([[1, 2], [3, 3]])
    n = "ctc_loss"
    int_input = (
        []
        if logits
        else [  # log_softmax refuses it first
            _bad(
                n,
                lp.astype(np.int64),
                t,
                (6, 6),
                (2, 2),
                exc=TypeError,
                match=f"{n}: expected float32 or float64 log_probs",
                desc="int",
            ),
        ]
    )
    return int_input + [
        _bad(
            n,
            lp[None],
            t,
            (6, 6),
            (2, 2),
            match=rf"{n}: log_probs must be \(T, N, C\) or unbatched",
            desc="4-D",
        ),
        _bad(n, lp, t, (6, 6), (2, 2), reduction="avg", match=f"{n}: reduction must be", desc="reduction"),
        _bad(
            n,
            lp,
            t,
            (6, 6),
            (2, 2),
            blank=5,
            match=rf"{n}: blank 5 must be in the label range \[0, 5\)",
            desc="blank",
        ),
        _bad(
            n,
            lp,
            t,
            (6, 6),
            (2, 2),
            blank=1.0,
            exc=TypeError,
            match=f"{n}: blank must be an int",
            desc="float blank",
        ),
        _bad(
            n,
            lp,
            np.array([[1, 7], [3, 3]]),
            (6, 6),
            (2, 2),
            match=rf"{n}: targets\[0, 1\] = 7 is out of range for 5 classes",
            desc="label range",
        ),
        _bad(
            n,
            lp,
            np.array([[1, 0], [3, 3]]),
            (6, 6),
            (2, 2),
            match=rf"{n}: targets\[0, 1\] = 0 is the blank label",
            desc="blank label",
        ),
        _bad(
            n,
            lp,
            t,
            (7, 6),
            (2, 2),
            match=rf"{n}: input_lengths \[7, 6\] must be at most T = 6",
            desc="input length",
        ),
        _bad(
            n,
            lp,
            t,
            (6, 6),
            (2, -1),
            match=f"{n}: target_lengths must be non-negative",
            desc="negative length",
        ),
        _bad(
            n,
            lp,
            t,
            (6, 6, 6),
            (2, 2),
            match=rf"{n}: input_lengths must have one entry per batch item \(2\)",
            desc="count",
        ),
        _bad(
            n,
            lp,
            t,
            (6, 6),
            (3, 2),
            match=f"{n}: target_lengths .* exceed the padded targets' length 2",
            desc="S",
        ),
        _bad(
            n,
            lp,
            np.array([1, 2, 3]),
            (6, 6),
            (2, 2),
            match=f"{n}: concatenated targets must hold sum",
            desc="concat",
        ),
        _bad(
            n,
            lp,
            t.astype(np.float32),
            (6, 6),
            (2, 2),
            exc=TypeError,
            match=f"{n}: targets must be an integer tensor",
            desc="float targets",
        ),
        _bad(
            n,
            lp,
            t,
            6,
            (2, 2),
            exc=TypeError,
            match=f"{n}: input_lengths must be a tensor or a tuple of ints",
            desc="int lengths",
        ),
        _bad(n, lp[:0], t, (), (), match=f"{n}: log_probs must not be empty", desc="empty"),
    ]


def ctc_layer_bad():
    lp, t = _ones(6, 2, 5), np.array([[1, 2], [3, 3]])
    return [
        _bad(
            "CTCLoss",
            lp,
            t,
            (6, 6),
            (2, 2),
            init={"reduction": "avg"},
            match="CTCLoss: reduction must be",
            desc="init",
        ),
        _bad(
            "CTCLoss",
            lp,
            t,
            (6, 6),
            (2, 2),
            init={"blank": -1},
            match="CTCLoss: blank must be a non-negative int",
            desc="blank",
        ),
        _bad(
            "CTCLoss",
            lp,
            t,
            (6, 6),
            (2, 2),
            init={"blank": 7},
            match=r"ctc_loss: blank 7 must be in the label range",
            desc="blank range",
        ),
    ]


def greedy_bad():
    n = "ctc_greedy_decode"
    return [
        _bad(n, _ones(4), match=rf"{n}: log_probs must be \(T, N, C\) or unbatched", desc="1-D"),
        _bad(
            n,
            _ones(4, 2, 3),
            (5, 1),
            match=rf"{n}: input_lengths \[5, 1\] must be at most T = 4",
            desc="length",
        ),
        _bad(
            n,
            _ones(4, 2, 3),
            blank=0.5,
            exc=TypeError,
            match=f"{n}: blank and padding_value must be ints",
            desc="blank",
        ),
        _bad(n, _ones(4, 2, 0), match=f"{n}: log_probs has no classes", desc="no classes"),
    ]


# ---- fuzz builders ----------------------------------------------------------------------------
# Labels are drawn in [0, C) (the blank among them now and then: dlcore refuses it, torch computes
# it; ALLOWED in test_op_fuzz.py): torch reads a label outside [0, C) out of bounds, so none is
# drawn. log_probs take values of a 1/8 grid in [-8, 0] and -inf (a class of probability 0; nan
# and +inf are no log-probabilities); logits a 1/8 grid in [-4, 4].


def _lengths(values, as_tensor):
    return np.array(values, np.int64) if as_tensor else tuple(int(v) for v in values)


@st.composite
def _ctc(draw, op, logits=False, layer=False):
    edge = draw(st.integers(0, 9)) == 0  # now and then no step, no item or the blank alone
    t, n, c = (
        draw(st.integers(0 if edge else 1, 6)),
        draw(st.integers(0 if edge else 1, 3)),
        draw(st.integers(1 if edge else 2, 5)),
    )
    s = draw(st.integers(0, 4))
    batched = draw(st.integers(0, 4)) > 0
    dtype = draw(st.sampled_from(fz.FLOATS))
    grid = (
        st.integers(-32, 32).map(lambda k: k / 8)
        if logits
        else st.one_of(st.integers(-64, 0).map(lambda k: k / 8), st.just(-np.inf))
    )
    x = draw(hnp.arrays(dtype, (t, n, c) if batched else (t, c), elements=grid))
    if draw(st.booleans()):
        x = np.ascontiguousarray(x[::-1])[::-1]  # negative strides
    n = n if batched else 1
    blank = draw(st.integers(0, c - 1)) if draw(st.integers(0, 9)) else draw(st.sampled_from([-1, c]))
    others = [k for k in range(c) if k != blank]
    label = st.sampled_from(others) if others and draw(st.integers(0, 9)) else st.integers(0, c - 1)
    il = [draw(st.integers(0, t + (0 if draw(st.integers(0, 9)) else 1))) for _ in range(n)]
    tl = [draw(st.integers(0, s)) for _ in range(n)]
    as_tensor = draw(st.booleans())
    if batched and draw(st.booleans()):
        targets = np.array([draw(label) for _ in range(sum(tl))], np.int64)
    else:
        targets = draw(hnp.arrays(np.int64, (n, s) if batched else (s,), elements=label))
    if batched:
        il_arg, tl_arg = _lengths(il, as_tensor), _lengths(tl, as_tensor)
    elif as_tensor:
        il_arg, tl_arg = np.array(il[0], np.int64), np.array(tl[0], np.int64)
    else:
        il_arg, tl_arg = (il[0],), (tl[0],)
    kw = {
        "blank": blank,
        "reduction": draw(st.sampled_from(["mean", "sum", "none"])),
        "zero_infinity": draw(st.booleans()),
    }
    if layer:
        return Sample((x, targets, il_arg, tl_arg), {"init": kw})
    return Sample((x, targets, il_arg, tl_arg), kw)


def ctc_fuzz(op):
    return _ctc(op)


def ctc_logits_fuzz(op):
    return _ctc(op, logits=True)


def ctc_layer_fuzz(op):
    return _ctc(op, logits=True, layer=True)


@st.composite
def _greedy(draw, op):
    shape = (
        draw(st.sampled_from([3, 3, 2])),
        draw(st.integers(0, 5)),
        draw(st.integers(0, 3)),
        draw(st.integers(0, 4)),
    )
    x = draw(fz.array(op, shape[1 : 1 + shape[0]] if shape[0] == 2 else shape[1:], dtypes=fz.DTYPES))
    kw = {}
    if draw(st.booleans()):
        kw["blank"] = draw(st.integers(-1, 4))
    if draw(st.booleans()):
        kw["padding_value"] = draw(st.sampled_from([-1, 0, 7]))
    if x.ndim == 3 and draw(st.booleans()):
        t = x.shape[0]
        return Sample((x, tuple(draw(st.integers(0, t + 1)) for _ in range(x.shape[1]))), kw)
    return Sample((x,), kw)


def greedy_fuzz(op):
    return _greedy(op)


# ---- the entries ------------------------------------------------------------------------------

OPS = [
    OpInfo(
        "nn.functional.ctc_loss",
        F.ctc_loss,
        torch_ctc_loss,
        ctc_samples,
        tol=SUMMING,
        bad_inputs=ctc_bad,
        fuzz=ctc_fuzz,
    ),
    OpInfo(
        "nn.functional.ctc_loss.log_softmax",
        dlcore_ctc_from_logits,
        torch_ctc_from_logits,
        ctc_logits_samples,
        tol=SUMMING,
        bad_inputs=lambda: ctc_bad(logits=True),
        fuzz=ctc_logits_fuzz,
    ),
    OpInfo(
        "nn.CTCLoss",
        _ctc_layer(torch_side=False),
        _ctc_layer(torch_side=True),
        ctc_layer_samples,
        tol=SUMMING,
        bad_inputs=ctc_layer_bad,
        fuzz=ctc_layer_fuzz,
    ),
    OpInfo(
        "nn.functional.ctc_greedy_decode",
        F.ctc_greedy_decode,
        torch_greedy_decode,
        greedy_samples,
        ref=greedy_decode_ref,
        differentiable=False,
        gradcheck=False,
        tol=EXACT,
        bad_inputs=greedy_bad,
        fuzz=greedy_fuzz,
    ),
]
