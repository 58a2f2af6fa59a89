"""F08 (BG/ML): image captioning, a CNN encodes the image and an LSTM decodes a sentence.

Data (dlcore.data.two_digit_captions): 8x16 images, two 8x8 digits side by side, captioned
"three then seven". Training images use only the training digit samples of the 80/20 stratified
split, test images only the held-out ones; pixels standardised with the training images' mean and
std. Model (dlcore.models.Captioner): conv(16)-conv(32)-maxpool-FC(64) -> the LSTM decoder's
start state and, beside the word embedding (16), its input at every step (hidden 64); teacher
forcing with Adam(5e-3) annealed on a cosine; greedy decoding. Quick form: 200 steps, looser bound.
"""

from __future__ import annotations

from pathlib import Path

from .registry import register

CRITERIA = ("exact caption match on held-out images >= 90% (quick mode, 200 steps: >= 50%)",)


@register(
    "caption",
    "BG/ML",
    "F08",
    criteria=CRITERIA,
    priority="P1",
    claim=(
        "Image captioning joins two learned blocks: a convnet encodes the image and a recurrent net "
        "decodes a sentence from that code, trained together."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Image captioning: a CNN encoder and an LSTM decoder describe two-digit images ("three then seven").

    Data: 8x16 images made of two digit images side by side with the caption naming both, fresh images for
    training (600 batches of 32; quick: 200) and held-out ones for testing (1,000; quick: 500). Model:
    dlcore.models.Captioner (conv encoder into an LSTM decoder), Adam with a cosine-annealed rate.
    Measured: greedy exact caption match on the held-out images.
    """
    from ..data import two_digit_captions
    from ..models import Captioner
    from ..models.seq2seq import sequence_loss
    from ._seq_common import exact_and_token_accuracy, fit_steps, teacher_inputs

    steps, batch, lr, bound = (200, 32, 5e-3, 0.5) if quick else (600, 32, 5e-3, 0.9)
    train = two_digit_captions("train", n=steps * batch, seed=0)
    test = two_digit_captions("test", n=500 if quick else 1000, seed=1)
    mu, sd = float(train.images.mean()), float(train.images.std())
    images, test_images = (train.images - mu) / sd, (test.images - mu) / sd
    model = Captioner(len(train.vocab))

    def batch_at(i):
        s = slice(i * batch, (i + 1) * batch)
        return images[s], teacher_inputs(train.tokens[s]), train.tokens[s]

    hist = fit_steps(model, sequence_loss, batch_at, steps, lr)
    model.eval()
    pred = model.greedy(test_images, test.tokens.shape[1])
    exact, token = exact_and_token_accuracy(pred, test.tokens)
    digit_ok = (pred[:, [0, 2]] == test.tokens[:, [0, 2]]).mean(axis=0)
    metrics = {
        "test_exact_match": exact,
        "test_token_accuracy": token,
        "left_digit_accuracy": float(digit_ok[0]),
        "right_digit_accuracy": float(digit_ok[1]),
        "train_steps": steps,
        "train_images": steps * batch,
        "test_images": len(test.images),
        "final_loss": hist["loss"][-1],
        "s_train": float(sum(hist.epoch_times)),
    }
    figures = []
    if out_dir is not None:
        from ..data.text import decode_tokens
        from .plotting import new_figure, save

        fig, axes = new_figure(4, width=3.0, height=2.2)
        for ax, i in zip(axes, range(4)):
            ax.imshow(test.images[i, 0], cmap="gray_r")
            ax.set_title(decode_tokens(pred[i], test.vocab), fontsize=9)
            ax.axis("off")
        figures.append(save(fig, out_dir, "caption"))
    return {"metrics": metrics, "figures": figures, "criteria": {CRITERIA[0]: (exact >= bound, exact)}}
