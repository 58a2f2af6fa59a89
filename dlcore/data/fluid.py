"""Pressure projection on a small grid for the fluid demo (F39): random divergence fields, the
discrete Laplacian, a Jacobi solver and an exact solver (numpy references).

Grid: n x n cells of unit spacing; pressure is 0 outside the grid (Dirichlet walls), so the
5-point Laplacian is a zero-padded 3x3 stencil (a conv2d with padding 1). The projection solves
L p = d for the divergence d; the divergence left after subtracting grad p is the residual
d - L p. Fields are batched as (N, n, n) or (N, 1, n, n) float arrays; results keep the shape.
"""

from __future__ import annotations

import numpy as np

STENCIL = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def _check_field(d, op: str) -> np.ndarray:
    d = np.asarray(d)
    if d.ndim < 2 or d.shape[-1] != d.shape[-2] or not np.issubdtype(d.dtype, np.floating):
        raise ValueError(f"{op}: expected float fields (..., n, n), got {d.dtype} {d.shape}")
    return d


def laplacian(p) -> np.ndarray:
    """5-point Laplacian of fields (..., n, n) with p = 0 outside the grid."""
    p = _check_field(p, "laplacian")
    q = np.pad(p, [(0, 0)] * (p.ndim - 2) + [(1, 1), (1, 1)])
    return q[..., :-2, 1:-1] + q[..., 2:, 1:-1] + q[..., 1:-1, :-2] + q[..., 1:-1, 2:] - 4.0 * p


def jacobi(d, iters: int, p0=None) -> np.ndarray:
    """`iters` Jacobi sweeps for L p = d from p0 (zeros): p <- (sum of the 4 neighbours - d) / 4."""
    d = _check_field(d, "jacobi")
    if iters < 0:
        raise ValueError(f"jacobi: iters must be >= 0, got {iters}")
    p = np.zeros_like(d) if p0 is None else np.array(p0, dtype=d.dtype)
    if p.shape != d.shape:
        raise ValueError(f"jacobi: p0 shape {p.shape} differs from d shape {d.shape}")
    q = np.zeros(d.shape[:-2] + (d.shape[-2] + 2, d.shape[-1] + 2), d.dtype)
    for _ in range(iters):
        q[..., 1:-1, 1:-1] = p
        p = 0.25 * (q[..., :-2, 1:-1] + q[..., 2:, 1:-1] + q[..., 1:-1, :-2] + q[..., 1:-1, 2:] - d)
    return p


def _sine_basis(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal DST-I basis S (n, n) (symmetric) and the 1-D eigenvalues of the Dirichlet
    second difference: lam_k = 2 cos(pi (k+1) / (n+1)) - 2."""
    k = np.arange(1, n + 1)
    s = np.sqrt(2.0 / (n + 1)) * np.sin(np.pi * np.outer(k, k) / (n + 1))
    return s, 2.0 * np.cos(np.pi * k / (n + 1)) - 2.0


def solve_pressure(d) -> np.ndarray:
    """Exact solution of L p = d (float64 arithmetic, returned in d's dtype) by the sine transform."""
    d = _check_field(d, "solve_pressure")
    s, lam = _sine_basis(d.shape[-1])
    hat = s @ d.astype(np.float64) @ s
    return (s @ (hat / (lam[:, None] + lam[None, :])) @ s).astype(d.dtype)


def residual_ratio(d, p) -> np.ndarray:
    """Per field ||d - L p|| / ||d|| (Frobenius norms over the last two axes)."""
    d = _check_field(d, "residual_ratio")
    num = np.sqrt((np.asarray(d - laplacian(p), np.float64) ** 2).sum(axis=(-2, -1)))
    return num / np.maximum(np.sqrt((np.asarray(d, np.float64) ** 2).sum(axis=(-2, -1))), 1e-300)


def _blur(a: np.ndarray, passes: int) -> np.ndarray:
    """`passes` separable [1, 2, 1] / 4 smoothings over the last two axes (edge values repeated)."""
    for _ in range(passes):
        for ax in (-1, -2):
            q = np.moveaxis(a, ax, -1)
            q = np.concatenate([q[..., :1], q, q[..., -1:]], axis=-1)
            a = np.moveaxis(0.25 * q[..., :-2] + 0.5 * q[..., 1:-1] + 0.25 * q[..., 2:], -1, ax)
    return a


def divergence_fields(n: int = 1000, size: int = 16, smooth: int = 2, seed: int = 0) -> np.ndarray:
    """float32 (n, 1, size, size): divergences of random staggered velocity fields (u on the
    size x (size+1) vertical faces, v on the (size+1) x size horizontal faces, N(0, 1) noise
    smoothed by `smooth` [1, 2, 1] passes), each scaled to unit RMS."""
    if n < 0 or size < 2 or smooth < 0:
        raise ValueError(f"divergence_fields: need n >= 0, size >= 2, smooth >= 0, got {n}, {size}, {smooth}")
    rng = np.random.default_rng(seed)
    u = _blur(rng.standard_normal((n, size, size + 1)), smooth)
    v = _blur(rng.standard_normal((n, size + 1, size)), smooth)
    d = (u[:, :, 1:] - u[:, :, :-1]) + (v[:, 1:, :] - v[:, :-1, :])
    d /= np.sqrt((d**2).mean(axis=(1, 2), keepdims=True)) + 1e-12
    return d[:, None].astype(np.float32)
