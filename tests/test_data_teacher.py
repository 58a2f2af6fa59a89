"""dlcore.data.teacher_student: shapes and dtypes, seeds reproduce, labels balanced, one teacher per
teacher_seed shared by every sample, a boundary no linear classifier fits, bad arguments refused."""

import numpy as np
import pytest

from dlcore.data import teacher_scores, teacher_student, teacher_weights


def test_shapes_dtypes_and_seeds():
    x, y = teacher_student(500, dim=7, hidden=(9, 5), seed=3, teacher_seed=4)
    assert x.shape == (500, 7) and x.dtype == np.float32
    assert y.shape == (500,) and y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    x2, y2 = teacher_student(500, dim=7, hidden=(9, 5), seed=3, teacher_seed=4)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = teacher_student(500, dim=7, hidden=(9, 5), seed=5, teacher_seed=4)
    assert not np.allclose(x, x3)
    assert teacher_student(0)[0].shape == (0, 10)


def test_inputs_are_standard_gaussians():
    x, _ = teacher_student(40000, dim=4, seed=1)
    np.testing.assert_allclose(x.mean(0), 0.0, atol=0.03)  # 6 sigmas of the mean: 6 / sqrt(40000)
    np.testing.assert_allclose(np.cov(x.T), np.eye(4), atol=0.04)


@pytest.mark.parametrize("teacher_seed", [0, 1, 2])
def test_labels_are_balanced(teacher_seed):
    _, y = teacher_student(20000, seed=11, teacher_seed=teacher_seed)
    # threshold = median over 65,536 reference points: share 0.5 +- 4 sigmas of both samples
    assert abs(y.mean() - 0.5) < 4 * np.sqrt(0.25 / 20000 + 0.25 / 65536)


def test_the_teacher_is_fixed_by_teacher_seed():
    """Train and test sets (different seeds, one teacher_seed) are labelled by the same net."""
    t = teacher_weights(10, (32, 32), teacher_seed=5)
    for seed in (0, 1):
        x, y = teacher_student(300, seed=seed, teacher_seed=5)
        np.testing.assert_array_equal(y, (teacher_scores(t, x) > t["threshold"]).astype(np.int64))
    x, y = teacher_student(2000, seed=0, teacher_seed=5)
    _, y_other = teacher_student(2000, seed=0, teacher_seed=6)
    assert 0.2 < np.mean(y != y_other) < 0.8  # another teacher: an unrelated labelling


def test_teacher_weights_layout():
    t = teacher_weights(3, (4, 6), teacher_seed=0)
    shapes = {k: np.shape(v) for k, v in t.items()}
    assert shapes == {"W1": (3, 4), "b1": (4,), "W2": (4, 6), "b2": (6,), "w3": (6,), "threshold": ()}
    x = np.array([[1.0, -2.0, 0.5]])
    h = np.maximum(np.maximum(x @ t["W1"] + t["b1"], 0) @ t["W2"] + t["b2"], 0)
    np.testing.assert_allclose(teacher_scores(t, x), h @ t["w3"])


def test_the_boundary_is_not_linear():
    """The data-scale demo rests on a linear model plateauing well below what the teacher allows."""
    from sklearn.linear_model import LogisticRegression

    x, y = teacher_student(8000, seed=0, teacher_seed=1)
    xt, yt = teacher_student(8000, seed=1, teacher_seed=1)
    acc = LogisticRegression(max_iter=1000).fit(x, y).score(xt, yt)
    assert 0.6 < acc < 0.9


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"n": -1}, "n must be an int >= 0"),
        ({"n": 2.5}, "n must be an int >= 0"),
        ({"n": 5, "dim": 0}, "dim must be an int >= 1"),
        ({"n": 5, "hidden": 8}, "hidden must be a pair"),
        ({"n": 5, "hidden": (8, 0)}, r"hidden\[1\] must be an int >= 1"),
    ],
)
def test_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=f"teacher_student: {match}"):
        teacher_student(**kw)
