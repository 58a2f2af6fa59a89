"""F48 (RD/Neuro): a slow high-level modulator over a fast low-level controller, reused across tasks.

The post cites modulated locomotor controllers (very likely Heess et al. 2016, "Learning and
transfer of modulated locomotor controllers"): a low-level "spinal cord" controller that sees only
proprioception, steered by a high-level recurrent network that sees the task and acts at a slower
rate; after training on one task, the low-level controller is kept and a new high-level network
learns a new task on top of it. A toy version on dlcore.data.envs.VectorPointMass2D (40 steps):

- low level: CategoricalPolicy on (velocity, one-hot command), tanh 32, over 9 accelerations
  (rest and the 8 compass directions), acting every step; it never sees positions or goals;
- high level: RecurrentCategoricalPolicy (GRU 32) on (position, goal coordinates), choosing one
  of 8 commands every k = 10 steps (the modulation signal the low level receives);
- task A (pretraining, both levels trained): reach a goal uniform in the disk of radius 0.8;
- task B (the new task): visit goal 1 during steps 0-19 and goal 2 during steps 20-39, both
  uniform in [-0.8, 0.8]^2 (the GRU must keep track of the phase);
- reward: minus the distance (m) to the current goal, every step; REINFORCE on the undiscounted
  return minus the per-step batch mean, scaled to unit std, 32 episodes per update, Adam(0.02).

Task B is learned twice: with a new high level over the task-A low level (frozen), and from
scratch (both levels new, both trained). Learning speed = updates until the 10-update running
mean of the per-step reward first reaches -0.5 m, a level the transfer runs reach and hold.

Set while building, with the numbers: pretraining on goals on the 0.6 circle instead of the disk
gave a low level without a good "stop", and in one of two seeds the transfer plateaued at -0.48 m
(speed-up 1.44 at -0.5 m; scratch ended at -0.44 m). With disk goals, 3 seeds: transfer reached
-0.5 m at 41-48 updates, scratch at 161, 166 and never (250); speed-ups 3.1-3.4 at -0.6 m.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

CRITERIA = (
    "task B with the task-A low-level controller reaches -0.5 m mean reward >= 2x faster than from "
    "scratch, in every seed (2 seeds; scratch censored at 250 updates) (quick: seed 0, level -0.6 m, "
    "censored at 60 updates)",
)
MOVES = np.array([[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [1, -1], [-1, 1], [-1, -1]], float)
COMMANDS, K_STEP, HORIZON, BATCH, LR, WINDOW = 8, 10, 40, 32, 0.02, 10


def task_a(rng, n):
    """Goals (HORIZON, n, 2) and the high level's goal input (n, 2): one goal, uniform in the disk
    of radius 0.8."""
    ang, rad = rng.uniform(0, 2 * np.pi, n), 0.8 * np.sqrt(rng.uniform(0, 1, n))
    g = rad[:, None] * np.stack([np.cos(ang), np.sin(ang)], axis=1)
    return np.broadcast_to(g, (HORIZON, n, 2)), g


def task_b(rng, n):
    """Goals (HORIZON, n, 2): goal 1 for the first half, goal 2 after; input (n, 4) both goals."""
    g1, g2 = rng.uniform(-0.8, 0.8, (n, 2)), rng.uniform(-0.8, 0.8, (n, 2))
    goals = np.concatenate(
        [np.broadcast_to(g1, (HORIZON // 2, n, 2)), np.broadcast_to(g2, (HORIZON // 2, n, 2))]
    )
    return goals, np.concatenate([g1, g2], axis=1)


def train(task, high, low, train_low: bool, updates: int, seed: int, desc: str) -> np.ndarray:
    """Train `high` (and `low` when train_low) on `task`; returns the mean reward per update."""
    from .. import optim
    from ..data.envs import VectorPointMass2D
    from ..models.rl import discounted_returns, reinforce_loss

    rng = np.random.default_rng(seed)
    env = VectorPointMass2D(BATCH, horizon=HORIZON, seed=seed)
    params = list(high.parameters()) + (list(low.parameters()) if train_low else [])
    opt = optim.Adam(params, lr=LR)
    eye = np.eye(COMMANDS, dtype=np.float32)
    curve = np.zeros(updates)
    for u in track(range(updates), desc):
        goals, goal_input = task(rng, BATCH)
        obs, h = env.reset(), None
        hx, cmds, lx, acts, rewards = [], [], [], [], []
        for t in range(HORIZON):
            if t % K_STEP == 0:
                hx.append(np.concatenate([obs[:, :2], goal_input], axis=1))
                cmd, h = high.act(hx[-1], h, rng)
                cmds.append(cmd)
            lx.append(np.concatenate([obs[:, 2:], eye[cmd]], axis=1))
            acts.append(low.act(lx[-1], rng))
            obs, _, _, _, _ = env.step(MOVES[acts[-1]])
            rewards.append(-np.linalg.norm(env.positions - goals[t], axis=1))
        r = np.stack(rewards)
        g = discounted_returns(r, 1.0)
        adv = g - g.mean(axis=1, keepdims=True)
        adv /= adv.std() + 1e-8
        loss = reinforce_loss(high.log_prob(np.stack(hx), np.stack(cmds)), adv[::K_STEP])
        if train_low:
            low_lp = low.log_prob(np.concatenate(lx), np.concatenate(acts))
            loss = loss + reinforce_loss(low_lp, adv.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        curve[u] = r.mean()
    return curve


def updates_to_reach(curve: np.ndarray, level: float) -> int:
    """First update count at which the WINDOW-update running mean is >= level (-1: never)."""
    smooth = np.convolve(curve, np.ones(WINDOW) / WINDOW, mode="valid")
    hit = np.nonzero(smooth >= level)[0]
    return int(hit[0]) + WINDOW if hit.size else -1


def run_seed(seed: int, pre_updates: int, transfer_updates: int, scratch_updates: int) -> dict:
    from .. import manual_seed
    from ..models.rl import CategoricalPolicy, RecurrentCategoricalPolicy

    manual_seed(seed)
    low = CategoricalPolicy(2 + COMMANDS, len(MOVES), hidden=(32,))
    pre = train(
        task_a, RecurrentCategoricalPolicy(4, COMMANDS), low, True, pre_updates, seed, f"seed {seed} task A"
    )
    transfer = train(
        task_b,
        RecurrentCategoricalPolicy(6, COMMANDS),
        low,
        False,
        transfer_updates,
        100 + seed,
        "task B transfer",
    )
    fresh_low = CategoricalPolicy(2 + COMMANDS, len(MOVES), hidden=(32,))
    scratch = train(
        task_b,
        RecurrentCategoricalPolicy(6, COMMANDS),
        fresh_low,
        True,
        scratch_updates,
        100 + seed,
        "task B scratch",
    )
    return {"pre": pre, "transfer": transfer, "scratch": scratch}


@register(
    "modulated-controllers",
    "RD/Neuro",
    "F48",
    criteria=CRITERIA,
    priority="P2",
    claim="Splitting control into a fast low-level controller and a slow high-level modulator, as spinal "
    "cord and brain do, yields low-level skills that transfer: a new task learned on top of them "
    "learns much faster than from scratch.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Two-timescale policy on a 2-D point mass: a pretrained low level speeds up a new task.

    High level: GRU over (position, goals) picking one of 8 commands every 10 steps; low level:
    MLP over (velocity, command) picking one of 9 accelerations every step. Pretrain both on
    reaching one goal in a disk (task A, 200 updates); then learn a two-goal task B with a new high level
    over the frozen low level (150 updates) and from scratch (250 updates). REINFORCE, 32
    episodes per update. Measured: updates until the running mean reward reaches -0.5 m.
    """
    if quick:
        seeds, plan, level = (0,), (120, 60, 60), -0.6
    else:
        seeds, plan, level = (0, 1), (200, 150, 250), -0.5
    runs = [run_seed(s, *plan) for s in seeds]
    metrics: dict = {"seeds": list(seeds), "level_m": level, "updates_task_a": plan[0]}
    ratios = []
    for s, r in zip(seeds, runs):
        t_hit, s_hit = updates_to_reach(r["transfer"], level), updates_to_reach(r["scratch"], level)
        scratch_n = s_hit if s_hit > 0 else plan[2]  # censored: at least the whole budget
        ratio = scratch_n / t_hit if t_hit > 0 else 0.0
        ratios.append(ratio)
        metrics[f"seed{s}_task_a_final_reward_m"] = round(float(r["pre"][-WINDOW:].mean()), 4)
        metrics[f"seed{s}_transfer_updates_to_level"] = t_hit
        metrics[f"seed{s}_scratch_updates_to_level"] = s_hit
        metrics[f"seed{s}_speedup"] = round(ratio, 3)
        metrics[f"seed{s}_transfer_final_reward_m"] = round(float(r["transfer"][-WINDOW:].mean()), 4)
        metrics[f"seed{s}_scratch_final_reward_m"] = round(float(r["scratch"][-WINDOW:].mean()), 4)
    figures = [_figure(seeds, runs, level, out_dir)] if out_dir is not None else []
    shown = ", ".join(f"{x:.2f}" for x in ratios)
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {CRITERIA[0]: (min(ratios) >= 2.0, f"speed-up {shown} (>= when censored)")},
    }


def _figure(seeds, runs, level: float, out_dir: Path) -> str:
    from .plotting import new_figure, save

    def smooth(c):
        return np.convolve(c, np.ones(WINDOW) / WINDOW, mode="valid")

    fig, (ax_a, ax_b) = new_figure(2, width=4.8, height=3.6)
    for s, r in zip(seeds, runs):
        x = np.arange(WINDOW, len(r["pre"]) + 1)
        ax_a.plot(x, smooth(r["pre"]), label=f"seed {s}")
        ls = "-" if s == seeds[0] else "--"
        ax_b.plot(
            np.arange(WINDOW, len(r["transfer"]) + 1),
            smooth(r["transfer"]),
            "C0",
            ls=ls,
            label=f"pretrained low level, seed {s}",
        )
        ax_b.plot(
            np.arange(WINDOW, len(r["scratch"]) + 1),
            smooth(r["scratch"]),
            "C3",
            ls=ls,
            label=f"from scratch, seed {s}",
        )
    ax_a.set(xlabel="update (32 episodes)", ylabel="mean reward = -distance to goal (m)")
    ax_a.set_title("task A: reach one goal (both levels learn)", fontsize=9)
    ax_a.legend(fontsize=8)
    ax_b.axhline(level, color="k", ls=":", lw=0.8, label=f"{level} m level")
    ax_b.set(xlabel="update (32 episodes)", ylabel="mean reward = -distance to goal (m)")
    ax_b.set_title("task B: two goals in turn (10-update mean)", fontsize=9)
    ax_b.legend(fontsize=7, loc="lower right")
    return save(fig, out_dir, "modulated-controllers")
