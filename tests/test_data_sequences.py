"""dlcore.data.sequences: the recall task, running counters, CTC speech and edit distance: shapes,
dtypes, the rule each target follows, seeding, bad arguments refused."""

import numpy as np
import pytest

from dlcore.data import (
    ctc_speech,
    edit_distance,
    first_symbol_recall,
    mod3_counter,
    running_count_mod,
    running_parity,
    speech_prototypes,
)


def test_recall_label_is_the_first_symbol_and_bits_are_uniform():
    s, y = first_symbol_recall(4000, 30, seed=1)
    assert s.shape == (4000, 30) and y.shape == (4000,) and s.dtype == y.dtype == np.int64
    np.testing.assert_array_equal(y, s[:, 0])
    assert set(np.unique(s)) == {0, 1}
    # mean of 120,000 fair bits: 6 sigmas is 6 * 0.5 / sqrt(120000) ~ 0.0087
    assert abs(s.mean() - 0.5) < 0.0087
    s[0, 0] ^= 1  # the labels are a copy, not a view
    assert y[0] != s[0, 0]


def test_recall_is_seeded():
    a, _ = first_symbol_recall(50, 10, seed=3)
    b, _ = first_symbol_recall(50, 10, seed=3)
    c, _ = first_symbol_recall(50, 10, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert first_symbol_recall(0, 5)[0].shape == (0, 5)


@pytest.mark.parametrize("modulus", [2, 3, 5])
def test_running_count_follows_the_recurrence(modulus):
    bits, tgt = running_count_mod(64, 37, modulus, seed=modulus)
    assert bits.shape == tgt.shape == (64, 37) and tgt.dtype == np.int64
    state = np.zeros(64, np.int64)
    for t in range(37):
        state = (state + bits[:, t]) % modulus
        np.testing.assert_array_equal(tgt[:, t], state)
    assert set(np.unique(tgt)) == set(range(modulus))


def test_parity_and_mod3_are_the_counter_with_modulus_2_and_3():
    bits, tgt = running_parity(20, 15, seed=7)
    np.testing.assert_array_equal(tgt, np.bitwise_xor.accumulate(bits, axis=1))
    bits3, tgt3 = mod3_counter(20, 15, seed=7)
    np.testing.assert_array_equal(bits3, bits)
    np.testing.assert_array_equal(tgt3, np.cumsum(bits, 1) % 3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: first_symbol_recall(-1, 5),
        lambda: first_symbol_recall(3, 0),
        lambda: running_count_mod(3, 5, 1),
        lambda: running_parity(2, 0),
        lambda: ctc_speech(-2),
        lambda: ctc_speech(3, symbols=1),
        lambda: ctc_speech(3, label_lengths=(0, 4)),
        lambda: ctc_speech(3, label_lengths=(5, 4)),
        lambda: ctc_speech(3, frames=(0, 2)),
        lambda: ctc_speech(3, noise=-0.1),
        lambda: ctc_speech(3, noise=float("nan")),
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError, match=r"^(first_symbol_recall|running_count_mod|ctc_speech): "):
        call()


def test_ctc_speech_layout_and_label_rules():
    d = ctc_speech(300, seed=2, symbols=10, dim=13, label_lengths=(3, 8), frames=(2, 5))
    n = 300
    assert d.features.dtype == np.float32 and d.features.shape[0] == n and d.features.shape[2] == 13
    assert d.targets.shape == d.durations.shape == (n, 8) and d.targets.dtype == np.int64
    assert d.features.shape[1] == d.feature_lengths.max()
    assert d.target_lengths.min() >= 3 and d.target_lengths.max() <= 8
    for i in range(n):
        s = d.target_lengths[i]
        lab, dur = d.targets[i, :s], d.durations[i, :s]
        assert lab.min() >= 1 and lab.max() <= 10
        assert np.all(lab[1:] != lab[:-1])  # no label follows itself
        assert dur.min() >= 2 and dur.max() <= 5 and d.feature_lengths[i] == dur.sum()
        assert not d.targets[i, s:].any() and not d.durations[i, s:].any()
        assert not d.features[i, d.feature_lengths[i] :].any()
    # every label, every duration and every label length occur
    assert set(np.unique(d.targets[d.targets > 0])) == set(range(1, 11))
    assert set(np.unique(d.durations[d.durations > 0])) == {2, 3, 4, 5}
    assert set(d.target_lengths) == set(range(3, 9))


def test_ctc_speech_frames_are_prototype_plus_noise_of_the_given_scale():
    d = ctc_speech(400, seed=5, noise=0.5)
    resid, labels = [], []
    for i in range(400):
        s = d.target_lengths[i]
        lab = np.repeat(d.targets[i, :s], d.durations[i, :s])
        resid.append(d.features[i, : len(lab)] - d.prototypes[lab - 1])
        labels.append(lab)
    resid = np.concatenate(resid).astype(np.float64)
    assert abs(resid.mean()) < 0.02 and abs(resid.std() - 0.5) < 0.02
    # nearest prototype recovers most frames at this noise level
    x = np.concatenate([d.features[i, : d.feature_lengths[i]] for i in range(400)])
    near = ((x[:, None, :] - d.prototypes[None]) ** 2).sum(-1).argmin(1) + 1
    assert (near == np.concatenate(labels)).mean() > 0.95
    exact = ctc_speech(5, seed=5, noise=0.0)
    i = 0
    lab = np.repeat(
        exact.targets[i, : exact.target_lengths[i]], exact.durations[i, : exact.target_lengths[i]]
    )
    np.testing.assert_array_equal(exact.features[i, : len(lab)], exact.prototypes[lab - 1])


def test_ctc_speech_seeds_share_prototypes_but_not_utterances():
    a, b = ctc_speech(20, seed=1), ctc_speech(20, seed=2)
    np.testing.assert_array_equal(a.prototypes, b.prototypes)
    np.testing.assert_array_equal(a.prototypes, speech_prototypes(10, 13, 0))
    assert not np.array_equal(a.targets, b.targets)
    again = ctc_speech(20, seed=1)
    for x, y in zip(a, again):
        np.testing.assert_array_equal(x, y)
    other = ctc_speech(20, seed=1, prototype_seed=9)
    assert not np.array_equal(other.prototypes, a.prototypes)
    empty = ctc_speech(0)
    assert empty.features.shape == (0, 0, 13) and empty.targets.shape == (0, 8)


@pytest.mark.parametrize(
    "a,b,d",
    [
        ("", "", 0),
        ("abc", "", 3),
        ("", "ab", 2),
        ("kitten", "sitting", 3),
        ("flaw", "lawn", 2),
        ("abc", "abc", 0),
    ],
)
def test_edit_distance_known_values(a, b, d):
    assert edit_distance(a, b) == d == edit_distance(b, a)
    assert edit_distance(list(map(ord, a)), np.array(list(map(ord, b)), dtype=np.int64)) == d
