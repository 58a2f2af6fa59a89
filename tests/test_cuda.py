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
    backend.cuda.sgd_step(p_d.data.ptr, g_d.data.ptr, buf_d.data.ptr if momentum else 0, n, **kw)
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
