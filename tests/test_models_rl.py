"""dlcore.models.rl: discounted returns, the REINFORCE loss (value and gradient against torch),
CategoricalPolicy (uniform start, log-probabilities, sampling frequencies) and batched rollouts."""

import numpy as np
import pytest

import dlcore
from dlcore.data.envs import VectorCartPole, VectorChainMDP
from dlcore.models.rl import (
    CategoricalPolicy,
    CountBonus,
    RecurrentCategoricalPolicy,
    discounted_returns,
    reinforce_loss,
    rollout,
)


def test_discounted_returns_known_values():
    np.testing.assert_allclose(discounted_returns([1.0, 1.0, 1.0], 0.5), [1.75, 1.5, 1.0])
    r = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0]])
    np.testing.assert_allclose(discounted_returns(r, 0.9), [[1 + 0.81 * 3, 1.8], [2.7, 2.0], [3.0, 0.0]])
    np.testing.assert_allclose(discounted_returns(r, 1.0), np.cumsum(r[::-1], axis=0)[::-1])
    np.testing.assert_allclose(discounted_returns(r, 0.0), r)


@pytest.mark.parametrize(
    "rewards,gamma,match", [([], 0.9, "T >= 1"), (1.0, 0.9, "T >= 1"), ([1.0], 1.5, "gamma")]
)
def test_discounted_returns_bad_input(rewards, gamma, match):
    with pytest.raises(ValueError, match="discounted_returns: .*" + match):
        discounted_returns(rewards, gamma)


def test_reinforce_loss_value_and_gradient_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logits, actions = rng.normal(size=(7, 3)), rng.integers(0, 3, 7)
    returns, baseline = rng.normal(size=7), rng.normal(size=7)
    x = dlcore.from_numpy(logits.copy())
    x.requires_grad = True
    lp = dlcore.log_softmax(x, dim=1).gather(1, dlcore.from_numpy(actions[:, None])).reshape(7)
    loss = reinforce_loss(lp, returns, baseline)
    loss.backward()
    tx = torch.tensor(logits, requires_grad=True)
    tlp = torch.log_softmax(tx, 1)[torch.arange(7), torch.tensor(actions)]
    tloss = -(tlp * torch.tensor(returns - baseline)).mean()
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert reinforce_loss(lp, returns).item() == pytest.approx(-(lp.numpy() * returns).mean())
    assert reinforce_loss(lp, returns, 0.5).item() == pytest.approx(-(lp.numpy() * (returns - 0.5)).mean())


def test_reinforce_loss_bad_input():
    lp = dlcore.from_numpy(np.zeros(4))
    with pytest.raises(TypeError, match="reinforce_loss: log_probs must be a dlcore Tensor"):
        reinforce_loss(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match=r"returns shape \(3,\) != log_probs shape \(4,\)"):
        reinforce_loss(lp, np.zeros(3))
    with pytest.raises(ValueError, match=r"baseline shape \(3,\) does not broadcast"):
        reinforce_loss(lp, np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="broadcasts past"):
        reinforce_loss(lp, np.zeros(4), np.zeros((2, 4)))


def test_categorical_policy_starts_uniform_and_log_prob_is_log_softmax():
    dlcore.manual_seed(0)
    pol = CategoricalPolicy(4, 3, hidden=(8, 5))
    obs = np.random.default_rng(1).normal(size=(6, 4))
    np.testing.assert_allclose(pol.probs(obs), np.full((6, 3), 1 / 3), rtol=1e-6)
    for p in pol.parameters():
        p.data[...] = np.random.default_rng(2).normal(size=p.shape)
    logits = pol(obs).numpy().astype(np.float64)
    want = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    a = np.array([0, 1, 2, 2, 1, 0])
    np.testing.assert_allclose(pol.log_prob(obs, a).numpy(), want[np.arange(6), a], rtol=1e-5)
    np.testing.assert_allclose(pol.probs(obs), np.exp(want), rtol=1e-5)


def test_categorical_policy_samples_with_its_probabilities():
    dlcore.manual_seed(0)
    pol = CategoricalPolicy(2, 3, hidden=())
    pol.net[0].bias.data[...] = np.log([0.2, 0.5, 0.3]).astype(np.float32)
    acts = pol.act(np.zeros((20000, 2)), np.random.default_rng(0))
    assert acts.dtype == np.int64 and acts.shape == (20000,)
    np.testing.assert_allclose(np.bincount(acts, minlength=3) / 20000, [0.2, 0.5, 0.3], atol=0.01)
    same = pol.act(np.zeros((50, 2)), np.random.default_rng(3))
    np.testing.assert_array_equal(same, pol.act(np.zeros((50, 2)), np.random.default_rng(3)))


def test_categorical_policy_bad_input():
    with pytest.raises(ValueError, match="CategoricalPolicy: num_actions must be >= 2"):
        CategoricalPolicy(4, 1)
    with pytest.raises(ValueError, match="CategoricalPolicy: obs_size must be a positive int"):
        CategoricalPolicy(0, 2)
    pol = CategoricalPolicy(4, 2)
    with pytest.raises(ValueError, match=r"obs must be \(N, 4\), got \(3, 5\)"):
        pol.act(np.zeros((3, 5)), np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"actions must be \(3,\), got \(2,\)"):
        pol.log_prob(np.zeros((3, 4)), np.zeros(2, int))


class _Always:
    def __init__(self, action):
        self.action = action

    def act(self, obs, rng):
        return np.full(len(obs), self.action)


def test_rollout_runs_whole_episodes_with_a_live_mask():
    ro = rollout(VectorChainMDP(3, n=5), _Always(1), np.random.default_rng(0))
    assert ro["obs"].shape == (14, 3) and ro["rewards"].shape == (14, 3) and ro["live"].all()
    np.testing.assert_array_equal(ro["obs"][:4, 0], [1, 2, 3, 4])
    np.testing.assert_allclose(ro["returns"], [12.0] * 3)  # lands in state 4 on steps 3, 4, ..., 14
    dlcore.manual_seed(0)
    ro = rollout(VectorCartPole(5, seed=0), CategoricalPolicy(4, 2), np.random.default_rng(0))
    length = ro["live"].sum(0)
    assert ro["live"].shape[0] == length.max()
    np.testing.assert_array_equal(ro["returns"], length)  # reward 1 per live step, 0 after
    assert all(ro["live"][:n, i].all() and not ro["live"][n:, i].any() for i, n in enumerate(length))


def test_count_bonus_counts_per_learner_and_decays_as_inverse_sqrt():
    cb = CountBonus(4, [0.5, 0.0, 2.0], num_envs=3)
    np.testing.assert_allclose(cb(np.array([1, 1, 3])), [0.5, 0.0, 2.0])
    np.testing.assert_allclose(cb(np.array([1, 2, 3])), [0.5 / np.sqrt(2), 0.0, 2.0 / np.sqrt(2)])
    for _ in range(7):
        last = cb(np.array([1, 2, 3]))
    np.testing.assert_allclose(last, [0.5 / 3, 0.0, 2.0 / 3])
    assert cb.counts.tolist() == [[0, 9, 0, 0], [0, 1, 8, 0], [0, 0, 0, 9]]
    np.testing.assert_allclose(CountBonus(3, 0.1)(np.array([2])), [0.1])


def test_count_bonus_bad_input():
    with pytest.raises(ValueError, match="CountBonus: beta must be >= 0"):
        CountBonus(4, -0.1)
    with pytest.raises(ValueError, match="CountBonus: beta must be >= 0"):
        CountBonus(4, [0.1, 0.2], num_envs=3)
    cb = CountBonus(4, 0.1, num_envs=2)
    with pytest.raises(ValueError, match=r"CountBonus: states must be in \[0, 4\)"):
        cb(np.array([0, 4]))
    with pytest.raises(ValueError, match=r"CountBonus: states must be \(2,\) ints"):
        cb(np.array([0.0, 1.0]))
    assert cb.counts.sum() == 0


def test_recurrent_policy_log_prob_replays_the_sampled_sequence():
    torch = pytest.importorskip("torch")
    dlcore.manual_seed(0)
    pol = RecurrentCategoricalPolicy(3, 4, hidden=5)
    xs = np.random.default_rng(0).normal(size=(3, 6, 3)).astype(np.float32)
    rng = np.random.default_rng(1)
    h, acts = None, []
    for x in xs:
        a, h = pol.act(x, h, rng)
        acts.append(a)
    acts = np.stack(acts)
    lp = pol.log_prob(xs, acts)
    assert tuple(lp.shape) == (3, 6)
    np.testing.assert_allclose(lp.numpy(), np.log(1 / 4), rtol=1e-6)  # zero head: uniform
    pol.head.weight.data[...] = np.random.default_rng(2).normal(size=pol.head.weight.shape)
    cell = torch.nn.GRUCell(3, 5)
    cell.load_state_dict({k: torch.tensor(v.numpy()) for k, v in pol.cell.state_dict().items()})
    w, b = (torch.tensor(p.data) for p in (pol.head.weight, pol.head.bias))
    th, want = None, []
    for x, a in zip(xs, acts):
        th = cell(torch.tensor(x), th)
        want.append(torch.log_softmax(th @ w.T + b, 1)[torch.arange(6), torch.tensor(a)])
    np.testing.assert_allclose(pol.log_prob(xs, acts).numpy(), torch.stack(want).detach().numpy(), atol=1e-5)
    with pytest.raises(ValueError, match=r"RecurrentCategoricalPolicy.log_prob: xs must be \(n, N, 3\)"):
        pol.log_prob(xs, acts[:2])
    with pytest.raises(ValueError, match=r"RecurrentCategoricalPolicy.act: x must be \(N, 3\)"):
        pol.act(np.zeros((2, 4)), None, rng)
