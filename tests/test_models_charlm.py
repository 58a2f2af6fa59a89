"""dlcore.models.CharLM: shapes time-major and batch_first, state carried across calls, a torch
twin with copied weights gives the same logits, states and gradients (float64), sampling is
seeded and restores the mode, bad input is refused."""

import numpy as np
import pytest

import dlcore
from dlcore import nn
from dlcore.models import CharLM

V, E, H = 11, 5, 7


def _codes(shape, seed=0):
    return np.random.default_rng(seed).integers(0, V, shape)


@pytest.mark.parametrize("layers", [1, 2])
def test_shapes_time_major_and_batch_first(layers):
    dlcore.manual_seed(0)
    m = CharLM(V, E, H, num_layers=layers)
    logits, (h, c) = m(_codes((6, 3)))
    assert logits.shape == (6, 3, V) and h.shape == c.shape == (layers, 3, H)
    assert logits.dtype == np.float32
    bf = CharLM(V, E, H, num_layers=layers, batch_first=True)
    bf.load_state_dict(m.state_dict())
    x = _codes((3, 6), 1)
    lb, (hb, cb) = bf(x)
    lt, (ht, ct) = m(x.T)
    assert lb.shape == (3, 6, V) and hb.shape == (layers, 3, H)
    np.testing.assert_allclose(lb.numpy(), lt.numpy().transpose(1, 0, 2), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(hb.numpy(), ht.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(cb.numpy(), ct.numpy(), rtol=1e-6, atol=1e-6)


def test_state_continues_across_calls():
    dlcore.manual_seed(1)
    m = CharLM(V, E, H, num_layers=2, dtype=np.float64)
    x = _codes((9, 4), 2)
    whole, (h, c) = m(x)
    first, state = m(x[:4])
    second, (h2, c2) = m(x[4:], state)
    np.testing.assert_allclose(np.concatenate([first.numpy(), second.numpy()]), whole.numpy(), rtol=1e-12)
    np.testing.assert_allclose(h2.numpy(), h.numpy(), rtol=1e-12)
    np.testing.assert_allclose(c2.numpy(), c.numpy(), rtol=1e-12)


def test_state_dict_names_follow_torch():
    m = CharLM(V, E, H, num_layers=2)
    names = set(m.state_dict())
    assert {"embed.weight", "decoder.weight", "decoder.bias"} <= names
    for k in range(2):
        assert {f"lstm.{w}_l{k}" for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")} <= names


def _torch_twin(torch, layers, batch_first):
    class TorchCharLM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(V, E)
            self.lstm = torch.nn.LSTM(E, H, layers, batch_first=batch_first)
            self.decoder = torch.nn.Linear(H, V)

        def forward(self, x, state=None):
            out, state = self.lstm(self.embed(x), state)
            return self.decoder(out), state

    return TorchCharLM().double()


@pytest.mark.parametrize("layers, batch_first", [(1, False), (2, False), (2, True)])
def test_matches_torch_twin_with_copied_weights(layers, batch_first):
    torch = pytest.importorskip("torch")
    dlcore.manual_seed(2)
    m = CharLM(V, E, H, num_layers=layers, batch_first=batch_first, dtype=np.float64)
    tm = _torch_twin(torch, layers, batch_first)
    tm.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in m.state_dict().items()})
    x = _codes((4, 6) if batch_first else (6, 4), 3)
    x[0, 0] = x[1, 1] = 2  # a repeated code: the embedding gradient accumulates
    y = _codes(x.shape, 4)
    logits, (h, c) = m(x)
    loss = nn.functional.cross_entropy(logits.reshape(-1, V), dlcore.from_numpy(y.reshape(-1)))
    loss.backward()
    tl, (th, tc) = tm(torch.from_numpy(x))
    tloss = torch.nn.functional.cross_entropy(tl.reshape(-1, V), torch.from_numpy(y.reshape(-1)))
    tloss.backward()
    np.testing.assert_allclose(logits.numpy(), tl.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h.numpy(), th.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c.numpy(), tc.detach().numpy(), rtol=1e-10, atol=1e-12)
    grads = dict(tm.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), grads[name].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name
        )


def test_generate_is_seeded_in_range_and_restores_the_mode():
    dlcore.manual_seed(3)
    m = CharLM(V, E, H)
    m.train()
    a = m.generate([1, 2, 3], 20, generator=np.random.default_rng(5))
    b = m.generate(np.array([1, 2, 3]), 20, generator=np.random.default_rng(5))
    assert a.dtype == np.int64 and a.shape == (20,) and a.min() >= 0 and a.max() < V
    np.testing.assert_array_equal(a, b)
    assert m.training
    assert m.generate([0], 0).shape == (0,)
    dlcore.manual_seed(9)
    c = m.generate([1, 2, 3], 20)
    dlcore.manual_seed(9)
    np.testing.assert_array_equal(m.generate([1, 2, 3], 20), c)


@pytest.mark.parametrize("batch_first", [False, True])
def test_greedy_generation_follows_the_argmax_of_the_full_forward(batch_first):
    dlcore.manual_seed(4)
    m = CharLM(V, E, H, num_layers=2, batch_first=batch_first, dtype=np.float64)
    prompt = np.array([3, 1, 4])
    out = m.generate(prompt, 8, temperature=0)
    seq = np.concatenate([prompt, out])
    x = seq[None, :-1] if batch_first else seq[:-1, None]
    with dlcore.no_grad():
        logits = m(x)[0].numpy().reshape(-1, V)
    np.testing.assert_array_equal(logits.argmax(1)[len(prompt) - 1 :], out)


def test_sampling_follows_the_softmax():
    dlcore.manual_seed(5)
    m = CharLM(3, 2, 3, dtype=np.float64)
    with dlcore.no_grad():
        z = m(np.array([[1]]))[0].numpy().reshape(-1)
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    rng = np.random.default_rng(0)
    draws = np.array([m.generate([1], 1, generator=rng)[0] for _ in range(3000)])
    freq = np.bincount(draws, minlength=3) / 3000
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / 3000) + 1e-9)


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda m: m(np.zeros((2, 3, 4), dtype=np.int64)),
            r"CharLM: expected integer codes of shape \(T, B\)",
        ),
        (lambda m: m(np.zeros((2, 3))), "integer codes"),
        (lambda m: m.generate([], 3), "prompt"),
        (lambda m: m.generate([1.5], 3), "prompt"),
        (lambda m: m.generate([1], -1), "length"),
        (lambda m: m.generate([1], 2, temperature=-1.0), "temperature"),
    ],
)
def test_bad_input_raises(call, match):
    m = CharLM(V, E, H)
    with pytest.raises(ValueError, match=match):
        call(m)


@pytest.mark.parametrize(
    "kw", [dict(vocab_size=0), dict(hidden_size=-2), dict(num_layers=0), dict(embed_dim=True)]
)
def test_bad_sizes_raise(kw):
    args = dict(vocab_size=V, embed_dim=E, hidden_size=H) | kw
    with pytest.raises(ValueError, match="CharLM"):
        CharLM(**args)
