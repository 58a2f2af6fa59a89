"""Launching multi-rank test jobs: `requires_mpi` (skip without mpi4py or mpiexec) and
run_mpi(n, script, *args) (mpiexec -n n python script args, bounded by a timeout).

Worker scripts live in tests/mpi_workers/ (not collected: their names do not start with test_).
Ranks run with one thread each (OMP_NUM_THREADS=1) and import dlcore from the tree or install
under test (the directory holding the imported dlcore goes first on PYTHONPATH).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dlcore

WORKERS = Path(__file__).parent / "mpi_workers"


def mpiexec() -> str | None:
    """The MPI launcher next to this Python (a venv's MPICH wheel), else the one on PATH."""
    local = Path(sys.executable).parent / "mpiexec"
    return str(local) if local.exists() else shutil.which("mpiexec")


def _have_mpi() -> bool:
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return mpiexec() is not None


requires_mpi = pytest.mark.skipif(
    not _have_mpi(), reason="needs mpi4py and mpiexec (pip install 'dlcore[mpi]')"
)


def run_mpi(
    n: int, script, *args, timeout: float = 180, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run `mpiexec -n n python script args`; fails the test (never hangs) past `timeout` s.
    Returns the CompletedProcess (stdout/stderr as text); the caller checks returncode."""
    path = Path(script)
    if not path.is_absolute():
        path = WORKERS / path
    full_env = dict(os.environ)
    pkg_root = str(Path(dlcore.__file__).resolve().parent.parent)
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_root, full_env.get("PYTHONPATH")) if p)
    full_env["OMP_NUM_THREADS"] = "1"
    full_env.update(env or {})
    cmd = [mpiexec(), "-n", str(n), sys.executable, str(path), *map(str, args)]
    try:
        return subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"mpiexec -n {n} {path.name} did not finish within {timeout} s:\n{e.stderr or ''}")
