"""fit / evaluate / predict: the Keras-style training loop over dlcore Modules.

fit switches the model to train mode per epoch and restores the caller's mode at the end;
evaluate and predict run in eval mode under no_grad. No global state, no trainer classes.
Under an initialized dlcore.distributed group of more than one rank, fit and evaluate average
their logs over every rank's samples (one float64 all-reduce per pass), so all ranks log alike.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .callbacks import Callback, CallbackList, EarlyStopping
from .creation import from_numpy
from .distributed import get_rank, get_world_size, is_initialized
from .distributed.arrays import all_reduce_array
from .metrics import get_metric
from .progress import EpochProgress
from .tensor import no_grad


class History(dict):
    """Per-epoch logs: history["loss"], history["val_loss"], history["val_accuracy"], ...

    Attributes:
        epochs: the epoch indices (0-based) that ran.
        epoch_times: wall seconds of each epoch (training + validation).
        stopped_epoch: epoch after which a callback stopped training, else None.
    """

    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[int] = []
        self.epoch_times: list[float] = []
        self.stopped_epoch: int | None = None

    def append(self, epoch: int, logs: dict, seconds: float) -> None:
        self.epochs.append(epoch)
        self.epoch_times.append(seconds)
        for k, v in logs.items():
            self.setdefault(k, []).append(v)


def _split_batch(batch: Any) -> tuple[tuple, Any]:
    """(inputs, target) from a loader batch: (x, y) or (x1, ..., xk, y)."""
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        n = len(batch) if hasattr(batch, "__len__") else "?"
        raise ValueError(
            f"fit/evaluate need batches of (inputs..., target); got {type(batch).__name__} of length {n}"
        )
    return tuple(batch[:-1]), batch[-1]


def _to(t: Any, device: Any) -> Any:
    return t if device is None else t.to(device)


def _np(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)


def _rank_world() -> tuple[int, int]:
    """(rank, world size) of the initialized dlcore.distributed group; (0, 1) without one."""
    if not is_initialized():
        return 0, 1
    return get_rank(), get_world_size()


class _Meter:
    """Batch-size-weighted means of the loss (when `with_loss`) and the metrics over one pass.

    With `across_ranks` and a group of > 1 rank, result() sums [n, sums...] over the ranks in
    one float64 all-reduce (every rank must call it), so the means are over all ranks' samples.
    """

    def __init__(self, metrics: Sequence, with_loss: bool = True, across_ranks: bool = True) -> None:
        self.metrics = [get_metric(m) for m in metrics]
        keys = (["loss"] if with_loss else []) + [name for name, _ in self.metrics]
        self.sums: dict[str, float] = dict.fromkeys(keys, 0.0)
        self.n = 0
        self.across_ranks = across_ranks

    def add(self, n: int, loss: float | None, output: Any = None, target: Any = None) -> None:
        self.n += n
        if loss is not None:
            self.sums["loss"] += loss * n
        if self.metrics:
            out, tgt = _np(output), _np(target)
            for name, fn in self.metrics:
                self.sums[name] += float(fn(out, tgt)) * n

    def result(self, prefix: str = "") -> dict[str, float]:
        n, sums = self.n, self.sums
        if self.across_ranks and _rank_world()[1] > 1:
            buf = np.array([n, *sums.values()], dtype=np.float64)
            all_reduce_array(buf, op="sum", where="fit/evaluate: averaging the logs across ranks")
            n, sums = float(buf[0]), dict(zip(sums, buf[1:].tolist()))
        if n == 0:
            return {}
        return {prefix + k: v / n for k, v in sums.items()}


def _step(optimizer: Any, loss_value: float) -> None:
    if getattr(optimizer, "needs_loss", False):
        optimizer.step(loss=loss_value)
    else:
        optimizer.step()


def _scheduler_step(scheduler: Any, logs: dict) -> None:
    """Epoch-level scheduler step; schedulers whose step() takes a metric get val_loss/loss."""
    try:
        params = [
            p
            for p in inspect.signature(scheduler.step).parameters.values()
            if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    if params:
        scheduler.step(logs.get("val_loss", logs.get("loss")))
    else:
        scheduler.step()


def _batch_size(t: Any) -> int:
    return int(t.shape[0]) if len(t.shape) else 1


def train_epoch(
    model: Any,
    loss_fn: Any,
    optimizer: Any,
    loader: Iterable,
    metrics: Sequence = (),
    progress: EpochProgress | None = None,
    callbacks: CallbackList | None = None,
    device: Any = None,
    across_ranks: bool = True,
) -> dict[str, float]:
    """One pass over `loader` with a gradient step per batch; returns the epoch's mean logs.

    The means are over every rank's samples under a group of > 1 rank (all ranks must call it)
    unless `across_ranks` is False; the per-batch logs given to callbacks are this rank's.
    """
    meter = _Meter(metrics, across_ranks=across_ranks)
    for i, batch in enumerate(loader):
        inputs, target = _split_batch(batch)
        inputs, target = tuple(_to(x, device) for x in inputs), _to(target, device)
        optimizer.zero_grad()
        output = model(*inputs)
        loss = loss_fn(output, target)
        loss.backward()
        loss_value = float(loss.item())
        _step(optimizer, loss_value)
        n = _batch_size(target)
        meter.add(n, loss_value, output, target)
        if progress is not None:
            progress.update(n, loss_value)
        if callbacks is not None:
            callbacks.on_batch_end(i, {"loss": loss_value, "size": n})
    return meter.result()


def fit(
    model: Any,
    loss_fn: Any,
    optimizer: Any,
    train_loader: Iterable,
    epochs: int = 1,
    val_loader: Iterable | None = None,
    metrics: Sequence = (),
    callbacks: Sequence[Callback] = (),
    verbose: int = 1,
    scheduler: Any = None,
    device: Any = None,
    initial_epoch: int = 0,
    early_stopping: int | None = None,
) -> History:
    """Train `model` for `epochs` passes over `train_loader`.

    Args:
        model: a Module called as model(*inputs).
        loss_fn: loss_fn(output, target) -> scalar Tensor (mean over the batch).
        optimizer: zero_grad()/step(); when its class sets `needs_loss = True` (Eve) fit calls
            step(loss=<float>).
        train_loader / val_loader: iterables of (inputs..., target) batches (e.g. DataLoader).
        metrics: names ("accuracy", "mse", "mae") or fn(output_np, target_np) -> batch mean;
            logged for training and, with a val_loader, as "val_<name>".
        callbacks: Callback objects (EarlyStopping, ModelCheckpoint, CSVLogger, JSONLogger ...);
            any of them may set `stop_training = True` to end fit after the current epoch.
        verbose: 0 silent; 1 tqdm bar with loss and samples/s when stderr is a TTY; 2 one line
            per epoch.
        scheduler: an LR scheduler stepped once per epoch (step(metric) when it takes one).
        device: when set, batches are moved with `.to(device)`.
        initial_epoch: index of the first epoch (for resumed runs).
        early_stopping: shorthand for EarlyStopping(patience=early_stopping) on "val_loss"
            (on "loss" without a val_loader), added after `callbacks`.
    Returns:
        History with "loss", metric names, and "val_loss"/"val_<metric>" lists, one per epoch.

    Data-parallel training (dlcore.distributed initialized, world size > 1; e.g. the model
    wrapped in nn.parallel.DistributedDataParallel and the loader given a DistributedSampler):
    every rank calls fit with its own loaders. Each epoch's loss and metrics (train and val) are
    averaged over all ranks' samples, weighted by each rank's sample count, so every rank gets
    the same logs and History, and EarlyStopping and schedulers decide alike on every rank. The
    progress bar and verbose lines appear on rank 0 only, and callbacks with
    `rank_zero_only = True` (ModelCheckpoint, CSVLogger, JSONLogger) run on rank 0 only.
    On every rank, when `train_loader.sampler` has `set_epoch`, fit calls set_epoch(epoch) at
    the start of each epoch (torch users call it by hand; fit does it for them), so a shuffling
    DistributedSampler draws a new order per epoch.
    """
    if int(epochs) != epochs or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs}")
    history = History()
    if early_stopping is not None:
        monitor = "val_loss" if val_loader is not None else "loss"
        callbacks = [*callbacks, EarlyStopping(monitor, patience=early_stopping)]
    rank, _ = _rank_world()
    if rank != 0:
        verbose = 0
    set_epoch = getattr(getattr(train_loader, "sampler", None), "set_epoch", None)
    cbs = CallbackList(
        callbacks,
        is_rank_zero=rank == 0,
        model=model,
        optimizer=optimizer,
        scheduler=scheduler,
        history=history,
    )
    was_training = getattr(model, "training", True)
    cbs.on_train_begin({})
    try:
        for epoch in range(initial_epoch, initial_epoch + int(epochs)):
            t0 = time.perf_counter()
            if callable(set_epoch):
                set_epoch(epoch)
            cbs.on_epoch_begin(epoch, {})
            model.train()
            total = len(train_loader) if hasattr(train_loader, "__len__") else None
            progress = EpochProgress(epoch, initial_epoch + int(epochs), total, verbose)
            logs = train_epoch(model, loss_fn, optimizer, train_loader, metrics, progress, cbs, device)
            if val_loader is not None:
                logs.update(evaluate(model, val_loader, loss_fn, metrics, device=device, prefix="val_"))
            if scheduler is not None:
                _scheduler_step(scheduler, logs)
            progress.close(logs)
            history.append(epoch, logs, time.perf_counter() - t0)
            cbs.on_epoch_end(epoch, logs)
            if cbs.stop_training:
                history.stopped_epoch = epoch
                break
    finally:
        model.train(was_training)
    cbs.on_train_end({})
    return history


def evaluate(
    model: Any,
    loader: Iterable,
    loss_fn: Any = None,
    metrics: Sequence = (),
    device: Any = None,
    prefix: str = "",
    across_ranks: bool = True,
) -> dict[str, float]:
    """Mean loss and metrics of `model` over `loader`, in eval mode and under no_grad.

    The model's previous train/eval mode is restored afterwards. Returns {"loss": ..., name: ...}
    (keys prefixed with `prefix`); "loss" only when loss_fn is given; {} for an empty loader.
    Under an initialized dlcore.distributed group of > 1 rank the means are over every rank's
    samples (weighted by their counts; every rank must call evaluate), unless `across_ranks` is
    False (this rank's loader alone).
    """
    was_training = getattr(model, "training", True)
    meter = _Meter(metrics, with_loss=loss_fn is not None, across_ranks=across_ranks)
    model.eval()
    try:
        with no_grad():
            for batch in loader:
                inputs, target = _split_batch(batch)
                inputs, target = tuple(_to(x, device) for x in inputs), _to(target, device)
                output = model(*inputs)
                loss = float(loss_fn(output, target).item()) if loss_fn is not None else None
                meter.add(_batch_size(target), loss, output, target)
    finally:
        model.train(was_training)
    return meter.result(prefix)


def predict(model: Any, x: Any, batch_size: int = 256, device: Any = None) -> np.ndarray:
    """model(x) as a numpy array, in eval mode, under no_grad, `batch_size` rows at a time.

    x is a numpy array or Tensor (N, ...); the model's previous mode is restored afterwards.
    """
    a = _np(x) if not isinstance(x, np.ndarray) else x
    was_training = getattr(model, "training", True)
    model.eval()
    outs = []
    try:
        with no_grad():
            for s in range(0, len(a), batch_size):
                xb = _to(from_numpy(np.ascontiguousarray(a[s : s + batch_size])), device)
                outs.append(_np(model(xb)))
    finally:
        model.train(was_training)
    return np.concatenate(outs) if outs else np.empty((0,))
