"""Recurrent cells as torch.nn: LSTMCell, GRUCell, RNNCell: one time step over input (B, I) or
unbatched (I,), each a T = 1 call of the recurrent layers' kernels (functional_rnn.rnn_direction).

torch's parameter names and layouts (weight_ih (G*H, I), weight_hh (G*H, H), bias_ih, bias_hh
(G*H,); G = 4, 3, 1), init U(-1/sqrt(H), 1/sqrt(H)); LSTMCell returns (h', c'), the others h'.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..functional_rnn import rnn_direction
from ..random import generator
from ..tensor import Tensor
from .module import Module
from .parameter import Parameter
from .rnn import as_input, check_flag, check_operand, check_size


class RNNCellBase(Module):
    _gates = 1
    _mode = "rnn_tanh"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        self.input_size = check_size(name, "input_size", input_size, minimum=0)
        self.hidden_size = check_size(name, "hidden_size", hidden_size)
        self.bias = check_flag(name, "bias", bias)
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if dtype.kind != "f":
            raise TypeError(f"{name}: dtype must be a floating dtype, got {dtype}")
        gates = self._gates * self.hidden_size
        self.weight_ih = Parameter(np.zeros((gates, self.input_size), dtype))
        self.weight_hh = Parameter(np.zeros((gates, self.hidden_size), dtype))
        if self.bias:
            self.bias_ih = Parameter(np.zeros(gates, dtype))
            self.bias_hh = Parameter(np.zeros(gates, dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Every weight and bias drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            draw = generator().uniform(-bound, bound, size=p.shape).astype(p.dtype)
            p.data[...] = backend.array_module(p.data).asarray(draw)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _input(self, input) -> tuple:
        """(x (B, I), batched) after the checks."""
        name = type(self).__name__
        x = as_input(self, input)
        if x.ndim not in (1, 2):
            raise ValueError(f"{name}: expected input to be 1-D (I,) or 2-D (B, I), got shape {x.shape}")
        check_operand(name, x, "input", self.weight_ih)
        if x.shape[-1] != self.input_size:
            raise ValueError(
                f"{self!r}: input of shape {x.shape} has {x.shape[-1]} features (last dim), "
                f"expected input_size={self.input_size}"
            )
        return (x if x.ndim == 2 else x.unsqueeze(0)), x.ndim == 2

    def _state(self, s, what: str, x: Tensor, batched: bool) -> Tensor:
        """A state (B, H) (zeros when s is None), checked against the input."""
        name = type(self).__name__
        want = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        if s is None:
            return Tensor(backend.array_module(x.data).zeros((x.shape[0], self.hidden_size), dtype=x.dtype))
        s = as_input(self, s, what)
        if s.shape != want:
            given = x.shape if batched else x.shape[1:]
            raise ValueError(
                f"{name}: expected {what} of shape {want} for input of shape {given}, got {s.shape}"
            )
        check_operand(name, s, what, self.weight_ih)
        return s if batched else s.unsqueeze(0)

    def _step(self, x: Tensor, h: Tensor, c):
        """(h', c' or None) (B, H): one step of the kernels' mode."""
        _, h_n, c_n = rnn_direction(
            self._mode, x.unsqueeze(0), h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh
        )
        return h_n, c_n


class LSTMCell(RNNCellBase):
    """torch.nn.LSTMCell: forward(input, (h, c) or None) -> (h', c')."""

    _gates, _mode = 4, "lstm"

    def forward(self, input, hx=None):
        x, batched = self._input(input)
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c) of tensors, got {type(hx).__name__}")
        h, c = (None, None) if hx is None else hx
        h_n, c_n = self._step(x, self._state(h, "h", x, batched), self._state(c, "c", x, batched))
        return (h_n, c_n) if batched else (h_n[0], c_n[0])


class GRUCell(RNNCellBase):
    """torch.nn.GRUCell: forward(input, h or None) -> h'."""

    _gates, _mode = 3, "gru"

    def forward(self, input, hx=None):
        x, batched = self._input(input)
        h_n, _ = self._step(x, self._state(hx, "hx", x, batched), None)
        return h_n if batched else h_n[0]


class RNNCell(RNNCellBase):
    """torch.nn.RNNCell: h' = nonlinearity(W_ih x + b_ih + W_hh h + b_hh), 'tanh' or 'relu';
    forward(input, h or None) -> h'."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'")
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity
        self._mode = f"rnn_{nonlinearity}"

    def forward(self, input, hx=None):
        x, batched = self._input(input)
        h_n, _ = self._step(x, self._state(hx, "hx", x, batched), None)
        return h_n if batched else h_n[0]
