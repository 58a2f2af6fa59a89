"""Mutual information between symbols d apart in a sequence: the plug-in estimator and its bias.

For a symbol sequence over an alphabet of K symbols, I(d) = I(X_t; X_{t+d}) in bits is estimated
from the empirical joint distribution of the N pairs (x_t, x_{t+d}) and its two marginals:
I = sum_ij p_ij log2(p_ij / (p_i. p_.j)). The plug-in estimate is biased upward: for independent
symbols, 2 N ln2 I is asymptotically chi-square with (K-1)^2 degrees of freedom, so its mean, the
bias floor, is (K-1)^2 / (2 N ln 2) bits (Miller-Madow) and its spread sqrt(2) (K-1) / (2 N ln 2).
Values near the floor mean "no measurable dependence" (Lin & Tegmark 2017 use the same estimator).
"""

from __future__ import annotations

import numpy as np


def mi_bias_floor(K: int, n_pairs: int) -> float:
    """Expected plug-in MI, in bits, of n_pairs independent pairs over K symbols: (K-1)^2/(2 N ln2)."""
    if K < 1 or n_pairs < 1:
        raise ValueError(f"mi_bias_floor: K and n_pairs must be >= 1, got K={K}, n_pairs={n_pairs}")
    return (K - 1) ** 2 / (2.0 * n_pairs * np.log(2.0))


def _symbols(fn: str, seq, K) -> tuple[np.ndarray, int]:
    arr = np.asarray(seq)
    if arr.dtype.kind not in "iub" or arr.ndim not in (1, 2) or arr.size == 0:
        raise ValueError(
            f"{fn}: seq must be a non-empty 1-D (or 2-D: rows are separate sequences) int array, "
            f"got dtype {arr.dtype} and shape {arr.shape}"
        )
    arr = arr.astype(np.int64).reshape(-1, arr.shape[-1])
    if arr.min() < 0:
        raise ValueError(f"{fn}: symbols must be >= 0, got {arr.min()}")
    if K is None:
        K = int(arr.max()) + 1
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1 or arr.max() >= K:
        raise ValueError(f"{fn}: K must be an int > every symbol (max {arr.max()}), got {K!r}")
    return arr, int(K)


def pair_counts(seq, distance: int, K: int | None = None) -> np.ndarray:
    """(K, K) int64 counts of (x_t, x_{t+distance}) pairs, within each row of a 2-D seq."""
    fn = "pair_counts"
    arr, K = _symbols(fn, seq, K)
    if isinstance(distance, bool) or not isinstance(distance, (int, np.integer)) or distance < 0:
        raise ValueError(f"{fn}: distance must be an int >= 0, got {distance!r}")
    if distance >= arr.shape[1]:
        raise ValueError(f"{fn}: distance {distance} leaves no pair in sequences of length {arr.shape[1]}")
    codes = arr[:, : arr.shape[1] - distance] * K + arr[:, distance:]
    return np.bincount(codes.ravel(), minlength=K * K).reshape(K, K)


def transition_matrix(seq, K: int | None = None) -> np.ndarray:
    """(K, K) float64 maximum-likelihood bigram model of seq: row i = P(next | current = i).

    A symbol never followed by another gets a uniform row. seq as in mutual_information.
    """
    counts = pair_counts(seq, 1, K).astype(np.float64)
    totals = counts.sum(axis=1, keepdims=True)
    return np.where(totals > 0, counts / np.maximum(totals, 1.0), 1.0 / counts.shape[0])


def mutual_information(seq, distances, K: int | None = None, subtract_bias: bool = False) -> np.ndarray:
    """Plug-in I(X_t; X_{t+d}) in bits for each d in distances; float64 array, same length.

    seq: 1-D int array of symbols in [0, K), or 2-D (rows are independent sequences; pairs never
    straddle two rows). K: alphabet size (default max symbol + 1). subtract_bias: subtract the
    bias floor mi_bias_floor(K, N_d) from each value (Miller-Madow; the result may then be < 0).
    """
    fn = "mutual_information"
    arr, K = _symbols(fn, seq, K)
    ds = np.asarray(distances)
    if ds.ndim != 1 or ds.size == 0 or ds.dtype.kind not in "iu" or ds.min() < 1 or ds.max() >= arr.shape[1]:
        raise ValueError(
            f"{fn}: distances must be a non-empty 1-D int array in [1, {arr.shape[1] - 1}], got {distances!r}"
        )
    out = np.empty(ds.size)
    for i, d in enumerate(ds.tolist()):
        joint = pair_counts(arr, d, K).astype(np.float64)
        n = joint.sum()
        p = joint / n
        px, py = p.sum(axis=1), p.sum(axis=0)
        nz = p > 0
        out[i] = float(np.sum(p[nz] * np.log2(p[nz] / np.outer(px, py)[nz])))
        if subtract_bias:
            out[i] -= mi_bias_floor(K, int(n))
    return out


def markov_mutual_information(distances, K: int = 4, stay: float = 0.9) -> np.ndarray:
    """Exact I(X_t; X_{t+d}) in bits of the stationary chain M = stay I + (1 - stay)/K (all ones).

    M^d = stay^d I + (1 - stay^d)/K: the symbol is kept with probability a = stay^d + (1-stay^d)/K
    and each other symbol has b = (1 - stay^d)/K, so I(d) = log2 K + a log2 a + (K-1) b log2 b.
    """
    fn = "markov_mutual_information"
    if not (0.0 <= stay <= 1.0) or isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
        raise ValueError(f"{fn}: need an int K >= 1 and stay in [0, 1], got K={K!r}, stay={stay!r}")
    lam = stay ** np.asarray(distances, dtype=np.float64)
    a, b = lam + (1 - lam) / K, (1 - lam) / K
    xlogx = lambda p: np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)  # noqa: E731
    return np.log2(K) + xlogx(a) + (K - 1) * xlogx(b)
