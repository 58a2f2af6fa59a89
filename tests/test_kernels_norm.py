"""The CPU batch-norm and GELU kernels (backend.cpu) against numpy references written here
(x viewed as (N, C, L): the statistics run over N and L). The batch-norm references compute in
np.longdouble (x86's 80-bit extended precision): at a large offset (1e4 +- 0.1) a float64
reference is itself off by ulp(1e4) / 0.1 = 2e-11; GELU's in float64.

Error is |out - ref| / max(|ref|, scale, 1) (dlcore.reference.rel_err); the backward's scale is
the size of its terms (|dy| * |weight| / std for dx, the sums of |dy| and |dy * xhat| for the
parameter gradients). Budget: 1e-5 (float32), 1e-12 (float64). Outputs are poisoned with nan
before each call, so a value the kernel did not write fails.
"""

import math

import numpy as np
import pytest

from dlcore import backend
from dlcore import reference as ref

K = backend.cpu
TOL = {np.float32: 1e-5, np.float64: 1e-12}
SHAPES = [
    (2, 1),
    (7, 5),
    (33, 300),  # BatchNorm1d on features: L = 1, many channels
    (3, 4, 1),
    (5, 3, 7),
    (2, 17, 33),
    (1, 2, 1000),
    (4, 3, 5, 6),
    (3, 2, 13, 11),
]
EMPTY = [(0, 3), (0, 3, 4), (2, 0, 5), (2, 3, 0), (0, 0)]
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _axes(x):
    return (0,) + tuple(range(2, x.ndim))


HI = np.longdouble


def _per_channel(v, x):
    return np.asarray(v, HI).reshape((1, -1) + (1,) * (x.ndim - 2))


def bn_forward_ref(x, weight, bias, eps):
    """y, batch mean and biased var."""
    x = np.asarray(x, HI)
    mean, var = x.mean(axis=_axes(x)), x.var(axis=_axes(x))
    y = (x - _per_channel(mean, x)) / np.sqrt(_per_channel(var, x) + eps)
    if weight is not None:
        y = y * _per_channel(weight, x)
    if bias is not None:
        y = y + _per_channel(bias, x)
    return y, mean, var


def bn_backward_ref(dy, x, weight, eps):
    """dx, dweight, dbias of the training-mode forward, dx's scale and the parameter gradients'."""
    dy, x = np.asarray(dy, HI), np.asarray(x, HI)
    m = x.size // x.shape[1] if x.shape[1] else 0
    mean, var = x.mean(axis=_axes(x)), x.var(axis=_axes(x))
    invstd = 1.0 / np.sqrt(var + eps)
    xhat = (x - _per_channel(mean, x)) * _per_channel(invstd, x)
    w = np.ones(x.shape[1], HI) if weight is None else np.asarray(weight, HI)
    dbias, dweight = dy.sum(axis=_axes(x)), (dy * xhat).sum(axis=_axes(x))
    mean_dy, mean_dyx = _per_channel(dbias / m, x), _per_channel(dweight / m, x)
    k = _per_channel(w * invstd, x)
    dx = (dy - mean_dy - xhat * mean_dyx) * k
    scale = np.abs(dy).max(initial=0) * np.abs(k).max(initial=0)
    sums = (np.abs(dy).sum(axis=_axes(x)), (np.abs(dy * xhat)).sum(axis=_axes(x)))
    return dx, dweight, dbias, scale, sums


def gelu_ref(x, approximate):
    x = np.asarray(x, np.float64)
    if approximate:
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def gelu_backward_ref(dy, x, approximate):
    dy, x = np.asarray(dy, np.float64), np.asarray(x, np.float64)
    if approximate:
        k = math.sqrt(2 / math.pi)
        t = np.tanh(k * (x + 0.044715 * x**3))
        return dy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x))
    return dy * (0.5 * (1 + _erf(x / math.sqrt(2))) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi))


def _nan(shape, dtype):
    return np.full(shape, np.nan, dtype)


def _params(rng, c, dtype, affine):
    if not affine:
        return None, None
    return (rng.standard_normal(c) * 2).astype(dtype), rng.standard_normal(c).astype(dtype)


def _run_forward(x, w, b, eps):
    y, mean, var = _nan(x.shape, x.dtype), _nan(x.shape[1], x.dtype), _nan(x.shape[1], x.dtype)
    K.batch_norm_forward(y, mean, var, x, w, b, eps)
    return y, mean, var


def _run_backward(dy, x, mean, var, w, eps, want_params=True):
    c = x.shape[1]
    dx = _nan(x.shape, x.dtype)
    dw, db = (_nan(c, x.dtype), _nan(c, x.dtype)) if want_params else (None, None)
    K.batch_norm_backward(dx, dw, db, dy, x, mean, var, w, eps)
    return dx, dw, db


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_forward_backward(rng, shape, dtype, affine):
    x = (
        rng.standard_normal(shape) * 3 + rng.standard_normal((1, shape[1]) + (1,) * (len(shape) - 2))
    ).astype(dtype)
    w, b = _params(rng, shape[1], dtype, affine)
    eps = 1e-5
    y, mean, var = _run_forward(x, w, b, eps)
    ry, rmean, rvar = bn_forward_ref(x, w, b, eps)
    assert ref.rel_err(mean, rmean) <= TOL[dtype]
    assert ref.rel_err(var, rvar) <= TOL[dtype]
    assert ref.rel_err(y, ry) <= TOL[dtype]
    dy = rng.standard_normal(shape).astype(dtype)
    dx, dw, db = _run_backward(dy, x, mean, var, w, eps)
    rdx, rdw, rdb, scale, (sdy, sdyx) = bn_backward_ref(dy, x, w, eps)
    assert ref.rel_err(dx, rdx, scale) <= TOL[dtype]
    assert ref.rel_err(db, rdb, sdy) <= TOL[dtype]
    assert ref.rel_err(dw, rdw, sdyx) <= TOL[dtype]
    dx2, _, _ = _run_backward(dy, x, mean, var, w, eps, want_params=False)
    np.testing.assert_array_equal(dx2, dx)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_inference(rng, shape, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    c = shape[1]
    mean, var = rng.standard_normal(c).astype(dtype), (rng.random(c) + 0.1).astype(dtype)
    w, b = _params(rng, c, dtype, True)
    for weight, bias in ((w, b), (None, None), (w, None)):
        y = _nan(shape, dtype)
        K.batch_norm_inference(y, x, mean, var, weight, bias, 1e-3)
        r = (x.astype(HI) - _per_channel(mean, x)) / np.sqrt(_per_channel(var, x) + 1e-3)
        r = r * (1 if weight is None else _per_channel(weight, x)) + (
            0 if bias is None else _per_channel(bias, x)
        )
        assert ref.rel_err(y, r) <= TOL[dtype]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(16, 3, 40), (200, 3), (16, 3, 5)])  # the three row paths
def test_batch_norm_large_offset(rng, dtype, shape):
    """Values 1e4 +- 0.1: a one-pass E[x^2] - E[x]^2 (or a mean rounded to float32 and then
    subtracted) loses most digits of the variance and of the normalized values; two passes in
    double and the rounding of the mean folded back in keep full accuracy."""
    x = (1e4 + 0.1 * rng.standard_normal(shape)).astype(dtype)
    w, b = _params(rng, 3, dtype, True)
    y, mean, var = _run_forward(x, w, b, 1e-5)
    ry, rmean, rvar = bn_forward_ref(x, w, b, 1e-5)
    assert ref.rel_err(mean, rmean) <= TOL[dtype]
    assert np.abs(var / rvar - 1).max() <= TOL[dtype]
    assert ref.rel_err(y, ry) <= 2 * TOL[dtype]
    dy = rng.standard_normal(shape).astype(dtype)
    dx, dw, db = _run_backward(dy, x, mean, var, w, 1e-5)
    rdx, rdw, rdb, scale, (sdy, sdyx) = bn_backward_ref(dy, x, w, 1e-5)
    assert ref.rel_err(dx, rdx, scale) <= 2 * TOL[dtype]
    assert ref.rel_err(dw, rdw, sdyx) <= 2 * TOL[dtype]
    assert ref.rel_err(db, rdb, sdy) <= TOL[dtype]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_constant_channel(dtype):
    """A constant channel has var 0: y = bias (xhat = 0), dx = 0 * ... stays finite with eps."""
    x = np.full((4, 2, 3), 2.5, dtype)
    x[:, 1] = np.arange(12, dtype=dtype).reshape(4, 3)
    w, b = np.array([3.0, 1.0], dtype), np.array([0.5, -1.0], dtype)
    y, mean, var = _run_forward(x, w, b, 1e-5)
    assert mean[0] == 2.5 and var[0] == 0
    np.testing.assert_array_equal(y[:, 0], 0.5)
    dx, dw, db = _run_backward(np.ones_like(x), x, mean, var, w, 1e-5)
    assert np.isfinite(dx).all() and np.abs(dx[:, 0]).max() == 0
    assert dw[0] == 0 and db[0] == 12


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_infinite_weight(dtype):
    """weight inf: y = +-inf by the sign of x - mean (the mean's rounding is not folded in as
    0 * inf = nan), 0 * inf = nan only where x is the mean."""
    x = np.array([[0.125], [-0.25], [1.0], [2.0]], dtype)
    y, _, _ = _run_forward(x, np.array([np.inf], dtype), np.zeros(1, dtype), 1e-5)
    np.testing.assert_array_equal(y[:, 0], [-np.inf, -np.inf, np.inf, np.inf])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", EMPTY)
def test_batch_norm_empty(rng, shape, dtype):
    """Zero-size N, C or L: nothing to normalize; an empty batch has nan statistics, zero
    parameter gradients (torch leaves the running stats alone: the op does not update them)."""
    c = shape[1]
    x = np.zeros(shape, dtype)
    w, b = _params(rng, c, dtype, True)
    y, mean, var = _run_forward(x, w, b, 1e-5)
    assert y.shape == shape
    if c and x.size == 0:
        assert np.isnan(mean).all() and np.isnan(var).all()
    dx, dw, db = _run_backward(np.zeros(shape, dtype), x, mean, var, w, 1e-5)
    assert dx.shape == shape
    np.testing.assert_array_equal(dw, 0)
    np.testing.assert_array_equal(db, 0)
    y2 = _nan(shape, dtype)
    K.batch_norm_inference(y2, x, np.zeros(c, dtype), np.ones(c, dtype), w, b, 1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("approximate", [False, True])
@pytest.mark.parametrize("shape", [(1,), (7,), (3, 5), (2, 3, 4, 5), (70001,), (0,), (0, 4), ()])
def test_gelu_forward_backward(rng, shape, dtype, approximate):
    x = np.asarray(rng.standard_normal(shape) * 3, dtype)
    y = _nan(shape, dtype)
    K.gelu_forward(y, x, approximate)
    assert ref.rel_err(y, gelu_ref(x, approximate)) <= TOL[dtype]
    dy = np.asarray(rng.standard_normal(shape), dtype)
    dx = _nan(shape, dtype)
    K.gelu_backward(dx, dy, x, approximate)
    assert ref.rel_err(dx, gelu_backward_ref(dy, x, approximate), np.abs(dy)) <= TOL[dtype]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("approximate", [False, True])
def test_gelu_tails(dtype, approximate):
    """Far tails: 0 (or -0) on the left, x on the right, slopes 0 and 1; inf and nan as torch
    (gelu(-inf) and the slope at +-inf are nan: inf * 0)."""
    x = np.array([-40.0, -10.0, 10.0, 40.0, 0.0, np.inf, -np.inf, np.nan], dtype)
    y, dx = np.empty_like(x), np.empty_like(x)
    K.gelu_forward(y, x, approximate)
    K.gelu_backward(dx, np.ones_like(x), x, approximate)
    np.testing.assert_array_equal(y[[0, 3, 4, 5]], [0.0, 40.0, 0.0, np.inf])
    assert abs(y[1]) < 1e-20 and y[2] == 10.0
    np.testing.assert_array_equal(dx[[0, 3, 4]], [0.0, 1.0, 0.5])
    assert np.isnan(y[[6, 7]]).all() and np.isnan(dx[[5, 6, 7]]).all()


# ---- binding checks beyond tests/test_bindings.py's bad arrays ---------------------------------


def test_batch_norm_binding_shapes_and_overlap():
    x = np.zeros((4, 3, 5), np.float32)
    y, c = np.zeros_like(x), np.zeros(3, np.float32)
    with pytest.raises(
        ValueError, match=r"\[batch_norm_forward\] x must be \(N, C, \*\) with at least 2 axes"
    ):
        K.batch_norm_forward(np.zeros(4, np.float32), c, c.copy(), np.zeros(4, np.float32), None, None, 1e-5)
    with pytest.raises(
        ValueError,
        match=r"\[batch_norm_forward\] weight must have shape \(3,\) for x \(4, 3, 5\), got \(4,\)",
    ):
        K.batch_norm_forward(y, c, c.copy(), x, np.ones(4, np.float32), None, 1e-5)
    with pytest.raises(ValueError, match=r"\[batch_norm_forward\] mean must not overlap var"):
        K.batch_norm_forward(y, c, c, x, None, None, 1e-5)
    with pytest.raises(ValueError, match=r"\[batch_norm_forward\] y must not overlap x"):
        K.batch_norm_forward(x, c, c.copy(), x, None, None, 1e-5)
    with pytest.raises(ValueError, match=r"\[batch_norm_backward\] dx must not overlap dy"):
        K.batch_norm_backward(y, None, None, y, x, c, c.copy() + 1, None, 1e-5)
    with pytest.raises(ValueError, match=r"\[gelu_backward\] dx must not overlap dy"):
        K.gelu_backward(y, y, x, False)
    with pytest.raises(TypeError, match=r"\[gelu_backward\] dy must be a numpy array, got NoneType"):
        K.gelu_backward(y, None, x, False)
    with pytest.raises(
        ValueError, match=r"\[batch_norm_inference\] y \(4, 15\) must have the shape of x \(4, 3, 5\)"
    ):
        K.batch_norm_inference(y.reshape(4, 15), x, c, c + 1, None, None, 1e-5)
    assert not y.any() and not c.any()
