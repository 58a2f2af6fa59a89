"""Environments for the RL demos: numpy, seeded, vectorised where it helps (no gym)."""

from .bandits import BernoulliBandits, play

__all__ = ["BernoulliBandits", "play"]
