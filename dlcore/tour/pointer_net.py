"""F55 (RD/Diff): pointer networks, an LSTM encoder-decoder whose output is attention over its
input positions, learns to sort.

Data (dlcore.data.sort_floats): sets of 5 floats uniform on [0, 1); the target is the permutation
that sorts each set. Model (dlcore.models.PointerNet): Linear(1, 32) embeddings, LSTM encoder and
decoder (hidden 64), additive attention over the encoder states as the output distribution. No
mask on the positions already emitted (with one, scoring each position by its value alone would
sort, so the task is much easier): the decoder must learn not to point twice, and an output that
is not a permutation counts as wrong. Teacher forcing with Adam and a cosine-annealed rate, greedy
decoding. Held out: 2,000 fresh sets from another seed. Quick form: fewer steps, looser bounds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .registry import register

CRITERIA = (
    "held-out exact-permutation accuracy >= 80% (quick mode, 120 steps: >= 50%)",
    "held-out per-position accuracy >= 95% (quick mode: >= 85%)",
)
SIZE = 5


@register(
    "pointer-net",
    "RD/Diff",
    "F55",
    criteria=CRITERIA,
    priority="P1",
    claim=(
        "A pointer network makes its output an attention distribution over input positions, so it "
        "can emit answers that are pieces of its input, such as the order that sorts a list."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """A pointer network sorts 5 floats by pointing at input positions.

    Data: sets of 5 floats uniform on [0, 1), the target the sorting permutation; 600 batches of 64 fresh
    sets (quick: 120), 2,000 held-out sets. Model: dlcore.models.PointerNet (Linear(1, 32) embeddings,
    LSTM encoder and decoder of 64, additive attention over the encoder states as the output), no mask on
    positions already chosen; teacher forcing, Adam with a cosine-annealed rate, greedy decoding.
    Measured: held-out exact-permutation and per-position accuracy.
    """
    from ..data import sort_floats
    from ..models import PointerNet
    from ..nn.functional import cross_entropy
    from ._seq_common import fit_steps

    steps, batch, lr, bounds = (120, 64, 1e-2, (0.5, 0.85)) if quick else (600, 64, 1e-2, (0.8, 0.95))
    x, perm = sort_floats(steps * batch, SIZE, seed=0)
    xt, perm_t = sort_floats(2000, SIZE, seed=1)
    model = PointerNet(input_size=1, embed_dim=32, hidden_size=64, mask_chosen=False)

    def batch_at(i):
        s = slice(i * batch, (i + 1) * batch)
        return x[s], perm[s], perm[s]

    def loss_fn(logits, target):
        return cross_entropy(logits.reshape(-1, SIZE), target.reshape(-1))

    hist = fit_steps(model, loss_fn, batch_at, steps, lr)
    model.eval()
    pred = model.greedy(xt)
    exact = float((pred == perm_t).all(axis=1).mean())
    per_pos = float((pred == perm_t).mean())
    gaps = np.diff(np.sort(xt, axis=1), axis=1).min(axis=1)
    wrong = ~(pred == perm_t).all(axis=1)
    metrics = {
        "test_exact_permutation": exact,
        "test_per_position": per_pos,
        "test_sets": len(xt),
        "train_steps": steps,
        "train_sets": steps * batch,
        "final_loss": hist["loss"][-1],
        "valid_permutations": float((np.sort(pred, axis=1) == np.arange(SIZE)).all(axis=1).mean()),
        "median_min_gap_wrong": float(np.median(gaps[wrong])) if wrong.any() else None,
        "median_min_gap_all": float(np.median(gaps)),
        "s_train": float(sum(hist.epoch_times)),
    }
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax,) = new_figure(1)
        bins = np.quantile(gaps, np.linspace(0, 1, 11))
        which = np.clip(np.searchsorted(bins, gaps, side="right") - 1, 0, 9)
        ax.plot(
            [np.median(gaps[which == k]) for k in range(10)],
            [(~wrong)[which == k].mean() for k in range(10)],
            "o-",
        )
        ax.set(xscale="log", xlabel="smallest gap between two of the 5 floats", ylabel="exact permutation")
        figures.append(save(fig, out_dir, "pointer_net"))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {CRITERIA[0]: (exact >= bounds[0], exact), CRITERIA[1]: (per_pos >= bounds[1], per_pos)},
    }
