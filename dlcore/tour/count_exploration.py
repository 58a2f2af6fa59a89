"""F47 (RD/Neuro): count-based exploration finds a reward that dithering exploration never sees.

The post links novelty-seeking exploration to the hippocampus; the concrete method is the count
bonus of Tang et al. 2017 ("#Exploration"): add beta / sqrt(n(s)) to the reward, n(s) the visits
to the state so far. The test bed is the 20-state chain of Osband et al. 2016
(dlcore.data.envs.VectorChainMDP): start in state 1, 0.001 for reaching the near end, 1.0 for
the far end 19 steps to the right, 29-step episodes. Tabular Q-learning (alpha 0.5, gamma 0.99,
epsilon-greedy 0.1, random tie-breaking, Q starts at 0) runs for 10 seeds with the bonus
(beta = 0.1, dlcore.models.rl.CountBonus) and 10 without (beta = 0), all 20 learners stepped
together in one vector env. A seed "finds" the far reward on the first episode that collects it.

Without the bonus, a random walk needs 18 net right moves in 29 steps (about 3e-4 per episode
before the near reward is learned, and far less once the greedy policy heads left); with it,
every unvisited state looks rewarding and the learner sweeps right. Measured while building:
with the bonus all 10 seeds find it after 362-617 episodes (median 511); without, none in 2,000
(no learner without the bonus ever reaches the far state).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

CRITERIA = (
    "with the count bonus the far reward is found within 2,000 episodes in >= 9/10 seeds "
    "(quick: 5 seeds, >= 4/5, within 800 episodes)",
    "without the bonus it is found in <= 2/10 seeds (quick: <= 1/5)",
)
N_STATES, BETA, ALPHA, GAMMA, EPSILON = 20, 0.1, 0.5, 0.99, 0.1


def q_learning(seeds: int, episodes: int, beta: float) -> dict:
    """2 * seeds tabular Q-learners on the chain, the first `seeds` with bonus beta, the rest without.

    Returns found (2 * seeds,) the first episode with the far reward (-1: never), the per-episode
    greedy-free return of every learner (episodes, 2 * seeds), and the final visit counts."""
    from ..data.envs import VectorChainMDP
    from ..models.rl import CountBonus

    n = 2 * seeds
    rng = np.random.default_rng(47)
    env = VectorChainMDP(n, n=N_STATES)
    bonus = CountBonus(N_STATES, np.r_[np.full(seeds, beta), np.zeros(seeds)], num_envs=n)
    q = np.zeros((n, N_STATES, 2))
    rows = np.arange(n)
    found = np.full(n, -1)
    returns = np.zeros((episodes, n))
    for ep in track(range(episodes), "episodes"):
        s = env.reset()
        while not env.done.all():
            greedy = (q[rows, s] + 1e-9 * rng.random((n, 2))).argmax(1)  # random tie-breaking
            a = np.where(rng.random(n) < EPSILON, rng.integers(0, 2, n), greedy)
            s2, r, _, _, _ = env.step(a)
            target = r + bonus(s2) + GAMMA * q[rows, s2].max(1)
            q[rows, s, a] += ALPHA * (target - q[rows, s, a])
            returns[ep] += r
            found[(r >= 1.0) & (found < 0)] = ep
            s = s2
    return {"found": found, "returns": returns, "counts": bonus.counts}


@register(
    "count-exploration",
    "RD/Neuro",
    "F47",
    criteria=CRITERIA,
    priority="P2",
    claim="Rewarding novelty, as the hippocampus seems to, makes exploration deep: a bonus for rarely "
    "visited states drives an agent to a distant reward that random dithering essentially never finds.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Tabular Q-learning on the 20-state chain, with and without a count bonus beta / sqrt(n(s)).

    Environment: dlcore.data.envs.VectorChainMDP(n=20) (near end 0.001, far end 1.0, 29 steps).
    Learners: epsilon-greedy (0.1) Q-learning, alpha 0.5, gamma 0.99; 10 seeds with the bonus
    (beta 0.1) and 10 without, stepped together. Measured: per seed, the first episode that
    collects the far reward (within 2,000 episodes).
    """
    seeds, episodes = (5, 800) if quick else (10, 2000)
    out = q_learning(seeds, episodes, BETA)
    found = out["found"]
    with_b, without_b = found[:seeds], found[seeds:]
    n_with, n_without = int((with_b >= 0).sum()), int((without_b >= 0).sum())
    metrics = {
        "seeds": seeds,
        "episodes": episodes,
        "beta": BETA,
        "found_with_bonus": n_with,
        "found_without_bonus": n_without,
        "first_far_episode_with_bonus": with_b.tolist(),
        "first_far_episode_without_bonus": without_b.tolist(),
        "median_first_far_episode_with_bonus": float(np.median(with_b[with_b >= 0])) if n_with else -1.0,
        "far_state_visits_without_bonus": int(out["counts"][seeds:, N_STATES - 1].sum()),
    }
    need_with, max_without = (4, 1) if quick else (9, 2)
    figures = [_figure(out, seeds, out_dir)] if out_dir is not None else []
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (n_with >= need_with, f"{n_with}/{seeds}"),
            CRITERIA[1]: (n_without <= max_without, f"{n_without}/{seeds}"),
        },
    }


def _figure(out: dict, seeds: int, out_dir: Path) -> str:
    from .plotting import new_figure, save

    fig, (ax, ax2) = new_figure(2, width=4.8, height=3.6)
    episodes = out["returns"].shape[0]
    ep = np.arange(1, episodes + 1)
    groups = (("with bonus", BETA, slice(0, seeds), "C0"), ("without", 0, slice(seeds, None), "C3"))
    for label, beta, cols, color in groups:
        frac = (out["found"][cols, None] >= 0) & (out["found"][cols, None] < ep[None])
        ax.step(ep, frac.mean(0), where="post", color=color, label=f"{label} (beta = {beta})")
        visits = out["counts"][cols].mean(0)
        ax2.semilogy(np.arange(N_STATES), np.maximum(visits, 0.5), "o-", color=color, ms=3, label=label)
    ax.set(xlabel="episode", ylabel="fraction of seeds that found the far reward", ylim=(-0.03, 1.03))
    ax.set_title("20-state chain: count bonus", fontsize=10)
    ax.legend(loc="center right", fontsize=8)
    ax2.set(xlabel="chain state (start = 1, far reward = 19)", ylabel="visits per seed (log; 0 shown at 0.5)")
    ax2.set_title(f"state visits over {episodes} episodes", fontsize=10)
    ax2.legend(fontsize=8)
    return save(fig, out_dir, "count-exploration")
