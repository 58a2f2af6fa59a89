"""The default process group: the MPI communicator, this rank, the world size, the timeout.

One group per process (MPI_COMM_WORLD, duplicated so dlcore's messages never match a user's
own mpi4py traffic). mpi4py is imported only by init_process_group, so `import dlcore` works
without it. init_process_group also installs the excepthook that ends the whole job when any
rank dies of an uncaught exception (MPI Abort), instead of leaving the others waiting.
"""

from __future__ import annotations

import datetime
import os
import sys
import traceback

DEFAULT_TIMEOUT_S = 1800.0  # torch's default process-group timeout (30 minutes)
_INSTALL_HINT = 'install MPI for Python: pip install "dlcore[mpi]" (mpi4py and the MPICH wheel)'

_group: dict | None = None  # {"comm", "MPI", "rank", "size", "timeout", "excepthook"} once initialized


def is_available() -> bool:
    """True when mpi4py can be imported (the MPI backend can be used)."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def is_initialized() -> bool:
    return _group is not None


def _timeout_seconds(timeout) -> float:
    if timeout is None:
        env = os.environ.get("DLCORE_DIST_TIMEOUT")
        if env is None:
            return DEFAULT_TIMEOUT_S
        timeout = float(env)
    if isinstance(timeout, datetime.timedelta):
        timeout = timeout.total_seconds()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(
            f"init_process_group: timeout must be a positive number of seconds or a timedelta, "
            f"got {timeout!r}"
        )
    return float(timeout)


def init_process_group(backend: str = "mpi", timeout=None, rank: int = -1, world_size: int = -1, **kwargs):
    """Join the job's process group (torch.distributed.init_process_group; backend "mpi" only).

    Rank and world size come from the MPI launcher (mpirun/mpiexec, `dlcore run`); a plain
    `python script.py` is a group of one. rank/world_size, when given, must match MPI's.
    timeout: seconds or a datetime.timedelta (default: $DLCORE_DIST_TIMEOUT, else 1800 s): a
    collective that waits longer raises DistributedTimeoutError. init_method and store are
    accepted for torch compatibility and must be None (MPI needs no rendezvous).
    """
    global _group
    if backend not in ("mpi", "MPI"):
        raise ValueError(f"init_process_group: backend {backend!r} is not supported; dlcore uses 'mpi'")
    unknown = {k: v for k, v in kwargs.items() if not (k in ("init_method", "store", "group_name") and not v)}
    if unknown:
        raise ValueError(f"init_process_group: unsupported arguments {sorted(unknown)} for the MPI backend")
    seconds = _timeout_seconds(timeout)
    if _group is not None:
        raise RuntimeError("init_process_group: trying to initialize the default process group twice")
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError(f"init_process_group: mpi4py is not importable ({e}); {_INSTALL_HINT}") from e
    world = MPI.COMM_WORLD
    for name, given, actual in (
        ("rank", rank, world.Get_rank()),
        ("world_size", world_size, world.Get_size()),
    ):
        if given not in (-1, None) and given != actual:
            raise ValueError(f"init_process_group: {name}={given} but MPI says {actual}")
    comm = world.Dup()
    _group = {
        "comm": comm,
        "MPI": MPI,
        "rank": comm.Get_rank(),
        "size": comm.Get_size(),
        "timeout": seconds,
        "excepthook": sys.excepthook,
    }
    sys.excepthook = _abort_on_uncaught
    return None


def destroy_process_group(group=None) -> None:
    """Leave the process group (the excepthook is restored); init_process_group may follow."""
    global _group
    g = require("destroy_process_group")
    sys.excepthook = g["excepthook"]
    _group = None
    g["comm"].Free()


def require(op: str) -> dict:
    """The group, or torch's ValueError when init_process_group has not run."""
    if _group is None:
        raise ValueError(
            f"{op}: Default process group has not been initialized, please make sure to call "
            f"init_process_group."
        )
    return _group


def get_rank(group=None) -> int:
    return require("get_rank")["rank"]


def get_world_size(group=None) -> int:
    return require("get_world_size")["size"]


def get_backend(group=None) -> str:
    require("get_backend")
    return "mpi"


def timeout_seconds() -> float:
    return require("timeout")["timeout"]


def _abort_on_uncaught(exc_type, exc, tb) -> None:
    """sys.excepthook: print the traceback tagged with this rank, then abort every rank."""
    g = _group
    if g is None:
        sys.__excepthook__(exc_type, exc, tb)
        return
    rank = g["rank"]
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    sys.stderr.write("".join(f"[rank {rank}] {line}\n" for line in text.rstrip("\n").split("\n")))
    sys.stderr.write(f"[rank {rank}] dlcore.distributed: uncaught exception, aborting the job (MPI Abort)\n")
    sys.stderr.flush()
    if g["size"] > 1:  # one rank: the interpreter exits non-zero after the hook by itself
        g["MPI"].COMM_WORLD.Abort(1)
