"""Synthetic point clouds for the tour's regression demos (F01 line, F02 plane).

Each generator is a pure function of its seed (numpy PCG64); float32 outputs, targets (N, 1).
"""

from __future__ import annotations

import numpy as np


def line_points(
    n: int = 200, slope: float = 2.0, intercept: float = 1.0, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """n points y = slope*x + intercept + N(0, noise^2), x ~ U(-1, 1).

    Returns:
        (x, y), each float32 of shape (n, 1).
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 1))
    y = slope * x + intercept + noise * rng.standard_normal((n, 1))
    return x.astype(np.float32), y.astype(np.float32)


def plane_points(
    n: int = 300,
    coef: tuple[float, float] = (0.5, -1.5),
    intercept: float = 2.0,
    noise: float = 0.1,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """n points z = coef[0]*x + coef[1]*y + intercept + N(0, noise^2), (x, y) ~ U(-2, 2)^2.

    Returns:
        (xy, z): xy float32 (n, 2), z float32 (n, 1).
    """
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-2.0, 2.0, size=(n, 2))
    z = xy @ np.asarray(coef, dtype=np.float64)[:, None] + intercept
    z = z + noise * rng.standard_normal((n, 1))
    return xy.astype(np.float32), z.astype(np.float32)
