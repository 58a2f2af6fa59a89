"""F31 (BLOCKS; RD/Std): a 1-D convnet finds a DNA motif (convnets beyond vision: genomics).

Data (dlcore.data.dna_motifs): uniform random ACGT sequences of length 100, one-hot (N, 4, 100);
half carry an 8-mer sampled from a random position weight matrix (consensus base 90-99% per
position) at a uniform random position. Train 4,000 sequences (seed 1), test 2,000 (seed 2),
one motif (motif_seed 0).

Model: Conv1d(4, 32, 12) -> ReLU -> global max-pool over length -> Linear(32, 1), BCE with logits,
Adam(3e-3), batch 32, 10 epochs. The kernel is wider than the motif so a filter can hold all of
it without being cut at an edge (with width 8 filters often learned the motif shifted by one).

Read-out: the "top filter" is the filter whose pooled activation alone has the highest training
ROC-AUC; its best-matching 8-mer is the per-column argmax over the 8 consecutive columns with the
largest sum of column maxima (the 8-mer that drives the filter hardest). For scale, the entry also
reports the Bayes-optimal test ROC-AUC (likelihood ratio of the true PWM, data.motif_log_odds).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .registry import register

CRITERIA = (
    "test ROC-AUC >= 0.98 (quick mode: 1,000 training sequences, 4 epochs, >= 0.95)",
    "the best-matching 8-mer of the top filter equals the motif's consensus",
)


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve of score for binary labels y (ties count half)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def best_kmer(weight: np.ndarray, k: int) -> str:
    """The k-mer that maximises a (4, width) filter's response: per-column argmax over the k
    consecutive columns whose column maxima sum highest."""
    colmax = weight.max(0)
    start = int(np.argmax([colmax[i : i + k].sum() for i in range(weight.shape[1] - k + 1)]))
    return "".join("ACGT"[b] for b in weight[:, start : start + k].argmax(0))


def motif_cnn(filters: int, width: int):
    """Conv1d(4, filters, width) -> ReLU -> global max over length -> Linear(filters, 1)."""
    from .. import nn

    class GlobalMaxPool1d(nn.Module):
        def forward(self, x):
            return x.amax(2)

    return nn.Sequential(nn.Conv1d(4, filters, width), nn.ReLU(), GlobalMaxPool1d(), nn.Linear(filters, 1))


def scores(model, x: np.ndarray, upto: int | None = None) -> np.ndarray:
    """Model logits (upto=None) or the pooled filter activations (upto=3) for x, float64 (N, .)."""
    from .. import from_numpy, no_grad

    layers = list(model) if upto is None else list(model)[:upto]
    out = []
    with no_grad():
        for i in range(0, len(x), 500):
            h = from_numpy(x[i : i + 500])
            for layer in layers:
                h = layer(h)
            out.append(h.numpy().astype(np.float64))
    return np.concatenate(out)


@register(
    "dna-motifs",
    "BLOCKS; RD/Std",
    "F31",
    criteria=CRITERIA,
    priority="P1",
    claim=(
        "Standard convnets carry over to new problems such as computational biology: a 1-D "
        "convolution over a DNA sequence learns the motif that marks the positives, and its filter "
        "can be read back as that motif."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """A 1-D convnet finds a DNA motif: Conv1d + global max-pool on one-hot ACGT sequences.

    Data: random ACGT sequences of length 100 (one-hot), half carrying an 8-mer sampled from a random
    position weight matrix at a random position: 4,000 training sequences (quick: 1,000), 2,000 test.
    Model: Conv1d(4, 32, 12) - ReLU - global max-pool - Linear(32, 1), BCE with logits, Adam(3e-3), batch
    32, 10 epochs (quick: 4). Measured: test ROC-AUC, and whether the best-matching 8-mer of the most
    predictive filter is the motif's consensus.
    """
    from .. import nn, optim
    from ..data import DataLoader, TensorDataset, dna_motifs, motif_log_odds
    from ..train import fit
    from ._progress import fit_bar

    n_train, epochs, min_auc = (1000, 4, 0.95) if quick else (4000, 10, 0.98)
    filters, width, k = 32, 12, 8
    tr, te = dna_motifs(n_train, seed=1, motif_len=k), dna_motifs(2000, seed=2, motif_len=k)
    model = motif_cnn(filters, width)
    loader = DataLoader(TensorDataset(tr.x, tr.y[:, None].astype(np.float32)), batch_size=32, shuffle=True)
    hist = fit(
        model,
        nn.BCEWithLogitsLoss(),
        optim.Adam(model.parameters(), lr=3e-3),
        loader,
        epochs,
        verbose=0,
        callbacks=fit_bar(epochs),
    )
    auc = roc_auc(te.y, scores(model, te.x)[:, 0])
    pooled = scores(model, tr.x, upto=3)
    filter_auc = [roc_auc(tr.y, pooled[:, j]) for j in range(filters)]
    top = int(np.argmax(filter_auc))
    weight = model[0].weight.numpy()[top]
    kmer = best_kmer(weight, k)
    metrics = {
        "test_roc_auc": auc,
        "bayes_test_roc_auc": roc_auc(te.y, motif_log_odds(te.x, te.pwm)),
        "train_sequences": n_train,
        "epochs": epochs,
        "final_train_loss": hist["loss"][-1],
        "top_filter": top,
        "top_filter_train_roc_auc": filter_auc[top],
        "top_filter_kmer": kmer,
        "consensus": te.consensus,
        "s_per_epoch": float(np.median(hist.epoch_times)),
    }
    figures = []
    if out_dir is not None:
        from .plotting import new_figure, save

        fig, (ax, ax2) = new_figure(2)
        ax.plot(hist["loss"])
        ax.set(xlabel="epoch", ylabel="train BCE", title=f"test ROC-AUC {auc:.3f}")
        im = ax2.imshow(weight, aspect="auto", cmap="RdBu_r")
        ax2.set(
            yticks=range(4),
            yticklabels=list("ACGT"),
            xlabel="filter column",
            title=f"top filter: {kmer} (consensus {te.consensus})",
        )
        fig.colorbar(im, ax=ax2)
        figures.append(save(fig, out_dir, "dna-motifs"))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (auc >= min_auc, auc),
            CRITERIA[1]: (kmer == te.consensus, f"{kmer} vs {te.consensus}"),
        },
    }
