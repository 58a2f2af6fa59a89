"""Running a benchmark suite's worker as a separate job (the distributed suites: allreduce, ddp):
`python -m SUITE --worker OUT CONFIG` under mpiexec with `ranks` processes, or as one plain
process, with a fixed thread count per process; rank 0 writes its results as JSON to OUT, which
the parent reads back. Also the collective timing sample every rank takes part in.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from ..distributed.launch import find_mpiexec

INSTALL_HINT = 'pip install "dlcore[mpi]"'


def _command(module, ranks, out, config):
    worker = [sys.executable, "-m", module, "--worker", out, json.dumps(config)]
    if ranks is None:
        return worker
    try:
        import mpi4py  # noqa: F401
    except ImportError as e:
        raise RuntimeError(f"{module}: needs mpi4py and an MPI: {INSTALL_HINT} ({e})") from e
    mpiexec = find_mpiexec()
    if mpiexec is None:
        raise RuntimeError(f"{module}: no mpiexec on PATH or beside {sys.executable}: {INSTALL_HINT}")
    return [mpiexec, "-n", str(ranks)] + worker


def launch(module, config, ranks=None, threads=1, timeout=1800):
    """Run module's worker with `config` (a JSON-able dict): under `mpiexec -n ranks`, or as one
    plain process when ranks is None; every process gets threads (OMP_NUM_THREADS, the default
    of dlcore's pool). Returns the JSON object rank 0 wrote. RuntimeError naming the module,
    with the job's stderr, when the job fails or outlives `timeout` seconds, or MPI is missing."""
    if ranks is not None and ranks < 1:
        raise ValueError(f"launch: ranks must be >= 1 or None, got {ranks}")
    if threads < 1:
        raise ValueError(f"launch: threads must be >= 1, got {threads}")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory(prefix="dlcore-bench-") as tmp:
        out = os.path.join(tmp, "result.json")
        cmd = _command(module, ranks, out, config)
        where = f"{ranks}-rank job" if ranks is not None else "worker process"
        try:
            proc = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise RuntimeError(f"{module}: the {where} did not finish in {timeout} s") from e
        if proc.returncode != 0 or not os.path.exists(out):
            tail = proc.stderr[-4000:]
            raise RuntimeError(f"{module}: the {where} failed (exit {proc.returncode}):\n{tail}")
        with open(out) as f:
            return json.load(f)


def slowest_sample(comm, fn, inner):
    """Seconds per call of the slowest rank over `inner` back-to-back calls of fn after a barrier
    (a collective ends when its last rank does). comm None: this process alone."""
    if comm is not None:
        comm.Barrier()
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    dt = (time.perf_counter() - t0) / inner
    if comm is None:
        return dt
    from mpi4py import MPI

    return comm.allreduce(dt, op=MPI.MAX)


def agreed_inner(comm, fn, target_s, warmup=3):
    """Calls per sample so a sample lasts about target_s, from rank 0's timing of two warm calls
    (broadcast, so every rank makes the same number of collective calls)."""
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    fn()
    fn()
    inner = max(1, int(target_s / max((time.perf_counter() - t0) / 2, 1e-7)))
    return inner if comm is None else comm.bcast(inner, root=0)
