"""The CUDA kernels of the recurrent layers, rnn_forward / rnn_backward (csrc/cuda/rnn.cu with the
cells of rnn_cells.cuh and the gemm of gemm_tiled.cuh, bound in csrc/bind/bind_cuda_rnn.cpp with
the checks of rnn_args.h).

Binding checks (a CUDA build, no device needed): every array argument made bad in each way of
tests/test_bindings.py, through hand-made `__cuda_array_interface__` objects, is refused with the
op's name before the device-memory check, and nothing is written; a good call gets as far as that
check. Device tests (skipped without a device; tools/cuda_emu/run_tests.sh runs them on the CPU):
every mode in float32 and float64 against dlcore/reference_rnn.py (float64) and against the
`_C.cpu` kernels where the build has them, outputs poisoned with NaN before each call, on awkward
sizes, lengths (0, partial, full), reverse, without biases, zero sizes, every gemm tile shape;
and against torch.nn.LSTM / GRU / RNN with copied weights."""

import numpy as np
import pytest
from test_bindings import BAD_TYPES, BAD_VALUES, FakeCuda, read_only
from test_cuda_conv import _close, _dev, _host, _poisoned, _twin

import dlcore
from dlcore import backend
from dlcore.reference_rnn import GATES, rnn_backward_ref, rnn_forward_ref

needs_cuda_build = pytest.mark.skipif(not backend.has_cuda(), reason="not a CUDA build")
needs_device = pytest.mark.skipif(not dlcore.cuda.is_available(), reason="no CUDA device / CuPy")

SAVED = {"lstm": 5, "gru": 4, "rnn_tanh": 1, "rnn_relu": 1}
MODES = tuple(GATES)

# ---- binding checks: lstm, T 3, B 2, I 4, H 5 --------------------------------------------------


def _f(*shape):
    return lambda rng, dt: rng.standard_normal(shape).astype(dt)


def _lens(rng, dt):
    return np.array([3, 1], np.int64)


_X, _H, _W = _f(3, 2, 4), _f(2, 5), (_f(20, 4), _f(20, 5))
# name -> (arrays in call order after mode, names written)
KERNELS = {
    "rnn_forward": (
        [
            ("y", _f(3, 2, 5)),
            ("h_n", _H),
            ("c_n", _H),
            ("saved", _f(3, 2, 25)),
            ("x", _X),
            ("h0", _H),
            ("c0", _H),
            ("w_ih", _W[0]),
            ("w_hh", _W[1]),
            ("b_ih", _f(20)),
            ("b_hh", _f(20)),
            ("lengths", _lens),
        ],
        {"y", "h_n", "c_n", "saved"},
    ),
    "rnn_backward": (
        [
            ("dx", _X),
            ("dh0", _H),
            ("dc0", _H),
            ("dw_ih", _W[0]),
            ("dw_hh", _W[1]),
            ("db_ih", _f(20)),
            ("db_hh", _f(20)),
            ("dy", _f(3, 2, 5)),
            ("dh_n", _H),
            ("dc_n", _H),
            ("x", _X),
            ("h0", _H),
            ("c0", _H),
            ("w_ih", _W[0]),
            ("w_hh", _W[1]),
            ("y", _f(3, 2, 5)),
            ("saved", _f(3, 2, 25)),
            ("lengths", _lens),
        ],
        {"dx", "dh0", "dc0", "dw_ih", "dw_hh", "db_ih", "db_hh"},
    ),
}


def _make(name, dtype=np.float32):
    rng = np.random.default_rng(0)
    arrays, writes = KERNELS[name]
    return {n: make(rng, dtype) for n, make in arrays}, writes


def _call(name, args, mode="lstm", reverse=False):
    return getattr(backend.kernels("cuda"), name)(mode, *args, reverse)


def _cases():
    for name, (arrays, writes) in KERNELS.items():
        for arg, _ in arrays:
            for bad in BAD_VALUES:
                yield name, arg, bad, ValueError
            for bad in BAD_TYPES:
                yield name, arg, bad, TypeError
            if arg in writes:
                yield name, arg, "read_only", ValueError


@needs_cuda_build
@pytest.mark.parametrize("name,arg,bad,error", list(_cases()))
def test_cuda_rnn_binding_refuses(name, arg, bad, error):
    arrays, writes = _make(name)
    before = {n: arrays[n].copy() for n in writes}
    args = {n: FakeCuda(a) for n, a in arrays.items()}
    x = arrays[arg]
    if bad == "cuda_array":
        args[arg] = x
    elif bad == "list":
        args[arg] = x.tolist()
    else:
        args[arg] = FakeCuda({**BAD_VALUES, **BAD_TYPES, "read_only": read_only}[bad](x))
    with pytest.raises(error, match=rf"\[{name}\]") as info:
        _call(name, args.values())
    assert "device memory" not in str(info.value), info.value
    if bad == "cuda_array":
        assert "cpu" in str(info.value) and "cuda" in str(info.value), info.value
    for n in writes:
        assert np.array_equal(arrays[n], before[n]), f"{n} was written"


@needs_cuda_build
@pytest.mark.parametrize("name", sorted(KERNELS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_rnn_binding_passes_a_good_call_to_the_device_check(name, dtype):
    arrays, _ = _make(name, dtype)
    first = next(iter(arrays))
    with pytest.raises(ValueError, match=rf"\[{name}\] {first}'s pointer is not CUDA device memory"):
        _call(name, [FakeCuda(a) for a in arrays.values()])


@needs_cuda_build
def test_cuda_rnn_argument_errors():
    """The shared checks of rnn_args.h as the CUDA binding reaches them (scalars, mode-specific
    arrays, pairs, overlap)."""
    arrays, _ = _make("rnn_forward")

    def refused(error, match, mode="lstm", reverse=False, **replace):
        a = {**arrays, **replace}
        with pytest.raises(error, match=match):
            _call("rnn_forward", [None if v is None else FakeCuda(v) for v in a.values()], mode, reverse)

    refused(ValueError, r"\[rnn_forward\] mode must be 'lstm', 'gru', 'rnn_tanh' or 'rnn_relu'", "LSTM")
    refused(TypeError, r"\[rnn_forward\] mode must be a str", 4)
    refused(TypeError, r"\[rnn_forward\] reverse must be a bool", reverse=1)
    refused(ValueError, r"\[rnn_forward\] c0 is required for mode lstm", c0=None)
    refused(ValueError, r"\[rnn_forward\] b_ih and b_hh must both be arrays or both be None", b_hh=None)
    refused(TypeError, r"\[rnn_forward\] lengths must be int64", lengths=np.array([3, 1], np.int32))
    refused(
        ValueError,
        r"w_ih \(15, 4\) must have shape \(G\*H, I\) = \(20, 4\)",
        w_ih=np.zeros((15, 4), np.float32),
    )
    gru = dict(c0=None, c_n=None, w_ih=np.zeros((15, 4), np.float32), w_hh=np.zeros((15, 5), np.float32))
    refused(ValueError, r"c0 must be None for mode gru", "gru", **{**gru, "c0": arrays["c0"]})
    y = np.zeros((3, 2, 5), np.float32)
    refused(ValueError, r"\[rnn_forward\] y must not overlap", y=y, h0=y[0])
    # the shape and dtype errors of gru pass the checks up to the device-memory check
    gru["b_ih"], gru["b_hh"], gru["saved"] = np.zeros(15, np.float32), np.zeros(15, np.float32), None
    refused(ValueError, r"\[rnn_forward\] y's pointer is not CUDA device memory", "gru", **gru)


@needs_cuda_build
def test_cuda_rnn_zero_size_calls_pass_the_checks():
    """T = 0, B = 0: the checks pass (then w_ih, the first non-empty array, is pointer-checked);
    with I = H = 0 too every array is empty and the call returns without touching a device."""
    ns = backend.kernels("cuda")

    def call(i, h):
        z = lambda *s: FakeCuda(np.zeros(s, np.float32))  # noqa: E731
        y, hn, x, h0, w_ih, w_hh = z(0, 0, h), z(0, h), z(0, 0, i), z(0, h), z(h, i), z(h, h)
        ns.rnn_forward("rnn_tanh", y, hn, None, None, x, h0, None, w_ih, w_hh, None, None, None, False)

    with pytest.raises(ValueError, match=r"\[rnn_forward\] w_ih's pointer is not CUDA device memory"):
        call(4, 5)
    call(0, 0)


# ---- on a device: against the float64 reference and the CPU kernels ----------------------------------


def _emulated():
    return getattr(backend.kernels("cuda")._ext, "__name__", "") == "_cuda_emu"


def _inputs(mode, t, b, i, h, dtype, bias=True, seed=0):
    rng = np.random.default_rng(seed + 97 * t + 13 * b + 7 * i + h)
    g, k = GATES[mode], 1.0 / np.sqrt(max(h, 1))
    u = lambda *s: rng.uniform(-k, k, s).astype(dtype)  # noqa: E731 (torch's init range)
    n = lambda *s: rng.standard_normal(s).astype(dtype)  # noqa: E731
    d = dict(x=n(t, b, i), h0=n(b, h) * 0.5, c0=n(b, h) if mode == "lstm" else None)
    d.update(w_ih=u(g * h, i), w_hh=u(g * h, h))
    d.update(b_ih=u(g * h) if bias else None, b_hh=u(g * h) if bias else None)
    d.update(dy=n(t, b, h), dh_n=n(b, h), dc_n=n(b, h) if mode == "lstm" else None)
    return d


def _opt(a):
    return None if a is None else _dev(a)


def _forward(ns, mode, d, lengths, reverse, dtype, saved=True):
    """The forward on the device (outputs poisoned; the `_C.cpu` twin compared where present):
    host copies of y, h_n, c_n and the device arrays (y, saved) the backward needs."""
    t, b, _ = d["x"].shape
    h = d["w_hh"].shape[1]
    Y, HN = _poisoned((t, b, h), dtype), _poisoned((b, h), dtype)
    CN = _poisoned((b, h), dtype) if mode == "lstm" else None
    SV = _poisoned((t, b, SAVED[mode] * h), dtype) if saved else None
    ins = [_opt(d[k]) for k in ("x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh")]
    _twin(ns, "rnn_forward", (1, 2, 3), mode, Y, HN, CN, SV, *ins, _opt(lengths), reverse)
    return (_host(Y), _host(HN), None if CN is None else _host(CN)), (Y, SV)


def _backward(ns, mode, d, lengths, reverse, dtype, Y, SV, want_dx=True, state_grads=True):
    t, b, i = d["x"].shape
    gh, h = d["w_hh"].shape
    outs = [
        _poisoned((t, b, i), dtype) if want_dx else None,
        _poisoned((b, h), dtype),
        _poisoned((b, h), dtype) if mode == "lstm" else None,
        _poisoned((gh, i), dtype),
        _poisoned((gh, h), dtype),
        _poisoned(gh, dtype) if d["b_ih"] is not None else None,
        _poisoned(gh, dtype) if d["b_ih"] is not None else None,
    ]
    dh_n, dc_n = (d["dh_n"], d["dc_n"]) if state_grads else (None, None)
    ins = [_opt(a) for a in (d["dy"], dh_n, dc_n, d["x"], d["h0"], d["c0"], d["w_ih"], d["w_hh"])]
    _twin(ns, "rnn_backward", tuple(range(1, 8)), mode, *outs, *ins, Y, SV, _opt(lengths), reverse)
    names = ("dx", "dh0", "dc0", "dw_ih", "dw_hh", "db_ih", "db_hh")
    return {n: None if o is None else _host(o) for n, o in zip(names, outs)}


def _check(mode, case, dtype, want_dx=True, state_grads=True):
    t, b, i, h, lengths, reverse, bias = case
    d = _inputs(mode, t, b, i, h, dtype, bias)
    lengths = None if lengths is None else np.array(lengths, np.int64)
    ns = backend.kernels("cuda")
    (y, hn, cn), (Y, SV) = _forward(ns, mode, d, lengths, reverse, dtype)
    ref = [d[k] for k in ("x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh")]
    y_ref, hn_ref, cn_ref = rnn_forward_ref(mode, *ref, lengths, reverse)
    _close(y, y_ref, dtype, f"{mode} y")
    _close(hn, hn_ref, dtype, f"{mode} h_n")
    if mode == "lstm":
        _close(cn, cn_ref, dtype, f"{mode} c_n", 4.0)
    got = _backward(ns, mode, d, lengths, reverse, dtype, Y, SV, want_dx, state_grads)
    dh_n, dc_n = (d["dh_n"], d["dc_n"]) if state_grads else (None, None)
    want = rnn_backward_ref(mode, d["dy"], dh_n, dc_n, *ref, lengths, reverse)
    red = float(np.sqrt(max(1, t * b))) * 2  # dW and db sum over t * b rows
    for n, g in got.items():
        if g is not None:
            _close(g, want[n], dtype, f"{mode} {n}", red if n[:2] in ("dw", "db") else None)
    return d, (y, hn, cn), got


# (T, B, I, H, lengths, reverse, biases)
CASES = [
    (5, 3, 4, 6, None, False, True),
    (6, 4, 3, 5, (6, 0, 3, 1), True, True),  # a row of length 0, partial lengths, reverse
    (7, 5, 2, 3, (2, 7, 3, 7, 1), False, False),  # unsorted lengths, no biases
    (1, 2, 3, 4, None, True, True),  # one step: the cells
    (4, 3, 5, 2, (0, 0, 0), True, True),  # no row ever active: the states carried through
    (9, 1, 1, 1, (9,), False, True),  # a 1 x 1 layer over a long sequence
]


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_rnn_matches_the_reference(mode, case, dtype):
    _check(mode, case, dtype)


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("mode", MODES)
def test_cuda_rnn_optional_outputs_and_state_gradients(mode):
    """dx None, dh_n / dc_n None, saved None (inference): the rest unchanged."""
    case, dtype = (5, 3, 4, 6, (5, 2, 4), True, True), np.float64
    d, (y, hn, cn), full = _check(mode, case, dtype)
    _, _, part = _check(mode, case, dtype, want_dx=False, state_grads=False)
    for n in ("dw_ih", "dw_hh", "db_ih", "db_hh"):
        assert not np.array_equal(part[n], full[n]), n  # dh_n / dc_n did reach the weights
    lengths = np.array(case[4], np.int64)
    (y2, hn2, cn2), (_, sv) = _forward(backend.kernels("cuda"), mode, d, lengths, True, dtype, saved=False)
    assert sv is None
    np.testing.assert_array_equal(y2, y)
    np.testing.assert_array_equal(hn2, hn)
    if mode == "lstm":
        np.testing.assert_array_equal(cn2, cn)


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", [(0, 3, 4, 6), (3, 0, 4, 6), (3, 2, 0, 6), (3, 2, 4, 0)])
def test_cuda_rnn_zero_sizes(mode, case):
    """T = 0 (h_n = h0, dh0 = dh_n, dW = 0), B = 0 (dW = 0), I = 0 (dx empty), H = 0."""
    t, b, i, h = case
    _check(mode, (t, b, i, h, None, False, True), np.float64)


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("sms", ["1", "3", "1000"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_rnn_every_gemm_tile(sms, dtype, monkeypatch):
    """The emulator's SM count picks the gemm tiles (gemm_tiled.cuh): 1 gives the largest
    (128 float32, 64 float64) everywhere, 3 a mix of 128 and 64, 1000 the 32 tile; the sizes
    leave partial tiles along every axis and several K steps."""
    if not _emulated():
        pytest.skip("the tile is chosen by the device's SM count; the emulator lets a test set it")
    monkeypatch.setenv("DLCORE_EMU_SMS", sms)
    _check("lstm", (4, 40, 9, 37, (4, 3, 1, 4) * 10, False, True), dtype)


@needs_device
@pytest.mark.cuda
def test_cuda_rnn_refuses_lengths_out_of_range_and_writes_nothing():
    d = _inputs("gru", 6, 3, 2, 4, np.float64)
    ns = backend.kernels("cuda")
    Y, HN = _dev(np.ones((6, 3, 4))), _dev(np.ones((3, 4)))
    ins = [_opt(d[k]) for k in ("x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh")]
    for bad, msg in (
        ([6, 7, 0], r"lengths\[1\] = 7 must be in \[0, T\] = \[0, 6\]"),
        ([0, 2, -1], r"lengths\[2\] = -1 must be"),
    ):
        with pytest.raises(ValueError, match=rf"\[rnn_forward\] {msg}"):
            ns.rnn_forward("gru", Y, HN, None, None, *ins, _dev(np.array(bad, np.int64)), False)
        assert (_host(Y) == 1).all() and (_host(HN) == 1).all()


@needs_device
@pytest.mark.cuda
def test_cuda_rnn_is_deterministic():
    d = _inputs("lstm", 5, 6, 7, 9, np.float32)
    ns, lengths = backend.kernels("cuda"), np.array([5, 1, 4, 5, 0, 2], np.int64)
    runs = []
    for _ in range(2):
        fwd, (Y, SV) = _forward(ns, "lstm", d, lengths, True, np.float32)
        runs.append((fwd, _backward(ns, "lstm", d, lengths, True, np.float32, Y, SV)))
    (f1, b1), (f2, b2) = runs
    for a, b in zip(f1, f2):
        assert a.tobytes() == b.tobytes()
    for n in b1:
        assert b1[n].tobytes() == b2[n].tobytes(), n


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("mode", MODES)
def test_cuda_rnn_matches_torch(mode):
    """One layer of torch.nn.LSTM / GRU / RNN (float64, CPU) with the same weights: outputs, final
    states and the gradients of sum(dy * y) + sum(dh_n * h_n) (+ sum(dc_n * c_n))."""
    torch = pytest.importorskip("torch")
    t, b, i, h = 6, 3, 5, 7
    d = _inputs(mode, t, b, i, h, np.float64, seed=5)
    kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}.get(mode, torch.nn.RNN)
    kw = {} if mode in ("lstm", "gru") else {"nonlinearity": mode[4:]}
    layer = kind(i, h, **kw).double()
    with torch.no_grad():
        for name in ("w_ih", "w_hh", "b_ih", "b_hh"):
            getattr(layer, name.replace("w_", "weight_").replace("b_", "bias_") + "_l0").copy_(
                torch.tensor(d[name])
            )
    x = torch.tensor(d["x"], requires_grad=True)
    h0 = torch.tensor(d["h0"][None], requires_grad=True)
    state = (h0, torch.tensor(d["c0"][None], requires_grad=True)) if mode == "lstm" else h0
    y, hn = layer(x, state)
    finals = hn if mode == "lstm" else (hn,)
    loss = (y * torch.tensor(d["dy"])).sum() + (finals[0][0] * torch.tensor(d["dh_n"])).sum()
    if mode == "lstm":
        loss = loss + (finals[1][0] * torch.tensor(d["dc_n"])).sum()
    loss.backward()
    ns = backend.kernels("cuda")
    (yd, hnd, cnd), (Y, SV) = _forward(ns, mode, d, None, False, np.float64)
    got = _backward(ns, mode, d, None, False, np.float64, Y, SV)
    _close(yd, y.detach().numpy(), np.float64, "y")
    _close(hnd, finals[0][0].detach().numpy(), np.float64, "h_n")
    _close(got["dx"], x.grad.numpy(), np.float64, "dx")
    _close(got["dh0"], h0.grad[0].numpy(), np.float64, "dh0")
    if mode == "lstm":
        _close(cnd, finals[1][0].detach().numpy(), np.float64, "c_n")
        _close(got["dc0"], state[1].grad[0].numpy(), np.float64, "dc0")
    for name in ("w_ih", "w_hh", "b_ih", "b_hh"):
        param = getattr(layer, name.replace("w_", "weight_").replace("b_", "bias_") + "_l0")
        _close(got["d" + name], param.grad.numpy(), np.float64, "d" + name, 4.0)
