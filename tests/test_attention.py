"""Attention beyond the op table (tests/op_table/attention.py compares every forward and gradient
with torch): torch checkpoints load into nn.MultiheadAttention and agree, the initialisation
follows torch's, dropout acts on the weights in training only, and nn.AdditiveAttention computes
the formula of its docstring (checked in numpy here, apart from the torch twin of the table)."""

import numpy as np
import pytest

import dlcore
import dlcore.nn.functional as F
from dlcore import nn

torch = pytest.importorskip("torch")

VARIANTS = [
    {},
    {"batch_first": True},
    {"bias": False},
    {"add_bias_kv": True, "add_zero_attn": True},
    {"kdim": 3, "vdim": 5},
]


@pytest.mark.parametrize("kw", VARIANTS, ids=lambda kw: ",".join(kw) or "default")
def test_torch_checkpoint_loads_and_agrees(kw, tmp_path):
    torch.manual_seed(0)
    ref = torch.nn.MultiheadAttention(8, 4, dtype=torch.float64, **kw)
    path = tmp_path / "mha.pt"
    torch.save(ref.state_dict(), path)
    state = torch.load(path)
    mine = nn.MultiheadAttention(8, 4, dtype=np.float64, **kw)
    assert list(mine.state_dict()) == list(state), "parameter names and order are torch's"
    assert all(tuple(mine.state_dict()[k].shape) == tuple(v.shape) for k, v in state.items())
    mine.load_state_dict({k: dlcore.tensor(v.numpy()) for k, v in state.items()})
    rng = np.random.default_rng(1)
    n, tgt, src = 3, 4, 6

    def shaped(length, width):
        return rng.standard_normal((n, length, width) if kw.get("batch_first") else (length, n, width))

    q, k, v = shaped(tgt, 8), shaped(src, kw.get("kdim", 8)), shaped(src, kw.get("vdim", 8))
    kpm = rng.random((n, src)) < 0.3
    kpm[:, 0] = False
    for need_weights in (True, False):
        out, w = mine(
            *map(dlcore.tensor, (q, k, v)), key_padding_mask=dlcore.tensor(kpm), need_weights=need_weights
        )
        tout, tw = ref(
            *map(torch.tensor, (q, k, v)), key_padding_mask=torch.tensor(kpm), need_weights=need_weights
        )
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-13)
        if need_weights:
            np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-12, atol=1e-13)
        else:
            assert w is None and tw is None


def test_initialisation_follows_torch():
    dlcore.manual_seed(3)
    m = nn.MultiheadAttention(16, 4, add_bias_kv=True)
    assert m.in_proj_weight.dtype == np.float32 and m.in_proj_weight.shape == (48, 16)
    bound = np.sqrt(6.0 / (16 + 48))  # xavier_uniform_ over (3E, E)
    w = m.in_proj_weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not m.in_proj_bias.numpy().any() and not m.out_proj.bias.numpy().any()
    assert m.bias_k.shape == (1, 1, 16) and m.bias_k.numpy().std() > 0
    assert m.q_proj_weight is None and m.in_proj_weight is not None
    split = nn.MultiheadAttention(4, 2, kdim=3)
    assert split.in_proj_weight is None and split.k_proj_weight.shape == (4, 3)
    assert "in_proj_weight" not in split.state_dict()


def test_dropout_acts_on_the_weights_in_training_only():
    dlcore.manual_seed(0)
    m = nn.MultiheadAttention(4, 1, dropout=0.5)
    x = dlcore.tensor(np.random.default_rng(0).standard_normal((5, 2, 4)).astype(np.float32))
    m.eval()
    _, w_eval = m(x, x, x)
    np.testing.assert_allclose(w_eval.numpy().sum(-1), 1.0, rtol=1e-6)
    m.train()
    _, w = m(x, x, x)
    dropped = w.numpy() == 0
    assert dropped.any() and not dropped.all()
    np.testing.assert_allclose(w.numpy()[~dropped], 2 * w_eval.numpy()[~dropped], rtol=1e-6)
    out = F.scaled_dot_product_attention(x, x, x, dropout_p=1.0)
    assert not out.numpy().any(), "dropout_p = 1 drops every weight"


def test_scaled_dot_product_attention_masks_and_gradient_of_a_dead_row():
    rng = np.random.default_rng(2)
    q = dlcore.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    k = dlcore.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    v = dlcore.tensor(rng.standard_normal((5, 2)))
    keep = np.ones((3, 5), bool)
    keep[0] = False
    keep[2, 3:] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=dlcore.tensor(keep))
    assert not out.numpy()[0].any(), "a query with no key gets zeros"
    scores = q.numpy() @ k.numpy().T / 2.0
    w = np.exp(scores[2, :3] - scores[2, :3].max())
    np.testing.assert_allclose(out.numpy()[2], (w / w.sum()) @ v.numpy()[:3], rtol=1e-12)
    out.sum().backward()
    assert not q.grad.numpy()[0].any() and np.isfinite(k.grad.numpy()).all()


def test_additive_attention_is_its_formula():
    dlcore.manual_seed(5)
    m = nn.AdditiveAttention(query_dim=3, key_dim=4, hidden_dim=6).double()
    rng = np.random.default_rng(4)
    q, keys, values = (
        rng.standard_normal((2, 3)),
        rng.standard_normal((2, 5, 4)),
        rng.standard_normal((2, 5, 7)),
    )
    mask = np.ones((2, 5), bool)
    mask[1, 1:3] = False
    ctx, w = m(dlcore.tensor(q), dlcore.tensor(keys), dlcore.tensor(values), mask=dlcore.tensor(mask))
    wq, wk, bk, v = (t.numpy() for t in (m.query_proj.weight, m.key_proj.weight, m.key_proj.bias, m.v.weight))
    scores = np.tanh((q @ wq.T)[:, None] + keys @ wk.T + bk) @ v[0]
    scores = np.where(mask, scores, -np.inf)
    ref = np.exp(scores - scores.max(-1, keepdims=True))
    ref /= ref.sum(-1, keepdims=True)
    np.testing.assert_allclose(w.numpy(), ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ctx.numpy(), np.einsum("ns,nsd->nd", ref, values), rtol=1e-12)
    assert (w.numpy()[1, 1:3] == 0).all()
    assert [n for n, _ in m.named_parameters()] == [
        "query_proj.weight",
        "key_proj.weight",
        "key_proj.bias",
        "v.weight",
    ]


def test_additive_attention_trains():
    """The context learns to pick the key the query points at (a smoke test of the gradients)."""
    dlcore.manual_seed(0)
    rng = np.random.default_rng(0)
    m = nn.AdditiveAttention(query_dim=4, key_dim=4, hidden_dim=16)
    opt = dlcore.optim.Adam(m.parameters(), lr=0.05)
    keys = rng.standard_normal((64, 4, 4)).astype(np.float32)
    pick = rng.integers(0, 4, 64)
    query = keys[np.arange(64), pick]
    first = None
    for _ in range(60):
        _, w = m(dlcore.tensor(query), dlcore.tensor(keys))
        loss = -(w[np.arange(64), pick] + 1e-9).log().mean()
        first = float(loss.item()) if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(loss.item()) < 0.5 * first
