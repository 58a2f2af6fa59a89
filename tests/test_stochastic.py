"""gumbel_softmax, ste_sign and ste_round (dlcore.functional_stochastic, ops/straight_through.py):
gradients (gradcheck with the noise fixed by reseeding; the straight-through backward checked
exactly), agreement with torch given the same Gumbel noise, the noise's distribution and seeding.
The op table (tests/op_table/stochastic.py) adds forward/backward parity over layouts and dtypes,
the bad inputs and the fuzz."""

import math

import numpy as np
import pytest
from op_table.stochastic import NOISE_SEED, torch_gumbel_softmax

import dlcore
import dlcore.nn.functional as F
from dlcore.autograd import gradcheck
from dlcore.functional_stochastic import gumbel_noise


def _gumbel(x, seed=7, **kw):
    """gumbel_softmax with the noise fixed: dlcore reseeded right before the draw."""
    dlcore.manual_seed(seed)
    return F.gumbel_softmax(x, **kw)


# ---- gumbel_softmax --------------------------------------------------------------------------


@pytest.mark.parametrize("shape, dim, tau", [((3, 5), -1, 1.0), ((4, 3), 0, 0.5), ((2, 3, 4), 1, 2.0)])
def test_gumbel_softmax_soft_passes_gradcheck(rng, shape, dim, tau):
    x = dlcore.tensor(rng.standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda x: _gumbel(x, tau=tau, dim=dim), [x])


def _numeric_grad(fn, x: np.ndarray, w: np.ndarray, eps=1e-6) -> np.ndarray:
    """d sum(w * fn(x)) / dx by central differences (fn reseeds: the same noise every call)."""
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        out[i] = (np.sum(w * fn(xp)) - np.sum(w * fn(xm))) / (2 * eps)
    return out


@pytest.mark.parametrize("dim, tau", [(-1, 1.0), (0, 0.3)])
def test_gumbel_softmax_hard_backward_is_the_soft_samples_gradient(rng, dim, tau):
    """hard=True: the forward is one-hot at the soft sample's argmax; the backward is the soft
    sample's gradient, checked against central differences of the soft sample (same noise)."""
    x0 = rng.standard_normal((4, 5))
    w = rng.standard_normal((4, 5))
    x = dlcore.tensor(x0, requires_grad=True)
    hard = _gumbel(x, tau=tau, dim=dim, hard=True)
    soft = _gumbel(dlcore.tensor(x0), tau=tau, dim=dim).numpy()
    one_hot = np.moveaxis(np.eye(soft.shape[dim])[np.argmax(soft, axis=dim)], -1, dim)
    np.testing.assert_allclose(hard.numpy(), one_hot, atol=1e-15)
    hard.backward(dlcore.tensor(w))
    numeric = _numeric_grad(lambda a: _gumbel(dlcore.tensor(a), tau=tau, dim=dim).numpy(), x0, w)
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gumbel_softmax_agrees_with_torch_given_the_same_noise(torch, rng, hard, dtype):
    x0 = rng.standard_normal((6, 4)).astype(dtype)
    w = rng.standard_normal((6, 4)).astype(dtype)
    x = dlcore.tensor(x0, requires_grad=True)
    dlcore.manual_seed(NOISE_SEED)
    out = F.gumbel_softmax(x, tau=0.5, hard=hard, dim=0)
    out.backward(dlcore.tensor(w))
    tx = torch.tensor(x0, requires_grad=True)
    ref = torch_gumbel_softmax(tx, tau=0.5, hard=hard, dim=0)
    ref.backward(torch.tensor(w))
    tol = 1e-6 if dtype == "float32" else 1e-14
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=10 * tol, atol=10 * tol)


def test_gumbel_noise_is_standard_gumbel_and_seeded():
    dlcore.manual_seed(0)
    g = gumbel_noise((200_000,), np.float64)
    assert abs(g.mean() - 0.5772156649) < 0.01  # Euler-Mascheroni constant
    assert abs(g.var() - math.pi**2 / 6) < 0.03
    dlcore.manual_seed(0)
    np.testing.assert_array_equal(gumbel_noise((200_000,), np.float64), g)
    assert gumbel_noise((5,), np.float32).dtype == np.float32


def test_gumbel_softmax_draws_fresh_noise_per_call_and_repeats_after_reseeding():
    x = dlcore.zeros(3, 8)
    a, b = F.gumbel_softmax(x).numpy(), F.gumbel_softmax(x).numpy()
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(_gumbel(x, seed=3).numpy(), _gumbel(x, seed=3).numpy())


def test_hard_sample_frequencies_follow_softmax_of_the_logits():
    """The Gumbel-max trick: argmax(logits + g) ~ Categorical(softmax(logits)); 20,000 draws,
    each frequency within 4.5 standard errors of its probability."""
    logits = np.array([1.0, 0.0, -1.0, 2.0, 0.5])
    n = 20_000
    x = dlcore.tensor(np.tile(logits, (n, 1)))
    counts = F.gumbel_softmax(x, tau=0.5, hard=True).numpy().sum(axis=0)
    p = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_array_less(np.abs(counts / n - p), 4.5 * np.sqrt(p * (1 - p) / n))
    assert counts.sum() == n


def test_gumbel_softmax_low_temperature_is_nearly_one_hot():
    """Mean max-probability of the soft sample at tau 0.1 and 10 against a numpy Monte Carlo of
    softmax((logits + g) / tau) with independent noise (200,000 draws)."""
    logits = np.array([2.0, 1.0, 0.5, 0.0, -1.0])
    g = -np.log(np.random.default_rng(5).exponential(size=(200_000, 5)))
    x = dlcore.tensor(np.tile(logits, (20_000, 1)))
    for tau in (0.1, 10.0):
        soft = F.gumbel_softmax(x, tau=tau).numpy()
        np.testing.assert_allclose(soft.sum(axis=1), 1.0, rtol=1e-12)
        z = (logits + g) / tau
        ref = np.exp(z - z.max(axis=1, keepdims=True))
        expected = (ref / ref.sum(axis=1, keepdims=True)).max(axis=1).mean()
        assert abs(soft.max(axis=1).mean() - expected) < 0.005, (tau, soft.max(axis=1).mean(), expected)
    assert F.gumbel_softmax(x, tau=0.1).numpy().max(axis=1).mean() >= 0.95


# ---- ste_sign / ste_round --------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ste_sign_forward_is_exactly_plus_minus_one(rng, dtype):
    x0 = np.concatenate([rng.standard_normal(500) * 3, [0.0, -0.0, 1.0, -1.0, 1e-30, -1e-30]]).astype(dtype)
    out = F.ste_sign(dlcore.tensor(x0)).numpy()
    assert out.dtype == np.dtype(dtype)
    assert set(np.unique(out)) == {-1.0, 1.0}
    np.testing.assert_array_equal(out, np.where(x0 >= 0, 1.0, -1.0))  # sign(0) = sign(-0) = +1
    assert np.isnan(F.ste_sign(dlcore.tensor([np.nan])).numpy()).all()


def test_ste_sign_backward_is_the_identity_clipped_to_abs_x_le_1(rng):
    """The straight-through gradient is the defined backward: grad * (|x| <= 1), exactly; the
    boundaries +-1 pass the gradient."""
    x0 = np.concatenate([rng.uniform(-3, 3, 300), [-1.0, 1.0, -1.0 - 1e-12, 1.0 + 1e-12, 0.0]])
    w = rng.standard_normal(x0.shape)
    x = dlcore.tensor(x0, requires_grad=True)
    F.ste_sign(x).backward(dlcore.tensor(w))
    np.testing.assert_array_equal(x.grad.numpy(), w * (np.abs(x0) <= 1))


def test_ste_sign_gradient_is_hardtanhs_away_from_its_kinks(torch, rng):
    """The surrogate: ste_sign's backward equals the gradient of hardtanh (torch) off +-1."""
    x0 = rng.uniform(-3, 3, (7, 9))
    x0 = np.where(np.abs(np.abs(x0) - 1) < 0.01, 0.5, x0)
    w = rng.standard_normal(x0.shape)
    x = dlcore.tensor(x0, requires_grad=True)
    F.ste_sign(x).backward(dlcore.tensor(w))
    tx = torch.tensor(x0, requires_grad=True)
    torch.nn.functional.hardtanh(tx).backward(torch.tensor(w))
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ste_round_rounds_half_to_even_with_identity_gradient(torch, rng, dtype):
    x0 = np.concatenate([rng.uniform(-5, 5, 200), np.arange(-4.5, 5, 1.0)]).astype(dtype)
    w = rng.standard_normal(x0.shape).astype(dtype)
    x = dlcore.tensor(x0, requires_grad=True)
    out = F.ste_round(x)
    np.testing.assert_array_equal(out.numpy(), torch.round(torch.tensor(x0)).numpy())
    out.backward(dlcore.tensor(w))
    np.testing.assert_array_equal(x.grad.numpy(), w)


def test_ste_functions_compose_in_a_graph(rng):
    """ste_sign inside a chain: the gradient flows through the clipped identity into a linear
    layer's weight (what the binary MLP relies on)."""
    x = dlcore.tensor(rng.standard_normal((5, 3)))
    w = dlcore.tensor(rng.standard_normal((3, 4)) * 0.5, requires_grad=True)
    h = x @ w
    F.ste_sign(h).sum().backward()
    expected = x.numpy().T @ (np.abs(h.numpy()) <= 1).astype(np.float64)
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-12)
