"""F07 (WHY/Arch): attention against "shove it all into a single hidden state vector".

Task (dlcore.data.reverse_sequences): reverse random sequences of 10 token types, lengths 5..25.
Two copies of one seq2seq (dlcore.models.Seq2Seq: embeddings 32, bidirectional LSTM encoder,
hidden 64, LSTM decoder from the summed final states), identical but for additive (Bahdanau)
attention (scoring width 32) over the encoder states before the output layer; same seeds, batches
and steps. Each batch has one length, drawn with probability proportional to the length (every
length gets about the same number of target tokens). Greedy decoding; exact match on fresh
sequences of each length. Quick form: lengths 5..10, read at 10, 150 steps of 32, looser bound.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

CRITERIA = (
    "exact match at length 25 with attention >= 90% (quick mode, lengths 5-10, 150 steps, at 10: >= 60%)",
    "at length 25: attention >= no attention + 30 points (quick mode: at 10)",
)
VOCAB = 10  # token types; ids 3..12 (0..2 are PAD, BOS, EOS)


def reversal_batch(batch: int, lengths: np.ndarray, seed: int):
    """(src, tgt): a batch of one length drawn from `lengths` with probability proportional to it;
    src int64 (B, L) with ids 3..12, tgt (B, L + 1) the reversal then EOS."""
    from ..data import reverse_sequences
    from ..models.seq2seq import EOS

    rng = np.random.default_rng(seed)
    length = int(rng.choice(lengths, p=lengths / lengths.sum()))
    x, y = reverse_sequences(batch, length, VOCAB, seed=seed)
    return x + 3, np.concatenate([y + 3, np.full((batch, 1), EOS, np.int64)], axis=1)


def exact_by_length(model, lengths, n: int = 500, seed: int = 10**6) -> dict[int, float]:
    """Greedy exact-match share on n fresh sequences of each length (seeded apart from training)."""
    from ..data import reverse_sequences
    from ..models.seq2seq import EOS
    from ._seq_common import exact_and_token_accuracy

    out = {}
    for length in lengths:
        x, y = reverse_sequences(n, int(length), VOCAB, seed=seed + int(length))
        tgt = np.concatenate([y + 3, np.full((n, 1), EOS, np.int64)], axis=1)
        out[int(length)] = exact_and_token_accuracy(model.greedy(x + 3, int(length) + 1), tgt)[0]
    return out


@register(
    "attention",
    "WHY/Arch",
    "F07",
    criteria=CRITERIA,
    priority="P1",
    claim=(
        "Shoving a whole input sequence into a single hidden state vector is a bottleneck; "
        "attention, letting the decoder look back at every input position, removes it on long "
        "sequences."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Attention vs a single hidden state: the same seq2seq reverses token sequences with and without it.

    Data: random sequences over 10 tokens, lengths 5-25 (quick: 5-10), the target the reversed sequence.
    Models: Seq2Seq with a bidirectional LSTM encoder (64 units), with and without additive (Bahdanau)
    attention, same seed, Adam, 800 batches of 64 (quick: 150 of 32). Measured: greedy exact-match rate by
    length, judged at the longest length; the figure shows the attention weights of one reversal.
    """
    from .. import manual_seed
    from ..models import Seq2Seq
    from ..models.seq2seq import sequence_loss
    from ._seq_common import fit_steps, teacher_inputs

    if quick:
        top, steps, batch, lr, bounds = 10, 150, 32, 1e-2, (0.6, 0.3)
    else:
        top, steps, batch, lr, bounds = 25, 800, 64, 5e-3, (0.9, 0.3)
    lengths = np.arange(5, top + 1)
    results, models = {}, {}
    for name, attn in track((("attention", True), ("no_attention", False)), "models"):
        manual_seed(0)
        model = Seq2Seq(
            VOCAB + 3, VOCAB + 3, embed_dim=32, hidden_size=64, bidirectional=True, attention=attn
        )

        def batch_at(i):
            src, tgt = reversal_batch(batch, lengths, seed=i)
            return src, teacher_inputs(tgt), tgt

        hist = fit_steps(model, sequence_loss, batch_at, steps, lr)
        model.eval()
        read = sorted({int(v) for v in np.linspace(5, top, 3 if quick else 5)})
        results[name] = {
            "exact": exact_by_length(model, read),
            "final_loss": hist["loss"][-1],
            "s_train": float(sum(hist.epoch_times)),
        }
        models[name] = model
    a, b = results["attention"]["exact"][top], results["no_attention"]["exact"][top]
    metrics = {
        "lengths": f"{lengths[0]}-{top}",
        "train_steps": steps,
        "batch": batch,
        f"exact_at_{top}_attention": a,
        f"exact_at_{top}_no_attention": b,
        **results,
    }
    figures = []
    if out_dir is not None:
        from ..data import reverse_sequences
        from .plotting import new_figure, save

        fig, (ax, ax2) = new_figure(2)
        for name, r in results.items():
            ax.plot(list(r["exact"]), list(r["exact"].values()), "o-", label=name.replace("_", " "))
        ax.set(xlabel="sequence length", ylabel="exact match", ylim=(-0.02, 1.02))
        ax.legend()
        x, _ = reverse_sequences(1, top, VOCAB, seed=7)
        _, w = models["attention"].greedy(x + 3, top + 1, return_attention=True)
        ax2.imshow(w[0], cmap="viridis", aspect="auto")
        ax2.set(xlabel="source position", ylabel="output step", title="attention weights")
        figures.append(save(fig, out_dir, "attention"))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (a >= bounds[0], a),
            CRITERIA[1]: (a >= b + bounds[1], f"{100 * (a - b):+.1f} points"),
        },
    }
