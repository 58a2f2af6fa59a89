"""The pooling kernels of _C.cpu against float64 numpy references (written from torch's rules, not
from the kernels) on awkward shapes: max pool (values and flat indices, ties, NaN, -inf, empty
windows), avg pool (padding, ceil_mode, count_include_pad, divisor_override), adaptive avg pool;
their backwards, the adjoint identity <f(x), g> = <x, f*(g)>, and torch where importable."""

import itertools

import numpy as np
import pytest

from dlcore import backend

K = backend.cpu
TOL = {np.float32: 2e-6, np.float64: 1e-13}


def out_size(n, k, s, p, d, ceil):
    """torch's pooling_output_shape."""
    span = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)
    o = span // s + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def steps(start, k, d, n):
    """The in-range positions of a window in order, and torch's first position (for empty ones)."""
    first = start
    while first < 0:
        first += d
    return [start + i * d for i in range(k) if 0 <= start + i * d < n], first


def max_ref(x, k, s, p, d, ceil):
    n, c, h, w = x.shape
    ho, wo = out_size(h, k[0], s[0], p[0], d[0], ceil), out_size(w, k[1], s[1], p[1], d[1], ceil)
    planes = x.reshape(n * c, h * w).astype(np.float64)
    y, idx = np.empty((n * c, ho, wo)), np.empty((n * c, ho, wo), np.int64)
    for oh, ow in itertools.product(range(ho), range(wo)):
        rows, r0 = steps(oh * s[0] - p[0], k[0], d[0], h)
        cols, c0 = steps(ow * s[1] - p[1], k[1], d[1], w)
        at = np.array([r * w + c for r in rows for c in cols], np.int64)
        if at.size == 0:
            y[:, oh, ow], idx[:, oh, ow] = -np.inf, r0 * w + c0
            continue
        vals = planes[:, at]
        nan = np.isnan(vals)
        last_nan = at.size - 1 - np.argmax(nan[:, ::-1], axis=1)
        first_max = np.argmax(np.where(nan, -np.inf, vals), axis=1)
        pick = np.where(nan.any(axis=1), last_nan, first_max)
        y[:, oh, ow] = vals[np.arange(len(vals)), pick]
        idx[:, oh, ow] = at[pick]
    return y.reshape(n, c, ho, wo), idx.reshape(n, c, ho, wo)


def avg_windows(h, w, k, s, p, ceil, count_include_pad, divisor):
    """(output position, input rows, input cols, divisor) for every avg-pool window."""
    ho, wo = out_size(h, k[0], s[0], p[0], 1, ceil), out_size(w, k[1], s[1], p[1], 1, ceil)
    for oh, ow in itertools.product(range(ho), range(wo)):
        r, c = oh * s[0] - p[0], ow * s[1] - p[1]
        padded = (
            [i for i in range(r, r + k[0]) if i < h + p[0]],
            [j for j in range(c, c + k[1]) if j < w + p[1]],
        )
        rows, cols = [i for i in padded[0] if i >= 0], [j for j in padded[1] if j >= 0]
        valid = [i for i in rows if i < h], [j for j in cols if j < w]
        default = len(padded[0]) * len(padded[1]) if count_include_pad else len(valid[0]) * len(valid[1])
        yield (oh, ow), valid[0], valid[1], divisor or default
    return ho, wo


def avg_ref(x, k, s, p, ceil, cip, divisor):
    n, c, h, w = x.shape
    ho, wo = out_size(h, k[0], s[0], p[0], 1, ceil), out_size(w, k[1], s[1], p[1], 1, ceil)
    y = np.zeros((n, c, ho, wo))
    for (oh, ow), rows, cols, div in avg_windows(h, w, k, s, p, ceil, cip, divisor):
        if rows and cols:
            y[:, :, oh, ow] = x[:, :, rows][:, :, :, cols].astype(np.float64).sum(axis=(2, 3)) / div
    return y


def avg_backward_ref(dy, shape, k, s, p, ceil, cip, divisor):
    dx = np.zeros(shape)
    for (oh, ow), rows, cols, div in avg_windows(shape[2], shape[3], k, s, p, ceil, cip, divisor):
        for r, c in itertools.product(rows, cols):
            dx[:, :, r, c] += dy[:, :, oh, ow] / div
    return dx


def adaptive_bounds(n, out):
    return [(i * n // out, -(-(i + 1) * n // out)) for i in range(out)]


def adaptive_ref(x, ho, wo):
    n, c, h, w = x.shape
    y = np.zeros((n, c, ho, wo))
    for (i, (r0, r1)), (j, (c0, c1)) in itertools.product(
        enumerate(adaptive_bounds(h, ho)), enumerate(adaptive_bounds(w, wo))
    ):
        y[:, :, i, j] = x[:, :, r0:r1, c0:c1].astype(np.float64).mean(axis=(2, 3))
    return y


def close(got, ref, dtype):
    np.testing.assert_allclose(got, ref, rtol=TOL[dtype], atol=TOL[dtype], equal_nan=True)


# ---- configurations -------------------------------------------------------------------------

FIXED = [  # (n, c, h, w), kernel, stride, padding, dilation, ceil_mode
    ((2, 3, 7, 13), (2, 2), (2, 2), (0, 0), (1, 1), False),
    ((2, 3, 8, 8), (2, 2), (2, 2), (0, 0), (1, 1), False),
    ((1, 1, 1, 33), (1, 3), (1, 2), (0, 1), (1, 1), True),
    ((3, 2, 5, 6), (3, 3), (2, 2), (1, 1), (1, 1), True),
    ((1, 2, 9, 7), (3, 2), (1, 3), (1, 1), (2, 3), False),
    ((2, 1, 4, 4), (4, 4), (1, 1), (2, 2), (1, 1), False),
    ((1, 1, 1, 2), (1, 2), (1, 1), (0, 1), (1, 3), False),  # a window with no input element
    ((0, 3, 6, 6), (2, 2), (2, 2), (0, 0), (1, 1), False),
    ((2, 0, 6, 6), (3, 3), (1, 1), (1, 1), (1, 1), True),
    ((1, 1, 1, 1), (1, 1), (1, 1), (0, 0), (1, 1), False),
    ((2, 2, 7, 13), (2, 2), (2, 2), (0, 0), (1, 1), True),  # tiling windows clipped by ceil_mode
    ((1, 3, 10, 11), (3, 3), (3, 3), (0, 0), (1, 1), True),
    ((2, 1, 9, 9), (3, 2), (3, 2), (0, 0), (1, 1), False),
]


def random_configs(count, seed):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        k = tuple(int(v) for v in rng.integers(1, 5, 2))
        s = tuple(int(v) for v in rng.integers(1, 4, 2))
        p = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
        d = tuple(int(v) for v in rng.integers(1, 4, 2))
        shape = (
            int(rng.integers(0, 3)),
            int(rng.integers(1, 4)),
            int(rng.integers(1, 12)),
            int(rng.integers(1, 12)),
        )
        ceil = bool(rng.integers(0, 2))
        if min(out_size(shape[2 + i], k[i], s[i], p[i], d[i], ceil) for i in range(2)) >= 1:
            out.append((shape, k, s, p, d, ceil))
    return out


CONFIGS = FIXED + random_configs(30, 18)
DTYPES = [np.float32, np.float64]


def _x(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _max(x, k, s, p, d, ceil):
    n, c, h, w = x.shape
    shape = (n, c, out_size(h, k[0], s[0], p[0], d[0], ceil), out_size(w, k[1], s[1], p[1], d[1], ceil))
    y, idx = np.full(shape, 7.0, x.dtype), np.full(shape, -5, np.int64)
    K.max_pool2d_forward(y, idx, x, k, s, p, d, ceil)
    return y, idx


# ---- max pool -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", CONFIGS)
def test_max_pool_matches_the_reference(cfg, dtype):
    shape, k, s, p, d, ceil = cfg
    x = _x(shape, dtype)
    y, idx = _max(x, k, s, p, d, ceil)
    y_ref, idx_ref = max_ref(x, k, s, p, d, ceil)
    np.testing.assert_array_equal(y, y_ref.astype(dtype))
    np.testing.assert_array_equal(idx, idx_ref)
    dy = _x(y.shape, dtype, 1)
    dx = np.full(shape, 3.0, dtype)
    K.max_pool2d_backward(dx, dy, idx)
    ref = np.zeros((shape[0] * shape[1], shape[2] * shape[3]))
    planes, grads = (a.reshape(len(ref), y.shape[2] * y.shape[3]) for a in (idx, dy))
    inside = (planes >= 0) & (planes < ref.shape[1])
    for i in range(len(ref)):
        np.add.at(ref[i], planes[i][inside[i]], grads[i][inside[i]].astype(np.float64))
    close(dx, ref.reshape(shape), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool_ties_nan_and_infinities_as_torch(dtype):
    x = np.array([1, 1, 2, 2, -np.inf, -np.inf, 3, np.nan, 5, np.nan, 4, np.nan, 0, 0], dtype)
    x = np.concatenate([x, np.full(2, np.inf, dtype)]).reshape(1, 1, 2, 8)
    for k, s in (((2, 2), (2, 2)), ((1, 2), (1, 2)), ((2, 3), (1, 1)), ((2, 4), (1, 1))):
        y, idx = _max(x, k, s, (0, 0), (1, 1), False)
        y_ref, idx_ref = max_ref(x, k, s, (0, 0), (1, 1), False)
        np.testing.assert_array_equal(y, y_ref.astype(dtype))
        np.testing.assert_array_equal(idx, idx_ref)


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool_2x2_fast_path_keeps_torchs_rule(dtype):
    """Rows of 11 windows (the float32 path takes four at a time, then the rest one by one) full
    of ties, NaN and infinities."""
    rng = np.random.default_rng(7)
    x = rng.choice(np.array([0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 2.0]), size=(3, 2, 6, 23)).astype(dtype)
    y, idx = _max(x, (2, 2), (2, 2), (0, 0), (1, 1), False)
    y_ref, idx_ref = max_ref(x, (2, 2), (2, 2), (0, 0), (1, 1), False)
    np.testing.assert_array_equal(y, y_ref.astype(dtype))
    np.testing.assert_array_equal(idx, idx_ref)


def test_max_pool_empty_window_gives_minus_inf_and_its_backward_adds_nothing():
    x = np.array([[[[5.0, 6.0]]]])
    y, idx = _max(x, (1, 2), (1, 1), (0, 1), (1, 3), False)
    assert y.tolist() == [[[[-np.inf]]]] and idx.tolist() == [[[[2]]]]  # torch's values
    dx = np.full_like(x, 9.0)
    K.max_pool2d_backward(dx, np.ones_like(y), idx)
    assert dx.tolist() == [[[[0.0, 0.0]]]]


# ---- avg pool -------------------------------------------------------------------------------

AVG_MODES = [(True, 0), (False, 0), (True, 3), (False, -2)]  # count_include_pad, divisor


def _avg_shape(shape, k, s, p, ceil):
    n, c, h, w = shape
    return (n, c, out_size(h, k[0], s[0], p[0], 1, ceil), out_size(w, k[1], s[1], p[1], 1, ceil))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", AVG_MODES)
@pytest.mark.parametrize("cfg", [c for c in CONFIGS if min(_avg_shape(c[0], *c[1:4], c[5])[2:]) >= 1])
def test_avg_pool_matches_the_reference(cfg, mode, dtype):
    shape, k, s, p, _, ceil = cfg
    cip, divisor = mode
    x = _x(shape, dtype)
    y = np.full(_avg_shape(shape, k, s, p, ceil), 7.0, dtype)
    K.avg_pool2d_forward(y, x, k, s, p, ceil, cip, divisor)
    close(y, avg_ref(x, k, s, p, ceil, cip, divisor), dtype)
    dy = _x(y.shape, dtype, 1)
    dx = np.full(shape, 3.0, dtype)
    K.avg_pool2d_backward(dx, dy, k, s, p, ceil, cip, divisor)
    close(dx, avg_backward_ref(dy.astype(np.float64), shape, k, s, p, ceil, cip, divisor), dtype)
    # the backward is the forward's adjoint
    assert np.isclose(np.vdot(y, dy), np.vdot(x, dx), rtol=1e-4 if dtype == np.float32 else 1e-11, atol=1e-6)


# ---- adaptive avg pool ----------------------------------------------------------------------

ADAPTIVE = [
    ((2, 3, 7, 13), (3, 5)),
    ((1, 2, 5, 5), (5, 5)),
    ((1, 1, 4, 9), (7, 11)),
    ((3, 1, 33, 1), (4, 1)),
    ((0, 2, 6, 6), (2, 2)),
    ((2, 2, 6, 6), (1, 1)),
    ((1, 3, 8, 6), (0, 3)),
    ((2, 2, 10, 10), (3, 4)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, out", ADAPTIVE)
def test_adaptive_avg_pool_matches_the_reference(shape, out, dtype):
    x = _x(shape, dtype)
    y = np.full(shape[:2] + out, 7.0, dtype)
    K.adaptive_avg_pool2d_forward(y, x)
    close(y, adaptive_ref(x, *out), dtype)
    dy = _x(y.shape, dtype, 1)
    dx = np.full(shape, 3.0, dtype)
    K.adaptive_avg_pool2d_backward(dx, dy)
    ref = np.zeros(shape)
    for (i, (r0, r1)), (j, (c0, c1)) in itertools.product(
        enumerate(adaptive_bounds(shape[2], out[0])), enumerate(adaptive_bounds(shape[3], out[1]))
    ):
        ref[:, :, r0:r1, c0:c1] += dy[:, :, i : i + 1, j : j + 1] / ((r1 - r0) * (c1 - c0))
    close(dx, ref, dtype)


# ---- torch, and threads ---------------------------------------------------------------------


@pytest.mark.parametrize("cfg", CONFIGS[:12])
def test_against_torch(cfg):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    shape, k, s, p, d, ceil = cfg
    x = _x(shape, np.float64, 5)
    t = torch.from_numpy(x)
    if shape[1]:  # torch refuses C = 0
        y, idx = _max(x, k, s, p, d, ceil)
        ty, ti = F.max_pool2d(t, k, s, p, d, ceil_mode=ceil, return_indices=True)
        np.testing.assert_array_equal(y, ty.numpy())
        np.testing.assert_array_equal(idx, ti.numpy())
        if min(_avg_shape(shape, k, s, p, ceil)[2:]) >= 1:
            y = np.empty(_avg_shape(shape, k, s, p, ceil))
            K.avg_pool2d_forward(y, x, k, s, p, ceil, False, 0)
            close(y, F.avg_pool2d(t, k, s, p, ceil, count_include_pad=False).numpy(), np.float64)


def test_threads_give_the_same_results():
    import dlcore

    x = _x((8, 16, 30, 30), np.float32)
    before = dlcore.get_num_threads()
    results = []
    try:
        for n in (1, 2):
            dlcore.set_num_threads(n)
            y, idx = _max(x, (3, 3), (2, 2), (1, 1), (1, 1), True)
            a = np.empty((8, 16, 10, 10), np.float32)
            K.avg_pool2d_forward(a, x, (3, 3), (3, 3), (0, 0), False, True, 0)
            dx = np.empty_like(x)
            K.max_pool2d_backward(dx, y, idx)
            results.append((y, idx, a, dx))
    finally:
        dlcore.set_num_threads(before)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


# ---- what the bindings refuse (beyond tests/test_bindings.py's bad arrays) -----------------


def _refused(call, error, match, *outs):
    before = [o.copy() for o in outs]
    with pytest.raises(error, match=match):
        call()
    for o, b in zip(outs, before):
        np.testing.assert_array_equal(o, b)


def test_bindings_refuse_bad_geometry_and_mismatched_planes():
    x, y = _x((2, 3, 7, 9), np.float32), np.zeros((2, 3, 3, 4), np.float32)
    idx = np.zeros(y.shape, np.int64)
    geo = ((2, 2), (2, 2), (0, 0), (1, 1))
    mp = "max_pool2d_forward"
    for args, error, match in [
        (
            ((2, 2), (2, 2), (2, 0), (1, 1)),
            ValueError,
            r"padding \(2, 0\) must be at most half of kernel \(2, 2\)",
        ),
        (
            ((0, 2), (2, 2), (0, 0), (1, 1)),
            ValueError,
            r"kernel must be a tuple of two ints >= 1, got \(0, 2\)",
        ),
        (((2, 2), (2, 2), (-1, 0), (1, 1)), ValueError, r"padding must be a tuple of two ints >= 0"),
        (((2, 2), (2,), (0, 0), (1, 1)), ValueError, r"stride must be a tuple of two ints >= 1, got \(2,\)"),
        (((2, 2), 2, (0, 0), (1, 1)), TypeError, r"stride must be a tuple of two ints >= 1, got int"),
        (((2, 2), (2, 2), (0, 0), (1.0, 1)), TypeError, r"dilation must be a tuple of two ints"),
        (((2, 2), (2, 2), (0, 0), (True, 1)), TypeError, r"dilation must be a tuple of two ints"),
        (((8, 2), (2, 2), (0, 0), (1, 1)), ValueError, r"x \(2, 3, 7, 9\) is too small for kernel \(8, 2\)"),
        (((2, 2), (2, 2), (0, 0), (7, 1)), ValueError, r"x .* dilation \(7, 1\): output plane \(0, 4\)"),
    ]:
        _refused(
            lambda args=args: K.max_pool2d_forward(y, idx, x, *args, False),
            error,
            rf"\[{mp}\] {match}",
            y,
            idx,
        )
    _refused(
        lambda: K.max_pool2d_forward(y, idx, x, *geo, True),
        ValueError,
        r"y \(2, 3, 3, 4\) must have shape "
        r"\(2, 3, 4, 5\) for x \(2, 3, 7, 9\)",
        y,
        idx,
    )
    empty = np.zeros((2, 3, 0, 9), np.float32)
    _refused(lambda: K.max_pool2d_forward(y, idx, empty, *geo, False), ValueError, r"has an empty plane", y)
    inside_x = x.reshape(-1)[10 : 10 + y.size].reshape(y.shape)
    _refused(lambda: K.max_pool2d_forward(inside_x, idx, x, *geo, False), ValueError, r"y overlaps x", x, idx)
    dx = np.zeros((2, 4, 7, 9), np.float32)  # a plane of any size fits, the planes' count must agree
    _refused(
        lambda: K.max_pool2d_backward(dx, y, idx),
        ValueError,
        r"\[max_pool2d_backward\] dx \(2, 4, 7, 9\)",
        dx,
    )
    for fwd, bwd in ((K.adaptive_avg_pool2d_forward, False), (K.adaptive_avg_pool2d_backward, True)):
        name = fwd.__name__
        big, small = np.zeros((2, 3, 7, 9), np.float32), np.zeros((3, 3, 3, 4), np.float32)
        out = big if bwd else small
        call = (lambda: fwd(big, small)) if bwd else (lambda: fwd(small, big))  # noqa: B023  (called at once)
        _refused(call, ValueError, rf"\[{name}\]", out)
    a = np.zeros((1, 1, 2, 2), np.float32)
    _refused(
        lambda: K.adaptive_avg_pool2d_forward(a, np.zeros((1, 1, 0, 3), np.float32)),
        ValueError,
        r"\[adaptive_avg_pool2d_forward\] x \(1, 1, 0, 3\) has an empty plane",
        a,
    )
    buf = np.zeros(2 * 3 * 7 * 9 + 2 * 3 * 3 * 4, np.float32)
    xs, ys = buf[: x.size].reshape(x.shape), buf[x.size - 5 : x.size - 5 + y.size].reshape(y.shape)
    _refused(
        lambda: K.avg_pool2d_forward(ys, xs, *geo[:3], False, True, 0),
        ValueError,
        r"\[avg_pool2d_forward\] y overlaps x",
        buf,
    )
