"""F28 (WHY/Arch): word vectors, "change everything into word vectors, they'll do the right thing".

A synthetic corpus with known structure (dlcore.data.topic_corpus): 5 topics of 10 words each, 2,000
sentences of 8 words, each word drawn from the sentence's topic with probability 0.9 (else from the
whole 50-word vocabulary). Skip-gram with negative sampling (dlcore.models.SkipGram: two
nn.Embedding tables, word2vec's loss; dlcore.data.skipgram_pairs: window 2, 5 noise words per pair
from unigram^(3/4)) learns 16-D vectors from co-occurrence alone; the topics are never shown to it.
Measured: for each word its 5 nearest other words by cosine similarity (dlcore.models.
nearest_neighbors), and the share of those in the word's own topic (purity), against the same for
the initial random vectors (chance: 9/49 = 18% in expectation).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

N_SENTENCES, DIM, WINDOW, NEGATIVES, K = 2000, 16, 2, 5, 5
EPOCHS, QUICK_EPOCHS, BATCH, LR = 5, 2, 1024, 0.01
CRITERIA = ("nearest-neighbour (cosine, 5 nearest of each word) topic purity >= 90%",)


def topic_purity(vectors: np.ndarray, word_topic: np.ndarray, k: int = K) -> float:
    """Share of each word's k cosine-nearest other words that share its topic, over all words."""
    from ..models import nearest_neighbors

    idx, _ = nearest_neighbors(vectors, k)
    return float(np.mean(word_topic[idx] == word_topic[:, None]))


@register(
    "word-vectors",
    "WHY/Arch",
    "F28",
    criteria=CRITERIA,
    priority="P1",
    claim="Turning discrete symbols into learned vectors works: trained only to predict which words "
    "appear together, embeddings place related words next to each other.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Skip-gram with negative sampling on a synthetic 5-topic, 50-word corpus; cosine-neighbour purity.

    2,000 eight-word sentences, each mostly from one of 5 topics of 10 words; (center, context)
    pairs within 2 words and 5 noise words each; SkipGram(50, 16) trained with Adam(0.01), batch
    1,024, for 5 epochs (quick: 2). Measured: the share of each word's 5 nearest neighbours (cosine)
    in its own topic, before and after training.
    """
    from .. import from_numpy, optim
    from ..data import skipgram_pairs, topic_corpus
    from ..models import SkipGram

    corpus = topic_corpus(N_SENTENCES, seed=0)
    centers, contexts, noise = skipgram_pairs(corpus.sentences, window=WINDOW, negatives=NEGATIVES, seed=0)
    model = SkipGram(len(corpus.vocab), DIM)
    before = topic_purity(model.vectors(), corpus.word_topic)
    opt = optim.Adam(model.parameters(), lr=LR)
    rng = np.random.default_rng(1)
    losses, purity = [], []
    for _ in track(range(QUICK_EPOCHS if quick else EPOCHS), "epochs"):
        perm, total = rng.permutation(len(centers)), 0.0
        for i in range(0, len(perm), BATCH):
            b = perm[i : i + BATCH]
            opt.zero_grad()
            loss = model(from_numpy(centers[b]), from_numpy(contexts[b]), from_numpy(noise[b]))
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        losses.append(total / len(perm))
        purity.append(topic_purity(model.vectors(), corpus.word_topic))
    vectors = model.vectors()
    metrics = {
        "topic_purity_at_5": purity[-1],
        "topic_purity_at_1": topic_purity(vectors, corpus.word_topic, 1),
        "topic_purity_at_9": topic_purity(vectors, corpus.word_topic, 9),
        "topic_purity_at_5_initial_vectors": before,
        "topic_purity_at_5_per_epoch": purity,
        "loss_per_epoch": losses,
        "pairs": len(centers),
        "vocab": len(corpus.vocab),
        "dim": DIM,
    }
    figures = [_figure(out_dir, vectors, corpus, losses, [before, *purity])] if out_dir is not None else []
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {CRITERIA[0]: (purity[-1] >= 0.9, round(purity[-1], 4))},
    }


def _figure(out_dir: Path, vectors, corpus, losses, purity) -> str:
    from sklearn.decomposition import PCA

    from .plotting import new_figure, save

    fig, (ax, ax2) = new_figure(2, width=4.8, height=4.0)
    xy = PCA(n_components=2).fit_transform(vectors)
    for t in range(int(corpus.word_topic.max()) + 1):
        sel = corpus.word_topic == t
        ax.scatter(xy[sel, 0], xy[sel, 1], s=30, color=f"C{t}", label=f"topic {t}", alpha=0.8)
    ax.set(xlabel="principal component 1", ylabel="principal component 2", title="Word vectors (PCA of 16-D)")
    ax.legend(fontsize=8)
    epochs = np.arange(1, len(losses) + 1)
    ax2.plot(epochs, losses, "C0o-", label="skip-gram loss")
    ax2.set(xlabel="epoch", ylabel="mean loss per pair (nats)", title="Training")
    ax3 = ax2.twinx()
    ax3.plot(np.arange(len(purity)), purity, "C3s--", label="purity, 5 nearest (0: initial)")
    ax3.set(ylabel="topic purity", ylim=(0, 1.05))
    lines = ax2.get_lines() + ax3.get_lines()
    ax2.legend(
        lines, [line.get_label() for line in lines], loc="upper right", bbox_to_anchor=(1.0, 0.9), fontsize=8
    )
    return save(fig, out_dir, "word-vectors")
