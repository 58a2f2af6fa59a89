"""SkipGram: word2vec's skip-gram with negative sampling (Mikolov et al. 2013), and cosine
nearest neighbours of a table of word vectors.

Two nn.Embedding tables of shape (vocab, dim): `in_embed` (the word vectors one keeps) and
`out_embed` (context vectors). For a center word c, its context word o and noise words n_1..n_k
the loss is -log sigmoid(u_c . v_o) - sum_j log sigmoid(-u_c . v_nj), averaged over the pairs
(u = in_embed, v = out_embed). Initialisation follows word2vec: in_embed U(-0.5/dim, 0.5/dim),
out_embed zeros. Pairs come from dlcore.data.skipgram_pairs.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..nn import functional as F
from ._checks import positive_int


class SkipGram(nn.Module):
    """forward(center (P,), context (P,), noise (P, k)) int word ids -> the mean skip-gram
    negative-sampling loss (a scalar Tensor)."""

    def __init__(self, vocab_size: int, dim: int, dtype=np.float32):
        super().__init__()
        name = type(self).__name__
        self.vocab_size = positive_int(name, "vocab_size", vocab_size)
        self.dim = positive_int(name, "dim", dim)
        self.in_embed = nn.Embedding(self.vocab_size, self.dim, dtype=dtype)
        self.out_embed = nn.Embedding(self.vocab_size, self.dim, dtype=dtype)
        nn.init.uniform_(self.in_embed.weight, -0.5 / self.dim, 0.5 / self.dim)
        nn.init.zeros_(self.out_embed.weight)

    def forward(self, center, context, noise):
        shapes = [tuple(getattr(a, "shape", ())) for a in (center, context, noise)]
        if (
            len(shapes[0]) != 1
            or shapes[1] != shapes[0]
            or len(shapes[2]) != 2
            or shapes[2][0] != shapes[0][0]
        ):
            raise ValueError(
                f"SkipGram: expected center (P,), context (P,) and noise (P, k), got shapes {shapes}"
            )
        u = self.in_embed(center)  # (P, dim)
        positive = (u * self.out_embed(context)).sum(-1)  # (P,)
        negative = (self.out_embed(noise) * u.unsqueeze(1)).sum(-1)  # (P, k)
        return -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(-1)).mean()

    def vectors(self) -> np.ndarray:
        """The word vectors (in_embed's table) as a float numpy copy (vocab, dim)."""
        return np.array(self.in_embed.weight.detach().numpy())

    def extra_repr(self) -> str:
        return f"vocab_size={self.vocab_size}, dim={self.dim}"


def nearest_neighbors(vectors, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k most cosine-similar other rows of vectors (V, D).

    Returns:
        (indices int64 (V, k), similarities float64 (V, k)), most similar first; a row is never its
        own neighbour; ties go to the lower index. A zero row has similarity 0 to everything.
    """
    v = np.asarray(vectors, dtype=np.float64)
    if v.ndim != 2:
        raise ValueError(f"nearest_neighbors: vectors must be 2-D (V, D), got shape {v.shape}")
    k = positive_int("nearest_neighbors", "k", k)
    if k >= len(v):
        raise ValueError(f"nearest_neighbors: k must be < the number of vectors ({len(v)}), got {k}")
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    u = v / np.where(norms > 0, norms, 1.0)
    sim = u @ u.T
    np.fill_diagonal(sim, -np.inf)
    idx = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    return idx.astype(np.int64), np.take_along_axis(sim, idx, axis=1)
