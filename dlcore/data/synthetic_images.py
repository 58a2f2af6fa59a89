"""Generated image-like data for the convnet demos: shifted digits (F26) and Gomoku boards (F29).

Each generator is a pure function of its arguments (numpy PCG64 seeded by `seed`), independent of
`dlcore.manual_seed`; outputs are NCHW float32 images and int64 labels.
"""

from __future__ import annotations

import numpy as np

from .datasets import SPLITS, digits

HALVES = ("left", "right", "any")
CANVAS = 16  # shifted_digits' canvas side; a digit is 8x8, so offsets run 0..8 on each axis
_COLS = {"left": np.arange(0, 4), "right": np.arange(5, 9), "any": np.arange(0, 9)}

# Gomoku line directions (row step, column step): horizontal, vertical, diagonal, anti-diagonal
_DIRECTIONS = ((0, 1), (1, 0), (1, 1), (1, -1))


def shifted_digits(
    split: str = "train",
    half: str = "left",
    placements: int = 4,
    seed: int = 0,
    test_fraction: float = 0.2,
) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 digits pasted into a blank 16x16 canvas at random offsets.

    A digit at column offset c covers canvas columns c..c+7. "left" placements have c in 0..3
    (the digit's centre left of the canvas centre), "right" ones c in 5..8 (right of it: canvas
    columns 11..15 are blank in every left placement and inked only in right ones); "any" draws
    c in 0..8. The row offset is uniform in 0..8 for every half.

    Args:
        split: which digits (`digits(split, test_fraction, seed=0)`: the same stratified split
            for every `seed`, so train and test never share a digit).
        half: "left", "right" or "any" (column offsets as above).
        placements: copies of each digit, each at its own random offset.
        seed: seeds the offsets.
        test_fraction: share of each class in the "test" split.
    Returns:
        (x, y): x float32 (N, 1, 16, 16) in [0, 1] with N = placements * len(digits(split)),
        y int64 labels 0..9 (copy k of every digit comes before copy k + 1).
    """
    if split not in SPLITS:
        raise ValueError(f"shifted_digits: split must be one of {SPLITS}, got {split!r}")
    if half not in HALVES:
        raise ValueError(f"shifted_digits: half must be one of {HALVES}, got {half!r}")
    if isinstance(placements, bool) or not isinstance(placements, (int, np.integer)) or placements < 1:
        raise ValueError(f"shifted_digits: placements must be a positive int, got {placements!r}")
    src, labels = digits(split, test_fraction=test_fraction, seed=0, images=True)
    n = len(src)
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, CANVAS - 8 + 1, size=placements * n)
    cols = rng.choice(_COLS[half], size=placements * n)
    x = np.zeros((placements * n, 1, CANVAS, CANVAS), np.float32)
    for i, (r, c) in enumerate(zip(rows, cols)):
        x[i, 0, r : r + 8, c : c + 8] = src[i % n, 0]
    return x, np.tile(labels, placements)


def has_five(black: np.ndarray) -> np.ndarray:
    """Whether each boolean board of `black` (..., S, S) holds 5 or more stones in a row on a
    horizontal, vertical or diagonal line; a bool array of shape black.shape[:-2]."""
    b = np.asarray(black, dtype=bool)
    s = b.shape[-1]
    if b.ndim < 2 or b.shape[-2] != s or s < 5:
        raise ValueError(f"has_five: expected boards (..., S, S) with S >= 5, got shape {b.shape}")
    e = s - 4  # windows per line
    lines = (
        [b[..., :, k : k + e] for k in range(5)],  # horizontal
        [b[..., k : k + e, :] for k in range(5)],  # vertical
        [b[..., k : k + e, k : k + e] for k in range(5)],  # diagonal
        [b[..., k : k + e, 4 - k : 4 - k + e] for k in range(5)],  # anti-diagonal
    )
    return np.any([np.logical_and.reduce(w).any(axis=(-2, -1)) for w in lines], axis=0)


def _random_line(rng, size: int, length: int):
    """Cells (rows, cols) of a random straight segment of `length` cells inside the board."""
    dr, dc = _DIRECTIONS[rng.integers(4)]
    r_lo, r_hi = 0, size - 1 - (length - 1) * dr
    c_lo, c_hi = (0, size - 1 - (length - 1) * dc) if dc >= 0 else ((length - 1), size - 1)
    r, c = rng.integers(r_lo, r_hi + 1), rng.integers(c_lo, c_hi + 1)
    k = np.arange(length)
    return r + k * dr, c + k * dc


def _board(rng, size: int, kind: str) -> np.ndarray:
    """One (2, S, S) board: random scattered stones plus the pattern of `kind`.

    kinds: "five" (5 black in a line), "four" (4 black in a line), "broken" (a 5-cell line with
    4 black stones and its gap empty or white), "white_five" (5 white in a line), "random".
    """
    board = np.zeros((2, size, size), np.float32)
    n_stones = rng.integers(size, 3 * size)
    cells = rng.choice(size * size, size=n_stones, replace=False)
    colours = rng.integers(0, 2, size=n_stones)
    board[colours, cells // size, cells % size] = 1.0
    if kind != "random":
        length = 4 if kind == "four" else 5
        rr, cc = _random_line(rng, size, length)
        colour = 1 if kind == "white_five" else 0
        board[:, rr, cc] = 0.0
        board[colour, rr, cc] = 1.0
        if kind == "broken":
            gap = rng.integers(1, 4)  # an inner cell: the 4 black stones are split 1+3 or 2+2
            board[0, rr[gap], cc[gap]] = 0.0
            board[1, rr[gap], cc[gap]] = float(rng.integers(2))
    return board


NEGATIVE_KINDS = ("four", "broken", "white_five", "random")


def gomoku_boards(n: int = 2000, size: int = 9, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Balanced Gomoku positions labelled "black has 5 (or more) stones in a row".

    Boards carry size..3*size-1 random black/white stones. Positives add 5 black stones on a
    random horizontal, vertical or diagonal line; negatives are hard in equal shares: 4 black in
    a line, a broken five (5 cells, 4 black, the inner gap empty or white), 5 white in a line,
    or only the random stones. Every label is checked on the final board (`has_five`); a board
    whose random stones change it is drawn again, so labels are exact.

    Returns:
        (x, y): x float32 (n, 2, size, size), channel 0 the black stones, channel 1 the white
        ones (never both on a cell); y int64, 1 for "black has five", n // 2 positives first
        drawn at even indices (y alternates 1, 0, 1, 0, ...).
    """
    for name, v, lo in (("n", n, 0), ("size", size, 5)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(f"gomoku_boards: {name} must be an int >= {lo}, got {v!r}")
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 2, size, size), np.float32)
    y = np.zeros(n, np.int64)
    y[0::2] = 1
    for i in range(n):
        kind = "five" if y[i] else NEGATIVE_KINDS[(i // 2) % len(NEGATIVE_KINDS)]
        while True:
            board = _board(rng, size, kind)
            if bool(has_five(board[0] > 0)) == bool(y[i]):
                break
        x[i] = board
    return x, y
