"""Tour entry data-parallel: the quick form passes (2 MPI ranks), and without MPI it fails its
criteria with a clear message instead of crashing the tour."""

import numpy as np
import pytest
from _mpi import requires_mpi

import dlcore
from dlcore.tour import data_parallel, registry, runner


def test_registered_as_a_p1_entry():
    e = registry.get("data-parallel")
    assert (e.feature_id, e.priority, e.section) == ("Engineering", "P1", "WHY/Data")
    assert e.claim and e.criteria == data_parallel.CRITERIA


@requires_mpi
def test_quick_form_passes(quick_entry_passes):
    out = quick_entry_passes("data-parallel")
    m = out["metrics"]
    assert m["steps"] == 2 * 45 and m["ranks"] == 2
    assert m["step_loss_max_rel_diff"] <= 1e-10 and m["weights_max_rel_diff"] <= 1e-10
    assert m["test_accuracy_2_ranks"] >= 0.90
    assert m["samples_per_s_2_ranks_x_1_thread"] > 0 and m["samples_per_s_1_process"] > 0


@requires_mpi
def test_a_failing_job_raises_with_the_ranks_error():
    x = np.zeros((4, 1, 8, 8))
    with pytest.raises(RuntimeError, match=r"(?s)2-rank job failed \(exit [1-9].*TensorDataset"):
        data_parallel.run_ranks(x, np.zeros(3, dtype=np.int64), epochs=1, timeout=120)


@pytest.mark.parametrize("missing", ["mpi4py", "mpiexec"])
def test_without_mpi_the_criteria_fail_with_a_message(monkeypatch, missing):
    if missing == "mpi4py":
        monkeypatch.setattr(dlcore.distributed, "is_available", lambda: False)
    else:
        monkeypatch.setattr(data_parallel, "_mpiexec", lambda: None)
    rec = runner.run_entry(registry.get("data-parallel"), quick=True, fig_dir=None, seed=0)
    assert rec["error"] is None and not rec["passed"]
    assert not any(rec["criteria"].values())
    assert all(missing in str(v) and "dlcore[mpi]" in str(v) for v in rec["measured"].values())
    assert missing in rec["metrics"]["error"]
