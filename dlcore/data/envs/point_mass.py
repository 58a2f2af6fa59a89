"""PointMass2D: a point mass pushed around the square arena [-1, 1]^2 by a bounded 2-D force.

State and observation: (x, y [m], vx, vy [m/s]). Action: a 2-D acceleration in m/s^2, clipped to
[-1, 1] per axis. Damped Euler dynamics with dt = `dt` s:

    v <- damping * v + dt * gain * a;   p <- p + dt * v

and a wall at |x| = 1 and |y| = 1 (the position is clamped and that velocity component zeroed).
Episodes start at the origin (plus U(-0.01, 0.01) per coordinate), at rest, have no terminal state
and are truncated after `horizon` steps. The reward is the distance moved in the step (a speed
proxy, as SNN4HRL pretrains skills with). `grid_cell` maps positions to the cells of a
bins x bins grid over the arena (for the final-cell statistics of skill discovery).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._vector import SingleEnv, VectorEnv


def grid_cell(positions, bins: int = 4) -> np.ndarray:
    """(...) int64 index (row * bins + column) of the grid cell holding each (..., 2) position,
    for a bins x bins grid over [-1, 1]^2 (the wall belongs to the edge cells)."""
    p = np.asarray(positions, dtype=np.float64)
    if p.shape[-1:] != (2,):
        raise ValueError(f"grid_cell: positions must have shape (..., 2), got {p.shape}")
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins < 1:
        raise ValueError(f"grid_cell: bins must be an integer >= 1, got {bins!r}")
    idx = np.clip(np.floor((p + 1.0) / 2.0 * bins), 0, bins - 1).astype(np.int64)
    return idx[..., 1] * bins + idx[..., 0]


class VectorPointMass2D(VectorEnv):
    """`num_envs` point masses stepped together: obs (num_envs, 4) float32, actions (num_envs, 2)."""

    observation_size = 4
    action_size = 2
    discrete_actions = False

    def __init__(
        self,
        num_envs: int,
        horizon: int = 30,
        dt: float = 0.1,
        gain: float = 2.0,
        damping: float = 0.9,
        seed: int | None = None,
    ):
        name = type(self).__name__
        if isinstance(horizon, bool) or not isinstance(horizon, numbers.Integral) or horizon < 1:
            raise ValueError(f"{name}: horizon must be an integer >= 1, got {horizon!r}")
        if not (dt > 0 and gain > 0 and 0 <= damping <= 1):
            raise ValueError(f"{name}: need dt > 0, gain > 0, 0 <= damping <= 1; got {dt}, {gain}, {damping}")
        super().__init__(num_envs, seed=seed)
        self.max_episode_steps = int(horizon)
        self.dt, self.gain, self.damping = float(dt), float(gain), float(damping)

    @property
    def positions(self) -> np.ndarray:
        """(num_envs, 2) float64 current positions."""
        if self._state is None:
            raise RuntimeError(f"{type(self).__name__}.positions: call reset() first")
        return self._state[:, :2].copy()

    def _reset_state(self) -> None:
        self._state = np.zeros((self.num_envs, 4))
        self._state[:, :2] = self._rng.uniform(-0.01, 0.01, size=(self.num_envs, 2))

    def _observe(self) -> np.ndarray:
        return self._state.astype(np.float32)

    def _advance(self, actions, live):
        a = np.clip(actions, -1.0, 1.0)
        p, v = self._state[:, :2], self._state[:, 2:]
        v = self.damping * v + self.dt * self.gain * a
        p_new = p + self.dt * v
        hit = np.abs(p_new) > 1.0
        p_new = np.clip(p_new, -1.0, 1.0)
        v = np.where(hit, 0.0, v)
        nxt = np.concatenate([p_new, v], axis=1)
        reward = np.linalg.norm(p_new - p, axis=1)
        self._state = np.where(live[:, None], nxt, self._state)
        return reward, np.zeros(self.num_envs, dtype=bool)


class PointMass2D(SingleEnv):
    """One point mass (gym interface): obs (4,) float32, action (2,) acceleration in [-1, 1]^2."""

    vector_class = VectorPointMass2D

    @property
    def position(self) -> np.ndarray:
        """(2,) float64 current position."""
        return self._vec.positions[0]
