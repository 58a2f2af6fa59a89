"""F14 (SP/Practical; WHY/Data): neural nets keep improving as data grows where a linear model plateaus.

Andrew Ng's scale slide, on a task where the answer is known: labels come from a fixed random
2-hidden-layer ReLU teacher (32, 32) on 10-D Gaussians (dlcore.data.teacher_student, teacher_seed
1; balanced labels). The training sets are the first n of one 32,000-point draw (nested, so the
curves are not moved by a fresh sample per n); the test set is 20,000 other points (standard
error about 0.2 pp). Three learners:
- scikit-learn's LogisticRegression (the classical baseline, lbfgs, C=1),
- MLP-32 and MLP-256: two ReLU hidden layers of width 32 / 256, Adam(3e-3) annealed to 0 on a
  cosine over a fixed budget of 2,000 steps of 128 examples, whatever n (so small n is seen many
  times and large n less than 8 times).
A linear boundary is the best a logistic regression can do, and it finds it from 1,000 points;
the nets approximate the teacher better the more data they see, the wider one more so.
The calibration prototype (numpy, 6,000 steps per net) took ~120 s; this runs in about a tenth.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

SIZES, QUICK_SIZES = (250, 1000, 4000, 16000, 32000), (1000, 4000, 32000)
STEPS, QUICK_STEPS, BATCH, LR, WIDTHS = 2000, 400, 128, 3e-3, (32, 256)
N_TEST, TEACHER_SEED = 20000, 1
CRITERIA = (
    "logistic regression: test accuracy changes < 1 pp from n=1k to n=32k (plateau)",
    "MLP-256: test accuracy rises monotonically with n and gains >= 5 pp from n=1k to n=32k "
    "(quick, 400 steps, n in {1k, 4k, 32k}: >= 2 pp)",
    "at n=32k: MLP-256 > MLP-32 > logistic regression",
)


def train_mlp(width: int, x, y, steps: int, seed: int = 0):
    """Linear(10, w)-ReLU-Linear(w, w)-ReLU-Linear(w, 2), Adam(LR) on a cosine to 0 over `steps`
    minibatches of BATCH drawn with replacement (numpy seed `seed`); returns the model."""
    from .. import from_numpy, nn, optim
    from ..optim.lr_scheduler import CosineAnnealingLR

    d = x.shape[1]
    model = nn.Sequential(
        nn.Linear(d, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 2)
    )
    opt = optim.Adam(model.parameters(), lr=LR)
    sched = CosineAnnealingLR(opt, T_max=steps)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        b = rng.integers(0, len(x), size=BATCH)
        opt.zero_grad()
        loss_fn(model(from_numpy(x[b])), from_numpy(y[b])).backward()
        opt.step()
        sched.step()
    return model


def mlp_accuracy(model, x, y) -> float:
    from .. import from_numpy, no_grad

    with no_grad():
        return float(np.mean(model(from_numpy(x)).numpy().argmax(1) == y))


@register(
    "data-scale",
    "SP/Practical",
    "F14",
    criteria=CRITERIA,
    priority="P1",
    claim="Neural networks keep getting better as the training set grows, while classical "
    "methods such as logistic regression plateau early; bigger networks gain the most.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Test accuracy vs training-set size: logistic regression vs MLP-32 vs MLP-256 (teacher-student).

    Binary labels from a fixed random 2-hidden-layer teacher on 10-D Gaussians; n in {250, 1k, 4k,
    16k, 32k} (quick: {1k, 4k, 32k}), nested subsets of one draw; a 20,000-point test set.
    scikit-learn's LogisticRegression against two-hidden-layer ReLU MLPs of width 32 and 256,
    each trained for a fixed budget of 2,000 Adam steps of 128 (quick: 400). Measured: test
    accuracy of each learner at each n.
    """
    from sklearn.linear_model import LogisticRegression

    from ..data import teacher_student

    sizes, steps = (QUICK_SIZES, QUICK_STEPS) if quick else (SIZES, STEPS)
    x_all, y_all = teacher_student(max(sizes), seed=1, teacher_seed=TEACHER_SEED)
    xt, yt = teacher_student(N_TEST, seed=2, teacher_seed=TEACHER_SEED)
    acc = {"logistic": [], "mlp32": [], "mlp256": []}
    for n in track(sizes, "training-set sizes"):
        x, y = x_all[:n], y_all[:n]
        acc["logistic"].append(float(LogisticRegression(max_iter=1000).fit(x, y).score(xt, yt)))
        for w in WIDTHS:
            acc[f"mlp{w}"].append(mlp_accuracy(train_mlp(w, x, y, steps), xt, yt))
    i1k, i32k = sizes.index(1000), sizes.index(32000)
    lr_change = abs(acc["logistic"][i32k] - acc["logistic"][i1k])
    big = acc["mlp256"]
    gain = big[i32k] - big[i1k]
    monotone = bool(np.all(np.diff(big) > 0))
    last = (big[i32k], acc["mlp32"][i32k], acc["logistic"][i32k])
    metrics = {
        "n": list(sizes),
        "logistic_test_accuracy": acc["logistic"],
        "mlp32_test_accuracy": acc["mlp32"],
        "mlp256_test_accuracy": big,
        "logistic_change_1k_to_32k_pp": 100 * lr_change,
        "mlp256_gain_1k_to_32k_pp": 100 * gain,
        "mlp32_gain_1k_to_32k_pp": 100 * (acc["mlp32"][i32k] - acc["mlp32"][i1k]),
        "mlp256_monotone": monotone,
        "steps_per_net": steps,
        "batch": BATCH,
        "n_test": N_TEST,
        "test_label_share_ones": float(yt.mean()),
    }
    figures = [_figure(out_dir, sizes, acc, steps)] if out_dir is not None else []
    min_gain = 0.02 if quick else 0.05
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (lr_change < 0.01, f"{100 * lr_change:.2f} pp"),
            CRITERIA[1]: (monotone and gain >= min_gain, f"+{100 * gain:.2f} pp, monotone: {monotone}"),
            CRITERIA[2]: (last[0] > last[1] > last[2], " > ".join(f"{a:.4f}" for a in last)),
        },
    }


def _figure(out_dir: Path, sizes, acc: dict, steps: int) -> str:
    from .plotting import new_figure, save

    fig, (ax,) = new_figure(1, width=6.0, height=4.0)
    for key, label, style in (
        ("mlp256", "MLP-256 (2 hidden layers of 256)", "C3o-"),
        ("mlp32", "MLP-32 (2 hidden layers of 32)", "C0s-"),
        ("logistic", "logistic regression (scikit-learn)", "C7^-"),
    ):
        ax.plot(sizes, acc[key], style, label=label)
    ax.set_xscale("log")
    ax.set_xticks(list(sizes), [f"{n // 1000}k" if n >= 1000 else str(n) for n in sizes])
    ax.minorticks_off()
    ax.set(
        xlabel="training examples n (log scale)",
        ylabel="test accuracy (20,000 points)",
        title=f"Teacher-student, 10-D: more data helps the nets ({steps} Adam steps each)",
    )
    ax.title.set_fontsize(10)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return save(fig, out_dir, "data-scale")
