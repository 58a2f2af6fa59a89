"""Errors of the user's making name the op (dlcore.tensor.apply, ops): numpy's own messages never
leak out unprefixed, and bool/integer inputs torch rejects are rejected with torch's advice."""

import re

import numpy as np
import pytest

import dlcore
import dlcore.autograd
import dlcore.nn.functional as F

MASK = dlcore.tensor([True, False, True])


def test_neg_of_a_bool_tensor_is_a_type_error_with_torchs_advice():
    for call in (lambda: -MASK, lambda: dlcore.neg(MASK)):
        with pytest.raises(TypeError, match=r"^neg: Negation, the `-` operator, on a bool tensor .*`~`"):
            call()


def test_sub_of_two_bool_tensors_is_a_type_error_with_torchs_advice():
    for call in (lambda: MASK - MASK, lambda: dlcore.sub(MASK, MASK)):
        with pytest.raises(TypeError, match=r"^sub: Subtraction, the `-` operator, with two bool .*`\^`"):
            call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: MASK - 1,
        lambda: 1 - MASK,
        lambda: dlcore.sub(MASK, dlcore.ones(3)),
        lambda: dlcore.ones(3) - True,
    ],
    ids=["mask-1", "1-mask", "mask-float", "float-True"],
)
def test_sub_with_one_bool_operand_is_a_type_error_as_torch(call):
    with pytest.raises(TypeError, match=r"^sub: Subtraction, the `-` operator, with a bool tensor .*`~`"):
        call()


@pytest.mark.parametrize(
    "call, msg",
    [
        (lambda: MASK.abs(), "abs: bool tensors are not supported"),
        (lambda: dlcore.abs(MASK), "abs: bool tensors are not supported"),
        (lambda: MASK**MASK, "pow: bool tensors are not supported"),
        (lambda: True**MASK, "pow: bool tensors are not supported"),
        (
            lambda: dlcore.ones(2, 2) @ dlcore.tensor(np.ones((2, 2), np.int32)),
            "matmul: operands must have the same dtype, got float32 and int32",
        ),
        (
            lambda: dlcore.ones(2, 2).matmul(dlcore.ones(2, 2).double()),
            "matmul: operands must have the same dtype, got float32 and float64",
        ),
        (lambda: dlcore.matmul(MASK, MASK), "matmul: bool tensors are not supported, got bool and bool"),
        (
            lambda: F.dropout(dlcore.tensor([1, 2]), 0.5),
            "dropout: expected a floating point tensor, got int64",
        ),
        (lambda: F.dropout(MASK, 0.3), "dropout: expected a floating point tensor, got bool"),
    ],
)
def test_dtypes_torch_rejects_are_a_type_error_naming_op_and_dtype(call, msg):
    with pytest.raises(TypeError, match=f"^{msg}"):
        call()


def test_what_torch_computes_on_bool_and_integers_still_computes():
    assert (
        (MASK**2).dtype == np.int64
        and (2**MASK).dtype == np.int64
        and (dlcore.ones(3) ** MASK).dtype == np.float32
    )
    ints = dlcore.tensor(np.ones((2, 2), np.int32))
    assert (ints @ ints).dtype == np.int32 and F.dropout(ints, 0.5, training=False) is ints
    assert F.dropout(ints, 0.0).dtype == np.int32
    zeros = F.dropout(ints, 1.0)  # torch: zeros of the dtype; empty input as it is
    assert zeros.dtype == np.int32 and not zeros.numpy().any() and F.dropout(MASK, 1.0).dtype == np.bool_
    assert F.dropout(dlcore.tensor(np.ones(0, np.int32)), 0.5).dtype == np.int32


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", [np.bool_, np.int64, np.uint8])
def test_softmax_of_a_non_floating_tensor_is_a_type_error_naming_the_dtype(name, dtype):
    x = dlcore.from_numpy(np.ones((2, 3), dtype))
    with pytest.raises(TypeError, match=f"^{name}: expected a floating point tensor, got {np.dtype(dtype)}"):
        getattr(F, name)(x, dim=1)


@pytest.mark.parametrize(
    "idx, msg",
    [
        (5, "getitem: index 5 is out of bounds for dim 0 of size 3"),
        (-4, "getitem: index -4 is out of bounds for dim 0 of size 3"),
        ((0, 2), "getitem: too many indices"),
        (np.array([0, 7]), "getitem: index 7 is out of bounds for dim 0 of size 3"),
    ],
)
def test_index_out_of_range_is_an_index_error_naming_getitem(idx, msg):
    with pytest.raises(IndexError, match=f"^{msg}"):
        dlcore.tensor([1.0, 2.0, 3.0])[idx]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16], ids=["f32", "f64", "f16"])
@pytest.mark.parametrize("bad", [-1, 5])
def test_cross_entropy_target_out_of_range_names_it(dtype, bad):
    logits = dlcore.from_numpy(np.zeros((3, 5), dtype))
    msg = f"cross_entropy: target {bad} is out of range for 5 classes (targets must be in [0, 5))"
    with pytest.raises(ValueError, match=f"^{re.escape(msg)}$"):
        F.cross_entropy(logits, dlcore.tensor([0, bad, 2]))


def test_a_type_error_of_a_function_is_left_as_raised():
    """Only numpy's messages about the user's input get the op's name; a bug's error is untouched."""

    class Broken(dlcore.autograd.Function):
        def forward(self, x):
            raise TypeError("unsupported operand for a bug")

        def backward(self, g):
            return (g,)

    with pytest.raises(TypeError, match=r"^unsupported operand for a bug$") as e:
        Broken.apply(dlcore.ones(2))
    assert e.value.__cause__ is None


def test_numpys_no_loop_error_gets_the_op_name():
    """numpy raises a TypeError subclass with its own constructor here: re-raised as a TypeError."""

    class AddText(dlcore.autograd.Function):
        def forward(self, x):
            return np.add(x, np.array(["a"]))

        def backward(self, g):
            return (g,)

    with pytest.raises(TypeError, match=r"^addtext: ufunc 'add' did not contain a loop"):
        AddText.apply(dlcore.ones(2))
