"""The pooling layers and functionals beyond the op table: torch's constructor attributes and
repr, return_indices through a layer, unbatched inputs, gradients through the indices path, and
errors that name the op and the shapes."""

import numpy as np
import pytest

import dlcore
import dlcore.nn as nn
import dlcore.nn.functional as F

torch = pytest.importorskip("torch")

LAYERS = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3, 2, 1, 2), {"return_indices": True, "ceil_mode": True}),
    ("MaxPool1d", ((3,),), {"stride": 1}),
    ("AvgPool2d", ((3, 2),), {"padding": 1, "divisor_override": 2}),
    ("AvgPool1d", (3, 2, 1), {"ceil_mode": True, "count_include_pad": False}),
    ("AvgPool1d", ((4,),), {}),
    ("AdaptiveAvgPool2d", ((5, None),), {}),
    ("AdaptiveAvgPool1d", (3,), {}),
]


@pytest.mark.parametrize("name, args, kwargs", LAYERS)
def test_layers_have_torchs_attributes_and_repr(name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    for attr in (
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "ceil_mode",
        "return_indices",
        "count_include_pad",
        "divisor_override",
        "output_size",
    ):
        if hasattr(theirs, attr):
            assert getattr(ours, attr) == getattr(theirs, attr), attr


def test_max_pool_layer_returns_indices_and_the_gradient_follows_them():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    a = dlcore.from_numpy(x).requires_grad_()
    y, idx = nn.MaxPool2d(3, 2, 1, return_indices=True)(a)
    t = torch.from_numpy(x).requires_grad_()
    ty, ti = torch.nn.MaxPool2d(3, 2, 1, return_indices=True)(t)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), ti.numpy())
    assert idx.dtype == dlcore.int64 and not idx.requires_grad
    idx.numpy()[...] = 0  # the returned indices are the caller's: the backward keeps its own
    w = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(dlcore.from_numpy(w))
    ty.backward(torch.from_numpy(w))
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_unbatched_inputs_pool_as_torch():
    x = np.random.default_rng(2).standard_normal((3, 9, 10)).astype(np.float32)
    for ours, theirs in (
        (F.max_pool2d, torch.nn.functional.max_pool2d),
        (F.avg_pool2d, torch.nn.functional.avg_pool2d),
    ):
        np.testing.assert_allclose(
            ours(dlcore.from_numpy(x), 3, 2).numpy(), theirs(torch.from_numpy(x), 3, 2).numpy(), rtol=1e-6
        )
    np.testing.assert_allclose(
        F.adaptive_avg_pool1d(dlcore.from_numpy(x[0]), 4).numpy(),
        torch.nn.functional.adaptive_avg_pool1d(torch.from_numpy(x[0]), 4).numpy(),
        rtol=1e-6,
    )


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda x: F.max_pool2d(x, 3, padding=2),
            ValueError,
            r"max_pool2d: padding \(2, 2\) must be at most half of kernel_size \(3, 3\)",
        ),
        (
            lambda x: F.avg_pool2d(x, (9, 2)),
            ValueError,
            r"avg_pool2d: input of shape \(2, 3, 7, 8\) is too small for kernel_size \(9, 2\)",
        ),
        (
            lambda x: F.max_pool1d(x, 2),
            ValueError,
            r"max_pool1d: expected a \(C, L\) or \(N, C, L\) input, got shape \(2, 3, 7, 8\)",
        ),
        (
            lambda x: nn.MaxPool2d(2)(x[0, 0]),
            ValueError,
            r"max_pool2d: expected a \(C, H, W\) or \(N, C, H, W\) input, got shape \(7, 8\)",
        ),
        (lambda x: nn.AvgPool2d(2)("x"), TypeError, r"AvgPool2d: expected a Tensor as input, got str"),
        (
            lambda x: F.adaptive_avg_pool2d(x, (2, -3)),
            ValueError,
            r"adaptive_avg_pool2d: output_size must be >= 0, got \(2, -3\)",
        ),
        (
            lambda x: F.max_pool2d(x.long(), 2),
            TypeError,
            r"max_pool2d: expected a floating point input, got int64",
        ),
    ],
)
def test_errors_name_the_op_and_the_shapes(call, error, match):
    x = dlcore.ones(2, 3, 7, 8)
    with pytest.raises(error, match=match):
        call(x)
