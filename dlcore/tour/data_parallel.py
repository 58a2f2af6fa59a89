"""Engineering (scaling out): data-parallel training over MPI is the one-process optimisation.

The digits CNN trained by 2 MPI ranks x 1 thread (DistributedDataParallel + DistributedSampler +
fit, launched as `mpiexec -n 2 python -m dlcore.tour._data_parallel_worker`) against the same
model trained here in one process with the same global batch and the same sample order.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..distributed.launch import find_mpiexec as _mpiexec  # the tests replace it
from ._data_parallel_worker import GLOBAL_BATCH, digits_float64, new_model, train_digits
from .registry import register

RANKS = 2
CRITERIA = (
    "float64 training loss per step, 2 ranks vs 1 process: max relative difference <= 1e-10",
    "final weights, 2 ranks vs 1 process: max |difference| / max |weight| <= 1e-10",
    "2-rank model's test accuracy >= 97% (quick mode, 2 epochs: >= 90%)",
)


def mpi_missing() -> str | None:
    """Why this machine cannot run the 2-rank job (None when it can)."""
    from ..distributed import is_available

    if not is_available():
        return 'mpi4py is not installed (pip install "dlcore[mpi]")'
    if _mpiexec() is None:
        return 'no mpiexec on PATH (pip install "dlcore[mpi]" brings the MPICH wheel)'
    return None


def run_ranks(x: np.ndarray, y: np.ndarray, epochs: int, timeout: float) -> dict:
    """The worker's results (.npz contents) after training on RANKS ranks; RuntimeError on failure."""
    with tempfile.TemporaryDirectory(prefix="dlcore-data-parallel-") as tmp:
        data, out = Path(tmp) / "data.npz", Path(tmp) / "out.npz"
        np.savez(data, x=x, y=y)
        env = dict(os.environ, OMP_NUM_THREADS="1")
        pkg_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_root, env.get("PYTHONPATH")) if p)
        cmd = [_mpiexec(), "-n", str(RANKS), sys.executable, "-m", "dlcore.tour._data_parallel_worker"]
        try:
            proc = subprocess.run(
                [*cmd, str(data), str(out), str(epochs)],
                env=env,
                cwd=tmp,  # not the caller's directory: `-m` puts it first on sys.path (a source tree)
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as e:
            msg = f"data-parallel: the {RANKS}-rank job did not finish within {timeout} s"
            raise RuntimeError(msg) from e
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(
                f"data-parallel: the {RANKS}-rank job failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
            )
        with np.load(out) as z:
            return {k: z[k] for k in z.files}


@register(
    "data-parallel",
    "WHY/Data",
    "Engineering",
    criteria=CRITERIA,
    priority="P1",
    claim=(
        "Data parallelism with averaged gradients is the same optimisation as one process with the "
        "global batch: each rank sees a shard of the batch, and the all-reduced mean of their "
        "gradients is the full batch's gradient, so more processes train the same model faster."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """The digits CNN trained on 2 MPI ranks with averaged gradients equals one process on the global batch.

    Data: the 8x8 digits, one stratified 80/20 split (1,438 training images), standardised. Model:
    SmallCNN (conv-conv-pool-FC, no dropout or batch norm) in float64, Adam(3e-3) annealed on a
    cosine, 10 epochs (quick: 2), global batch 32. Data-parallel run: `mpiexec -n 2` ranks of 1
    thread each, the model wrapped in nn.parallel.DistributedDataParallel, each rank's DataLoader
    drawing 16 samples a step from a DistributedSampler (one seeded permutation per epoch, shared
    by the ranks and dealt round robin), trained by fit. Reference: the same recipe in this
    process with DistributedSampler(num_replicas=1), i.e. the same 32 samples per step. Measured:
    the largest relative difference of the per-step training loss (the 2-rank loss is the
    sample-weighted mean of the ranks'), the largest weight difference relative to the largest
    weight, the 2-rank model's test accuracy, and both runs' training samples/s.
    Without mpi4py or mpiexec the entry fails its criteria, saying what is missing.
    """
    from ._cnn_common import accuracy

    epochs = 2 if quick else 10
    missing = mpi_missing()
    if missing is not None:
        return {
            "metrics": {"error": f"data-parallel needs MPI: {missing}"},
            "figures": [],
            "criteria": dict.fromkeys(CRITERIA, (False, f"not run: {missing}")),
        }
    x, y, xt, yt = digits_float64()
    ranks = run_ranks(x, y, epochs, timeout=120 if quick else 300)
    ref_model = new_model()
    ref = train_digits(ref_model, x, y, epochs)
    step_diff = float(np.max(np.abs(ranks["step_loss"] - ref["losses"]) / np.abs(ref["losses"])))
    ref_weights = {k: t.numpy() for k, t in ref_model.state_dict().items()}
    scale = max(float(np.abs(w).max()) for w in ref_weights.values())
    weight_diff = max(float(np.abs(ranks[f"w:{k}"] - w).max()) for k, w in ref_weights.items()) / scale
    ddp_model = new_model()
    ddp_model.load_state_dict({k: ranks[f"w:{k}"] for k in ref_weights})
    acc, ref_acc = accuracy(ddp_model, xt, yt), accuracy(ref_model, xt, yt)
    metrics = {
        "ranks": RANKS,
        "global_batch": GLOBAL_BATCH,
        "epochs": epochs,
        "steps": len(ref["losses"]),
        "step_loss_max_rel_diff": step_diff,
        "epoch_loss_max_rel_diff": float(
            np.max(np.abs(ranks["epoch_loss"] - ref["history"]["loss"]) / np.abs(ref["history"]["loss"]))
        ),
        "weights_max_rel_diff": weight_diff,
        "test_accuracy_2_ranks": acc,
        "test_accuracy_1_process": ref_acc,
        "samples_per_s_2_ranks_x_1_thread": float(ranks["samples"] / ranks["seconds"]),
        "samples_per_s_1_process": ref["samples"] / ref["seconds"],
        "threads_1_process": _threads(),
        "final_loss": float(ref["history"]["loss"][-1]),
    }
    figures = []
    if out_dir is not None:
        figures.append(_figure(out_dir, ranks["step_loss"], ref["losses"]))
    floor = 0.90 if quick else 0.97
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (step_diff <= 1e-10, step_diff),
            CRITERIA[1]: (weight_diff <= 1e-10, weight_diff),
            CRITERIA[2]: (acc >= floor, acc),
        },
    }


def _threads() -> int:
    from .. import get_num_threads

    return int(get_num_threads())


def _figure(out_dir: Path, ranks_loss: np.ndarray, ref_loss: np.ndarray) -> str:
    from .plotting import new_figure, save

    fig, (ax, ax2) = new_figure(2)
    ax.plot(ref_loss, label="1 process, batch 32", lw=3, alpha=0.5)
    ax.plot(ranks_loss, label=f"{RANKS} ranks x batch {GLOBAL_BATCH // RANKS}", lw=1)
    ax.set(xlabel="step", ylabel="training cross-entropy", yscale="log")
    ax.legend()
    rel = np.abs(ranks_loss - ref_loss) / np.abs(ref_loss)
    ax2.semilogy(np.maximum(rel, 1e-18))
    ax2.set(xlabel="step", ylabel="|relative difference| of the loss", title="float64")
    return save(fig, out_dir, "data_parallel")
