"""dlcore.optim: 100-step trajectories against torch.optim over a hyperparameter grid (when torch
is importable) and against the float64 numpy references always; Eve against Algorithm 1;
flat-buffer bookkeeping (replaced/None grads), state_dict round trips and error messages."""

import itertools
import math

import numpy as np
import pytest

import dlcore
from dlcore import nn, optim
from dlcore import reference as ref
from dlcore.tensor import Tensor

SHAPES = [(7, 3), (5,), (1,), (33, 2)]
STEPS = 100


def _grid(**axes):
    keys = list(axes)
    return [dict(zip(keys, vals)) for vals in itertools.product(*axes.values())]


SGD_GRID = [
    c
    for c in _grid(
        lr=[0.01, 0.1],
        momentum=[0.0, 0.9],
        dampening=[0.0, 0.3],
        nesterov=[False, True],
        weight_decay=[0.0, 0.01],
        maximize=[False, True],
    )
    if not (c["nesterov"] and (c["momentum"] == 0 or c["dampening"] != 0))
]
ADAGRAD_GRID = _grid(
    lr=[0.01, 0.1],
    lr_decay=[0.0, 0.01],
    weight_decay=[0.0, 0.1],
    initial_accumulator_value=[0.0, 0.3],
    eps=[1e-10, 1e-3],
)
RMSPROP_GRID = _grid(
    lr=[0.001, 0.01],
    alpha=[0.99, 0.5],
    weight_decay=[0.0, 0.1],
    momentum=[0.0, 0.9],
    centered=[False, True],
    maximize=[False, True],
)
ADAM_GRID = _grid(
    lr=[1e-3, 1e-2],
    betas=[(0.9, 0.999), (0.5, 0.9)],
    weight_decay=[0.0, 0.1],
    amsgrad=[False, True],
    maximize=[False, True],
)

CASES = (
    [("SGD", c) for c in SGD_GRID]
    + [("Adagrad", c) for c in ADAGRAD_GRID]
    + [("RMSprop", c) for c in RMSPROP_GRID]
    + [("Adam", c) for c in ADAM_GRID]
    + [("AdamW", c) for c in ADAM_GRID]
)


def _ids(cases):
    return [f"{n}-" + "-".join(f"{k}={v}" for k, v in c.items()) for n, c in cases]


def _grads(seed, dtype):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(STEPS)]


def _init(seed, dtype):
    rng = np.random.default_rng(seed + 1000)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def _run_dlcore(name, cfg, init, grads):
    params = [nn.Parameter(Tensor(a.copy())) for a in init]
    opt = getattr(optim, name)(params, **cfg)
    for t, gs in enumerate(grads):
        opt.zero_grad()
        for i, (p, g) in enumerate(zip(params, gs)):
            if (t + i) % 2:
                p.grad.data[...] = g  # in place into the flat buffer
            else:
                p.grad = Tensor(g.copy())  # replaced: step() copies it in
        opt.step()
    return [p.data.copy() for p in params]


def _run_ref(name, cfg, init, grads):
    ps = [a.astype(np.float64) for a in init]
    states = [{} for _ in ps]
    for gs in grads:
        for p, g, st in zip(ps, gs, states):
            ref.optimizer_ref(name, p, g.astype(np.float64), st, **cfg)
    return ps


def _rel(got, want):
    num = max(np.abs(np.asarray(a, np.float64) - b).max() for a, b in zip(got, want))
    den = max(np.abs(b).max() for b in want)
    return num / den


@pytest.mark.parametrize("name,cfg", CASES, ids=_ids(CASES))
def test_vs_numpy_reference_float64(name, cfg):
    init, grads = _init(1, np.float64), _grads(1, np.float64)
    assert _rel(_run_dlcore(name, cfg, init, grads), _run_ref(name, cfg, init, grads)) < 1e-12


@pytest.mark.parametrize("name,cfg", CASES[::7], ids=_ids(CASES[::7]))
def test_vs_numpy_reference_float32(name, cfg):
    init, grads = _init(2, np.float32), _grads(2, np.float32)
    assert _rel(_run_dlcore(name, cfg, init, grads), _run_ref(name, cfg, init, grads)) < 1e-5


@pytest.mark.torch
@pytest.mark.parametrize("name,cfg", CASES, ids=_ids(CASES))
def test_vs_torch(name, cfg):
    torch = pytest.importorskip("torch")
    init, grads = _init(3, np.float32), _grads(3, np.float32)
    got = _run_dlcore(name, cfg, init, grads)
    tp = [torch.tensor(a, requires_grad=True) for a in init]
    topt = getattr(torch.optim, name)(tp, **cfg)
    for gs in grads:
        for p, g in zip(tp, gs):
            p.grad = torch.tensor(g)
        topt.step()
    want = [p.detach().numpy().astype(np.float64) for p in tp]
    assert _rel(got, want) < 1e-6


# ---- Eve ------------------------------------------------------------------------------------


def _eve_run(losses, cfg, dtype=np.float64, seed=4):
    init, grads = _init(seed, dtype), _grads(seed, dtype)[: len(losses)]
    params = [nn.Parameter(Tensor(a.copy())) for a in init]
    opt = optim.Eve(params, **cfg)
    ds = []
    for gs, loss in zip(grads, losses):
        opt.zero_grad()
        for p, g in zip(params, gs):
            p.grad.data[...] = g
        opt.step(loss=loss)
        ds.append(opt.feedback["d"])
    return [p.data.copy() for p in params], ds, init, grads


def test_eve_matches_algorithm_1():
    rng = np.random.default_rng(7)
    losses = list(np.exp(rng.standard_normal(STEPS)) * np.linspace(5, 0.5, STEPS))
    cfg = dict(lr=1e-2, betas=(0.9, 0.999, 0.99), eps=1e-8, k=0.1, K=10.0)
    got, ds, init, grads = _eve_run(losses, cfg)
    ps = [a.copy() for a in init]
    sts = [{} for _ in ps]
    want_d = []
    fb = {}
    for gs, loss in zip(grads, losses):
        d = ref.eve_feedback_ref(fb, loss, 0.99, 0.1, 10.0)
        want_d.append(d)
        for p, g, st in zip(ps, gs, sts):
            ref.adam_ref(p, g, st, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, lr_divisor=d)
    np.testing.assert_allclose(ds, want_d, rtol=1e-14)
    assert len(set(np.round(ds, 6))) > 10  # the feedback really varied
    assert _rel(got, ps) < 1e-12


def test_eve_via_full_reference():
    losses = [3.0, 2.5, 2.7, 1.0, 1.0, 0.2, 5.0, 0.01]
    got, _, init, grads = _eve_run(losses, dict(lr=1e-2))
    ps = [a.copy() for a in init]
    sts = [{} for _ in ps]
    fbs = {}
    for gs, loss in zip(grads, losses):
        d = ref.eve_feedback_ref(fbs, loss)
        for p, g, st in zip(ps, gs, sts):
            ref.adam_ref(p, g, st, lr=1e-2, lr_divisor=d)
    assert _rel(got, ps) < 1e-12


def test_eve_constant_loss_closed_form_and_adam():
    """Constant loss: r_t = k every step, so d_t = b3^(t-1) + (1 - b3^(t-1)) k, and Eve is Adam
    with lr / d_t. With beta3 = 1, d stays 1 and Eve equals Adam (to rounding)."""
    n = 30
    _got, ds, init, grads = _eve_run([2.0] * n, dict(lr=1e-2, betas=(0.9, 0.999, 0.999)))
    want_d = [0.999 ** (t - 1) + (1 - 0.999 ** (t - 1)) * 0.1 for t in range(1, n + 1)]
    np.testing.assert_allclose(ds, want_d, rtol=1e-12)
    eve1, ds1, init, grads = _eve_run([2.0] * n, dict(lr=1e-2, betas=(0.9, 0.999, 1.0)))
    assert ds1 == [1.0] * n
    adam = _run_dlcore("Adam", dict(lr=1e-2), init, grads)
    assert _rel(eve1, adam) <= 1e-7


def test_eve_closure_and_errors():
    p = nn.Parameter(Tensor(np.array([1.0, -2.0], np.float32)))
    opt = optim.Eve([p], lr=0.1)
    before = p.data.copy()
    with pytest.raises(TypeError, match="needs the loss"):
        opt.step()
    with pytest.raises(ValueError, match=">= 0"):
        opt.step(loss=-0.5)
    with pytest.raises(ValueError, match="finite"):
        opt.step(loss=float("nan"))
    np.testing.assert_array_equal(p.data, before)
    assert opt.state[0] == {} and opt.feedback["f_hat"] is None

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    for _ in range(3):
        loss = opt.step(closure)
    assert float(loss) < 5.0 and opt.state[0]["step"] == 3
    with pytest.raises(ValueError, match="invalid K"):
        optim.Eve([nn.Parameter(Tensor(np.ones(2, np.float32)))], k=0.5, K=0.1)


# ---- bookkeeping ------------------------------------------------------------------------------


def test_one_kernel_call_per_group_and_views():
    m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = optim.Adam(m.parameters(), lr=1e-2)
    flat = opt._flat[0]
    for p in m.parameters():
        assert np.shares_memory(p.data, flat["data"])
        assert np.shares_memory(p.grad.data, flat["grad"])
    x = dlcore.randn(5, 4)
    loss = (m(x) * m(x)).mean()
    loss.backward()
    g = np.concatenate([p.grad.data.ravel() for p in m.parameters()])
    np.testing.assert_array_equal(g, flat["grad"])
    opt.step()
    opt.zero_grad()
    assert not flat["grad"].any()


def test_module_zero_grad_none_and_unused_param_skipped():
    """Module.zero_grad() sets grads to None; backward then makes fresh arrays that step() copies
    in. A parameter that got no grad is left untouched, as torch.optim does."""
    torch = pytest.importorskip("torch")
    a = nn.Parameter(Tensor(np.array([1.0, 2.0], np.float32)))
    b = nn.Parameter(Tensor(np.array([3.0], np.float32)))
    opt = optim.Adam([a, b], lr=0.1)
    ta, tb = (torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0], requires_grad=True))
    topt = torch.optim.Adam([ta, tb], lr=0.1)
    for t in range(6):
        a.grad = b.grad = None
        ta.grad = tb.grad = None
        use_b = t < 2
        loss = (a * a).sum() + ((b * b).sum() if use_b else 0.0)
        loss.backward()
        tl = (ta * ta).sum() + ((tb * tb).sum() if use_b else 0.0)
        tl.backward()
        opt.step()
        topt.step()
    np.testing.assert_allclose(a.data, ta.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(b.data, tb.detach().numpy(), rtol=1e-6)


def test_param_groups_and_per_group_lr():
    a = nn.Parameter(Tensor(np.ones(3, np.float32)))
    b = nn.Parameter(Tensor(np.ones(2, np.float64)))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad.data[...] = 1.0
    b.grad.data[...] = 1.0
    opt.step()
    np.testing.assert_allclose(a.data, 0.9, rtol=1e-7)
    np.testing.assert_allclose(b.data, 0.5)
    assert a.dtype == np.float32 and b.dtype == np.float64


@pytest.mark.parametrize(
    "name,cfg",
    [
        ("SGD", dict(lr=0.1, momentum=0.9)),
        ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.1)),
        ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
        ("Adam", dict(lr=0.01, amsgrad=True)),
        ("AdamW", dict(lr=0.01)),
        ("Eve", dict(lr=0.01)),
    ],
)
def test_state_dict_resume_is_bit_identical(name, cfg):
    init, grads = _init(5, np.float32), _grads(5, np.float32)[:20]

    def run(params, opt, gs):
        for k, g_list in enumerate(gs):
            opt.zero_grad()
            for p, g in zip(params, g_list):
                p.grad.data[...] = g
            opt.step(loss=1.0 + 0.1 * math.sin(k)) if name == "Eve" else opt.step()

    p1 = [nn.Parameter(Tensor(a.copy())) for a in init]
    o1 = getattr(optim, name)(p1, **cfg)
    run(p1, o1, grads)
    p2 = [nn.Parameter(Tensor(a.copy())) for a in init]
    o2 = getattr(optim, name)(p2, **cfg)
    run(p2, o2, grads[:10])
    sd = o2.state_dict()
    saved = [p.data.copy() for p in p2]
    p3 = [nn.Parameter(Tensor(a)) for a in saved]
    o3 = getattr(optim, name)(p3, **{**cfg, "lr": 123.0})
    o3.load_state_dict(sd)
    assert o3.param_groups[0]["lr"] == cfg["lr"]
    # resumed across two "epochs" with different sin phases: replay the same loss sequence
    for k, g_list in enumerate(grads[10:], start=10):
        o3.zero_grad()
        for p, g in zip(p3, g_list):
            p.grad.data[...] = g
        o3.step(loss=1.0 + 0.1 * math.sin(k)) if name == "Eve" else o3.step()
    for a, b in zip(p1, p3):
        np.testing.assert_array_equal(a.data, b.data)


def test_load_state_dict_mismatch_changes_nothing():
    a = nn.Parameter(Tensor(np.ones((2, 3), np.float32)))
    opt = optim.Adam([a], lr=0.1)
    a.grad.data[...] = 1
    opt.step()
    sd_before = opt.state_dict()
    other = optim.Adam([nn.Parameter(Tensor(np.ones((3, 3), np.float32)))], lr=0.5)
    with pytest.raises(ValueError, match="parameter shapes"):
        opt.load_state_dict(other.state_dict())
    with pytest.raises(ValueError, match="unknown hyperparameters"):
        opt.load_state_dict(
            optim.SGD([nn.Parameter(Tensor(np.ones((2, 3), np.float32)))], lr=0.5, momentum=0.9).state_dict()
        )
    with pytest.raises(ValueError, match="param groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    after = opt.state_dict()
    assert after["param_groups"] == sd_before["param_groups"]
    np.testing.assert_array_equal(after["state"][0]["exp_avg"], sd_before["state"][0]["exp_avg"])


@pytest.mark.parametrize(
    "ctor,match",
    [
        (lambda p: optim.SGD(p, lr=-0.1), "invalid lr"),
        (lambda p: optim.SGD(p, lr=float("nan")), "invalid lr"),
        (lambda p: optim.SGD(p, momentum=-0.5), "invalid momentum"),
        (lambda p: optim.SGD(p, nesterov=True), "nesterov"),
        (lambda p: optim.SGD(p, weight_decay=-1), "invalid weight_decay"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "beta parameter at index 0"),
        (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "beta parameter at index 1"),
        (lambda p: optim.Adam(p, betas=(0.9,)), "invalid betas"),
        (lambda p: optim.AdamW(p, eps=-1e-8), "invalid eps"),
        (lambda p: optim.Adagrad(p, lr_decay=-1), "invalid lr_decay"),
        (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "initial_accumulator_value"),
        (lambda p: optim.RMSprop(p, alpha=1.5), "invalid alpha"),
        (lambda p: optim.RMSprop(p, momentum=-0.1), "invalid momentum"),
        (lambda p: optim.Eve(p, betas=(0.9, 0.999, 1.5)), "beta parameter at index 2"),
        (lambda p: optim.SGD([{"params": p, "lr": 0.1, "bogus": 1}]), "unknown hyperparameter"),
    ],
)
def test_bad_hyperparameters(ctor, match):
    p = [nn.Parameter(Tensor(np.ones(3, np.float32)))]
    before = p[0].data
    with pytest.raises(ValueError, match=match):
        ctor(p)
    assert p[0].data is before  # nothing re-linked


def test_bad_params():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    p = nn.Parameter(Tensor(np.ones(3, np.float32)))
    with pytest.raises(ValueError, match="more than one group"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        optim.SGD([Tensor(np.ones(2, np.float32))], lr=0.1)
    with pytest.raises(TypeError, match="share dtype"):
        optim.SGD(
            [nn.Parameter(Tensor(np.ones(2, np.float32))), nn.Parameter(Tensor(np.ones(2, np.float64)))],
            lr=0.1,
        )


def test_eve_through_fit():
    """dlcore.train.fit passes the loss to Eve (needs_loss); the result equals a manual loop."""
    train = pytest.importorskip("dlcore.train")
    from dlcore.data import DataLoader, TensorDataset

    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)

    def make():
        dlcore.manual_seed(3)
        m = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))
        return m, optim.Eve(m.parameters(), lr=1e-2)

    m1, o1 = make()
    train.fit(
        m1, nn.CrossEntropyLoss(), o1, DataLoader(TensorDataset(x, y), batch_size=16), epochs=2, verbose=0
    )
    m2, o2 = make()
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(2):
        for i in range(0, 64, 16):
            o2.zero_grad()
            loss = loss_fn(m2(dlcore.tensor(x[i : i + 16])), dlcore.tensor(y[i : i + 16]))
            loss.backward()
            o2.step(loss=loss.item())
    assert o1.state[0]["step"] == 8 and o1.feedback["d"] != 1.0
    for a, b in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
