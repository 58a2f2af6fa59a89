"""Tour entries F30 pixel-rnn and F32 video-rnn: their inputs, baselines and scores are what the
criteria say (checked on small hand-made cases), and each quick entry passes its criteria and
writes its figure."""

import numpy as np
import pytest

from dlcore.tour import pixel_rnn, video_rnn


def test_pixel_inputs_are_the_left_and_above_pixels_and_the_position():
    rng = np.random.default_rng(0)
    imgs = (rng.random((3, 64)) < 0.4).astype(np.float32)
    x = pixel_rnn.inputs(imgs)
    assert x.shape == (3, 64, 66) and x.dtype == np.float32
    np.testing.assert_array_equal(x[:, 0, 0], 0)
    np.testing.assert_array_equal(x[:, 1:, 0], imgs[:, :-1])
    np.testing.assert_array_equal(x[:, :8, 1], 0)
    np.testing.assert_array_equal(x[:, 8:, 1], imgs[:, :-8])
    np.testing.assert_array_equal(x[1, :, 2:], np.eye(64))
    # step t reads only pixels before t: changing pixel t and later leaves steps <= t alone
    later = imgs.copy()
    later[:, 30:] = 1 - later[:, 30:]
    np.testing.assert_array_equal(pixel_rnn.inputs(later)[:, :31], x[:, :31])


def test_bernoulli_bits_by_hand():
    train = np.array([[1, 0], [1, 1], [0, 0]], np.float32)  # p = (3/5, 2/5)
    test = np.array([[1, 1], [0, 0]], np.float32)
    want = -np.mean([np.log2(0.6) + np.log2(0.4), np.log2(0.4) + np.log2(0.6)])
    assert abs(pixel_rnn.bernoulli_bits(train, test) - want) < 1e-12


def test_binarised_digits_split():
    pytest.importorskip("sklearn")
    train, test = pixel_rnn.binarised_digits()
    assert train.shape == (1438, 64) and test.shape == (359, 64)
    assert set(np.unique(train)) == {0.0, 1.0} and 0.2 < train.mean() < 0.5


def test_copy_last_frame_baseline_and_a_perfect_predictor():
    v = video_rnn.videos(4, 6, seed=0)
    assert v.shape == (4, 6, 64)

    class Oracle:
        def __call__(self, x):
            from dlcore import from_numpy

            return from_numpy(v[:, 1:])

    mse, copy = video_rnn.one_step_mse(Oracle(), v)
    assert mse == 0.0
    assert abs(copy - float(((v[:, 1:] - v[:, :-1]) ** 2).mean())) < 1e-12 and copy > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["pixel-rnn", "video-rnn"])
def test_entry_quick(name, quick_entry_passes):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    quick_entry_passes(name)
