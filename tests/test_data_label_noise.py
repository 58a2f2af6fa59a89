"""dlcore.data.noisy_labels: the share flipped, never to the same class, uniform over the others,
seeded, the input untouched, bad arguments refused."""

import numpy as np
import pytest

from dlcore.data import noisy_labels


def test_flips_exactly_the_share_and_never_to_the_same_class():
    y = np.arange(1000) % 10
    before = y.copy()
    out, flipped = noisy_labels(y, 0.3, num_classes=10, seed=3)
    assert out.dtype == np.int64 and flipped.sum() == 300
    np.testing.assert_array_equal(out != y, flipped)
    np.testing.assert_array_equal(y, before)
    assert out.min() >= 0 and out.max() <= 9


def test_new_labels_are_uniform_over_the_other_classes():
    y = np.zeros(90000, dtype=np.int64)
    out, flipped = noisy_labels(y, 1.0, num_classes=10, seed=0)
    counts = np.bincount(out, minlength=10)
    assert counts[0] == 0 and flipped.all()
    # 10,000 expected per other class; 6 binomial sigmas (~ 6 * 94)
    assert np.all(np.abs(counts[1:] - 10000) < 6 * np.sqrt(90000 * (1 / 9) * (8 / 9)))


def test_seeded_and_edge_fractions():
    y = np.arange(50) % 5
    a, fa = noisy_labels(y, 0.4, seed=1)
    b, fb = noisy_labels(y, 0.4, seed=1)
    c, _ = noisy_labels(y, 0.4, seed=2)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fa, fb)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(noisy_labels(y, 0.0)[0], y)
    assert noisy_labels(np.zeros(0, np.int64), 0.5, num_classes=3)[0].shape == (0,)


@pytest.mark.parametrize(
    "y, fraction, k, match",
    [
        (np.zeros((2, 2), np.int64), 0.1, 3, "1-D integer"),
        (np.zeros(4), 0.1, 3, "1-D integer"),
        (np.zeros(4, np.int64), 1.5, 3, r"fraction must be in \[0, 1\]"),
        (np.array([0, 3]), 0.5, 3, "labels must lie in"),
        (np.array([0, -1]), 0.5, 3, "labels must lie in"),
        (np.zeros(4, np.int64), 0.5, 1, "num_classes >= 2"),
    ],
)
def test_bad_arguments(y, fraction, k, match):
    with pytest.raises(ValueError, match=f"noisy_labels: .*{match}"):
        noisy_labels(y, fraction, num_classes=k)
