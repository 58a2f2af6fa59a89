"""Tour entries F04, F05, F26, F27, F29 (corgi, hog-vs-cnn, invariance, all-conv, board-game):
each runs in quick mode, reports one bool per registered criterion, all true, and writes its
figure."""

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("skimage")
pytest.importorskip("matplotlib")

ENTRIES = ["corgi", "hog-vs-cnn", "invariance", "all-conv", "board-game"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRIES)
def test_entry_quick(name, quick_entry_passes):
    quick_entry_passes(name)


def test_hog_features_are_scikit_images():
    """F05's features: 2x2-pixel cells on 8x8 digits, 8 orientations, 2x2 blocks -> 3*3*2*2*8."""
    import numpy as np

    from dlcore.tour.hog_vs_cnn import hog_features

    x = np.random.default_rng(0).random((3, 1, 8, 8)).astype(np.float32)
    f = hog_features(x)
    assert f.shape == (3, 288) and f.dtype == np.float32 and np.all(f >= 0)
    assert not np.allclose(f[0], f[1])
