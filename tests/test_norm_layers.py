"""Train/eval behaviour of the normalization and channel-dropout layers against torch:
running statistics after several steps, eval with them, momentum=None (cumulative average),
state_dict round trips with torch's BatchNorm, refused inputs that change nothing; Dropout1d/2d
zero whole channels, keep the mean, are the identity in eval mode and follow the seed.
(Forward/gradient parity on single calls is in the op table: tests/op_table/norm.py.)"""

import numpy as np
import pytest
import torch

import dlcore
import dlcore.nn.functional as F
from dlcore import nn


def _pair(name, *args, **kw):
    return getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)


def _randomize(d, t, rng):
    """Same random affine parameters in both modules."""
    w, b = rng.standard_normal(d.num_features), rng.standard_normal(d.num_features)
    d.weight.data[...] = w
    d.bias.data[...] = b
    with torch.no_grad():
        t.weight.copy_(torch.from_numpy(w))
        t.bias.copy_(torch.from_numpy(b))


def _close(a, b, tol=2e-5):
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(a.numpy() if hasattr(a, "numpy") else a, b, rtol=tol, atol=tol)


CASES = [
    ("BatchNorm1d", (8, 5)),
    ("BatchNorm1d", (4, 5, 7)),
    ("BatchNorm2d", (4, 5, 3, 6)),
]


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("name,shape", CASES)
def test_running_stats_follow_torch_and_eval_uses_them(name, shape, momentum):
    rng = np.random.default_rng(0)
    d, t = _pair(name, shape[1], momentum=momentum)
    _randomize(d, t, rng)
    for step in range(4):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        xd, xt = dlcore.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yd, yt = d(xd), t(xt)
        _close(yd, yt)
        g = rng.standard_normal(shape).astype(np.float32)
        yd.backward(dlcore.tensor(g))
        yt.backward(torch.from_numpy(g))
        _close(xd.grad, xt.grad, 1e-4)
        _close(d.weight.grad, t.weight.grad, 1e-4)
        _close(d.running_mean, t.running_mean)
        _close(d.running_var, t.running_var)
        assert int(d.num_batches_tracked.numpy()) == int(t.num_batches_tracked) == step + 1
    d.eval()
    t.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    _close(d(dlcore.tensor(x)), t(torch.from_numpy(x)))
    before = d.running_mean.numpy().copy()
    d(dlcore.tensor(x))
    np.testing.assert_array_equal(d.running_mean.numpy(), before)  # eval does not update
    assert int(d.num_batches_tracked.numpy()) == 4
    one = rng.standard_normal((1,) + shape[1:2] + (1,) * (len(shape) - 2)).astype(np.float32)
    _close(d(dlcore.tensor(one)), t(torch.from_numpy(one)))  # a batch of 1 is fine in eval


@pytest.mark.parametrize("affine,track", [(False, True), (True, False), (False, False)])
def test_affine_and_tracking_options(affine, track):
    rng = np.random.default_rng(1)
    d, t = _pair("BatchNorm2d", 3, affine=affine, track_running_stats=track)
    assert list(d.state_dict()) == list(t.state_dict())
    for mode in ("train", "eval"):
        getattr(d, mode)()
        getattr(t, mode)()
        x = rng.standard_normal((4, 3, 2, 5)).astype(np.float32)
        _close(d(dlcore.tensor(x)), t(torch.from_numpy(x)))
    if track:
        _close(d.running_var, t.running_var)


def test_state_dict_round_trip_with_torch():
    rng = np.random.default_rng(2)
    t = torch.nn.BatchNorm2d(4)
    t.train()
    for _ in range(3):
        t(torch.randn(5, 4, 3, 3) * 2 + 1)
    with torch.no_grad():
        t.weight.copy_(torch.randn(4))
        t.bias.copy_(torch.randn(4))
    t.eval()
    d = nn.BatchNorm2d(4).eval()
    d.load_state_dict(t.state_dict())
    assert list(d.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert d.num_batches_tracked.dtype == np.int64 and int(d.num_batches_tracked.numpy()) == 3
    x = rng.standard_normal((2, 4, 5, 5)).astype(np.float32)
    _close(d(dlcore.tensor(x)), t(torch.from_numpy(x)))
    back = torch.nn.BatchNorm2d(4).eval()
    back.load_state_dict({k: torch.from_numpy(np.array(v.numpy())) for k, v in d.state_dict().items()})
    _close(d(dlcore.tensor(x)), back(torch.from_numpy(x)))


def test_model_to_float64_keeps_the_counter_int64():
    d = nn.BatchNorm1d(3).double()
    assert d.running_mean.dtype == np.float64 and d.num_batches_tracked.dtype == np.int64
    y = d(dlcore.tensor(np.random.default_rng(3).standard_normal((4, 3))))
    assert y.dtype == np.float64


def test_refused_inputs_name_the_layer_and_change_nothing():
    d = nn.BatchNorm2d(3)
    state = {k: v.numpy().copy() for k, v in d.state_dict().items()}
    with pytest.raises(
        ValueError,
        match=r"BatchNorm2d\(3\): expected input with 3 channels \(dim 1\), got 4 in shape \(2, 4, 5, 5\)",
    ):
        d(dlcore.zeros(2, 4, 5, 5))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\): expected 4D input, got shape \(2, 3, 5\)"):
        d(dlcore.zeros(2, 3, 5))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\): expected 2D or 3D input, got shape \(3,\)"):
        nn.BatchNorm1d(3)(dlcore.zeros(3))
    with pytest.raises(
        ValueError,
        match=r"BatchNorm2d: Expected more than 1 value per channel when training, "
        r"got input size \(1, 3, 1, 1\)",
    ):
        d(dlcore.zeros(1, 3, 1, 1))
    with pytest.raises(
        TypeError, match=r"batch_norm: running_mean must have the input's dtype float64, got float32"
    ):
        d(dlcore.zeros(2, 3, 2, 2, dtype=dlcore.float64))
    with pytest.raises(TypeError, match=r"BatchNorm2d: expected a Tensor as input, got str"):
        d("x")
    for k, v in d.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), state[k], err_msg=k)
    with pytest.raises(
        ValueError, match=r"LayerNorm\(\(4, 5\)\): expected input with shape \(\*, 4, 5\), got \(2, 5, 4\)"
    ):
        nn.LayerNorm((4, 5))(dlcore.zeros(2, 5, 4))


def test_empty_batch_leaves_running_stats_alone():
    d, t = _pair("BatchNorm1d", 3)
    x = np.zeros((0, 3), np.float32)
    assert d(dlcore.tensor(x)).shape == t(torch.from_numpy(x)).shape == (0, 3)
    _close(d.running_mean, t.running_mean)
    _close(d.running_var, t.running_var)
    assert int(d.num_batches_tracked.numpy()) == int(t.num_batches_tracked) == 1


@pytest.mark.parametrize("shape,normalized", [((4, 6), 6), ((2, 3, 4, 5), (4, 5)), ((3, 7), [7])])
@pytest.mark.parametrize("bias", [True, False])
def test_layer_norm_layer(shape, normalized, bias):
    rng = np.random.default_rng(4)
    d, t = _pair("LayerNorm", normalized, bias=bias)
    w = rng.standard_normal(d.weight.shape).astype(np.float32)
    d.weight.data[...] = w
    with torch.no_grad():
        t.weight.copy_(torch.from_numpy(w))
    assert list(d.state_dict()) == list(t.state_dict())
    x = (rng.standard_normal(shape) * 3 + 2).astype(np.float32)
    xd, xt = dlcore.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yd, yt = d(xd), t(xt)
    _close(yd, yt)
    g = rng.standard_normal(shape).astype(np.float32)
    yd.backward(dlcore.tensor(g))
    yt.backward(torch.from_numpy(g))
    _close(xd.grad, xt.grad, 1e-4)
    _close(d.weight.grad, t.weight.grad, 1e-4)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_layer(approximate):
    x = np.linspace(-6, 6, 97).astype(np.float32)
    d, t = _pair("GELU", approximate=approximate)
    _close(d(dlcore.tensor(x)), t(torch.from_numpy(x)), 1e-6)
    assert repr(d) == repr(t)
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh'"):
        nn.GELU("erf")


# ---- channel dropout --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,shape", [("Dropout2d", (8, 16, 5, 5)), ("Dropout1d", (8, 16, 7)), ("Dropout1d", (16, 7))]
)
def test_channel_dropout_zeroes_whole_channels_and_keeps_the_mean(name, shape):
    dlcore.manual_seed(0)
    layer = getattr(nn, name)(p=0.25)
    x = dlcore.tensor(np.random.default_rng(5).random(shape) + 0.5, requires_grad=True)
    y = layer(x)
    out, inp = y.numpy(), x.numpy()
    flat = out.reshape(-1, shape[-1]) if len(shape) == 2 else out.reshape(shape[0] * shape[1], -1)
    src = inp.reshape(flat.shape)
    zero = (flat == 0).all(axis=1)
    kept = ~zero
    np.testing.assert_allclose(flat[kept], src[kept] / 0.75, rtol=1e-12)  # whole channels, scaled
    assert zero.any() and kept.any()
    n = zero.size
    assert abs(zero.mean() - 0.25) < 6 * np.sqrt(0.25 * 0.75 / n)
    y.backward(dlcore.ones(*shape, dtype=dlcore.float64))
    np.testing.assert_array_equal(x.grad.numpy(), np.where(out == 0, 0.0, 1 / 0.75))


def test_channel_dropout_expectation_is_the_input():
    dlcore.manual_seed(1)
    x = dlcore.tensor(np.random.default_rng(6).random((4, 3, 2, 2)))
    mean = np.mean([F.dropout2d(x, 0.5).numpy() for _ in range(4000)], axis=0)
    np.testing.assert_allclose(mean, x.numpy(), rtol=0.1)  # 4000 draws: ~1.6% standard error


def test_channel_dropout_eval_is_identity_and_seeded():
    layer = nn.Dropout2d(0.5)
    x = dlcore.tensor(np.random.default_rng(7).random((4, 6, 3, 3)))
    layer.eval()
    assert layer(x) is x
    layer.train()
    dlcore.manual_seed(42)
    a = layer(x).numpy()
    dlcore.manual_seed(42)
    b = layer(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, layer(x).numpy())


def test_channel_dropout_bad_arguments():
    with pytest.raises(ValueError, match=r"Dropout2d: p must be in \[0, 1\], got 1.5"):
        nn.Dropout2d(1.5)
    with pytest.raises(
        ValueError,
        match=r"dropout1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input, got shape \(2, 3, 4, 5\)",
    ):
        F.dropout1d(dlcore.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"dropout2d: feature dropout needs an input of at least 2 dims"):
        F.dropout2d(dlcore.zeros(3))
    with pytest.raises(TypeError, match="dropout2d: expected a floating point tensor, got int64"):
        F.dropout2d(dlcore.zeros(2, 3, dtype=dlcore.int64))


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 4)])
def test_functional_batch_norm_updates_running_stats_as_torch(shape):
    """training=True with running stats: updated in place with momentum and the unbiased
    variance; an empty batch leaves them alone; eval reads them."""
    rng = np.random.default_rng(8)
    c = shape[1]
    rm, rv = rng.standard_normal(c), rng.random(c) + 0.5
    d_rm, d_rv = dlcore.tensor(rm.copy()), dlcore.tensor(rv.copy())
    t_rm, t_rv = torch.tensor(rm.copy()), torch.tensor(rv.copy())
    for momentum in (0.1, 0.7):
        x = rng.standard_normal(shape) * 2 + 1
        yd = F.batch_norm(dlcore.tensor(x), d_rm, d_rv, training=True, momentum=momentum)
        yt = torch.nn.functional.batch_norm(torch.tensor(x), t_rm, t_rv, training=True, momentum=momentum)
        _close(yd, yt, 1e-12)
        _close(d_rm, t_rm, 1e-12)
        _close(d_rv, t_rv, 1e-12)
    empty = np.zeros((0,) + shape[1:])
    F.batch_norm(dlcore.tensor(empty), d_rm, d_rv, training=True)
    _close(d_rv, t_rv, 1e-12)
    x = rng.standard_normal(shape)
    _close(
        F.batch_norm(dlcore.tensor(x), d_rm, d_rv),
        torch.nn.functional.batch_norm(torch.tensor(x), t_rm, t_rv),
        1e-12,
    )
