"""ReLU networks built by hand, no training: the tent-map net and the piecewise-linear interpolant.

Both are float64 nn.Sequential models, so count_linear_regions and ordinary forward calls apply.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..graph import no_grad
from ..tensor import Tensor


def _linear(weight, bias) -> nn.Linear:
    weight = np.asarray(weight, dtype=np.float64)
    layer = nn.Linear(weight.shape[1], weight.shape[0], dtype=np.float64)
    layer.weight.data[...] = weight
    layer.bias.data[...] = np.asarray(bias, dtype=np.float64)
    return layer


def tent_map_net(depth: int) -> nn.Sequential:
    """The Montufar et al. (2014) net: depth hidden layers of 2 ReLU units computing the tent map.

    Layer l gets y (the previous tent output) and computes h1 = relu(y), h2 = relu(y - 1/2); the
    next layer reads tent(y) = 2 h1 - 4 h2 (folded into its weights). The output (1 unit) is the
    depth-fold composition of the tent map, which on [0, 1] has exactly 2**depth linear pieces.
    Input (N, 1) float64, output (N, 1).
    """
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"tent_map_net: depth must be an int >= 1, got {depth!r}")
    fold, bias = np.array([[2.0, -4.0]]), np.array([0.0, -0.5])
    layers = [_linear([[1.0], [1.0]], bias), nn.ReLU()]
    for _ in range(int(depth) - 1):
        layers += [_linear(np.repeat(fold, 2, axis=0), bias), nn.ReLU()]
    layers.append(_linear(fold, [0.0]))
    return nn.Sequential(*layers)


def relu_interpolant(f, knots) -> nn.Sequential:
    """One-hidden-layer ReLU net (Linear(1, n), ReLU, Linear(n, 1)), float64, built by hand.

    f: a callable taking a float64 numpy array of points, or an array of the values at knots.
    knots: n >= 2 distinct finite points (any order; they are sorted). The net is the
    piecewise-linear interpolant of f between the sorted knots x_0 < ... < x_{n-1}, extended
    linearly beyond them: g(x) = y_0 + s_0 [relu(x - x_0) - relu(x_0 - x)]
    + sum_{i=1}^{n-2} (s_i - s_{i-1}) relu(x - x_i), s_i the slope on [x_i, x_{i+1}].
    It equals f at every knot up to float64 rounding. Input (N, 1), output (N, 1).
    """
    fn = "relu_interpolant"
    try:
        x = np.asarray(knots, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{fn}: knots must be a 1-D array of numbers, got {type(knots).__name__}") from None
    if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)):
        raise ValueError(f"{fn}: knots must be a 1-D array of >= 2 finite numbers, got shape {x.shape}")
    order = np.argsort(x, kind="stable")
    x = x[order]
    if np.any(np.diff(x) == 0):
        raise ValueError(f"{fn}: knots must be distinct, {x[:-1][np.diff(x) == 0][0]} repeats")
    if callable(f):
        y = np.asarray(f(x.copy()), dtype=np.float64)
        if y.shape != x.shape:
            raise ValueError(f"{fn}: f(knots) must have shape {x.shape}, got {y.shape}")
    else:
        y = np.asarray(f, dtype=np.float64)
        if y.shape != x.shape:
            raise ValueError(f"{fn}: {y.shape} values given for {x.size} knots; give f or one value per knot")
        y = y[order]
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{fn}: f must be finite at the knots")
    slopes = np.diff(y) / np.diff(x)
    hidden_w = np.concatenate([[1.0, -1.0], np.ones(x.size - 2)])[:, None]
    hidden_b = np.concatenate([[-x[0], x[0]], -x[1:-1]])
    out_w = np.concatenate([[slopes[0], -slopes[0]], np.diff(slopes)])[None, :]
    return nn.Sequential(_linear(hidden_w, hidden_b), nn.ReLU(), _linear(out_w, [y[0]]))


def evaluate(model: nn.Module, x) -> np.ndarray:
    """model applied to the float64 points x (N,) or (N, 1): the (N,) outputs as numpy."""
    x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    with no_grad():
        return model(Tensor(x)).numpy().reshape(-1)
