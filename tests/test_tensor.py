"""Tensor: creation and dtype defaults, numpy interop, conversion, comparisons, in-place writes,
repr, and the clear errors that every public op raises on bad shapes, dims and dtypes.
"""

import re

import numpy as np
import pytest

import dlcore
import dlcore.nn.functional as F
from dlcore import Tensor

# ---- creation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,dtype",
    [
        ([1.0, 2.0], np.float32),
        (1.5, np.float32),
        ([[1, 2], [3, 4]], np.int64),
        (3, np.int64),
        ([1, 2.5], np.float32),
        (True, np.bool_),
        ([True, False], np.bool_),
        (np.ones(3), np.float64),
        (np.ones(3, np.float32), np.float32),
        (np.ones(2, np.int32), np.int32),
        (np.float64(2.0), np.float64),
        (np.arange(3, dtype=np.uint8), np.uint8),
    ],
)
def test_tensor_dtype_defaults(data, dtype):
    t = dlcore.tensor(data)
    assert t.dtype == dtype and t.shape == np.shape(data)
    np.testing.assert_array_equal(t.numpy(), np.asarray(data))


def test_tensor_constructor_and_explicit_dtype():
    assert dlcore.Tensor([1.0, 2.0]).dtype == np.float32
    assert dlcore.Tensor(3).dtype == np.int64
    assert dlcore.tensor([1, 2], dtype=dlcore.float64).dtype == np.float64
    assert dlcore.tensor([1, 2], dtype="float32").dtype == np.float32
    t = dlcore.tensor([1.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad is None
    u = dlcore.tensor(t)  # a copy of another tensor keeps its dtype, drops the graph
    assert u.dtype == np.float32 and not u.requires_grad and not np.shares_memory(u.numpy(), t.numpy())


def test_tensor_copies_and_from_numpy_shares():
    a = np.arange(6.0).reshape(2, 3)
    t, s = dlcore.tensor(a), dlcore.from_numpy(a)
    a[0, 0] = 42.0
    assert t.numpy()[0, 0] == 0.0 and s.numpy()[0, 0] == 42.0
    assert s.dtype == np.float64  # from_numpy keeps the dtype
    s.numpy()[1, 1] = -1.0  # .numpy() shares memory too
    assert a[1, 1] == -1.0
    with pytest.raises(TypeError, match=r"from_numpy expects a numpy\.ndarray, got list"):
        dlcore.from_numpy([1, 2])


def test_scalar_results_are_writable_arrays():
    t = Tensor(np.ones(3)).sum()
    assert isinstance(t.numpy(), np.ndarray) and t.shape == ()
    t.zero_()
    assert t.item() == 0.0


def test_factories():
    assert dlcore.zeros(2, 3).shape == (2, 3) and dlcore.zeros((2, 3)).dtype == np.float32
    assert dlcore.ones([4]).numpy().sum() == 4
    assert dlcore.empty(0, 3).shape == (0, 3)
    assert dlcore.full((2,), 1.5).dtype == np.float32 and dlcore.full((2,), 3).dtype == np.int64
    assert dlcore.full((2,), True).dtype == np.bool_
    assert dlcore.full((2, 2), 7, dtype=dlcore.float64).numpy().tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert dlcore.arange(5).dtype == np.int64 and dlcore.arange(0, 1, 0.25).dtype == np.float32
    assert dlcore.arange(3, dtype=dlcore.float64).dtype == np.float64
    x = dlcore.zeros(2, 2, requires_grad=True)
    assert x.requires_grad and dlcore.zeros_like(x).shape == (2, 2) and not dlcore.ones_like(x).requires_grad
    assert dlcore.ones_like(x, dtype=dlcore.float64).dtype == np.float64
    r = dlcore.randn(1000)
    assert r.dtype == np.float32 and abs(float(r.numpy().mean())) < 0.15
    u = dlcore.rand(3, 4, dtype=dlcore.float64)
    assert u.dtype == np.float64 and ((u.numpy() >= 0) & (u.numpy() < 1)).all()
    k = dlcore.randint(2, 5, (100,))
    assert k.dtype == np.int64 and k.numpy().min() >= 2 and k.numpy().max() <= 4


def test_manual_seed_reproduces_random_tensors():
    dlcore.manual_seed(5)
    a = dlcore.randn(4).numpy().copy()
    state = dlcore.get_rng_state()
    b = dlcore.randn(4).numpy().copy()
    dlcore.manual_seed(5)
    np.testing.assert_array_equal(dlcore.randn(4).numpy(), a)
    dlcore.set_rng_state(state)
    np.testing.assert_array_equal(dlcore.randn(4).numpy(), b)
    with pytest.raises(TypeError, match="seed must be an int"):
        dlcore.manual_seed(1.5)


# ---- properties and conversion ---------------------------------------------------------------


def test_properties():
    t = dlcore.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.dim() == 3 and t.numel() == 24
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and len(t) == 2 and t.device == "cpu"
    assert t.T.shape == (4, 3, 2)
    with pytest.raises(TypeError, match="0-d"):
        len(dlcore.tensor(1.0))


def test_item_and_python_conversions():
    assert dlcore.tensor([[2.5]]).item() == 2.5 and isinstance(dlcore.tensor(3).item(), int)
    assert float(dlcore.tensor(2.0)) == 2.0 and int(dlcore.tensor(7)) == 7 and bool(dlcore.tensor(1))
    assert dlcore.tensor([[1, 2]]).tolist() == [[1, 2]]
    with pytest.raises(ValueError, match="tensor with 3 elements cannot be converted to a scalar"):
        dlcore.tensor([1.0, 2.0, 3.0]).item()
    with pytest.raises(ValueError, match="2 elements"):
        bool(dlcore.tensor([1, 2]))
    np.testing.assert_array_equal(np.asarray(dlcore.tensor([1, 2])), [1, 2])


def test_to_dtype():
    x = dlcore.tensor([1.5, -2.5], requires_grad=True)
    assert x.to(dlcore.float32) is x and x.to("cpu") is x and x.float() is x
    y = x.to(dlcore.float64)
    assert y.dtype == np.float64 and y.requires_grad and not np.shares_memory(y.numpy(), x.numpy())
    assert x.to(dtype="float64").dtype == np.float64 and x.double().dtype == np.float64
    assert x.long().numpy().tolist() == [1, -2] and not x.long().requires_grad
    assert x.to("cpu", dlcore.float64).dtype == np.float64
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        x.to("tpu")
    if not dlcore.backend.has_cuda():
        with pytest.raises(RuntimeError, match="without CUDA"):
            x.to("cuda")


def test_comparisons_return_bool_tensors_without_graph():
    x = dlcore.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = dlcore.tensor([3.0, 2.0, 1.0])
    for r, expect in [
        (x < y, [1, 0, 0]),
        (x <= y, [1, 1, 0]),
        (x > y, [0, 0, 1]),
        (x >= 2, [0, 1, 1]),
        (x == y, [0, 1, 0]),
        (x != 2.0, [1, 0, 1]),
    ]:
        assert r.dtype == np.bool_ and not r.requires_grad and r._ctx is None
        assert r.numpy().tolist() == [bool(e) for e in expect]
    assert {x, y} and hash(x) != hash(y)  # tensors stay hashable (dict keys, sets)


def test_setitem():
    t = dlcore.zeros(3, 4)
    t[0] = 1.0
    t[1, 1:3] = dlcore.tensor([5.0, 6.0])
    t[dlcore.tensor([2, 2])] = 9.0
    t[t > 8] = 8.0
    np.testing.assert_array_equal(t.numpy(), [[1, 1, 1, 1], [0, 5, 6, 0], [8, 8, 8, 8]])
    p = dlcore.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place assignment to a tensor that requires grad"):
        p[0] = 1.0
    assert p.numpy().tolist() == [0.0, 0.0]
    with dlcore.no_grad():  # allowed without a graph, as torch
        p[0] = 1.0
    assert p.numpy().tolist() == [1.0, 0.0]


def test_in_place_helpers():
    t = dlcore.ones(2, 3)
    assert t.zero_() is t and t.numpy().sum() == 0
    t.fill_(2.0)
    t.copy_(dlcore.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(t.numpy(), [[1, 2, 3], [1, 2, 3]])
    with pytest.raises(ValueError, match=r"copy_: source of shape \(2,\) does not broadcast to \(2, 3\)"):
        t.copy_(np.ones(2))
    np.testing.assert_array_equal(t.numpy(), [[1, 2, 3], [1, 2, 3]])


def test_requires_grad_rules():
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients, got int64"):
        dlcore.tensor([1, 2]).requires_grad_()
    x = dlcore.tensor([1.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="only valid on leaf"):
        y.requires_grad_(False)
    x.requires_grad_(False)
    assert not (x * 2).requires_grad


def test_repr():
    r = repr(dlcore.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True))
    assert r == "tensor([[1., 2.],\n        [3., 4.]], dtype=float32, requires_grad=True)"
    assert repr(dlcore.tensor(3)) == "tensor(3, dtype=int64)"
    assert repr(dlcore.nn.Parameter(dlcore.ones(2))).startswith("Parameter containing:\ntensor([1., 1.]")


# ---- errors: every public op names itself and both shapes -------------------------------------


def _both_shapes(*shapes):
    return ".*".join(re.escape(str(tuple(s))) for s in shapes)


A, B = dlcore.ones(2, 3), dlcore.ones(4, 5)
BROADCAST_OPS = {
    "add": lambda: A + B,
    "sub": lambda: dlcore.sub(A, B),
    "mul": lambda: A * B,
    "div": lambda: dlcore.div(A, B),
    "pow": lambda: A**B,
    "maximum": lambda: dlcore.maximum(A, B),
    "minimum": lambda: dlcore.minimum(A, B),
    "where": lambda: dlcore.where(A > 0, A, B),
    "matmul": lambda: A @ B,
    "mse_loss": lambda: F.mse_loss(A, B),
    "l1_loss": lambda: F.l1_loss(A, B),
    "huber_loss": lambda: F.huber_loss(A, B),
    "linear": lambda: F.linear(A, B),
    "cat": lambda: dlcore.cat([A, B]),
    "stack": lambda: dlcore.stack([A, B]),
}


@pytest.mark.parametrize("name", sorted(BROADCAST_OPS))
def test_bad_shapes_raise_value_error_naming_op_and_both_shapes(name):
    with pytest.raises(ValueError, match=rf"{name}.*{_both_shapes((2, 3), (4, 5))}"):
        BROADCAST_OPS[name]()


@pytest.mark.parametrize(
    "call,pattern",
    [
        (
            lambda: dlcore.ones(2, 3, 4) @ dlcore.ones(5, 4, 2),
            r"matmul: batch dimensions of \(2, 3, 4\) and \(5, 4, 2\)",
        ),
        (lambda: dlcore.ones(3) @ dlcore.tensor(2.0), r"matmul: operands must be at least 1-D"),
        (
            lambda: F.linear(dlcore.ones(2, 3), dlcore.ones(4, 3), dlcore.ones(3)),
            r"linear: bias of shape \(3,\) does not match weight \(4, 3\)",
        ),
        (
            lambda: F.cross_entropy(dlcore.ones(4, 3), dlcore.tensor([0, 1])),
            r"cross_entropy: .*\(4, 3\) and \(2,\)",
        ),
        (
            lambda: F.cross_entropy(dlcore.ones(2, 3, 5), dlcore.tensor(np.zeros((2, 4), int))),
            r"cross_entropy: target shape \(2, 4\) does not match input \(2, 3, 5\)",
        ),
        (
            lambda: F.cross_entropy(dlcore.ones(2, 3), dlcore.tensor([0, 3])),
            r"cross_entropy: target 3 is out of range for 3 classes \(targets must be in \[0, 3\)\)",
        ),
        (
            lambda: F.cross_entropy(dlcore.ones(2, 3), dlcore.tensor([0, 1]), reduction="avg"),
            r"reduction must be one of",
        ),
        (lambda: F.nll_loss(dlcore.ones(4, 3), dlcore.tensor([0, 1])), r"nll_loss: .*\(4, 3\) and \(2,\)"),
        (
            lambda: F.nll_loss(dlcore.ones(2, 3), dlcore.tensor([0, -1])),
            r"nll_loss: targets must lie in \[0, 3\)",
        ),
        (
            lambda: F.nll_loss(dlcore.ones(2, 3), dlcore.tensor([0, 3])),
            r"nll_loss: targets must lie in \[0, 3\)",
        ),
        (lambda: F.mse_loss(dlcore.ones(2), dlcore.ones(2), reduction="bad"), r"mse_loss: reduction"),
        (
            lambda: dlcore.ones(2, 3).reshape(7),
            r"reshape: cannot reshape a tensor of shape \(2, 3\) into \(7,\)",
        ),
        (lambda: dlcore.ones(2, 3).T.view(6), r"view: .*\(3, 2\).*cannot be viewed as \(6,\) without a copy"),
        (lambda: dlcore.ones(2, 3).permute(0, 0), r"permute: dims \(0, 0\) are not a permutation"),
        (lambda: dlcore.ones(2, 3).permute(0, 5), r"permute: dims \(0, 5\)"),
        (lambda: dlcore.ones(2, 3).permute(1, 0, 2), r"permute: dims \(1, 0, 2\)"),
        (
            lambda: dlcore.ones(2, 3).transpose(0, 2),
            r"transpose: dim 2 is out of range for a tensor of 2 dimensions",
        ),
        (lambda: dlcore.ones(2, 3).sum(2), r"sum: dim 2 is out of range"),
        (lambda: dlcore.ones(2, 3).mean(-3), r"mean: dim -3 is out of range"),
        (lambda: dlcore.ones(2, 3).amax((0, 4)), r"amax: dim 4 is out of range"),
        (lambda: dlcore.zeros(0, 3).max(), r"max: cannot reduce an empty tensor of shape \(0, 3\)"),
        (lambda: F.log_softmax(dlcore.ones(2, 3), 2), r"log_softmax: dim 2 is out of range"),
        (lambda: F.softmax(dlcore.ones(2, 3), -3), r"softmax: dim -3 is out of range"),
        (lambda: F.log_softmax(dlcore.tensor(1.0), 1), r"log_softmax: dim 1 is out of range .* \[-1, 0\]"),
        (lambda: dlcore.cat([dlcore.ones(2, 3), dlcore.ones(2, 3)], dim=2), r"cat: dim 2 is out of range"),
        (
            lambda: dlcore.cat([dlcore.ones(2, 3), dlcore.ones(3)]),
            r"cat: tensors must have the same number of dimensions",
        ),
        (lambda: dlcore.cat([]), r"cat: expected a non-empty sequence"),
        (lambda: dlcore.stack([dlcore.ones(2)], dim=2), r"stack: dim 2 is out of range"),
        (lambda: dlcore.ones(2, 3).unsqueeze(3), r"unsqueeze: dim 3 is out of range"),
        (lambda: dlcore.ones(2, 3).squeeze(2), r"squeeze: dim 2 is out of range"),
        (lambda: dlcore.ones(2, 3, 4).flatten(2, 1), r"flatten: start_dim 2 comes after end_dim 1"),
        (lambda: F.dropout(dlcore.ones(2), 1.5), r"dropout: p must be in \[0, 1\]"),
    ],
)
def test_bad_arguments_raise_value_error(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


@pytest.mark.parametrize(
    "call,pattern",
    [
        (
            lambda: dlcore.ones(2, 3) @ dlcore.ones(3, 2, dtype=dlcore.float64),
            r"matmul: operands must have the same dtype, got float32 and float64",
        ),
        (
            lambda: F.linear(dlcore.ones(2, 3, dtype=dlcore.float64), dlcore.ones(4, 3)),
            r"linear: input, weight and bias must have the same dtype",
        ),
        (lambda: F.linear(dlcore.tensor([[1, 2, 3]]), dlcore.ones(4, 3)), r"linear: .*int64, float32"),
        (
            lambda: F.cross_entropy(dlcore.ones(2, 3), dlcore.tensor([0.0, 1.0])),
            r"cross_entropy: targets must be integer class indices, got float32",
        ),
        (
            lambda: F.cross_entropy(dlcore.tensor([[1, 2], [3, 4]]), dlcore.tensor([0, 1])),
            r"cross_entropy: logits must be floating point, got int64",
        ),
        (
            lambda: F.nll_loss(dlcore.ones(2, 3), dlcore.tensor([0.0, 1.0])),
            r"nll_loss: target must be integer class indices, got float32",
        ),
    ],
)
def test_wrong_dtypes_raise_type_error(call, pattern):
    with pytest.raises(TypeError, match=pattern):
        call()


def test_failed_ops_leave_no_graph_and_no_grad():
    x = dlcore.ones(2, 3, requires_grad=True)
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) do not match"):
        x @ dlcore.ones(4, 5)
    with pytest.raises(ValueError, match=r"cross_entropy: target 7 is out of range"):
        F.cross_entropy(x, dlcore.tensor([0, 7]))
    assert x.grad is None and x.is_leaf


def test_public_functions_exist_and_match_methods():
    x = dlcore.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)))
    pairs = [
        (dlcore.neg(x), -x),
        (dlcore.pow(x, 2), x**2),
        (dlcore.sum(x, 1), x.sum(1)),
        (dlcore.max(x, -1).values, x.max(-1).values),
        (dlcore.permute(x, (2, 0, 1)), x.permute(2, 0, 1)),
        (dlcore.transpose(x, 0, 1), x.transpose(0, 1)),
        (dlcore.log_softmax(x, 1), x.log_softmax(1)),
        (dlcore.flatten(x, 1), x.flatten(1)),
        (dlcore.squeeze(dlcore.unsqueeze(x, 0), 0), x),
        (dlcore.mean(x), x.mean()),
        (dlcore.exp(x), x.exp()),
    ]
    for a, b in pairs:
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for name in dlcore.__all__:
        assert hasattr(dlcore, name), name


def test_functions_on_python_numbers_use_default_dtypes():
    assert dlcore.add(1.5, 2).dtype == np.float32 and dlcore.mul(2, 3).dtype == np.int64
    assert dlcore.where(dlcore.tensor([True, False]), 1.0, 0.0).dtype == np.float32
    assert dlcore.add(np.ones(2), 1.0).dtype == np.float64  # numpy arrays keep their dtype
    assert (dlcore.tensor([1.0, 2.0]) + dlcore.tensor([1, 2])).dtype == np.float32  # as torch
    assert (dlcore.tensor([1, 2]) * dlcore.tensor([0.5], dtype=dlcore.float64)).dtype == np.float64
    assert (dlcore.tensor([1, 2]) / 2).dtype == np.float32  # true division of ints, as torch
