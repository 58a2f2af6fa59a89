"""Training checkpoints: model, optimizer, schedule, RNG state, epoch and user extras in one
dlcore.save file (safetensors + JSON metadata, written atomically).

load_checkpoint restores all of them or none: it snapshots the current states, loads, and on
any error (mismatched model, optimizer or schedule) puts the snapshots back and re-raises.

A DistributedDataParallel model is saved and loaded as its `.module`, so a checkpoint written
under DDP loads into the bare model in one process and vice versa (for a DDP state_dict saved
by hand, nn.utils.consume_prefix_in_state_dict_if_present strips its "module." prefix).
"""

from __future__ import annotations

import os

from . import random as _random
from .nn.parallel import DistributedDataParallel
from .serialization import load, save

KIND = "dlcore-checkpoint"


def save_checkpoint(path, model=None, optimizer=None, scheduler=None, epoch=None, extra=None) -> None:
    """Write a checkpoint to path atomically (a crash mid-save keeps the previous file). Under DDP
    call it on rank 0 only (every rank holds the same state)."""
    model = _unwrap(model)
    ckpt = {
        "kind": KIND,
        "epoch": epoch,
        "rng": _random.get_rng_state(),
        "extra": extra,
        "model": None if model is None else dict(model.state_dict()),
        "model_class": None if model is None else type(model).__name__,
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "optimizer_class": None if optimizer is None else type(optimizer).__name__,
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "scheduler_class": None if scheduler is None else type(scheduler).__name__,
    }
    save(ckpt, path)


def _unwrap(model):
    return model.module if isinstance(model, DistributedDataParallel) else model


def _check_class(ckpt, key, obj):
    saved = ckpt.get(key + "_class")
    if obj is not None and ckpt.get(key) is None:
        raise ValueError(f"load_checkpoint: the checkpoint has no {key} state")
    if obj is not None and saved is not None and saved != type(obj).__name__:
        raise ValueError(f"load_checkpoint: the checkpoint's {key} is a {saved}, not a {type(obj).__name__}")


def load_checkpoint(path, model=None, optimizer=None, scheduler=None, restore_rng: bool = True) -> dict:
    """Restore the given objects (and the RNG) from path; returns the checkpoint dict (epoch,
    extra, ...). On a mismatch, a damaged or a foreign file raises ValueError and leaves every
    object (and the RNG) as it was."""
    model = _unwrap(model)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_checkpoint: no checkpoint at {path}")
    ckpt = load(path)
    if not isinstance(ckpt, dict) or ckpt.get("kind") != KIND:
        raise ValueError(f"load_checkpoint: {path} is not a dlcore checkpoint")
    for key, obj in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
        _check_class(ckpt, key, obj)
    snap_model = None if model is None else {k: v.data.copy() for k, v in model.state_dict().items()}
    snap_opt = None if optimizer is None else optimizer.state_dict()
    snap_sched = None if scheduler is None else scheduler.state_dict()
    snap_rng = _random.get_rng_state()
    part = "model"
    try:
        if model is not None:
            model.load_state_dict(ckpt["model"])
        part = "optimizer"
        if optimizer is not None:
            optimizer.load_state_dict(ckpt["optimizer"])
        part = "scheduler"
        if scheduler is not None:
            scheduler.load_state_dict(ckpt["scheduler"])
        part = "rng"
        if restore_rng and ckpt.get("rng") is not None:
            _random.set_rng_state(ckpt["rng"])
    except BaseException as e:
        if model is not None:
            model.load_state_dict(snap_model)
        if optimizer is not None:
            optimizer.load_state_dict(snap_opt)
        if scheduler is not None:
            scheduler.load_state_dict(snap_sched)
        _random.set_rng_state(snap_rng)
        if isinstance(e, (KeyError, IndexError, AttributeError)):  # a malformed state in the file
            raise ValueError(f"load_checkpoint: {path} has a malformed {part} state ({e!r})") from e
        raise
    return ckpt


__all__ = ["save_checkpoint", "load_checkpoint"]
