"""The conv2d bindings refuse bad arguments before any kernel runs: every array made bad in
each way of test_bindings.py (size, strides, dtype, other device, not an array, read-only
output), bad geometry (tuples, groups, channel counts, an input smaller than the kernel,
output shapes), with a TypeError/ValueError naming the op, and no output written."""

import numpy as np
import pytest
from test_bindings import BAD_TYPES, BAD_VALUES, read_only

from dlcore import backend

K = backend.cpu
GEO = ((2, 1), (1, 0, 2, 1), (1, 2), 2)  # stride, padding, dilation, groups
N, C, H, W, KO, R, S = 2, 4, 9, 8, 6, 3, 2
HO = (H + 1 - 1 * (R - 1) - 1) // 2 + 1  # 4
WO = (W + 3 - 2 * (S - 1) - 1) // 1 + 1  # 9


def _f(*shape):
    return lambda rng, dt: rng.standard_normal(shape).astype(dt)


# op -> (arrays in argument order (name, maker), the names it writes, arguments after the arrays)
OPS = {
    "conv2d_forward": (
        [("y", _f(N, KO, HO, WO)), ("x", _f(N, C, H, W)), ("w", _f(KO, C // 2, R, S)), ("bias", _f(KO))],
        {"y"},
        (*GEO, True),
    ),
    "conv2d_backward_input": (
        [("dx", _f(N, C, H, W)), ("dy", _f(N, KO, HO, WO)), ("w", _f(KO, C // 2, R, S))],
        {"dx"},
        GEO,
    ),
    "conv2d_backward_weight": (
        [("dw", _f(KO, C // 2, R, S)), ("db", _f(KO)), ("dy", _f(N, KO, HO, WO)), ("x", _f(N, C, H, W))],
        {"dw", "db"},
        GEO,
    ),
}


def _make(op, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    arrays, writes, scalars = OPS[op]
    return {n: make(rng, dtype) for n, make in arrays}, writes, scalars


def _refused(op, arrays, scalars, error, match=""):
    writes = OPS[op][1]
    before = {n: arrays[n].copy() for n in writes if isinstance(arrays[n], np.ndarray)}
    with pytest.raises(error, match=rf"\[{op}\] .*{match}"):
        getattr(K, op)(*arrays.values(), *scalars)
    for n, b in before.items():
        assert np.array_equal(arrays[n], b), f"{n} was written"


def _cases():
    for op, (arrays, writes, _) in OPS.items():
        for arg, _ in arrays:
            for bad in BAD_VALUES:
                yield op, arg, bad, ValueError
            for bad in BAD_TYPES:
                yield op, arg, bad, TypeError
            if arg in writes:
                yield op, arg, "read_only", ValueError


@pytest.mark.parametrize("op,arg,bad,error", list(_cases()))
def test_conv_binding_refuses_bad_arrays(op, arg, bad, error):
    arrays, writes, scalars = _make(op)
    make_bad = {**BAD_VALUES, **BAD_TYPES, "read_only": read_only}[bad]
    args = {**arrays, arg: make_bad(arrays[arg])}
    before = {n: arrays[n].copy() for n in writes}
    with pytest.raises(error, match=rf"\[{op}\]"):
        getattr(K, op)(*args.values(), *scalars)
    for n in writes:
        assert np.array_equal(arrays[n], before[n]), f"{n} was written"


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_binding_accepts_the_good_call(op, dtype):
    arrays, writes, scalars = _make(op, dtype)
    before = {n: arrays[n].copy() for n in writes}
    getattr(K, op)(*arrays.values(), *scalars)
    assert all(not np.array_equal(arrays[n], before[n]) for n in writes)


def _with(scalars, **change):
    names = ("stride", "padding", "dilation", "groups", "relu")
    d = dict(zip(names, scalars))
    d.update(change)
    return tuple(d[n] for n in names[: len(scalars)])


BAD_GEOMETRY = [
    ({"stride": [2, 1]}, TypeError, "stride must be a tuple of 2 ints"),
    ({"stride": (2,)}, ValueError, "stride must have 2 entries"),
    ({"stride": (0, 1)}, ValueError, "stride entries must be >= 1"),
    ({"stride": (2.0, 1)}, TypeError, "stride must hold ints"),
    ({"padding": (1, 1)}, ValueError, "padding must have 4 entries"),
    ({"padding": (1, 0, -1, 1)}, ValueError, "padding entries must be >= 0"),
    ({"dilation": (1, 0)}, ValueError, "dilation entries must be >= 1"),
    ({"groups": 0}, ValueError, "groups must be >= 1"),
    ({"groups": 2.0}, TypeError, "groups must be an int"),
    ({"groups": 3}, ValueError, r"groups=3 must divide the input channels \(4\)"),
    ({"groups": 1}, ValueError, r"w \(6, 2, 3, 2\) must have C/groups = 4 input channels"),
    ({"dilation": (5, 2)}, ValueError, r"spatial size \(9, 8\) padded to \(10, 11\) is smaller"),
    ({"padding": (2, 2, 2, 1)}, ValueError, r"\(2, 6, 4, 9\) must have shape \(2, 6, 6, 9\)"),
]


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("change,error,match", BAD_GEOMETRY)
def test_conv_binding_refuses_bad_geometry(op, change, error, match):
    arrays, _, scalars = _make(op)
    _refused(op, arrays, _with(scalars, **change), error, match)


def test_conv_binding_refuses_mismatched_shapes():
    arrays, _, scalars = _make("conv2d_forward")
    _refused(
        "conv2d_forward",
        {**arrays, "bias": np.zeros(KO + 1, np.float32)},
        scalars,
        ValueError,
        r"bias \(7,\) must have shape \(6,\)",
    )
    _refused(
        "conv2d_forward",
        {**arrays, "x": np.zeros((N, C, H), np.float32)},
        scalars,
        ValueError,
        r"x must be 4-D, got shape \(2, 4, 9\)",
    )
    arrays, _, scalars = _make("conv2d_backward_weight")
    _refused(
        "conv2d_backward_weight",
        {**arrays, "dy": np.zeros((N + 1, KO, HO, WO), np.float32)},
        scalars,
        ValueError,
        r"dy \(3, 6, 4, 9\) must have shape \(2, 6, 4, 9\)",
    )
    arrays, _, scalars = _make("conv2d_backward_input")
    _refused(
        "conv2d_backward_input",
        {**arrays, "dy": np.zeros((N, KO, HO, WO + 1), np.float32)},
        scalars,
        ValueError,
        r"dy \(2, 6, 4, 10\) must have shape",
    )


def test_conv_binding_refuses_an_output_overlapping_an_input():
    x = np.zeros((1, 2, 5, 5), np.float32)
    w = np.zeros((2, 2, 1, 1), np.float32)
    geo = ((1, 1), (0, 0, 0, 0), (1, 1), 1)
    _refused("conv2d_forward", {"y": x, "x": x, "w": w, "bias": None}, geo, ValueError, "y must not overlap")


def test_none_is_taken_for_bias_and_db():
    arrays, _, scalars = _make("conv2d_forward")
    K.conv2d_forward(*{**arrays, "bias": None}.values(), *scalars)
    arrays, _, scalars = _make("conv2d_backward_weight")
    K.conv2d_backward_weight(*{**arrays, "db": None}.values(), *scalars)
