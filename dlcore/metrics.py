"""Metrics for fit/evaluate: functions (output, target) -> batch mean, over numpy arrays.

fit/evaluate average a metric over batches weighted by batch size, which is exact for these
per-sample means. Names accepted by `get_metric`: accuracy, mse, mae.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

MetricFn = Callable[[np.ndarray, np.ndarray], float]


def accuracy(output: np.ndarray, target: np.ndarray) -> float:
    """Share of correct predictions.

    output (N, C>1) scores with target (N,) class ids or (N, C) one-hot/probabilities: argmax;
    output (N,) or (N, 1) logits with target 0/1: positive when the logit is > 0.
    """
    output, target = np.asarray(output), np.asarray(target)
    if output.ndim >= 2 and output.shape[-1] > 1:
        pred = output.argmax(axis=-1)
        if target.shape == output.shape:
            target = target.argmax(axis=-1)
    else:
        pred = (output.reshape(len(output), -1)[:, 0] > 0).astype(np.int64)
        target = target.reshape(len(target), -1)[:, 0]
    if pred.shape != target.shape:
        raise ValueError(f"[accuracy] output shape {output.shape} does not match target shape {target.shape}")
    return float(np.mean(pred == target))


def mse(output: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error over all elements (shapes must match)."""
    d = np.asarray(output, dtype=np.float64) - np.asarray(target, dtype=np.float64).reshape(np.shape(output))
    return float(np.mean(d * d))


def mae(output: np.ndarray, target: np.ndarray) -> float:
    """Mean absolute error over all elements (shapes must match)."""
    d = np.asarray(output, dtype=np.float64) - np.asarray(target, dtype=np.float64).reshape(np.shape(output))
    return float(np.mean(np.abs(d)))


METRICS: dict[str, MetricFn] = {"accuracy": accuracy, "acc": accuracy, "mse": mse, "mae": mae}


def get_metric(metric: str | MetricFn) -> tuple[str, MetricFn]:
    """(name, fn) for a metric name or a callable (named after its __name__)."""
    if isinstance(metric, str):
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; known: {sorted(METRICS)}")
        return ("accuracy" if metric == "acc" else metric), METRICS[metric]
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    raise TypeError(f"a metric is a name or a callable, got {type(metric).__name__}")
