"""dlcore.data.envs: BernoulliBandits and the classical bandit policies (play), for F57 RL^2."""

import numpy as np
import pytest

from dlcore.data.envs import BernoulliBandits, play


def test_bandits_draw_uniform_probabilities_and_reproduce_from_the_seed():
    b = BernoulliBandits(20000, arms=3, seed=4)
    assert b.probs.shape == (20000, 3) and b.probs.dtype == np.float64
    assert abs(b.probs.mean() - 0.5) < 0.01 and abs(b.probs.var() - 1 / 12) < 0.003
    np.testing.assert_array_equal(b.probs, BernoulliBandits(20000, arms=3, seed=4).probs)
    assert not np.array_equal(b.probs, BernoulliBandits(20000, arms=3, seed=5).probs)
    assert abs(BernoulliBandits(20000, seed=0).best_mean() - 2 / 3) < 0.01  # E max of 2 U(0,1)


def test_pull_pays_each_arm_with_its_probability():
    b = BernoulliBandits(4, probs=[[0.0, 1.0], [1.0, 0.0], [0.25, 0.75], [0.5, 0.5]], reward_seed=0)
    np.testing.assert_array_equal(b.pull(np.array([1, 0, 0, 0]))[:2], [1.0, 1.0])
    np.testing.assert_array_equal(b.pull(np.array([0, 1, 0, 0]))[:2], [0.0, 0.0])
    many = np.mean([b.pull(np.array([0, 0, 1, 1]))[2:] for _ in range(20000)], axis=0)
    np.testing.assert_allclose(many, [0.75, 0.5], atol=0.015)
    a, c = BernoulliBandits(50, seed=1), BernoulliBandits(50, seed=1)
    np.testing.assert_array_equal(a.pull(np.zeros(50, int)), c.pull(np.zeros(50, int)))


@pytest.mark.parametrize(
    "actions", [np.zeros(3, int), np.zeros(4, float), np.array([0, 2, 0, 0]), np.array([0, -1, 0, 0])]
)
def test_pull_rejects_bad_actions(actions):
    with pytest.raises(ValueError, match=r"BernoulliBandits\.pull: actions must be \(4,\) ints in \[0, 2\)"):
        BernoulliBandits(4).pull(actions)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"n": 0}, "n must be"),
        ({"arms": 1}, "arms must be"),
        ({"probs": [[0.5, 1.5]]}, "probs must be"),
        ({"probs": [[0.5, 0.5]], "arms": 3}, "probs must be"),
        ({"probs": [0.5, 0.5]}, "probs must be"),
    ],
)
def test_bandits_reject_bad_arguments(kw, match):
    args = {"n": 1, **kw}
    with pytest.raises(ValueError, match=f"BernoulliBandits: {match}"):
        BernoulliBandits(**args)


def test_classical_policies_rank_as_expected_at_horizon_20():
    """Random pulls earn 10 of 20 in expectation, UCB1 and Thompson sampling more, none above the
    best arm's 13.3."""
    score = {
        p: play(BernoulliBandits(10000, seed=3), p, 20, seed=1).sum(1).mean()
        for p in ("random", "ucb1", "thompson")
    }
    assert abs(score["random"] - 10) < 0.15
    assert score["random"] + 1 < score["ucb1"] < score["thompson"] < 13.4


def test_play_shapes_determinism_and_ucb_tries_every_arm_first():
    b = BernoulliBandits(3, probs=[[0.0, 0.0, 1.0]] * 3)
    r = play(b, "ucb1", horizon=6)
    assert r.shape == (3, 6) and r.dtype == np.float64
    np.testing.assert_array_equal(r[:, :3], [[0, 0, 1]] * 3)  # arms 0, 1, 2 once each
    np.testing.assert_array_equal(r[:, 3:], 1.0)  # then the paying arm
    one = play(BernoulliBandits(30, seed=2), "thompson", 10, seed=5)
    np.testing.assert_array_equal(one, play(BernoulliBandits(30, seed=2), "thompson", 10, seed=5))


@pytest.mark.parametrize(
    "args, err, match",
    [
        (("bandits", "random"), TypeError, "play: bandits must be BernoulliBandits"),
        ((None, "greedy"), ValueError, "play: policy must be"),
        ((None, "random", 0), ValueError, "play: horizon must be"),
    ],
)
def test_play_rejects_bad_arguments(args, err, match):
    args = tuple(BernoulliBandits(2) if a is None else a for a in args)
    with pytest.raises(err, match=match):
        play(*args)
