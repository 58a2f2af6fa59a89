"""dlcore's random state: one numpy Generator that every random op draws from.

`manual_seed(s)` makes runs reproducible; get/set_rng_state save and restore it (checkpoints).
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed every generator dlcore uses (weight init, dropout, DataLoader shuffles by default)."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    _generator = np.random.default_rng(int(seed))


def generator() -> np.random.Generator:
    return _generator


def get_rng_state() -> dict:
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    bg = np.random.PCG64()
    bg.state = state
    global _generator
    _generator = np.random.Generator(bg)
