"""dlcore.data.envs: CartPole-v1 dynamics against hand-derived values and the Lagrangian equations,
termination and truncation, seeding, batched copies, the chain MDP, the point mass, bad input."""

import numpy as np
import pytest

from dlcore.data.envs import (
    CartPole,
    ChainMDP,
    PointMass2D,
    VectorCartPole,
    VectorChainMDP,
    VectorPointMass2D,
    cartpole_failed,
    cartpole_step,
    grid_cell,
)


def lagrangian_accelerations(state, force):
    """(x'', theta'') of a cart (1 kg) carrying a uniform rod (0.1 kg, half-length 0.5 m), solved
    from the equations of motion as a 2x2 linear system (independent of the closed form):
    (M + m) x'' + m l cos(th) th'' = F + m l th'^2 sin(th);  cos(th) x'' + 4/3 l th'' = g sin(th)."""
    _, _, th, thd = state
    m_c, m_p, half, g = 1.0, 0.1, 0.5, 9.8
    a = np.array([[m_c + m_p, m_p * half * np.cos(th)], [np.cos(th), 4.0 / 3.0 * half]])
    b = np.array([force + m_p * half * thd**2 * np.sin(th), g * np.sin(th)])
    return np.linalg.solve(a, b)


def test_cartpole_step_from_rest_matches_hand_computation():
    # at rest, upright, F = +10 N: x'' = 400/41 m/s^2, theta'' = -600/41 rad/s^2 (exact fractions)
    nxt = cartpole_step(np.zeros(4), 1)
    np.testing.assert_allclose(nxt, [0.0, 0.02 * 400 / 41, 0.0, -0.02 * 600 / 41], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cartpole_step(np.zeros(4), 0), -nxt + 0.0, atol=1e-15)


def test_cartpole_step_tilted_matches_hand_computation():
    # theta = 30 degrees, at rest, F = -10 N
    th_acc = (9.8 * 0.5 + np.sqrt(3) / 2 * 100 / 11) / (0.5 * (4 / 3 - 0.1 * 0.75 / 1.1))
    x_acc = -100 / 11 - 0.05 * th_acc * np.sqrt(3) / 2 / 1.1
    nxt = cartpole_step(np.array([0.0, 0.0, np.pi / 6, 0.0]), 0)
    np.testing.assert_allclose(nxt, [0.0, 0.02 * x_acc, np.pi / 6, 0.02 * th_acc], rtol=1e-12)
    assert th_acc == pytest.approx(20.19198, abs=1e-5) and x_acc == pytest.approx(-9.88576, abs=1e-5)


@pytest.mark.parametrize(
    "state,action",
    [([0.1, -0.2, 0.05, 0.3], 1), ([-1.5, 0.7, -0.15, -1.2], 0), ([2.0, 1.0, 0.2, 2.5], 1)],
)
def test_cartpole_step_matches_equations_of_motion(state, action):
    s = np.array(state)
    x_acc, th_acc = lagrangian_accelerations(s, 10.0 if action == 1 else -10.0)
    want = s + 0.02 * np.array([s[1], x_acc, s[3], th_acc])
    np.testing.assert_allclose(cartpole_step(s, action), want, rtol=1e-12, atol=1e-15)


def test_cartpole_step_is_batched():
    rng = np.random.default_rng(0)
    s, a = rng.normal(size=(5, 4)), rng.integers(0, 2, 5)
    np.testing.assert_allclose(cartpole_step(s, a), np.stack([cartpole_step(s[i], a[i]) for i in range(5)]))
    with pytest.raises(ValueError, match=r"cartpole_step: state must have shape \(\.\.\., 4\)"):
        cartpole_step(np.zeros(3), 1)


def test_cartpole_thresholds():
    lim = 12 * 2 * np.pi / 360
    states = np.array(
        [[2.4, 0, 0, 0], [2.4001, 0, 0, 0], [-2.4001, 0, 0, 0], [0, 0, lim, 0], [0, 0, -lim - 1e-6, 0]]
    )
    assert cartpole_failed(states).tolist() == [False, True, True, False, True]


def test_cartpole_terminates_on_the_step_that_crosses_and_pays_for_it():
    env = CartPole(seed=0)
    env.reset()
    env.state = [2.39, 1.0, 0.0, 0.0]  # x reaches 2.41 after one step
    obs, reward, terminated, truncated, info = env.step(1)
    assert terminated and not truncated and reward == 1.0 and info["steps"] == 1
    assert obs[0] == pytest.approx(2.41, abs=1e-6) and obs.dtype == np.float32 and obs.shape == (4,)
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(0)
    env.reset()
    env.state = [0.0, 0.0, 0.2, 1.0]  # theta reaches 0.22 > 12 degrees
    assert env.step(0)[2]


def test_cartpole_truncates_at_500_steps_under_a_balancing_controller():
    env = CartPole(seed=3)
    obs, total, steps = env.reset(), 0.0, 0
    while True:
        obs, r, terminated, truncated, _ = env.step(int(obs @ np.array([1.0, 1.0, 10.0, 1.0]) > 0))
        total, steps = total + r, steps + 1
        if terminated or truncated:
            break
    assert (steps, total, terminated, truncated) == (500, 500.0, False, True)
    assert env.max_episode_steps == 500 and env.observation_size == 4 and env.action_size == 2


def test_cartpole_reset_draws_uniform_and_seeds_reproduce():
    env = CartPole()
    a = env.reset(seed=7)
    b = env.reset(seed=7)
    c = env.reset()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) and not np.array_equal(a, CartPole().reset(seed=8))
    np.testing.assert_array_equal(CartPole(seed=5).reset(), CartPole(seed=5).reset())
    starts = VectorCartPole(2000, seed=1).reset()
    assert np.all(np.abs(starts) <= 0.05) and np.abs(starts.mean(0)).max() < 0.003
    assert starts.std(0) == pytest.approx(np.full(4, 0.1 / np.sqrt(12)), rel=0.05)


def test_vector_cartpole_matches_single_copies_and_freezes_finished_ones():
    vec = VectorCartPole(3, seed=0)
    vec.reset()
    start = np.array([[0.0, 0.0, 0.0, 0.0], [2.39, 1.0, 0.0, 0.0], [0.01, -0.02, 0.03, 0.04]])
    vec.state = start
    _, r, term, trunc, _ = vec.step(np.array([1, 1, 0]))
    np.testing.assert_allclose(vec.state, cartpole_step(start, np.array([1, 1, 0])))
    assert r.tolist() == [1.0, 1.0, 1.0] and term.tolist() == [False, True, False] and not trunc.any()
    frozen = vec.state[1]
    _, r, term, _, info = vec.step(np.array([0, 0, 0]))
    np.testing.assert_array_equal(vec.state[1], frozen)
    assert r.tolist() == [1.0, 0.0, 1.0] and term[1] and info["steps"].tolist() == [2, 1, 2]


@pytest.mark.parametrize("action", [2, -1, 0.5, True, "1", None, np.array([1])])
def test_cartpole_bad_action(action):
    env = CartPole(seed=0)
    env.reset()
    with pytest.raises(ValueError, match=r"CartPole\.step: action"):
        env.step(action)


@pytest.mark.parametrize(
    "actions,match",
    [
        (np.array([0, 1]), r"shape \(3,\)"),
        (np.array([0.0, 1.0, 0.0]), "integers"),
        (np.array([0, 1, 2]), r"in \[0, 2\), got 2"),
        (np.array([True, False, True]), "integers"),
    ],
)
def test_vector_cartpole_bad_actions(actions, match):
    env = VectorCartPole(3, seed=0)
    env.reset()
    before = env.state
    with pytest.raises(ValueError, match=r"VectorCartPole\.step: .*" + match):
        env.step(actions)
    np.testing.assert_array_equal(env.state, before)


def test_envs_reject_bad_construction_and_use_before_reset():
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="num_envs must be an integer >= 1"):
            VectorCartPole(bad)
    with pytest.raises(RuntimeError, match="call reset"):
        CartPole().step(0)
    env = CartPole()
    env.reset()
    with pytest.raises(ValueError, match=r"state: expected finite \(1, 4\)"):
        env.state = [0.0, 0.0, np.nan, 0.0]
    with pytest.raises(ValueError, match="n must be an integer >= 3"):
        ChainMDP(n=2)
    with pytest.raises(ValueError, match="horizon must be an integer >= 1"):
        PointMass2D(horizon=0)


def test_chain_tables_and_rewards():
    env = ChainMDP(n=6)
    nxt, rew = env.tables()
    assert nxt.tolist() == [[0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 5]]
    assert rew[:, 0].tolist() == [0.001, 0.001, 0, 0, 0, 0] and rew[:, 1].tolist() == [0, 0, 0, 0, 1, 1]
    assert env.reset() == 1 and env.observation_size == 6 and env.max_episode_steps == 15
    assert env.step(0)[:2] == (0, 0.001) and env.step(0)[:2] == (0, 0.001)  # clamped at the near end
    got = [env.step(1)[:2] for _ in range(6)]
    assert got == [(1, 0.0), (2, 0.0), (3, 0.0), (4, 0.0), (5, 1.0), (5, 1.0)]  # clamped at the far end


def test_chain_truncates_after_n_plus_9_steps_and_follows_the_tables():
    vec = VectorChainMDP(4, n=20, seed=0)
    nxt, rew = vec.tables()
    rng = np.random.default_rng(0)
    s = vec.reset()
    for t in range(29):
        a = rng.integers(0, 2, 4)
        s2, r, term, trunc, _ = vec.step(a)
        np.testing.assert_array_equal(s2, nxt[s, a])
        np.testing.assert_array_equal(r, rew[s, a])
        assert not term.any() and trunc.all() == (t == 28)
        s = s2
    env = ChainMDP()
    env.reset()
    with pytest.raises(ValueError, match=r"ChainMDP\.step: action must be an integer"):
        env.step(1.0)


def test_point_mass_dynamics_walls_and_reward():
    env = VectorPointMass2D(2, horizon=5, seed=0)
    p0 = env.reset()[:, :2].astype(np.float64)
    assert np.all(np.abs(p0) <= 0.01)
    obs, r, _, trunc, _ = env.step(np.array([[1.0, 0.0], [5.0, -3.0]]))  # the second is clipped to (1, -1)
    v = 0.1 * 2.0 * np.array([[1.0, 0.0], [1.0, -1.0]])
    np.testing.assert_allclose(obs[:, 2:], v, rtol=1e-6)
    np.testing.assert_allclose(obs[:, :2], p0 + 0.1 * v, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(r, np.linalg.norm(0.1 * v, axis=1), rtol=1e-6)
    for _ in range(4):
        _, _, _, trunc, _ = env.step(np.ones((2, 2)))
    assert trunc.all()
    wall = PointMass2D(horizon=200, seed=0)
    wall.reset()
    for _ in range(100):
        obs, *_ = wall.step(np.array([1.0, -1.0]))
    assert wall.position.tolist() == [1.0, -1.0] and obs[2:].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match=r"PointMass2D\.step: action must have shape \(2,\)"):
        wall.step(np.array([1.0]))
    with pytest.raises(ValueError, match="finite"):
        wall.step(np.array([np.inf, 0.0]))


def test_grid_cell():
    pts = np.array([[-1.0, -1.0], [1.0, 1.0], [0.01, -0.01], [-0.6, 0.3], [0.99, -0.99]])
    assert grid_cell(pts, bins=4).tolist() == [0, 15, 6, 8, 3]
    assert grid_cell(pts, bins=2).tolist() == [0, 3, 1, 2, 1]
    with pytest.raises(ValueError, match="grid_cell: positions"):
        grid_cell(np.zeros(3))
    with pytest.raises(ValueError, match="grid_cell: bins"):
        grid_cell(np.zeros(2), bins=0)
