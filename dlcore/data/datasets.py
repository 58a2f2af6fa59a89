"""Bundled datasets: scikit-learn's 8x8 digits with a deterministic stratified train/test split.

Needs scikit-learn (the `tour` / `test` extras); imported lazily so the core does not.
"""

from __future__ import annotations

import functools

import numpy as np

SPLITS = ("train", "test", "all")


@functools.lru_cache(maxsize=1)
def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("dlcore.data.digits needs scikit-learn: pip install 'dlcore[tour]'") from e
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)  # pixel values 0..16 -> [0, 1]
    y = d.target.astype(np.int64)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def _split_indices(y: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split: per class, a seeded permutation; the first round(f*n_c) go to test."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        k = round(float(test_fraction) * len(idx))  # float(): round(numpy float) is a float on numpy 1.x
        test.append(idx[:k])
        train.append(idx[k:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _fold_indices(y: np.ndarray, fold: int, n_folds: int, seed: int):
    """Stratified k-fold: per class a seeded permutation dealt round-robin into n_folds folds."""
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=np.int64)
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        fold_of[idx] = np.arange(len(idx)) % n_folds
    return np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)


def digits(
    split: str = "train",
    test_fraction: float = 0.2,
    seed: int = 0,
    images: bool = False,
    fold: int | None = None,
    n_folds: int = 5,
) -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 bundled 8x8 handwritten digits (scikit-learn `load_digits`).

    Args:
        split: "train", "test" or "all".
        test_fraction: share of every class held out for "test" (stratified).
        seed: seeds the split; the same seed always gives the same split, independent of
            `dlcore.manual_seed`.
        images: return x as (N, 1, 8, 8) (NCHW) instead of (N, 64).
        fold: for k-fold cross-validation: "test" is fold `fold` of `n_folds` stratified
            folds (seeded by `seed`) and "train" the other folds; test_fraction is then unused.
        n_folds: number of folds when `fold` is given.
    Returns:
        (x, y): x float32 in [0, 1], y int64 class labels 0..9 (fresh, writeable copies).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    if fold is not None and not 0 <= fold < n_folds:
        raise ValueError(f"fold must be in [0, {n_folds}), got {fold}")
    x, y = _load_digits()
    if split != "all":
        tr, te = (
            _split_indices(y, test_fraction, seed) if fold is None else _fold_indices(y, fold, n_folds, seed)
        )
        idx = tr if split == "train" else te
        x, y = x[idx], y[idx]
    x = np.array(x, dtype=np.float32)
    if images:
        x = x.reshape(-1, 1, 8, 8)
    return x, np.array(y, dtype=np.int64)
