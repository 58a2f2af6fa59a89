"""The CPU log_softmax / cross_entropy kernels (backend.cpu) against float64 numpy references
(dlcore/reference.py).

Error is measured as |out - ref| / max(|ref|, 1) (backward: relative to max(sum|dy|, 1), the scale
of the row's terms). Budget: 1e-5 (float32), 1e-12 (float64).
"""

import numpy as np
import pytest

from dlcore import backend
from dlcore import reference as ref

K = backend.cpu
SHAPES = [(n, c) for n in (1, 7, 33, 257) for c in (1, 2, 10, 1000)]
TOL = {np.float32: 1e-5, np.float64: 1e-12}


def _logits(rng, n, c, dtype, scale=3.0):
    return (rng.standard_normal((n, c)) * scale).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,c", SHAPES)
def test_log_softmax_forward_backward(rng, n, c, dtype):
    x = _logits(rng, n, c, dtype)
    y = np.full_like(x, np.nan)
    K.log_softmax_forward(y, x)
    assert ref.rel_err(y, ref.log_softmax(x)) <= TOL[dtype]
    dy = rng.standard_normal((n, c)).astype(dtype)
    dx = np.full_like(x, np.nan)
    K.log_softmax_backward(dx, dy, y)
    expect = ref.log_softmax_backward(dy, ref.log_softmax(x))
    assert ref.rel_err(dx, expect, np.abs(dy).sum(axis=1, keepdims=True)) <= TOL[dtype]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,c", SHAPES)
def test_cross_entropy_forward_backward(rng, n, c, dtype):
    x = _logits(rng, n, c, dtype)
    t = rng.integers(0, c, size=n).astype(np.int64)
    loss, lp = np.full(n, np.nan, dtype), np.full_like(x, np.nan)
    K.cross_entropy_forward(loss, lp, x, t)
    rloss, rlp = ref.cross_entropy(x, t)
    assert ref.rel_err(lp, rlp) <= TOL[dtype]
    assert ref.rel_err(loss, rloss) <= TOL[dtype]
    dloss = rng.standard_normal(n).astype(dtype)
    d = np.full_like(x, np.nan)
    K.cross_entropy_backward(d, lp, t, dloss)
    assert ref.rel_err(d, ref.cross_entropy_backward(rlp, t, dloss), np.abs(dloss)[:, None]) <= TOL[dtype]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits(rng, dtype):
    n, c = 33, 10
    x = _logits(rng, n, c, dtype)
    x[0, 3] = 1e4  # one dominant class
    x[1, :] = -1e4  # all very negative: uniform
    x[2, :5] = 1e4  # ties at the top
    x[3, 1] = -np.inf  # masked class
    x[4, ::2] = -np.inf
    x[5, :] = x[5, :] - 1e4  # shifted row
    y = np.empty_like(x)
    K.log_softmax_forward(y, x)
    r = ref.log_softmax(x)
    assert np.isfinite(y[np.isfinite(x)]).all()
    assert (y[np.isneginf(x)] == -np.inf).all()
    np.testing.assert_allclose(y[1], np.full(c, -np.log(c)), rtol=1e-6)
    assert ref.rel_err(y, r) <= TOL[dtype]
    # backward: masked entries get exactly dy (their softmax is 0), everything stays finite
    dy = rng.standard_normal((n, c)).astype(dtype)
    dx = np.empty_like(x)
    K.log_softmax_backward(dx, dy, y)
    assert np.isfinite(dx).all()
    assert (
        ref.rel_err(dx, ref.log_softmax_backward(dy, r), np.abs(dy).sum(axis=1, keepdims=True)) <= TOL[dtype]
    )
    # cross-entropy with targets on the dominant, uniform and masked classes
    t = rng.integers(0, c, size=n).astype(np.int64)
    t[0], t[3], t[4] = 3, 0, 1
    loss, lp = np.empty(n, dtype), np.empty_like(x)
    K.cross_entropy_forward(loss, lp, x, t)
    assert abs(loss[0]) < 1e-6
    np.testing.assert_allclose(loss[1], np.log(c), rtol=1e-6)
    assert ref.rel_err(loss, ref.cross_entropy(x, t)[0]) <= TOL[dtype]
    d = np.empty_like(x)
    K.cross_entropy_backward(d, lp, t, np.ones(n, dtype))
    assert np.isfinite(d).all()
    np.testing.assert_allclose(d.sum(axis=1), 0.0, atol=1e-5)  # softmax rows sum to one


def test_target_on_masked_class_gives_inf_loss():
    x = np.array([[0.0, -np.inf, 1.0]], dtype=np.float32)
    loss, lp = np.empty(1, np.float32), np.empty_like(x)
    K.cross_entropy_forward(loss, lp, x, np.array([1], np.int64))
    assert loss[0] == np.inf


def test_nan_propagates():
    x = np.array([[0.0, np.nan, 1.0], [1.0, 2.0, 3.0]])
    y = np.empty_like(x)
    K.log_softmax_forward(y, x)
    assert np.isnan(y[0]).all() and np.isfinite(y[1]).all()


def test_in_place_log_softmax(rng):
    x = _logits(rng, 7, 33, np.float64)
    expect = ref.log_softmax(x)
    K.log_softmax_forward(x, x)
    assert ref.rel_err(x, expect, 10.0) <= 1e-12


# ---- bad inputs: clear errors, nothing written ---------------------------------------------


def _sentinel(shape, dtype=np.float32):
    return np.full(shape, 7.0, dtype)


@pytest.mark.parametrize("bad", [np.int64, np.float16, np.int32])
def test_log_softmax_wrong_dtype(bad):
    x = np.ones((3, 4), bad)
    with pytest.raises(TypeError, match=r"\[log_softmax_forward\] x must be float32 or float64"):
        K.log_softmax_forward(np.empty((3, 4), bad), x)


def test_log_softmax_mixed_dtypes():
    out = _sentinel((3, 4), np.float64)
    with pytest.raises(TypeError, match="same dtype"):
        K.log_softmax_forward(out, np.ones((3, 4), np.float32))
    assert (out == 7).all()


def test_log_softmax_non_contiguous_and_shapes():
    x = np.ones((4, 6), np.float32)
    out = _sentinel((4, 3))
    with pytest.raises(ValueError, match=r"\[log_softmax_forward\] x must be C-contiguous"):
        K.log_softmax_forward(out, x[:, ::2])
    with pytest.raises(ValueError, match=r"out must be C-contiguous"):
        K.log_softmax_forward(_sentinel((4, 12))[:, ::2], x[:, :3].copy())
    with pytest.raises(ValueError, match=r"out \(4, 3\) must have the shape of x \(4, 6\)"):
        K.log_softmax_forward(out, x)
    with pytest.raises(ValueError, match=r"x must be 2-D, got shape \(24,\)"):
        K.log_softmax_forward(np.empty(24, np.float32), x.ravel())
    assert (out == 7).all()
    ro = _sentinel((4, 6))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        K.log_softmax_forward(ro, x)
    with pytest.raises(ValueError, match=r"\[log_softmax_backward\]"):
        K.log_softmax_backward(_sentinel((4, 6)), x, np.ones((4, 5), np.float32))


def test_cross_entropy_out_of_range_targets_write_nothing():
    x = np.zeros((3, 4), np.float32)
    for bad in ([0, 4, 1], [0, -1, 1]):
        loss, lp = _sentinel(3), _sentinel((3, 4))
        with pytest.raises(ValueError, match=r"\[cross_entropy_forward\] target .* out of range \[0, 4\)"):
            K.cross_entropy_forward(loss, lp, x, np.array(bad, np.int64))
        assert (loss == 7).all() and (lp == 7).all()
        d = _sentinel((3, 4))
        with pytest.raises(ValueError, match=r"\[cross_entropy_backward\] target"):
            K.cross_entropy_backward(d, x, np.array(bad, np.int64), np.ones(3, np.float32))
        assert (d == 7).all()


def test_cross_entropy_bad_arguments():
    x = np.zeros((3, 4), np.float32)
    loss, lp = _sentinel(3), _sentinel((3, 4))
    with pytest.raises(TypeError, match="targets must be int64"):
        K.cross_entropy_forward(loss, lp, x, np.array([0, 1, 2], np.int32))
    with pytest.raises(ValueError, match=r"targets \(2,\) must have one entry per row"):
        K.cross_entropy_forward(loss, lp, x, np.array([0, 1], np.int64))
    with pytest.raises(ValueError, match=r"loss must have 3 elements"):
        K.cross_entropy_forward(_sentinel(2), lp, x, np.array([0, 1, 2], np.int64))
    with pytest.raises(TypeError, match="same dtype"):
        K.cross_entropy_forward(_sentinel(3, np.float64), lp, x, np.array([0, 1, 2], np.int64))
    with pytest.raises(ValueError, match="at least one class"):
        K.cross_entropy_forward(
            _sentinel(3), _sentinel((3, 0)), np.zeros((3, 0), np.float32), np.array([0, 0, 0], np.int64)
        )
    with pytest.raises(ValueError, match="targets must be C-contiguous"):
        K.cross_entropy_forward(loss, lp, x, np.array([0, 9, 1, 9, 2, 9], np.int64)[::2])
    assert (loss == 7).all() and (lp == 7).all()
    d = _sentinel((3, 4))
    with pytest.raises(TypeError, match="same dtype"):
        K.cross_entropy_backward(d, x, np.array([0, 1, 2], np.int64), np.ones(3, np.float64))
    with pytest.raises(ValueError, match="dloss must have 3 elements"):
        K.cross_entropy_backward(d, x, np.array([0, 1, 2], np.int64), np.ones(4, np.float32))
    assert (d == 7).all()


# ---- the same kernels through the Python ops (float32, axis moved, (N, C, d) targets) ------------


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_log_softmax_op_float32(rng, dim):
    import dlcore
    import dlcore.nn.functional as F

    x = (rng.standard_normal((7, 33, 10)) * 3).astype(np.float32)
    t = dlcore.tensor(x, requires_grad=True)
    y = F.log_softmax(t, dim)
    assert y.dtype == np.float32
    assert ref.rel_err(y.numpy(), ref.log_softmax(x, dim)) <= 1e-5
    g = rng.standard_normal(x.shape).astype(np.float32)
    y.backward(g)
    gm, ym = np.moveaxis(g, dim, -1), np.moveaxis(ref.log_softmax(x, dim), dim, -1)
    expect = np.moveaxis(ref.log_softmax_backward(gm, ym), -1, dim)
    assert ref.rel_err(t.grad.numpy(), expect, np.abs(gm).sum(-1, keepdims=True).max()) <= 1e-5


def test_cross_entropy_op_float32(rng):
    import dlcore
    import dlcore.nn.functional as F

    x = (rng.standard_normal((33, 10, 7)) * 3).astype(np.float32)
    tg = rng.integers(0, 10, size=(33, 7))
    t = dlcore.tensor(x, requires_grad=True)
    loss = F.cross_entropy(t, dlcore.tensor(tg), reduction="sum")
    x2 = np.moveaxis(x, 1, -1).reshape(-1, 10)
    rl, rlp = ref.cross_entropy(x2, tg.reshape(-1))
    assert loss.dtype == np.float32 and ref.rel_err(loss.item(), rl.sum()) <= 1e-5
    loss.backward()
    d = ref.cross_entropy_backward(rlp, tg.reshape(-1), np.ones(x2.shape[0]))
    assert ref.rel_err(t.grad.numpy(), np.moveaxis(d.reshape(33, 7, 10), -1, 1)) <= 1e-5
