"""nn.Residual and nn.Highway beyond the op table (tests/op_table/blocks.py): construction,
initialisation, state_dict names, dtype and train/eval propagation."""

import numpy as np
import pytest

import dlcore
from dlcore import nn


def test_highway_int_builds_linear_relu_and_a_gate_biased_to_gate_bias():
    dlcore.manual_seed(0)
    h = nn.Highway(6)
    assert list(h.state_dict()) == ["transform.0.weight", "transform.0.bias", "gate.weight", "gate.bias"]
    assert isinstance(h.transform[0], nn.Linear) and isinstance(h.transform[1], nn.ReLU)
    np.testing.assert_array_equal(h.gate.bias.numpy(), np.full(6, -2.0, np.float32))
    assert np.all(h.gate.weight.numpy() != 0)
    np.testing.assert_array_equal(nn.Highway(3, gate_bias=1.5).gate.bias.numpy(), [1.5] * 3)


def test_highway_with_closed_gate_is_close_to_the_identity():
    """gate bias -30 and zero gate weights: T = sigmoid(-30) ~ 1e-13, so y = x up to ~1e-12."""
    h = nn.Highway(4, gate_bias=-30.0, dtype=np.float64)
    h.gate.weight.data[...] = 0.0
    x = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_allclose(h(dlcore.from_numpy(x)).numpy(), x, atol=1e-11)


def test_highway_reads_features_and_dtype_from_H():
    h = nn.Highway(nn.Sequential(nn.Linear(5, 5, dtype=np.float64), nn.Tanh()), gate_bias=0.0)
    assert h.features == 5 and h.gate.weight.dtype == np.float64
    assert nn.Highway(nn.Linear(3, 3)).features == 3
    assert nn.Highway(nn.Tanh(), features=2).gate.weight.shape == (2, 2)
    with pytest.raises(ValueError, match="Highway: the width of Linear"):
        nn.Highway(nn.Linear(3, 3), features=4)


def test_residual_scale_zero_is_the_identity_and_gradients_reach_the_block():
    block = nn.Linear(3, 3, dtype=np.float64)
    r = nn.Residual(block, scale=0.0)
    x = dlcore.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = r(x)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(block.weight.grad.numpy(), np.zeros((3, 3)))


def test_residual_passes_train_and_eval_to_its_block():
    r = nn.Residual(nn.Dropout(0.5), scale=1.0)
    x = dlcore.ones(1000)
    r.eval()
    np.testing.assert_array_equal(r(x).numpy(), np.full(1000, 2.0, np.float32))
    r.train()
    assert set(np.unique(r(x).numpy())) == {1.0, 3.0}


def test_residual_stack_state_dict_round_trip():
    net = nn.Sequential(*(nn.Residual(nn.Sequential(nn.Linear(4, 4), nn.ReLU()), 0.5) for _ in range(3)))
    names = list(net.state_dict())
    assert names[:2] == ["0.block.0.weight", "0.block.0.bias"] and len(names) == 6
    other = nn.Sequential(*(nn.Residual(nn.Sequential(nn.Linear(4, 4), nn.ReLU()), 0.5) for _ in range(3)))
    other.load_state_dict(net.state_dict())
    x = dlcore.randn(2, 4)
    np.testing.assert_array_equal(other(x).numpy(), net(x).numpy())
    assert "scale=0.5" in repr(net)
