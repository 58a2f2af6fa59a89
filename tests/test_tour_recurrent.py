"""Tour entries of the recurrent demos (F33 lstm-vs-rnn, F58 rnn-algorithms, F37 speech-ctc): quick
forms pass, and the read-outs they rest on (state Jacobians, label error rate, the CTC
brute-force check) are checked on known inputs and against torch."""

import numpy as np
import pytest

from dlcore import from_numpy, manual_seed
from dlcore.data import ctc_speech
from dlcore.tour import registry, runner
from dlcore.tour._recurrent import RecurrentReadout, one_hot_time_major, spectral_norms, state_jacobians
from dlcore.tour.speech_ctc import brute_force_check, label_error_rate


@pytest.mark.parametrize("name", ["lstm-vs-rnn", "rnn-algorithms", "speech-ctc"])
def test_quick_entry_passes(name):
    rec = runner.run_entry(registry.get(name), quick=True, fig_dir=None, seed=0)
    assert rec["passed"], rec
    assert all(rec["criteria"].values())


def test_one_hot_time_major():
    x = one_hot_time_major(np.array([[0, 1, 1], [1, 0, 1]]), 2)
    assert x.shape == (3, 2, 2) and x.dtype == np.float32
    np.testing.assert_array_equal(x[:, 0], [[1, 0], [0, 1], [0, 1]])
    np.testing.assert_array_equal(x.argmax(-1).T, [[0, 1, 1], [1, 0, 1]])


def test_readout_refuses_unknown_kind():
    with pytest.raises(ValueError, match="RecurrentReadout: kind must be"):
        RecurrentReadout("gru", 2, 4, 2)


def test_forget_bias_moves_only_the_forget_block():
    manual_seed(0)
    a = RecurrentReadout("lstm", 2, 4, 2)
    manual_seed(0)
    b = RecurrentReadout("lstm", 2, 4, 2, forget_bias=3.0)
    diff = b.rnn.bias_ih_l0.numpy() - a.rnn.bias_ih_l0.numpy()
    np.testing.assert_allclose(diff, np.r_[np.zeros(4), np.full(4, 3.0), np.zeros(8)], atol=1e-6)


def _torch_jacobians(torch, kind, model, x, t_len):
    """d h_T / d h_1 (and d h_T / d c_1) of torch's layer with the dlcore model's weights."""
    hidden = model.hidden
    layer = (torch.nn.LSTM if kind == "lstm" else torch.nn.RNN)(x.shape[-1], hidden).double()
    with torch.no_grad():
        for name, p in layer.named_parameters():
            p.copy_(torch.from_numpy(getattr(model.rnn, name).numpy().astype(np.float64)))
    xt = torch.from_numpy(x.astype(np.float64))
    _, s1 = layer(xt[:1])
    out = []
    for i in range(x.shape[1]):
        xi = xt[1:t_len, i : i + 1]
        if kind == "lstm":
            h1, c1 = s1[0][:, i : i + 1].detach(), s1[1][:, i : i + 1].detach()
            jh = torch.autograd.functional.jacobian(
                lambda h, xi=xi, c1=c1: layer(xi, (h, c1))[1][0][0, 0], h1
            )
            jc = torch.autograd.functional.jacobian(
                lambda c, xi=xi, h1=h1: layer(xi, (h1, c))[1][0][0, 0], c1
            )
            out.append((jh[:, 0, 0].numpy(), jc[:, 0, 0].numpy()))
        else:
            h1 = s1[:, i : i + 1].detach()
            jh = torch.autograd.functional.jacobian(lambda h, xi=xi: layer(xi, h)[1][0, 0], h1)
            out.append((jh[:, 0, 0].numpy(), None))
    return out


@pytest.mark.parametrize("kind", ["lstm", "rnn"])
def test_state_jacobians_match_torch_autograd(kind):
    torch = pytest.importorskip("torch")
    manual_seed(3)
    model = RecurrentReadout(kind, 3, 5, 2, forget_bias=1.0 if kind == "lstm" else 0.0)
    x = np.random.default_rng(0).standard_normal((9, 3, 3)).astype(np.float32)
    lengths = (1, 2, 4, 9)
    jac = state_jacobians(model.rnn, x, lengths)
    assert jac["dh"].shape == (4, 3, 5, 5)
    assert (jac["dc"] is None) == (kind == "rnn")
    np.testing.assert_array_equal(jac["dh"][0], np.broadcast_to(np.eye(5), (3, 5, 5)))
    for k, t_len in enumerate(lengths[1:], 1):
        for i, (jh, jc) in enumerate(_torch_jacobians(torch, kind, model, x, t_len)):
            np.testing.assert_allclose(jac["dh"][k, i], jh, rtol=1e-4, atol=1e-6)
            if kind == "lstm":
                np.testing.assert_allclose(jac["dc"][k, i], jc, rtol=1e-4, atol=1e-6)


def test_spectral_norms_are_the_largest_singular_values():
    a = np.random.default_rng(1).standard_normal((2, 3, 4, 4))
    got = spectral_norms(a)
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got[1, 2], np.linalg.svd(a[1, 2], compute_uv=False)[0], rtol=1e-12)
    np.testing.assert_allclose(spectral_norms(np.diag([3.0, -5.0, 1.0])), 5.0)


class _Oracle:
    """A stand-in model whose log-probabilities put all mass on the true frame labels (optionally
    every frame blank): the label error rate must be 0 (1 for all-blank)."""

    def __init__(self, data, blank_all=False):
        self.data, self.blank_all = data, blank_all

    def __call__(self, x, lengths):
        d = self.data
        lp = np.full((x.shape[0], x.shape[1], 11), -30.0, np.float32)
        for i in range(x.shape[1]):
            s = d.target_lengths[i]
            frames = np.repeat(d.targets[i, :s], d.durations[i, :s])
            lp[np.arange(len(frames)), i, 0 if self.blank_all else frames] = 0.0
            lp[len(frames) :, i, 0] = 0.0
        return from_numpy(lp)


def test_label_error_rate_of_an_oracle_and_of_silence():
    d = ctc_speech(40, seed=4)
    assert label_error_rate(_Oracle(d), d) == 0.0
    assert label_error_rate(_Oracle(d, blank_all=True), d) == 1.0
    # drop the last label of every string: one deletion per utterance
    short = d._replace(target_lengths=d.target_lengths - 1)
    assert label_error_rate(_Oracle(short), d) == pytest.approx(40 / d.target_lengths.sum())


def test_ctc_brute_force_check_holds_on_another_seed():
    res = brute_force_check(seed=5)
    assert res["cases"] == 48 and res["impossible_cases"] > 0
    assert res["max_rel_err"] <= 1e-9 and res["max_grad_err"] <= 1e-9
