"""Argument and input checks shared by the models (clear ValueErrors naming the model)."""

from __future__ import annotations

import numpy as np


def positive_int(model: str, name: str, v) -> int:
    """v as an int when it is a positive int (not a bool), else a ValueError naming model/name."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{model}: {name} must be a positive int, got {v!r}")
    return int(v)


def channel_pair(model: str, channels) -> tuple[int, int]:
    """channels as a (c0, c1) pair of positive ints, else a ValueError."""
    try:
        c0, c1 = channels
    except (TypeError, ValueError):
        raise ValueError(f"{model}: channels must be a pair of positive ints, got {channels!r}") from None
    return positive_int(model, "channels[0]", c0), positive_int(model, "channels[1]", c1)


def check_images(model: str, x, in_channels: int, min_size: int, size: int | None = None) -> None:
    """x must be (N, in_channels, H, W) with H, W >= min_size (and == size when size is given)."""
    shape = tuple(getattr(x, "shape", ()))
    ok = len(shape) == 4 and shape[1] == in_channels and min(shape[2:]) >= min_size
    if ok and size is not None:
        ok = shape[2:] == (size, size)
    if not ok:
        want = f"{size}x{size}" if size is not None else f"at least {min_size}x{min_size}"
        raise ValueError(
            f"{model}: expected input (N, {in_channels}, H, W) with H, W {want}, got shape {shape}"
        )
