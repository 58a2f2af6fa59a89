"""Feedback alignment: nn.functional.linear_feedback_alignment and nn.Linear(feedback="alignment").

The op table (tests/op_table/feedback.py) compares values and all gradients with a torch
autograd.Function and fuzzes the op; here: the backward uses B and not W^T (exactly, on inputs from
a coarse grid where every product and partial sum is exact), weight and bias gradients equal the
ordinary linear's, B = W gives backprop, gradcheck of the weight and bias, and the layer (buffer,
seeding, state_dict, repr, bad input).
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
import dlcore.nn.functional as F
from dlcore import nn
from dlcore.autograd import gradcheck


def _grid(rng, *shape, dtype=np.float64):
    """Values k/4, |k| <= 8: products and their sums of a few terms are exact in float32/64."""
    return (rng.integers(-8, 9, size=shape) / 4).astype(dtype)


def _grads(fn, x, w, b, fb, gy):
    xt, wt, bt = (dlcore.tensor(a, requires_grad=True) for a in (x, w, b))
    y = fn(xt, wt, bt) if fb is None else fn(xt, wt, bt, dlcore.tensor(fb))
    y.backward(dlcore.tensor(gy))
    return y.numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [(1,), (7,), (2, 5)])
def test_backward_sends_dy_times_b_to_the_input_and_usual_grads_to_weight_and_bias(dtype, batch):
    rng = np.random.default_rng(0)
    x, w, b, fb = (
        _grid(rng, *batch, 9, dtype=dtype),
        _grid(rng, 4, 9, dtype=dtype),
        _grid(rng, 4),
        _grid(rng, 4, 9),
    )
    b, fb = b.astype(dtype), fb.astype(dtype)
    gy = _grid(rng, *batch, 4, dtype=dtype)
    y, gx, gw, gb = _grads(F.linear_feedback_alignment, x, w, b, fb, gy)
    y0, gx0, gw0, gb0 = _grads(F.linear, x, w, b, None, gy)
    np.testing.assert_array_equal(gx, gy @ fb)  # exact: grid values
    np.testing.assert_array_equal(gx0, gy @ w)
    assert not np.array_equal(gx, gx0), "the input gradient must come from B, not W"
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(gw, gw0)
    np.testing.assert_array_equal(gb, gb0)
    assert gx.dtype == gw.dtype == gb.dtype == np.dtype(dtype)


def test_with_b_equal_to_w_it_is_backprop():
    rng = np.random.default_rng(1)
    x, w, b, gy = (
        rng.standard_normal((6, 5)),
        rng.standard_normal((3, 5)),
        rng.standard_normal(3),
        rng.standard_normal((6, 3)),
    )
    fa = _grads(F.linear_feedback_alignment, x, w, b, w.copy(), gy)
    bp = _grads(F.linear, x, w, b, None, gy)
    for got, want in zip(fa, bp):
        np.testing.assert_array_equal(got, want)


def test_feedback_weight_gets_no_gradient_and_is_not_changed():
    rng = np.random.default_rng(2)
    fb = dlcore.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    before = fb.numpy().copy()
    x = dlcore.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    w = dlcore.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    F.linear_feedback_alignment(x, w, None, fb).sum().backward()
    assert fb.grad is None
    np.testing.assert_array_equal(fb.numpy(), before)


@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck_of_weight_and_bias(bias):
    rng = np.random.default_rng(3)
    x, fb = dlcore.tensor(rng.standard_normal((2, 3, 4))), dlcore.tensor(rng.standard_normal((5, 4)))
    w = dlcore.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    b = dlcore.tensor(rng.standard_normal(5), requires_grad=True) if bias else None
    leaves = [w, b] if bias else [w]
    assert gradcheck(lambda *_: F.linear_feedback_alignment(x, w, b, fb).tanh(), leaves)


def test_the_input_gradient_is_not_the_derivative():
    """gradcheck with the input as a leaf fails (B != W): dx really is the feedback path."""
    rng = np.random.default_rng(4)
    x = dlcore.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w, fb = dlcore.tensor(rng.standard_normal((2, 4))), dlcore.tensor(rng.standard_normal((2, 4)))
    assert not gradcheck(lambda *_: F.linear_feedback_alignment(x, w, None, fb), [x], raise_exception=False)


# ---- the layer -------------------------------------------------------------------------------


def test_layer_holds_a_fixed_buffer_drawn_from_the_init_distribution_after_weight_and_bias():
    dlcore.manual_seed(5)
    plain = nn.Linear(40, 30)
    dlcore.manual_seed(5)
    fa = nn.Linear(40, 30, feedback="alignment")
    np.testing.assert_array_equal(fa.weight.numpy(), plain.weight.numpy())
    np.testing.assert_array_equal(fa.bias.numpy(), plain.bias.numpy())
    B = fa.feedback_weight.numpy()
    assert B.shape == (30, 40) and B.dtype == np.float32
    assert np.abs(B).max() <= 1 / np.sqrt(40) and B.std() > 0.5 / np.sqrt(3 * 40)  # U(-k, k): std k/sqrt(3)
    assert not np.array_equal(B, fa.weight.numpy())
    assert [n for n, _ in fa.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in fa.named_buffers()] == ["feedback_weight"]
    dlcore.manual_seed(5)
    np.testing.assert_array_equal(nn.Linear(40, 30, feedback="alignment").feedback_weight.numpy(), B)


def test_layer_backward_uses_its_buffer_and_training_never_changes_it():
    dlcore.manual_seed(6)
    layer = nn.Linear(5, 3, feedback="alignment", dtype=np.float64)
    B = layer.feedback_weight.numpy().copy()
    opt = dlcore.optim.SGD(layer.parameters(), lr=0.1)
    x = dlcore.tensor(np.random.default_rng(6).standard_normal((4, 5)), requires_grad=True)
    for _ in range(3):
        opt.zero_grad()
        x.grad = None
        layer(x).sum().backward()
        opt.step()
    np.testing.assert_array_equal(layer.feedback_weight.numpy(), B)
    np.testing.assert_allclose(x.grad.numpy(), np.ones((4, 3)) @ B, rtol=1e-12)


def test_state_dict_round_trip(tmp_path):
    dlcore.manual_seed(7)
    a = nn.Sequential(nn.Linear(6, 4, feedback="alignment"), nn.ReLU(), nn.Linear(4, 2, feedback="alignment"))
    assert list(a.state_dict()) == [
        "0.weight",
        "0.bias",
        "0.feedback_weight",
        "2.weight",
        "2.bias",
        "2.feedback_weight",
    ]
    dlcore.save(a.state_dict(), tmp_path / "fa.dlc")
    b = nn.Sequential(nn.Linear(6, 4, feedback="alignment"), nn.ReLU(), nn.Linear(4, 2, feedback="alignment"))
    assert not np.array_equal(b[0].feedback_weight.numpy(), a[0].feedback_weight.numpy())
    b.load_state_dict(dlcore.load(tmp_path / "fa.dlc"))
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(va.numpy(), vb.numpy(), err_msg=k)
    with pytest.raises(ValueError, match="unexpected keys"):
        nn.Linear(6, 4).load_state_dict(a[0].state_dict())


def test_layer_follows_module_to_dtype():
    layer = nn.Linear(3, 2, feedback="alignment").to(dlcore.float64)
    assert layer.feedback_weight.dtype == np.float64
    x = dlcore.tensor(np.ones((1, 3)), requires_grad=True)
    layer(x).sum().backward()
    assert x.grad.dtype == np.float64


def test_repr_shows_feedback():
    assert repr(nn.Linear(3, 2, feedback="alignment")) == (
        "Linear(in_features=3, out_features=2, bias=True, feedback='alignment')"
    )
    assert repr(nn.Linear(3, 2)) == "Linear(in_features=3, out_features=2, bias=True)"


@pytest.mark.parametrize("feedback", ["random", "Alignment", 1, True])
def test_unknown_feedback_is_a_value_error_naming_the_layer(feedback):
    with pytest.raises(ValueError, match=r"Linear\(3, 2\): feedback must be None or 'alignment'"):
        nn.Linear(3, 2, feedback=feedback)


def test_a_replaced_buffer_of_the_wrong_shape_or_dtype_is_named_at_forward():
    layer = nn.Linear(3, 2, feedback="alignment")
    x = dlcore.tensor(np.ones((1, 3), np.float32))
    layer.register_buffer("feedback_weight", dlcore.tensor(np.ones((3, 2), np.float32)))
    with pytest.raises(
        ValueError, match=r"Linear\(3, 2, feedback='alignment'\): feedback_weight of shape \(3, 2\)"
    ):
        layer(x)
    layer.register_buffer("feedback_weight", dlcore.tensor(np.ones((2, 3), np.float64)))
    with pytest.raises(TypeError, match=r"Linear\(3, 2, feedback='alignment'\): feedback_weight \(float64"):
        layer(x)


def test_mlp_with_feedback_alignment_learns_a_linear_map():
    """The feedback path carries useful signal: FA fits a random linear teacher (loss / 20)."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((256, 8)).astype(np.float32)
    y = x @ rng.standard_normal((8, 3)).astype(np.float32)
    dlcore.manual_seed(8)
    net = nn.Sequential(
        nn.Linear(8, 32, feedback="alignment"), nn.Tanh(), nn.Linear(32, 3, feedback="alignment")
    )
    opt = dlcore.optim.Adam(net.parameters(), lr=1e-2)
    xt, yt = dlcore.tensor(x), dlcore.tensor(y)
    losses = []
    for _ in range(300):
        opt.zero_grad()
        loss = F.mse_loss(net(xt), yt)
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    assert losses[-1] < losses[0] / 20
