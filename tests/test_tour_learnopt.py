"""Tour entries F56 learned-optimizer and F57 rl2: the quick form passes all its
criteria, writes its figure and is deterministic; the helpers it rests on on known inputs. The
library pieces are tested in tests/test_learned_optimizer.py."""

import math
import pathlib

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import dlcore
from dlcore import optim
from dlcore.tour import learned_optimizer, registry, rl2, runner


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory):
    """Two quick runs of learned-optimizer with seed 0 (the second without figures)."""
    entry = registry.get("learned-optimizer")
    out = tmp_path_factory.mktemp("fig")
    return [runner.run_entry(entry, quick=True, fig_dir=d, seed=0) for d in (out, None)]


@pytest.mark.slow
def test_learned_optimizer_quick_passes_every_criterion(quick_runs):
    rec = quick_runs[0]
    assert rec["error"] is None, rec["error"]
    failed = [c for c, ok in rec["criteria"].items() if not ok]
    assert not failed, f"{failed}; measured {rec['measured']}"
    assert set(rec["criteria"]) == set(learned_optimizer.CRITERIA)
    assert rec["figures"] and all(pathlib.Path(p).is_file() for p in rec["figures"])
    m = rec["metrics"]
    assert m["final_loss_10d[LSTM, meta-trained]"] < m["initial_loss_10d"]
    assert {"best_sgd_20d", "best_adam_20d", "final_loss_20d[LSTM, meta-trained]"} <= set(m)


@pytest.mark.slow
def test_learned_optimizer_is_deterministic(quick_runs):
    a, b = quick_runs
    assert a["metrics"] == b["metrics"] and a["measured"] == b["measured"]


def test_loss_curve_of_sgd_on_a_1d_quadratic():
    """f = (theta - 1)^2 from 0: SGD(lr) gives (1 - 2 lr)^(2t); lr = 1.5 grows 4x a step to inf."""
    W, y, th0 = np.ones((1, 1, 1)), np.ones((1, 1)), np.zeros((1, 1))
    curve = learned_optimizer.loss_curve(lambda p: optim.SGD(p, lr=0.1), W, y, th0, 5)
    np.testing.assert_allclose(curve, [0.8 ** (2 * t) for t in range(6)], rtol=1e-12)
    with np.errstate(all="ignore"):
        bad = learned_optimizer.loss_curve(lambda p: optim.SGD(p, lr=1.5), W, y, th0, 1000)
    assert len(bad) == 1001 and bad[0] == 1.0 and bad[-1] == math.inf and bad[3] == 4.0**3


def test_loss_curve_averages_over_problems_and_best_picks_the_lowest_final_loss():
    W = np.stack([np.eye(2), 2 * np.eye(2)])
    y = np.ones((2, 2))
    curve = learned_optimizer.loss_curve(lambda p: optim.SGD(p, lr=0.0), W, y, np.zeros((2, 2)), 2)
    assert curve == [2.0, 2.0, 2.0]  # (2 + 2) / 2 problems
    curves = {f"Adam lr={lr:g}": [1.0, v] for lr, v in zip(learned_optimizer.LRS, (5, 3, 0.5, 2, math.inf))}
    assert learned_optimizer.best(curves, "Adam") == "Adam lr=0.1"


def test_sampler_draws_fresh_problems_away_from_the_held_out_seeds():
    sample = learned_optimizer.sampler(4, dim=3)
    (t0, f0), (t1, f1) = sample(0), sample(1)
    assert t0.shape == (4, 3) and t0.dtype == np.float32 and not np.array_equal(t0, t1)
    np.testing.assert_array_equal(t0, sample(0)[0])
    big = learned_optimizer.theta0(1000, 10, seed=0)
    assert abs(big.std() - learned_optimizer.THETA0_STD) < 1e-3
    from dlcore import tensor

    assert f0(tensor(t0)).item() != f1(tensor(t0)).item()


# ---- F57 rl2 -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rl2_runs(tmp_path_factory):
    entry = registry.get("rl2")
    out = tmp_path_factory.mktemp("fig_rl2")
    return [runner.run_entry(entry, quick=True, fig_dir=d, seed=0) for d in (out, None)]


@pytest.mark.slow
def test_rl2_quick_passes_every_criterion_and_is_deterministic(rl2_runs):
    rec, again = rl2_runs
    assert rec["error"] is None, rec["error"]
    failed = [c for c, ok in rec["criteria"].items() if not ok]
    assert not failed, f"{failed}; measured {rec['measured']}"
    assert rec["figures"] and all(pathlib.Path(p).is_file() for p in rec["figures"])
    m = rec["metrics"]
    assert m["reward_random"] < m["reward_ucb1"] < m["reward_thompson"] < m["reward_best_arm_oracle"]
    assert rec["metrics"] == again["metrics"]


def test_discounted_returns_on_known_rewards():
    r = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(rl2.discounted_returns(r, 0.5), [[1.25, 0.5, 1.0], [0, 0, 0]])
    np.testing.assert_allclose(rl2.discounted_returns(r, 1.0)[0], [2.0, 1.0, 1.0])


def test_rollout_feeds_back_the_previous_action_and_reward_and_a2c_loss_has_gradients():
    from dlcore.data.envs import BernoulliBandits

    dlcore.manual_seed(0)
    policy = rl2.Policy(8)
    bandits = BernoulliBandits(64, probs=np.tile([[1.0, 0.0]], (64, 1)))
    rewards, logps, values, ents = policy.rollout(bandits, np.random.default_rng(0))
    assert rewards.shape == (64, rl2.HORIZON) and len(logps) == len(values) == rl2.HORIZON
    assert all(lp.shape == (64,) and np.all(lp.data <= 0) for lp in logps)
    assert all(np.all(e.data > 0) and np.all(e.data <= np.log(2) + 1e-6) for e in ents)
    assert 0 < rewards.mean() < 1  # arm 0 always pays, arm 1 never: a random policy gets about half
    loss = rl2.a2c_loss(rewards, logps, values, ents, gamma=0.5, entropy_coef=0.01)
    loss.backward()
    assert all(p.grad is not None and np.abs(p.grad.data).sum() > 0 for p in policy.parameters())
