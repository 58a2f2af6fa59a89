"""Teacher-student classification data (F14 data-scale): binary labels from a fixed random net.

The teacher is a 2-hidden-layer ReLU network on dim-D standard Gaussian inputs, drawn once from
`teacher_seed`; the inputs are drawn from `seed`. Train and test sets made with the same
teacher_seed and different seeds are two samples of one task. Pure numpy, float64 inside.
"""

from __future__ import annotations

import numpy as np

_REFERENCE_POINTS = 1 << 16  # Gaussians (from teacher_seed) whose median score sets the threshold


def _check(n, dim, hidden) -> tuple[int, int]:
    def positive(name, v, minimum):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
            raise ValueError(f"teacher_student: {name} must be an int >= {minimum}, got {v!r}")

    positive("n", n, 0)
    positive("dim", dim, 1)
    try:
        h1, h2 = hidden
    except (TypeError, ValueError):
        raise ValueError(f"teacher_student: hidden must be a pair of positive ints, got {hidden!r}") from None
    positive("hidden[0]", h1, 1)
    positive("hidden[1]", h2, 1)
    return int(h1), int(h2)


def teacher_weights(dim: int = 10, hidden: tuple[int, int] = (32, 32), teacher_seed: int = 0) -> dict:
    """The teacher drawn from teacher_seed: {"W1" (dim, h1), "b1" (h1,), "W2" (h1, h2), "b2" (h2,),
    "w3" (h2,), "threshold" float}, float64.

    Weights are N(0, 2 / fan_in) (He scale, so every layer's pre-activations stay O(1)), biases
    N(0, 0.5^2); threshold is the median score over 65,536 reference Gaussians drawn after the
    weights, so the two labels are balanced to within sampling error.
    """
    h1, h2 = _check(0, dim, hidden)
    rng = np.random.default_rng(teacher_seed)
    t = {
        "W1": rng.standard_normal((dim, h1)) * np.sqrt(2.0 / dim),
        "b1": 0.5 * rng.standard_normal(h1),
        "W2": rng.standard_normal((h1, h2)) * np.sqrt(2.0 / h1),
        "b2": 0.5 * rng.standard_normal(h2),
        "w3": rng.standard_normal(h2) * np.sqrt(2.0 / h2),
    }
    t["threshold"] = float(np.median(teacher_scores(t, rng.standard_normal((_REFERENCE_POINTS, dim)))))
    return t


def teacher_scores(teacher: dict, x: np.ndarray) -> np.ndarray:
    """The teacher's real-valued score relu(relu(x W1 + b1) W2 + b2) . w3 for x (N, dim): (N,)."""
    h = np.maximum(np.asarray(x, np.float64) @ teacher["W1"] + teacher["b1"], 0.0)
    h = np.maximum(h @ teacher["W2"] + teacher["b2"], 0.0)
    return h @ teacher["w3"]


def teacher_student(
    n: int,
    dim: int = 10,
    hidden: tuple[int, int] = (32, 32),
    seed: int = 0,
    teacher_seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """n labelled points of the teacher-student task.

    x ~ N(0, I_dim) drawn from `seed`; y = 1 where the teacher's score (teacher_scores) exceeds
    its threshold, else 0. The teacher (teacher_weights) depends only on dim, hidden and
    teacher_seed, so sets with one teacher_seed and different seeds share it.

    Args:
        n: number of points (>= 0).
        dim: input dimension.
        hidden: the teacher's two hidden-layer widths.
        seed: seeds the inputs.
        teacher_seed: seeds the teacher's weights.
    Returns:
        (x, y): x float32 (n, dim), y int64 (n,) in {0, 1}, about half ones.
    """
    _check(n, dim, hidden)
    teacher = teacher_weights(dim, hidden, teacher_seed)
    x = np.random.default_rng(seed).standard_normal((n, dim))
    y = (teacher_scores(teacher, x) > teacher["threshold"]).astype(np.int64)
    return x.astype(np.float32), y
