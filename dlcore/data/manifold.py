"""Points near a low-dimensional object (the manifold hypothesis, F03): a noisy 2-D plane in 3-D.

A pure function of its seed (numpy PCG64); float32 points with the true plane returned beside them.
"""

from __future__ import annotations

import numpy as np


def noisy_plane(
    n: int = 500, noise: float = 0.05, scales: tuple[float, float] = (1.0, 0.5), seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n points offset + basis @ c + e in R^3: c ~ N(0, diag(scales)^2) the in-plane coordinates,
    e ~ N(0, noise^2 I_3) isotropic noise; the plane's orientation (basis) and offset ~ N(0, I_3)
    are drawn from the seed too.

    The noise leaves the plane only along its normal, so the best rank-2 affine reconstruction has
    an expected squared error per point of noise^2, and the best rank-1 one noise^2 + min(scales)^2.

    Returns:
        (points, basis, offset): points float32 (n, 3); basis float64 (3, 2) with orthonormal
        columns spanning the plane; offset float64 (3,).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"noisy_plane: n must be a positive int, got {n!r}")
    if not noise >= 0 or len(scales) != 2 or not all(s > 0 for s in scales):
        raise ValueError(
            f"noisy_plane: noise must be >= 0 and scales two positive numbers, got {noise!r}, {scales!r}"
        )
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((3, 3)))[0][:, :2]
    offset = rng.standard_normal(3)
    coords = rng.standard_normal((int(n), 2)) * np.asarray(scales, dtype=np.float64)
    points = offset + coords @ basis.T + noise * rng.standard_normal((int(n), 3))
    return points.astype(np.float32), basis, offset
