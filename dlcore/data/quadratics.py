"""Random quadratic problems for learned optimizers (F56, Andrychowicz et al. 2016, section 3.1):
f_i(theta) = ||W_i theta - y_i||^2 with W_i and y_i i.i.d. standard normal.

A pure function of its seed (numpy PCG64); the loss itself is dlcore.optim.quadratic_loss(W, y).
"""

from __future__ import annotations

import numbers

import numpy as np


def random_quadratics(
    n: int, dim: int = 10, seed: int = 0, dtype=np.float32
) -> tuple[np.ndarray, np.ndarray]:
    """n random quadratics in dim dimensions: W (n, dim, dim) and y (n, dim), entries N(0, 1).

    Each W_i is square Gaussian, so invertible with probability 1: the minimum of
    ||W_i theta - y_i||^2 is 0 (at theta = W_i^-1 y_i), but W_i is often ill-conditioned.
    Args:
        n: number of problems (>= 1); dim: their dimension (>= 1); seed: numpy seed;
        dtype: float32 or float64.
    """
    for name, v in (("n", n), ("dim", dim)):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
            raise ValueError(f"random_quadratics: {name} must be an int >= 1, got {v!r}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"random_quadratics: dtype must be float32 or float64, got {dtype}")
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, dim, dim)).astype(dtype)
    y = rng.standard_normal((n, dim)).astype(dtype)
    return W, y
