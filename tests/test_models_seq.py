"""dlcore.models sequence models: BahdanauAttention, sequence_loss, greedy_decode, Seq2Seq, Captioner,
PointerNet. Checked against torch modules of the same structure with copied weights, and greedy
decoding against the teacher-forced pass fed the greedy output."""

import numpy as np
import pytest

import dlcore
from dlcore import from_numpy, nn
from dlcore.models import Captioner, PointerNet, Seq2Seq
from dlcore.models.pointer import chosen_mask
from dlcore.models.seq2seq import BOS, EOS, PAD, additive_scores, greedy_decode, sequence_loss
from dlcore.tour._seq_common import exact_and_token_accuracy, teacher_inputs

torch = pytest.importorskip("torch")
tnn = torch.nn


def _copy_into(torch_module, model):
    """Load the dlcore model's state_dict into the torch module of the same structure."""
    sd = {k: torch.from_numpy(np.array(v.numpy())) for k, v in model.state_dict().items()}
    torch_module.load_state_dict(sd, strict=True)
    return torch_module


class TorchAdditive(tnn.Module):
    def __init__(self, q, k, a):
        super().__init__()
        self.query_proj, self.key_proj = tnn.Linear(q, a, bias=False), tnn.Linear(k, a)
        self.v = tnn.Linear(a, 1, bias=False)

    def scores(self, q, k, mask=None):
        s = self.v(torch.tanh(self.query_proj(q)[:, :, None] + self.key_proj(k)[:, None])).squeeze(-1)
        return s if mask is None else s.masked_fill(mask, -1e9)


class TorchSeq2Seq(tnn.Module):
    def __init__(self, vs, vt, e, h, attention, bidirectional):
        super().__init__()
        mem = 2 * h if bidirectional else h
        self.src_embed, self.tgt_embed = tnn.Embedding(vs, e), tnn.Embedding(vt, e)
        self.encoder = tnn.LSTM(e, h, batch_first=True, bidirectional=bidirectional)
        self.decoder = tnn.LSTM(e, h, batch_first=True)
        self.attention = TorchAdditive(h, mem, h) if attention else None
        self.out = tnn.Linear(h + (mem if attention else 0), vt)

    def forward(self, src, tgt_in):
        memory, (h, c) = self.encoder(self.src_embed(src))
        if h.shape[0] == 2:
            h, c = h[:1] + h[1:], c[:1] + c[1:]
        d, _ = self.decoder(self.tgt_embed(tgt_in), (h, c))
        if self.attention is not None:
            d = torch.cat([d, self.attention.scores(d, memory).softmax(-1) @ memory], -1)
        return self.out(d)


def test_additive_scores_match_torch_and_the_layer_with_masks_and_gradients():
    dlcore.manual_seed(0)
    att = nn.AdditiveAttention(5, 7, 3)
    ref = _copy_into(TorchAdditive(5, 7, 3), att)
    rng = np.random.default_rng(1)
    q, k = (rng.standard_normal(s).astype(np.float32) for s in ((2, 4, 5), (2, 6, 7)))
    mask = rng.random((2, 4, 6)) < 0.4
    mask[:, :, 0] = False
    tq, tk = (torch.from_numpy(a).requires_grad_() for a in (q, k))
    s_ref = ref.scores(tq, tk, torch.from_numpy(mask))
    s_ref.tanh().square().sum().backward()
    dq, dk = from_numpy(q), from_numpy(k)
    dq.requires_grad = dk.requires_grad = True
    s = additive_scores(att, dq, dk, from_numpy(mask))
    (s.tanh() * s.tanh()).sum().backward()
    np.testing.assert_allclose(s.numpy(), s_ref.detach().numpy(), rtol=1e-5, atol=1e-5)
    assert (s.numpy()[mask] == -1e9).all()
    for mine, theirs in ((dq, tq), (dk, tk)):
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        att.key_proj.weight.grad.numpy(), ref.key_proj.weight.grad.numpy(), rtol=1e-4, atol=1e-5
    )
    # the layer's own weights are the softmax of these scores (its mask is True = the key takes part)
    _, w = att(from_numpy(q), from_numpy(k), mask=from_numpy(~mask))
    np.testing.assert_allclose(w.numpy(), torch.softmax(s_ref, -1).detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="additive_scores"):
        additive_scores(att, dq[0], dk)


def test_sequence_loss_is_cross_entropy_ignoring_pad():
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((3, 4, 6)).astype(np.float32)
    target = rng.integers(0, 6, (3, 4))
    target[0, 2:] = PAD
    ref = tnn.functional.cross_entropy(
        torch.from_numpy(logits).reshape(-1, 6), torch.from_numpy(target).reshape(-1), ignore_index=PAD
    )
    got = sequence_loss(from_numpy(logits), from_numpy(target))
    assert got.item() == pytest.approx(ref.item(), rel=1e-5)
    with pytest.raises(ValueError, match="sequence_loss"):
        sequence_loss(from_numpy(logits), from_numpy(target[:, :3]))


def test_greedy_decode_stops_at_eos_and_pads_after_it():
    script = np.array([[5, EOS, 7, 7], [6, 6, 6, EOS], [EOS, 4, 4, 4]])
    seen = []

    def step(tokens, t):
        seen.append(tokens.numpy()[:, 0].copy())
        logits = np.zeros((3, 1, 9), np.float32)
        logits[np.arange(3), 0, script[:, t]] = 1.0
        return from_numpy(logits), t + 1

    out = greedy_decode(step, 0, 3, 6)
    np.testing.assert_array_equal(out, [[5, EOS, 0, 0, 0, 0], [6, 6, 6, EOS, 0, 0], [EOS, 0, 0, 0, 0, 0]])
    assert len(seen) == 4  # every row has ended after step 4
    np.testing.assert_array_equal(seen[0], [BOS] * 3)
    np.testing.assert_array_equal(seen[1], script[:, 0])


@pytest.mark.parametrize("attention,bidirectional", [(False, False), (True, False), (True, True)])
def test_seq2seq_matches_torch_and_greedy_matches_teacher_forcing(attention, bidirectional):
    dlcore.manual_seed(3)
    model = Seq2Seq(9, 11, embed_dim=6, hidden_size=8, attention=attention, bidirectional=bidirectional)
    ref = _copy_into(TorchSeq2Seq(9, 11, 6, 8, attention, bidirectional), model)
    rng = np.random.default_rng(4)
    src, tgt_in = rng.integers(0, 9, (3, 7)), rng.integers(0, 11, (3, 5))
    got = model(src, tgt_in).numpy()
    want = ref(torch.from_numpy(src), torch.from_numpy(tgt_in)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    out = model.greedy(src, 6)
    assert out.shape == (3, 6) and out.dtype == np.int64
    again = model(src, teacher_inputs(out)).numpy().argmax(-1)
    for r in range(3):
        k = int(np.argmax(out[r] == EOS)) if (out[r] == EOS).any() else 6
        np.testing.assert_array_equal(again[r, : k + 1][:6], out[r, : k + 1][:6])


def test_seq2seq_attention_maps_and_errors():
    dlcore.manual_seed(5)
    model = Seq2Seq(9, 9, embed_dim=4, hidden_size=6, attention=True)
    out, w = model.greedy(np.full((2, 5), 4), 4, return_attention=True)
    assert w.shape == (2, 4, 5)
    live = np.cumsum(out == EOS, axis=1) - (out == EOS) == 0
    np.testing.assert_allclose(w.sum(-1)[live], 1.0, rtol=1e-5)
    assert (w[~live] == 0).all()
    with pytest.raises(ValueError, match="src ids"):
        model(np.full((2, 3), 9), np.zeros((2, 2), np.int64))
    with pytest.raises(ValueError, match="int64"):
        model(np.zeros((2, 3), np.float32), np.zeros((2, 2), np.int64))
    with pytest.raises(ValueError, match="return_attention"):
        Seq2Seq(9, 9, embed_dim=4, hidden_size=6).greedy(np.zeros((1, 2), np.int64), 3, return_attention=True)
    with pytest.raises(ValueError, match="hidden_size"):
        Seq2Seq(9, 9, hidden_size=0)


def test_captioner_shapes_greedy_and_errors():
    dlcore.manual_seed(6)
    model = Captioner(14, channels=(4, 8), embed_dim=5, hidden_size=12)
    images = np.random.default_rng(7).random((3, 1, 8, 16)).astype(np.float32)
    logits = model(images, np.array([[BOS, 4, 13, 5]] * 3))
    assert logits.shape == (3, 4, 14)
    out = model.greedy(images, 4)
    again = model(images, teacher_inputs(out)).numpy().argmax(-1)
    first = again[:, 0]
    np.testing.assert_array_equal(first, out[:, 0])
    sd = model.state_dict()
    assert {"encoder.0.weight", "decoder.weight_ih_l0", "init_h.weight", "embed.weight", "out.bias"} <= set(
        sd
    )
    assert tuple(sd["decoder.weight_ih_l0"].shape) == (48, 5 + 12)
    with pytest.raises(ValueError, match=r"\(B, 1, 8, 16\)"):
        model(images[:, :, :, :8], np.zeros((3, 2), np.int64))
    with pytest.raises(ValueError, match="even"):
        Captioner(14, image_size=(7, 16))


def test_chosen_mask():
    m = chosen_mask(np.array([[2, 0, 1]]))
    np.testing.assert_array_equal(m[0], [[0, 0, 0], [0, 0, 1], [1, 0, 1]])


def test_pointer_net_masks_chosen_positions_and_greedy_is_a_permutation():
    dlcore.manual_seed(8)
    model = PointerNet(embed_dim=6, hidden_size=10)
    x = np.random.default_rng(9).random((4, 5)).astype(np.float32)
    perm = np.argsort(x, axis=1)
    logits = model(x, perm).numpy()
    assert logits.shape == (4, 5, 5)
    assert (logits[chosen_mask(perm)] <= -1e8).all() and (logits[~chosen_mask(perm)] > -1e8).all()
    out = model.greedy(x)
    assert (np.sort(out, axis=1) == np.arange(5)).all()
    # the teacher-forced pass fed the greedy permutation picks that permutation at every step
    np.testing.assert_array_equal(model(x, out).numpy().argmax(-1), out)
    free = PointerNet(embed_dim=6, hidden_size=10, mask_chosen=False)
    free.load_state_dict(model.state_dict())
    unmasked = free(x, perm).numpy()
    np.testing.assert_allclose(unmasked[~chosen_mask(perm)], logits[~chosen_mask(perm)], rtol=1e-6)
    assert (unmasked > -1e8).all() and free.greedy(x).shape == (4, 5)
    with pytest.raises(ValueError, match="permutation"):
        model(x, np.zeros((4, 5), np.int64))
    with pytest.raises(ValueError, match=r"\(B, n, 1\)"):
        model(x[:, :, None, None], perm)


def test_exact_and_token_accuracy():
    tgt = np.array([[4, 5, EOS, PAD], [6, EOS, PAD, PAD]])
    assert exact_and_token_accuracy(tgt.copy(), tgt) == (1.0, 1.0)
    pred = np.array([[4, 7, EOS], [6, EOS, PAD]])
    assert exact_and_token_accuracy(pred, tgt) == (0.5, 4 / 5)
    assert exact_and_token_accuracy(np.array([[4, 5, EOS, 9], [6, EOS, 0, 0]]), tgt)[0] == 0.5
