"""The rnn_forward / rnn_backward bindings refuse bad arguments before any kernel runs: every
array made bad in each way of test_bindings.py (size, strides, dtype, other device, not an
array, read-only output), a bad mode or reverse, lengths out of [0, T], cell-state arrays given
to modes without one (or missing for lstm), one bias of a pair, shapes that disagree, and
outputs overlapping inputs; each with a TypeError/ValueError naming the op, and no output
written."""

import numpy as np
import pytest
from test_bindings import BAD_TYPES, BAD_VALUES, read_only

from dlcore import backend

K = backend.cpu
T, B, I, H = 4, 3, 5, 6  # noqa: E741 (the contract's names)
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
SAVED = {"lstm": 5, "gru": 4, "rnn_tanh": 1, "rnn_relu": 1}


def _arrays(op, mode, dtype=np.float32, seed=0):
    """The array arguments in order (None where the mode takes none) and the names written."""
    rng = np.random.default_rng(seed)
    g, s, lstm = GATES[mode] * H, SAVED[mode] * H, mode == "lstm"

    def f(*shape):
        return rng.standard_normal(shape).astype(dtype) * 0.3

    def cell(*shape):
        return f(*shape) if lstm else None

    lengths = np.array([T, 0, 2], np.int64)
    if op == "rnn_forward":
        a = {"y": f(T, B, H), "h_n": f(B, H), "c_n": cell(B, H), "saved": f(T, B, s), "x": f(T, B, I)}
        a.update(h0=f(B, H), c0=cell(B, H), w_ih=f(g, I), w_hh=f(g, H), b_ih=f(g), b_hh=f(g), lengths=lengths)
        return a, {"y", "h_n", "c_n", "saved"}
    a = {"dx": f(T, B, I), "dh0": f(B, H), "dc0": cell(B, H), "dw_ih": f(g, I), "dw_hh": f(g, H)}
    a.update(db_ih=f(g), db_hh=f(g), dy=f(T, B, H), dh_n=f(B, H), dc_n=cell(B, H), x=f(T, B, I))
    a.update(h0=f(B, H), c0=cell(B, H), w_ih=f(g, I), w_hh=f(g, H), y=f(T, B, H), saved=f(T, B, s))
    a.update(lengths=lengths)
    return a, {"dx", "dh0", "dc0", "dw_ih", "dw_hh", "db_ih", "db_hh"}


def _call(op, mode, arrays, reverse=False):
    getattr(K, op)(mode, *arrays.values(), reverse)


def _refused(op, mode, arrays, error, match="", reverse=False, writes=None):
    writes = writes if writes is not None else _arrays(op, "lstm")[1]
    before = {n: arrays[n].copy() for n in writes if isinstance(arrays.get(n), np.ndarray)}
    with pytest.raises(error, match=rf"\[{op}\] .*{match}"):
        _call(op, mode, arrays, reverse)
    for n, b in before.items():
        assert np.array_equal(arrays[n], b, equal_nan=True), f"{n} was written"


def _cases():
    for op in ("rnn_forward", "rnn_backward"):
        for mode in ("lstm", "gru"):
            arrays, writes = _arrays(op, mode)
            for arg, v in arrays.items():
                if v is None:
                    continue
                for bad in BAD_VALUES:
                    yield op, mode, arg, bad, ValueError
                for bad in BAD_TYPES:
                    yield op, mode, arg, bad, TypeError
                if arg in writes:
                    yield op, mode, arg, "read_only", ValueError


@pytest.mark.parametrize("op,mode,arg,bad,error", list(_cases()))
def test_rnn_binding_refuses_bad_arrays(op, mode, arg, bad, error):
    arrays, writes = _arrays(op, mode)
    make_bad = {**BAD_VALUES, **BAD_TYPES, "read_only": read_only}[bad]
    _refused(op, mode, {**arrays, arg: make_bad(arrays[arg])}, error, writes=writes)


@pytest.mark.parametrize("op", ["rnn_forward", "rnn_backward"])
@pytest.mark.parametrize("mode", list(GATES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rnn_binding_accepts_the_good_call(op, mode, dtype):
    arrays, writes = _arrays(op, mode, dtype)
    before = {n: arrays[n].copy() for n in writes if arrays[n] is not None}
    _call(op, mode, arrays)
    assert all(not np.array_equal(arrays[n], b) for n, b in before.items())


@pytest.mark.parametrize("op", ["rnn_forward", "rnn_backward"])
def test_rnn_binding_refuses_bad_mode_and_reverse(op):
    arrays, _ = _arrays(op, "gru")
    _refused(
        op, "LSTM", arrays, ValueError, "mode must be 'lstm', 'gru', 'rnn_tanh' or 'rnn_relu', got 'LSTM'"
    )
    _refused(op, "tanh", arrays, ValueError, "mode must be")
    with pytest.raises(TypeError, match=rf"\[{op}\] mode must be a str, got int"):
        getattr(K, op)(1, *arrays.values(), False)
    _refused(op, "gru", arrays, TypeError, "reverse must be a bool, got int", reverse=1)
    _refused(op, "gru", arrays, TypeError, "reverse must be a bool, got NoneType", reverse=None)


@pytest.mark.parametrize("op", ["rnn_forward", "rnn_backward"])
@pytest.mark.parametrize("bad", [-1, T + 1, 2**62])
def test_rnn_binding_refuses_lengths_out_of_range(op, bad):
    arrays, _ = _arrays(op, "lstm")
    lengths = np.array([T, bad, 0], np.int64)
    _refused(
        op, "lstm", {**arrays, "lengths": lengths}, ValueError, rf"lengths\[1\] = {bad} must be in \[0, T\]"
    )


@pytest.mark.parametrize("op", ["rnn_forward", "rnn_backward"])
def test_rnn_binding_refuses_cell_state_arrays_for_modes_without_one(op):
    names = ("c_n", "c0") if op == "rnn_forward" else ("dc0", "dc_n", "c0")
    for mode in ("gru", "rnn_tanh", "rnn_relu"):
        arrays, _ = _arrays(op, mode)
        for name in names:
            given = {**arrays, name: np.zeros((B, H), np.float32)}
            _refused(op, mode, given, ValueError, f"{name} must be None for mode gru / rnn_tanh / rnn_relu")
    arrays, _ = _arrays(op, "lstm")
    for name in names:
        if name != "dc_n":  # dc_n None means zero
            _refused(
                op, "lstm", {**arrays, name: None}, ValueError, f"{name} is required for mode lstm, got None"
            )


def test_rnn_binding_refuses_one_bias_of_a_pair():
    arrays, _ = _arrays("rnn_forward", "gru")
    _refused(
        "rnn_forward",
        "gru",
        {**arrays, "b_hh": None},
        ValueError,
        "b_ih and b_hh must both be arrays or both",
    )
    arrays, _ = _arrays("rnn_backward", "gru")
    _refused("rnn_backward", "gru", {**arrays, "db_ih": None}, ValueError, "db_ih and db_hh must both be")


def test_rnn_binding_refuses_saved_none_in_the_backward():
    arrays, _ = _arrays("rnn_backward", "lstm")
    _refused("rnn_backward", "lstm", {**arrays, "saved": None}, TypeError, "saved must be a numpy array")


MISMATCHES = [
    ("rnn_forward", "w_hh", (4 * H, H + 1), r"w_hh \(24, 7\) must have shape \(G\*H, H\) with G = 4"),
    ("rnn_forward", "w_ih", (4 * H, I + 1), r"w_ih \(24, 6\) must have shape \(G\*H, I\) = \(24, 5\)"),
    ("rnn_forward", "h0", (B + 1, H), r"h0 \(4, 6\) must have shape \(B, H\) = \(3, 6\)"),
    (
        "rnn_forward",
        "saved",
        (T, B, 4 * H),
        r"saved \(4, 3, 24\) must have shape \(T, B, S\*H\) = \(4, 3, 30\)",
    ),
    ("rnn_forward", "y", (T + 1, B, H), r"y \(5, 3, 6\) must have shape \(T, B, H\)"),
    ("rnn_forward", "x", (T, B), r"x must be 3-D \(T, B, I\), got shape \(4, 3\)"),
    ("rnn_forward", "b_ih", (4 * H + 1,), r"b_ih \(25,\) must have shape \(G\*H,\) = \(24,\)"),
    ("rnn_backward", "dy", (T, B, H + 1), r"dy \(4, 3, 7\) must have shape \(T, B, H\)"),
    ("rnn_backward", "dh_n", (B, H + 1), r"dh_n \(3, 7\) must have shape \(B, H\)"),
    ("rnn_backward", "dw_hh", (4 * H, H + 1), r"dw_hh \(24, 7\) must have shape \(G\*H, H\) = \(24, 6\)"),
    ("rnn_backward", "dx", (T, B, I + 1), r"dx \(4, 3, 6\) must have shape \(T, B, I\)"),
    ("rnn_backward", "db_hh", (4 * H, 1), r"db_hh \(24, 1\) must have shape \(G\*H,\)"),
]


@pytest.mark.parametrize("op,name,shape,match", MISMATCHES)
def test_rnn_binding_refuses_mismatched_shapes(op, name, shape, match):
    arrays, _ = _arrays(op, "lstm")
    _refused(op, "lstm", {**arrays, name: np.zeros(shape, np.float32)}, ValueError, match)


def test_rnn_binding_refuses_lengths_of_the_wrong_shape_or_dtype():
    arrays, _ = _arrays("rnn_forward", "lstm")
    _refused("rnn_forward", "lstm", {**arrays, "lengths": np.zeros((B, 1), np.int64)}, ValueError,
             r"lengths \(3, 1\) must have shape \(B,\) = \(3,\)")  # fmt: skip
    _refused("rnn_forward", "lstm", {**arrays, "lengths": np.zeros(B, np.float32)}, TypeError,
             "lengths must be int64, got float32")  # fmt: skip


def test_rnn_binding_refuses_outputs_overlapping_inputs_or_each_other():
    arrays, _ = _arrays("rnn_forward", "lstm")
    _refused("rnn_forward", "lstm", {**arrays, "h_n": arrays["h0"]}, ValueError, "h_n must not overlap h0")
    _refused("rnn_forward", "lstm", {**arrays, "c_n": arrays["h_n"]}, ValueError, "h_n must not overlap c_n")
    arrays, _ = _arrays("rnn_backward", "lstm")
    _refused(
        "rnn_backward", "lstm", {**arrays, "dh0": arrays["dh_n"]}, ValueError, "dh0 must not overlap dh_n"
    )
    big = np.zeros((T, B, I), np.float32)
    _refused("rnn_backward", "lstm", {**arrays, "dx": big, "x": big}, ValueError, "dx must not overlap x")


def test_rnn_binding_accepts_none_for_the_optional_arrays():
    arrays, _ = _arrays("rnn_forward", "gru")
    _call("rnn_forward", "gru", {**arrays, "saved": None, "b_ih": None, "b_hh": None, "lengths": None})
    arrays, _ = _arrays("rnn_backward", "lstm")
    none = dict.fromkeys(("dx", "db_ih", "db_hh", "dh_n", "dc_n", "lengths"))
    _call("rnn_backward", "lstm", {**arrays, **none})
