"""Op-table entries for convolution: nn.functional.conv1d/conv2d and the nn.Conv1d/Conv2d layers,
with hypothesis builders drawing valid and invalid geometries (stride, padding incl. 'same' and
'valid', dilation, groups) for tests/test_op_fuzz.py.

Values: the fuzz draws from a 1/8 grid in [-2, 2] so every product and partial sum is exact in
float32 and the summation order cannot change a result; no nan/inf: where a zero of the padding
meets an infinite weight, im2col and a direct convolution legitimately differ (0 * inf).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dlcore.nn.functional as F

from .core import SUMMING, Maker, OpInfo, Sample, _bad, _ones, _torch
from .fuzzing import FLOATS
from .layers import _dlcore_layer, _torch_layer

# ---- samples ---------------------------------------------------------------------------------


def conv2d_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(2, 3, 7, 6), m(4, 3, 3, 3), m(4)), desc="3x3, bias")
    yield Sample((m(1, 2, 5, 5, layout="flipped"), m(3, 2, 1, 1)), desc="1x1, batch 1, negative strides")
    yield Sample(
        (m(2, 4, 9, 8), m(6, 2, 3, 2), m(6)), {"stride": (2, 1), "padding": 1, "groups": 2}, desc="groups 2"
    )
    yield Sample(
        (m(1, 3, 8, 9), m(3, 1, 3, 3)), {"padding": (2, 1), "dilation": 2, "groups": 3}, desc="depthwise"
    )
    yield Sample((m(2, 2, 6, 7), m(3, 2, 2, 4), m(3)), {"padding": "same"}, desc="'same', even kernel")
    yield Sample(
        (m(2, 2, 6, 7, layout="strided"), m(3, 2, 3, 3)), {"padding": "valid", "stride": 3}, desc="stride 3"
    )
    yield Sample((m(0, 2, 5, 5), m(3, 2, 3, 3), m(3)), desc="0-size batch")
    yield Sample((m(2, 5, 5), m(3, 2, 3, 3), m(3)), {"padding": 1}, desc="unbatched")


def conv1d_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(2, 3, 11), m(4, 3, 3), m(4)), desc="k3, bias")
    yield Sample((m(1, 4, 9, layout="flipped"), m(4, 1, 5)), {"padding": 2, "groups": 4}, desc="depthwise")
    yield Sample(
        (m(2, 2, 10), m(3, 2, 2), m(3)), {"padding": "same", "dilation": 3}, desc="'same', dilation 3"
    )
    yield Sample((m(3, 2, 12, layout="strided"), m(2, 2, 3)), {"stride": 2, "padding": 1}, desc="stride 2")
    yield Sample((m(0, 2, 5), m(3, 2, 3)), desc="0-size batch")
    yield Sample((m(2, 7), m(3, 2, 1), m(3)), desc="unbatched, k1")


def causal_conv1d(x, w, b=None, dilation=1):
    """torch's counterpart of padding='causal': dilation*(k-1) zeros before, then conv1d."""
    import torch

    if dilation < 1:  # torch.nn.functional.conv1d checks it only on a non-empty input
        raise ValueError("non-positive dilation is not supported")
    pad = dilation * (w.shape[-1] - 1)
    return torch.nn.functional.conv1d(torch.nn.functional.pad(x, (pad, 0)), w, b, dilation=dilation)


def causal_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(2, 3, 9), m(4, 3, 2), m(4)), {"dilation": 1}, desc="k2")
    yield Sample((m(1, 2, 12, layout="flipped"), m(2, 2, 3)), {"dilation": 4}, desc="k3, dilation 4")
    yield Sample((m(0, 2, 3), m(2, 2, 3), m(2)), {"dilation": 2}, desc="0-size batch")


def causal_bad():
    return [
        _bad("conv1d", _ones(2, 3, 5), _ones(4, 3, 2), dilation=0, match="conv1d: non-positive dilation"),
        _bad("conv1d", _ones(2, 3, 5), _ones(4, 2, 2), match="conv1d: input of shape .* has 3 channels"),
    ]


def conv_layer_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    two = op.name == "nn.Conv2d"

    def case(x, c, k, kernel, desc, **init):
        shape = (k, c // init.get("groups", 1)) + ((kernel, kernel) if two else (kernel,))
        state = {"weight": m(*shape)} | ({} if init.get("bias") is False else {"bias": m(k)})
        init = {"in_channels": c, "out_channels": k, "kernel_size": kernel} | init
        return Sample((x,), {"init": init, "state": state}, desc=desc)

    sp = (6, 7) if two else (9,)
    yield case(m(2, 3, *sp), 3, 4, 3, "kernel 3")
    yield case(m(1, 4, *sp, layout="flipped"), 4, 6, 3, "stride 2, groups 2", stride=2, padding=1, groups=2)
    yield case(m(2, 2, *sp), 2, 3, 2, "'same', no bias", padding="same", dilation=2, bias=False)
    yield case(m(0, 3, *sp), 3, 2, 1, "0-size batch, 1x1")
    yield case(m(3, *sp), 3, 2, 3, "unbatched", padding=1)


# ---- bad inputs ------------------------------------------------------------------------------


def conv_bad(name):
    two = name == "conv2d"

    def bad():
        sp = (5, 5) if two else (5,)
        w, k1 = _ones(4, 3, *([3] * len(sp))), _ones(4, 3, *([1] * len(sp)))
        return [
            _bad(
                name, _ones(2, 2, *sp), w, match=rf"{name}: input of shape .* has 2 channels", desc="channels"
            ),
            _bad(
                name,
                _ones(2, 3, *([2] * len(sp))),
                w,
                match=rf"{name}: .* smaller than the dilated kernel",
                desc="small",
            ),
            _bad(name, _ones(2, 3, *sp), w, _ones(3), match=rf"{name}: bias of shape \(3,\)", desc="bias"),
            _bad(
                name,
                _ones(2, 6, *sp),
                w[:, :2],
                groups=3,
                match=rf"{name}: out_channels .* groups=3",
                desc="groups",
            ),
            _bad(
                name, _ones(2, 3, *sp), k1, stride=0, match=rf"{name}: non-positive stride", desc="stride 0"
            ),
            _bad(name, _ones(2, 3, *sp), k1, padding=-1, match=rf"{name}: negative padding", desc="padding"),
            _bad(
                name,
                _ones(2, 3, *sp),
                k1,
                padding="same",
                stride=2,
                match=rf"{name}: padding='same'",
                desc="same+stride",
            ),
            _bad(
                name,
                _ones(2, 3, *sp),
                k1,
                padding="full",
                match=rf"{name}: padding must be",
                desc="padding word",
            ),
            _bad(name, _ones(3, *sp)[0], k1, match=rf"{name}: expected a", desc="ndim"),
            _bad(
                name,
                _ones(2, 3, *sp),
                k1,
                dilation=(1, 1, 1),
                match=rf"{name}: dilation must have",
                desc="tuple",
            ),
            _bad(
                name,
                np.ones((2, 3) + sp, np.int64),
                k1,
                exc=TypeError,
                match=rf"{name}: input must be float",
                desc="int",
            ),
            _bad(
                name,
                _ones(2, 3, *sp),
                k1.astype(np.float64),
                exc=TypeError,
                match=rf"{name}: .* same dtype",
                desc="dtypes",
            ),
        ]

    return bad


def conv_layer_bad(name):
    two = name == "Conv2d"

    def bad():
        init = {"in_channels": 3, "out_channels": 4, "kernel_size": 3}
        sp = (5, 5) if two else (5,)
        return [
            _bad(
                name,
                _ones(2, 2, *sp),
                init=init,
                match=rf"{name}\(3, 4, .*\): input of shape .* has 2 channels",
                desc="C",
            ),
            _bad(name, _ones(2, 3, *sp, 1), init=init, match=rf"{name}: expected a", desc="ndim"),
            _bad(
                name,
                _ones(2, 3, *sp),
                init=init | {"groups": 2},
                match=rf"{name}: in_channels \(3\)",
                desc="groups",
            ),
            _bad(
                name,
                _ones(2, 3, *sp),
                init=init | {"padding_mode": "reflect"},
                match=rf"{name}: padding_mode",
                desc="mode",
            ),
            _bad(
                name,
                "x",
                init=init,
                exc=TypeError,
                match=rf"{name}: expected a Tensor as input, got str",
                desc="str",
            ),
        ]

    return bad


# ---- fuzz builders ---------------------------------------------------------------------------

GRID = st.integers(-16, 16).map(lambda k: k / 8)


def _grid_array(draw, shape, dtype):
    a = draw(hnp.arrays(dtype, shape, elements=GRID if dtype in FLOATS else st.integers(-2, 2)))
    return a[(slice(None, None, -1),) * a.ndim] if draw(st.integers(0, 4)) == 0 else a


@st.composite
def _geometry(draw, spatial: int):
    """Channels, groups and per-axis geometry; a few draws are invalid on purpose (the error path)."""
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c, k = groups * draw(st.integers(1, 2)), groups * draw(st.integers(0, 2))
    if draw(st.integers(0, 9)) == 0:
        c += draw(st.integers(1, 2))  # channels that groups does not divide
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(spatial))
    size = tuple(draw(st.integers(0, 7)) for _ in range(spatial))
    stride = draw(st.sampled_from([1, 1, 2, 3, 0]))
    dilation = draw(st.sampled_from([1, 1, 2]))
    padding = draw(st.sampled_from([0, 0, 1, 2, "same", "valid", -1]))
    return c, k, groups, kernel, size, stride, dilation, padding


def conv_fuzz(spatial: int, layer: bool = False):
    @st.composite
    def build(draw, op):
        c, k, groups, kernel, size, stride, dilation, padding = draw(_geometry(spatial))
        # a layer's weights are float32: dtype errors are the functional fuzz's
        dtype = (
            "float32"
            if layer
            else draw(st.sampled_from(FLOATS + (("int64",) * (draw(st.integers(0, 9)) == 0))))
        )
        n = draw(st.sampled_from([0, 1, 2, None]))
        x = _grid_array(draw, ((n,) if n is not None else ()) + (c,) + size, dtype)
        w = _grid_array(draw, (k, max(c // groups, 1)) + kernel, dtype)
        bias = draw(st.booleans())
        geometry = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
        if not layer:
            b = _grid_array(draw, (k,), dtype) if bias else None
            return Sample((x, w, b), geometry)
        init = {
            "in_channels": max(c, 1),
            "out_channels": max(k, 1),
            "kernel_size": kernel,
            "bias": bias,
        } | geometry
        shape = (max(k, 1), max(c, 1) // groups) + kernel  # the same weights on both sides
        state = {"weight": _grid_array(draw, shape, dtype)} | (
            {"bias": _grid_array(draw, shape[:1], dtype)} if bias else {}
        )
        return Sample((x,), {"init": init, "state": state})

    return build


@st.composite
def _causal(draw, op):
    c, k, kernel, size = (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
        draw(st.integers(0, 6)),
    )
    dtype = draw(st.sampled_from(FLOATS))
    x, w = (
        _grid_array(draw, (draw(st.integers(0, 2)), c, size), dtype),
        _grid_array(draw, (k, c, kernel), dtype),
    )
    b = _grid_array(draw, (k,), dtype) if draw(st.booleans()) else None
    return Sample((x, w, b), {"dilation": draw(st.sampled_from([1, 2, 3, 0]))})


def _layer(name, fuzz):
    return OpInfo(
        f"nn.{name}",
        _dlcore_layer(name),
        _torch_layer(name),
        conv_layer_samples,
        tol=SUMMING,
        bad_inputs=conv_layer_bad(name),
        fuzz=fuzz,
    )


OPS = [
    OpInfo(
        "nn.functional.conv2d",
        F.conv2d,
        _torch("nn.functional.conv2d"),
        conv2d_samples,
        tol=SUMMING,
        bad_inputs=conv_bad("conv2d"),
        fuzz=conv_fuzz(2),
    ),
    OpInfo(
        "nn.functional.conv1d",
        F.conv1d,
        _torch("nn.functional.conv1d"),
        conv1d_samples,
        tol=SUMMING,
        bad_inputs=conv_bad("conv1d"),
        fuzz=conv_fuzz(1),
    ),
    OpInfo(
        "nn.functional.conv1d(causal)",
        lambda x, w, b=None, dilation=1: F.conv1d(x, w, b, padding="causal", dilation=dilation),
        causal_conv1d,
        causal_samples,
        tol=SUMMING,
        bad_inputs=causal_bad,
        fuzz=_causal,
    ),
    _layer("Conv2d", conv_fuzz(2, layer=True)),
    _layer("Conv1d", conv_fuzz(1, layer=True)),
]
