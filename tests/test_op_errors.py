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
    for call in (lambda: MASK - MASK, lambda: dlcore.sub(MASK, MASK), lambda: MASK - True):
        with pytest.raises(TypeError, match=r"^sub: Subtraction, the `-` operator, with two bool .*`\^`"):
            call()
    assert (MASK - 1).dtype == np.int64 and (MASK - 0.5).dtype == np.float32  # promoted: allowed


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

    with pytest.raises(TypeError, match=r"^unsupported operand for a bug$"):
        Broken.apply(dlcore.ones(2))
