"""dlcore.data.bouncing_ball: shapes and range, seeded, the centre moves at constant speed and
mirrors at the walls, the frame draws the disc where the centre is, bad arguments are refused."""

import numpy as np
import pytest

from dlcore.data import bouncing_ball


def test_shapes_range_and_seed():
    f, c = bouncing_ball(n=5, steps=7, size=8, radius=1.5, seed=2)
    assert f.shape == (5, 7, 8, 8) and f.dtype == np.float32 and c.shape == (5, 7, 2)
    assert f.min() >= 0 and f.max() <= 1
    assert c.min() >= 1.5 - 1e-12 and c.max() <= 6.5 + 1e-12
    f2, c2 = bouncing_ball(n=5, steps=7, size=8, radius=1.5, seed=2)
    np.testing.assert_array_equal(f, f2)
    np.testing.assert_array_equal(c, c2)
    assert not np.array_equal(bouncing_ball(n=5, steps=7, seed=3)[1], c)


def test_constant_speed_away_from_the_walls():
    _, c = bouncing_ball(n=200, steps=30, size=8, radius=1.5, speed=(0.5, 1.0), seed=0)
    near = (np.minimum(c[:, :-1], c[:, 1:]) < 1.5 + 1.0) | (np.maximum(c[:, :-1], c[:, 1:]) > 6.5 - 1.0)
    free = ~near.any(axis=2)  # neither end within one step of a wall: no bounce in between
    speeds = np.linalg.norm(np.diff(c, axis=1), axis=2)
    checked = 0
    for i in range(200):
        s = speeds[i][free[i]]
        if len(s):
            np.testing.assert_allclose(s, s[0], atol=1e-9)
            assert 0.5 - 1e-9 <= s[0] <= 1.0 + 1e-9
            checked += 1
    assert checked > 150


def test_path_mirrors_at_the_walls_like_a_billiard():
    from dlcore.data.bouncing_ball import _reflect

    rng = np.random.default_rng(0)
    lo, hi = 1.5, 6.5
    for _ in range(50):
        p0, v0 = rng.uniform(lo, hi), rng.uniform(-1.0, 1.0)
        q, v, path = p0, v0, []
        for _ in range(40):  # step by step: move, then mirror the overshoot and flip the velocity
            path.append(q)
            q += v
            if q > hi:
                q, v = 2 * hi - q, -v
            elif q < lo:
                q, v = 2 * lo - q, -v
        np.testing.assert_allclose(_reflect(p0 + np.arange(40) * v0, lo, hi), path, atol=1e-9)


def test_frame_draws_the_disc_at_the_centre():
    f, c = bouncing_ball(n=3, steps=4, size=16, radius=2.0, seed=1)
    rr, cc = np.meshgrid(np.arange(16) + 0.5, np.arange(16) + 0.5, indexing="ij")
    for i in range(3):
        for t in range(4):
            d = np.hypot(rr - c[i, t, 0], cc - c[i, t, 1])
            np.testing.assert_allclose(f[i, t][d <= 1.5], 1.0)
            np.testing.assert_allclose(f[i, t][d >= 2.5], 0.0)
            np.testing.assert_allclose(f[i, t], np.clip(2.5 - d, 0, 1), atol=1e-6)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(n=-1), "n must"),
        (dict(steps=2.5), "steps must"),
        (dict(size=0), "size must"),
        (dict(radius=4.0), "radius"),
        (dict(speed=(1.0, 0.5)), "speed"),
    ],
)
def test_bad_arguments_raise(kw, match):
    with pytest.raises(ValueError, match=match):
        bouncing_ball(**kw)
