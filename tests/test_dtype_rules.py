"""torch's dtype rules where the op table cannot reach them (dlcore/ops/dtypes.py, tensor.promote):
what data a tensor may hold, Python values beside tensors, ops whose result is always floating."""

import warnings

import numpy as np
import pytest

import dlcore
import dlcore.nn.functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    "data",
    ["abc", None, object(), [1, "a"], np.array(["a", "b"]), [[1.0], ["x"]]],
    ids=["str", "None", "object", "mixed list", "str array", "nested"],
)
@pytest.mark.parametrize("make", [dlcore.tensor, dlcore.Tensor], ids=["tensor", "Tensor"])
def test_non_numeric_data_is_a_type_error(make, data):
    with pytest.raises(TypeError, match="tensor: unsupported data type"):
        make(data)


@pytest.mark.parametrize("value", ["a", None, [1.0, 2.0]], ids=["str", "None", "list"])
def test_full_takes_a_number_only(value):
    with pytest.raises(TypeError, match="full: "):
        dlcore.full((2,), value)
    assert dlcore.full((2,), 3).dtype == np.int64 and dlcore.full((2,), 0.5).dtype == np.float32


@pytest.mark.parametrize("other", ["x", None, object()], ids=["str", "None", "object"])
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "matmul"])
def test_non_numeric_operand_is_a_type_error_naming_the_op(name, other):
    x = dlcore.ones(2, 2)
    for a, b in ((x, other), (other, x)):
        with pytest.raises(TypeError, match=f"{name}: unsupported operand type {type(other).__name__}"):
            getattr(dlcore, name)(a, b)


def test_operators_name_the_op_and_never_turn_none_into_nan():
    x = dlcore.ones(3)
    with pytest.raises(TypeError, match="add: unsupported operand type NoneType"):
        x + None
    with pytest.raises(TypeError, match="mul: unsupported operand type str"):
        "a" * x
    with pytest.raises(TypeError, match=r"where: unsupported operand type NoneType"):
        dlcore.where(dlcore.tensor([True, False, True]), x, None)


def test_explicit_dtype_keeps_python_floats_exact():
    assert dlcore.tensor([0.1], dtype=dlcore.float64).item() == 0.1
    assert dlcore.tensor(0.1).dtype == np.float32  # the default dtype without one
    big = dlcore.tensor([1.0], dtype=dlcore.float64) + 1e300  # beside float64: not rounded to float32
    assert big.item() == 1e300


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_always_floating_ops_compute_integers_in_float32(name, dtype):
    data = np.array([[1, 2, 3], [3, 1, 2]]).astype(dtype)
    got = getattr(dlcore, name)(dlcore.tensor(data))
    ref = getattr(torch, name)(torch.from_numpy(data))
    assert str(got.dtype) == str(ref.dtype).removeprefix("torch.") == "float32"
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "expr",
    [
        lambda m, a, b: a**0.5,
        lambda m, a, b: a * 0.5,
        lambda m, a, b: a / a,
        lambda m, a, b: b + 3,
        lambda m, a, b: b * 2.5,
        lambda m, a, b: m.pow(2.0, a),
        lambda m, a, b: a + b,
        lambda m, a, b: m.where(b, a, 0.5),
    ],
    ids=[
        "int ** float",
        "int * float",
        "int / int",
        "bool + int",
        "bool * float",
        "float ** int",
        "int + bool",
        "where(int, float)",
    ],
)
def test_promotion_matches_torch(expr):
    a, b = np.array([1, 2, 3]), np.array([True, False, True])
    got = expr(dlcore, dlcore.tensor(a), dlcore.tensor(b))
    ref = expr(torch, torch.from_numpy(a), torch.from_numpy(b))
    assert str(got.dtype) == str(ref.dtype).removeprefix("torch.")
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-6)


def test_mean_of_integers_is_a_type_error_as_torch():
    with pytest.raises(TypeError, match="mean: input must be floating point, got int64"):
        dlcore.tensor([1, 2]).mean()


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.mean(),
        lambda x: x.mean(0),
        lambda x: F.mse_loss(x, x),
        lambda x: F.l1_loss(x, x),
        lambda x: F.huber_loss(x, x),
    ],
    ids=["mean", "mean dim 0", "mse_loss", "l1_loss", "huber_loss"],
)
def test_mean_of_no_elements_is_nan_without_a_warning(call):
    x = dlcore.zeros(0, 3, dtype=dlcore.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = call(x)
        assert np.isnan(y.numpy()).all() and y.numel() in (1, 3)
        y.sum().backward()
    assert x.grad.shape == (0, 3)
