"""Callbacks for fit: Callback base, EarlyStopping, ModelCheckpoint, CSVLogger, JSONLogger.

Keras hook names (on_train_begin/end, on_epoch_begin/end, on_batch_end); fit gives every
callback `model`, `optimizer`, `scheduler`, `history`. Setting `self.stop_training = True`
ends fit after the current epoch. Callbacks marked `rank_zero_only = True` (the ones that write
files) run only on rank 0 of a data-parallel job; the others run on every rank.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Sequence
from typing import Any

from .checkpoint import save_checkpoint


class Callback:
    """Base class: override any hook; `logs` maps metric names to floats.

    `rank_zero_only = True` on a subclass: under data-parallel fit only rank 0 runs it (for
    callbacks with side effects such as files); such a callback must not set stop_training,
    which the other ranks would not see.
    """

    rank_zero_only: bool = False
    model: Any = None
    optimizer: Any = None
    scheduler: Any = None
    history: Any = None
    stop_training: bool = False

    def on_train_begin(self, logs: dict) -> None: ...

    def on_train_end(self, logs: dict) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict) -> None: ...

    def on_batch_end(self, batch: int, logs: dict) -> None: ...


class CallbackList:
    """Fans every hook out to the callbacks in order; `stop_training` if any asked to stop.

    With `is_rank_zero=False` (a data-parallel rank other than 0) the callbacks whose class sets
    `rank_zero_only = True` are left out: they get neither the context nor any hook.
    """

    def __init__(self, callbacks: Sequence[Callback], *, is_rank_zero: bool = True, **context: Any) -> None:
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances, got {type(cb).__name__}")
        self.callbacks = [cb for cb in callbacks if is_rank_zero or not cb.rank_zero_only]
        for cb in self.callbacks:
            cb.stop_training = False
            for k, v in context.items():
                setattr(cb, k, v)

    @property
    def stop_training(self) -> bool:
        return any(cb.stop_training for cb in self.callbacks)

    def __getattr__(self, hook: str):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call(*args: Any) -> None:
            for cb in self.callbacks:
                getattr(cb, hook)(*args)

        return call


class _Monitor:
    """Tracks the best value of one logged quantity; mode min/max ("auto": max for acc*)."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "max" if "acc" in monitor.split("val_")[-1] else "min"
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(float(min_delta))
        self.best = math.inf if mode == "min" else -math.inf

    def value(self, logs: dict) -> float:
        if self.monitor not in logs:
            raise KeyError(
                f"monitored quantity {self.monitor!r} is not logged; logged: "
                f"{sorted(logs)} (val_* needs a val_loader)"
            )
        return float(logs[self.monitor])

    def improved(self, v: float) -> bool:
        if self.mode == "min":
            return v < self.best - self.min_delta
        return v > self.best + self.min_delta


def _snapshot(model: Any) -> dict:
    """Copies of the model's parameters and buffers (on their device), by state_dict key."""
    return {k: t.data.copy() for k, t in model.state_dict().items()}


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    If the best value is reached at epoch k, fit stops after epoch k + patience (at most
    patience + 1 epochs after the plateau starts). `stopped_epoch`/`best_epoch` record it.

    Args:
        monitor: a logged key, e.g. "val_loss", "loss", "val_accuracy".
        patience: epochs without improvement before stopping (>= 0).
        min_delta: smallest change counted as an improvement.
        mode: "min", "max" or "auto" (max for accuracy keys).
        restore_best_weights: copy the parameters back from the best epoch when stopping
            (and at the end of training).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 0,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        if int(patience) != patience or patience < 0:
            raise ValueError(f"patience must be a non-negative integer, got {patience}")
        self.patience, self.restore_best_weights = int(patience), restore_best_weights
        self._args = (monitor, mode, min_delta)
        self.monitor = monitor

    def on_train_begin(self, logs: dict) -> None:
        self._m = _Monitor(*self._args)
        self.wait, self.best_epoch, self.stopped_epoch, self._best_weights = 0, None, None, None

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        v = self._m.value(logs)
        if self._m.improved(v):
            self._m.best, self.best_epoch, self.wait = v, epoch, 0
            if self.restore_best_weights:
                self._best_weights = _snapshot(self.model)
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch, self.stop_training = epoch, True

    def on_train_end(self, logs: dict) -> None:
        if self.restore_best_weights and self._best_weights is not None:
            self.model.load_state_dict(self._best_weights)

    @property
    def best(self) -> float:
        return self._m.best


class ModelCheckpoint(Callback):
    """Save model (+ optimizer, scheduler) with dlcore.checkpoint.save_checkpoint each epoch
    (rank 0 only in a data-parallel fit).

    Args:
        path: file path; may contain "{epoch}" (1-based) and any logged key, e.g.
            "ckpt-{epoch:03d}-{val_loss:.3f}.safetensors".
        monitor / mode / min_delta: the quantity deciding "best" (see EarlyStopping).
        save_best_only: save only when `monitor` improved.
    """

    rank_zero_only = True

    def __init__(
        self,
        path: str | os.PathLike,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
        min_delta: float = 0.0,
    ) -> None:
        self.path, self.save_best_only = str(path), save_best_only
        self._args = (monitor, mode, min_delta)
        self.saved: list[str] = []

    def on_train_begin(self, logs: dict) -> None:
        self._m = _Monitor(*self._args)

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        if self.save_best_only:
            v = self._m.value(logs)
            if not self._m.improved(v):
                return
            self._m.best = v
        path = self.path.format(epoch=epoch + 1, **logs)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        save_checkpoint(
            path,
            model=self.model,
            optimizer=self.optimizer,
            scheduler=self.scheduler,
            epoch=epoch,
            extra={"logs": {k: float(v) for k, v in logs.items()}},
        )
        self.saved.append(path)


class CSVLogger(Callback):
    """Append one row per epoch (epoch, then the logged keys in first-seen order) to a CSV file
    (rank 0 only in a data-parallel fit).

    Args:
        path: the CSV file; overwritten at train begin unless `append`.
    """

    rank_zero_only = True

    def __init__(self, path: str | os.PathLike, append: bool = False) -> None:
        self.path, self.append = str(path), append
        self._keys: list[str] | None = None

    def on_train_begin(self, logs: dict) -> None:
        self._keys = None
        if self.append and os.path.exists(self.path) and os.path.getsize(self.path) > 0:
            with open(self.path, newline="") as f:
                self._keys = next(csv.reader(f))[1:]
        elif not self.append:
            open(self.path, "w").close()

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        new = self._keys is None
        if new:
            self._keys = list(logs)
        with open(self.path, "a", newline="") as f:
            w = csv.writer(f)
            if new:
                w.writerow(["epoch"] + self._keys)
            w.writerow([epoch] + [logs.get(k, "") for k in self._keys])


class JSONLogger(Callback):
    """Write one JSON object per epoch ({"epoch": e, **logs}) as JSON Lines, flushed per epoch
    (rank 0 only in a data-parallel fit).

    Args:
        path: the .jsonl file; overwritten at train begin unless `append`.
    """

    rank_zero_only = True

    def __init__(self, path: str | os.PathLike, append: bool = False) -> None:
        self.path, self.append = str(path), append

    def on_train_begin(self, logs: dict) -> None:
        if not self.append:
            open(self.path, "w").close()

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        with open(self.path, "a") as f:
            f.write(json.dumps({"epoch": epoch, **{k: float(v) for k, v in logs.items()}}) + "\n")
