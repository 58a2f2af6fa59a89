"""Shared pieces of the depth entries (F23 batchnorm, F24 resnet, F25 highway): the standardised
digits, deep MLP stacks (plain, residual, highway) and a training loop counted in SGD steps
rather than epochs (the criteria are "within N steps"). Not an entry module (the leading
underscore keeps the registry away)."""

from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

LN10 = math.log(10.0)  # cross-entropy of the uniform guess over 10 classes


def deep_stack(kind: str, depth: int, width: int = 32, n_in: int = 64, n_out: int = 10, seed: int = 0):
    """Linear(n_in, width) -> ReLU -> `depth` hidden layers of `width` -> Linear(width, n_out).

    kind "plain": each hidden layer is Linear -> ReLU; "residual": Residual(Linear -> ReLU,
    scale=1/sqrt(depth)); "highway": Highway(width, gate_bias=-2) (H = Linear -> ReLU).
    Weights are PyTorch's default init after dlcore.manual_seed(seed).
    """
    from .. import manual_seed, nn

    manual_seed(seed)

    def hidden():
        if kind == "plain":
            return [nn.Linear(width, width), nn.ReLU()]
        if kind == "residual":
            return [nn.Residual(nn.Sequential(nn.Linear(width, width), nn.ReLU()), 1.0 / math.sqrt(depth))]
        if kind == "highway":
            return [nn.Highway(width, gate_bias=-2.0)]
        raise ValueError(f"deep_stack: kind must be plain, residual or highway, got {kind!r}")

    layers = [nn.Linear(n_in, width), nn.ReLU()]
    for _ in range(depth):
        layers += hidden()
    return nn.Sequential(*layers, nn.Linear(width, n_out))


def evaluate(model, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of model on (x, y) in eval mode (the mode is restored)."""
    from .. import from_numpy, nn, no_grad

    was_training = model.training
    model.eval()
    with no_grad():
        out = model(from_numpy(x))
        loss = nn.CrossEntropyLoss()(out, from_numpy(y)).item()
    model.train(was_training)
    return float(loss), float(np.mean(out.numpy().argmax(1) == y))


def train_steps(
    model,
    optimizer,
    x: np.ndarray,
    y: np.ndarray,
    steps: int,
    batch: int = 64,
    seed: int = 0,
    every: int = 0,
    probe: Callable | None = None,
    stop: Callable | None = None,
) -> dict:
    """`steps` SGD steps on mini-batches of (x, y): a DataLoader reshuffled (seeded) each pass,
    the last partial batch dropped. Every `every` steps (and after the last) probe(model, step) is
    called and its result kept; training ends early when stop(result) is true.

    Returns {"loss": per-step batch losses, "probes": [(step, result)], "steps": steps run,
    "seconds": wall time of the loop}.
    """
    from .. import nn
    from ..data import DataLoader, TensorDataset
    from ._progress import track

    loader = DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True, drop_last=True, seed=seed)
    loss_fn = nn.CrossEntropyLoss()
    losses, probes, step = [], [], 0
    model.train()
    start = time.perf_counter()
    ticks = track(range(steps), "steps")  # advanced by hand: the loop can stop early
    try:
        while step < steps:
            for xb, yb in loader:
                next(ticks, None)
                loss = loss_fn(model(xb), yb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
                step += 1
                if probe is not None and (step == steps or (every and step % every == 0)):
                    probes.append((step, probe(model, step)))
                    if stop is not None and stop(probes[-1][1]):
                        return {
                            "loss": losses,
                            "probes": probes,
                            "steps": step,
                            "seconds": time.perf_counter() - start,
                        }
                if step == steps:
                    break
    finally:
        ticks.close()
    return {"loss": losses, "probes": probes, "steps": step, "seconds": time.perf_counter() - start}
