"""dlcore.data.envs: small numpy environments with a gym-like interface (no gym dependency).

Single envs: `reset(seed=None) -> obs`, `step(action) -> (obs, reward, terminated, truncated,
info)`, attributes observation_size, action_size, discrete_actions, max_episode_steps. Vector
envs (`Vector*`) step num_envs copies at once and leave finished copies frozen (see _vector.py).
BernoulliBandits is a batch of multi-armed bandits with the classical policies in `play`.
"""

from ._vector import SingleEnv, VectorEnv
from .bandits import BernoulliBandits, play
from .cartpole import CartPole, VectorCartPole, cartpole_failed, cartpole_step
from .chain import ChainMDP, VectorChainMDP
from .point_mass import PointMass2D, VectorPointMass2D, grid_cell

__all__ = [
    "VectorEnv",
    "SingleEnv",
    "CartPole",
    "VectorCartPole",
    "cartpole_step",
    "cartpole_failed",
    "ChainMDP",
    "VectorChainMDP",
    "PointMass2D",
    "VectorPointMass2D",
    "grid_cell",
    "BernoulliBandits",
    "play",
]
