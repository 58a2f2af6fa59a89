"""Shared machinery of the numpy environments: a batched `VectorEnv` base and a `SingleEnv` adapter.

A vector env steps `num_envs` independent copies at once: observations (num_envs, *obs_shape),
rewards float64 (num_envs,), terminated/truncated bool (num_envs,). It does not auto-reset: a copy
whose episode ended (terminated or truncated) keeps its last state, gets reward 0 and keeps its
flags until the next `reset()`, so a batch of whole episodes is one loop until `done.all()`.
Truncation follows gymnasium's TimeLimit: `truncated` is set on the step that brings the copy's
step count to `max_episode_steps`, whether or not that step also terminated.
"""

from __future__ import annotations

import numbers

import numpy as np


class VectorEnv:
    """Base of the batched environments. Subclasses set the class attributes below and implement
    `_reset_state()` (draw self._state for every copy from self._rng), `_observe()` and
    `_advance(actions, live) -> (reward, terminated)` (update self._state where `live`)."""

    observation_size: int = 0  # length of one observation vector (discrete: number of states)
    action_size: int = 0  # discrete: number of actions; continuous: length of the action vector
    discrete_actions: bool = True
    max_episode_steps: int = 0

    def __init__(self, num_envs: int, seed: int | None = None):
        name = type(self).__name__
        if isinstance(num_envs, bool) or not isinstance(num_envs, numbers.Integral) or num_envs < 1:
            raise ValueError(f"{name}: num_envs must be an integer >= 1, got {num_envs!r}")
        self.num_envs = int(num_envs)
        self._rng = np.random.default_rng(seed)
        self._state: np.ndarray | None = None
        self.steps = np.zeros(self.num_envs, dtype=np.int64)
        self.terminated = np.zeros(self.num_envs, dtype=bool)
        self.truncated = np.zeros(self.num_envs, dtype=bool)

    @property
    def done(self) -> np.ndarray:
        """(num_envs,) bool: the copies whose episode has ended."""
        return self.terminated | self.truncated

    def reset(self, seed: int | None = None) -> np.ndarray:
        """Start a new episode in every copy; `seed` reseeds the env's generator (None: continue
        the current stream). Returns the first observations."""
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self.steps[:] = 0
        self.terminated[:] = False
        self.truncated[:] = False
        self._reset_state()
        return self._observe()

    def step(self, actions):
        """Advance every live copy by one step; returns (obs, reward, terminated, truncated, info)
        with info = {"steps": per-copy step counts}. Finished copies do not move and get reward 0."""
        return self._step(actions, f"{type(self).__name__}.step")

    def _step(self, actions, name: str):
        if self._state is None:
            raise RuntimeError(f"{name}: call reset() before step()")
        acts = self._check_actions(actions, name)
        live = ~self.done
        reward, term = self._advance(acts, live)
        reward = np.where(live, reward, 0.0).astype(np.float64)
        self.terminated |= live & term
        self.steps += live
        self.truncated |= live & (self.steps >= self.max_episode_steps)
        info = {"steps": self.steps.copy()}
        return self._observe(), reward, self.terminated.copy(), self.truncated.copy(), info

    def _check_actions(self, actions, name: str) -> np.ndarray:
        a = np.asarray(actions)
        if self.discrete_actions:
            if a.shape != (self.num_envs,):
                raise ValueError(f"{name}: actions must have shape ({self.num_envs},), got {a.shape}")
            if a.dtype.kind not in "iu":
                raise ValueError(
                    f"{name}: actions must be integers in [0, {self.action_size}), got dtype {a.dtype}"
                )
            a = a.astype(np.int64, copy=False)
            if (a.astype(np.uint64) >= self.action_size).any():  # negatives wrap to huge values
                bad = a[(a < 0) | (a >= self.action_size)][0]
                raise ValueError(f"{name}: actions must be in [0, {self.action_size}), got {bad}")
            return a
        want = (self.num_envs, self.action_size)
        if a.shape != want:
            raise ValueError(f"{name}: actions must have shape {want}, got {a.shape}")
        if a.dtype.kind not in "iuf":
            raise ValueError(f"{name}: actions must be real numbers, got dtype {a.dtype}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name}: actions must be finite, got {a[~np.isfinite(a)][0]}")
        return a.astype(np.float64)

    def _reset_state(self) -> None:
        raise NotImplementedError

    def _observe(self) -> np.ndarray:
        raise NotImplementedError

    def _advance(self, actions: np.ndarray, live: np.ndarray):
        raise NotImplementedError


class SingleEnv:
    """One copy of a vector env behind the gym interface: `reset(seed=None) -> obs`,
    `step(action) -> (obs, reward: float, terminated: bool, truncated: bool, info)`.
    Stepping after the episode ended raises RuntimeError (call reset())."""

    vector_class: type[VectorEnv] = VectorEnv

    def __init__(self, *args, seed: int | None = None, **kwargs):
        self._vec = self.vector_class(1, *args, seed=seed, **kwargs)
        self.observation_size = self._vec.observation_size
        self.action_size = self._vec.action_size
        self.discrete_actions = self._vec.discrete_actions
        self.max_episode_steps = self._vec.max_episode_steps

    @property
    def vector(self) -> VectorEnv:
        """The underlying one-copy vector env (its state arrays have a leading axis of 1)."""
        return self._vec

    def reset(self, seed: int | None = None):
        return self._vec.reset(seed)[0]

    def step(self, action):
        name = f"{type(self).__name__}.step"
        if self._vec._state is not None and self._vec.done[0]:
            raise RuntimeError(f"{name}: the episode has ended; call reset() before step()")
        if self.discrete_actions:
            if isinstance(action, (bool, np.bool_)) or not isinstance(action, numbers.Integral):
                raise ValueError(
                    f"{name}: action must be an integer in [0, {self.action_size}), got {action!r}"
                )
            acts = np.array([action], dtype=np.int64)
        else:
            a = np.asarray(action)
            if a.shape != (self.action_size,):
                raise ValueError(f"{name}: action must have shape ({self.action_size},), got {a.shape}")
            acts = a[None]
        obs, reward, term, trunc, info = self._vec._step(acts, name)
        return obs[0], float(reward[0]), bool(term[0]), bool(trunc[0]), {"steps": int(info["steps"][0])}
