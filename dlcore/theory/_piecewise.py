"""A ReLU network read as a float64 piecewise-linear program: a list of affine and ReLU steps.

Supported modules: nn.Sequential (nested too) of nn.Linear, nn.ReLU, nn.LeakyReLU, nn.Identity,
and nn.Dropout in eval mode (the identity). Anything else is a ValueError naming the module: its
forward may not be piecewise linear, or it is not a composition the walk can follow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import nn


@dataclass(frozen=True)
class Affine:
    """z = x @ weight.T + bias; weight (out, in) float64, bias (out,) float64."""

    weight: np.ndarray
    bias: np.ndarray


@dataclass(frozen=True)
class Kink:
    """max(z, 0) + negative_slope * min(z, 0): ReLU for slope 0, LeakyReLU otherwise."""

    negative_slope: float = 0.0


def _leaves(module, path: str):
    """(dotted name, module) of every non-Sequential module, in forward order."""
    if isinstance(module, nn.Sequential):
        for name, child in module.named_children():
            yield from _leaves(child, f"{path}.{name}" if path else name)
        return
    yield path or type(module).__name__, module


def piecewise_program(fn: str, model) -> tuple[list, int]:
    """(steps, in_features): model's forward as Affine/Kink steps; ValueError when unsupported.

    fn names the calling function in the error messages.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"{fn}: model must be a dlcore.nn.Module, got {type(model).__name__}")
    steps: list = []
    for where, m in _leaves(model, ""):
        if isinstance(m, nn.Linear):
            w = np.asarray(m.weight.detach().cpu().numpy(), dtype=np.float64)
            b = np.zeros(w.shape[0]) if m.bias is None else m.bias.detach().cpu().numpy()
            if _width(steps) not in (None, w.shape[1]):
                raise ValueError(f"{fn}: {where} expects {w.shape[1]} inputs, gets {_width(steps)}")
            steps.append(Affine(w, np.asarray(b, dtype=np.float64)))
        elif isinstance(m, nn.ReLU):
            steps.append(Kink(0.0))
        elif isinstance(m, nn.LeakyReLU):
            steps.append(Kink(float(m.negative_slope)))
        elif isinstance(m, nn.Identity) or (isinstance(m, nn.Dropout) and not m.training):
            continue
        else:
            raise ValueError(
                f"{fn}: {where} ({type(m).__name__}) is not supported; the model must be an "
                "nn.Sequential of Linear, ReLU, LeakyReLU, Identity (and Dropout in eval mode)"
            )
    first = next((s for s in steps if isinstance(s, Affine)), None)
    if first is None:
        raise ValueError(f"{fn}: the model has no Linear layer, so its input size is unknown")
    if not isinstance(steps[0], Affine):
        raise ValueError(f"{fn}: the model must start with a Linear layer, it starts with an activation")
    return steps, first.weight.shape[1]


def _width(steps: list) -> int | None:
    """Width of the output of steps so far (None before the first Affine)."""
    for s in reversed(steps):
        if isinstance(s, Affine):
            return s.weight.shape[0]
    return None


def kink_units(steps: list) -> int:
    """Number of units passing through a Kink: the length of an activation pattern."""
    total, width = 0, None
    for s in steps:
        if isinstance(s, Affine):
            width = s.weight.shape[0]
        else:
            total += width
    return total


def activation_patterns(steps: list, x: np.ndarray) -> np.ndarray:
    """(..., kink_units) bool: which units are on (pre-activation > 0) at each point x (..., in)."""
    h, bits = np.asarray(x, dtype=np.float64), []
    for s in steps:
        if isinstance(s, Affine):
            h = h @ s.weight.T + s.bias
        else:
            on = h > 0
            bits.append(on)
            h = np.where(on, h, s.negative_slope * h)
    return np.concatenate(bits, axis=-1) if bits else np.zeros(h.shape[:-1] + (0,), dtype=bool)
