"""Numerics and edge cases of the ops against torch (issue 17): integer and bool min/max/clamp,
relu/sigmoid/logsigmoid/softplus in the tails and at +-inf/nan, NaN/Inf propagation through every
elementwise op, reduction, softmax and loss, empty (0-size) products, 0-d reductions, gemm operands
with negative strides on length-1 axes, and the errors for inputs that are not tensors."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import dlcore
import dlcore.nn as nn
import dlcore.nn.functional as F
from dlcore import backend
from dlcore.ops._helpers import gemm_operand

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

SPECIAL = np.array([-np.inf, -1.5, -0.0, 0.0, 0.5, 2.0, np.inf, np.nan])


def _close(got, want, rtol=1e-6, atol=0.0, what=""):
    got = got.detach().numpy() if hasattr(got, "detach") else np.asarray(got)
    want = want.detach().numpy() if hasattr(want, "detach") else np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def _pair(values, dtype=np.float64, grad=True):
    """The same data as a dlcore and a torch tensor (both leaves requiring grad when grad)."""
    arr = np.asarray(values, dtype=dtype)
    d = dlcore.tensor(arr.copy(), requires_grad=grad)
    t = torch.tensor(arr.copy(), requires_grad=grad)
    return d, t


def _compare_with_grad(fn_d, fn_t, *arrays, dtype=np.float64, rtol=1e-6, what=""):
    """fn_d(*dlcore tensors) against fn_t(*torch tensors): the value, then the gradient of every
    input for an upstream gradient of ones (nan and inf where torch has them)."""
    pairs = [_pair(a, dtype) for a in arrays]
    out_d, out_t = fn_d(*(p[0] for p in pairs)), fn_t(*(p[1] for p in pairs))
    _close(out_d, out_t, rtol=rtol, what=f"{what} forward")
    out_d.backward(dlcore.tensor(np.ones(out_d.shape, dtype)))
    out_t.backward(torch.ones(out_t.shape, dtype=out_t.dtype))
    for k, (d, t) in enumerate(pairs):
        want = np.zeros(t.shape) if t.grad is None else t.grad
        _close(d.grad, want, rtol=rtol, what=f"{what} grad of input {k}")


# ---- integer and bool: maximum, minimum, clamp ------------------------------------------------

INT_VALUES = [0, 1, 2, 126, 127, 128, 129, 253, 254, 255]


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int64])
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_integer_maximum_minimum_do_not_wrap(name, dtype):
    info = np.iinfo(dtype)
    vals = np.clip(np.array(INT_VALUES + [-1, -128]), info.min, info.max).astype(dtype)
    a, b = np.meshgrid(vals, vals)
    got = getattr(dlcore, name)(dlcore.tensor(a), dlcore.tensor(b))
    want = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
    assert got.dtype == a.dtype
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_bool_maximum_minimum(name):
    a, b = np.meshgrid([False, True], [False, True])
    got = getattr(dlcore, name)(dlcore.tensor(a), dlcore.tensor(b))
    want = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
    assert got.dtype == np.bool_
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize(
    "bounds", [{"min": 1, "max": 254}, {"min": 0}, {"max": 255}, {"min": 128}, {"min": 1.5}, {"max": 254.5}]
)
def test_uint8_clamp_as_torch(bounds):
    a = np.array(INT_VALUES, dtype=np.uint8)
    got = dlcore.clamp(dlcore.tensor(a), **bounds)
    want = torch.clamp(torch.from_numpy(a), **bounds)
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")  # float bound: float32
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_clamp_rejects_non_numeric_bounds():
    with pytest.raises(TypeError, match="clamp: min and max must be numbers or None, got str"):
        dlcore.clamp(dlcore.tensor([1.0]), min="a")


# ---- relu, sigmoid, logsigmoid, softplus ------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_nonfinite_forward_and_gradient(dtype):
    x = np.array([-np.inf, -1.0, -0.0, 0.0, 1e-30, np.nan, 2.0, np.inf], dtype)
    g = np.array([np.inf, np.inf, 1.0, -np.inf, 3.0, 1.0, np.inf, 2.0], dtype)
    d, t = _pair(x, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "invalid value in multiply"
        out = F.relu(d)
        out.backward(dlcore.tensor(g))
    want = torch.relu(t)
    want.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(out.numpy(), want.detach().numpy())
    np.testing.assert_array_equal(d.grad.numpy(), t.grad.numpy())


def test_relu_dtypes_as_torch():
    x = np.array([-3, 0, 2], np.int64)
    np.testing.assert_array_equal(
        dlcore.relu(dlcore.tensor(x)).numpy(), torch.relu(torch.from_numpy(x)).numpy()
    )
    with pytest.raises(TypeError, match="relu: bool tensors are not supported"):
        dlcore.relu(dlcore.tensor([True, False]))


def test_sigmoid_float32_tails_match_torch_to_the_last_bits():
    x = np.array([-88.0, -80.0, -30.0, -20.0, -10.0, 0.0, 10.0, 20.0, 30.0], np.float32)
    got = dlcore.sigmoid(dlcore.tensor(x)).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got[[2, 3]], [9.357623e-14, 2.0611537e-09], rtol=1e-6)
    assert 5.5e-39 < got[0] < 6.5e-39
    np.testing.assert_allclose(got, torch.sigmoid(torch.from_numpy(x).double()).numpy(), rtol=2e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_no_overflow_warning_and_finite_gradient(dtype):
    x = np.array([-1e4, -745.0, -200.0, -30.0, 0.0, 30.0, 200.0, 1e4, -np.inf, np.inf, np.nan], dtype)
    d, t = _pair(x, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = dlcore.sigmoid(d)
        out.sum().backward()
    torch.sigmoid(t).sum().backward()
    _close(out, torch.sigmoid(t.detach()), rtol=1e-6, atol=1e-45)
    assert np.isfinite(d.grad.numpy()[:-1]).all()
    _close(d.grad, t.grad, rtol=1e-5, atol=1e-45)


def test_log_of_sigmoid_in_the_tail_is_finite():
    x = dlcore.tensor(np.array([-30.0, -80.0], np.float32), requires_grad=True)
    y = dlcore.log(dlcore.sigmoid(x))
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [-30.0, -80.0], rtol=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0], rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsigmoid_is_stable_and_matches_torch(dtype):
    x = np.array([-1e4, -200.0, -88.0, -20.0, -1.0, 0.0, 1.0, 20.0, 200.0, -np.inf, np.inf, np.nan], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _compare_with_grad(F.logsigmoid, torch.nn.functional.logsigmoid, x, dtype=dtype, what="logsigmoid")
    y = nn.LogSigmoid()(dlcore.tensor(np.array([-200.0], dtype)))
    assert y.item() == -200.0


@pytest.mark.parametrize(
    "beta, threshold", [(1.0, 20.0), (2.0, 20.0), (0.5, 3.0), (-1.5, 20.0), (1.0, 100.0)]
)
def test_softplus_matches_torch(beta, threshold):
    x = np.array([-1e3, -100.0, -20.0, -1.0, 0.0, 1.0, 5.0, 9.0, 11.0, 25.0, 150.0, -np.inf, np.inf, np.nan])

    def fd(t):
        return F.softplus(t, beta, threshold)

    def ft(t):
        return torch.nn.functional.softplus(t, beta, threshold)

    _compare_with_grad(fd, ft, x, what="softplus")
    layer = nn.Softplus(beta, threshold)
    _close(layer(dlcore.tensor(x)), ft(torch.from_numpy(x)), what="nn.Softplus")


def test_logsigmoid_softplus_take_floating_input_only():
    for fn in (F.logsigmoid, F.softplus):
        with pytest.raises(TypeError, match="must be floating point, got int64"):
            fn(dlcore.tensor([1, 2]))


# ---- huber delta --------------------------------------------------------------------------------


@pytest.mark.parametrize("delta", [0.0, -1.0])
def test_huber_non_positive_delta_raises_at_call_like_torch(delta):
    a, b = dlcore.tensor([1.0, 2.0]), dlcore.tensor([0.0, 0.0])
    with pytest.raises(RuntimeError, match="huber_loss does not support non-positive values for delta"):
        torch.nn.HuberLoss(delta=delta)(torch.ones(2), torch.zeros(2))
    with pytest.raises(ValueError, match=r"huber_loss: .*does not support non-positive values for delta"):
        F.huber_loss(a, b, delta=delta)
    loss = nn.HuberLoss(delta=delta)  # built as torch builds it; the call raises
    with pytest.raises(ValueError, match=r"huber_loss: delta must be positive"):
        loss(a, b)


# ---- NaN / Inf propagation: elementwise ops, reductions, softmax, losses ---------------------

UNARY = {
    "neg": (dlcore.neg, torch.neg),
    "exp": (dlcore.exp, torch.exp),
    "log": (dlcore.log, torch.log),
    "sqrt": (dlcore.sqrt, torch.sqrt),
    "abs": (dlcore.abs, torch.abs),
    "tanh": (dlcore.tanh, torch.tanh),
    "sigmoid": (dlcore.sigmoid, torch.sigmoid),
    "relu": (dlcore.relu, torch.relu),
    "logsigmoid": (F.logsigmoid, torch.nn.functional.logsigmoid),
    "softplus": (F.softplus, torch.nn.functional.softplus),
    "clamp": (lambda x: dlcore.clamp(x, -1.0, 1.0), lambda x: torch.clamp(x, -1.0, 1.0)),
    "pow 2": (lambda x: x**2, lambda x: x**2),
    "pow 3": (lambda x: x**3, lambda x: x**3),
    "pow -1": (lambda x: x**-1, lambda x: x**-1),
}
BINARY = {
    "add": (dlcore.add, torch.add),
    "sub": (dlcore.sub, torch.sub),
    "mul": (dlcore.mul, torch.mul),
    "div": (dlcore.div, torch.div),
    "pow": (dlcore.pow, torch.pow),
    "maximum": (dlcore.maximum, torch.maximum),
    "minimum": (dlcore.minimum, torch.minimum),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_nonfinite_as_torch(name, dtype):
    fd, ft = UNARY[name]
    _compare_with_grad(fd, ft, SPECIAL, dtype=dtype, rtol=1e-6, what=name)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_nonfinite_as_torch(name, dtype):
    """pow's exponent gradient is compared where the base is > 0 or nan: at a base <= 0 dlcore
    keeps it 0 by design (tests/test_autograd.py: no nan gradient), where torch has nan."""
    a, b = np.meshgrid(SPECIAL, SPECIAL)
    if name == "pow":
        a, b = np.meshgrid(SPECIAL[(SPECIAL > 0) | np.isnan(SPECIAL)], SPECIAL)
    fd, ft = BINARY[name]
    _compare_with_grad(fd, ft, a, b, dtype=dtype, rtol=1e-6, what=name)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow_nonfinite_base_gradient_as_torch(dtype):
    a, b = np.meshgrid(SPECIAL, SPECIAL)
    d, t = _pair(a, dtype), _pair(b, dtype, grad=False)
    out_d, out_t = dlcore.pow(d[0], t[0]), torch.pow(d[1], t[1])
    _close(out_d, out_t, what="pow forward")
    out_d.sum().backward()
    out_t.sum().backward()
    _close(d[0].grad, d[1].grad, what="pow grad of the base")


def _rows_with_specials():
    return np.array(
        [
            [1.0, np.inf, 2.0, 0.0],
            [-np.inf, -np.inf, -np.inf, -np.inf],
            [-np.inf, 0.0, 1.0, -np.inf],
            [np.nan, 1.0, 2.0, 3.0],
            [np.inf, np.inf, 0.0, 1.0],
            [-1.0, 0.5, 2.0, 3.0],
        ]
    )


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "name, fd, ft",
    [
        ("sum", lambda x: x.sum(1), lambda x: x.sum(1)),
        ("sum all", lambda x: x.sum(), lambda x: x.sum()),
        ("mean", lambda x: x.mean(1), lambda x: x.mean(1)),
        ("mean dim 0", lambda x: x.mean(0), lambda x: x.mean(0)),
        ("amax", lambda x: dlcore.amax(x, 1), lambda x: torch.amax(x, 1)),
        ("softmax", lambda x: dlcore.softmax(x, 1), lambda x: torch.softmax(x, 1)),
        ("log_softmax", lambda x: dlcore.log_softmax(x, 1), lambda x: torch.log_softmax(x, 1)),
        ("softmax dim 0", lambda x: dlcore.softmax(x, 0), lambda x: torch.softmax(x, 0)),
        ("log_softmax dim 0", lambda x: dlcore.log_softmax(x, 0), lambda x: torch.log_softmax(x, 0)),
    ],
)
def test_reductions_and_softmax_nonfinite_as_torch(name, fd, ft, dtype):
    rtol = 1e-5 if dtype == np.float32 else 1e-12  # op_table.SUMMING: rows sum 4 terms
    _compare_with_grad(fd, ft, _rows_with_specials(), dtype=dtype, rtol=rtol, what=name)


def test_max_with_nan_is_nan():
    x = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]], np.float32)
    np.testing.assert_array_equal(dlcore.max(dlcore.tensor(x)).numpy(), np.float32(np.nan))
    _close(dlcore.amax(dlcore.tensor(x), 1), torch.amax(torch.from_numpy(x), 1), what="amax over dim 1")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_regression_losses_nonfinite_as_torch(name, dtype):
    a, b = np.meshgrid(SPECIAL, SPECIAL)
    for reduction in ("none", "sum", "mean"):

        def fd(x, y, reduction=reduction):
            return getattr(F, name)(x, y, reduction=reduction)

        def ft(x, y, reduction=reduction):
            return getattr(torch.nn.functional, name)(x, y, reduction=reduction)

        _compare_with_grad(fd, ft, a, b, dtype=dtype, what=f"{name} {reduction}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_nonfinite_as_torch(dtype):
    logits = _rows_with_specials()
    target = np.array([0, 1, 2, 3, 2, 1])
    for reduction in ("none", "mean"):
        d, t = _pair(logits, dtype)
        out_d = F.cross_entropy(d, dlcore.tensor(target), reduction=reduction)
        out_t = torch.nn.functional.cross_entropy(t, torch.from_numpy(target), reduction=reduction)
        _close(out_d, out_t, what=f"cross_entropy {reduction}")
        out_d.sum().backward()
        out_t.sum().backward()
        _close(d.grad, t.grad, what=f"cross_entropy {reduction} grad")


# ---- empty products, Linear(0, n), softmax over an empty axis, 0-d reductions --------------


def _matmul_shapes():
    """Every pairing of 1-D, 2-D and batched (broadcast) operands with some size 0 among batch,
    m, k and n."""
    batches = [
        ((), ()),
        ((0,), ()),
        ((), (0,)),
        ((3, 0), (3, 0)),
        ((1,), (0,)),
        ((2, 1), (1, 0)),
        ((2,), (2,)),
    ]
    seen = set()
    for m, k, n in itertools.product((0, 2), (0, 3), (0, 4)):
        forms_a = [(k,), (m, k)] + [ba + (m, k) for ba, _ in batches]
        forms_b = [(k,), (k, n)] + [bb + (k, n) for _, bb in batches]
        for sa, sb in itertools.product(forms_a, forms_b):
            if 0 not in sa + sb or (sa, sb) in seen:
                continue
            try:
                np.broadcast_shapes(sa[:-2], sb[:-2])
            except ValueError:
                continue
            seen.add((sa, sb))
            yield sa, sb


MATMUL_SHAPES = [((3, 0, 3, 17), (3, 0, 17, 5)), ((2, 1, 3), (2, 3, 0))] + list(_matmul_shapes())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_empty_matmul_and_gradients_as_torch(sa, sb, dtype):
    rng = np.random.default_rng(0)
    _compare_with_grad(
        dlcore.matmul, torch.matmul, rng.standard_normal(sa), rng.standard_normal(sb), dtype=dtype
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_with_zero_in_features(dtype):
    layer = nn.Linear(0, 3, dtype=dtype)
    layer.bias.data[...] = [1.0, -2.0, 0.5]
    x = dlcore.tensor(np.ones((4, 0), dtype), requires_grad=True)
    y = layer(x)
    np.testing.assert_array_equal(y.numpy(), np.tile(layer.bias.numpy(), (4, 1)))
    y.sum().backward()
    assert x.grad.shape == (4, 0) and layer.weight.grad.shape == (3, 0)
    np.testing.assert_array_equal(layer.bias.grad.numpy(), [4.0, 4.0, 4.0])
    w, b = np.ones((3, 0)), np.array([1.0, -2.0, 0.5])
    _compare_with_grad(F.linear, torch.nn.functional.linear, np.ones((2, 5, 0)), w, b, dtype=dtype)
    _compare_with_grad(F.linear, torch.nn.functional.linear, np.ones((0, 4)), np.ones((3, 4)), b, dtype=dtype)
    _compare_with_grad(F.linear, torch.nn.functional.linear, np.ones((2, 4)), np.ones((0, 4)), dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, dim", [((3, 0), 1), ((3, 0), 0), ((0, 4), 0), ((0, 4), -1), ((2, 0, 3), 1)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_over_an_empty_axis(name, shape, dim, dtype):
    def fd(x):
        return getattr(dlcore, name)(x, dim)

    def ft(x):
        return getattr(torch, name)(x, dim)

    _compare_with_grad(fd, ft, np.ones(shape), dtype=dtype, what=name)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("name", ["sum", "mean", "amax"])
def test_reductions_with_a_dim_on_a_0d_tensor(name, dim, keepdim):
    def fd(x):
        return dlcore.amax(x, dim, keepdim) if name == "amax" else getattr(x, name)(dim, keepdim)

    def ft(x):
        return getattr(torch, name)(x, dim, keepdim)

    _compare_with_grad(fd, ft, np.array(2.5), what=f"{name} dim={dim}")
    assert dlcore.tensor(2.5).argmax(dim).item() == 0


@pytest.mark.parametrize("dim", [0, -1])
def test_softmax_on_a_0d_tensor(dim):
    _compare_with_grad(lambda x: dlcore.softmax(x, dim), lambda x: torch.softmax(x, dim), np.array(2.5))
    _compare_with_grad(
        lambda x: dlcore.log_softmax(x, dim), lambda x: torch.log_softmax(x, dim), np.array(2.5)
    )


# ---- gemm operands: negative strides on length-1 axes ----------------------------------------


def _views():
    """Arrays whose axes of length 1 have negative (or odd) strides, and a few ordinary views."""
    base = np.arange(1.0, 13.0, dtype=np.float32)
    return {
        "(1,4)[::-1]": base[:4].reshape(1, 4)[::-1],
        "(4,1)[:, ::-1]": base[:4].reshape(4, 1)[:, ::-1],
        "(1,4)[::-1, ::-1]": base[:4].reshape(1, 4)[::-1, ::-1],
        "(1,1)[::-1, ::-1]": base[:1].reshape(1, 1)[::-1, ::-1],
        "(4,1)[:, ::-1].T": base[:4].reshape(4, 1)[:, ::-1].T,
        "(1,4,3)[::-1]": base.reshape(1, 4, 3)[::-1],
        "(2,1,4)[:, ::-1]": np.arange(8.0, dtype=np.float32).reshape(2, 1, 4)[:, ::-1],
        "(4,3).T": base.reshape(4, 3).T,
        "(4,6)[:, ::2]": np.arange(24.0, dtype=np.float32).reshape(4, 6)[:, ::2],
        "(3,4)[::-1]": base.reshape(3, 4)[::-1],
        "(2,3,4)[::-1]": np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)[::-1],
    }


VIEWS = _views()


@pytest.mark.parametrize("name", list(VIEWS))
def test_gemm_operand_and_binding_agree(name):
    """Whatever gemm_operand passes through uncopied, the C++ binding reads in place (it used to
    refuse a negative stride on a length-1 axis that numpy's flags, and so Python, ignore)."""
    x = VIEWS[name]
    a = gemm_operand(x)
    if a.ndim == 3:
        b = np.ones((a.shape[0], a.shape[-1], 2), np.float32)
    else:
        b = np.ones((a.shape[-1], 2), np.float32)
    out = np.empty(a.shape[:-1] + (2,), np.float32)
    backend.kernels(a).gemm(a, b, out, 1.0, 0.0)
    np.testing.assert_allclose(out, np.matmul(np.ascontiguousarray(x), b), rtol=1e-6)


@pytest.mark.parametrize("name", list(VIEWS))
def test_matmul_and_linear_take_any_view(name):
    x = VIEWS[name]
    other = np.random.default_rng(1).standard_normal((x.shape[-1], 3)).astype(np.float32)
    got = dlcore.from_numpy(x) @ dlcore.tensor(other)
    _close(got, np.matmul(np.ascontiguousarray(x), other), rtol=1e-6, what="x @ other")
    left = np.random.default_rng(2).standard_normal((3, x.shape[-2])).astype(np.float32)
    _close(dlcore.tensor(left) @ dlcore.from_numpy(x), np.matmul(left, x), rtol=1e-6, what="other @ x")
    if x.ndim == 2:  # x as a weight (out, in)
        inp = np.random.default_rng(3).standard_normal((5, x.shape[1])).astype(np.float32)
        w = dlcore.from_numpy(x)
        _close(F.linear(dlcore.tensor(inp), w), inp @ x.T, rtol=1e-6, what="linear weight")


# ---- errors for what is not a tensor, integer pow --------------------------------------------


@pytest.mark.parametrize("bad", ["abc", None, [1.0, 2.0], object()])
@pytest.mark.parametrize(
    "layer",
    [
        nn.Linear(2, 3),
        nn.ReLU(),
        nn.Sigmoid(),
        nn.Tanh(),
        nn.LogSigmoid(),
        nn.Softplus(),
        nn.Softmax(1),
        nn.Flatten(),
    ],
    ids=lambda m: type(m).__name__,
)
def test_layer_on_a_non_tensor_is_a_type_error_naming_it(layer, bad):
    with pytest.raises(
        TypeError, match=rf"{type(layer).__name__}: expected a Tensor as input, got {type(bad).__name__}"
    ):
        layer(bad)


@pytest.mark.parametrize("bad", ["abc", None, object()])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss", "cross_entropy", "nll_loss"])
def test_loss_on_a_non_tensor_is_a_type_error_naming_it(name, bad):
    other = dlcore.tensor([0]) if name in ("cross_entropy", "nll_loss") else dlcore.tensor([1.0])
    with pytest.raises(TypeError, match=rf"{name}: unsupported"):
        getattr(F, name)(bad, other)
    layer = {"mse_loss": nn.MSELoss, "l1_loss": nn.L1Loss, "huber_loss": nn.HuberLoss}.get(name)
    if layer is not None:
        with pytest.raises(TypeError, match=rf"{layer.__name__}: expected a Tensor as target"):
            layer()(dlcore.tensor([1.0]), bad)


@pytest.mark.parametrize("data", ["abc", object(), ["a", "b"]])
def test_tensor_of_non_numeric_data_is_a_type_error(data):
    with pytest.raises(TypeError, match="tensor: unsupported data type"):
        dlcore.tensor(data)


@pytest.mark.parametrize("exponent", [-1, -2, np.int64(-3)])
def test_integer_tensor_to_a_negative_integer_scalar_power_raises(exponent):
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        torch.tensor([1, 2]) ** int(exponent)
    with pytest.raises(ValueError, match="pow: Integers to negative integer powers are not allowed"):
        dlcore.tensor([1, 2]) ** exponent
    with pytest.raises(ValueError, match="pow: Integers to negative integer powers are not allowed"):
        dlcore.pow(dlcore.tensor([1, 2]), exponent)


def test_integer_pow_with_negative_tensor_exponents_as_torch():
    base = np.array([0, 1, -1, 2, -2, 3, -1, 5, 1, 0], np.int64)
    exp = np.array([-1, -1, -3, -1, -2, -2, -4, 2, 0, 0], np.int64)
    want = torch.pow(torch.from_numpy(base), torch.from_numpy(exp)).numpy()
    got = dlcore.pow(dlcore.tensor(base), dlcore.tensor(exp))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(
        dlcore.pow(dlcore.tensor(base[:, None]), dlcore.tensor(exp[None, :])).numpy(),
        torch.pow(torch.from_numpy(base[:, None]), torch.from_numpy(exp[None, :])).numpy(),
    )
    np.testing.assert_array_equal((2 ** dlcore.tensor(exp)).numpy(), (2 ** torch.from_numpy(exp)).numpy())
