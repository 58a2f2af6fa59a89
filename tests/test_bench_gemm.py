"""Smoke test of the benchmark harness and the gemm suite (dlcore only, tiny run)."""

import json
import types

import numpy as np
import pytest

from dlcore import backend, bench
from dlcore.bench import gemm as gemm_suite
from dlcore.bench import harness


def test_gemm_suite_runs_and_writes_json(tmp_path, capsys):
    out = tmp_path / "gemm.json"
    rc = bench.main(
        [
            "gemm",
            "--quick",
            "--threads",
            "1",
            "--no-baselines",
            "--shapes",
            "model",
            "--repeats",
            "5",
            "--json",
            str(out),
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "| M x K x N |" in text and "64x784x128" in text
    data = json.loads(out.read_text())
    assert data["machine"]["cpu"] and data["probe_gflops"]
    assert "micro-kernel on cached slivers" in text
    assert sorted(data["kernel_peak_gflops"]) == ["1024", "256"]
    assert all(g > 0 for g in data["kernel_peak_gflops"].values())
    rows = data["rows"]
    assert len(rows) == len(gemm_suite.MODEL)
    for row in rows:
        assert row["dlcore"] > 0 and row["err"] < 1e-5


def test_make_call_check_detects_wrong_result(monkeypatch):
    case = dict(m=9, k=7, n=5, ta=True, tb=False)
    _fn, check = gemm_suite.make_call("numpy", case, 1)
    assert check() < 1e-6
    a, _b, _out = gemm_suite.operands(case)
    assert a.shape == (9, 7) and not a.flags.c_contiguous  # a transposed view, not a copy

    def gemm_with_wrong_first_row(a, b, out):
        np.matmul(a, b, out=out)
        out[0] += 1.0

    monkeypatch.setattr(backend, "cpu", types.SimpleNamespace(gemm=gemm_with_wrong_first_row))
    _fn, check = gemm_suite.make_call("dlcore", case, 1)
    assert check() > 1e-2


def test_markdown_table_and_timeit():
    table = harness.markdown_table([{"x": "a", "y": 1.234}], [("x", "X", None), ("y", "Y", ".1f")])
    assert table.splitlines()[2] == "| a | 1.2 |"
    assert harness.timeit(lambda: np.zeros(10), repeats=5, target_s=0.001) > 0


def test_compare_reports_fastest_sample_beside_median():
    case = dict(m=33, k=17, n=9, ta=False, tb=True, name="33x17x9", op="NT")
    with harness.Baselines(1, ("numpy",)) as bl:
        r = harness.compare("dlcore.bench.gemm", case, 1, bl, repeats=5, target_s=0.001)
    for lib in ("dlcore", "numpy"):
        assert len(r[lib]["samples"]) == 5
        assert r[lib]["s_min"] == min(r[lib]["samples"]) <= r[lib]["s"]
        assert r[lib]["err"] < 1e-5
    paired = harness.paired_ratio(r, "numpy")
    ratios = sorted(b / a for a, b in zip(r["dlcore"]["samples"], r["numpy"]["samples"]))
    assert paired == ratios[2]  # the median of the five within-round ratios


def test_paired_ratio_cancels_a_slow_round():
    # the second round ran 10x slower for both libraries; per round dlcore is 2x faster
    r = {"dlcore": {"samples": [1.0, 10.0, 1.0]}, "numpy": {"samples": [2.0, 20.0, 2.0]}}
    assert harness.paired_ratio(r, "numpy") == 2.0


def test_compare_builds_runs_each_build_in_its_own_process(tmp_path, capsys):
    """Two copies of the in-tree extension, each timed by a worker that runs the file it was
    given (one process would hand both the first build's functions)."""
    import importlib.util
    import pathlib
    import shutil

    from dlcore import backend

    root = pathlib.Path(__file__).resolve().parents[1]
    script = root / "bench" / "compare_builds.py"
    if not script.exists():
        pytest.skip("bench/compare_builds.py is not beside the tests (tests run against a wheel)")
    spec = importlib.util.spec_from_file_location("compare_builds", script)
    compare_builds = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare_builds)
    builds = []
    for name in ("old.so", "new.so"):
        builds.append(str(tmp_path / name))
        shutil.copy(backend.extension_file(), builds[-1])
    # the harness worker refuses to start unless dlcore._C there is the given file
    w = harness.Worker("dlcore", 1, build=builds[1])
    try:
        assert w.available, w.note
        assert w.version == builds[1]
    finally:
        w.close()
    # so do compare_builds' workers (an assertion there ends the run with SystemExit)
    argv = [
        builds[0],
        f"{builds[1]}@{root}",
        "--rounds",
        "2",
        "--sample-s",
        "0.001",
        "--gemm",
        "33x17x9:TN",
        "--optim",
        "adam:7",
        "--step",
        "3x4-5-2",
        "--add",
        "3",
    ]
    assert compare_builds.main(argv) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert any(line.startswith("# b0: ") and line.split()[2] == builds[0] for line in out)
    assert any(line.startswith("# b1: ") and line.split()[2] == builds[1] for line in out)
    assert out[-4].startswith("| gemm 33x17x9:TN | ") and out[-3].startswith("| optim adam:7 | ")
    assert out[-2].startswith("| step 3x4-5-2 | ") and out[-1].startswith("| add 3 | ")
    assert len(out[-1].split("|")) == 6  # case, two builds, one paired ratio


def test_calibrate_sizes_samples_from_the_fastest_call(monkeypatch):
    """One slow call (a pool waking up) must not shrink every later sample to a call or two."""
    clock = [0.0]
    # warm-up, one slow call (1/16 s), then calls of 1/1024 s (exact in binary)
    durations = iter([0.0, 2.0**-4] + [2.0**-10] * 10)
    monkeypatch.setattr(harness.time, "perf_counter", lambda: clock[0])

    def fn():
        clock[0] += next(durations)

    # samples of 1/64 s: 16 fast calls; sized from the slow call alone, 1
    assert harness.calibrate(fn, target_s=2.0**-6) == 16
