"""ChainMDP: the n-state chain where the far end pays well and the near end pays a little.

The deterministic chain of Osband, Blundell, Pritzel & Van Roy 2016 ("Deep exploration via
bootstrapped DQN", sec. 5.1): states 0 .. n-1, every episode starts in state 1, action 0 moves
left and action 1 moves right (clamped at the ends). Each step pays the reward of the state it
lands in: `near_reward` (0.001) in state 0, `far_reward` (1.0) in state n-1, 0 elsewhere. There is
no terminal state; episodes are truncated after n + 9 steps. A myopic or dithering explorer
settles for the near reward: the far reward needs n - 2 consecutive right moves.
Observation: the state index (int64).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._vector import SingleEnv, VectorEnv


class VectorChainMDP(VectorEnv):
    """`num_envs` chains stepped together: obs (num_envs,) int64 state indices, actions in {0, 1}."""

    action_size = 2
    discrete_actions = True

    def __init__(
        self,
        num_envs: int,
        n: int = 20,
        near_reward: float = 0.001,
        far_reward: float = 1.0,
        seed: int | None = None,
    ):
        name = type(self).__name__
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 3:
            raise ValueError(f"{name}: n must be an integer >= 3, got {n!r}")
        super().__init__(num_envs, seed=seed)
        self.n = int(n)
        self.observation_size = self.n
        self.max_episode_steps = self.n + 9
        self.near_reward, self.far_reward = float(near_reward), float(far_reward)
        self._next, self._reward = self.tables()

    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """(next_state, reward), each (n, 2): the deterministic transition and its reward."""
        s = np.arange(self.n)
        nxt = np.stack([np.maximum(s - 1, 0), np.minimum(s + 1, self.n - 1)], axis=1)
        reward = np.where(nxt == 0, self.near_reward, np.where(nxt == self.n - 1, self.far_reward, 0.0))
        return nxt, reward

    def _reset_state(self) -> None:
        self._state = np.ones(self.num_envs, dtype=np.int64)

    def _observe(self) -> np.ndarray:
        return self._state.copy()

    def _advance(self, actions, live):
        reward = self._reward[self._state, actions]
        self._state = np.where(live, self._next[self._state, actions], self._state)
        return reward, np.zeros(self.num_envs, dtype=bool)


class ChainMDP(SingleEnv):
    """One chain (gym interface): obs the state index, action 0 (left) or 1 (right)."""

    vector_class = VectorChainMDP

    def __init__(
        self, n: int = 20, near_reward: float = 0.001, far_reward: float = 1.0, seed: int | None = None
    ):
        super().__init__(n, near_reward, far_reward, seed=seed)
        self.n = self._vec.n

    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """(next_state, reward), each (n, 2); see VectorChainMDP.tables."""
        return self._vec.tables()
