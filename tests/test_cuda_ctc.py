"""The CUDA kernels of the CTC loss, ctc_loss_forward / ctc_loss_backward (csrc/cuda/ctc.cu, bound
in csrc/bind/bind_cuda_ctc.cpp with the checks of ctc_args.h).

Binding checks (a CUDA build, no device needed): every array argument made bad in each way of
tests/test_bindings.py, through hand-made `__cuda_array_interface__` objects, is refused with the
op's name before the device-memory check, and nothing is written; a good call gets as far as that
check. Device tests (skipped without a device; tools/cuda_emu/run_tests.sh runs them on the CPU):
float32 and float64 against dlcore/reference_ctc.py (float64), torch's CTC in float64
(torch._ctc_loss gives the loss and log_alpha; torch's gradient less exp(log_probs) is the true
one) and the `_C.cpu` kernels where the build has them, outputs poisoned with NaN; against the
reference's brute-force sum over all alignments of short inputs; impossible alignments (+inf
loss, nan gradient rows), empty inputs and targets, repeated labels, any blank index; the value
checks on host copies of lengths and targets."""

import numpy as np
import pytest
from test_bindings import BAD_TYPES, BAD_VALUES, FakeCuda, read_only
from test_cuda_conv import _close, _dev, _host, _poisoned, _twin

import dlcore
from dlcore import backend
from dlcore.reference_ctc import ctc_brute_force, ctc_grad_ref, ctc_loss_ref

needs_cuda_build = pytest.mark.skipif(not backend.has_cuda(), reason="not a CUDA build")
needs_device = pytest.mark.skipif(not dlcore.cuda.is_available(), reason="no CUDA device / CuPy")

# ---- binding checks: T 6, N 3, C 5, S 4, blank 0 ------------------------------------------------


def _f(*shape):
    return lambda rng, dt: rng.standard_normal(shape).astype(dt)


def _i(*values):
    return lambda rng, dt: np.array(values, np.int64)


_TG = lambda rng, dt: rng.integers(1, 5, (3, 4)).astype(np.int64)  # noqa: E731
_INPUTS = [
    ("log_probs", _f(6, 3, 5)),
    ("targets", _TG),
    ("input_lengths", _i(6, 4, 5)),
    ("target_lengths", _i(4, 2, 0)),
]
# name -> (arrays in call order, names written, index of blank among the arguments)
KERNELS = {
    "ctc_loss_forward": ([("loss", _f(3)), ("log_alpha", _f(3, 6, 9)), *_INPUTS], {"loss", "log_alpha"}, 6),
    "ctc_loss_backward": (
        [("grad", _f(6, 3, 5)), ("dloss", _f(3)), *_INPUTS, ("log_alpha", _f(3, 6, 9)), ("loss", _f(3))],
        {"grad"},
        6,
    ),
}
SIZE_AXIS = {"log_probs": 0}  # one more class alone is a valid forward call; one more step is not


def _make(name, dtype=np.float32):
    rng = np.random.default_rng(0)
    arrays, writes, _ = KERNELS[name]
    return {n: make(rng, dtype) for n, make in arrays}, writes


def _call(name, args, blank=0):
    args = list(args)
    args.insert(KERNELS[name][2], blank)
    return getattr(backend.kernels("cuda"), name)(*args)


def _grown(x, axis):
    shape = list(x.shape)
    shape[axis] += 1
    return np.zeros(shape, x.dtype)


def _cases():
    for name, (arrays, writes, _) in KERNELS.items():
        for arg, _ in arrays:
            for bad in BAD_VALUES:
                yield name, arg, bad, ValueError
            for bad in BAD_TYPES:
                yield name, arg, bad, TypeError
            if arg in writes:
                yield name, arg, "read_only", ValueError


@needs_cuda_build
@pytest.mark.parametrize("name,arg,bad,error", list(_cases()))
def test_cuda_ctc_binding_refuses(name, arg, bad, error):
    arrays, writes = _make(name)
    before = {n: arrays[n].copy() for n in writes}
    args = {n: FakeCuda(a) for n, a in arrays.items()}
    x = arrays[arg]
    if bad == "cuda_array":
        args[arg] = x
    elif bad == "list":
        args[arg] = x.tolist()
    elif bad == "size":
        args[arg] = FakeCuda(_grown(x, SIZE_AXIS.get(arg, -1)))
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
def test_cuda_ctc_binding_passes_a_good_call_to_the_device_check(name, dtype):
    arrays, _ = _make(name, dtype)
    first = next(iter(arrays))
    with pytest.raises(ValueError, match=rf"\[{name}\] {first}'s pointer is not CUDA device memory"):
        _call(name, [FakeCuda(a) for a in arrays.values()])


@needs_cuda_build
def test_cuda_ctc_blank_errors():
    arrays, _ = _make("ctc_loss_forward")
    args = [FakeCuda(a) for a in arrays.values()]
    with pytest.raises(ValueError, match=r"\[ctc_loss_forward\] blank 5 must be in \[0, C\) for 5 classes"):
        _call("ctc_loss_forward", args, 5)
    with pytest.raises(TypeError, match=r"\[ctc_loss_forward\] blank must be an int, got bool"):
        _call("ctc_loss_forward", args, True)


# ---- on a device ------------------------------------------------------------------------------------


def _log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _problem(t, n, c, s, il, tl, blank, dtype, seed=0, targets=None):
    rng = np.random.default_rng(seed + t * 31 + c)
    lp = _log_softmax(rng.standard_normal((t, n, c)) * 2).astype(dtype)
    if targets is None:
        others = [k for k in range(c) if k != blank]
        targets = np.array(others)[rng.integers(0, len(others), (n, s))]
    tg = np.asarray(targets, np.int64).reshape(n, s)
    return lp, tg, np.array(il, np.int64), np.array(tl, np.int64), rng.standard_normal(n).astype(dtype)


def _run(lp, tg, il, tl, dloss, blank):
    """forward then backward on the device (outputs poisoned, the CPU twin compared where
    present): host loss, log_alpha, grad."""
    t, n, c = lp.shape
    ns, dtype = backend.kernels("cuda"), lp.dtype.type
    LOSS, LA = _poisoned(n, dtype), _poisoned((n, t, 2 * tg.shape[1] + 1), dtype)
    ins = [_dev(a) for a in (lp, tg, il, tl)]
    _twin(ns, "ctc_loss_forward", (0, 1), LOSS, LA, *ins, blank, scale=float(t) * 4)
    G = _poisoned((t, n, c), dtype)
    _twin(ns, "ctc_loss_backward", (0,), G, _dev(dloss), *ins, blank, LA, LOSS)
    return _host(LOSS), _host(LA), _host(G)


def _torch_ctc(lp, tg, il, tl, dloss, blank):
    """torch's loss, log_alpha (valid region only) and true gradient, float64."""
    torch = pytest.importorskip("torch")
    lpt = torch.tensor(lp, dtype=torch.float64, requires_grad=True)
    loss, log_alpha = torch._ctc_loss(lpt, torch.tensor(tg), torch.tensor(il), torch.tensor(tl), blank, False)
    loss.backward(torch.tensor(dloss, dtype=torch.float64))
    active = (np.arange(lp.shape[0])[:, None] < il[None, :])[..., None]
    grad = lpt.grad.numpy() - dloss[None, :, None].astype(np.float64) * np.exp(lp.astype(np.float64)) * active
    return loss.detach().numpy(), log_alpha.detach().numpy(), grad


def _check(lp, tg, il, tl, dloss, blank):
    """The device's loss, log_alpha and grad against reference_ctc (everywhere: -inf and nan where
    it has them) and against torch (where T > 0: torch refuses T = 0; log_alpha's valid region)."""
    dtype, t = lp.dtype.type, lp.shape[0]
    loss, la, grad = _run(lp, tg, il, tl, dloss, blank)
    loss_ref, la_ref = ctc_loss_ref(lp, tg, il, tl, blank)
    grad_ref = ctc_grad_ref(lp, tg, il, tl, blank) * dloss[None, :, None].astype(np.float64)
    scale = max([1.0] + [abs(v) for v in loss_ref if np.isfinite(v)])  # an inf loss would give inf
    np.testing.assert_array_equal(loss[~np.isfinite(loss_ref)], loss_ref[~np.isfinite(loss_ref)])
    _close(loss, loss_ref, dtype, "loss", scale)
    _close(la, la_ref, dtype, "log_alpha", float(t) * 4)
    _close(grad, grad_ref, dtype, "grad")
    assert all(np.isnan(grad[: il[k], k]).all() for k in range(len(il)) if np.isinf(loss_ref[k]))
    if t == 0:
        return
    loss_t, la_t, grad_t = _torch_ctc(lp, tg, il, tl, dloss, blank)
    fin = np.isfinite(loss_t)
    np.testing.assert_array_equal(np.isinf(loss), np.isinf(loss_t))
    _close(loss[fin], loss_t[fin], dtype, "loss vs torch")
    for k in np.flatnonzero(fin):
        valid = (slice(0, il[k]), slice(0, 2 * tl[k] + 1))
        _close(la[k][valid], la_t[k][valid], dtype, f"log_alpha[{k}] vs torch", float(t) * 4)
        _close(grad[:, k], grad_t[:, k], dtype, f"grad[:, {k}] vs torch")


# (T, N, C, S, input_lengths, target_lengths, blank, targets or None (random, no blank))
CTC_CASES = [
    (7, 4, 5, 3, [7, 5, 7, 0], [3, 2, 0, 0], 0, None),  # empty target, empty input
    (9, 2, 4, 4, [9, 9], [4, 3], 3, [[1, 1, 2, 2], [0, 0, 0, 0]]),  # repeats; blank last
    (4, 3, 3, 3, [4, 4, 2], [3, 2, 2], 1, [[0, 0, 0], [2, 0, 0], [2, 2, 0]]),  # too short: +inf
    (12, 3, 6, 4, [12, 3, 9], [4, 4, 1], 2, None),  # blank in the middle; input shorter than target
    (200, 2, 40, 140, [200, 170], [140, 95], 0, None),  # 281 extended labels: > 1 per thread
    (0, 2, 3, 2, [0, 0], [0, 2], 0, None),  # T = 0: loss 0 for the empty target, +inf else
]


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("case", CTC_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_ctc_matches_the_reference_and_torch(case, dtype):
    t, n, c, s, il, tl, blank, targets = case
    _check(*_problem(t, n, c, s, il, tl, blank, dtype, targets=targets), blank)


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("target", [(1,), (1, 2), (2, 2), (1, 2, 1), ()])
def test_cuda_ctc_matches_a_sum_over_all_alignments(target):
    """reference_ctc.ctc_brute_force: p(target) summed over the C^T paths that collapse to it, the
    gradient from the probability of those paths through each (t, c)."""
    t, c, blank = 5, 3, 0
    lp, _, _, _, _ = _problem(t, 1, c, 1, [t], [0], blank, np.float64, seed=len(target))
    loss_bf, grad_bf = ctc_brute_force(lp[:, 0], list(target), blank)
    s = max(1, len(target))
    tg = np.array([list(target) + [1] * (s - len(target))], np.int64)
    loss, _, grad = _run(lp, tg, np.array([t]), np.array([len(target)]), np.array([1.5]), blank)
    np.testing.assert_allclose(loss[0], loss_bf, rtol=1e-12)
    np.testing.assert_allclose(grad[:, 0], 1.5 * grad_bf, rtol=1e-10, atol=1e-14)


@needs_device
@pytest.mark.cuda
def test_cuda_ctc_refuses_bad_values_and_writes_nothing():
    lp, tg, il, tl, dloss = _problem(6, 3, 5, 4, [6, 4, 5], [4, 2, 0], 0, np.float64)
    ns = backend.kernels("cuda")
    LOSS, LA = _dev(np.ones(3)), _dev(np.ones((3, 6, 9)))
    bad = [
        (dict(il=[6, 7, 5]), r"input_lengths\[1\] = 7 must be in \[0, T\] with T = 6"),
        (dict(tl=[4, -1, 0]), r"target_lengths\[1\] = -1 must be in \[0, S\] with S = 4"),
        (dict(tg=[[1, 2, 0, 3]] + tg[1:].tolist()), r"targets\[0, 2\] = 0 is the blank label"),
        (dict(tg=[[1, 2, 5, 3]] + tg[1:].tolist()), r"targets\[0, 2\] = 5 is out of range for 5 classes"),
    ]
    for change, msg in bad:
        a = {"tg": tg, "il": il, "tl": tl, **change}
        args = [_dev(np.asarray(a[k], np.int64)) for k in ("tg", "il", "tl")]
        with pytest.raises(ValueError, match=rf"\[ctc_loss_forward\] {msg}"):
            ns.ctc_loss_forward(LOSS, LA, _dev(lp), *args, 0)
        assert (_host(LOSS) == 1).all() and (_host(LA) == 1).all()
        G = _dev(np.ones(lp.shape))
        with pytest.raises(ValueError, match=rf"\[ctc_loss_backward\] {msg}"):
            ns.ctc_loss_backward(G, _dev(dloss), _dev(lp), *args, 0, LA, LOSS)
        assert (_host(G) == 1).all()
    # the padding past target_lengths is not read: a blank there is fine
    padded = tg.copy()
    padded[1, 2:] = 0
    _run(lp, padded, il, tl, dloss, 0)


@needs_device
@pytest.mark.cuda
def test_cuda_ctc_empty_batch_and_determinism():
    lp, tg, il, tl, dloss = _problem(5, 0, 4, 2, [], [], 0, np.float32)
    loss, la, grad = _run(lp, tg, il, tl, dloss, 0)
    assert loss.shape == (0,) and la.shape == (0, 5, 5) and grad.shape == (5, 0, 4)
    lp, tg, il, tl, dloss = _problem(30, 5, 7, 6, [30, 20, 25, 30, 12], [6, 5, 6, 1, 3], 4, np.float32)
    first = _run(lp, tg, il, tl, dloss, 4)
    second = _run(lp, tg, il, tl, dloss, 4)
    for a, b in zip(first, second):
        assert a.tobytes() == b.tobytes()
