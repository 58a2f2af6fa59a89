"""Training progress: a tqdm bar with loss and samples/s, quiet off a terminal or at verbose=0.

verbose=0: nothing; 1: a bar per epoch when stderr is a TTY, nothing otherwise;
2: one summary line per epoch on stderr (also for logs).
"""

from __future__ import annotations

import sys
import time
from typing import Any


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def format_logs(logs: dict) -> str:
    return " - ".join(f"{k}: {v:.4g}" if isinstance(v, float) else f"{k}: {v}" for k, v in logs.items())


class EpochProgress:
    """One epoch's progress over `total` batches; call update(n_samples, loss) per batch."""

    def __init__(self, epoch: int, epochs: int, total: int, verbose: int = 1, stream: Any = None):
        self.stream = stream if stream is not None else sys.stderr
        self.epoch, self.epochs, self.verbose = epoch, epochs, verbose
        self.samples, self.start = 0, time.perf_counter()
        self.bar = None
        if verbose == 1 and _is_tty(self.stream):
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=total,
                desc=f"epoch {epoch + 1}/{epochs}",
                unit="batch",
                file=self.stream,
                leave=False,
                dynamic_ncols=True,
            )

    @property
    def samples_per_s(self) -> float:
        return self.samples / max(time.perf_counter() - self.start, 1e-9)

    def update(self, n: int, loss: float) -> None:
        self.samples += n
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.4g}", samples_s=f"{self.samples_per_s:.0f}", refresh=False)

    def close(self, logs: dict) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.verbose >= 2 or (self.bar is not None):
            print(
                f"epoch {self.epoch + 1}/{self.epochs} - {format_logs(logs)} - "
                f"{self.samples_per_s:.0f} samples/s",
                file=self.stream,
                flush=True,
            )
