"""Ops reach dlcore's kernels only through backend.kernels(x), chosen by dtype: float32/float64
arrays call the namespace's gemm / log_softmax / cross_entropy, other dtypes the array module."""

import numpy as np
import pytest

import dlcore
import dlcore.nn.functional as F
from dlcore import backend


@pytest.fixture
def kernel_calls(monkeypatch):
    """Names of the kernel-namespace functions called, in order (the real kernels still run)."""
    calls, real = [], backend.kernels

    class Recorder:
        def __init__(self, ns):
            self.ns = ns

        def __getattr__(self, name):
            fn = getattr(self.ns, name)

            def call(*args, **kwargs):
                calls.append(name)
                return fn(*args, **kwargs)

            return call

    monkeypatch.setattr(backend, "kernels", lambda x: Recorder(real(x)))
    return calls


def _leaf(shape, dtype, rng):
    return dlcore.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_ops_call_the_kernels_forward_and_backward(kernel_calls, dtype):
    rng = np.random.default_rng(3)
    a, b = _leaf((5, 7), dtype, rng), _leaf((7, 3), dtype, rng)
    (a @ b).sum().backward()
    assert kernel_calls == ["gemm"] * 3  # forward, d/da, d/db
    kernel_calls.clear()
    w, bias = _leaf((4, 7), dtype, rng), _leaf((4,), dtype, rng)
    F.linear(a, w, bias).sum().backward()
    assert kernel_calls == ["gemm"] * 3
    kernel_calls.clear()
    F.log_softmax(a, dim=1).sum().backward()
    assert kernel_calls == ["log_softmax_forward", "log_softmax_backward"]
    kernel_calls.clear()
    F.cross_entropy(a, dlcore.tensor(np.array([0, 6, 2, 3, 1]))).backward()
    assert kernel_calls == ["cross_entropy_forward", "cross_entropy_backward"]


def test_other_dtypes_use_the_array_module_and_match_numpy(kernel_calls):
    rng = np.random.default_rng(4)
    ai, bi = rng.integers(-5, 5, (4, 6)), rng.integers(-5, 5, (6, 2))
    np.testing.assert_array_equal((dlcore.tensor(ai) @ dlcore.tensor(bi)).numpy(), ai @ bi)
    x = rng.standard_normal((3, 5)).astype(np.float16)
    y = F.log_softmax(dlcore.tensor(x), dim=1).numpy()
    x64 = x.astype(np.float64)
    ref = x64 - x64.max(1, keepdims=True)
    ref -= np.log(np.exp(ref).sum(1, keepdims=True))
    np.testing.assert_allclose(y.astype(np.float64), ref, rtol=0, atol=1e-2)  # float16 resolution
    assert kernel_calls == []
