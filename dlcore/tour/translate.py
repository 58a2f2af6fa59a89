"""F06 (BG/ML; WHY/Arch): neural machine translation, English -> Spanish number words with an LSTM
encoder-decoder.

Data (dlcore.data.numwords_en_es): the integers 1..999 in English words ("one hundred twenty one")
and Spanish words ("ciento veintiuno"), split by number 80/20 (seeded), so every test number is
unseen in training. Model (dlcore.models.Seq2Seq, no attention): embeddings 32, an LSTM encoder
reads the source (words, EOS, then PAD up to 5 tokens) and its final state starts the LSTM
decoder; teacher forcing with Adam and a cosine-annealed rate; greedy decoding up to 5 tokens.
Quick form: hidden 64 and fewer steps, looser bounds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .registry import register

CRITERIA = (
    "held-out exact match >= 85% (quick mode, hidden 64, 200 steps: >= 70%)",
    "held-out token accuracy >= 95% (quick mode: >= 90%)",
)
SHOW = (21, 100, 101, 500, 999)  # numbers whose translations the metrics print when they are held out


@register(
    "translate",
    "BG/ML; WHY/Arch",
    "F06",
    criteria=CRITERIA,
    priority="P1",
    claim=(
        "Machine translation can be learned end to end by a recurrent encoder-decoder that reads a "
        "sentence in one language into a hidden state and writes it out in another."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Sequence-to-sequence translation: English number words into Spanish with an LSTM encoder-decoder.

    Data: the integers 1-999 written in English and in Spanish, split by number 80/20 (the test numbers
    are never seen). Model: dlcore.models.Seq2Seq (embedding 32, LSTM of 128; quick: 64), Adam with a
    cosine-annealed rate, 500 batches of 32 (quick: 200), teacher forcing. Measured on the held-out
    numbers with greedy decoding: exact-match rate and token accuracy.
    """
    from ..data import decode_tokens, numwords_en_es
    from ..models import Seq2Seq
    from ..models.seq2seq import sequence_loss
    from ._seq_common import exact_and_token_accuracy, fit_steps, teacher_inputs

    hidden, steps, lr, bounds = (64, 200, 1e-2, (0.7, 0.9)) if quick else (128, 500, 5e-3, (0.85, 0.95))
    batch = 32
    train, test = numwords_en_es("train", seed=0), numwords_en_es("test", seed=0)
    model = Seq2Seq(len(train.src_vocab), len(train.tgt_vocab), embed_dim=32, hidden_size=hidden)
    picks = np.random.default_rng(0).integers(0, len(train.numbers), size=(steps, batch))

    def batch_at(i):
        idx = picks[i]
        return train.src[idx], teacher_inputs(train.tgt[idx]), train.tgt[idx]

    hist = fit_steps(model, sequence_loss, batch_at, steps, lr)
    model.eval()
    pred = model.greedy(test.src, test.tgt.shape[1])
    exact, token = exact_and_token_accuracy(pred, test.tgt)
    wrong = [i for i in range(len(pred)) if not (pred[i] == test.tgt[i]).all()]
    show = [int(np.flatnonzero(test.numbers == n)[0]) for n in SHOW if n in test.numbers]
    metrics = {
        "test_exact_match": exact,
        "test_token_accuracy": token,
        "test_numbers": len(test.numbers),
        "train_numbers": len(train.numbers),
        "hidden": hidden,
        "train_steps": steps,
        "final_loss": hist["loss"][-1],
        "examples": {test.english[i]: decode_tokens(pred[i], test.tgt_vocab) for i in show + wrong[:3]},
        "s_train": float(sum(hist.epoch_times)),
    }
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax,) = new_figure(1)
        ok = (pred == test.tgt).all(axis=1)
        ax.bar(
            ["1-99", "100-499", "500-999"],
            [
                ok[(test.numbers >= lo) & (test.numbers <= hi)].mean()
                for lo, hi in ((1, 99), (100, 499), (500, 999))
            ],
        )
        ax.set(ylabel="held-out exact match", ylim=(0, 1.05), title="English -> Spanish number words")
        figures.append(save(fig, out_dir, "translate"))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {CRITERIA[0]: (exact >= bounds[0], exact), CRITERIA[1]: (token >= bounds[1], token)},
    }
