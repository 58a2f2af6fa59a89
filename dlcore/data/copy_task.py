"""The copy task of the Neural Turing Machine paper (Graves et al. 2014): read a sequence of random
bit vectors, then a delimiter, then write the sequence back. Seeded numpy; no dlcore state."""

from __future__ import annotations

import numpy as np


def copy_sequences(n: int, length: int = 5, bits: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n copy-task examples, time-major.

    Returns:
        (x, y): x float32 (2 * length + 1, n, bits + 1): steps 0..length-1 carry the bit vectors
        (last channel 0), step `length` is the delimiter (only the last channel 1), the last
        `length` steps are all zeros (the answer phase); y float32 (length, n, bits): the bit
        vectors to write back during the answer phase. Bits are i.i.d. fair coin flips.
    """
    for name, v in (("n", n), ("length", length), ("bits", bits)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"copy_sequences: {name} must be a positive int, got {v!r}")
    y = np.random.default_rng(seed).integers(0, 2, size=(length, n, bits)).astype(np.float32)
    x = np.zeros((2 * length + 1, n, bits + 1), dtype=np.float32)
    x[:length, :, :bits] = y
    x[length, :, bits] = 1
    return x, y
