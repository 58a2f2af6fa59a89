"""Atomic file writes with clean-up of the temporary files that interrupted writes leave.

A write goes to `.<target>.tmp-<host>-<pid>-<random>` in the target's directory (<host>: 8 hex
digits of crc32(hostname)), is flushed and fsync'ed, renamed over the target with os.replace,
and the directory is fsync'ed. A process killed mid-write (SIGKILL, power loss) leaves its
temporary file; the next write to the same target removes such files when it is safe:
  - this host, another pid that is no longer running;
  - this host, this pid, not a write in progress in this process (threads may save concurrently);
  - any host, not modified for STALE_SECONDS (covers pid reuse and other hosts on a shared disk).
A temporary file of a live writer (another process or thread saving the same target) is kept.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import tempfile
import threading
import time
import zlib

STALE_SECONDS = 24 * 3600
_HOST = f"{zlib.crc32(socket.gethostname().encode()):08x}"
_NAME = re.compile(r"(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[a-z0-9_]+")
_in_progress: set[str] = set()  # absolute paths of this process's temporary files being written
_lock = threading.Lock()


def temp_prefix(path: str) -> str:
    """The name prefix of every temporary file written for target path (no directory)."""
    return "." + os.path.basename(path) + ".tmp-"


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process there: assume alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's live process
        return True
    return True


def _is_stale(full: str, host: str, pid: int) -> bool:
    with contextlib.suppress(OSError):
        if time.time() - os.stat(full).st_mtime > STALE_SECONDS:
            return True
    if host != _HOST:
        return False
    if pid == os.getpid():
        with _lock:
            return full not in _in_progress
    return not _pid_alive(pid)


def remove_stale_temps(path) -> list[str]:
    """Remove the temporary files of earlier interrupted writes to path; returns their names."""
    path = os.path.abspath(os.fspath(path))
    directory, prefix = os.path.dirname(path), temp_prefix(path)
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        m = _NAME.fullmatch(name[len(prefix) :]) if name.startswith(prefix) else None
        full = os.path.join(directory, name)
        if m and _is_stale(full, m["host"], int(m["pid"])):
            with contextlib.suppress(OSError):  # another saver may have removed it first
                os.unlink(full)
                removed.append(name)
    return removed


def _write_bytes(f, data: bytes) -> None:
    f.write(data)


def atomic_write(path, data: bytes) -> None:
    """Write data to path atomically (temporary file, fsync, rename, fsync of the directory),
    after removing stale temporary files of earlier interrupted writes to path."""
    path = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(path)
    remove_stale_temps(path)
    with _lock:
        fd, tmp = tempfile.mkstemp(prefix=f"{temp_prefix(path)}{_HOST}-{os.getpid()}-", dir=directory)
        _in_progress.add(tmp)
    try:
        with os.fdopen(fd, "wb") as f:
            _write_bytes(f, data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        with _lock:
            _in_progress.discard(tmp)
    _fsync_dir(directory)


def _fsync_dir(directory: str) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


__all__ = ["atomic_write", "remove_stale_temps", "temp_prefix", "STALE_SECONDS"]
