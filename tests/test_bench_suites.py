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
def test_bench_suites_run_once(tmp_path):
    if not os.path.isdir(os.path.join(ROOT, "bench")):
        pytest.skip("bench/ is not beside the tests (tests run against a wheel)")
    # cwd outside the source tree: `python -m` puts cwd first on sys.path, and the tree's dlcore
    # has no extension where only the installed package was built (CI)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            os.path.join(ROOT, "bench"),
            "-v",
            "--benchmark-disable",
            "-k",
            "1t and not 784-128-10",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    for suite, fn in (
        ("bench_gemm.py", "bench_matmul"),
        ("bench_optim.py", "bench_optimizer_step"),
        ("bench_conv.py", "bench_conv"),
        ("bench_lstm.py", "bench_lstm"),
        ("bench_train.py", "bench_train_epoch"),
    ):
        ran = re.findall(rf"^(?:\S*/)?{suite}::{fn}\[1t-[^\]]*dlcore\] PASSED", r.stdout, re.M)
        assert ran, f"no dlcore case of {suite} ran:\n{r.stdout[-3000:]}"
