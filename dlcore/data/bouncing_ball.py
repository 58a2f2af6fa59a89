"""Bouncing-ball videos for next-frame prediction (F32 video-rnn): one ball moving at constant
speed inside a square and reflecting off its walls, rendered as an anti-aliased disc.

A pure function of its seed (numpy PCG64). Coordinates are in pixels, pixel (r, c) has its
centre at (r + 0.5, c + 0.5); the ball's centre stays in [radius, size - radius] on both axes.
"""

from __future__ import annotations

import numpy as np


def _reflect(p: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """p folded into [lo, hi] by mirror reflections off lo and hi (a billiard path)."""
    span = hi - lo
    q = np.mod(p - lo, 2 * span)
    return lo + np.where(q > span, 2 * span - q, q)


def bouncing_ball(
    n: int = 256,
    steps: int = 20,
    size: int = 8,
    radius: float = 1.5,
    speed: tuple[float, float] = (0.5, 1.0),
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """n videos of `steps` frames of size x size pixels.

    Each video draws a start uniformly in the allowed square, a direction uniformly on the circle
    and a speed (pixels per frame) uniformly in `speed`; the centre then moves in a straight line,
    mirrored at the walls (exact: the reflected position of the unbounded path).
    Pixel value = clip(radius + 0.5 - distance(pixel centre, ball centre), 0, 1).

    Returns:
        (frames float32 (n, steps, size, size) in [0, 1], centres float64 (n, steps, 2) as (row, col)).
    """
    for name, v in (("n", n), ("steps", steps), ("size", size)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < (1 if name == "size" else 0):
            kind = "positive" if name == "size" else "non-negative"
            raise ValueError(f"bouncing_ball: {name} must be a {kind} int, got {v!r}")
    if not 0 < radius < size / 2:
        raise ValueError(f"bouncing_ball: radius must lie in (0, size / 2 = {size / 2}), got {radius}")
    lo_s, hi_s = speed
    if not 0 <= lo_s <= hi_s:
        raise ValueError(f"bouncing_ball: speed must be (low, high) with 0 <= low <= high, got {speed}")
    rng = np.random.default_rng(seed)
    lo, hi = radius, size - radius
    start = rng.uniform(lo, hi, (n, 1, 2))
    angle = rng.uniform(0, 2 * np.pi, n)
    vel = rng.uniform(lo_s, hi_s, n)[:, None] * np.stack([np.sin(angle), np.cos(angle)], axis=1)
    centres = _reflect(start + np.arange(steps)[None, :, None] * vel[:, None, :], lo, hi)
    grid = np.arange(size) + 0.5
    dr = grid[None, None, :, None] - centres[:, :, None, None, 0]
    dc = grid[None, None, None, :] - centres[:, :, None, None, 1]
    frames = np.clip(radius + 0.5 - np.sqrt(dr**2 + dc**2), 0.0, 1.0)
    return frames.astype(np.float32), centres
