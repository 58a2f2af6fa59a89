"""Tour entries F13 random-labels, F14 data-scale, F28 word-vectors, F49 deepdream: each passes all
its criteria in quick mode, gives the same metrics twice for one seed and writes its figure; the
pieces they rest on, on known inputs."""

import pathlib

import numpy as np
import pytest

registry = pytest.importorskip("dlcore.tour.registry")
pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from dlcore.tour import runner  # noqa: E402

ENTRIES = ["random-labels", "data-scale", "word-vectors", "deepdream"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRIES)
def test_entry_quick_passes_and_is_deterministic(name, tmp_path):
    entry = registry.get(name)
    assert entry.claim and entry.priority in ("P0", "P1") and entry.description.count("\n") >= 2
    a = runner.run_entry(entry, quick=True, fig_dir=tmp_path, seed=0)
    assert a["error"] is None, a["error"]
    failed = [c for c, ok in a["criteria"].items() if not ok]
    assert not failed, f"{name}: {failed}; measured {a['measured']}; metrics {a['metrics']}"
    assert set(a["criteria"]) == set(entry.criteria) and all(
        a["measured"][c] is not None for c in entry.criteria
    )
    assert a["figures"] and all(pathlib.Path(p).is_file() for p in a["figures"])
    b = runner.run_entry(entry, quick=True, fig_dir=None, seed=0)
    assert a["metrics"] == b["metrics"]


def test_random_labels_split_is_disjoint_and_standardised():
    from dlcore.tour.random_labels import split_digits

    x, y, xh, yh = split_digits(1000)
    assert x.shape == (1000, 64) and xh.shape == (797, 64) and len(y) == 1000 and len(yh) == 797
    assert abs(float(x.mean())) < 1e-5 and abs(float(x.std()) - 1) < 1e-5
    rows = {r.tobytes() for r in x}
    assert sum(r.tobytes() in rows for r in xh) <= 5  # the bundled digits hold a few duplicate images
    np.testing.assert_array_equal(split_digits(1000)[1], y)


def test_topic_purity_on_known_vectors():
    from dlcore.tour.word_vectors import topic_purity

    topic = np.repeat(np.arange(3), 4)
    centers = np.eye(3)[topic]
    jitter = 0.01 * np.random.default_rng(0).standard_normal((12, 3))
    assert topic_purity(centers + jitter, topic, k=3) == 1.0
    rotated = np.roll(topic, 1)  # every topic now holds one word of another cluster
    assert topic_purity(centers + jitter, rotated, k=3) < 0.75


def test_data_scale_mlp_learns_a_separable_task():
    import dlcore
    from dlcore.tour.data_scale import mlp_accuracy, train_mlp

    dlcore.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 3)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)  # XOR of two signs: not linearly separable
    model = train_mlp(32, x, y, steps=300)
    assert mlp_accuracy(model, x, y) > 0.9


def test_deepdream_conv_stack_is_the_second_conv_layer():
    import dlcore
    from dlcore import from_numpy, no_grad
    from dlcore.models import SmallCNN
    from dlcore.tour.deepdream import _conv_stack

    dlcore.manual_seed(0)
    model = SmallCNN()
    stack = _conv_stack(model)
    x = from_numpy(np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32))
    with no_grad():
        out = stack(x).numpy()
        full = model.features(x).numpy()  # the same stack followed by the 2x2 max-pool
    assert out.shape == (2, 32, 8, 8) and out.min() >= 0
    np.testing.assert_allclose(out.reshape(2, 32, 4, 2, 4, 2).max((3, 5)), full)
