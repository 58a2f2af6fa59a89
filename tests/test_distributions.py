"""dlcore.distributions: Normal, Bernoulli and kl_divergence against torch.distributions (values,
gradients, rsample given the same eps), gradcheck in float64, shapes, seeding and argument checks."""

import numpy as np
import pytest

import dlcore
from dlcore.autograd import gradcheck
from dlcore.distributions import Bernoulli, Normal, kl_divergence


@pytest.fixture
def normal_params(rng):
    """loc (3, 1) and scale (4,): they broadcast to the batch shape (3, 4); value (2, 3, 4)."""
    return rng.standard_normal((3, 1)), np.exp(rng.standard_normal(4)), rng.standard_normal((2, 3, 4))


def _leaves(*arrays):
    return [dlcore.tensor(a, requires_grad=True) for a in arrays]


def test_normal_matches_torch_log_prob_entropy_and_moments(torch, normal_params):
    loc, scale, value = normal_params
    d, t = (
        Normal(*(dlcore.tensor(a) for a in (loc, scale))),
        torch.distributions.Normal(*(torch.tensor(a) for a in (loc, scale))),
    )
    assert d.batch_shape == tuple(t.batch_shape) == (3, 4) and d.event_shape == ()
    for got, ref in [
        (d.log_prob(dlcore.tensor(value)), t.log_prob(torch.tensor(value))),
        (d.entropy(), t.entropy()),
        (d.mean, t.mean),
        (d.stddev, t.stddev),
        (d.variance, t.variance),
    ]:
        assert tuple(got.shape) == tuple(ref.shape)
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-13, atol=1e-14)


def test_normal_log_prob_gradients_match_torch(torch, normal_params):
    loc, scale, value = normal_params
    a = _leaves(loc, scale)
    Normal(*a).log_prob(dlcore.tensor(value)).sum().backward()
    ta = [torch.tensor(x, requires_grad=True) for x in (loc, scale)]
    torch.distributions.Normal(*ta).log_prob(torch.tensor(value)).sum().backward()
    for x, tx in zip(a, ta):
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_rsample_matches_torch_given_the_same_eps(torch, monkeypatch, normal_params):
    """dlcore draws eps from its generator; torch's rsample is handed the same eps (its
    _standard_normal patched): samples and gradients w.r.t. loc and scale agree."""
    loc, scale, _ = normal_params
    dlcore.manual_seed(11)
    eps = dlcore.randn(5, 3, 4, dtype=dlcore.float64).numpy()
    a = _leaves(loc, scale)
    dlcore.manual_seed(11)
    x = Normal(*a).rsample((5,))
    np.testing.assert_allclose(x.numpy(), loc + scale * eps, rtol=1e-15)
    w = np.random.default_rng(1).standard_normal(x.shape)
    x.backward(dlcore.tensor(w))
    monkeypatch.setattr(
        torch.distributions.normal, "_standard_normal", lambda shape, dtype, device: torch.tensor(eps)
    )
    ta = [torch.tensor(v, requires_grad=True) for v in (loc, scale)]
    tx = torch.distributions.Normal(*ta).rsample((5,))
    tx.backward(torch.tensor(w))
    np.testing.assert_allclose(x.numpy(), tx.detach().numpy(), rtol=1e-15)
    for v, tv in zip(a, ta):
        np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), rtol=1e-12)


def test_sample_is_outside_the_graph_seeded_and_distributed_as_normal():
    loc = dlcore.tensor([1.0, -2.0], requires_grad=True)
    d = Normal(loc, dlcore.tensor([0.5, 2.0]))
    dlcore.manual_seed(3)
    s = d.sample((50_000,))
    assert s.shape == (50_000, 2) and not s.requires_grad and s.dtype == np.float32
    np.testing.assert_allclose(s.numpy().mean(axis=0), [1.0, -2.0], atol=0.03)
    np.testing.assert_allclose(s.numpy().std(axis=0), [0.5, 2.0], rtol=0.02)
    dlcore.manual_seed(3)
    np.testing.assert_array_equal(d.sample((50_000,)).numpy(), s.numpy())
    assert d.rsample().requires_grad


def test_normal_functions_pass_gradcheck(normal_params):
    loc, scale, value = normal_params
    a = _leaves(loc, scale)
    assert gradcheck(lambda m, s: Normal(m, s).log_prob(dlcore.tensor(value)), a)
    assert gradcheck(lambda m, s: Normal(m, s).entropy(), a)
    b = _leaves(loc[::-1].copy(), scale[::-1].copy())
    assert gradcheck(lambda m, s, m2, s2: kl_divergence(Normal(m, s), Normal(m2, s2)), a + b)

    def reparam(m, s):
        dlcore.manual_seed(2)  # the same eps at every evaluation
        return Normal(m, s).rsample((3,))

    assert gradcheck(reparam, a)


def test_kl_divergence_of_normals_matches_torch_and_is_zero_on_itself(torch, normal_params):
    loc, scale, value = normal_params
    p = Normal(dlcore.tensor(loc), dlcore.tensor(scale))
    q = Normal(dlcore.tensor(value[0]), dlcore.tensor(scale * 1.7))
    tp = torch.distributions.Normal(torch.tensor(loc), torch.tensor(scale))
    tq = torch.distributions.Normal(torch.tensor(value[0]), torch.tensor(scale * 1.7))
    np.testing.assert_allclose(
        kl_divergence(p, q).numpy(), torch.distributions.kl_divergence(tp, tq).numpy(), rtol=1e-13
    )
    np.testing.assert_allclose(kl_divergence(p, p).numpy(), 0.0, atol=1e-15)
    # the VAE's KL to N(0, 1): 0.5 * (mu^2 + s^2 - 1) - log s
    std = Normal(0.0, 1.0)
    k = kl_divergence(Normal(dlcore.tensor(loc), dlcore.tensor(scale)), std).numpy()
    np.testing.assert_allclose(k, 0.5 * (loc**2 + scale**2 - 1) - np.log(scale), rtol=1e-6)


def test_numbers_become_float32_and_take_a_tensors_dtype():
    assert Normal(0.0, 1.0).rsample().dtype == np.float32
    assert Normal(0, 1).loc.dtype == np.float32
    d = Normal(dlcore.zeros(3, dtype=dlcore.float64), 2.0)
    assert d.scale.dtype == np.float64 and d.batch_shape == (3,)
    assert Normal(0.0, 1.0).log_prob(0.0).item() == pytest.approx(-0.5 * np.log(2 * np.pi))


def test_bernoulli_matches_torch(torch, rng):
    logits = rng.standard_normal((4, 5)) * 3
    value = (rng.random((2, 4, 5)) < 0.5).astype(np.float64)
    for kw, tkw in [
        ({"logits": dlcore.tensor(logits)}, {"logits": torch.tensor(logits)}),
        (
            {"probs": dlcore.tensor(1 / (1 + np.exp(-logits)))},
            {"probs": torch.tensor(1 / (1 + np.exp(-logits)))},
        ),
    ]:
        d, t = Bernoulli(**kw), torch.distributions.Bernoulli(**tkw)
        np.testing.assert_allclose(
            d.log_prob(dlcore.tensor(value)).numpy(),
            t.log_prob(torch.tensor(value)).numpy(),
            rtol=1e-7,
            atol=1e-9,
        )
        np.testing.assert_allclose(d.entropy().numpy(), t.entropy().numpy(), rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(d.mean.numpy(), t.mean.numpy(), rtol=1e-12)
    other = torch.distributions.Bernoulli(logits=torch.tensor(logits[::-1].copy()))
    np.testing.assert_allclose(
        kl_divergence(
            Bernoulli(logits=dlcore.tensor(logits)), Bernoulli(logits=dlcore.tensor(logits[::-1].copy()))
        ).numpy(),
        torch.distributions.kl_divergence(
            torch.distributions.Bernoulli(logits=torch.tensor(logits)), other
        ).numpy(),
        rtol=1e-10,
        atol=1e-12,
    )


def test_bernoulli_log_prob_is_stable_and_passes_gradcheck():
    logits = dlcore.tensor([-800.0, -3.0, 0.0, 3.0, 800.0], requires_grad=True)
    lp = Bernoulli(logits=logits).log_prob(dlcore.tensor([1.0, 0.0, 1.0, 1.0, 0.0]))
    np.testing.assert_allclose(
        lp.numpy(), [-800.0, -np.log1p(np.exp(-3)), -np.log(2), -np.log1p(np.exp(-3)), -800.0]
    )
    small = dlcore.tensor(np.random.default_rng(0).standard_normal(6), requires_grad=True)
    target = dlcore.tensor([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    assert gradcheck(lambda x: Bernoulli(logits=x).log_prob(target), [small])
    assert gradcheck(lambda x: Bernoulli(logits=x).entropy(), [small])


def test_bernoulli_sample_frequencies():
    dlcore.manual_seed(0)
    s = Bernoulli(probs=dlcore.tensor([0.1, 0.5, 0.9])).sample((40_000,)).numpy()
    assert s.shape == (40_000, 3) and set(np.unique(s)) == {0.0, 1.0}
    np.testing.assert_allclose(s.mean(axis=0), [0.1, 0.5, 0.9], atol=0.01)


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda: Normal(0.0, 0.0), ValueError, r"Normal: scale must be > 0"),
        (
            lambda: Normal(dlcore.zeros(3), dlcore.tensor([1.0, -1.0, 1.0])),
            ValueError,
            r"Normal: scale must be > 0",
        ),
        (
            lambda: Normal(dlcore.zeros(3), dlcore.ones(2)),
            ValueError,
            r"Normal: parameter shapes do not broadcast",
        ),
        (
            lambda: Normal(dlcore.tensor([0, 1]), 1.0),
            TypeError,
            r"Normal: loc must be a floating point tensor",
        ),
        (
            lambda: Normal(dlcore.zeros(2), dlcore.ones(2, dtype=dlcore.float64)),
            TypeError,
            r"Normal: parameters of",
        ),
        (lambda: Normal(0.0, 1.0).sample((-1,)), ValueError, r"Normal: sample_shape must hold non-negative"),
        (lambda: Normal(0.0, 1.0).sample(3), TypeError, r"Normal: sample_shape must be a tuple"),
        (lambda: Bernoulli(), ValueError, r"Bernoulli: give exactly one of probs and logits"),
        (lambda: Bernoulli(probs=0.5, logits=0.0), ValueError, r"Bernoulli: give exactly one"),
        (lambda: Bernoulli(probs=1.5), ValueError, r"Bernoulli: probs must lie in \[0, 1\]"),
        (
            lambda: Bernoulli(logits=0.0).log_prob(0.5),
            ValueError,
            r"Bernoulli.log_prob: value must hold only 0 and 1",
        ),
        (
            lambda: kl_divergence(Normal(0.0, 1.0), Bernoulli(logits=0.0)),
            NotImplementedError,
            r"kl_divergence: no",
        ),
    ],
)
def test_bad_arguments_raise_clear_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_validate_args_false_skips_the_checks():
    d = Normal(0.0, -1.0, validate_args=False)
    assert d.scale.item() == -1.0
    assert Bernoulli(logits=0.0, validate_args=False).log_prob(0.5).item() == pytest.approx(-np.log(2))
