"""`dlcore bench allreduce` and `dlcore bench ddp` run end to end under mpiexec (2 ranks, tiny
sizes and samples; nothing timed is asserted, only the results' shape, consistency and sums)."""

import json

import pytest
from _mpi import requires_mpi

from dlcore import bench

pytestmark = requires_mpi


def test_allreduce_suite_checks_sums_and_reports_bandwidths(tmp_path, capsys):
    out = tmp_path / "ar.json"
    argv = ["allreduce", "--quick", "--max-bytes", "16384", "--repeats", "5", "--target-ms", "2"]
    assert bench.main(argv + ["--timeout", "120", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| size | dlcore us |" in text and "| 16 KiB |" in text
    data = json.loads(out.read_text())
    assert data["raw"]["world_size"] == 2
    rows = data["rows"]
    assert [r["bytes"] for r in rows] == [4, 256, 16384]
    for raw, row in zip(data["raw"]["rows"], rows):
        assert raw["err"] == {"dlcore": 0.0, "dlcore_async": 0.0, "mpi4py": 0.0, "mpi4py_nb": 0.0}
        assert raw["count"] == raw["bytes"] // 4
        assert all(len(s) == 5 and min(s) > 0 for s in raw["samples"].values())
        assert row["dlcore_busbw"] == pytest.approx(row["dlcore_algbw"])  # 2(n-1)/n = 1 at n = 2
        assert row["ratio_dlcore"] > 0


def test_ddp_suite_times_three_configurations(tmp_path, capsys):
    pytest.importorskip("dlcore.nn.parallel")
    out = tmp_path / "ddp.json"
    argv = ["ddp", "--quick", "--rounds", "1", "--repeats", "5", "--target-ms", "5", "--timeout", "150"]
    assert bench.main(argv + ["--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "DDP / 1x2" in text and "exposed comm ms/step" in text
    data = json.loads(out.read_text())
    assert sorted(data["jobs"]) == ["1x1", "1x2", "2x1"]
    assert data["jobs"]["1x2"][0]["threads"] == 2
    assert data["jobs"]["2x1"][0]["cases"][0]["world"] == 2
    (row,) = data["rows"]
    assert row["params"] == 64 * 256 + 256 + 256 * 10 + 10
    assert row["sps_2x1"] > 0 and row["scale_vs_1x1"] > 0 and row["allreduce_ms"] > 0
