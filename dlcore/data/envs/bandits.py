"""Bernoulli multi-armed bandits for meta-RL (F57 RL^2, Duan et al. 2016 / Wang et al. 2016): a
batch of n independent k-armed bandits with arm probabilities p ~ U(0, 1), and the classical
policies to compare with (random, UCB1, Thompson sampling), vectorised over the batch in numpy.

Seeded: the probabilities, the rewards and the policies' own draws each come from a numpy PCG64
generator seeded by the caller, so a run is a pure function of its seeds.
"""

from __future__ import annotations

import numbers

import numpy as np


def _check_int(owner: str, name: str, value, low: int = 1) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{owner}: {name} must be an int >= {low}, got {value!r}")
    return int(value)


class BernoulliBandits:
    """n independent k-armed Bernoulli bandits: `pull(actions)` -> rewards in {0, 1}.

    Attributes: probs (n, arms) float64, the arms' success probabilities, drawn U(0, 1) from
    `seed` or given (arms defaults to 2, or to probs' second dimension); the rewards of pulls
    are drawn from a generator seeded by `reward_seed` (default: seed + 1).
    """

    def __init__(
        self, n: int, arms: int | None = None, seed: int = 0, probs=None, reward_seed: int | None = None
    ):
        n = _check_int("BernoulliBandits", "n", n)
        if arms is None:
            arms = 2 if probs is None or np.ndim(probs) != 2 else np.shape(probs)[1]
        arms = _check_int("BernoulliBandits", "arms", arms, 2)
        if probs is None:
            probs = np.random.default_rng(seed).uniform(size=(n, arms))
        probs = np.asarray(probs, dtype=np.float64)
        if probs.shape != (n, arms) or not np.all((probs >= 0) & (probs <= 1)):
            raise ValueError(
                f"BernoulliBandits: probs must be ({n}, {arms}) values in [0, 1], got shape {probs.shape}"
            )
        self.n, self.arms, self.probs = n, arms, probs
        self._rng = np.random.default_rng(seed + 1 if reward_seed is None else reward_seed)

    def pull(self, actions) -> np.ndarray:
        """Rewards float64 (n,): 1 with probability probs[i, actions[i]], else 0."""
        a = np.asarray(actions)
        if (
            a.shape != (self.n,)
            or a.dtype.kind not in "iu"
            or (a.size and (a.min() < 0 or a.max() >= self.arms))
        ):
            raise ValueError(
                f"BernoulliBandits.pull: actions must be ({self.n},) ints in [0, {self.arms}), "
                f"got {a.dtype} of shape {a.shape}"
            )
        return (self._rng.uniform(size=self.n) < self.probs[np.arange(self.n), a]).astype(np.float64)

    def best_mean(self) -> float:
        """Expected reward per pull of the arm with the highest probability, averaged over the batch."""
        return float(self.probs.max(axis=1).mean())


def play(bandits: BernoulliBandits, policy: str, horizon: int = 20, seed: int = 0) -> np.ndarray:
    """Rewards (n, horizon) of a classical policy on the batch:
    "random" (uniform arm), "ucb1" (each arm once, then argmax mean + sqrt(2 ln t / count)),
    "thompson" (Beta(1 + successes, 1 + failures) posterior sample per arm, argmax).
    `seed` drives the policy's own randomness (random arms, posterior samples, tie breaks)."""
    if not isinstance(bandits, BernoulliBandits):
        raise TypeError(f"play: bandits must be BernoulliBandits, got {type(bandits).__name__}")
    if policy not in ("random", "ucb1", "thompson"):
        raise ValueError(f"play: policy must be 'random', 'ucb1' or 'thompson', got {policy!r}")
    horizon = _check_int("play", "horizon", horizon)
    rng = np.random.default_rng(seed)
    n, k = bandits.n, bandits.arms
    wins, pulls = np.zeros((n, k)), np.zeros((n, k))
    out = np.zeros((n, horizon))
    for t in range(horizon):
        tie = 1e-9 * rng.uniform(size=(n, k))
        if policy == "random":
            a = rng.integers(0, k, n)
        elif policy == "thompson":
            a = np.argmax(rng.beta(1 + wins, 1 + pulls - wins) + tie, axis=1)
        elif t < k:
            a = np.full(n, t)
        else:
            a = np.argmax(wins / pulls + np.sqrt(2 * np.log(t) / pulls) + tie, axis=1)
        r = bandits.pull(a)
        wins[np.arange(n), a] += r
        pulls[np.arange(n), a] += 1
        out[:, t] = r
    return out
