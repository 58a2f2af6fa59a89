"""CUDA build checks. Without a CUDA build or device the device tests skip; the build-level
contract (a CUDA build imports and reports no device on a machine without one) always runs."""

import numpy as np
import pytest

import dlcore
from dlcore import backend

needs_device = pytest.mark.skipif(not dlcore.cuda.is_available(), reason="no CUDA device / CuPy")


def test_cuda_reports_consistently():
    assert dlcore.cuda.is_built() == dlcore.info()["cuda"]
    assert dlcore.cuda.device_count() == dlcore.info()["cuda_devices"]
    if dlcore.cuda.device_count() == 0:
        assert not dlcore.cuda.is_available()
        with pytest.raises(RuntimeError, match="CUDA"):
            dlcore.zeros(3).to("cuda")


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("n", [1, 7, 1000, 257 * 1031])
@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_cuda_sgd_matches_cpu(n, momentum, nesterov):
    cp = backend.cupy()
    rng = np.random.default_rng(n)
    p, g = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    buf = rng.standard_normal(n).astype(np.float32)
    p_d, g_d, buf_d = cp.asarray(p), cp.asarray(g), cp.asarray(buf)
    kw = dict(lr=0.1, momentum=momentum, dampening=0.0, weight_decay=0.01, nesterov=nesterov)
    backend.cpu.sgd_step(p, g, buf if momentum else None, **kw)
    backend.kernels(p_d).sgd_step(p_d, g_d, buf_d if momentum else None, **kw)
    dlcore.cuda.synchronize()
    np.testing.assert_allclose(cp.asnumpy(p_d), p, rtol=1e-5, atol=1e-6)


@needs_device
@pytest.mark.cuda
def test_cuda_tensor_autograd_matches_cpu():
    x = np.random.default_rng(0).standard_normal((33, 17)).astype(np.float32)
    out = {}
    for dev in ("cpu", "cuda"):
        t = dlcore.tensor(x, device=dev, requires_grad=True)
        y = (t.tanh() @ t.T).log_softmax(dim=1).sum()
        y.backward()
        out[dev] = (y.item(), t.grad.numpy())
    np.testing.assert_allclose(out["cuda"][0], out["cpu"][0], rtol=1e-4)
    np.testing.assert_allclose(out["cuda"][1], out["cpu"][1], rtol=1e-4, atol=1e-5)


ADAM_VARIANTS = {
    "adam": dict(weight_decay=0.01),
    "adamw": dict(weight_decay=0.01, decoupled_weight_decay=True),
    "amsgrad": dict(amsgrad=True),
    "maximize": dict(maximize=True),
    "eve_divisor": dict(lr_divisor=2.5),
}


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("n", [1, 7, 1000, 257 * 1031])
@pytest.mark.parametrize("variant", sorted(ADAM_VARIANTS))
def test_cuda_adam_kernel_matches_cpu(n, variant):
    """Four steps of the CUDA Adam kernel against the CPU kernel from Adam's zero state: params
    and both moments. (Random moments with v << m^2 make the update ~30x lr and p its small
    difference: float32 rounding then shows as a 2e-4 relative mismatch in a few elements.)"""
    cp = backend.cupy()
    kw = ADAM_VARIANTS[variant]
    rng = np.random.default_rng(n)
    host = {"p": rng.standard_normal(n).astype(np.float32)}
    host.update({k: np.zeros(n, np.float32) for k in ("m", "v", "vmax")})
    dev = {k: cp.asarray(a) for k, a in host.items()}
    for step in range(1, 5):
        g = rng.standard_normal(n).astype(np.float32)
        g_d = cp.asarray(g)
        common = dict(step=step, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, **kw)
        backend.cpu.adam_step(
            host["p"], g, host["m"], host["v"], host["vmax"] if kw.get("amsgrad") else None, **common
        )
        backend.kernels(g_d).adam_step(
            dev["p"], g_d, dev["m"], dev["v"], dev["vmax"] if kw.get("amsgrad") else None, **common
        )
    dlcore.cuda.synchronize()
    for k in ("p", "m", "v") + (("vmax",) if kw.get("amsgrad") else ()):
        np.testing.assert_allclose(cp.asnumpy(dev[k]), host[k], rtol=2e-5, atol=1e-6, err_msg=k)


def _mlp(seed):
    dlcore.manual_seed(seed)
    return dlcore.nn.Sequential(dlcore.nn.Linear(20, 33), dlcore.nn.Tanh(), dlcore.nn.Linear(33, 5))


OPTIMIZERS = {
    "sgd_nesterov": lambda ps: dlcore.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda ps: dlcore.optim.Adam(ps, lr=1e-2),
    "adamw_amsgrad": lambda ps: dlcore.optim.AdamW(ps, lr=1e-2, amsgrad=True),
    "eve": lambda ps: dlcore.optim.Eve(ps, lr=1e-2),
}


def _train(device, opt_name, steps=5):
    """A few steps of an MLP with cross-entropy on `device`; the parameters as numpy arrays."""
    model = _mlp(0).to(device)
    opt = OPTIMIZERS[opt_name](model.parameters())
    rng = np.random.default_rng(1)
    for _ in range(steps):
        x = dlcore.tensor(rng.standard_normal((17, 20)).astype(np.float32), device=device)
        y = dlcore.tensor(rng.integers(0, 5, 17), device=device)
        loss = dlcore.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        if opt_name == "eve":
            opt.step(loss=loss)
        else:
            opt.step()
    return {k: v.numpy() for k, v in model.state_dict().items()}


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_cuda_training_matches_cpu(opt_name):
    cpu, gpu = _train("cpu", opt_name), _train("cuda", opt_name)
    assert cpu.keys() == gpu.keys()
    for k in cpu:
        np.testing.assert_allclose(gpu[k], cpu[k], rtol=1e-4, atol=1e-5, err_msg=k)


@needs_device
@pytest.mark.cuda
def test_cuda_ops_match_cpu():
    """Forward values and input gradients of the common ops on CUDA against the CPU."""
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4, 6, 7)).astype(np.float32)
    b = rng.standard_normal((7, 5)).astype(np.float32)
    c = rng.standard_normal((3, 1, 5, 7)).astype(np.float32)
    idx = np.array([0, 2, 2, 3])
    F = dlcore.nn.functional
    exprs = {
        "matmul_broadcast": lambda x, y, z: dlcore.matmul(z, dlcore.transpose(x, -1, -2)).sum(),
        "matmul_2d": lambda x, y, z: (x.reshape(24, 7) @ y).relu().sum(),
        "getitem_advanced": lambda x, y, z: (x[idx] * 2.0).sigmoid().sum(),
        "softmax_dim1": lambda x, y, z: (dlcore.softmax(x, dim=1) * x).sum(),
        "log_softmax": lambda x, y, z: dlcore.log_softmax(x, dim=-1).mean(),
        "reductions": lambda x, y, z: (
            x.amax(dim=2).sum() + x.max(dim=1).values.sum() + x.mean(dim=(0, 1)).sum()
        ),
        "cat_stack": lambda x, y, z: dlcore.stack([dlcore.cat([x, x * 3.0], dim=1)] * 2).exp().mean(),
        "mse": lambda x, y, z: F.mse_loss(x, x.tanh() * 0.5),
        "nll": lambda x, y, z: F.nll_loss(dlcore.log_softmax(x.reshape(24, 7), dim=1), np.arange(24) % 7),
        "where_clamp": lambda x, y, z: dlcore.where(x > 0, x.clamp(0.1, 0.9), x.abs().sqrt()).sum(),
    }
    for name, f in exprs.items():
        out = {}
        for dev in ("cpu", "cuda"):
            ts = [dlcore.tensor(v, device=dev, requires_grad=True) for v in (a, b, c)]
            y = f(*ts)
            y.backward()
            out[dev] = (y.item(), [t.grad.numpy() if t.grad is not None else None for t in ts])
        np.testing.assert_allclose(out["cuda"][0], out["cpu"][0], rtol=1e-4, err_msg=name)
        for gc, gg in zip(out["cpu"][1], out["cuda"][1]):
            assert (gc is None) == (gg is None), name
            if gc is not None:
                np.testing.assert_allclose(gg, gc, rtol=1e-4, atol=1e-5, err_msg=name)


@needs_device
@pytest.mark.cuda
def test_cuda_checkpoint_resumes_on_cpu(tmp_path):
    """A model and Adam trained on CUDA, saved, loaded into a CPU model and optimizer: one more
    step on each gives the same parameters."""
    from dlcore.checkpoint import load_checkpoint, save_checkpoint

    rng = np.random.default_rng(3)
    batches = [(rng.standard_normal((9, 20)).astype(np.float32), rng.integers(0, 5, 9)) for _ in range(3)]

    def step(model, opt, device, x, y):
        loss = dlcore.nn.functional.cross_entropy(
            model(dlcore.tensor(x, device=device)), dlcore.tensor(y, device=device)
        )
        opt.zero_grad()
        loss.backward()
        opt.step()

    gpu = _mlp(0).to("cuda")
    opt_g = dlcore.optim.Adam(gpu.parameters(), lr=1e-2)
    for x, y in batches[:2]:
        step(gpu, opt_g, "cuda", x, y)
    save_checkpoint(tmp_path / "ck.dlc", gpu, opt_g, epoch=2)
    cpu = _mlp(5)
    opt_c = dlcore.optim.Adam(cpu.parameters(), lr=1e-2)
    assert load_checkpoint(tmp_path / "ck.dlc", cpu, opt_c)["epoch"] == 2
    step(gpu, opt_g, "cuda", *batches[2])
    step(cpu, opt_c, "cpu", *batches[2])
    for k, v in cpu.state_dict().items():
        np.testing.assert_allclose(gpu.state_dict()[k].numpy(), v.numpy(), rtol=1e-4, atol=1e-6, err_msg=k)


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize(
    "make",
    [
        lambda ps: dlcore.optim.Adagrad(ps, lr=0.1),
        lambda ps: dlcore.optim.RMSprop(ps, lr=0.1),
    ],
)
def test_cuda_optimizer_without_kernel_refuses_at_construction(make):
    model = _mlp(0).to("cuda")
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(NotImplementedError, match="CUDA"):
        make(model.parameters())
    for p, b in zip(model.parameters(), before):
        assert p.data is not None and bool((p.data == b).all())


@needs_device
@pytest.mark.cuda
def test_cuda_float64_parameters_refused_at_construction():
    model = _mlp(0).to("cuda").double()
    with pytest.raises(TypeError, match="float32"):
        dlcore.optim.Adam(model.parameters())
