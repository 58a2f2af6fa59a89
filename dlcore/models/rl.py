"""RL pieces: categorical MLP and recurrent (GRU) policies, discounted returns, the REINFORCE loss,
batched rollouts and a count-based exploration bonus.

Conventions: rollouts are time-major numpy arrays, rewards (T, B) for T steps of B episodes run
together (a vector env gives reward 0 after an episode ends, so no mask is needed for returns);
log-probabilities are dlcore Tensors on the autograd tape; returns and baselines are constants.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import nn
from ..creation import from_numpy
from ..graph import no_grad
from ..tensor import Tensor
from ._checks import positive_int


def discounted_returns(rewards, gamma: float) -> np.ndarray:
    """G_t = sum_k gamma^k r_{t+k} along axis 0: rewards (T, ...) -> float64 (T, ...)."""
    r = np.asarray(rewards, dtype=np.float64)
    if r.ndim < 1 or r.shape[0] < 1:
        raise ValueError(f"discounted_returns: rewards must be (T, ...) with T >= 1, got shape {r.shape}")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"discounted_returns: gamma must be in [0, 1], got {gamma}")
    out = np.empty_like(r)
    acc = np.zeros(r.shape[1:])
    for t in range(r.shape[0] - 1, -1, -1):
        acc = r[t] + gamma * acc
        out[t] = acc
    return out


def reinforce_loss(log_probs: Tensor, returns, baseline=None) -> Tensor:
    """-mean(log_probs * (returns - baseline)): the REINFORCE surrogate whose gradient is the
    policy-gradient estimate. log_probs: Tensor of log pi(a_t | s_t), any shape; returns: array of
    the same shape; baseline: None (zero) or an array broadcastable to it. Both are constants."""
    if not isinstance(log_probs, Tensor):
        raise TypeError(f"reinforce_loss: log_probs must be a dlcore Tensor, got {type(log_probs).__name__}")
    g = np.asarray(returns.numpy() if isinstance(returns, Tensor) else returns, dtype=np.float64)
    if g.shape != tuple(log_probs.shape):
        raise ValueError(
            f"reinforce_loss: returns shape {g.shape} != log_probs shape {tuple(log_probs.shape)}"
        )
    if baseline is not None:
        b = np.asarray(baseline.numpy() if isinstance(baseline, Tensor) else baseline, dtype=np.float64)
        try:
            g = g - b
        except ValueError:
            raise ValueError(
                f"reinforce_loss: baseline shape {b.shape} does not broadcast to returns shape {g.shape}"
            ) from None
        if g.shape != tuple(log_probs.shape):
            raise ValueError(f"reinforce_loss: baseline shape {b.shape} broadcasts past returns shape")
    adv = from_numpy(g.astype(log_probs.numpy().dtype))
    return -(log_probs * adv).mean()


def _sample(logits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N,) int64 samples from softmax(logits) rows (N, A), by inverse CDF with rng."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(e / e.sum(axis=1, keepdims=True), axis=1)
    u = rng.random((cdf.shape[0], 1)) * cdf[:, -1:]
    return np.minimum((u > cdf).sum(axis=1), logits.shape[1] - 1).astype(np.int64)


class CategoricalPolicy(nn.Module):
    """MLP obs (N, obs_size) -> logits (N, num_actions): Linear/Tanh layers of widths `hidden`.

    `act(obs, rng)` samples actions (int64, numpy) without recording; `log_prob(obs, actions)` is
    the Tensor log pi(actions | obs) for the loss. The last layer starts at zero weights, so the
    initial policy is uniform."""

    def __init__(self, obs_size: int, num_actions: int, hidden: tuple[int, ...] = (32,), dtype=np.float32):
        super().__init__()
        name = "CategoricalPolicy"
        sizes = [positive_int(name, "obs_size", obs_size), *(positive_int(name, "hidden", h) for h in hidden)]
        self.num_actions = positive_int(name, "num_actions", num_actions)
        if self.num_actions < 2:
            raise ValueError(f"{name}: num_actions must be >= 2, got {num_actions}")
        layers = []
        for a, b in zip(sizes, sizes[1:]):
            layers += [nn.Linear(a, b, dtype=dtype), nn.Tanh()]
        last = nn.Linear(sizes[-1], self.num_actions, dtype=dtype)
        last.weight.data[...] = 0.0
        last.bias.data[...] = 0.0
        self.net = nn.Sequential(*layers, last)
        self.obs_size, self._dtype = sizes[0], np.dtype(dtype)

    def _obs(self, obs) -> Tensor:
        x = obs if isinstance(obs, Tensor) else from_numpy(np.asarray(obs, dtype=self._dtype))
        if x.ndim != 2 or x.shape[1] != self.obs_size:
            raise ValueError(f"CategoricalPolicy: obs must be (N, {self.obs_size}), got {tuple(x.shape)}")
        return x

    def forward(self, obs) -> Tensor:
        return self.net(self._obs(obs))

    def probs(self, obs) -> np.ndarray:
        """(N, num_actions) float64 action probabilities (no tape)."""
        with no_grad():
            logits = self.forward(obs).numpy().astype(np.float64)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def act(self, obs, rng: np.random.Generator) -> np.ndarray:
        """(N,) int64 actions sampled from the policy with the numpy generator rng."""
        with no_grad():
            return _sample(self.forward(obs).numpy().astype(np.float64), rng)

    def log_prob(self, obs, actions) -> Tensor:
        """(N,) Tensor log pi(actions | obs) on the tape; actions (N,) ints in [0, num_actions)."""
        a = np.asarray(actions)
        x = self._obs(obs)
        if a.shape != (x.shape[0],):
            raise ValueError(f"CategoricalPolicy.log_prob: actions must be ({x.shape[0]},), got {a.shape}")
        return -F.cross_entropy(self.forward(x), from_numpy(a.astype(np.int64)), reduction="none")


class RecurrentCategoricalPolicy(nn.Module):
    """GRU policy over a sequence of decisions: h_j = GRUCell(x_j, h_{j-1}), logits_j = head(h_j).

    For a controller that acts at its own (slow) rate: `act(x, h, rng) -> (actions, h)` samples one
    decision for a batch (N, input_size) off the tape (h None at the first); `log_prob(xs, actions)`
    re-runs the whole sequence xs (n, N, input_size) on the tape and returns the (n, N) Tensor of
    log pi(actions_j | x_1..x_j). The head starts at zero (uniform first decisions)."""

    def __init__(self, input_size: int, num_actions: int, hidden: int = 32):
        super().__init__()
        name = "RecurrentCategoricalPolicy"
        self.input_size = positive_int(name, "input_size", input_size)
        self.num_actions = positive_int(name, "num_actions", num_actions)
        if self.num_actions < 2:
            raise ValueError(f"{name}: num_actions must be >= 2, got {num_actions}")
        self.cell = nn.GRUCell(self.input_size, positive_int(name, "hidden", hidden))
        self.head = nn.Linear(hidden, self.num_actions)
        self.head.weight.data[...] = 0.0
        self.head.bias.data[...] = 0.0

    def _x(self, x, name: str) -> Tensor:
        a = np.asarray(x, dtype=np.float32)
        if a.ndim != 2 or a.shape[1] != self.input_size:
            raise ValueError(
                f"RecurrentCategoricalPolicy.{name}: x must be (N, {self.input_size}), got {a.shape}"
            )
        return from_numpy(a)

    def act(self, x, h: Tensor | None, rng: np.random.Generator) -> tuple[np.ndarray, Tensor]:
        with no_grad():
            h = self.cell(self._x(x, "act"), h)
            return _sample(self.head(h).numpy().astype(np.float64), rng), h

    def log_prob(self, xs, actions) -> Tensor:
        xs, a = np.asarray(xs), np.asarray(actions)
        if xs.ndim != 3 or a.shape != xs.shape[:2]:
            raise ValueError(
                f"RecurrentCategoricalPolicy.log_prob: xs must be (n, N, {self.input_size}) and "
                f"actions (n, N), got {xs.shape} and {a.shape}"
            )
        h, out = None, []
        for x, act in zip(xs, a):
            h = self.cell(self._x(x, "log_prob"), h)
            out.append(-F.cross_entropy(self.head(h), from_numpy(act.astype(np.int64)), reduction="none"))
        return F.stack(out)


def rollout(env, policy, rng: np.random.Generator, seed: int | None = None) -> dict:
    """Run one batch of whole episodes: env a vector env (dlcore.data.envs), policy anything with
    `act(obs, rng) -> actions`. Steps until every copy is done, one policy call per step for all.

    Returns time-major arrays over the T steps taken: obs (T, B, ...), actions (T, B, ...),
    rewards (T, B) float64, live (T, B) bool (the copy was still running when the action was
    taken; rewards are 0 where it was not), and returns (B,) the undiscounted episode returns."""
    obs = env.reset(seed)
    o, a, r, live = [], [], [], []
    while not env.done.all():
        act = policy.act(obs, rng)
        o.append(obs)
        a.append(act)
        live.append(~env.done)
        obs, rew, _, _, _ = env.step(act)
        r.append(rew)
    rewards = np.stack(r)
    return {
        "obs": np.stack(o),
        "actions": np.stack(a),
        "rewards": rewards,
        "live": np.stack(live),
        "returns": rewards.sum(axis=0),
    }


class CountBonus:
    """Count-based exploration bonus beta / sqrt(n(s)) (Strehl & Littman 2008; Tang et al. 2017,
    "#Exploration"), kept separately for each of `num_envs` learners over `num_states` discrete
    (or already hashed) states. `beta` is a scalar or one value per learner (0 turns it off).

    `bonus = cb(states)`: states (num_envs,) ints in [0, num_states); counts each visit, then
    returns float64 (num_envs,) beta / sqrt(n) with n the visit count including this one."""

    def __init__(self, num_states: int, beta, num_envs: int = 1):
        name = "CountBonus"
        self.num_states = positive_int(name, "num_states", num_states)
        self.num_envs = positive_int(name, "num_envs", num_envs)
        try:
            b = np.broadcast_to(np.asarray(beta, dtype=np.float64), (self.num_envs,))
        except (ValueError, TypeError):
            b = None
        if b is None or not np.all(np.isfinite(b)) or np.any(b < 0):
            raise ValueError(f"{name}: beta must be >= 0, a scalar or ({num_envs},) values, got {beta!r}")
        self.beta = b.copy()
        self.counts = np.zeros((self.num_envs, self.num_states), dtype=np.int64)
        self._rows = np.arange(self.num_envs)

    def __call__(self, states) -> np.ndarray:
        s = np.asarray(states)
        if s.shape != (self.num_envs,) or s.dtype.kind not in "iu":
            raise ValueError(f"CountBonus: states must be ({self.num_envs},) ints, got {s.shape} {s.dtype}")
        if ((s < 0) | (s >= self.num_states)).any():
            raise ValueError(
                f"CountBonus: states must be in [0, {self.num_states}), got {s.min()}..{s.max()}"
            )
        self.counts[self._rows, s] += 1
        return self.beta / np.sqrt(self.counts[self._rows, s])
