"""`dlcore info` and thread control as the CLI reports them."""

import os
import subprocess
import sys

import dlcore
from dlcore.cli import info_lines, main


def test_info_reports_the_build(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    d = dlcore.info()
    assert f"dlcore: {dlcore.__version__}" in out
    assert f"compiler: {d['compiler']}" in out
    assert f"isa active (kernels chosen): {d['isa_active']}" in out
    assert f"isa detected: {d['isa_detected']}" in out
    assert "cuda compiled: " + ("yes" if d["cuda"] else "no") in out
    assert f"cuda devices: {d['cuda_devices']}" in out
    assert f"threads: {dlcore.get_num_threads()}" in out


def test_info_follows_set_num_threads():
    old = dlcore.get_num_threads()
    try:
        dlcore.set_num_threads(1)
        assert any(line.startswith("threads: 1 ") for line in info_lines())
    finally:
        dlcore.set_num_threads(old)


def test_omp_num_threads_respected(tmp_path):
    # run outside the source tree (`-m` puts the cwd first on sys.path) but import the same
    # dlcore as this process
    root = os.path.dirname(os.path.dirname(os.path.abspath(dlcore.__file__)))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": root}
    r = subprocess.run(
        [sys.executable, "-m", "dlcore.cli", "info"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert "threads: 1 (OMP_NUM_THREADS=1)" in r.stdout
