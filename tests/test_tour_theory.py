"""Tour entries F11, F12, F42, F43, F44 (universal-approximation, interpolant, loss-surface,
linear-regions, mutual-information): each quick run passes every criterion, the same seed gives
the same metrics and the figure is written; the helpers they rest on are checked on known inputs."""

import numpy as np
import pytest

from dlcore.tour import registry, runner

ENTRIES = ["universal-approximation", "interpolant", "loss-surface", "linear-regions", "mutual-information"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRIES)
def test_quick_entry_passes_is_deterministic_and_draws_its_figure(name, tmp_path):
    entry = registry.get(name)
    first = runner.run_entry(entry, quick=True, fig_dir=None, seed=0)
    assert first["passed"] and first["error"] is None, first
    assert set(first["criteria"]) == set(entry.criteria) and all(first["criteria"].values())
    again = runner.run_entry(entry, quick=True, fig_dir=tmp_path, seed=0)
    assert again["metrics"] == first["metrics"]
    assert [p.rsplit("/", 1)[-1] for p in again["figures"]] == [f"{name}.png"]
    assert (tmp_path / f"{name}.png").stat().st_size > 10_000


def test_entries_are_registered_with_priority_claim_and_description():
    for name, fid, prio in [
        ("universal-approximation", "F11", "P1"),
        ("interpolant", "F12", "P1"),
        ("loss-surface", "F42", "P2"),
        ("linear-regions", "F43", "P1"),
        ("mutual-information", "F44", "P1"),
    ]:
        e = registry.get(name)
        assert (e.feature_id, e.priority) == (fid, prio)
        assert len(e.claim) > 40 and "\n\n" in e.description


def test_loglog_fit_recovers_an_exact_power_law():
    from dlcore.tour.mutual_information import loglog_fit

    ds = np.arange(1, 200)
    slope, intercept, r2 = loglog_fit(ds, 0.7 * ds**-0.61)
    assert (
        slope == pytest.approx(-0.61) and np.exp(intercept) == pytest.approx(0.7) and r2 == pytest.approx(1.0)
    )
    noisy = 0.7 * ds**-0.61 * np.exp(np.random.default_rng(0).normal(0, 0.3, ds.size))
    assert loglog_fit(ds, noisy)[2] < 0.98


def test_lstm_sampler_shapes_and_seed():
    import dlcore
    from dlcore.models import CharLM
    from dlcore.tour.mutual_information import sample_lstm

    dlcore.manual_seed(0)
    model = CharLM(4, embed_dim=4, hidden_size=8, batch_first=True)
    a, b = sample_lstm(model, 5, 30, seed=1), sample_lstm(model, 5, 30, seed=1)
    assert a.shape == (5, 30) and a.dtype == np.int64 and a.min() >= 0 and a.max() < 4
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, sample_lstm(model, 5, 30, seed=2))


def test_shallow_net_reaches_the_2l_plus_1_bound_and_random_net_has_the_asked_shape():
    from dlcore.theory import count_linear_regions
    from dlcore.tour.linear_regions import random_net, shallow_net

    for units in (2, 8, 20):
        assert (
            count_linear_regions(shallow_net(units, np.random.default_rng(units)), 0.0, 1.0).count
            == units + 1
        )
    net = random_net(3, 5, 2)
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU"] * 3 + ["Linear"]
    assert net[0].in_features == 2 and net[-1].out_features == 1


def test_stacked_seeds_train_as_independent_runs():
    from dlcore.data import digits
    from dlcore.tour.loss_surface import train_seeds

    x, y = digits("train", seed=0)
    x, y = x[:120], y[:120]
    together = train_seeds(x, y, 16, seeds=3, steps=15)
    alone = train_seeds(x, y, 16, seeds=1, steps=15)
    assert together.shape == (3,) and len(set(together.tolist())) == 3
    np.testing.assert_allclose(together[0], alone[0], rtol=1e-4)
    assert together.max() < np.log(10)  # 15 Adam steps from a near-uniform start lower every seed's loss


def test_least_squares_output_layer_never_raises_the_training_error():
    from dlcore import nn
    from dlcore.tour.universal_approximation import fit_one, spread_init, target

    x = np.linspace(-np.pi, np.pi, 64)
    fit = fit_one(12, 0, 30, x, np.linspace(-np.pi, np.pi, 1000))
    assert fit["train_mse"] <= fit["adam_train_mse"] * (1 + 1e-6) and fit["net"][0].weight.dtype == np.float64
    assert (
        fit["train_mse"] < 0.5 * fit["adam_train_mse"]
    )  # 30 Adam steps leave the output layer far from optimal

    net = nn.Sequential(nn.Linear(1, 50), nn.Tanh(), nn.Linear(50, 1))
    spread_init(net, 3)
    a, b = net[0].weight.numpy()[:, 0], net[0].bias.numpy()
    centres = -b / a
    assert np.all(np.abs(centres) <= np.pi + 1e-5) and np.all((np.abs(a) >= 0.5) & (np.abs(a) <= 3))
    assert (
        np.abs(target(np.array([0.0, np.pi / 6])) - np.array([0.0, 1 + 0.3 * (np.pi / 6) ** 2])).max() < 1e-12
    )
