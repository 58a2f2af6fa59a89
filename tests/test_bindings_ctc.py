"""The CTC bindings refuse bad arguments before any kernel runs: every array made bad in each
way of test_bindings.py (size, strides, dtype, other device, not an array, read-only output),
shapes that disagree, a bad blank, lengths and targets out of range, with a TypeError/ValueError
naming the op, and no output written."""

import numpy as np
import pytest
from test_bindings import BAD_TYPES, BAD_VALUES, read_only

from dlcore import backend

K = backend.cpu
T, N, C, S = 6, 3, 5, 2
BLANK = 4


def _f(*shape):
    return lambda rng, dt: rng.standard_normal(shape).astype(dt)


def _i(values):
    return lambda rng, dt: np.array(values, np.int64)


_LABELS = [
    ("targets", _i([[1, 2], [3, 3], [0, 9]])),
    ("input_lengths", _i([6, 4, 0])),
    ("target_lengths", _i([2, 1, 0])),
]

# op -> (arrays in argument order (name, maker), the names it writes); blank comes after targets'
# lengths (forward: last; backward: before log_alpha and loss)
OPS = {
    "ctc_loss_forward": (
        [("loss", _f(N)), ("log_alpha", _f(N, T, 2 * S + 1)), ("log_probs", _f(T, N, C)), *_LABELS],
        {"loss", "log_alpha"},
    ),
    "ctc_loss_backward": (
        [
            ("grad", _f(T, N, C)),
            ("dloss", _f(N)),
            ("log_probs", _f(T, N, C)),
            *_LABELS,
            ("log_alpha", _f(N, T, 2 * S + 1)),
            ("loss", _f(N)),
        ],
        {"grad"},
    ),
}
# (op, argument) whose last axis may take any length: the call stays valid (the classes of the
# forward's log_probs); test_kernels_ctc.py covers C.
SIZE_FREE = {("ctc_loss_forward", "log_probs")}


def _make(op, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return {n: make(rng, dtype) for n, make in OPS[op][0]}


def _call(op, arrays, blank=BLANK):
    args = list(arrays.values())
    if op == "ctc_loss_forward":
        return K.ctc_loss_forward(*args, blank)
    return K.ctc_loss_backward(*args[:6], blank, *args[6:])


def _refused(op, arrays, error, match, blank=BLANK):
    before = {n: arrays[n].copy() for n in OPS[op][1] if isinstance(arrays[n], np.ndarray)}
    with pytest.raises(error, match=rf"\[{op}\] {match}"):
        _call(op, arrays, blank)
    for n, b in before.items():
        assert np.array_equal(arrays[n], b, equal_nan=True), f"{n} was written"


def _cases():
    for op, (arrays, writes) in OPS.items():
        for arg, _ in arrays:
            for bad in BAD_VALUES:
                if not (bad == "size" and (op, arg) in SIZE_FREE):
                    yield op, arg, bad, ValueError
            for bad in BAD_TYPES:
                yield op, arg, bad, TypeError
            if arg in writes:
                yield op, arg, "read_only", ValueError


@pytest.mark.parametrize("op,arg,bad,error", list(_cases()))
def test_ctc_binding_refuses_bad_arrays(op, arg, bad, error):
    arrays = _make(op)
    make_bad = {**BAD_VALUES, **BAD_TYPES, "read_only": read_only}[bad]
    _refused(op, {**arrays, arg: make_bad(arrays[arg])}, error, "")


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ctc_binding_accepts_the_good_call(op, dtype):
    """The refusals are not a binding that refuses everything (targets[2] = [0, 9] is padding)."""
    arrays = _make(op, dtype)
    before = {n: arrays[n].copy() for n in OPS[op][1]}
    _call(op, arrays)
    assert all(not np.array_equal(arrays[n], before[n]) for n in OPS[op][1])


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize(
    "blank,error,match",
    [
        (C, ValueError, r"blank 5 must be in \[0, C\) for 5 classes"),
        (-1, ValueError, r"blank -1 must be in \[0, C\)"),
        (True, TypeError, "blank must be an int, got bool"),
        (1.0, TypeError, "blank must be an int, got float"),
        (None, TypeError, "blank must be an int, got NoneType"),
    ],
)
def test_ctc_binding_refuses_a_bad_blank(op, blank, error, match):
    _refused(op, _make(op), error, match, blank)


VALUES = [
    ("input_lengths", (1,), 7, r"input_lengths\[1\] = 7 must be in \[0, T\] with T = 6"),
    ("input_lengths", (0,), -1, r"input_lengths\[0\] = -1 must be in \[0, T\]"),
    ("target_lengths", (2,), 3, r"target_lengths\[2\] = 3 must be in \[0, S\] with S = 2"),
    ("target_lengths", (1,), -2, r"target_lengths\[1\] = -2 must be in \[0, S\]"),
    ("targets", (0, 1), 5, r"targets\[0, 1\] = 5 is out of range for 5 classes"),
    ("targets", (1, 0), -1, r"targets\[1, 0\] = -1 is out of range"),
    ("targets", (0, 0), BLANK, r"targets\[0, 0\] = 4 is the blank label"),
]


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("name,index,value,match", VALUES)
def test_ctc_binding_refuses_values_out_of_range(op, name, index, value, match):
    arrays = _make(op)
    arrays[name][index] = value
    _refused(op, arrays, ValueError, match)


def test_ctc_binding_refuses_shapes_that_disagree():
    op = "ctc_loss_forward"
    arrays = _make(op)
    _refused(
        op,
        {**arrays, "log_alpha": np.zeros((N, T, 2 * S))},
        ValueError,
        r"log_alpha \(3, 6, 4\) must have shape \(3, 6, 5\)",
    )
    _refused(
        op,
        {**arrays, "targets": np.zeros((N + 1, S), np.int64)},
        ValueError,
        r"targets \(4, 2\) must have shape \(3, 2\)",
    )
    _refused(op, {**arrays, "log_probs": np.zeros((T, N, C, 1))}, ValueError, "log_probs must be 3-D")
    _refused(
        op,
        {**arrays, "loss": np.zeros(N, np.float32)},
        TypeError,
        "log_probs and loss must have the same dtype",
    )
    _refused(
        op,
        {**arrays, "targets": np.zeros((N, S), np.float64)},
        TypeError,
        "targets must be int64, got float64",
    )
    op = "ctc_loss_backward"
    arrays = _make(op)
    _refused(
        op,
        {**arrays, "grad": np.zeros((T, N, C + 1))},
        ValueError,
        r"grad \(6, 3, 6\) must have shape \(6, 3, 5\)",
    )
    _refused(op, {**arrays, "dloss": np.zeros(N + 1)}, ValueError, r"dloss \(4,\) must have shape \(3,\)")


def test_ctc_binding_refuses_overlapping_outputs():
    op = "ctc_loss_forward"
    arrays = _make(op)
    buf = np.zeros(N * T * (2 * S + 1))
    _refused(
        op,
        {**arrays, "loss": buf[:N], "log_alpha": buf.reshape(N, T, 2 * S + 1)},
        ValueError,
        "loss must not overlap log_alpha",
    )
    op = "ctc_loss_backward"
    arrays = _make(op)
    _refused(op, {**arrays, "grad": arrays["log_probs"]}, ValueError, "grad must not overlap log_probs")
