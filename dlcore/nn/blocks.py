"""Skip-connection blocks: Residual (y = x + scale * block(x)) and Highway (a gated skip).

Neither is in torch.nn; the state_dict names are fixed here: Residual's block is `block.*`,
Highway's transform is `transform.*` and its gate `gate.weight`, `gate.bias`. Both map a tensor to
a tensor of the same shape; a block that changes the shape is a ValueError naming the layer.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import functional as F
from .layers import Linear, ReLU, Sequential, check_input
from .module import Module


def _check_same_shape(layer: str, part: str, x, out):
    if tuple(out.shape) != tuple(x.shape):
        raise ValueError(
            f"{layer}: {part} maps an input of shape {tuple(x.shape)} to shape {tuple(out.shape)}; "
            f"it must keep the input's shape"
        )


class Residual(Module):
    """y = x + scale * block(x) (He et al. 2015, the identity shortcut).

    block: a Module whose output has its input's shape. scale: a finite real number multiplying
    the branch; 1/sqrt(depth) keeps a deep stack of unnormalised blocks trainable.
    """

    def __init__(self, block: Module, scale: float = 1.0):
        super().__init__()
        if not isinstance(block, Module):
            raise TypeError(f"Residual: block must be a Module, got {type(block).__name__}")
        if not isinstance(scale, numbers.Real) or isinstance(scale, bool) or not math.isfinite(scale):
            raise ValueError(f"Residual: scale must be a finite real number, got {scale!r}")
        self.block = block
        self.scale = float(scale)

    def forward(self, x):
        check_input(self, x)
        out = self.block(x)
        _check_same_shape("Residual", "block", x, out)
        if self.scale != 1.0 or out.dtype.kind != "f":  # an integer branch * 1.0 is float32, as torch
            out = out * self.scale
        return F.add(x, out)

    def extra_repr(self) -> str:
        return f"scale={self.scale}"


def _features_of(H: Module) -> int | None:
    """in_features of H (a Linear) or of the first Linear of a Sequential H; None if unknown."""
    if isinstance(H, Linear):
        return H.in_features
    if isinstance(H, Sequential):
        for m in H:
            if isinstance(m, Linear):
                return m.in_features
    return None


def _dtype_of(H: Module):
    for p in H.parameters():
        return p.dtype
    return np.float32


class Highway(Module):
    """y = H(x) * T(x) + x * (1 - T(x)), T(x) = sigmoid(gate(x)) (Srivastava et al. 2015).

    H: a Module mapping (..., features) to (..., features), or an int `features` for
    Sequential(Linear(features, features), ReLU()). gate: Linear(features, features) with its
    bias set to gate_bias (negative: the block starts close to the identity, T ~ sigmoid(-2) = 0.12).
    features: needed only when H is a Module whose width cannot be read from a first Linear.
    dtype: of the gate (and of H when H is an int); default H's parameters' dtype, else float32.
    """

    def __init__(self, H, gate_bias: float = -2.0, features: int | None = None, dtype=None):
        super().__init__()
        if (
            not isinstance(gate_bias, numbers.Real)
            or isinstance(gate_bias, bool)
            or not math.isfinite(gate_bias)
        ):
            raise ValueError(f"Highway: gate_bias must be a finite real number, got {gate_bias!r}")
        if isinstance(H, (int, np.integer)) and not isinstance(H, bool):
            if H < 0 or (features is not None and features != H):
                raise ValueError(
                    f"Highway: features must be a non-negative int, got H={H}, features={features}"
                )
            features = int(H)
            dtype = np.float32 if dtype is None else dtype
            H = Sequential(Linear(features, features, dtype=dtype), ReLU())
        elif isinstance(H, Module):
            inferred = _features_of(H)
            if features is None:
                features = inferred
            if features is None or (inferred is not None and inferred != features):
                raise ValueError(
                    f"Highway: the width of {type(H).__name__} is unknown or differs from features="
                    f"{features} (inferred {inferred}); pass features=<int>"
                )
            dtype = _dtype_of(H) if dtype is None else dtype
        else:
            raise TypeError(f"Highway: H must be a Module or an int (features), got {type(H).__name__}")
        self.features, self.gate_bias = int(features), float(gate_bias)
        self.transform = H
        self.gate = Linear(features, features, dtype=dtype)
        self.gate.bias.data[...] = gate_bias

    def forward(self, x):
        check_input(self, x)
        if x.ndim == 0 or x.shape[-1] != self.features:
            raise ValueError(
                f"Highway({self.features}): input of shape {tuple(x.shape)} must end in "
                f"{self.features} features"
            )
        h = self.transform(x)
        _check_same_shape(f"Highway({self.features})", "H", x, h)
        t = F.sigmoid(self.gate(x))
        return F.add(h * t, F.mul(x, 1.0 - t))

    def extra_repr(self) -> str:
        return f"features={self.features}, gate_bias={self.gate_bias}"
