"""The CPU recurrent-layer kernels (backend.cpu.rnn_forward / rnn_backward) against the float64
numpy reference (dlcore/reference_rnn.py) for all four modes, on awkward sizes (T = 0 and 1,
B = 0 and 1, I = 0 and 1, odd H), variable lengths with zeros, both directions, both dtypes,
and the optional arguments (biases, dx, dh_n, dc_n, saved); bit-identical results at 1 and 2
threads; and (when torch is installed) torch.nn.LSTM / GRU / RNN with copied weights.

Error: |out - ref| / max(|ref|, max |ref| over the array, 1) (reference.rel_err with the array's
largest entry as scale: an element of dW or db is a sum over T*B rows whose terms reach the size
of the array's largest entries, so its rounding is relative to them). Budget: 1e-5 (float32:
~80 ulps, for sums over up to T*B*G*H terms carried through several steps and the ~1e-6
relative error of the float32 sigmoid/tanh; measured <= 1e-6), 1e-13 (float64; measured 3e-15).
Outputs start as NaN: a kernel must overwrite every element it owns.
"""

import contextlib

import numpy as np
import pytest

import dlcore
from dlcore import backend
from dlcore.reference import rel_err
from dlcore.reference_rnn import rnn_backward_ref, rnn_forward_ref

K = backend.cpu
TOL = {np.float32: 1e-5, np.float64: 1e-13}
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
SAVED = {"lstm": 5, "gru": 4, "rnn_tanh": 1, "rnn_relu": 1}
MODES = list(GATES)

# (T, B, I, H)
SHAPES = [
    (5, 3, 4, 7),
    (1, 2, 3, 13),  # one step: the cell
    (0, 3, 4, 5),  # no steps
    (4, 0, 3, 5),  # empty batch
    (3, 1, 1, 7),  # one row, one input feature
    (6, 4, 5, 13),
    (3, 2, 0, 5),  # no input features
    (4, 3, 2, 1),  # one hidden unit
]


@contextlib.contextmanager
def num_threads(n):
    """n threads, even on a busy machine (gemm's thread gate, which the rnn kernels follow, off)."""
    old = dlcore.get_num_threads()
    dlcore.set_num_threads(n)
    backend.instruments.gemm_tune(thread_gate=0)
    try:
        yield
    finally:
        backend.instruments.gemm_tune()
        dlcore.set_num_threads(old)


def make_case(mode, t, b, i, h, dtype, seed=0, bias=True, lengths=None):
    """Inputs with torch's weight scale (U(-1/sqrt(H), 1/sqrt(H))) and unit-scale x, states, dy."""
    rng = np.random.default_rng(seed)
    g, k = GATES[mode], 1.0 / np.sqrt(max(h, 1))

    def u(*shape):
        return rng.uniform(-k, k, shape).astype(dtype)

    def n(*shape):
        return rng.standard_normal(shape).astype(dtype)

    c = {"x": n(t, b, i), "h0": n(b, h), "c0": n(b, h) if mode == "lstm" else None}
    c.update(
        w_ih=u(g * h, i), w_hh=u(g * h, h), b_ih=u(g * h) if bias else None, b_hh=u(g * h) if bias else None
    )
    c.update(dy=n(t, b, h), dh_n=n(b, h), dc_n=n(b, h) if mode == "lstm" else None)
    c["lengths"] = None if lengths is None else np.asarray(lengths, np.int64)
    return c


def nan(*shape, dtype):
    return np.full(shape, np.nan, dtype)


def forward(mode, c, reverse, saved=True):
    t, b, _ = c["x"].shape
    h, dt = c["w_hh"].shape[1], c["x"].dtype
    y, h_n = nan(t, b, h, dtype=dt), nan(b, h, dtype=dt)
    c_n = nan(b, h, dtype=dt) if mode == "lstm" else None
    sv = nan(t, b, SAVED[mode] * h, dtype=dt) if saved else None
    K.rnn_forward(mode, y, h_n, c_n, sv, c["x"], c["h0"], c["c0"], c["w_ih"], c["w_hh"], c["b_ih"], c["b_hh"],
                  c["lengths"], reverse)  # fmt: skip
    return y, h_n, c_n, sv


def backward(mode, c, reverse, y, sv, want_dx=True, want_db=True, dh_n=True, dc_n=True):
    t, b, i = c["x"].shape
    h, dt = c["w_hh"].shape[1], c["x"].dtype
    g = GATES[mode] * h
    out = {"dx": nan(t, b, i, dtype=dt) if want_dx else None, "dh0": nan(b, h, dtype=dt)}
    out["dc0"] = nan(b, h, dtype=dt) if mode == "lstm" else None
    out.update(dw_ih=nan(g, i, dtype=dt), dw_hh=nan(g, h, dtype=dt))
    out.update(db_ih=nan(g, dtype=dt) if want_db else None, db_hh=nan(g, dtype=dt) if want_db else None)
    K.rnn_backward(mode, *out.values(), c["dy"], c["dh_n"] if dh_n else None, c["dc_n"] if dc_n else None,
                   c["x"], c["h0"], c["c0"], c["w_ih"], c["w_hh"], y, sv, c["lengths"], reverse)  # fmt: skip
    return out


def reference(mode, c, reverse, dh_n=True, dc_n=True):
    args = (c["x"], c["h0"], c["c0"], c["w_ih"], c["w_hh"], c["b_ih"], c["b_hh"])
    fwd = rnn_forward_ref(mode, *args, c["lengths"], reverse)
    grads = rnn_backward_ref(mode, c["dy"], c["dh_n"] if dh_n else None, c["dc_n"] if dc_n else None, *args,
                             c["lengths"], reverse)  # fmt: skip
    return fwd, grads


def err(out, ref):
    ref = np.asarray(ref)
    return rel_err(out, ref, np.abs(ref).max() if ref.size else None)


def check(mode, c, reverse, dtype, **opts):
    tol = TOL[dtype]
    y, h_n, c_n, sv = forward(mode, c, reverse)
    (ry, rh, rc), rg = reference(mode, c, reverse, opts.get("dh_n", True), opts.get("dc_n", True))
    assert err(y, ry) < tol, ("y", err(y, ry))
    assert err(h_n, rh) < tol, ("h_n", err(h_n, rh))
    if mode == "lstm":
        assert err(c_n, rc) < tol, ("c_n", err(c_n, rc))
    got = backward(mode, c, reverse, y, sv, **opts)
    for name, v in got.items():
        if v is None:
            continue
        assert err(v, rg[name]) < tol, (name, err(v, rg[name]))
    return y, got


def mixed_lengths(t, b):
    """Lengths with a 0, a full row and values in between (cycled over the batch)."""
    pattern = [t, 0, max(t - 2, 0), 1 if t else 0, t]
    return [min(pattern[k % len(pattern)], t) for k in range(b)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "T{}B{}I{}H{}".format(*s))
@pytest.mark.parametrize("mode", MODES)
def test_matches_the_reference(mode, shape, reverse, dtype):
    check(mode, make_case(mode, *shape, dtype), reverse, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("shape", [s for s in SHAPES if s[1] > 0], ids=lambda s: "T{}B{}I{}H{}".format(*s))
@pytest.mark.parametrize("mode", MODES)
def test_variable_lengths_match_the_reference(mode, shape, reverse, dtype):
    t, b = shape[:2]
    c = make_case(mode, *shape, dtype, seed=1, lengths=mixed_lengths(t, b))
    y, _ = check(mode, c, reverse, dtype)
    inactive = np.arange(t)[:, None] >= c["lengths"][None, :]
    assert np.all(y[inactive] == 0)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", MODES)
def test_larger_layers_match_the_reference(mode, dtype, threads):
    """Sizes where the per-step products (csrc/cpu/rnn_gemm.cpp) take both loop orders (the
    packed h within half of L2 in the forward, dG beyond it in the backward), a partial row
    tile and a partial column sliver, and split over two threads."""
    c = make_case(mode, 3, 70, 20, 301, dtype, seed=9, lengths=[3, 1, 0, 2, 3] * 14)
    with num_threads(threads):
        check(mode, c, False, dtype)
        check(mode, c, True, dtype)


@pytest.mark.parametrize("mode", MODES)
def test_dy_at_inactive_steps_is_ignored(mode):
    t, b = 5, 4
    c = make_case(mode, t, b, 3, 6, np.float64, seed=2, lengths=[5, 2, 0, 3])
    y, _, _, sv = forward(mode, c, True)
    clean = backward(mode, c, True, y, sv)
    inactive = np.arange(t)[:, None] >= c["lengths"][None, :]
    c["dy"][inactive] = np.nan
    dirty = backward(mode, c, True, y, sv)
    for name, v in clean.items():
        if v is not None:
            assert np.array_equal(v, dirty[name]), name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", MODES)
def test_optional_arguments(mode, dtype):
    """No biases, no dx or db wanted, dh_n and dc_n None (zero), inference without saved."""
    c = make_case(mode, 4, 3, 5, 7, dtype, seed=3, bias=False, lengths=[4, 1, 3])
    check(mode, c, False, dtype, want_dx=False, want_db=False, dh_n=False, dc_n=False)
    check(mode, c, True, dtype, want_db=True, dh_n=True, dc_n=False)
    y, h_n, c_n, _ = forward(mode, c, False)
    y2, h2, c2, _ = forward(mode, c, False, saved=False)
    assert np.array_equal(y, y2) and np.array_equal(h_n, h2)
    assert mode != "lstm" or np.array_equal(c_n, c2)


@pytest.mark.parametrize("mode", MODES)
def test_saved_holds_the_contract_blocks(mode):
    """saved per step: lstm i f g o c, gru r z n hn, rnn h (at active steps)."""
    c = make_case(mode, 3, 2, 4, 5, np.float64, seed=4)
    y, _, _, sv = forward(mode, c, False)
    h = 5
    if mode == "rnn_tanh" or mode == "rnn_relu":
        assert rel_err(sv, y) < 1e-15
        return
    # the step-0 gates from the reference's own formulas
    gi = c["x"][0] @ c["w_ih"].T + c["b_ih"]
    gh = c["h0"] @ c["w_hh"].T + c["b_hh"]
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    if mode == "lstm":
        a = gi + gh
        i, f, g, o = sig(a[:, :h]), sig(a[:, h : 2 * h]), np.tanh(a[:, 2 * h : 3 * h]), sig(a[:, 3 * h :])
        want = np.concatenate([i, f, g, o, f * c["c0"] + i * g], 1)
    else:
        r, z = sig(gi[:, :h] + gh[:, :h]), sig(gi[:, h : 2 * h] + gh[:, h : 2 * h])
        want = np.concatenate([r, z, np.tanh(gi[:, 2 * h :] + r * gh[:, 2 * h :]), gh[:, 2 * h :]], 1)
    assert rel_err(sv[0], want) < 1e-13


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", MODES)
def test_bit_identical_at_one_and_two_threads(mode, dtype):
    """Large enough that the gemms and the cell steps split over two threads."""
    c = make_case(mode, 3, 64, 40, 300, dtype, seed=5, lengths=[3, 2, 0, 1] * 16)
    for reverse in (False, True):
        outs = []
        for n in (1, 2):
            with num_threads(n):
                y, h_n, c_n, sv = forward(mode, c, reverse)
                g = backward(mode, c, reverse, y, sv)
            outs.append([y, h_n, *(v for v in (c_n, *g.values()) if v is not None)])
        for a, b in zip(*outs):
            assert np.array_equal(a, b)


@pytest.mark.parametrize("mode", MODES)
def test_nonfinite_inputs_propagate(mode):
    """A nan in x reaches the outputs of that row (no silent clamp in the fast float32 paths)."""
    c = make_case(mode, 2, 3, 4, 5, np.float32, seed=6)
    c["x"][0, 1, 2] = np.nan
    y, _, _, _ = forward(mode, c, False)
    assert np.isnan(y[:, 1]).any() and np.isfinite(y[:, [0, 2]]).all()
    c["x"][0, 1, 2] = np.inf  # saturates the gates; still no nan for the other rows
    y, _, _, _ = forward(mode, c, False)
    assert np.isfinite(y[:, [0, 2]]).all()


# ---- torch (optional) ---------------------------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("mode", MODES)
def test_matches_torch(mode, reverse):
    torch = pytest.importorskip("torch")
    t, b, i, h = 6, 3, 4, 7
    c = make_case(mode, t, b, i, h, np.float64, seed=8)
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}.get(mode, torch.nn.RNN)
    kw = {} if cls is not torch.nn.RNN else {"nonlinearity": mode[4:]}
    m = cls(i, h, **kw).double()
    with torch.no_grad():
        for name in ("w_ih", "w_hh", "b_ih", "b_hh"):
            getattr(m, f"weight_{name[2:]}_l0" if name[0] == "w" else f"bias_{name[2:]}_l0").copy_(
                torch.from_numpy(c[name])
            )
    x = torch.from_numpy(c["x"][::-1].copy() if reverse else c["x"]).requires_grad_()
    h0 = torch.from_numpy(c["h0"])[None].requires_grad_()
    state = (h0, torch.from_numpy(c["c0"])[None].requires_grad_()) if mode == "lstm" else h0
    ty, tstate = m(x, state)
    dy = torch.from_numpy(c["dy"][::-1].copy() if reverse else c["dy"])
    loss = (ty * dy).sum() + (
        (tstate[0][0] * torch.from_numpy(c["dh_n"])).sum()
        + (tstate[1][0] * torch.from_numpy(c["dc_n"])).sum()
        if mode == "lstm"
        else (tstate[0] * torch.from_numpy(c["dh_n"])).sum()
    )
    loss.backward()
    y, h_n, c_n, sv = forward(mode, c, reverse)
    flip = (lambda a: a[::-1]) if reverse else (lambda a: a)
    assert rel_err(y, flip(ty.detach().numpy())) < 1e-12
    assert rel_err(h_n, (tstate[0] if mode == "lstm" else tstate)[0].detach().numpy()) < 1e-12
    if mode == "lstm":
        assert rel_err(c_n, tstate[1][0].detach().numpy()) < 1e-12
    g = backward(mode, c, reverse, y, sv)
    assert rel_err(g["dx"], flip(x.grad.numpy())) < 1e-12
    assert rel_err(g["dh0"], h0.grad[0].numpy()) < 1e-12
    assert rel_err(g["dw_ih"], m.weight_ih_l0.grad.numpy()) < 1e-12
    assert rel_err(g["dw_hh"], m.weight_hh_l0.grad.numpy()) < 1e-12
    assert rel_err(g["db_ih"], m.bias_ih_l0.grad.numpy()) < 1e-12
    assert rel_err(g["db_hh"], m.bias_hh_l0.grad.numpy()) < 1e-12
    if mode == "lstm":
        assert rel_err(g["dc0"], state[1].grad[0].numpy()) < 1e-12
