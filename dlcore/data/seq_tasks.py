"""Generated sequence-to-sequence tasks: reversing random token sequences (F07) and sorting random
floats (F55, pointer networks).

Pure functions of their arguments (numpy PCG64 seeded by `seed`), independent of
`dlcore.manual_seed`.
"""

from __future__ import annotations

import numpy as np


def _positive(fn: str, name: str, v) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{fn}: {name} must be a positive int, got {v!r}")
    return int(v)


def reverse_sequences(n: int, length: int, vocab: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n random token sequences and their reversals.

    Returns:
        (x, y): int64 (n, length), x uniform over 0..vocab-1 (i.i.d.), y = x[:, ::-1].
    """
    n = _positive("reverse_sequences", "n", n)
    length = _positive("reverse_sequences", "length", length)
    vocab = _positive("reverse_sequences", "vocab", vocab)
    x = np.random.default_rng(seed).integers(0, vocab, size=(n, length), dtype=np.int64)
    return x, np.ascontiguousarray(x[:, ::-1])


def sort_floats(n: int, size: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n sets of `size` floats uniform on [0, 1) and the permutation that sorts each.

    Returns:
        (x, perm): x float32 (n, size); perm int64 (n, size) with x[i, perm[i]] ascending
        (perm[i, k] is the position of the k-th smallest; ties keep the earlier position first).
    """
    n = _positive("sort_floats", "n", n)
    size = _positive("sort_floats", "size", size)
    x = np.random.default_rng(seed).random((n, size)).astype(np.float32)
    return x, np.argsort(x, axis=1, kind="stable").astype(np.int64)
