"""The char-LSTM of the eve tour entry (dlcore/tour/_char_lstm.py): gradcheck of one composed LSTM
step and of the unrolled model in float64, torch.nn.LSTMCell / LSTM parity (gate order i, f, g,
o), the deterministic corpus."""

import numpy as np
import pytest

from dlcore.autograd import gradcheck
from dlcore.tensor import Tensor
from dlcore.tour import _char_lstm as cl


def _t(rng, *shape, grad=True):
    return Tensor(rng.standard_normal(shape), requires_grad=grad)


def test_lstm_step_gradcheck_float64():
    rng = np.random.default_rng(7)
    bsz, e, h = 3, 5, 7
    x, h0, c0 = _t(rng, bsz, e), _t(rng, bsz, h), _t(rng, bsz, h)
    w, b = _t(rng, 4 * h, e + h), _t(rng, 4 * h)
    from dlcore import functional as F

    def fn(x, h0, c0, w, b):
        h1, c1 = cl.lstm_step(x, h0, c0, w, b)
        return F.cat([h1, c1], dim=1)

    assert gradcheck(fn, (x, h0, c0, w, b))


def test_unrolled_model_gradcheck_float64():
    rng = np.random.default_rng(3)
    params = cl.init_params(vocab=5, emb=3, hidden=4, seed=11, dtype=np.float64)
    x = rng.integers(0, 5, (2, 6))
    y = rng.integers(0, 5, (2, 6))
    x[0, :3] = 2  # a repeated code: the embedding gradient must accumulate
    names = list(params)
    assert gradcheck(lambda *ps: cl.loss_on(dict(zip(names, ps)), x, y), tuple(params[k] for k in names))


def test_matches_torch_lstm():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    vocab, e, h, bsz, steps = 6, 4, 5, 3, 7
    params = cl.init_params(vocab, e, h, seed=2, dtype=np.float64)
    x = rng.integers(0, vocab, (bsz, steps))
    y = rng.integers(0, vocab, (bsz, steps))
    loss = cl.loss_on(params, x, y)
    loss.backward()

    p = {k: torch.tensor(v.data, requires_grad=True) for k, v in params.items()}
    lstm = torch.nn.LSTM(e, h, batch_first=True).double()
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(p["w"][:, :e])
        lstm.weight_hh_l0.copy_(p["w"][:, e:])
        lstm.bias_ih_l0.copy_(p["b"])
        lstm.bias_hh_l0.zero_()
    emb = p["emb"][torch.tensor(x)]
    out, _ = lstm(emb)  # (B, T, H)
    logits = out.transpose(0, 1).reshape(-1, h) @ p["w_dec"].T + p["b_dec"]
    ref = torch.nn.functional.cross_entropy(logits, torch.tensor(y.T.reshape(-1)))
    ref.backward()
    assert abs(loss.item() - ref.item()) <= 1e-12
    np.testing.assert_allclose(params["emb"].grad.numpy(), p["emb"].grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(params["w_dec"].grad.numpy(), p["w_dec"].grad.numpy(), rtol=1e-9, atol=1e-12)
    w_grad = torch.cat([lstm.weight_ih_l0.grad, lstm.weight_hh_l0.grad], dim=1)
    np.testing.assert_allclose(params["w"].grad.numpy(), w_grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(params["b"].grad.numpy(), lstm.bias_ih_l0.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_corpus_deterministic_and_small_vocabulary():
    text = cl.corpus()
    assert text == cl.corpus()
    codes, vocab = cl.encode(text)
    assert 20 <= len(vocab) <= 30 and codes.max() == len(vocab) - 1
    x, y = cl.windows(codes, np.array([0, 17]), 24)
    assert x.shape == y.shape == (2, 24)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
