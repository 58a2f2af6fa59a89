"""dlcore.theory: exact region counts (tent map 2**L, shallow nets, a dense scan on random nets),
the 2-D region map, the hand-built interpolant (exact at knots, error ~ N**-2), the plug-in mutual
information (bias floor on iid symbols, closed form on a Markov chain) and bad inputs refused."""

import numpy as np
import pytest

from dlcore import nn
from dlcore.data import markov_chain
from dlcore.theory import (
    activation_regions_2d,
    count_linear_regions,
    evaluate,
    markov_mutual_information,
    mi_bias_floor,
    mutual_information,
    pair_counts,
    relu_interpolant,
    tent_map_net,
    transition_matrix,
)
from dlcore.theory._piecewise import activation_patterns, piecewise_program


def _tent(x, depth):
    for _ in range(depth):
        x = np.where(x < 0.5, 2 * x, 2 - 2 * x)
    return x


def _random_net(rng, sizes, act=nn.ReLU):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = nn.Linear(a, b, dtype=np.float64)
        lin.weight.data[...] = rng.normal(size=(b, a))
        lin.bias.data[...] = rng.normal(size=b)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


@pytest.mark.parametrize("depth", range(1, 13))
def test_tent_map_net_has_exactly_two_to_the_depth_regions_on_the_unit_interval(depth):
    net = tent_map_net(depth)
    r = count_linear_regions(net, 0.0, 1.0)
    assert r.count == 2**depth and r.patterns.shape == (2**depth, 2 * depth)
    np.testing.assert_allclose(r.breakpoints, np.arange(1, 2**depth) / 2**depth, rtol=0, atol=1e-12)
    x = np.linspace(0, 1, 4097)
    np.testing.assert_allclose(evaluate(net, x), _tent(x, depth), rtol=0, atol=1e-9)


def test_a_shallow_net_has_one_region_more_than_the_kinks_inside_the_segment(rng):
    for units in (2, 6, 24):
        net = _random_net(rng, [1, units, 1])
        w, b = (p.numpy().ravel() for p in (net[0].weight, net[0].bias))
        lo, hi = -1.5, 2.0
        kinks = -b / w
        r = count_linear_regions(net, lo, hi)
        assert r.count == 1 + np.sum((kinks > lo) & (kinks < hi)) <= units + 1
        np.testing.assert_allclose(r.points[:, 0], np.sort(kinks[(kinks > lo) & (kinks < hi)]), atol=1e-12)


@pytest.mark.parametrize("act", [nn.ReLU, lambda: nn.LeakyReLU(0.2)])
@pytest.mark.parametrize("seed", range(4))
def test_breakpoints_agree_with_a_dense_scan_on_random_nets(act, seed):
    rng = np.random.default_rng(seed)
    net = _random_net(rng, [3, 9, 7, 5, 2], act)
    start, end = rng.normal(size=3) * 2, rng.normal(size=3) * 2
    r = count_linear_regions(net, start, end)
    assert r.count == len(r.breakpoints) + 1 and np.all(np.diff(r.breakpoints) > 0)
    t = np.linspace(0, 1, 200_001)
    steps, _ = piecewise_program("test", net)
    scan = activation_patterns(steps, start + t[:, None] * (end - start))
    piece = np.searchsorted(r.breakpoints, t)
    near = np.min(np.abs(t[:, None] - r.breakpoints[None, :]), axis=1, initial=1.0) < 1e-9
    np.testing.assert_array_equal(scan[~near], r.patterns[piece[~near]])
    wide = np.diff(np.concatenate([[0.0], r.breakpoints, [1.0]])) > 2 * (t[1] - t[0])
    assert set(np.flatnonzero(wide)) <= set(piece.tolist())
    out = evaluate_rows(net, start + t[:, None] * (end - start))
    for k in range(r.count):  # the network is affine on each piece: second differences vanish
        rows = out[(piece == k) & ~near]
        if len(rows) > 2:
            assert np.abs(np.diff(rows, 2, axis=0)).max() < 1e-9


def evaluate_rows(net, x):
    from dlcore import Tensor, no_grad

    with no_grad():
        return net(Tensor(x)).numpy()


def test_nested_sequential_identity_and_eval_dropout_are_followed(rng):
    net = _random_net(rng, [2, 6, 1])
    nested = nn.Sequential(nn.Identity(), nn.Sequential(net[0], nn.ReLU()), nn.Dropout(0.5), net[2])
    nested.eval()
    a, b = np.array([-2.0, 1.0]), np.array([3.0, -1.0])
    assert count_linear_regions(nested, a, b).count == count_linear_regions(net, a, b).count
    nested.train()
    with pytest.raises(ValueError, match="Dropout"):
        count_linear_regions(nested, a, b)


def test_region_map_of_a_single_unit_splits_at_its_line():
    lin = nn.Linear(2, 1, dtype=np.float64)
    lin.weight.data[...] = [[1.0, -1.0]]
    lin.bias.data[...] = [0.25]
    m = activation_regions_2d(nn.Sequential(lin, nn.ReLU()), (-1, 1), (-1, 1), n=41)
    assert m.count == 2 and m.pattern_ids.shape == (41, 41)
    on = (m.xs[None, :] - m.ys[:, None] + 0.25) > 0
    assert len(np.unique(m.pattern_ids[on])) == 1 and len(np.unique(m.pattern_ids[~on])) == 1


def test_region_map_counts_at_most_the_arrangement_bound_and_plane_maps_points(rng):
    units = 6
    net = _random_net(rng, [2, units, 1])
    m = activation_regions_2d(net, (-3, 3), (-3, 3), n=300)
    assert 1 < m.count <= 1 + units + units * (units - 1) // 2
    wide = _random_net(rng, [3, 5, 4, 1])
    origin, u, v = rng.normal(size=3), rng.normal(size=3), rng.normal(size=3)
    m3 = activation_regions_2d(wide, (-1, 1), (0, 2), n=30, plane=(origin, u, v))
    steps, _ = piecewise_program("test", wide)
    pts = origin + m3.xs[7] * u + m3.ys[11] * v
    same = activation_patterns(steps, pts[None])[0]
    ids = [m3.pattern_ids[i, j] for i in range(30) for j in range(30)]
    grid = activation_patterns(steps, origin + m3.xs[None, :, None] * u + m3.ys[:, None, None] * v)
    assert m3.count == len(set(ids))
    same_id = m3.pattern_ids == m3.pattern_ids[11, 7]
    assert np.all((grid.reshape(30 * 30, -1) == same).all(axis=1).reshape(30, 30) == same_id)


@pytest.mark.parametrize(
    "model, start, end, match",
    [
        (nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)), [0, 0], [1, 1], "Tanh"),
        (nn.Sequential(nn.Linear(2, 3), nn.ReLU()), [0, 0, 0], [1, 1, 1], r"shape \(2,\)"),
        (nn.Sequential(nn.Linear(2, 3), nn.ReLU()), [0, 0], [0, 0], "same point"),
        (nn.Sequential(nn.Linear(2, 3), nn.ReLU()), [0, np.nan], [0, 1], "finite"),
        (nn.Sequential(nn.Linear(2, 3), nn.ReLU()), "ab", [0, 1], r"shape \(2,\)"),
        (nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)), [0, 0], [1, 1], "expects 4 inputs, gets 3"),
        (nn.Sequential(nn.ReLU()), [0], [1], "no Linear"),
        (nn.Sequential(nn.ReLU(), nn.Linear(1, 1)), [0], [1], "start with a Linear"),
        (nn.Sequential(nn.Conv1d(1, 1, 1)), [0], [1], "Conv1d"),
        (nn.LSTM(2, 3), [0, 0], [1, 1], "LSTM"),
    ],
)
def test_count_linear_regions_refuses_bad_input(model, start, end, match):
    with pytest.raises(ValueError, match=match):
        count_linear_regions(model, start, end)


def test_region_functions_refuse_non_modules_and_bad_grids():
    net = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    with pytest.raises(TypeError, match=r"dlcore\.nn\.Module"):
        count_linear_regions(lambda x: x, [0.0], [1.0])
    with pytest.raises(ValueError, match="plane"):
        activation_regions_2d(net)
    with pytest.raises(ValueError, match="n must be"):
        activation_regions_2d(net, n=1, plane=(np.zeros(3), np.ones(3), np.ones(3)))
    with pytest.raises(ValueError, match="xlim"):
        activation_regions_2d(nn.Sequential(nn.Linear(2, 2)), xlim=(1, -1))
    with pytest.raises(ValueError, match="tol"):
        count_linear_regions(net, np.zeros(3), np.ones(3), tol=-1)
    with pytest.raises(ValueError, match="depth"):
        tent_map_net(0)


def _f(x):
    return np.sin(3 * x) + 0.3 * x**2


def test_interpolant_is_exact_at_unsorted_knots_and_linear_between_them(rng):
    knots = rng.uniform(-4, 4, size=25)
    net = relu_interpolant(_f, knots)
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU", "Linear"] and net[0].out_features == 25
    assert net[0].weight.dtype == np.float64
    np.testing.assert_allclose(evaluate(net, knots), _f(knots), rtol=0, atol=1e-12)
    s = np.sort(knots)
    mids = 0.5 * (s[:-1] + s[1:])
    np.testing.assert_allclose(evaluate(net, mids), 0.5 * (_f(s[:-1]) + _f(s[1:])), rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        evaluate(net, s[-1] + 1.0) - _f(s[-1]), (_f(s[-1]) - _f(s[-2])) / (s[-1] - s[-2])
    )
    # 24 pattern changes: at x_0 (where the two units of the linear term swap) and at 23 inner knots
    assert count_linear_regions(net, s[0] - 1, s[-1] + 1).count == 25
    values = rng.normal(size=25)
    np.testing.assert_allclose(evaluate(relu_interpolant(values, knots), knots), values, rtol=0, atol=1e-12)


def test_interpolant_sup_error_falls_as_n_to_the_minus_two():
    ns = np.array([8, 16, 32, 64, 128, 256])
    x = np.linspace(-np.pi, np.pi, 10_001)
    err = [np.abs(evaluate(relu_interpolant(_f, np.linspace(-np.pi, np.pi, n)), x) - _f(x)).max() for n in ns]
    slope = np.polyfit(np.log(ns), np.log(err), 1)[0]
    assert -2.2 <= slope <= -1.8


@pytest.mark.parametrize(
    "f, knots, match",
    [(_f, [1.0], ">= 2"), (_f, [0.0, 1.0, 1.0], "distinct"), (_f, [0.0, np.inf], "finite"),
     (lambda x: x[:1], [0.0, 1.0], "shape"), ([1.0, 2.0, 3.0], [0.0, 1.0], "values given"),
     (lambda x: np.log(x), [0.0, 1.0], "finite"), (_f, "abc", "1-D array")],
)  # fmt: skip
def test_interpolant_refuses_bad_input(f, knots, match):
    with np.errstate(divide="ignore"), pytest.raises(ValueError, match=match):
        relu_interpolant(f, knots)


def test_iid_symbols_have_mutual_information_at_the_bias_floor():
    K, n = 4, 200_000
    seq = np.random.default_rng(0).integers(0, K, size=n)
    ds = np.arange(1, 41)
    mi = mutual_information(seq, ds, K)
    floor = mi_bias_floor(K, n)
    assert abs(mi.mean() - floor) < 0.25 * floor  # 40 chi2(9) draws: mean within ~0.12 floor (3 sigma)
    assert np.all(mi >= 0) and np.all(mi < floor * (1 + 6 * np.sqrt(2) / (K - 1)))
    assert abs(mutual_information(seq, ds, K, subtract_bias=True).mean()) < 0.25 * floor


def test_markov_chain_mutual_information_matches_the_closed_form():
    seq = markov_chain(400_000, K=4, stay=0.9, seed=1)
    est = mutual_information(seq, [1, 2, 5])
    np.testing.assert_allclose(est, markov_mutual_information([1, 2, 5], K=4, stay=0.9), atol=0.01)
    m = 0.9 * np.eye(4) + 0.1 / 4
    for d in (1, 2, 7):
        p = np.linalg.matrix_power(m, d) / 4
        exact = np.sum(p * np.log2(p / (p.sum(1, keepdims=True) * p.sum(0, keepdims=True))))
        assert markov_mutual_information([d])[0] == pytest.approx(exact, abs=1e-12)


def test_pairs_never_straddle_rows_of_a_2d_sequence():
    seq = np.array([[0, 1, 2], [3, 0, 1]])
    c = pair_counts(seq, 1, K=4)
    assert c.sum() == 4 and c[0, 1] == 2 and c[1, 2] == 1 and c[3, 0] == 1 and c[2, 3] == 0
    assert mutual_information(np.array([[0, 1], [1, 0]]), [1])[0] == pytest.approx(1.0)


def test_transition_matrix_counts_bigrams_and_gives_unseen_symbols_a_uniform_row():
    p = transition_matrix(np.array([0, 1, 0, 1, 1, 2]), K=4)
    np.testing.assert_allclose(p[0], [0, 1, 0, 0])
    np.testing.assert_allclose(p[1], [1 / 3, 1 / 3, 1 / 3, 0])
    np.testing.assert_allclose(p[2], [0.25] * 4)  # 2 is last: never followed
    np.testing.assert_allclose(p[3], [0.25] * 4)


@pytest.mark.parametrize(
    "seq, ds, K, match",
    [(np.array([0.5, 1.0]), [1], None, "int array"), (np.array([0, -1, 2]), [1], None, ">= 0"),
     (np.array([0, 5, 2]), [1], 4, "K must be"), (np.arange(5), [5], None, "distances"),
     (np.arange(5), [0], None, "distances"), (np.arange(5), [], None, "distances"),
     (np.zeros((2, 2, 2), dtype=int), [1], None, "shape")],
)  # fmt: skip
def test_mutual_information_refuses_bad_input(seq, ds, K, match):
    with pytest.raises(ValueError, match=match):
        mutual_information(seq, ds, K)
