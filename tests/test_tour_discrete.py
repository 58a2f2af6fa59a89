"""The discrete-choice tour entries (soft-choice F50, vae F51, gumbel-softmax F52,
straight-through F53, ntm F54): each quick form passes its criteria and repeats itself exactly,
and the pieces they rest on are checked on known inputs (dlcore.models.VAE / CategoricalVAE, the
binarised digits and their baseline, the gradient estimators, the candidate functions; the NTM's
in tests/test_models_ntm.py)."""

import math

import numpy as np
import pytest

import dlcore
from dlcore.models import VAE, CategoricalVAE
from dlcore.tour import registry, runner, soft_choice
from dlcore.tour import vae as vae_entry
from dlcore.tour._discrete import binary_digits, independent_bernoulli_nll, mosaic

ENTRIES = ("soft-choice", "vae", "gumbel-softmax", "straight-through", "ntm")


@pytest.mark.parametrize("name", ENTRIES)
def test_quick_entry_passes_and_is_deterministic(name):
    entry = registry.get(name)
    a = runner.run_entry(entry, quick=True, fig_dir=None, seed=0)
    assert a["error"] is None, a["error"]
    assert all(a["criteria"].values()), a["measured"]
    assert entry.priority == ("P2" if name == "ntm" else "P1") and entry.section == "RD/Diff" and entry.claim
    b = runner.run_entry(entry, quick=True, fig_dir=None, seed=0)
    assert a["metrics"] == b["metrics"]


def test_entries_write_their_figure(tmp_path, monkeypatch):
    """One figure per entry, named after it (soft-choice: the cheapest, run with fewer steps)."""
    monkeypatch.setattr(soft_choice, "QUICK_STEPS", 5)
    out = soft_choice.run(True, tmp_path)
    assert [p.split("/")[-1] for p in out["figures"]] == ["soft_choice.png"]


# ---- the pieces ------------------------------------------------------------------------------


def test_binary_digits_and_the_independent_bernoulli_baseline():
    x, xt = binary_digits()
    assert x.shape == (1438, 64) and xt.shape == (359, 64) and x.dtype == np.float32
    assert set(np.unique(x)) == {0.0, 1.0}
    # a pixel that is always 1 in train and test costs -log(1 - 1e-3) nats, one always 0 as well
    train = np.array([[1.0, 0.0], [1.0, 0.0]])
    assert independent_bernoulli_nll(train, train) == pytest.approx(-2 * math.log(1 - 1e-3))
    half = np.array([[1.0], [0.0]])
    assert independent_bernoulli_nll(half, half) == pytest.approx(math.log(2))


def test_mosaic_places_tiles_with_gaps():
    imgs = np.arange(3 * 64, dtype=float).reshape(3, 64)
    m = mosaic(imgs, rows=2)
    assert m.shape == (17, 17)
    np.testing.assert_array_equal(m[:8, 9:], imgs[1].reshape(8, 8))
    assert np.isnan(m[8]).all() and np.isnan(m[9:, 9:]).all()


def test_vae_elbo_shapes_gradients_and_the_kl_term():
    dlcore.manual_seed(0)
    model = VAE(64, 32, 4)
    x = dlcore.from_numpy((np.random.default_rng(0).random((5, 64)) > 0.5).astype(np.float32))
    elbo = model.elbo(x)
    assert elbo.shape == (5,) and (elbo.numpy() < 0).all()
    (-elbo.mean()).backward()
    assert all(p.grad is not None for p in model.parameters())
    q = model.encode(x)
    assert q.batch_shape == (5, 4)
    with pytest.raises(ValueError, match=r"VAE.encode: expected x of shape \(N, 64\)"):
        model.encode(dlcore.zeros(5, 63))
    with pytest.raises(ValueError, match="VAE: latent must be a positive int"):
        VAE(latent=0)


def test_categorical_vae_kl_is_zero_at_a_uniform_posterior_and_elbo_is_a_bound():
    dlcore.manual_seed(0)
    model = CategoricalVAE(64, 16, groups=3, classes=4)
    for p in model.encoder.parameters():  # encoder outputs 0: q uniform, KL to the prior 0
        p.data[...] = 0
    x = dlcore.from_numpy(np.zeros((2, 64), dtype=np.float32))
    logits = model.decode(dlcore.full((2, 3, 4), 0.25))
    expected = dlcore.distributions.Bernoulli(logits=logits).log_prob(x).sum(-1).numpy()
    dlcore.manual_seed(1)
    got = model.elbo(x, tau=1e6).numpy()  # huge tau: the relaxed sample is uniform, like q
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert model.encode(x).shape == (2, 3, 4)


def test_gradient_estimators_agree_in_mean_and_differ_in_variance():
    """Both estimators are unbiased for the same gradient: with 2,000 samples their means agree
    within a few of the score estimator's standard errors, and the score one is far noisier."""
    dlcore.manual_seed(0)
    model = VAE(64, 32, 2)
    x, _ = binary_digits()
    est = vae_entry.gradient_estimates(model, x[:4], 2000)
    assert est["reparam"].shape == est["score"].shape == (2000, 4, 2, 2)
    r = vae_entry.variance_ratio(est)
    assert r["mean_abs_z"] < 2.0
    assert r["ratio"] < 0.1


def test_soft_choice_candidates_and_entropy():
    f = soft_choice.candidates(np.array([0.5, -1.0]))
    assert f.shape == (2, 8)
    np.testing.assert_allclose(f[:, soft_choice.TARGET], np.tanh([1.0, -2.0]))
    assert soft_choice.entropy_nats(np.full(8, 1 / 8)) == pytest.approx(math.log(8))
    assert soft_choice.entropy_nats(np.eye(8)[3]) == 0.0
    feats, targets = soft_choice.problems(2)
    np.testing.assert_array_equal(targets, feats[..., soft_choice.TARGET])
    assert not np.array_equal(feats[0], feats[1])
