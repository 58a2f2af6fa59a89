"""dlcore.models.SkipGram and nearest_neighbors: the negative-sampling loss and its gradients agree
with torch, word2vec's initialisation, training separates the topics, neighbours as scikit-learn's,
bad inputs refused."""

import numpy as np
import pytest

import dlcore
from dlcore import from_numpy, optim
from dlcore.data import skipgram_pairs, topic_corpus
from dlcore.models import SkipGram, nearest_neighbors


def _batch(rng, vocab=11, p=13, k=4):
    return rng.integers(0, vocab, p), rng.integers(0, vocab, p), rng.integers(0, vocab, (p, k))


def test_loss_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    model = SkipGram(11, 6, dtype=np.float64)
    w_in, w_out = rng.standard_normal((11, 6)), rng.standard_normal((11, 6))
    model.in_embed.weight.data[...] = w_in
    model.out_embed.weight.data[...] = w_out
    c, o, n = _batch(rng)
    loss = model(from_numpy(c), from_numpy(o), from_numpy(n))
    loss.backward()
    ti, to = (torch.tensor(w, requires_grad=True) for w in (w_in, w_out))
    tc, tn = torch.tensor(c), torch.tensor(n)
    u = ti[tc]
    ref = -(
        torch.nn.functional.logsigmoid((u * to[torch.tensor(o)]).sum(-1))
        + torch.nn.functional.logsigmoid(-(to[tn] * u[:, None]).sum(-1)).sum(-1)
    ).mean()
    ref.backward()
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-12)
    np.testing.assert_allclose(model.in_embed.weight.grad.numpy(), ti.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(model.out_embed.weight.grad.numpy(), to.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_word2vec_initialisation():
    dlcore.manual_seed(0)
    m = SkipGram(50, 20)
    w = m.in_embed.weight.numpy()
    assert np.abs(w).max() <= 0.5 / 20 and w.std() > 0.01 and not m.out_embed.weight.numpy().any()
    assert m.vectors().shape == (50, 20) and m.vectors() is not w
    # zero context vectors: every score is 0, the loss is (1 + k) log 2
    c, o, n = _batch(np.random.default_rng(1), vocab=50, k=3)
    np.testing.assert_allclose(
        m(from_numpy(c), from_numpy(o), from_numpy(n)).item(), 4 * np.log(2), rtol=1e-6
    )


def test_training_puts_same_topic_words_together():
    dlcore.manual_seed(0)
    corpus = topic_corpus(600, seed=0)
    c, o, n = skipgram_pairs(corpus.sentences, window=2, negatives=5, seed=0)
    model = SkipGram(50, 16)
    opt = optim.Adam(model.parameters(), lr=0.01)
    for i in range(0, len(c), 256):
        opt.zero_grad()
        model(from_numpy(c[i : i + 256]), from_numpy(o[i : i + 256]), from_numpy(n[i : i + 256])).backward()
        opt.step()
    idx, _ = nearest_neighbors(model.vectors(), k=5)
    purity = np.mean(corpus.word_topic[idx] == corpus.word_topic[:, None])
    assert purity > 0.9  # random vectors: about 9/49


def test_nearest_neighbors_matches_sklearn():
    from sklearn.neighbors import NearestNeighbors

    v = np.random.default_rng(2).standard_normal((30, 5))
    idx, sim = nearest_neighbors(v, k=4)
    dist, ref = NearestNeighbors(n_neighbors=5, metric="cosine").fit(v).kneighbors(v)
    np.testing.assert_array_equal(idx, ref[:, 1:])
    np.testing.assert_allclose(sim, 1 - dist[:, 1:], atol=1e-12)


def test_nearest_neighbors_known_case_and_zero_rows():
    v = np.array([[1.0, 0.0], [2.0, 0.1], [0.0, 1.0], [-1.0, 0.0], [0.0, 0.0]])
    idx, sim = nearest_neighbors(v, k=2)
    assert idx[0].tolist() == [1, 2] and idx[3].tolist() == [2, 4]
    assert np.all(sim[4] == 0.0) and idx[4].tolist() == [0, 1]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: SkipGram(0, 3), "SkipGram: vocab_size must be a positive int"),
        (lambda: SkipGram(5, 2.0), "SkipGram: dim must be a positive int"),
        (
            lambda: SkipGram(5, 2)(
                from_numpy(np.zeros((2, 1), np.int64)),
                from_numpy(np.zeros(2, np.int64)),
                from_numpy(np.zeros((2, 3), np.int64)),
            ),
            r"SkipGram: expected center \(P,\)",
        ),
        (
            lambda: SkipGram(5, 2)(
                from_numpy(np.zeros(2, np.int64)),
                from_numpy(np.zeros(2, np.int64)),
                from_numpy(np.zeros((3, 3), np.int64)),
            ),
            r"SkipGram: expected center \(P,\)",
        ),
        (lambda: nearest_neighbors(np.zeros(4), 1), "nearest_neighbors: vectors must be 2-D"),
        (lambda: nearest_neighbors(np.zeros((4, 2)), 4), "nearest_neighbors: k must be < the number"),
        (lambda: nearest_neighbors(np.zeros((4, 2)), 0), "nearest_neighbors: k must be a positive int"),
    ],
)
def test_bad_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()
