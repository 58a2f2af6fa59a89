"""Work (a started collective) and the deadline-bounded wait every collective goes through.

MPI has no timeouts of its own: a collective that one rank never joins blocks the others for
ever. So every collective is started non-blocking and waited on by polling MPI_Test against a
deadline (the group's timeout); past it, DistributedTimeoutError. The poll spins briefly (small
messages finish in microseconds), then yields the core between tests (a free core keeps
polling; ranks oversubscribed on few cores let each other run), and after a second of waiting
for a slow peer naps 1 ms between tests.
"""

from __future__ import annotations

import os
import time

from . import _group

_SPIN_S = 50e-6  # pure MPI_Test spinning before yielding the core
_YIELD_S = 1.0  # then sched_yield between tests until this, then 1 ms naps


class DistributedTimeoutError(RuntimeError):
    """A collective did not complete within the process group's timeout."""


def wait_request(request, op: str, timeout: float | None = None) -> None:
    """Poll request (an mpi4py Request) until it completes; DistributedTimeoutError after
    `timeout` seconds (default: the group's)."""
    if request.Test():
        return
    limit = _group.timeout_seconds() if timeout is None else float(timeout)
    start = time.monotonic()
    while not request.Test():
        waited = time.monotonic() - start
        if waited > limit:
            rank = _group.get_rank()
            raise DistributedTimeoutError(
                f"{op}: rank {rank} waited {waited:.1f} s (timeout {limit:g} s) for the other ranks; "
                f"a rank may have failed, hung, or not called the same collective"
            )
        if waited > _YIELD_S:
            time.sleep(1e-3)
        elif waited > _SPIN_S:
            os.sched_yield()


class Work:
    """A collective in flight (torch.distributed's Work): wait() blocks until it is done and then
    runs its finishing step (AVG's division, the copy back to a CUDA or non-contiguous tensor)."""

    def __init__(self, request, op: str, finish=None, buffers=()):
        self._request, self._op, self._finish, self._done = request, op, finish, False
        self._buffers = buffers  # the arrays MPI reads/writes: alive until the request is done

    def is_completed(self) -> bool:
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self, timeout=None) -> bool:
        """Block until done (DistributedTimeoutError past the timeout: seconds or a timedelta)."""
        if not self._done:
            if hasattr(timeout, "total_seconds"):
                timeout = timeout.total_seconds()
            wait_request(self._request, self._op, timeout)
            self._complete()
        return True

    def _complete(self) -> None:
        self._done, self._buffers = True, ()
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()
