"""Op-table entries of the pooling ops (issue 18): nn.functional.max_pool1d/2d (values, and their
indices as `<op>.indices`), avg_pool1d/2d, adaptive_avg_pool1d/2d, and the layers nn.MaxPool1d/2d,
AvgPool1d/2d, AdaptiveAvgPool1d/2d; their samples (odd sizes, batch of 1, 0-size batch, unbatched,
ceil_mode, padding, dilation, count_include_pad, divisor_override, strided and negative-stride
layouts), bad inputs and fuzz builders (drawn geometry, one past the valid range now and then).
op_table/__init__.py appends OPS to its own.
"""

from __future__ import annotations

import importlib

from hypothesis import strategies as st

import dlcore.nn.functional as F

from . import fuzzing as fz
from .core import EXACT, SUMMING, Maker, OpInfo, Sample, _bad, _ones, _torch
from .layers import _dlcore_layer, _torch_layer

# ---- samples: (args, kwargs, desc) per op, the input made by m ------------------------------


def _max2d(m):
    yield (m(2, 3, 7, 9), 2), {}, "k2, stride = kernel, odd sizes"
    yield (m(1, 2, 8, 7), 3, 2, 1), {"ceil_mode": True}, "k3 s2 p1 ceil_mode, batch of 1"
    yield (m(2, 2, 9, 7), (3, 2), (1, 2), (1, 1), (2, 1)), {}, "rectangular, dilation 2"
    yield (m(0, 3, 6, 6), 2), {}, "0-size batch"
    yield (m(3, 7, 5, layout="strided"), (2, 3)), {"stride": 1}, "unbatched, strided"
    yield (m(1, 2, 5, 6, layout="flipped"), 2, 1), {"padding": 1}, "negative strides, padding"
    yield (
        (m(2, 1, 1, 5), (1, 2)),
        {"stride": (1, 2), "dilation": (1, 3), "padding": (0, 1)},
        "empty window: -inf",
    )


def _max1d(m):
    yield (m(2, 3, 11), 2), {}, "k2"
    yield (m(1, 2, 10), 3, 2, 1), {"ceil_mode": True}, "k3 s2 p1 ceil_mode"
    yield (m(2, 2, 13), 3), {"stride": 1, "dilation": 2}, "dilation 2"
    yield (m(0, 3, 6), 2), {}, "0-size batch"
    yield (m(3, 7, layout="transposed"), 2, 1), {}, "unbatched, transposed"


def _avg2d(m):
    yield (m(2, 3, 7, 9), 2), {}, "k2, odd sizes"
    yield (m(1, 2, 8, 7), 3, 2, 1), {"ceil_mode": True}, "k3 s2 p1 ceil_mode, count_include_pad"
    yield (m(2, 2, 5, 6), 3, 2, 1), {"ceil_mode": True, "count_include_pad": False}, "count_include_pad=False"
    yield (m(1, 2, 6, 6), (2, 3)), {"stride": 1, "divisor_override": 4}, "divisor_override"
    yield (m(0, 3, 6, 6), 2), {}, "0-size batch"
    yield (m(3, 7, 5, layout="flipped"), (3, 2), (2, 1), (1, 0)), {}, "unbatched, negative strides"


def _avg1d(m):
    yield (m(2, 3, 11), 2), {}, "k2"
    yield (m(1, 2, 10), 3, 2, 1), {"ceil_mode": True, "count_include_pad": False}, "ceil_mode, no pad count"
    yield (m(0, 3, 6), 2), {}, "0-size batch"
    yield (m(3, 7, layout="strided"), 3, 1, 1), {}, "unbatched, strided"


def _adaptive2d(m):
    yield (m(2, 3, 7, 9), (3, 4)), {}, "7x9 -> 3x4"
    yield (m(1, 2, 5, 5), 1), {}, "global average, batch of 1"
    yield (m(2, 2, 4, 6), (7, None)), {}, "upsampling rows, None keeps W"
    yield (m(0, 3, 6, 6), 2), {}, "0-size batch"
    yield (m(3, 6, 5, layout="transposed"), (4, 3)), {}, "unbatched, transposed"


def _adaptive1d(m):
    yield (m(2, 3, 11), 4), {}, "11 -> 4"
    yield (m(1, 2, 5), 7), {}, "5 -> 7"
    yield (m(0, 3, 6), 2), {}, "0-size batch"
    yield (m(3, 7, layout="flipped"), 3), {}, "unbatched, negative strides"


SAMPLES = {
    "max_pool2d": _max2d,
    "max_pool1d": _max1d,
    "avg_pool2d": _avg2d,
    "avg_pool1d": _avg1d,
    "adaptive_avg_pool2d": _adaptive2d,
    "adaptive_avg_pool1d": _adaptive1d,
}
LAYER_OF = {
    "MaxPool2d": "max_pool2d",
    "MaxPool1d": "max_pool1d",
    "AvgPool2d": "avg_pool2d",
    "AvgPool1d": "avg_pool1d",
    "AdaptiveAvgPool2d": "adaptive_avg_pool2d",
    "AdaptiveAvgPool1d": "adaptive_avg_pool1d",
}
# The positional parameters of each functional after the input, to turn a sample into a layer's init.
_MAX = ("kernel_size", "stride", "padding", "dilation")
_AVG = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")
PARAMS = {
    "max_pool2d": _MAX,
    "max_pool1d": _MAX,
    "avg_pool2d": (*_AVG, "divisor_override"),
    "avg_pool1d": _AVG,
    "adaptive_avg_pool2d": ("output_size",),
    "adaptive_avg_pool1d": ("output_size",),
}


def _as_layer(fn, args, kwargs):
    """A functional sample (x, *geometry), {...} as a layer sample (x,), {"init": {...}}."""
    return (args[0],), {"init": {**dict(zip(PARAMS[fn], args[1:])), **kwargs}}


def functional_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    fn = op.name.split(".")[2]
    for args, kwargs, desc in SAMPLES[fn](m):
        yield Sample(args, kwargs, desc=desc)


def layer_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    fn = LAYER_OF[op.name.removeprefix("nn.")]
    for args, kwargs, desc in SAMPLES[fn](m):
        yield Sample(*_as_layer(fn, args, kwargs), desc=desc)


def _indices_of(fn):
    def call(*args, **kwargs):
        module = F if not call.torch else importlib.import_module("torch").nn.functional
        return getattr(module, fn)(*args, **kwargs, return_indices=True)[1]

    return call


def _dlcore_indices(fn):
    call = _indices_of(fn)
    call.torch = False
    call.__name__ = f"dlcore.nn.functional.{fn}(return_indices=True)[1]"
    return call


def _torch_indices(fn):
    call = _indices_of(fn)
    call.torch = True
    call.__name__ = f"torch.nn.functional.{fn}(return_indices=True)[1]"
    return call


# ---- bad inputs ------------------------------------------------------------------------------


def functional_bad(fn):
    two = fn.endswith("2d")
    x = _ones(2, 3, 6, 6) if two else _ones(2, 3, 6)
    wrong = _ones(6) if not two else _ones(6, 6)
    shape = r"\(6, 6\)" if two else r"\(6,\)"
    adaptive = fn.startswith("adaptive")

    def bad():
        out = [
            _bad(fn, wrong, 2, match=rf"{fn}: expected a .* input, got shape {shape}", desc="rank"),
            _bad(
                fn,
                x.astype("int64"),
                2,
                exc=TypeError,
                match=rf"{fn}: expected a floating point input",
                desc="int",
            ),
            _bad(fn, "abc", 2, exc=TypeError, match=rf"{fn}:", desc="string input"),
        ]
        empty = _ones(2, 3, 0, 6) if two else _ones(2, 3, 0)
        out.append(_bad(fn, empty, 2, match=rf"{fn}: input of shape .* is empty", desc="empty plane"))
        if adaptive:
            out.append(_bad(fn, x, -1, match=rf"{fn}: output_size must be >= 0", desc="negative output"))
            out.append(_bad(fn, x, (2, 2, 2), match=rf"{fn}: output_size must be", desc="3 sizes"))
            return out
        out += [
            _bad(
                fn,
                x,
                3,
                padding=2,
                match=rf"{fn}: padding .* must be at most half of kernel_size",
                desc="pad",
            ),
            _bad(fn, x, 7, match=rf"{fn}: input of shape .* is too small for kernel_size", desc="too small"),
            _bad(fn, x, 0, match=rf"{fn}: kernel_size must be >= 1", desc="kernel 0"),
            _bad(fn, x, 2, stride=0, match=rf"{fn}: stride must be >= 1", desc="stride 0"),
            _bad(fn, x, 2.0, exc=TypeError, match=rf"{fn}: kernel_size must be an int", desc="float kernel"),
            _bad(fn, x, (2, 2, 2), match=rf"{fn}: kernel_size must be an int or a tuple", desc="3 sizes"),
            _bad(
                fn,
                _ones(2, 0, 6, 6) if two else _ones(2, 0, 6),
                2,
                match=rf"{fn}: input .* is empty",
                desc="C 0",
            ),
        ]
        if fn.startswith("max"):
            out.append(_bad(fn, x, 2, dilation=0, match=rf"{fn}: dilation must be >= 1", desc="dilation 0"))
        if fn == "avg_pool2d":
            out.append(
                _bad(
                    fn,
                    x,
                    2,
                    divisor_override=0,
                    match=rf"{fn}: divisor_override must be non-zero",
                    desc="div",
                )
            )
        return out

    return bad


def layer_bad(name):
    fn = LAYER_OF[name]
    two = fn.endswith("2d")
    init = {"output_size": 2} if fn.startswith("adaptive") else {"kernel_size": 2}

    def bad():
        return [
            _bad(
                name,
                None,
                init=init,
                exc=TypeError,
                match=rf"{name}: expected a Tensor as input, got NoneType",
            ),
            _bad(
                name, _ones(6) if not two else _ones(6, 6), init=init, match=rf"{fn}: expected a", desc="rank"
            ),
        ]

    return bad


# ---- fuzz ------------------------------------------------------------------------------------


def _rarely(draw, odds: int = 10) -> bool:
    return draw(st.integers(0, odds - 1)) == 0


def _size(draw, lo, hi, n):
    """An int, or a tuple of n ints, in [lo, hi]."""
    vals = tuple(draw(st.integers(lo, hi)) for _ in range(n))
    return vals[0] if draw(st.booleans()) else vals


def _pairs(v, n):
    return (v,) * n if isinstance(v, int) else v


@st.composite
def _pool_call(draw, op, fn):
    """Mostly valid calls; now and then an empty C or plane, a 0 kernel/stride/dilation, padding
    above kernel/2, a negative output size or a divisor of 0 (the error paths)."""
    n = 2 if fn.endswith("2d") else 1
    spatial = tuple(draw(st.integers(0 if _rarely(draw) else 1, 8)) for _ in range(n))
    lead = (draw(st.integers(0, 2)), draw(st.integers(0 if _rarely(draw) else 1, 3)))
    lead = lead[1:] if _rarely(draw, 4) else lead  # unbatched
    x = draw(fz.array(op, lead + spatial, dtypes=fz.FLOATS))
    if fn.startswith("adaptive"):
        return Sample((x, _size(draw, -1 if _rarely(draw) else 0, 6, n)))
    k = _size(draw, 0 if _rarely(draw, 20) else 1, 4, n)
    stride = st.integers(0 if _rarely(draw) else 1, 3)
    kwargs = {"stride": draw(st.one_of(st.none(), st.just(()), stride, st.tuples(*[stride] * n)))}
    pad = tuple(draw(st.integers(0, max(kk, 0) // 2 + _rarely(draw))) for kk in _pairs(k, n))
    kwargs["padding"] = pad[0] if draw(st.booleans()) and len(set(pad)) == 1 else pad
    kwargs["ceil_mode"] = draw(st.booleans())
    if fn.startswith("max"):
        kwargs["dilation"] = _size(draw, 0 if _rarely(draw, 20) else 1, 3, n)
    else:
        kwargs["count_include_pad"] = draw(st.booleans())
        if fn == "avg_pool2d" and draw(st.booleans()):
            kwargs["divisor_override"] = draw(st.sampled_from([1, 3, -2, 0]))
    return Sample((x, k), kwargs)


def fuzz_functional(fn):
    return lambda op: _pool_call(op, fn)


def fuzz_layer(name):
    fn = LAYER_OF[name]
    return lambda op: _pool_call(op, fn).map(lambda s: Sample(*_as_layer(fn, s.args, s.kwargs)))


# ---- the entries -----------------------------------------------------------------------------

OPS = [
    *(
        OpInfo(
            f"nn.functional.{fn}",
            getattr(F, fn),
            _torch(f"nn.functional.{fn}"),
            functional_samples,
            tol=SUMMING,
            bad_inputs=functional_bad(fn),
            fuzz=fuzz_functional(fn),
        )
        for fn in SAMPLES
    ),
    *(
        OpInfo(
            f"nn.functional.{fn}.indices",
            _dlcore_indices(fn),
            _torch_indices(fn),
            functional_samples,
            differentiable=False,
            tol=EXACT,
            bad_inputs=functional_bad(fn),
            fuzz=fuzz_functional(fn),
        )
        for fn in ("max_pool1d", "max_pool2d")
    ),
    *(
        OpInfo(
            f"nn.{name}",
            _dlcore_layer(name),
            _torch_layer(name),
            layer_samples,
            tol=SUMMING,
            bad_inputs=layer_bad(name),
            fuzz=fuzz_layer(name),
        )
        for name in LAYER_OF
    ),
]
