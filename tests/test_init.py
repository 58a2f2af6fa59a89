"""dlcore.nn.init: empirical variance of each initialiser within 5% of its formula on 512x512,
orthogonality, reproducibility under manual_seed, and errors."""

import math

import numpy as np
import pytest

import dlcore
from dlcore.nn import init
from dlcore.tensor import Tensor


def _t(*shape, dtype=np.float32):
    return Tensor(np.full(shape, 7.0, dtype))


@pytest.mark.parametrize(
    "fn,kw,var",
    [
        (init.xavier_uniform_, {}, 2.0 / (512 + 256)),
        (init.xavier_normal_, {"gain": 2.0}, 4.0 * 2.0 / (512 + 256)),
        (init.kaiming_uniform_, {"nonlinearity": "relu"}, 2.0 / 256),
        (init.kaiming_normal_, {"nonlinearity": "relu", "mode": "fan_out"}, 2.0 / 512),
        (init.kaiming_normal_, {"a": 0.2}, 2.0 / (1 + 0.04) / 256),
        (init.normal_, {"std": 0.3}, 0.09),
        (init.uniform_, {"a": -1.0, "b": 1.0}, 1.0 / 3),
    ],
)
def test_variance(fn, kw, var):
    dlcore.manual_seed(0)
    w = fn(_t(512, 256), **kw)
    assert abs(w.data.astype(np.float64).var() / var - 1) < 0.05
    assert abs(w.data.mean()) < 0.05 * math.sqrt(var)


def test_variance_512_square_and_conv_fans():
    dlcore.manual_seed(1)
    w = init.kaiming_normal_(_t(512, 512), nonlinearity="relu")
    assert abs(w.data.var() / (2.0 / 512) - 1) < 0.05
    c = init.xavier_uniform_(_t(64, 32, 3, 3))
    assert abs(c.data.var() / (2.0 / (32 * 9 + 64 * 9)) - 1) < 0.05


@pytest.mark.parametrize("shape", [(512, 512), (300, 100), (100, 300), (16, 8, 3, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_orthogonal(shape, dtype):
    dlcore.manual_seed(2)
    w = init.orthogonal_(_t(*shape, dtype=dtype)).data.reshape(shape[0], -1).astype(np.float64)
    small = min(w.shape)
    gram = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
    assert np.abs(gram - np.eye(small)).max() < 1e-5
    g = init.orthogonal_(_t(*shape, dtype=dtype), gain=2.0).data.reshape(shape[0], -1)
    assert np.allclose(np.linalg.norm(g.astype(np.float64), axis=int(w.shape[0] < w.shape[1])), 2.0)


def test_constants_and_seed():
    assert (init.zeros_(_t(3, 4)).data == 0).all()
    assert (init.ones_(_t(5)).data == 1).all()
    assert (init.constant_(_t(2, 2), 0.25).data == 0.25).all()
    assert (init.eye_(_t(3, 4)).data == np.eye(3, 4)).all()
    dlcore.manual_seed(42)
    a = init.kaiming_uniform_(_t(33, 7)).data.copy()
    dlcore.manual_seed(42)
    b = init.kaiming_uniform_(_t(33, 7)).data.copy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, init.kaiming_uniform_(_t(33, 7)).data)


def test_in_place_keeps_storage():
    t = _t(4, 4)
    storage = t.data
    init.xavier_normal_(t)
    assert t.data is storage and t.dtype == np.float32


def test_gains():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    torch = pytest.importorskip("torch")
    for nl in ["linear", "sigmoid", "tanh", "relu", "selu"]:
        assert init.calculate_gain(nl) == pytest.approx(torch.nn.init.calculate_gain(nl))


def test_errors():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(_t(5))
    with pytest.raises(ValueError, match="mode must be"):
        init.kaiming_normal_(_t(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.kaiming_normal_(_t(3, 3), nonlinearity="swish")
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(_t(4))
    with pytest.raises(TypeError, match="dlcore Tensor"):
        init.zeros_(np.ones(3))
