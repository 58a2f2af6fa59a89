"""LSTMOptimizer: the coordinatewise LSTM of Andrychowicz et al. 2016 ("Learning to learn by
gradient descent by gradient descent", arXiv 1606.04474) that maps a gradient to an update.

One small LSTM (num_layers x hidden_size, default 2 x 20) is shared by every coordinate: the n
coordinates of the optimizee are n batch rows, each with its own hidden state. Per step:

    x   = preprocess(g)                     (n, 2) from the gradient g (n,), detached
    h_l, c_l = LSTMCell_l(x_l, (h_l, c_l))  the fused LSTM kernel (functional_rnn.rnn_direction, T=1)
    u   = output_scale * (h_top @ w_out^T + b_out)   (n,) the update: theta <- theta + u

Preprocessing "log_sign" (the paper's appendix A, p = 10): (log|g| / p, sign g) where |g| >=
e^-p, else (-1, e^p g); "scale" feeds (scale * g, 0). The weights are dlcore Tensors that
require grad (torch.nn.LSTMCell's names and layouts, init U(-1/sqrt(H), 1/sqrt(H)); output layer
init the same, bias 0), so meta-training (dlcore.optim.meta_train) differentiates the updates.
The recurrent state of n coordinates is one array (n, 2 * num_layers, H): rows h_0, c_0, h_1, ...
"""

from __future__ import annotations

import math

import numpy as np

from ..functional import matmul
from ..functional_rnn import rnn_direction
from ..random import generator
from ..tensor import Tensor
from .optimizer import check_hyper

PREPROCESS = ("log_sign", "scale")


def _check_size(name: str, value) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"LSTMOptimizer: {name} must be a positive int, got {value!r}")
    return int(value)


class LSTMOptimizer:
    """The coordinatewise LSTM update rule (module header); call it as net(grad, state)."""

    def __init__(
        self,
        hidden_size: int = 20,
        num_layers: int = 2,
        preprocess: str = "log_sign",
        p: float = 10.0,
        output_scale: float = 0.1,
        dtype=np.float32,
    ):
        self.hidden_size = _check_size("hidden_size", hidden_size)
        self.num_layers = _check_size("num_layers", num_layers)
        if preprocess not in PREPROCESS:
            raise ValueError(f"LSTMOptimizer: preprocess must be one of {PREPROCESS}, got {preprocess!r}")
        check_hyper("p", p, low=0.0, low_open=True, owner="LSTMOptimizer")
        check_hyper("output_scale", output_scale, low=0.0, low_open=True, owner="LSTMOptimizer")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"LSTMOptimizer: dtype must be float32 or float64, got {dtype}")
        self.preprocess, self.p, self.output_scale = preprocess, float(p), float(output_scale)
        self.dtype = dtype
        h = self.hidden_size
        shapes = {}
        for layer in range(self.num_layers):
            inp = 2 if layer == 0 else h
            shapes.update(
                {
                    f"weight_ih_l{layer}": (4 * h, inp),
                    f"weight_hh_l{layer}": (4 * h, h),
                    f"bias_ih_l{layer}": (4 * h,),
                    f"bias_hh_l{layer}": (4 * h,),
                }
            )
        shapes.update({"out.weight": (1, h), "out.bias": (1,)})
        self._params = {k: Tensor(np.zeros(s, dtype), requires_grad=True) for k, s in shapes.items()}
        self.reset_parameters()

    # ---- parameters ---------------------------------------------------------------------------
    def reset_parameters(self) -> None:
        """Every weight U(-1/sqrt(H), 1/sqrt(H)) from dlcore's generator (manual_seed), out.bias 0."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for name, p in self._params.items():
            draw = np.zeros(p.shape) if name == "out.bias" else generator().uniform(-bound, bound, p.shape)
            p.data[...] = draw.astype(self.dtype)

    def named_parameters(self):
        return iter(self._params.items())

    def parameters(self) -> list:
        """The weights, leaf Tensors that require grad (meta-train them with any dlcore optimizer)."""
        return list(self._params.values())

    def state_dict(self) -> dict:
        """{name: copy of the weight array} (torch.nn.LSTM's names, plus out.weight / out.bias)."""
        return {k: np.array(p.data, copy=True) for k, p in self._params.items()}

    def load_state_dict(self, state: dict) -> None:
        """Copy weights in; every name and shape is checked before any weight changes."""
        if not isinstance(state, dict):
            raise TypeError(f"LSTMOptimizer.load_state_dict: expected a dict, got {type(state).__name__}")
        missing, unknown = set(self._params) - set(state), set(state) - set(self._params)
        if missing or unknown:
            raise ValueError(
                f"LSTMOptimizer.load_state_dict: missing {sorted(missing)}, unexpected {sorted(unknown)}"
            )
        arrays = {k: np.asarray(v.data if isinstance(v, Tensor) else v) for k, v in state.items()}
        for k, a in arrays.items():
            if a.shape != self._params[k].shape:
                raise ValueError(
                    f"LSTMOptimizer.load_state_dict: {k} has shape {a.shape}, "
                    f"expected {self._params[k].shape}"
                )
        for k, a in arrays.items():
            self._params[k].data[...] = a.astype(self.dtype)

    # ---- the update rule ----------------------------------------------------------------------
    def zero_state(self, n: int):
        """The initial recurrent state of n coordinates: zeros (n, 2 * num_layers, hidden_size)."""
        return np.zeros((n, 2 * self.num_layers, self.hidden_size), self.dtype)

    def preprocess_grad(self, grad) -> np.ndarray:
        """The LSTM's input (n, 2) for a gradient array (n,) (module header)."""
        g = np.asarray(grad, dtype=np.float64).reshape(-1)
        out = np.zeros((g.size, 2))
        if self.preprocess == "scale":
            out[:, 0] = g * self.p
        else:
            a = np.abs(g)
            big = a >= math.exp(-self.p)
            out[:, 0] = np.where(big, np.log(np.where(big, a, 1.0)) / self.p, -1.0)
            out[:, 1] = np.where(big, np.sign(g), math.exp(self.p) * g)
        return out.astype(self.dtype)

    def __call__(self, grad, state) -> tuple:
        """(update Tensor (n,), new state) for a gradient (n,) (array or Tensor; its graph is
        dropped) and a state: an array (n, 2L, H) or the tuple of 2L Tensors (n, H) that a previous
        call returned (h_0, c_0, h_1, ...), through which gradients flow in meta-training."""
        g = grad.data if isinstance(grad, Tensor) else grad
        n = int(np.size(g))
        if not isinstance(state, tuple):
            state = self._state_tensors(state, n)
        if len(state) != 2 * self.num_layers or any(s.shape != (n, self.hidden_size) for s in state):
            raise ValueError(
                f"LSTMOptimizer: the state must be {2 * self.num_layers} tensors of shape "
                f"{(n, self.hidden_size)} for {n} coordinates, got {[s.shape for s in state]}"
            )
        x = Tensor(self.preprocess_grad(g)).unsqueeze(0)
        new = []
        for layer in range(self.num_layers):
            w = [self._params[f"{k}_l{layer}"] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            _, h, c = rnn_direction("lstm", x, state[2 * layer], state[2 * layer + 1], *w)
            new += [h, c]
            x = h.unsqueeze(0)
        out = matmul(new[-2], self._params["out.weight"].t()) + self._params["out.bias"]
        return out.reshape(n) * self.output_scale, tuple(new)

    def _state_tensors(self, state, n: int) -> tuple:
        a = np.asarray(state)
        want = (n, 2 * self.num_layers, self.hidden_size)
        if a.shape != want:
            raise ValueError(f"LSTMOptimizer: state of shape {a.shape}, expected {want} for {n} coordinates")
        a = np.ascontiguousarray(a, dtype=self.dtype)
        return tuple(Tensor(a[:, k]) for k in range(want[1]))

    @staticmethod
    def pack_state(state: tuple) -> np.ndarray:
        """The array form (n, 2L, H) of a state tuple of Tensors (detached copy)."""
        return np.stack([s.data for s in state], axis=1)

    def __repr__(self) -> str:
        return (
            f"LSTMOptimizer(hidden_size={self.hidden_size}, num_layers={self.num_layers}, "
            f"preprocess={self.preprocess!r}, p={self.p}, output_scale={self.output_scale})"
        )
