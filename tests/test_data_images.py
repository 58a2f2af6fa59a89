"""dlcore.data.shifted_digits (F26) and gomoku_boards (F29): shapes, placements, exact labels,
balance, hard negatives, determinism from the seed, errors."""

import numpy as np
import pytest

from dlcore.data import digits, gomoku_boards, shifted_digits
from dlcore.data.synthetic_images import has_five


def _brute_five(b):
    s = b.shape[0]
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        for r in range(s):
            for c in range(s):
                cells = [(r + k * dr, c + k * dc) for k in range(5)]
                if all(0 <= i < s and 0 <= j < s and b[i, j] for i, j in cells):
                    return True
    return False


def _offsets(x):
    """(first inked column, last inked column) of a (1, 16, 16) canvas."""
    cols = np.flatnonzero(x[0].any(axis=0))
    return cols.min(), cols.max()


@pytest.mark.parametrize("half,lo,hi", [("left", 0, 10), ("right", 5, 15), ("any", 0, 15)])
def test_shifted_digits_placements(half, lo, hi):
    pytest.importorskip("sklearn")
    x, y = shifted_digits("test", half, placements=3, seed=2)
    src, labels = digits("test", images=True)
    assert x.shape == (3 * len(src), 1, 16, 16) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(y, np.tile(labels, 3))
    for i in range(len(x)):
        first, last = _offsets(x[i])
        assert lo <= first and last <= hi
        # the pasted digit is the source digit, unchanged, somewhere in the canvas
        ink = x[i, 0].sum()
        assert ink == pytest.approx(src[i % len(src), 0].sum(), rel=1e-6)
    if half == "left":
        assert x[..., 11:].max() == 0.0
    if half == "right":
        assert x[..., :5].max() == 0.0
    np.testing.assert_array_equal(shifted_digits("test", half, placements=3, seed=2)[0], x)
    assert not np.array_equal(shifted_digits("test", half, placements=3, seed=3)[0], x)


def test_shifted_digits_paste_is_exact():
    pytest.importorskip("sklearn")
    x, _ = shifted_digits("train", "any", placements=1, seed=0)
    src, _ = digits("train", images=True)
    for i in range(0, len(x), 97):
        hits = [
            (r, c)
            for r in range(9)
            for c in range(9)
            if np.array_equal(x[i, 0, r : r + 8, c : c + 8], src[i, 0])
        ]
        assert hits, i
        mask = np.zeros((16, 16), bool)
        mask[hits[0][0] : hits[0][0] + 8, hits[0][1] : hits[0][1] + 8] = True
        assert x[i, 0][~mask].max() == 0.0


def test_shifted_digits_errors():
    with pytest.raises(ValueError, match="shifted_digits: half"):
        shifted_digits("train", "top")
    with pytest.raises(ValueError, match="shifted_digits: split"):
        shifted_digits("val")
    with pytest.raises(ValueError, match="shifted_digits: placements"):
        shifted_digits(placements=0)


def test_has_five_matches_brute_force():
    rng = np.random.default_rng(0)
    boards = rng.random((400, 9, 9)) < 0.5
    got = has_five(boards)
    assert got.shape == (400,) and 0.2 < got.mean() < 0.95
    assert [bool(g) for g in got] == [_brute_five(b) for b in boards]
    small = np.zeros((5, 5), bool)
    np.fill_diagonal(np.fliplr(small), True)  # the anti-diagonal of a 5x5 board
    assert has_five(small) and not has_five(np.triu(small, 1))
    with pytest.raises(ValueError, match="has_five"):
        has_five(np.zeros((4, 4), bool))


def test_gomoku_boards_labels_balance_and_hard_negatives():
    x, y = gomoku_boards(400, seed=5)
    assert x.shape == (400, 2, 9, 9) and x.dtype == np.float32 and y.dtype == np.int64
    assert set(np.unique(x)) <= {0.0, 1.0} and x.sum(axis=1).max() <= 1.0  # one stone per cell
    assert y.sum() == 200 and np.array_equal(y[::2], np.ones(200))
    assert [_brute_five(b) for b in x[:, 0] > 0] == [bool(v) for v in y]
    neg = x[y == 0]
    black_four = np.array([_brute_four(b) for b in neg[:, 0] > 0])
    white_five = np.array([_brute_five(b) for b in neg[:, 1] > 0])
    assert black_four.mean() > 0.4  # fours and broken fives
    assert white_five.mean() > 0.2
    np.testing.assert_array_equal(gomoku_boards(400, seed=5)[0], x)
    assert not np.array_equal(gomoku_boards(400, seed=6)[0], x)
    assert gomoku_boards(10, size=7)[0].shape == (10, 2, 7, 7)
    with pytest.raises(ValueError, match="gomoku_boards: size"):
        gomoku_boards(10, size=4)
    with pytest.raises(ValueError, match="gomoku_boards: n"):
        gomoku_boards(-1)


def _brute_four(b):
    """Four black stones within some 5-cell line window (a four or a broken five)."""
    s = b.shape[0]
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        for r in range(s):
            for c in range(s):
                cells = [(r + k * dr, c + k * dc) for k in range(5)]
                if all(0 <= i < s and 0 <= j < s for i, j in cells) and sum(b[i, j] for i, j in cells) >= 4:
                    return True
    return False
