"""dlcore.data.noisy_plane: shapes, dtypes, seeds, the returned plane, and the property F03 rests
on (the residual off the plane has the noise variance, the in-plane spread is much larger)."""

import numpy as np
import pytest

from dlcore.data import noisy_plane


def test_shapes_dtypes_and_orthonormal_basis():
    points, basis, offset = noisy_plane(n=37, seed=3)
    assert points.shape == (37, 3) and points.dtype == np.float32
    assert basis.shape == (3, 2) and offset.shape == (3,)
    np.testing.assert_allclose(basis.T @ basis, np.eye(2), atol=1e-12)


def test_same_seed_same_points_other_seed_other_plane():
    a, b = noisy_plane(seed=5), noisy_plane(seed=5)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.allclose(noisy_plane(seed=6)[1], a[1])


def test_points_lie_near_the_returned_plane_with_the_noise_variance():
    noise = 0.05
    points, basis, offset = noisy_plane(n=20_000, noise=noise, scales=(1.0, 0.5), seed=0)
    d = points.astype(np.float64) - offset
    normal = np.cross(basis[:, 0], basis[:, 1])
    off_plane = d @ normal
    assert off_plane.var() == pytest.approx(noise**2, rel=0.05)
    assert abs(off_plane.mean()) < 4 * noise / np.sqrt(len(d))
    in_plane = np.sort(np.linalg.eigvalsh(np.cov((d @ basis).T)))
    np.testing.assert_allclose(in_plane, [0.25 + noise**2, 1.0 + noise**2], rtol=0.05)


def test_zero_noise_is_exactly_planar():
    points, basis, offset = noisy_plane(n=50, noise=0.0, seed=1)
    resid = (points - offset) - (points - offset) @ basis @ basis.T
    assert np.abs(resid).max() < 1e-5


@pytest.mark.parametrize(
    "kw", [{"n": 0}, {"n": 2.5}, {"noise": -1.0}, {"scales": (1.0, 0.0)}, {"scales": (1.0,)}]
)
def test_bad_arguments(kw):
    with pytest.raises(ValueError, match="noisy_plane:"):
        noisy_plane(**kw)
