"""dlcore.models.BernoulliRBM (energy, free energy, Gibbs, CD loss, pseudo-log-likelihood) checked
by brute force over all hidden/visible states, against torch's autograd, and its bad inputs; the
F46 tour entry's quick form."""

import itertools

import numpy as np
import pytest

import dlcore
from dlcore import Tensor
from dlcore.autograd import gradcheck
from dlcore.models import BernoulliRBM
from dlcore.tour import registry, runner


def _rbm(nv=5, nh=3, seed=0, std=0.7):
    dlcore.manual_seed(seed)
    rbm = BernoulliRBM(nv, nh, init_std=std, dtype=np.float64)
    rng = np.random.default_rng(seed)
    rbm.hidden_bias.data[...] = rng.normal(0, 0.5, nh)
    rbm.visible_bias.data[...] = rng.normal(0, 0.5, nv)
    return rbm


def _states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def _np_energy(rbm, v, h):
    w, bh, bv = rbm.weight.numpy(), rbm.hidden_bias.numpy(), rbm.visible_bias.numpy()
    return -(v @ bv) - (h @ bh) - np.einsum("nj,ji,ni->n", h, w, v)


def test_energy_and_free_energy_match_brute_force():
    rbm = _rbm()
    v, hs = _states(5), _states(3)
    h = hs[np.arange(len(v)) % len(hs)]
    np.testing.assert_allclose(rbm.energy(Tensor(v), Tensor(h)).numpy(), _np_energy(rbm, v, h), rtol=1e-12)
    # F(v) = -log sum_h exp(-E(v, h)) over all 8 hidden states
    e = np.stack([_np_energy(rbm, v, np.repeat(hh[None], len(v), 0)) for hh in hs], axis=1)
    free = -np.log(np.exp(-e).sum(1))
    np.testing.assert_allclose(rbm.free_energy(Tensor(v)).numpy(), free, rtol=1e-12)


def test_pseudo_log_likelihood_matches_brute_force():
    rbm = _rbm()
    v = _states(5)
    f = rbm.free_energy(Tensor(v)).numpy()
    logp = -f - np.log(np.exp(-f).sum())  # exact log p(v) over all 32 visible states
    index = {tuple(x): k for k, x in enumerate(v)}
    want = np.zeros(len(v))
    for n, x in enumerate(v):
        for i in range(5):
            y = x.copy()
            y[i] = 1 - y[i]
            want[n] += logp[n] - np.logaddexp(logp[n], logp[index[tuple(y)]])
    np.testing.assert_allclose(rbm.pseudo_log_likelihood(Tensor(v)).numpy(), want, rtol=1e-10)


def test_free_energy_gradcheck_and_torch():
    torch = pytest.importorskip("torch")
    rbm = _rbm()
    v = np.random.default_rng(1).random((4, 5))  # free energy is defined for real v too
    assert gradcheck(lambda x: rbm.free_energy(x).sum(), (Tensor(v, requires_grad=True),))
    rbm.zero_grad()  # gradcheck's backward passes also reached the parameters
    rbm.free_energy(Tensor(v)).sum().backward()
    w, bh, bv = (torch.tensor(p.numpy(), requires_grad=True) for p in rbm.parameters())
    tv = torch.tensor(v)
    (-(tv @ bv) - torch.nn.functional.softplus(tv @ w.T + bh).sum(1)).sum().backward()
    for mine, ref in zip(rbm.parameters(), (w, bh, bv)):
        np.testing.assert_allclose(mine.grad.numpy(), ref.grad.numpy(), rtol=1e-12)


def test_gibbs_conditionals_are_right():
    rbm = _rbm(std=1.0)
    v = Tensor(np.tile(_states(5)[11], (20000, 1)))
    h = rbm.sample_hidden(v).numpy()
    p = 1 / (1 + np.exp(-(rbm.hidden_logits(v).numpy()[0])))
    np.testing.assert_allclose(h.mean(0), p, atol=0.015)
    assert set(np.unique(h)) <= {0.0, 1.0} and h.dtype == np.float64
    out = rbm.gibbs(v, k=2).numpy()
    assert out.shape == (20000, 5) and set(np.unique(out)) <= {0.0, 1.0}


def test_cd_loss_gradient_is_the_cd_update():
    rbm = _rbm()
    v = Tensor(_states(5)[[3, 17, 30]])
    dlcore.manual_seed(5)
    loss = rbm.cd_loss(v)
    dlcore.manual_seed(5)
    neg = rbm.gibbs(v, 1).numpy()
    loss.backward()

    def hid(x):
        return 1 / (1 + np.exp(-(x @ rbm.weight.numpy().T + rbm.hidden_bias.numpy())))

    x = v.numpy()
    dw = -(hid(x).T @ x - hid(neg).T @ neg) / len(x)  # -(positive - negative phase)
    np.testing.assert_allclose(rbm.weight.grad.numpy(), dw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rbm.visible_bias.grad.numpy(), -(x - neg).mean(0), atol=1e-12)


def test_init_is_seeded():
    dlcore.manual_seed(3)
    a = BernoulliRBM(6, 4).weight.numpy()
    dlcore.manual_seed(3)
    b = BernoulliRBM(6, 4).weight.numpy()
    assert np.array_equal(a, b) and a.dtype == np.float32 and a.shape == (4, 6)


def test_bad_input():
    rbm = BernoulliRBM(5, 3)
    with pytest.raises(ValueError, match=r"BernoulliRBM\.free_energy: v must have shape \(N, 5\)"):
        rbm.free_energy(Tensor(np.zeros((2, 4), np.float32)))
    with pytest.raises(TypeError, match=r"BernoulliRBM\.free_energy: v must be a dlcore Tensor"):
        rbm.free_energy(np.zeros((2, 5), np.float32))
    with pytest.raises(ValueError, match=r"BernoulliRBM\.energy: h must have shape \(2, 3\)"):
        rbm.energy(Tensor(np.zeros((2, 5), np.float32)), Tensor(np.zeros((2, 4), np.float32)))
    with pytest.raises(ValueError, match="n_hidden must be an integer >= 1"):
        BernoulliRBM(5, 0)
    with pytest.raises(ValueError, match="init_std must be >= 0"):
        BernoulliRBM(5, 3, init_std=-1.0)
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        rbm.gibbs(Tensor(np.zeros((2, 5), np.float32)), k=0)


def test_tour_entry_quick_passes_and_is_deterministic():
    entry = registry.get("rbm")
    a = runner.run_entry(entry, quick=True, fig_dir=None, seed=0)
    assert a["error"] is None and a["passed"], a["measured"]
    b = runner.run_entry(entry, quick=True, fig_dir=None, seed=0)
    assert a["metrics"] == b["metrics"]
    m = a["metrics"]
    assert m["heldout_pll_nats"] > m["heldout_pll_nats_init"] and m["free_energy_roc_auc"] >= 0.95
