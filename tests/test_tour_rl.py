"""Tour entries of the RL group (F40 cartpole, F47 count-exploration, F35 skill-discovery, F48
modulated-controllers): each passes all its criteria in quick mode, writes its figure, and gives
the same metrics twice; and the helpers they rest on."""

import pathlib

import numpy as np
import pytest

from dlcore.tour import registry, runner

pytest.importorskip("matplotlib")

ENTRIES = ["cartpole", "count-exploration", "skill-discovery", "modulated-controllers"]


def _timing(key: str) -> bool:
    return key.endswith("_s")


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRIES)
def test_entry_quick_passes_and_writes_its_figure(name, tmp_path):
    entry = registry.get(name)
    out = entry(quick=True, out_dir=tmp_path)
    assert set(out["criteria"]) == set(entry.criteria)
    failed = {c: v for c, v in out["criteria"].items() if not v[0]}
    assert not failed, f"{name}: {failed}; metrics {out['metrics']}"
    assert out["figures"] and all(pathlib.Path(p).is_file() for p in out["figures"])


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRIES)
def test_entry_is_deterministic(name):
    a = runner.run_entry(registry.get(name), quick=True, fig_dir=None, seed=0)
    b = runner.run_entry(registry.get(name), quick=True, fig_dir=None, seed=0)
    assert a["error"] is None and a["metrics"]
    same = {k: v for k, v in a["metrics"].items() if not _timing(k)}
    assert same == {k: v for k, v in b["metrics"].items() if not _timing(k)}


def test_updates_to_reach_uses_the_running_mean():
    from dlcore.tour.modulated_controllers import WINDOW, updates_to_reach

    curve = np.r_[np.full(20, -1.0), np.full(30, 0.0)]
    assert updates_to_reach(curve, -0.5) == 20 + WINDOW // 2  # the 10-mean crosses -0.5 halfway in
    assert updates_to_reach(curve, 0.0) == 20 + WINDOW and updates_to_reach(curve, 0.1) == -1


def test_count_exploration_learners_share_one_env_but_not_their_counts():
    from dlcore.tour.count_exploration import N_STATES, q_learning

    out = q_learning(seeds=2, episodes=3, beta=0.1)
    assert out["found"].shape == (4,) and out["returns"].shape == (3, 4)
    assert out["counts"].shape == (4, N_STATES) and (out["counts"].sum(1) == 3 * (N_STATES + 9)).all()


def test_move_set_and_the_modulated_controller_tasks():
    from dlcore.tour.modulated_controllers import HORIZON, task_a, task_b
    from dlcore.tour.skill_discovery import MOVES

    assert MOVES.shape == (9, 2) and np.abs(MOVES).max() == 1 and len({tuple(m) for m in MOVES}) == 9
    goals, inp = task_a(np.random.default_rng(0), 500)
    assert goals.shape == (HORIZON, 500, 2) and np.linalg.norm(inp, axis=1).max() <= 0.8
    goals, inp = task_b(np.random.default_rng(0), 5)
    np.testing.assert_array_equal(goals[0], inp[:, :2])
    np.testing.assert_array_equal(goals[-1], inp[:, 2:])
    assert (goals[HORIZON // 2 - 1] == goals[0]).all() and (goals[HORIZON // 2] == goals[-1]).all()
