"""Tour entries F45 feedback-alignment, F34 end-to-end, F38 progressive-nets, F03 manifold: each
quick form passes all its criteria, writes its figure and gives the same metrics twice for one
seed; and the pieces they rest on, on known inputs."""

import pathlib

import numpy as np
import pytest

registry = pytest.importorskip("dlcore.tour.registry")
pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

import dlcore  # noqa: E402
from dlcore import nn  # noqa: E402
from dlcore.tour import (  # noqa: E402
    _digits_training,
    feedback_alignment,
    manifold,
    progressive_nets,
    runner,
)

ENTRIES = ["feedback-alignment", "end-to-end", "progressive-nets", "manifold"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRIES)
def test_entry_quick_passes_writes_its_figure_and_is_deterministic(name, tmp_path):
    entry = registry.get(name)
    assert entry.priority == "P1" and entry.claim and "\n" in entry.description
    first = runner.run_entry(entry, quick=True, fig_dir=tmp_path, seed=0)
    assert first["error"] is None, first["error"]
    failed = [c for c, ok in first["criteria"].items() if not ok]
    assert not failed, f"{name}: {failed}; measured {first['measured']}"
    assert set(first["criteria"]) == set(entry.criteria)
    assert [pathlib.Path(p).name for p in first["figures"]] == [f"{name}.png"]
    assert all(pathlib.Path(p).stat().st_size > 10_000 for p in first["figures"])
    again = runner.run_entry(entry, quick=True, fig_dir=None, seed=0)
    assert again["metrics"] == first["metrics"]


# ---- F45 ------------------------------------------------------------------------------------


def test_relu_mlp_layout_and_feedback():
    net = _digits_training.relu_mlp((5, 4, 3, 2), feedback="alignment")
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert all(m.feedback == "alignment" for m in net if isinstance(m, nn.Linear))
    assert [m.weight.shape for m in net if isinstance(m, nn.Linear)] == [(4, 5), (3, 4), (2, 3)]


def test_update_angle_is_zero_when_the_feedback_is_the_weight_and_leaves_the_net_as_fa():
    dlcore.manual_seed(0)
    net = _digits_training.relu_mlp((6, 8, 3), feedback="alignment")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((20, 6)).astype(np.float32), rng.integers(0, 3, 20)
    random_b = feedback_alignment.first_layer_update_angle(net, x, y)
    for m in net:
        if isinstance(m, nn.Linear):
            m.feedback_weight.data[...] = m.weight.data
    assert feedback_alignment.first_layer_update_angle(net, x, y) == pytest.approx(0.0, abs=0.1)
    assert random_b > 20.0
    assert all(m.feedback == "alignment" for m in net if isinstance(m, nn.Linear))
    assert all(p.grad is None for p in net.parameters())


def test_accuracy_and_batches():
    net = nn.Linear(2, 2)
    net.weight.data[...] = np.eye(2, dtype=np.float32)
    net.bias.data[...] = 0
    x = np.array([[1, 0], [0, 1], [2, 1], [0, 3]], np.float32)
    assert _digits_training.accuracy(net, x, np.array([0, 1, 1, 1])) == 0.75
    parts = _digits_training.batches(10, 4, np.random.default_rng(0))
    assert [len(p) for p in parts] == [4, 4, 2] and sorted(np.concatenate(parts)) == list(range(10))


# ---- F38 ------------------------------------------------------------------------------------


def test_steps_to_and_train_steps_stop_early():
    assert progressive_nets.steps_to([0, 5, 10], [0.5, 0.96, 0.99], 0.95) == 5
    assert progressive_nets.steps_to([0, 5, 10], [0.5, 0.6, 0.7], 0.95) is None
    calls = iter([0.1, 0.5, 0.97, 0.99])
    net = nn.Linear(3, 2)
    x, y = np.ones((8, 3), np.float32), np.zeros(8, np.int64)
    log = progressive_nets.train_steps(
        net, x, y, 100, np.random.default_rng(0), batch=4, every=2, evals=[lambda: next(calls)], until=0.95
    )
    assert [s for s, _ in log] == [0, 2, 4]


# ---- F03 ------------------------------------------------------------------------------------


def test_principal_angles_on_known_subspaces():
    t = np.radians(30.0)
    a = np.array([[1, 0], [0, 1], [0, 0]], float)
    b = np.array([[2, 0], [0, np.cos(t)], [0, np.sin(t)]], float)  # not orthonormal on purpose
    np.testing.assert_allclose(manifold.principal_angles_deg(a, b), [0.0, 30.0], atol=1e-9)
    np.testing.assert_allclose(manifold.principal_angles_deg(a, a @ [[1, 2], [3, 4]]), [0, 0], atol=1e-6)


def test_explained_variance_of_exact_and_mean_reconstructions():
    x = np.random.default_rng(0).standard_normal((50, 4)).astype(np.float32)
    assert manifold.explained_variance(x, x.astype(np.float64)) == pytest.approx(1.0)
    assert manifold.explained_variance(x, np.broadcast_to(x.mean(0), x.shape)) == pytest.approx(0.0, abs=1e-6)


def test_linear_autoencoder_finds_the_top_principal_subspace():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((300, 5)) * [3.0, 2.0, 0.3, 0.2, 0.1]).astype(np.float32)
    x -= x.mean(0)
    dlcore.manual_seed(1)
    model, recon = manifold.train_linear_autoencoder(x, 2, steps=400, lr=0.05)
    top = np.linalg.svd(x.astype(np.float64), full_matrices=False)[2][:2].T
    assert manifold.principal_angles_deg(model[1].weight.numpy(), top).max() < 1.0
    assert recon.shape == x.shape
