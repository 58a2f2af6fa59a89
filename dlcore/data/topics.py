"""A synthetic topic corpus and skip-gram training pairs with negative sampling (F28 word-vectors).

topic_corpus: `topics` topics of `words_per_topic` words each (vocabulary V = topics *
words_per_topic, word w belongs to topic w // words_per_topic); each sentence picks one topic
uniformly and draws each of its words from that topic with probability topic_prob, else uniformly
from the whole vocabulary. Words of one topic therefore share contexts, which is what skip-gram
vectors pick up. skipgram_pairs: word2vec's (center, context) pairs within a window and
`negatives` noise words per pair from the unigram distribution raised to 3/4. Pure numpy, seeded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TopicCorpus:
    """sentences int64 (n_sentences, sentence_length) word ids; vocab: the V words (strings, "t<topic>w<j>");
    word_topic int64 (V,): each word's topic; sentence_topic int64 (n_sentences,)."""

    sentences: np.ndarray
    vocab: tuple[str, ...]
    word_topic: np.ndarray
    sentence_topic: np.ndarray


def _int_at_least(fn: str, name: str, v, minimum: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{fn}: {name} must be an int >= {minimum}, got {v!r}")
    return int(v)


def topic_corpus(
    n_sentences: int = 2000,
    topics: int = 5,
    words_per_topic: int = 10,
    sentence_length: int = 8,
    topic_prob: float = 0.9,
    seed: int = 0,
) -> TopicCorpus:
    """A seeded corpus of n_sentences single-topic sentences (see the module docstring).

    Args:
        n_sentences: number of sentences (>= 0).
        topics: number of topics (>= 1).
        words_per_topic: words per topic (>= 1).
        sentence_length: words per sentence (>= 1).
        topic_prob: probability that a word is drawn from the sentence's topic, in [0, 1].
        seed: seeds the sentences.
    """
    fn = "topic_corpus"
    n = _int_at_least(fn, "n_sentences", n_sentences, 0)
    k = _int_at_least(fn, "topics", topics, 1)
    m = _int_at_least(fn, "words_per_topic", words_per_topic, 1)
    length = _int_at_least(fn, "sentence_length", sentence_length, 1)
    if not 0.0 <= topic_prob <= 1.0:
        raise ValueError(f"{fn}: topic_prob must be in [0, 1], got {topic_prob}")
    rng = np.random.default_rng(seed)
    topic = rng.integers(0, k, size=n)
    on_topic = topic[:, None] * m + rng.integers(0, m, size=(n, length))
    anywhere = rng.integers(0, k * m, size=(n, length))
    sentences = np.where(rng.random((n, length)) < topic_prob, on_topic, anywhere).astype(np.int64)
    vocab = tuple(f"t{t}w{j}" for t in range(k) for j in range(m))
    return TopicCorpus(sentences, vocab, np.repeat(np.arange(k, dtype=np.int64), m), topic.astype(np.int64))


def skipgram_pairs(
    tokens, window: int = 2, negatives: int = 5, seed: int = 0, vocab_size: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """word2vec skip-gram pairs with negative sampling.

    Every (center, context) pair of positions at distance 1..window inside one sentence, in both
    directions, and for each pair `negatives` noise words drawn from the tokens' unigram
    frequencies raised to the 3/4 power (Mikolov et al. 2013); a noise word may equal the context.

    Args:
        tokens: int word ids, (L,) for one sentence or (n_sentences, L); pairs never cross rows.
        window: largest center-context distance (>= 1).
        negatives: noise words per pair (>= 0).
        seed: seeds the noise words.
        vocab_size: V (default max(tokens) + 1); ids must lie in [0, V).
    Returns:
        (centers int64 (P,), contexts int64 (P,), noise int64 (P, negatives)), P = 2 * n_sentences
        * sum over d = 1..window of max(L - d, 0), ordered by distance, then direction
        (forward first), then sentence and position.
    """
    fn = "skipgram_pairs"
    t = np.asarray(tokens)
    if t.ndim == 1:
        t = t[None, :]
    if t.ndim != 2 or (t.size and t.dtype.kind not in "iu"):
        raise ValueError(
            f"{fn}: tokens must be 1-D or 2-D integer word ids, got {t.dtype} of shape {t.shape}"
        )
    window = _int_at_least(fn, "window", window, 1)
    negatives = _int_at_least(fn, "negatives", negatives, 0)
    v = int(t.max()) + 1 if vocab_size is None and t.size else int(vocab_size or 0)
    if t.size and (t.min() < 0 or t.max() >= v):
        raise ValueError(f"{fn}: word ids must lie in [0, vocab_size={v}), got [{t.min()}, {t.max()}]")
    centers, contexts = [], []
    for d in range(1, window + 1):
        a, b = t[:, :-d].ravel(), t[:, d:].ravel()
        centers += [a, b]
        contexts += [b, a]
    centers = np.concatenate(centers).astype(np.int64) if centers else np.zeros(0, np.int64)
    contexts = np.concatenate(contexts).astype(np.int64) if contexts else np.zeros(0, np.int64)
    rng = np.random.default_rng(seed)
    if t.size:
        p = np.bincount(t.ravel(), minlength=v).astype(np.float64) ** 0.75
        noise = rng.choice(v, size=(len(centers), negatives), p=p / p.sum()).astype(np.int64)
    else:
        noise = np.zeros((0, negatives), np.int64)
    return centers, contexts, noise
