"""Label noise for the regularisation demos (F22 dropout): a seeded share of labels flipped.

A pure function of its seed (numpy PCG64); the input labels are not modified.
"""

from __future__ import annotations

import numpy as np


def noisy_labels(
    y: np.ndarray, fraction: float, num_classes: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A copy of the int labels y with round(fraction * len(y)) of them, chosen uniformly without
    replacement, replaced by another class drawn uniformly from the num_classes - 1 others.

    Args:
        y: int labels of shape (N,), values in [0, num_classes).
        fraction: share of labels to flip, in [0, 1].
        num_classes: number of classes; default max(y) + 1.
        seed: seeds which labels flip and to what.
    Returns:
        (y_noisy, flipped): y_noisy int64 (N,); flipped bool (N,), True where the label changed.
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(f"noisy_labels: y must be 1-D integer labels, got {y.dtype} of shape {y.shape}")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"noisy_labels: fraction must be in [0, 1], got {fraction}")
    k = int(y.max()) + 1 if num_classes is None and y.size else int(num_classes or 0)
    if y.size and (y.min() < 0 or y.max() >= k or k < 2):
        raise ValueError(f"noisy_labels: labels must lie in [0, num_classes) with num_classes >= 2, got {k}")
    rng = np.random.default_rng(seed)
    flipped = np.zeros(len(y), dtype=bool)
    flipped[rng.choice(len(y), size=round(fraction * len(y)), replace=False)] = True
    out = y.astype(np.int64)
    shift = rng.integers(1, max(k, 2), size=int(flipped.sum()))  # 1..k-1: never the same class
    out[flipped] = (out[flipped] + shift) % max(k, 1)
    return out, flipped
