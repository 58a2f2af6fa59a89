"""dlcore.nn.utils.clip_grad_norm_ / clip_grad_value_ against closed forms and torch."""

import math

import numpy as np
import pytest

from dlcore import nn, optim
from dlcore.nn.utils import clip_grad_norm_, clip_grad_value_
from dlcore.tensor import Tensor


def _params(seed, dtype=np.float32):
    rng = np.random.default_rng(seed)
    ps = []
    for s in [(7, 3), (5,), (1,), (33,)]:
        p = nn.Parameter(Tensor(rng.standard_normal(s).astype(dtype)))
        p.grad = Tensor(rng.standard_normal(s).astype(dtype) * 3)
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm(norm_type, max_norm):
    ps = _params(1)
    g = np.concatenate([p.grad.data.ravel().astype(np.float64) for p in ps])
    want_total = np.linalg.norm(g, ord=norm_type)
    before = [p.grad.data.copy() for p in ps]
    total = clip_grad_norm_(ps, max_norm, norm_type)
    assert total.shape == () and total.dtype == ps[0].grad.dtype
    assert float(total) == pytest.approx(want_total, rel=1e-6)
    coef = min(1.0, max_norm / (want_total + 1e-6))
    for p, b in zip(ps, before):
        np.testing.assert_allclose(p.grad.data, b * coef, rtol=1e-6)
    after = np.concatenate([p.grad.data.ravel().astype(np.float64) for p in ps])
    assert np.linalg.norm(after, ord=norm_type) <= max(max_norm, want_total) * (1 + 1e-6)


@pytest.mark.torch
def test_vs_torch():
    torch = pytest.importorskip("torch")
    ps = _params(2)
    tp = [torch.tensor(p.data.copy(), requires_grad=True) for p in ps]
    for t, p in zip(tp, ps):
        t.grad = torch.tensor(p.grad.data.copy())
    a = clip_grad_norm_(ps, 1.0)
    b = torch.nn.utils.clip_grad_norm_(tp, 1.0)
    assert float(a) == pytest.approx(float(b), rel=1e-6)
    for p, t in zip(ps, tp):
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-5, atol=1e-7)
    for t, p in zip(tp, ps):
        t.grad = torch.tensor(p.grad.data.copy())
    clip_grad_value_(ps, 0.05)
    torch.nn.utils.clip_grad_value_(tp, 0.05)
    for p, t in zip(ps, tp):
        np.testing.assert_array_equal(p.grad.data, t.grad.numpy())


def test_clip_value_and_flat_buffer_views():
    ps = _params(3)
    opt = optim.SGD(ps, lr=0.1)
    views = [p.grad.data for p in ps]
    clip_grad_value_(ps, 0.1)
    assert all(p.grad.data is v for p, v in zip(ps, views))
    assert np.abs(opt._flat[0]["grad"]).max() <= np.float32(0.1)
    clip_grad_norm_(ps, 0.01)
    assert np.linalg.norm(opt._flat[0]["grad"].astype(np.float64)) <= 0.01 * (1 + 1e-6)


def test_none_grads_and_errors():
    p = nn.Parameter(Tensor(np.ones(3, np.float32)))
    assert clip_grad_norm_([p], 1.0) == 0.0
    p.grad = Tensor(np.array([np.inf, 1, 1], np.float32))
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_([p], -1.0)
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_([p], -0.1)
