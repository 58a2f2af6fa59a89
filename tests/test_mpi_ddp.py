"""DistributedDataParallel on 2 and 4 ranks (one mpiexec job each, tests/mpi_workers/ddp_train.py):
DDP with global batch B equals one process with batch B (SGD with momentum and Adam; float64 and
float32; an MLP, a model using a layer twice, a bias-free layer), no_sync accumulation, the fast
(in place) and pack paths, broadcast_buffers, find_unused_parameters across ranks, and
checkpoints moving between DDP and one process.

Errors: losses as max |ddp - ref| / max |ref| over the 50 steps; weights as the relative L2 norm
||w_ddp - w_ref|| / ||w_ref|| of all parameters concatenated.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from _mpi import WORKERS, requires_mpi, run_mpi

sys.path.insert(0, str(WORKERS))
import ddp_cases as cases

from dlcore.checkpoint import load_checkpoint

pytestmark = requires_mpi
TOL = {"float64": 1e-10, "float32": 1e-6}
EQUIV = [
    f"{k}-{o}-{d}-fast"
    for d in ("float64", "float32")
    for k in ("mlp", "shared", "nobias")
    for o in ("sgd", "adam")
] + ["mlp-sgd-float64-pack", "mlp-adam-float32-pack"]


@pytest.fixture(scope="module", params=[2, 4], ids=["2ranks", "4ranks"])
def job(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"ddp{request.param}")
    proc = run_mpi(request.param, "ddp_train.py", out, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    with np.load(out / "results.npz") as r:
        return out, {k: r[k] for k in r.files}


def rel(a, b) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


@pytest.mark.parametrize("name", EQUIV)
def test_ddp_equals_one_process_with_the_global_batch(job, name):
    _, r = job
    tol = TOL[name.split("-")[2]]
    ref_losses = r[f"{name}/ref_losses"]
    assert len(ref_losses) == 50
    assert np.abs(r[f"{name}/ddp_losses"] - ref_losses).max() / np.abs(ref_losses).max() <= tol
    assert rel(r[f"{name}/ddp_params"], r[f"{name}/ref_params"]) <= tol
    assert r[f"{name}/spread"] <= tol * np.abs(r[f"{name}/ref_params"]).max()  # every rank ends equal
    assert ref_losses[-1] < ref_losses[0]  # it trained


@pytest.mark.parametrize("name", [n for n in EQUIV if n.startswith("mlp")])
def test_fast_path_reduces_in_place_and_pack_path_copies(job, name):
    in_place, packed, n_buckets, n_multi = job[1][f"{name}/counts"]
    assert n_buckets >= 2 and n_multi >= 1  # several buckets, one with several parameters
    if name.endswith("fast"):  # the optimizer exists before the first backward: no copies
        assert (in_place, packed) == (50 * n_buckets, 0)
    else:  # grads set to None each step: every multi-parameter bucket packs
        assert (in_place, packed) == (50 * (n_buckets - n_multi), 50 * n_multi)


@pytest.mark.parametrize("name", ["nosync-sgd-float64", "nosync-adam-float32"])
def test_no_sync_accumulation_equals_the_concatenated_batch(job, name):
    _, r = job
    assert rel(r[f"{name}/ddp_params"], r[f"{name}/ref_params"]) <= TOL[name.split("-")[2]]
    reductions, n_buckets = r[f"{name}/counts"]
    assert reductions == 10 * n_buckets  # only the 10 synced backwards communicated


def test_broadcast_buffers(job):
    _, r = job
    before, after, off_rank0 = r["buffers-True/spread"]
    assert before > 1e-3  # each rank's last forward updated its own running statistics
    assert after == 0 and off_rank0 == 0  # the next synced forward started from rank 0's
    before, after, _ = r["buffers-False/spread"]
    assert before > 1e-3 and after == before


def test_find_unused_parameters_across_ranks(job):
    _, r = job
    assert r["unused/b_spread"] == 0  # used on one rank only: every rank gets the average
    assert r["unused/b_vs_expected"] <= 1e-15
    assert r["unused/c_is_none"] == 1  # used on no rank: its grad stays None, as torch


def test_checkpoint_written_under_ddp_resumes_in_one_process(job):
    out, r = job
    model = cases.build("mlp", np.float64, seed=7)
    opt = cases.make_opt("adam", model.parameters())
    ckpt = load_checkpoint(out / "ddp.ckpt", model, opt)
    assert ckpt["epoch"] == 10
    cases.train_single("mlp", "adam", np.float64, 20, start=10, model=model, opt=opt)
    assert rel(cases.flat_params(model), r["ckpt_ddp/final"]) <= 1e-10


def test_checkpoint_written_by_one_process_resumes_under_ddp(job):
    _, r = job
    assert rel(r["ckpt_single/final"], r["ckpt_single/ref_final"]) <= 1e-10
    assert r["ckpt_single/spread"] == 0


def test_ranks_wrapping_different_models_all_raise():
    proc = run_mpi(2, "ddp_errors.py", "mismatch", timeout=180)
    assert proc.returncode == 0, proc.stderr[-4000:]
    for rank in (0, 1):
        assert f"rank {rank} caught: DistributedDataParallel: the ranks' models differ" in proc.stdout


def test_a_parameter_unused_on_one_rank_ends_the_job_with_its_error():
    proc = run_mpi(2, "ddp_errors.py", "unused", timeout=180, env={"DLCORE_DIST_TIMEOUT": "60"})
    assert proc.returncode != 0
    assert (
        "[rank 1] RuntimeError: DistributedDataParallel: on rank 1 these parameters received no"
        in proc.stderr
    )
    assert "['b.weight', 'b.bias']" in proc.stderr
    assert "rank 0 finished" not in proc.stdout  # rank 0 waited on rank 1's bucket until the abort
