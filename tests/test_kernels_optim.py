"""The CPU optimizer kernels (backend.cpu: sgd, adagrad, rmsprop, adam/adamw/amsgrad) and
instruments.stream_probe against the float64 numpy references of dlcore/reference.py, on
awkward sizes, every ISA build."""

import numpy as np
import pytest

from dlcore import backend
from dlcore.reference import adagrad_ref, adam_ref, rmsprop_ref, sgd_ref

K = backend.cpu
INSTR = backend.instruments
SIZES = [1, 7, 31, 33, 257, 4099, 70001]  # 70001 > 2**16 takes the OpenMP path
_ALL_ISAS = ["generic", "avx2", "avx512"]
ISAS = _ALL_ISAS[: _ALL_ISAS.index(backend.detected_isa()) + 1]
TOL = {np.float32: 2e-5, np.float64: 1e-12}


@pytest.fixture(params=ISAS)
def isa(request):
    before = backend.active_isa()
    INSTR.set_isa(request.param)
    yield request.param
    INSTR.set_isa(before)


def _close(got, want, dtype):
    scale = np.abs(want).max() + 1e-30
    err = np.abs(got.astype(np.float64) - want).max() / scale
    assert err <= TOL[dtype], f"max rel err {err:.3g}"


def _run(n, dtype, steps, kernel, ref, state_names, seed):
    rng = np.random.default_rng(seed)
    p64 = rng.standard_normal(n)
    p = p64.astype(dtype)
    p64 = p.astype(np.float64)
    bufs = {name: np.zeros(n, dtype) for name in state_names}
    st = {}
    for t in range(1, steps + 1):
        g = rng.standard_normal(n).astype(dtype)
        kernel(p, g, bufs, t)
        ref(p64, g.astype(np.float64), st, t)
    _close(p, p64, dtype)
    return bufs, st


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "cfg",
    [
        dict(momentum=0.0),
        dict(momentum=0.9),
        dict(momentum=0.9, dampening=0.3, weight_decay=0.01),
        dict(momentum=0.8, nesterov=True, weight_decay=0.1),
        dict(maximize=True, weight_decay=0.05),
    ],
)
def test_sgd(isa, n, dtype, cfg):
    lr = 0.05

    def kernel(p, g, b, t):
        K.sgd_step(p, g, b["buf"], lr, first_step=t == 1, **cfg)

    bufs, st = _run(n, dtype, 6, kernel, lambda p, g, s, t: sgd_ref(p, g, s, lr, **cfg), ["buf"], 1)
    if cfg.get("momentum"):
        _close(bufs["buf"], st["momentum_buffer"], dtype)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "cfg",
    [
        dict(),
        dict(lr_decay=0.1, weight_decay=0.02, eps=1e-6),
        dict(maximize=True, initial_accumulator_value=0.5),
    ],
)
def test_adagrad(isa, n, dtype, cfg):
    lr = 0.1
    kcfg = {k: v for k, v in cfg.items() if k != "initial_accumulator_value"}

    def kernel(p, g, b, t):
        if t == 1:
            b["sum"][:] = cfg.get("initial_accumulator_value", 0.0)
        K.adagrad_step(p, g, b["sum"], t, lr, **kcfg)

    bufs, st = _run(n, dtype, 6, kernel, lambda p, g, s, t: adagrad_ref(p, g, s, lr, **cfg), ["sum"], 2)
    _close(bufs["sum"], st["sum"], dtype)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "cfg",
    [
        dict(),
        dict(centered=True),
        dict(momentum=0.9),
        dict(centered=True, momentum=0.5, weight_decay=0.01, alpha=0.9),
        dict(maximize=True, eps=1e-4),
    ],
)
def test_rmsprop(isa, n, dtype, cfg):
    lr = 0.01

    def kernel(p, g, b, t):
        K.rmsprop_step(p, g, b["sq"], b["ga"], b["mb"], lr, **cfg)

    bufs, st = _run(
        n, dtype, 6, kernel, lambda p, g, s, t: rmsprop_ref(p, g, s, lr, **cfg), ["sq", "ga", "mb"], 3
    )
    _close(bufs["sq"], st["square_avg"], dtype)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "cfg",
    [
        dict(),
        dict(amsgrad=True),
        dict(weight_decay=0.1),
        dict(weight_decay=0.1, decoupled=True, amsgrad=True),
        dict(maximize=True, lr_divisor=1.7, betas=(0.5, 0.9)),
    ],
)
def test_adam(isa, n, dtype, cfg):
    lr = 1e-2
    betas = cfg.get("betas", (0.9, 0.999))

    def kernel(p, g, b, t):
        K.adam_step(
            p,
            g,
            b["m"],
            b["v"],
            b["vmax"],
            t,
            lr,
            betas[0],
            betas[1],
            1e-8,
            weight_decay=cfg.get("weight_decay", 0.0),
            decoupled_weight_decay=cfg.get("decoupled", False),
            amsgrad=cfg.get("amsgrad", False),
            maximize=cfg.get("maximize", False),
            lr_divisor=cfg.get("lr_divisor", 1.0),
        )

    bufs, st = _run(
        n, dtype, 8, kernel, lambda p, g, s, t: adam_ref(p, g, s, lr, **cfg), ["m", "v", "vmax"], 4
    )
    _close(bufs["m"], st["exp_avg"], dtype)
    _close(bufs["v"], st["exp_avg_sq"], dtype)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
@pytest.mark.parametrize("n", [1, 33, 70001])
def test_stream_probe(isa, k, n):
    rng = np.random.default_rng(k)
    ro = rng.standard_normal(n).astype(np.float32)
    rw = [rng.standard_normal(n).astype(np.float32) for _ in range(k)]
    want = [a + ro for a in rw]
    INSTR.stream_probe(rw, ro)
    for a, w in zip(rw, want):
        np.testing.assert_array_equal(a, w)


def test_same_result_twice():
    rng = np.random.default_rng(5)
    g = rng.standard_normal(100003).astype(np.float32)
    outs = []
    for _ in range(2):
        p = np.linspace(-1, 1, 100003, dtype=np.float32)
        m, v = np.zeros_like(p), np.zeros_like(p)
        for t in range(1, 4):
            K.adam_step(p, g, m, v, None, t, 1e-3, 0.9, 0.999, 1e-8)
        outs.append(p)
    np.testing.assert_array_equal(outs[0], outs[1])


def test_errors_leave_param_unchanged():
    p = np.ones(8, np.float32)
    before = p.copy()
    g = np.ones(8, np.float32)
    with pytest.raises(TypeError, match=r"\[adam_step\].*same dtype"):
        K.adam_step(
            p,
            g.astype(np.float64),
            np.zeros(8, np.float32),
            np.zeros(8, np.float32),
            None,
            1,
            1e-3,
            0.9,
            0.999,
            1e-8,
        )
    with pytest.raises(ValueError, match=r"\[adam_step\] exp_avg must have 8 elements"):
        K.adam_step(p, g, np.zeros(7, np.float32), np.zeros(8, np.float32), None, 1, 1e-3, 0.9, 0.999, 1e-8)
    with pytest.raises(ValueError, match=r"amsgrad needs max_exp_avg_sq"):
        K.adam_step(
            p,
            g,
            np.zeros(8, np.float32),
            np.zeros(8, np.float32),
            None,
            1,
            1e-3,
            0.9,
            0.999,
            1e-8,
            amsgrad=True,
        )
    with pytest.raises(ValueError, match=r"step must be >= 1"):
        K.adagrad_step(p, g, np.zeros(8, np.float32), 0, 0.1)
    with pytest.raises(ValueError, match=r"centered=True needs grad_avg"):
        K.rmsprop_step(p, g, np.zeros(8, np.float32), None, None, 0.1, centered=True)
    with pytest.raises(ValueError, match=r"momentum > 0 needs momentum_buf"):
        K.rmsprop_step(p, g, np.zeros(8, np.float32), None, None, 0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"\[sgd_step\] grad must have 8 elements"):
        K.sgd_step(p, np.ones(9, np.float32), None, 0.1)
    with pytest.raises(ValueError, match=r"param must be C-contiguous"):
        K.sgd_step(np.ones(16, np.float32)[::2], g, None, 0.1)
    with pytest.raises(ValueError, match=r"rw must hold 1 to 4"):
        INSTR.stream_probe([p] * 5, g)
    np.testing.assert_array_equal(p, before)


# ---- non-finite parameters (issue 17): no 0 * inf from a weight-decay term of 0 --------------

NONFINITE_CASES = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("SGD", {"weight_decay": 0.1}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True}),
    ("Adam", {"weight_decay": 0.1}),
    ("AdamW", {"weight_decay": 0.0}),
    ("AdamW", {}),
    ("Adagrad", {}),
    ("Adagrad", {"weight_decay": 0.1}),
    ("RMSprop", {}),
    ("RMSprop", {"centered": True, "momentum": 0.9}),
    ("RMSprop", {"weight_decay": 0.1}),
]


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, cfg", NONFINITE_CASES)
def test_nonfinite_parameters_step_as_torch(name, cfg, dtype, isa):
    """Parameters holding +-inf and nan among normal values (37: vector body and tail), three
    steps of dlcore.optim and torch.optim: the same values, inf and nan in the same places.
    With weight_decay 0 an infinite parameter stays infinite (it was nan: 0 * inf)."""
    torch = pytest.importorskip("torch")
    from dlcore import optim, tensor
    from dlcore.nn import Parameter

    rng = np.random.default_rng(17)
    init = rng.standard_normal(37).astype(dtype)
    init[[0, 9, 20]], init[[3, 16]], init[[5, 36]] = np.inf, -np.inf, np.nan
    lr = {"SGD": 0.1, "Adagrad": 0.1}.get(name, 0.01)
    p = Parameter(init.copy())
    opt = getattr(optim, name)([p], lr=lr, **cfg)
    tp = torch.tensor(init.copy(), requires_grad=True)
    topt = getattr(torch.optim, name)([tp], lr=lr, foreach=False, **cfg)
    for _ in range(3):
        g = rng.standard_normal(37).astype(dtype)
        p.grad, tp.grad = tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    got, want = p.detach().numpy(), tp.detach().numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=TOL[dtype], atol=TOL[dtype])
    if not cfg.get("weight_decay"):
        assert np.isinf(got[[0, 3, 9, 16, 20]]).all(), "an infinite parameter became nan"
