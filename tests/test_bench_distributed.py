"""The distributed benchmark suites' arithmetic and errors, without MPI: bus bandwidth, paired
ratios, the ddp summary, the per-rank batch shards, and the job launcher's failures."""

import sys

import numpy as np
import pytest

from dlcore import bench
from dlcore.bench import allreduce, ddp, mpi_job


def test_bus_factor_is_nccls_2_n_minus_1_over_n():
    assert [allreduce.bus_factor(n) for n in (1, 2, 4, 8)] == [0.0, 1.0, 1.5, 1.75]
    with pytest.raises(ValueError, match="bus_factor: world_size must be >= 1, got 0"):
        allreduce.bus_factor(0)


def test_sizes_run_4_bytes_to_64_mib_in_powers_of_4():
    assert allreduce.SIZES[0] == 4 and allreduce.SIZES[-1] == 64 << 20
    assert all(b == 4 * a for a, b in zip(allreduce.SIZES, allreduce.SIZES[1:]))
    assert [allreduce.size_label(b) for b in (4, 1024, 16384, 1 << 20, 64 << 20, 3000)] == [
        "4 B",
        "1 KiB",
        "16 KiB",
        "1 MiB",
        "64 MiB",
        "3000 B",
    ]


def test_allreduce_summary_bandwidths_and_paired_ratio():
    # 4 ranks, 1 MiB; dlcore 2x mpi4py's time in rounds 1 and 3, equal in round 2 (a slow spell)
    raw = {
        "world_size": 4,
        "rows": [
            {
                "bytes": 1 << 20,
                "err": dict.fromkeys(allreduce.IMPLS, 0.0),
                "samples": {
                    "dlcore": [2e-3, 8e-3, 2e-3],
                    "dlcore_async": [1e-3, 4e-3, 1e-3],
                    "mpi4py": [1e-3, 8e-3, 1e-3],
                    "mpi4py_nb": [1e-3, 8e-3, 1e-3],
                },
            }
        ],
    }
    (row,) = allreduce.summarize(raw)
    assert row["size"] == "1 MiB" and row["dlcore_us"] == pytest.approx(2000)
    assert row["dlcore_algbw"] == pytest.approx((1 << 20) / 2e-3)
    assert row["dlcore_busbw"] == pytest.approx((1 << 20) / 2e-3 * 1.5)
    assert row["mpi4py_busbw"] == pytest.approx((1 << 20) / 1e-3 * 1.5)
    assert row["ratio_dlcore"] == pytest.approx(0.5)  # median of 0.5, 1.0, 0.5: paired, not 1e-3/2e-3
    assert row["ratio_dlcore_async"] == pytest.approx(1.0)
    assert "| 1 MiB |" in allreduce.table([row])


def _job(step, no_sync=None, allreduce_s=None, fwd=None, fwd_bwd=None, params=100):
    samples = {"step": step}
    if no_sync is not None:
        samples.update(step_no_sync=no_sync, allreduce_grads=allreduce_s)
    if fwd is not None:
        samples.update(forward=fwd, forward_backward=fwd_bwd)
    return {"cases": [{"case": "m", "params": params, "samples": samples}]}


def test_ddp_summary_throughput_scaling_and_communication():
    case = dict(name="m", kind="mlp", hidden=[4], batch=100)
    jobs = {
        "1x1": [
            _job([0.1] * 5, fwd=[0.02] * 5, fwd_bwd=[0.08] * 5),
            _job([0.2] * 5, fwd=[0.02] * 5, fwd_bwd=[0.08] * 5),
        ],
        "1x2": [_job([0.05] * 5), _job([0.1] * 5)],
        "2x1": [_job([0.06] * 5, [0.05] * 5, [0.004] * 5), _job([0.12] * 5, [0.1] * 5, [0.004] * 5)],
    }
    (row,) = ddp.summarize([case], jobs)
    assert row["sps_1x1"] == pytest.approx((1000 + 500) / 2)  # median of two rounds
    assert row["scale_vs_1x2"] == pytest.approx(0.05 / 0.06)  # per round, then the median
    assert row["scale_vs_1x1"] == pytest.approx(0.1 / 0.06)
    assert row["exposed_comm_ms"] == pytest.approx(15.0)  # rounds: 10 ms and 20 ms
    assert row["allreduce_ms"] == pytest.approx(4.0)
    assert row["bwd_us_per_sample"] == pytest.approx(600.0)  # (80 - 20) ms / 100 samples
    assert row["fwd_us_per_sample"] == pytest.approx(200.0)


def test_ddp_shards_split_every_global_batch_between_ranks():
    x = np.arange(50, dtype=np.float32).reshape(25, 2)
    y = np.arange(25, dtype=np.int64)
    full = ddp.shards(x, y, 8, 0, 1, count=3)
    halves = [ddp.shards(x, y, 8, r, 2, count=3) for r in (0, 1)]
    for i, (xb, yb) in enumerate(full):
        assert xb.shape == (8, 2)
        joined = np.concatenate([halves[0][i][1].data, halves[1][i][1].data])
        np.testing.assert_array_equal(joined, yb.data)
    assert len(set(np.concatenate([b[1].data for b in full]).tolist())) == 24  # a permutation's rows
    with pytest.raises(ValueError, match="global batch 9 is not divisible by 2 ranks"):
        ddp.shards(x, y, 9, 0, 2)


def test_bad_arguments_are_clear_errors(tmp_path):
    with pytest.raises(SystemExit, match="--ranks must be >= 2, got 1"):
        bench.main(["allreduce", "--ranks", "1"])
    with pytest.raises(SystemExit, match="--max-bytes must be >= 4, got 2"):
        bench.main(["allreduce", "--max-bytes", "2"])
    with pytest.raises(SystemExit, match="--rounds must be >= 1, got -1"):
        bench.main(["ddp", "--rounds", "-1"])
    with pytest.raises(ValueError, match="launch: ranks must be >= 1 or None, got 0"):
        mpi_job.launch("dlcore.bench.ddp", {}, ranks=0)
    with pytest.raises(ValueError, match="launch: threads must be >= 1, got 0"):
        mpi_job.launch("dlcore.bench.ddp", {}, threads=0)


def test_a_failing_worker_is_a_runtime_error_with_its_stderr():
    with pytest.raises(RuntimeError, match=r"(?s)worker process failed \(exit 1\).*No module named"):
        mpi_job.launch("dlcore.bench.no_such_suite", {})


def test_without_mpi4py_the_launcher_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py raises ImportError
    with pytest.raises(RuntimeError, match=r'pip install "dlcore\[mpi\]"'):
        mpi_job.launch("dlcore.bench.allreduce", {}, ranks=2)
