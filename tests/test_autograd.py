"""Autograd: gradcheck (float64 central differences, max rel. error 1e-6) for every op and Tensor
method, plus the engine's contracts (accumulation, diamonds, deep graphs, retain_graph, no_grad,
detach, errors) and a check that gradcheck itself fails on a wrong backward.
"""

import numpy as np
import pytest

import dlcore
import dlcore.nn.functional as F
from dlcore import Tensor
from dlcore.autograd import GradcheckError, gradcheck
from dlcore.tensor import Function

ATOL, RTOL = 1e-8, 1e-6  # F10: |analytic - numeric| <= 1e-8 + 1e-6 |numeric|


def _arr(rng, shape, kind="any"):
    x = rng.standard_normal(shape)
    if kind == "pos":  # log, sqrt, pow bases
        x = np.abs(x) + 0.5
    elif kind == "away":  # away from the kinks of abs / relu at 0
        x = np.sign(x) * (np.abs(x) + 0.2)
    elif kind == "distinct":  # no ties (max, maximum)
        x = rng.permutation(np.arange(int(np.prod(shape)))).reshape(shape) * 0.37 - 1.1
    return x


def check(fn, *specs, rng=None):
    """gradcheck fn on float64 leaves built from specs: a shape, (shape, kind) or an array."""
    rng = rng or np.random.default_rng(7)
    inputs = []
    for s in specs:
        if isinstance(s, np.ndarray):
            arr = s.astype(np.float64)
        elif isinstance(s, tuple) and len(s) == 2 and isinstance(s[1], str):
            arr = _arr(rng, *s)
        else:
            arr = _arr(rng, s)
        inputs.append(Tensor(arr, requires_grad=True))
    assert gradcheck(fn, inputs, atol=ATOL, rtol=RTOL)


# ---- elementwise -----------------------------------------------------------------------------

UNARY = {
    "neg": (lambda x: -x, "any"),
    "neg_fn": (dlcore.functional.neg, "any"),
    "exp": (lambda x: x.exp(), "any"),
    "log": (lambda x: x.log(), "pos"),
    "sqrt": (lambda x: x.sqrt(), "pos"),
    "abs": (lambda x: x.abs(), "away"),
    "tanh": (lambda x: x.tanh(), "any"),
    "sigmoid": (lambda x: x.sigmoid(), "any"),
    "relu": (lambda x: x.relu(), "away"),
    "relu_fn": (F.relu, "away"),
    "clamp": (lambda x: dlcore.clamp(x, min=-0.1, max=0.1) + x.clamp(min=0.1), "away"),
    "clamp_max": (lambda x: x.clamp(max=-0.1), "away"),
    "pow2": (lambda x: x**2, "any"),
    "pow3": (lambda x: x.pow(3), "any"),
    "pow_neg_frac": (lambda x: x**-1.5, "pos"),
    "pow_half": (lambda x: x**0.5, "pos"),
    "rpow": (lambda x: 2.0**x, "any"),
    "radd_rsub_rmul_rdiv": (lambda x: (2 + x) * (1 - x) * 3 / (x * x + 1) - 0.5, "any"),
    "clone": (lambda x: x.clone() * x, "any"),
    "to_same_dtype": (lambda x: x.to(dlcore.float64).double() * 2, "any"),
    "sigmoid_large": (lambda x: (x * 30).sigmoid(), "any"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (7,), (3, 1, 4)])
def test_unary(name, shape):
    fn, kind = UNARY[name]
    check(fn, (shape, kind))


BINARY = {
    "add": (lambda a, b: a + b, "any", "any"),
    "add_fn": (dlcore.add, "any", "any"),
    "sub": (lambda a, b: a - b, "any", "any"),
    "sub_fn": (dlcore.sub, "any", "any"),
    "mul": (lambda a, b: a * b, "any", "any"),
    "mul_fn": (dlcore.mul, "any", "any"),
    "div": (lambda a, b: a / b, "any", "pos"),
    "div_fn": (dlcore.div, "any", "pos"),
    "pow": (lambda a, b: a**b, "pos", "any"),
    "pow_fn": (dlcore.functional.pow, "pos", "any"),
    "maximum": (dlcore.maximum, "distinct", "distinct"),
    "minimum": (dlcore.minimum, "distinct", "distinct"),
    "where": (lambda a, b: dlcore.where(a > 0.1, a, b), "away", "any"),
}
BCAST = [
    ((3, 1, 4), (5, 1)),
    ((5, 1), (3, 1, 4)),
    ((2, 3), (3,)),
    ((1,), (2, 3)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((4, 1), (1, 5)),
]


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("sa,sb", BCAST)
def test_binary_broadcasting(name, sa, sb):
    fn, ka, kb = BINARY[name]
    if name in ("maximum", "minimum"):  # distinct values across both operands: no ties
        rng = np.random.default_rng(3)
        vals = rng.permutation(np.arange(int(np.prod(sa)) + int(np.prod(sb)))) * 0.37 - 2.0
        a, b = vals[: int(np.prod(sa))].reshape(sa), vals[int(np.prod(sa)) :].reshape(sb)
        check(fn, a, b)
    else:
        check(fn, (sa, ka), (sb, kb))


def test_maximum_ties_split_the_gradient():
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([1.0, 5.0, 0.0]), requires_grad=True)
    dlcore.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1.0, 0.0])


def test_where_with_tensor_condition_and_scalar():
    check(lambda x: dlcore.where(x > 0.1, x * 2, 0.0), ((3, 4), "away"))


def test_pow_of_negative_base_with_tensor_exponent_has_no_nan_gradient():
    a = Tensor(np.array([-2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 2.0]), requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [-4.0, 6.0])
    assert np.isfinite(b.grad.numpy()).all()


# ---- reductions ------------------------------------------------------------------------------

AXES = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)]


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin"])
@pytest.mark.parametrize("dim", AXES)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions(op, dim, keepdim):
    check(lambda x: getattr(x, op)(dim, keepdim=keepdim), ((3, 4, 5), "distinct"))


def test_reduction_functions_and_values():
    x = np.random.default_rng(1).standard_normal((3, 4, 5))
    t = Tensor(x)
    np.testing.assert_allclose(dlcore.functional.sum(t, (0, 2)).numpy(), x.sum((0, 2)))
    np.testing.assert_allclose(dlcore.mean(t, -1, keepdim=True).numpy(), x.mean(-1, keepdims=True))
    np.testing.assert_allclose(dlcore.functional.max(t, 1).values.numpy(), x.max(1))
    assert t.sum().shape == () and t.amax(keepdim=True).shape == (1, 1, 1)


def test_max_ties_share_the_gradient():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]]), requires_grad=True)
    x.amax(1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0.5, 0.5], [1, 0, 0]])


def test_max_gradient_keeps_float32():
    # a float64 gradient from amax reached the conv kernels (which refuse mixed dtypes)
    fn = dlcore.ops.Max()
    fn.forward(np.array([[1.0, 3.0, 3.0]], np.float32), axis=1)
    assert fn.backward(np.ones(1, np.float32))[0].dtype == np.float32


# ---- shape ops -------------------------------------------------------------------------------

SHAPE_OPS = {
    "reshape": lambda x: x.reshape(4, 15) * x.reshape(4, 15),
    "reshape_tuple_neg": lambda x: dlcore.reshape(x, (-1, 5)),
    "view": lambda x: x.view(12, 5).exp(),
    "view_tuple": lambda x: x.view((5, 12)),
    "permute": lambda x: x.permute(2, 0, 1),
    "permute_neg": lambda x: x.permute((-1, 0, -2)).exp(),
    "transpose": lambda x: x.transpose(0, 2),
    "transpose_neg": lambda x: x.transpose(-1, -2) * 2,
    "T": lambda x: x.T,
    "flatten": lambda x: x.flatten(),
    "flatten_1": lambda x: x.flatten(1),
    "flatten_0_1": lambda x: x.flatten(0, 1),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "unsqueeze_neg": lambda x: x.unsqueeze(-1),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(),
    "squeeze_dim": lambda x: x.unsqueeze(2).squeeze(2),
    "view_of_transpose_via_reshape": lambda x: x.transpose(0, 1).reshape(-1),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_ops(name):
    check(SHAPE_OPS[name], (3, 4, 5))


GETITEM = {
    "int": lambda x: x[1],
    "neg_int": lambda x: x[-1, 2],
    "slice": lambda x: x[1:3],
    "slice_step": lambda x: x[::2, 1:],
    "neg_step": lambda x: x[::-1],
    "neg_step_2": lambda x: x[::-2, 3:0:-1],
    "ellipsis": lambda x: x[..., 2],
    "none": lambda x: x[None, 1, :, None],
    "int_array_repeats": lambda x: x[[0, 0, 2, 0]],
    "int_array_2d": lambda x: x[np.array([[0, 1], [1, 0], [2, 2]])],
    "int_array_axis1": lambda x: x[:, [1, 1, 3]],
    "two_int_arrays": lambda x: x[[0, 2, 2], [1, 1, 0]],
    "int_tensor": lambda x: x[dlcore.tensor([2, 2, 1])],
    "neg_int_array": lambda x: x[np.array([-1, 0, -1])],
    "bool_mask": lambda x: x[x.numpy() > 0],
    "bool_mask_tensor": lambda x: x[x > 0.3],
    "bool_rows": lambda x: x[np.array([True, False, True])],
    "mixed_slice_array": lambda x: x[1:, [0, 0, 3]] * x[1:, [3, 2, 1]],
}


@pytest.mark.parametrize("name", sorted(GETITEM))
def test_getitem(name):
    check(GETITEM[name], ((3, 4, 5), "away"))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat(dim):
    shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]]
    for i, s in enumerate(shapes):
        s[dim] = i + 1
    check(lambda a, b, c: dlcore.cat([a, b, c], dim=dim), *map(tuple, shapes))


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_stack(dim):
    check(lambda a, b: dlcore.stack((a, b * 2), dim=dim), (2, 3), (2, 3))


def test_cat_with_a_constant_input():
    c = Tensor(np.ones((2, 3)))
    check(lambda a: dlcore.cat([c, a, c], dim=1), (2, 2))


# ---- matmul / linear -------------------------------------------------------------------------

MATMUL = [
    ((3,), (3,)),
    ((4, 3), (3,)),
    ((3,), (3, 5)),
    ((4, 3), (3, 5)),
    ((1, 1), (1, 1)),
    ((2, 4, 3), (3, 5)),
    ((2, 4, 3), (2, 3, 5)),
    ((2, 1, 4, 3), (3, 3, 5)),
    ((4, 3), (2, 3, 5)),
    ((3,), (2, 3, 5)),
    ((2, 4, 3), (3,)),
    ((1, 4, 3), (2, 3, 5)),
]


@pytest.mark.parametrize("sa,sb", MATMUL)
def test_matmul(sa, sb):
    check(lambda a, b: a @ b, sa, sb)


def test_matmul_forms_and_values(rng):
    a, b = rng.standard_normal((2, 1, 4, 3)), rng.standard_normal((3, 3, 5))
    np.testing.assert_allclose((Tensor(a) @ Tensor(b)).numpy(), a @ b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dlcore.matmul(Tensor(a), Tensor(b)).numpy(), a @ b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Tensor(a).matmul(Tensor(b)).numpy(), a @ b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose((a @ Tensor(b)).numpy(), a @ b, rtol=1e-12, atol=1e-12)  # __rmatmul__


def test_matmul_with_one_constant_operand():
    w = Tensor(np.random.default_rng(2).standard_normal((3, 5)))
    check(lambda a: a @ w, (2, 4, 3))
    check(lambda b: w.T @ b, (3, 2))
    check(lambda b: w.numpy().T @ b, (3, 2))  # ndarray @ Tensor -> Tensor.__rmatmul__


@pytest.mark.parametrize("xshape", [(4, 3), (2, 4, 3), (3,), (1, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(xshape, bias):
    if bias:
        check(lambda x, w, b: F.linear(x, w, b), xshape, (5, 3), (5,))
    else:
        check(lambda x, w: F.linear(x, w), xshape, (5, 3))


def test_linear_with_non_contiguous_input_and_broadcast_gradient():
    w = Tensor(np.random.default_rng(4).standard_normal((5, 3)), requires_grad=True)
    check(lambda x: F.linear(x.transpose(0, 1), w).sum(0), (3, 4))
    check(lambda x: F.linear(x[::-1, ::2], w) * 2, (4, 6))


# ---- softmax family and losses ---------------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("fn", ["log_softmax", "softmax"])
def test_softmax_family(fn, dim):
    check(lambda x: getattr(F, fn)(x, dim), (3, 4, 5))
    check(lambda x: getattr(x, fn)(dim) * 1.5, (3, 4, 5))


def test_softmax_values(rng):
    x = rng.standard_normal((3, 4, 5)) * 5
    from dlcore import reference as ref

    for d in range(3):
        np.testing.assert_allclose(F.softmax(Tensor(x), d).numpy(), ref.softmax(x, d), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(
            F.log_softmax(Tensor(x), d).numpy(), ref.log_softmax(x, d), rtol=1e-12, atol=1e-12
        )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(6, 5), (1, 1), (3, 4, 5), (2, 4, 3, 2)])
def test_cross_entropy(reduction, shape):
    rng = np.random.default_rng(5)
    t = rng.integers(0, shape[1], size=(shape[0],) + shape[2:])
    check(lambda x: F.cross_entropy(x, dlcore.tensor(t), reduction=reduction), shape)


def test_cross_entropy_module_and_nll():
    t = np.array([1, 0, 4, 4])
    check(lambda x: dlcore.nn.CrossEntropyLoss()(x, dlcore.tensor(t)), (4, 5))
    check(lambda x: F.nll_loss(F.log_softmax(x, 1), t, reduction="sum"), (4, 5))
    check(lambda x: dlcore.nn.NLLLoss(reduction="none")(x, dlcore.tensor(t)), (4, 5))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "huber_loss"])
def test_regression_losses(loss, reduction):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 3)) * 2
    y = x + np.sign(rng.standard_normal((4, 3))) * rng.choice(
        [0.3, 0.7, 1.5, 2.5], size=(4, 3)
    )  # |x-y| != 0, 1
    check(lambda a, b: getattr(F, loss)(a, b, reduction=reduction), x, y)


def test_loss_modules():
    y = np.random.default_rng(8).standard_normal((3, 2)) + 3.0
    check(lambda a: dlcore.nn.MSELoss()(a, dlcore.tensor(y, dtype="float64")), (3, 2))
    check(lambda a: dlcore.nn.L1Loss(reduction="sum")(a, y), (3, 2))
    check(lambda a: dlcore.nn.HuberLoss(delta=0.5)(a, y), (3, 2))


def test_dropout_with_a_fixed_mask():
    def fn(x):
        dlcore.manual_seed(3)
        return F.dropout(x, 0.4, training=True)

    check(fn, (5, 6))
    x = Tensor(np.ones((200, 50)))
    y = F.dropout(x, 0.25).numpy()
    assert set(np.unique(y)) <= {0.0, 1 / 0.75} and abs((y == 0).mean() - 0.25) < 0.03
    assert F.dropout(x, 0.3, training=False) is x


def test_activation_modules():
    check(lambda x: dlcore.nn.Sequential(dlcore.nn.Tanh(), dlcore.nn.Sigmoid(), dlcore.nn.ReLU())(x), (3, 4))


def test_mlp_parameters_gradcheck():
    lin1, lin2 = dlcore.nn.Linear(3, 4, dtype=np.float64), dlcore.nn.Linear(4, 2, dtype=np.float64)
    x = Tensor(np.random.default_rng(9).standard_normal((5, 3)))
    t = dlcore.tensor([0, 1, 1, 0, 1])

    def fn(w1, b1, w2, b2):
        h = F.linear(x, w1, b1).tanh()
        return F.cross_entropy(F.linear(h, w2, b2), t)

    assert gradcheck(fn, [lin1.weight, lin1.bias, lin2.weight, lin2.bias], atol=ATOL, rtol=RTOL)


def test_dtype_conversion_gradient():
    x = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    y = x.double() * Tensor(np.array([3.0, 4.0]))
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])
    assert not x.long().requires_grad  # integer results never join the graph


# ---- engine contracts ------------------------------------------------------------------------


def test_tensor_used_twice_gets_both_contributions():
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * x.numpy() + 1)
    x.grad = None
    (x + x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_diamond_graph():
    x = Tensor(np.array([0.3, -0.7]), requires_grad=True)
    a = x * 2
    b, c = a.exp(), a * a
    (b * c).sum().backward()
    av = 2 * x.numpy()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (np.exp(av) * av * av + np.exp(av) * 2 * av), rtol=1e-14)
    check(lambda x: (lambda a: a.exp() * (a * a) + a.tanh())(x * 2), (4,))


def test_deep_chain_has_no_recursion_limit():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001**5000] * 2, rtol=1e-10)


def test_gradients_accumulate_across_backward_calls():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3 + 2, 3 + 4])


def test_retain_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    z = (x.exp() * 2).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp(x.numpy()))
    before = x.grad.numpy().copy()
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph=True"):
        z.backward()
    np.testing.assert_array_equal(x.grad.numpy(), before)  # nothing accumulated by the failed call


def test_backward_through_a_freed_subgraph_raises():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 2
    y.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (y * 3).sum().backward()
    assert y.grad is None and not y.is_leaf


def test_retain_grad_on_an_intermediate():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), 2 * y.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), 18 * x.numpy())


def test_no_grad_records_nothing():
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    w = dlcore.nn.Linear(2, 3, dtype=np.float64)
    with dlcore.no_grad():
        assert not dlcore.is_grad_enabled()
        outs = [
            x * 2,
            x + 1,
            x @ x,
            x.exp(),
            x.sum(),
            x[0],
            x.reshape(4),
            dlcore.cat([x, x]),
            w(x),
            F.log_softmax(x),
            F.softmax(x),
            F.cross_entropy(x, dlcore.tensor([0, 1])),
            x.T,
            x.clone(),
        ]
        with dlcore.enable_grad():
            inner = x * 2
    assert dlcore.is_grad_enabled()
    for o in outs:
        assert o._ctx is None and not o.requires_grad
    assert inner._ctx is not None and inner.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        outs[4].backward()


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ValueError, match="boom"), dlcore.no_grad():
        raise ValueError("boom")
    assert dlcore.is_grad_enabled()


def test_detach():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d._ctx is None
    assert np.shares_memory(d.numpy(), y.numpy())
    (y * d).sum().backward()  # d is a constant
    np.testing.assert_array_equal(x.grad.numpy(), 2 * d.numpy())


def test_backward_errors():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"only for scalar outputs, got shape \(2,\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"gradient shape \(3,\) does not match tensor shape \(2,\)"):
        y.backward(np.ones(3))
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 20.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(np.ones(1)).backward()
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(np.ones(2, np.int64), requires_grad=True)


def test_grad_dtype_matches_leaf():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    (x * 2.0).sum().backward()
    assert x.grad.dtype == np.float32


# ---- gradcheck itself ------------------------------------------------------------------------


class _WrongSquare(Function):
    """x**2 with a deliberately wrong backward (missing the factor 2)."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, g):
        return (g * self.x,)


class _RightSquare(_WrongSquare):
    def backward(self, g):
        return (2 * g * self.x,)


def test_gradcheck_catches_a_wrong_backward():
    x = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    assert gradcheck(_RightSquare.apply, [x], atol=ATOL, rtol=RTOL)
    with pytest.raises(GradcheckError, match="Jacobian mismatch for input 0"):
        gradcheck(_WrongSquare.apply, [x])
    assert gradcheck(_WrongSquare.apply, [x], raise_exception=False) is False
    with pytest.raises(GradcheckError, match="fast"):
        gradcheck(_WrongSquare.apply, [x], fast_mode=True)
    assert gradcheck(_RightSquare.apply, [x], fast_mode=True)
    np.testing.assert_array_equal(x.numpy(), [0.5, -1.5, 2.0])  # inputs restored


def test_gradcheck_catches_a_missing_broadcast_reduction():
    class BadAdd(Function):
        def forward(self, a, b):
            return a + b

        def backward(self, g):
            return g, g[..., :1]  # wrong: should sum over the broadcast axis

    with pytest.raises(GradcheckError):
        check(lambda a, b: BadAdd.apply(a, b), (2, 3), (2, 1))


def test_gradcheck_argument_errors():
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda x: x * 2, [Tensor(np.ones(2, np.float32), requires_grad=True)])
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda x: x * 2, [Tensor(np.ones(2))])


def test_pow_zero_exponent_has_zero_gradient_at_zero():
    x = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    b = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    x.grad = None
    (x**b).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0])  # as torch.pow


@pytest.mark.parametrize("sa,sb", [((0, 3), (3, 5)), ((4, 0), (0, 5)), ((4, 3), (3, 0)), ((2, 0, 3), (3, 4))])
def test_matmul_with_empty_dimensions(sa, sb):
    a = Tensor(np.ones(sa), requires_grad=True)
    b = Tensor(np.ones(sb), requires_grad=True)
    y = a @ b
    np.testing.assert_array_equal(y.numpy(), np.ones(sa) @ np.ones(sb))
    y.sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb and not a.grad.numpy().any() and not b.grad.numpy().any()
    lin = dlcore.nn.Linear(3, 2)
    assert lin(dlcore.ones(0, 3)).shape == (0, 2)


def test_softmax_family_with_empty_axes():
    assert F.log_softmax(Tensor(np.ones((2, 0))), 1).shape == (2, 0)
    assert F.log_softmax(Tensor(np.ones((0, 3))), 1).shape == (0, 3)


def test_backward_frees_the_graph():
    import gc
    import weakref

    x = Tensor(np.ones(3), requires_grad=True)
    y = x * 2
    z = (y.exp() * 3).sum()
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is not None  # still held by z's graph
    z.backward()
    gc.collect()
    assert ref() is None  # freed once backward ran without retain_graph


@pytest.mark.parametrize("bias", [True, False])
def test_nn_linear_module_gradcheck(bias):
    lin = dlcore.nn.Linear(3, 4, bias=bias, dtype=np.float64)
    x = Tensor(np.random.default_rng(11).standard_normal((2, 5, 3)), requires_grad=True)
    assert gradcheck(lambda x, *ps: lin(x), [x, *lin.parameters()], atol=ATOL, rtol=RTOL)
    model = dlcore.nn.Sequential(
        dlcore.nn.Flatten(), dlcore.nn.Linear(15, 4, dtype=np.float64), dlcore.nn.LogSoftmax(1)
    )
    assert gradcheck(lambda x, *ps: model(x), [x, *model.parameters()], atol=ATOL, rtol=RTOL)


def test_gemm_with_empty_k_overwrites_out():
    from dlcore.ops._helpers import gemm

    out = np.full((4, 5), np.nan)
    gemm(np.ones((4, 0)), np.ones((0, 5)), out)
    assert (out == 0).all()
    out[...] = 2.0
    gemm(np.ones((4, 0)), np.ones((0, 5)), out, beta=0.5)
    assert (out == 1.0).all()


def test_cross_entropy_on_an_empty_batch():
    x = Tensor(np.ones((0, 3)), requires_grad=True)
    t = dlcore.tensor(np.zeros(0, np.int64))
    assert np.isnan(F.cross_entropy(x, t).item())  # mean over nothing, as torch
    s = F.cross_entropy(x, t, reduction="sum")
    assert s.item() == 0.0
    s.backward()
    assert x.grad.shape == (0, 3)


def test_no_grad_as_a_decorator():
    @dlcore.no_grad()
    def infer(x):
        return x * 2

    x = Tensor(np.ones(2), requires_grad=True)
    for _ in range(2):  # reusable
        y = infer(x)
        assert y._ctx is None and not y.requires_grad
    assert dlcore.is_grad_enabled() and (x * 2).requires_grad
