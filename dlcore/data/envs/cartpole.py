"""CartPole: the cart-pole balancing task with the gym/gymnasium CartPole-v1 dynamics.

Equations (Barto, Sutton & Anderson 1983, "Neuronlike adaptive elements that can solve difficult
learning control problems", with the corrected pole equation of Florian 2007, "Correct equations
for the dynamics of the cart-pole system"; friction-free), integrated by explicit Euler with
tau = 0.02 s, as CartPole-v1 does:

    F       = +10 N (action 1) or -10 N (action 0)
    temp    = (F + m_p l theta_dot^2 sin(theta)) / (m_c + m_p)
    theta'' = (g sin(theta) - cos(theta) temp) / (l (4/3 - m_p cos^2(theta) / (m_c + m_p)))
    x''     = temp - m_p l theta'' cos(theta) / (m_c + m_p)
    x += tau x_dot;  x_dot += tau x'';  theta += tau theta_dot;  theta_dot += tau theta''

with g = 9.8 m/s^2, m_c = 1.0 kg, m_p = 0.1 kg, l = 0.5 m (half the pole length). State and
observation: (x [m], x_dot [m/s], theta [rad], theta_dot [rad/s]), each drawn from U(-0.05, 0.05)
at reset. Reward 1 for every step taken, including the one that terminates. Terminated when
|x| > 2.4 or |theta| > 12 degrees; truncated at 500 steps.
"""

from __future__ import annotations

import numpy as np

from ._vector import SingleEnv, VectorEnv

GRAVITY = 9.8
MASS_CART = 1.0
MASS_POLE = 0.1
HALF_LENGTH = 0.5
FORCE = 10.0
TAU = 0.02
X_LIMIT = 2.4
THETA_LIMIT = 12 * 2 * np.pi / 360


def cartpole_step(state: np.ndarray, action: np.ndarray) -> np.ndarray:
    """One Euler step of the equations above: state (..., 4) float, action (...) in {0, 1}
    -> next state (..., 4) float64."""
    s = np.asarray(state, dtype=np.float64)
    if s.shape[-1:] != (4,):
        raise ValueError(f"cartpole_step: state must have shape (..., 4), got {s.shape}")
    x, x_dot, theta, theta_dot = np.moveaxis(s, -1, 0)
    force = np.where(np.asarray(action) == 1, FORCE, -FORCE)
    total = MASS_CART + MASS_POLE
    cos, sin = np.cos(theta), np.sin(theta)
    temp = (force + MASS_POLE * HALF_LENGTH * theta_dot**2 * sin) / total
    theta_acc = (GRAVITY * sin - cos * temp) / (HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * cos**2 / total))
    x_acc = temp - MASS_POLE * HALF_LENGTH * theta_acc * cos / total
    return np.stack(
        [x + TAU * x_dot, x_dot + TAU * x_acc, theta + TAU * theta_dot, theta_dot + TAU * theta_acc], axis=-1
    )


def cartpole_failed(state: np.ndarray) -> np.ndarray:
    """(...) bool: the cart left [-2.4, 2.4] m or the pole leans more than 12 degrees."""
    s = np.asarray(state)
    return (np.abs(s[..., 0]) > X_LIMIT) | (np.abs(s[..., 2]) > THETA_LIMIT)


class VectorCartPole(VectorEnv):
    """`num_envs` CartPoles stepped together: obs (num_envs, 4) float32, actions (num_envs,) in {0, 1}."""

    observation_size = 4
    action_size = 2
    discrete_actions = True
    max_episode_steps = 500

    @property
    def state(self) -> np.ndarray:
        """(num_envs, 4) float64 physical state; settable (a copy is stored) after reset()."""
        if self._state is None:
            raise RuntimeError(f"{type(self).__name__}.state: call reset() first")
        return self._state.copy()

    @state.setter
    def state(self, value) -> None:
        v = np.asarray(value, dtype=np.float64)
        if v.shape != (self.num_envs, 4) or not np.all(np.isfinite(v)):
            raise ValueError(
                f"{type(self).__name__}.state: expected finite ({self.num_envs}, 4), got {v.shape}"
            )
        if self._state is None:
            raise RuntimeError(f"{type(self).__name__}.state: call reset() first")
        self._state = v.copy()

    def _reset_state(self) -> None:
        self._state = self._rng.uniform(-0.05, 0.05, size=(self.num_envs, 4))

    def _observe(self) -> np.ndarray:
        return self._state.astype(np.float32)

    def _advance(self, actions, live):
        nxt = cartpole_step(self._state, actions)
        self._state = np.where(live[:, None], nxt, self._state)
        return np.ones(self.num_envs), cartpole_failed(self._state)


class CartPole(SingleEnv):
    """One CartPole-v1 (gym interface): obs (4,) float32, action 0 (push left) or 1 (push right)."""

    vector_class = VectorCartPole

    @property
    def state(self) -> np.ndarray:
        """(4,) float64 physical state; settable after reset()."""
        return self._vec.state[0]

    @state.setter
    def state(self, value) -> None:
        self._vec.state = np.asarray(value, dtype=np.float64).reshape(1, -1)
