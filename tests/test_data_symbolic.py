"""dlcore.data.markov_chain / tree_grammar: shapes, dtypes, seeds, the transition law M = stay I +
(1 - stay)/K they rest on, the grammar's power-law mutual information, bad arguments refused."""

import numpy as np
import pytest

from dlcore.data import markov_chain, markov_samples, tree_grammar
from dlcore.theory import mutual_information, transition_matrix


def test_shapes_dtypes_and_seeds():
    m = markov_chain(1000, K=5, seed=3)
    g = tree_grammar(depth=6, K=3, trees=2, seed=3)
    assert m.shape == (1000,) and m.dtype == np.int64 and m.min() >= 0 and m.max() < 5
    assert g.shape == (2 * 2**6,) and g.dtype == np.int64 and g.min() >= 0 and g.max() < 3
    np.testing.assert_array_equal(markov_chain(1000, K=5, seed=3), m)
    np.testing.assert_array_equal(tree_grammar(depth=6, K=3, trees=2, seed=3), g)
    assert not np.array_equal(markov_chain(1000, K=5, seed=4), m)
    assert not np.array_equal(tree_grammar(depth=6, K=3, trees=2, seed=4), g)
    assert tree_grammar(depth=0, trees=3).shape == (3,)


def _sigma(p, n):
    return np.sqrt(p * (1 - p) / n)


def test_markov_chain_transitions_follow_m_and_the_marginal_is_uniform():
    K, stay, n = 4, 0.9, 400_000
    x = markov_chain(n, K=K, stay=stay, seed=0)
    counts = np.zeros((K, K))
    np.add.at(counts, (x[:-1], x[1:]), 1)
    trans = counts / counts.sum(axis=1, keepdims=True)
    expected = stay * np.eye(K) + (1 - stay) / K
    assert np.abs(trans - expected).max() < 6 * _sigma(0.925, n / K)
    assert np.abs(np.bincount(x, minlength=K) / n - 1 / K).max() < 0.02  # runs of ~10: fewer effective draws
    assert np.all(markov_chain(50, stay=1.0, seed=2) == markov_chain(50, stay=1.0, seed=2)[0])


def test_grammar_siblings_agree_as_two_independent_draws_through_m():
    K, stay = 4, 0.9
    g = tree_grammar(depth=14, K=K, trees=4, stay=stay, seed=1)
    a, b = (1 - stay) / K + stay, (1 - stay) / K
    p_same = a**2 + (K - 1) * b**2  # both children of a node draw the same symbol
    siblings = g.reshape(-1, 2)
    agree = np.mean(siblings[:, 0] == siblings[:, 1])
    assert abs(agree - p_same) < 5 * _sigma(p_same, len(siblings))
    cousins = g.reshape(-1, 4)  # positions 1 and 2: the same grandparent, different parents
    assert np.mean(cousins[:, 1] == cousins[:, 2]) < agree - 0.05
    many = tree_grammar(depth=6, K=K, trees=1024, stay=stay, seed=2)  # a tree's leaves follow its root
    assert np.abs(np.bincount(many, minlength=K) / many.size - 1 / K).max() < 0.06


def test_grammar_mutual_information_decays_as_a_power_law_and_the_chain_exponentially():
    g = tree_grammar(depth=16, K=4, trees=4, seed=0)
    ds = np.array([1, 4, 16, 64, 256])
    mi = mutual_information(g, ds, 4)
    slope = np.polyfit(np.log(ds), np.log(mi), 1)[0]
    assert -0.75 < slope < -0.45 and mi[-1] > 1e-2
    chain = mutual_information(markov_chain(g.size, seed=0), [64, 256], 4)
    assert np.all(chain < 1e-3)


@pytest.mark.parametrize(
    "call, match",
    [(lambda: markov_chain(0), "n must be"), (lambda: markov_chain(5, K=0), "K must be"),
     (lambda: markov_chain(5, stay=1.5), "stay"), (lambda: markov_chain(2.5), "n must be"),
     (lambda: tree_grammar(depth=-1), "depth"), (lambda: tree_grammar(trees=0), "trees"),
     (lambda: tree_grammar(stay=-0.1), "stay"), (lambda: tree_grammar(depth=30), "2\\*\\*28")],
)  # fmt: skip
def test_bad_arguments_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_markov_samples_follow_the_given_transition_matrix():
    p = np.array([[0.1, 0.6, 0.3], [0.5, 0.0, 0.5], [0.2, 0.2, 0.6]])
    x = markov_samples(p, 400, rows=300, seed=0)
    assert x.shape == (300, 400) and x.dtype == np.int64 and x.min() >= 0 and x.max() < 3
    np.testing.assert_array_equal(markov_samples(p, 400, rows=300, seed=0), x)
    est = transition_matrix(x, 3)
    assert np.abs(est - p).max() < 0.01 and est[1, 1] == 0.0  # ~40,000 draws per row: sigma ~0.0025
    first = np.bincount(x[:, 0], minlength=3) / 300
    assert np.abs(first - 1 / 3).max() < 0.1


@pytest.mark.parametrize(
    "p, match",
    [(np.ones((2, 3)) / 3, "square"), (np.array([[0.5, 0.6], [0.5, 0.5]]), "summing to 1"),
     (np.array([[1.5, -0.5], [0.5, 0.5]]), "probabilities")],
)  # fmt: skip
def test_markov_samples_refuse_bad_matrices(p, match):
    with pytest.raises(ValueError, match=match):
        markov_samples(p, 10)
    with pytest.raises(ValueError, match="length"):
        markov_samples(np.eye(2), 0)
