"""The pytest-benchmark suites of bench/ still collect and run: `python -m pytest bench/` with
--benchmark-disable (each benchmark called once, nothing timed), 1 thread, without the
60k-sample epoch (seconds per call, minutes at 2 threads on a loaded 2-core machine)."""

import os
import re
import subprocess
import sys

import pytest

pytest.importorskip("pytest_benchmark")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.slow
def test_bench_suites_run_once():
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "bench/",
            "-v",
            "--benchmark-disable",
            "-k",
            "1t and not 784-128-10",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    for suite, fn in (
        ("bench_gemm.py", "bench_matmul"),
        ("bench_optim.py", "bench_optimizer_step"),
        ("bench_train.py", "bench_train_epoch"),
    ):
        ran = re.findall(rf"^(?:bench/)?{suite}::{fn}\[1t-[^\]]*dlcore\] PASSED", r.stdout, re.M)
        assert ran, f"no dlcore case of {suite} ran:\n{r.stdout[-3000:]}"
