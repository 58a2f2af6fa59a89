"""fit under dlcore.distributed at 2 ranks: logs averaged over ranks by sample count, rank-0-only
files and progress lines, set_epoch called by fit, EarlyStopping alike on every rank.

One mpiexec job (tests/mpi_workers/fit_worker.py) runs every case; the tests assert on its files.
"""

import json

import numpy as np
import pytest
from _mpi import requires_mpi, run_mpi

pytestmark = requires_mpi
RANKS = 2


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    out = tmp_path_factory.mktemp("mpi_fit")
    proc = run_mpi(RANKS, "fit_worker.py", out, timeout=180)
    assert proc.returncode == 0, proc.stderr
    ranks = [json.loads((out / f"rank{r}.json").read_text()) for r in range(RANKS)]
    return out, proc, ranks


def test_every_rank_logs_the_sample_weighted_mean_of_the_ranks(job):
    _, _, ranks = job
    hist = ranks[0]["history"]
    assert set(hist) == {"loss", "acc", "val_loss", "val_acc"}
    for r in ranks[1:]:
        assert r["history"] == hist and r["epochs"] == ranks[0]["epochs"]
    for e in range(len(ranks[0]["epochs"])):
        local = [r["local"][e] for r in ranks]
        for key in hist:
            n_key = "val_n" if key.startswith("val_") else "n"
            n = np.array([loc[n_key] for loc in local])
            v = np.array([loc[key] for loc in local])
            assert len(set(n)) == RANKS  # unequal shards: a plain mean would differ
            np.testing.assert_allclose(hist[key][e], (n * v).sum() / n.sum(), rtol=1e-13)
        assert local[0]["loss"] != local[1]["loss"]  # the ranks' own values differ


def test_evaluate_averages_across_ranks_unless_told_not_to(job):
    _, _, ranks = job
    assert ranks[0]["evaluate_all"] == ranks[1]["evaluate_all"]
    assert ranks[0]["evaluate_all"]["loss"] == ranks[0]["history"]["val_loss"][-1]
    assert ranks[0]["evaluate_local"] != ranks[1]["evaluate_local"]
    for r in ranks:
        np.testing.assert_allclose(r["evaluate_local"]["loss"], r["local"][-1]["val_loss"], rtol=1e-13)


def test_fit_calls_set_epoch_each_epoch(job):
    _, _, ranks = job
    for r in ranks:
        assert r["set_epoch_calls"] == r["epochs"] == [0, 1]


def test_early_stopping_runs_on_every_rank(job):
    _, _, ranks = job
    for r in ranks:
        assert r["stopped_epoch"] == r["early_stopping_stopped"] == 1


def test_only_rank_zero_writes_files_and_progress(job):
    out, proc, ranks = job
    rows = (out / "log0.csv").read_text().splitlines()
    assert rows[0] == "epoch,loss,acc,val_loss,val_acc" and len(rows) == 3
    assert float(rows[1].split(",")[1]) == ranks[0]["history"]["loss"][0]
    assert len((out / "log0.jsonl").read_text().splitlines()) == 2
    assert (out / "ckpt0-1.safetensors").exists() and (out / "ckpt0-2.safetensors").exists()
    for r in range(1, RANKS):
        assert not list(out.glob(f"*{r}.csv")) and not list(out.glob(f"*{r}.jsonl"))
        assert not list(out.glob(f"ckpt{r}-*"))
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("epoch ")]
    assert [ln.split(" - ")[0] for ln in lines] == ["epoch 1/3", "epoch 2/3"]


def test_default_distributed_sampler_takes_the_group(job):
    _, _, ranks = job
    shards = [r["default_shard"] for r in ranks]
    assert all(len(s) == 20 for s in shards)
    assert sorted(shards[0] + shards[1]) == list(range(40))
