"""dlcore.data.topic_corpus and skipgram_pairs: layout, seeds, the on-topic share, every pair inside
the window of one sentence, noise words ~ unigram^(3/4), bad arguments refused."""

import numpy as np
import pytest

from dlcore.data import skipgram_pairs, topic_corpus


def test_corpus_layout_and_seeds():
    c = topic_corpus(300, topics=4, words_per_topic=6, sentence_length=5, seed=2)
    assert c.sentences.shape == (300, 5) and c.sentences.dtype == np.int64
    assert len(c.vocab) == 24 and len(set(c.vocab)) == 24 and c.vocab[7] == "t1w1"
    np.testing.assert_array_equal(c.word_topic, np.repeat(np.arange(4), 6))
    assert c.sentence_topic.shape == (300,) and c.sentences.min() >= 0 and c.sentences.max() < 24
    again = topic_corpus(300, topics=4, words_per_topic=6, sentence_length=5, seed=2)
    np.testing.assert_array_equal(c.sentences, again.sentences)
    assert not np.array_equal(c.sentences, topic_corpus(300, 4, 6, 5, seed=3).sentences)


@pytest.mark.parametrize("topic_prob", [1.0, 0.9, 0.5])
def test_words_come_mostly_from_the_sentence_topic(topic_prob):
    c = topic_corpus(4000, topics=5, words_per_topic=10, topic_prob=topic_prob, seed=0)
    on = c.word_topic[c.sentences] == c.sentence_topic[:, None]
    expected = topic_prob + (1 - topic_prob) / 5
    assert abs(on.mean() - expected) <= 4 * np.sqrt(expected * (1 - expected) / on.size)
    counts = np.bincount(c.sentence_topic, minlength=5)
    assert np.all(np.abs(counts - 800) < 4 * np.sqrt(4000 * 0.2 * 0.8))


def test_pairs_of_a_known_sentence():
    centers, contexts, noise = skipgram_pairs([[3, 1, 4, 1]], window=2, negatives=0)
    got = sorted(zip(centers.tolist(), contexts.tolist()))
    # distance 1: (3,1) (1,4) (4,1) both ways; distance 2: (3,4) (1,1) both ways
    want = sorted([(3, 1), (1, 4), (4, 1), (1, 3), (4, 1), (1, 4), (3, 4), (1, 1), (4, 3), (1, 1)])
    assert got == want and noise.shape == (10, 0)


def test_pairs_never_cross_sentences_and_count():
    tokens = np.arange(4 * 6).reshape(4, 6)  # unique ids: the row and position of each are known
    centers, contexts, noise = skipgram_pairs(tokens, window=3, negatives=2, vocab_size=30)
    assert len(centers) == 2 * 4 * (5 + 4 + 3) and noise.shape == (len(centers), 2)
    assert np.all(centers // 6 == contexts // 6)
    d = np.abs(centers - contexts)
    assert d.min() == 1 and d.max() == 3
    assert skipgram_pairs(tokens[:, :1], window=2)[0].shape == (0,)


def test_noise_follows_unigram_to_the_three_quarters():
    tokens = np.repeat(np.arange(4), [1000, 300, 100, 20])[None, :]
    _, _, noise = skipgram_pairs(tokens, window=1, negatives=20, seed=0)
    p = np.array([1000, 300, 100, 20], float) ** 0.75
    p /= p.sum()
    freq = np.bincount(noise.ravel(), minlength=4) / noise.size
    np.testing.assert_allclose(freq, p, atol=5 * np.sqrt(p * (1 - p) / noise.size).max())
    again = skipgram_pairs(tokens, window=1, negatives=20, seed=0)[2]
    np.testing.assert_array_equal(noise, again)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: topic_corpus(-1), "topic_corpus: n_sentences must be an int >= 0"),
        (lambda: topic_corpus(5, topics=0), "topic_corpus: topics must be an int >= 1"),
        (lambda: topic_corpus(5, topic_prob=1.5), r"topic_corpus: topic_prob must be in \[0, 1\]"),
        (lambda: skipgram_pairs(np.zeros((2, 2, 2), int)), "skipgram_pairs: tokens must be 1-D or 2-D"),
        (lambda: skipgram_pairs(np.zeros(3)), "skipgram_pairs: tokens must be 1-D or 2-D integer"),
        (lambda: skipgram_pairs([1, 2], window=0), "skipgram_pairs: window must be an int >= 1"),
        (lambda: skipgram_pairs([1, 2], negatives=-1), "skipgram_pairs: negatives must be"),
        (
            lambda: skipgram_pairs([1, 5], vocab_size=3),
            r"skipgram_pairs: word ids must lie in \[0, vocab_size=3\)",
        ),
        (lambda: skipgram_pairs([-1, 2]), "skipgram_pairs: word ids must lie in"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
