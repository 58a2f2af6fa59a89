"""F33 (P0, BLOCKS): LSTMs vs vanilla RNNs on long time lags: recall the first of T binary
symbols after T - 1 distractors from the same alphabet (dlcore.data.first_symbol_recall).

Models (_recurrent.RecurrentReadout): one-hot bits (T, N, 2) -> nn.LSTM(2, 32) or nn.RNN(2, 32,
tanh) -> Linear(32, 2) on the last hidden state; zero initial state. Each (kind, T) for T = 10,
30, 60 trains its own model: Adam(3e-3), gradients clipped to norm 1, batches of 128 fresh
sequences, 600 steps; T = 60 is trained from 3 seeds (init and batches) and the criteria hold
for every seed. Quick form: T = 60 only, 1 seed, 200 steps. Accuracy on 2,000 held-out
sequences. The LSTM's forget-gate bias starts at 3 (torch's default init plus 3 on bias_ih's f
block; Gers et al. 2000 start it positive so the cell keeps its memory at first); the tanh RNN
has no such knob and keeps torch's default init.

What the result depends on, as measured. Batch 128 rather than 64: with 64 one of the 3 seeds
sat on a plateau (0.93 after 600 steps, 0.95 after 1,000); with 128 six of six seeds reached
1.00 at T = 60 by step 600 (the slowest by step 500). Without the forget-gate offset the LSTM
stays at chance (0.50 after 600 steps; in torch calibration also after 800 steps at lr 1e-3 and
3e-3, and at an offset of 1). The lr is the one at which the LSTM trains: at lr 1e-2 the LSTM
failed in torch calibration while the tanh RNN reached 0.68-0.87 at T = 60 in 2 of 2 torch runs
(its zero initial state makes step 1 special, so a saturated unit can latch the first bit); in
this entry the RNN at lr 1e-2 stayed at 0.50. The full form reports both of these runs (LSTM
without the offset, RNN at lr 1e-2; T = 60, not gated). At T = 30 the tanh RNN is
seed-dependent: 1.00 here, chance in 3 torch runs.

Gradient flow: J(T) = d h_T / d h_1 through dlcore autograd and nn.LSTM / nn.RNN
(_recurrent.state_jacobians): the layer runs step 1, its state after step 1 is detached and fed
as the initial state of steps 2..T, so J is the derivative of the very computation the layer
does, not of a re-implementation. What it is and is not: (1) it depends on the input sequence
(the norm is averaged over 8 held-out sequences); (2) for the LSTM h_1 is half the state: d h_T
/ d h_1 holds c_1 fixed, and the long-range memory runs through c, so d h_T / d c_1 is shown too;
(3) the norm is the spectral norm (largest singular value) of the H x H matrix, i.e. the most any
direction of h_1 is amplified, not the gradient the loss actually sends back; (4) after training
it measures sensitivity to small perturbations of the state, which a robust memory damps: the
trained LSTM's norm at T = 60 is ~1e-2 while it recalls perfectly. The comparison that explains
who can learn is at initialisation, where training starts: at T = 60 the LSTM's norms are ~0.7
(h) and ~2 (c), the tanh RNN's ~1e-16. Plotted for both models, initial and trained at T = 60.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

CRITERIA = (
    "LSTM recalls the first of T = 60 bits with >= 95% held-out accuracy (2,000 sequences), "
    "every one of 3 seeds (quick: 1 seed, 200 steps)",
    "tanh RNN recall accuracy at T = 60 <= 60% (chance 50%), every one of 3 seeds (quick: 1 seed)",
)
HIDDEN, BATCH, LR = 32, 128, 3e-3
JAC_LENGTHS = (1, 2, 3, 4, 6, 8, 10, 15, 20, 30, 40, 50, 60)


def _train(
    kind: str, t_len: int, steps: int, lr: float = LR, forget_bias: float | None = None, seed: int = 0
):
    """(trained model, its initial copy, held-out accuracy, losses); forget_bias None: the
    entry's choice (3 for the LSTM). `seed` picks the initialisation and the training batches;
    the held-out set depends on t_len alone."""
    from .. import manual_seed
    from ..data import first_symbol_recall
    from ._recurrent import RecurrentReadout, one_hot_time_major, predict, train_clipped_adam

    if forget_bias is None:
        forget_bias = 3.0 if kind == "lstm" else 0.0
    manual_seed(1000 + t_len + 100_000 * seed)
    model = RecurrentReadout(kind, 2, HIDDEN, 2, forget_bias=forget_bias)
    init = RecurrentReadout(kind, 2, HIDDEN, 2, forget_bias=forget_bias)
    init.load_state_dict(model.state_dict())

    def batch(step):
        s, y = first_symbol_recall(BATCH, t_len, seed=1_000_000 * (seed + 1) + 1000 * t_len + step)
        return one_hot_time_major(s, 2), y

    losses = train_clipped_adam(model, batch, steps, lr)
    s, y = first_symbol_recall(2000, t_len, seed=t_len)
    acc = float((predict(model, one_hot_time_major(s, 2)) == y).mean())
    return model, init, acc, losses


def _norms(model, x) -> dict:
    from ._recurrent import spectral_norms, state_jacobians

    jac = state_jacobians(model.rnn, x, JAC_LENGTHS)
    out = {"dh": spectral_norms(jac["dh"]).mean(1)}
    if jac["dc"] is not None:
        out["dc"] = spectral_norms(jac["dc"]).mean(1)
    return out


@register(
    "lstm-vs-rnn",
    "BLOCKS",
    "F33",
    criteria=CRITERIA,
    priority="P0",
    claim=(
        "LSTMs, with more parameters and a gated memory cell, avoid the vanishing-gradient problem "
        "of vanilla RNNs and can carry information across long time lags that a plain RNN forgets."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Long time lags: an LSTM and a tanh RNN recall the first of T bits; ||dh_T/dh_1|| against T.

    Data: fresh batches of 128 random bit sequences, the target the first bit, T = 10, 30 and 60 (quick:
    60 only); 2,000 held-out sequences. Models: LSTM(2, 32) (forget-gate bias 3) or RNN(2, 32, tanh), a
    linear read-out of the last state; Adam(3e-3), gradients clipped to norm 1, 600 steps (quick: 200), T
    = 60 from 3 seeds (quick: 1). Measured: held-out recall accuracy per T and seed, and the spectral norm
    of d h_T / d h_1 through dlcore autograd at init and after training.
    """
    from ._recurrent import one_thread

    with one_thread():
        return _run(quick, out_dir)


def _run(quick: bool, out_dir: Path | None) -> dict:
    import time

    from ..data import first_symbol_recall
    from ._recurrent import one_hot_time_major

    lengths, steps, seeds = ((60,), 200, (0,)) if quick else ((10, 30, 60), 600, (0, 1, 2))
    metrics, models, t0 = {"train_steps": steps, "hidden": HIDDEN, "lr": LR}, {}, time.perf_counter()
    for kind in track(("lstm", "rnn"), "models"):
        for t_len in lengths:
            model, init, acc, losses = _train(kind, t_len, steps)
            metrics[f"{kind}_acc_T{t_len}"] = acc
            metrics[f"{kind}_final_loss_T{t_len}"] = float(np.mean(losses[-20:]))
            models[kind] = (model, init)
        metrics[f"{kind}_acc_T60_seeds"] = [metrics[f"{kind}_acc_T60"]]
        metrics[f"{kind}_acc_T60_seeds"] += [_train(kind, 60, steps, seed=s)[2] for s in seeds[1:]]
    if not quick:  # the two settings the criteria depend on, reported (not gated) at T = 60
        metrics["rnn_acc_T60_lr1e-2"] = _train("rnn", 60, steps, lr=1e-2)[2]
        metrics["lstm_acc_T60_forget_bias0"] = _train("lstm", 60, steps, forget_bias=0.0)[2]
    metrics["s_train"] = time.perf_counter() - t0
    s, _ = first_symbol_recall(8, max(JAC_LENGTHS), seed=7)
    x = one_hot_time_major(s, 2)
    norms = {}
    for kind, (model, init) in models.items():
        for tag, m in (("trained", model), ("init", init)):
            for key, v in _norms(m, x).items():
                norms[f"{kind}_{tag}_{key}"] = v
                for t_len in (10, 30, 60):
                    metrics[f"norm_{key}_T{t_len}_{kind}_{tag}"] = float(v[JAC_LENGTHS.index(t_len)])
    figures = []
    if out_dir is not None:
        figures.append(_figure(out_dir, metrics, norms, lengths))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (
                min(metrics["lstm_acc_T60_seeds"]) >= 0.95,
                f"worst seed {min(metrics['lstm_acc_T60_seeds']):.3f}",
            ),
            CRITERIA[1]: (
                max(metrics["rnn_acc_T60_seeds"]) <= 0.60,
                f"best seed {max(metrics['rnn_acc_T60_seeds']):.3f}",
            ),
        },
    }


def _figure(out_dir: Path, metrics: dict, norms: dict, lengths) -> str:
    from .plotting import new_figure, save

    fig, (ax, ax2) = new_figure(2)
    w = 0.38
    for i, kind in enumerate(("lstm", "rnn")):
        acc = [metrics[f"{kind}_acc_T{t}"] for t in lengths]
        ax.bar(
            np.arange(len(lengths)) + (i - 0.5) * w, acc, w, label="LSTM" if kind == "lstm" else "tanh RNN"
        )
    ax.axhline(0.5, color="gray", ls=":", label="chance")
    ax.set(
        xticks=range(len(lengths)),
        xticklabels=[f"T={t}" for t in lengths],
        ylabel="held-out accuracy",
        ylim=(0, 1.25),
    )
    ax.legend(loc="upper center", ncol=3, fontsize=8)
    styles = {"lstm": "C0", "rnn": "C1"}
    for key, v in norms.items():
        kind, tag, part = key.split("_")
        label = f"{'LSTM' if kind == 'lstm' else 'tanh RNN'} {tag}: dh_T/d{part[1]}_1"
        ls = "-" if tag == "trained" else "--"
        marker = "o" if part == "dh" else "x"
        ax2.semilogy(
            JAC_LENGTHS[1:], np.maximum(v[1:], 1e-30), ls, marker=marker, color=styles[kind], label=label
        )
    ax2.set(xlabel="T", ylabel="spectral norm, mean of 8 sequences")
    ax2.legend(fontsize=7)
    return save(fig, out_dir, "lstm_vs_rnn")
