"""Linear regions of a ReLU network: exact count along a segment, grid estimate on a 2-D plane.

A linear (activation) region is a set of inputs sharing one activation pattern (which ReLU units
are on); inside it the network is affine. Along a segment x(t) = start + t (end - start), t in
[0, 1], every pre-activation is affine in t on each piece, so the walk splits pieces where a
pre-activation changes sign, layer by layer, in float64 (Montufar et al. 2014; Hanin & Rolnick
2019). Supported models: see dlcore.theory._piecewise (Sequential of Linear/ReLU/LeakyReLU).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._piecewise import Affine, activation_patterns, kink_units, piecewise_program


@dataclass(frozen=True)
class RegionCount:
    """Result of count_linear_regions.

    count: number of linear regions the segment crosses (len(breakpoints) + 1).
    breakpoints: (count - 1,) float64 sorted values of t in (0, 1) where the pattern changes.
    patterns: (count, units) bool activation pattern of each piece, in order along the segment.
    start, end: (in_features,) float64 ends of the segment.
    """

    count: int
    breakpoints: np.ndarray
    patterns: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @property
    def points(self) -> np.ndarray:
        """(count - 1, in_features) the breakpoints as points of input space."""
        return self.start + self.breakpoints[:, None] * (self.end - self.start)


@dataclass(frozen=True)
class RegionMap:
    """Result of activation_regions_2d.

    count: number of distinct activation patterns seen on the grid (a lower bound on the
    regions meeting the rectangle; it converges to their number as n grows).
    pattern_ids: (n, n) int64, pattern_ids[i, j] is the pattern index at (xs[j], ys[i]).
    xs, ys: (n,) float64 grid coordinates.
    """

    count: int
    pattern_ids: np.ndarray
    xs: np.ndarray
    ys: np.ndarray


def _point(fn: str, name: str, value, in_features: int) -> np.ndarray:
    arr = _floats(value)
    arr = arr.reshape(-1) if arr is not None and arr.ndim <= 1 else None
    if arr is None or arr.shape != (in_features,):
        raise ValueError(f"{fn}: {name} must have shape ({in_features},), got shape {np.shape(value)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{fn}: {name} must be finite, got {arr}")
    return arr


def count_linear_regions(model, start, end, tol: float = 1e-12) -> RegionCount:
    """Exact number of linear regions of a ReLU network along the segment from start to end.

    model: nn.Sequential of Linear / ReLU / LeakyReLU / Identity (nested allowed); any other
    module is a ValueError. start, end: points of input space, shape (in_features,) (a scalar
    for in_features 1). Each pre-activation is affine on each piece of the segment; a piece is
    split where one changes sign strictly inside it (roots closer than tol, in units of t, to a
    piece end or to each other are merged, so a unit touching zero at a piece end splits
    nothing); adjacent pieces with the same full pattern are merged at the end.
    """
    fn = "count_linear_regions"
    steps, d = piecewise_program(fn, model)
    a, b = _point(fn, "start", start, d), _point(fn, "end", end, d)
    if np.array_equal(a, b):
        raise ValueError(f"{fn}: start and end are the same point {a}; the segment is empty")
    if not (isinstance(tol, (int, float)) and 0 <= tol < 0.5):
        raise ValueError(f"{fn}: tol must be a number in [0, 0.5), got {tol!r}")
    t = np.array([0.0, 1.0])  # piece k spans t[k]..t[k+1]
    u, v = a[None, :], (b - a)[None, :]  # on piece k the current layer is u[k] + t v[k]
    pats = np.zeros((1, 0), dtype=bool)
    for step in steps:
        if isinstance(step, Affine):
            u, v = u @ step.weight.T + step.bias, v @ step.weight.T
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            roots = -u / v
        inside = (v != 0) & (roots > t[:-1, None] + tol) & (roots < t[1:, None] - tol)
        new = np.unique(roots[inside])
        if new.size:
            new = new[np.concatenate([[True], np.diff(new) > tol])]
            t_new = np.union1d(t, new)
            parent = np.searchsorted(t, 0.5 * (t_new[:-1] + t_new[1:]), side="right") - 1
            u, v, pats, t = u[parent], v[parent], pats[parent], t_new
        on = (u + 0.5 * (t[:-1] + t[1:])[:, None] * v) > 0
        slope = step.negative_slope
        u, v = np.where(on, u, slope * u), np.where(on, v, slope * v)
        pats = np.concatenate([pats, on], axis=1)
    changed = np.concatenate([[True], np.any(pats[1:] != pats[:-1], axis=1)])
    return RegionCount(int(changed.sum()), t[1:-1][changed[1:]], pats[changed], a, b)


def _floats(value) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _limits(fn: str, name: str, lim) -> tuple[float, float]:
    arr = _floats(lim)
    if arr is None or arr.shape != (2,) or not np.all(np.isfinite(arr)) or arr[0] >= arr[1]:
        raise ValueError(f"{fn}: {name} must be (lo, hi) with finite lo < hi, got {lim!r}")
    return float(arr[0]), float(arr[1])


def activation_regions_2d(model, xlim=(-1.0, 1.0), ylim=(-1.0, 1.0), n: int = 256, plane=None) -> RegionMap:
    """Estimate of the linear regions of a ReLU network on a 2-D rectangle: distinct patterns.

    The grid is n x n points of [xlim] x [ylim]. For a network with 2 inputs the point is (x, y);
    otherwise plane=(origin, u, v) (each (in_features,)) maps it to origin + x u + y v. Returns a
    RegionMap whose pattern_ids draw the region map (e.g. plt.pcolormesh(xs, ys, pattern_ids)).
    """
    fn = "activation_regions_2d"
    steps, d = piecewise_program(fn, model)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"{fn}: n must be an int >= 2, got {n!r}")
    (x0, x1), (y0, y1) = _limits(fn, "xlim", xlim), _limits(fn, "ylim", ylim)
    if plane is None:
        if d != 2:
            raise ValueError(f"{fn}: the model takes {d} inputs; give plane=(origin, u, v) to pick a plane")
        origin, e1, e2 = np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0])
    else:
        if len(plane) != 3:
            raise ValueError(f"{fn}: plane must be (origin, u, v), got {len(plane)} items")
        origin, e1, e2 = (_point(fn, name, p, d) for name, p in zip(("origin", "u", "v"), plane))
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    pts = origin + gx.reshape(-1, 1) * e1 + gy.reshape(-1, 1) * e2
    pats = activation_patterns(steps, pts)
    if kink_units(steps) == 0:
        return RegionMap(1, np.zeros((n, n), dtype=np.int64), xs, ys)
    packed = np.packbits(pats, axis=1)
    _, ids = np.unique(packed, axis=0, return_inverse=True)
    ids = ids.reshape(n, n).astype(np.int64)
    return RegionMap(int(ids.max()) + 1, ids, xs, ys)
