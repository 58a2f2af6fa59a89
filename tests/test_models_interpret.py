"""dlcore.models.saliency and activation_maximization: saliency equals a central-difference input
gradient (logits and conv channels), activation maximisation raises its objective and reaches its
target, the model's state is restored, bad arguments refused."""

import numpy as np
import pytest

import dlcore
from dlcore import from_numpy, nn, no_grad
from dlcore.models import activation_maximization, saliency


def _mlp():
    dlcore.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 7, dtype=np.float64), nn.Tanh(), nn.Linear(7, 3, dtype=np.float64))


def _central_difference(score, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (score(up) - score(down)) / (2 * eps)
    return g


def test_saliency_is_the_input_gradient_of_the_target_logit():
    model = _mlp()
    x = np.random.default_rng(1).standard_normal((4, 5))
    target = np.array([0, 2, 1, 2])

    def score(a):
        with no_grad():
            return model(from_numpy(a)).numpy()[np.arange(4), target].sum()

    g = saliency(model, x, target)
    np.testing.assert_allclose(g, _central_difference(score, x), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(saliency(model, x, target, abs=True), np.abs(g))
    one = saliency(model, x, 1)  # an int: the same class for every sample
    np.testing.assert_allclose(one, saliency(model, x, [1, 1, 1, 1]))


def test_saliency_of_a_conv_channel_is_its_mean_activation_gradient():
    dlcore.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1, dtype=np.float64), nn.Tanh())
    x = np.random.default_rng(2).standard_normal((2, 1, 5, 5))

    def score(a):
        with no_grad():
            return conv(from_numpy(a)).numpy()[:, 2].mean((1, 2)).sum()

    np.testing.assert_allclose(saliency(conv, x, 2), _central_difference(score, x), rtol=1e-6, atol=1e-9)


def test_state_is_restored():
    model = _mlp()
    model.train()
    params = list(model.parameters())
    params[0].requires_grad = False
    saliency(model, np.ones((2, 5)), 0)
    activation_maximization(model, [0, 1], (5,), steps=3, dtype=np.float64)
    assert model.training and [p.requires_grad for p in params] == [False, True, True, True]
    assert all(p.grad is None for p in params)


def test_activation_maximization_finds_the_optimum_of_a_linear_score():
    """For logits W x + b the penalised objective w_t . x - l2 ||x||^2 peaks at x = w_t / (2 l2)."""
    dlcore.manual_seed(0)
    model = nn.Linear(6, 3, dtype=np.float64)
    images, history = activation_maximization(model, [2, 0], (6,), steps=80, lr=0.5, l2=0.5, jitter=0)
    w = model.weight.numpy()
    np.testing.assert_allclose(images, w[[2, 0]] / (2 * 0.5), rtol=1e-9, atol=1e-12)
    best = model.bias.numpy()[[2, 0]] + (w[[2, 0]] ** 2).sum(1) / (4 * 0.5)
    np.testing.assert_allclose(history[-1], best, rtol=1e-9)
    assert np.all(np.diff(history, axis=0) >= -1e-12)  # gradient ascent on a concave objective


def test_activation_maximization_raises_the_objective_of_a_net():
    model = _mlp()
    images, history = activation_maximization(model, [0, 1, 2], (5,), steps=50, lr=0.2, l2=0.05, jitter=0)
    assert images.shape == (3, 5) and history.shape == (50, 3)
    assert np.all(history[-1] > history[0] + 0.02) and np.all(np.diff(history, axis=0) > -1e-9)
    again, _ = activation_maximization(model, [0, 1, 2], (5,), steps=50, lr=0.2, l2=0.05, jitter=0)
    np.testing.assert_array_equal(images, again)
    other, _ = activation_maximization(model, [0, 1, 2], (5,), steps=50, lr=0.2, l2=0.05, jitter=0, seed=1)
    assert not np.array_equal(images, other)


def test_activation_maximization_of_a_conv_channel_with_jitter():
    dlcore.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, dtype=np.float64), nn.Tanh())
    image, history = activation_maximization(conv, 3, (1, 6, 6), steps=60, lr=20.0, l2=1e-3)
    with no_grad():
        after = conv(from_numpy(image)).numpy()[0, 3].mean()
        start = conv(from_numpy(np.zeros((1, 1, 6, 6)))).numpy()[0, 3].mean()
    assert image.shape == (1, 1, 6, 6) and image.dtype == np.float64  # the model's dtype
    assert after > start + 0.3 and history[-1, 0] > history[0, 0] + 0.3


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m: saliency(m, np.ones(5), 0), r"saliency: x must be a float batch \(N, \.\.\.\)"),
        (lambda m: saliency(m, np.ones((2, 5), int), 0), "saliency: x must be a float batch"),
        (
            lambda m: saliency(m, np.ones((2, 5)), [0, 1, 2]),
            "saliency: target has 3 entries for a batch of 2",
        ),
        (lambda m: saliency(m, np.ones((2, 5)), 3), r"saliency: target must lie in \[0, 3\)"),
        (lambda m: saliency(m, np.ones((2, 5)), 0.5), "saliency: target must be an int"),
        (lambda m: activation_maximization(m, [[0]], (5,)), "activation_maximization: target must be"),
        (lambda m: activation_maximization(m, 0, ()), "activation_maximization: shape must be"),
        (lambda m: activation_maximization(m, 0, (5,), steps=-1), "activation_maximization: steps must be"),
        (lambda m: activation_maximization(m, 0, (5,), lr=0), "activation_maximization: need lr > 0"),
        (
            lambda m: activation_maximization(m, 7, (5,)),
            r"activation_maximization: target must lie in \[0, 3\)",
        ),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(_mlp())
