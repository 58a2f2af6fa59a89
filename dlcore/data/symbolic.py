"""Symbol sequences with known long-range statistics: a Markov chain and a tree grammar (F44).

Both use the K-symbol transition matrix M = stay I + (1 - stay)/K (all ones): the next symbol
repeats the current one with probability stay, else it is drawn uniformly from all K symbols.
The Markov chain's mutual information decays exponentially with distance (as stay^(2d)); the
tree grammar's as a power law (Lin & Tegmark 2017), because symbols d apart share an ancestor
about log2(d) levels up.
"""

from __future__ import annotations

import numpy as np


def _check(fn: str, **ints) -> None:
    for name, (v, lo) in ints.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(f"{fn}: {name} must be an int >= {lo}, got {v!r}")


def _step(rng: np.random.Generator, parent: np.ndarray, K: int, stay: float) -> np.ndarray:
    """One draw through M for every parent symbol: keep with probability stay, else uniform."""
    keep = rng.random(parent.shape) < stay
    return np.where(keep, parent, rng.integers(0, K, size=parent.shape))


def markov_chain(n: int, K: int = 4, stay: float = 0.9, seed: int = 0) -> np.ndarray:
    """(n,) int64 stationary Markov chain over K symbols with transition matrix M (see above).

    x_0 is uniform (the stationary law); x_t = x_{t-1} with probability stay, else uniform.
    """
    _check("markov_chain", n=(n, 1), K=(K, 1))
    if not 0.0 <= stay <= 1.0:
        raise ValueError(f"markov_chain: stay must be in [0, 1], got {stay!r}")
    rng = np.random.default_rng(seed)
    fresh = rng.integers(0, K, size=n)
    redraw = rng.random(n) >= stay
    redraw[0] = True
    last = np.maximum.accumulate(np.where(redraw, np.arange(n), 0))  # index of the latest redraw
    return fresh[last].astype(np.int64)


def tree_grammar(depth: int = 16, K: int = 4, trees: int = 8, stay: float = 0.9, seed: int = 0) -> np.ndarray:
    """(trees * 2**depth,) int64 leaves of `trees` random binary trees, read left to right.

    Each root is uniform over K symbols; each node has 2 children, each drawn independently
    through M from the node's symbol; the leaves (depth levels below the root) of tree 0, then
    tree 1, ... are concatenated.
    """
    _check("tree_grammar", depth=(depth, 0), K=(K, 1), trees=(trees, 1))
    if not 0.0 <= stay <= 1.0:
        raise ValueError(f"tree_grammar: stay must be in [0, 1], got {stay!r}")
    if trees * 2**depth > 2**28:
        raise ValueError(f"tree_grammar: trees * 2**depth = {trees * 2**depth} symbols is over 2**28")
    rng = np.random.default_rng(seed)
    level = rng.integers(0, K, size=(trees, 1))
    for _ in range(depth):
        level = _step(rng, np.repeat(level, 2, axis=1), K, stay)
    return level.reshape(-1).astype(np.int64)


def markov_samples(transition, length: int, rows: int = 1, seed: int = 0) -> np.ndarray:
    """(rows, length) int64 sequences of the Markov chain with the given (K, K) transition matrix.

    transition[i, j] = P(next = j | current = i) (rows summing to 1); each row of the output starts
    from a uniform symbol. Rows are independent; steps are drawn for all rows at once.
    """
    fn = "markov_samples"
    _check(fn, length=(length, 1), rows=(rows, 1))
    p = np.asarray(transition, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != p.shape[1] or p.shape[0] < 1:
        raise ValueError(f"{fn}: transition must be a square (K, K) matrix, got shape {p.shape}")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-9):
        raise ValueError(
            f"{fn}: transition rows must be probabilities summing to 1, got sums {p.sum(axis=1)}"
        )
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(p, axis=1)
    cdf[:, -1] = 1.0
    out = np.empty((rows, length), dtype=np.int64)
    out[:, 0] = rng.integers(0, p.shape[0], size=rows)
    for t in range(1, length):
        u = rng.random((rows, 1))
        out[:, t] = np.minimum((cdf[out[:, t - 1]] <= u).sum(axis=1), p.shape[0] - 1)
    return out
