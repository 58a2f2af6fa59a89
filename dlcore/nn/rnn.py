"""Recurrent layers as torch.nn: LSTM, GRU and RNN (tanh or relu), stacked (num_layers) and
bidirectional, over (T, B, I), (B, T, I) with batch_first, unbatched (T, I) or a PackedSequence.

torch's constructor arguments, parameter names (weight_ih_l{k}[_reverse] (G*H, I_k),
weight_hh_l{k} (G*H, H), bias_ih_l{k}, bias_hh_l{k} (G*H,); gate blocks LSTM i, f, g, o, GRU
r, z, n), init U(-1/sqrt(H), 1/sqrt(H)) and outputs: output (T, B, D*H) and h_n (L*D, B, H)
(with c_n for LSTM), layer-major then direction. Each direction of each layer is one kernel
call over the whole sequence (dlcore.functional_rnn.rnn_direction); dropout between layers in
training. A PackedSequence runs through the kernels' per-row lengths, in the caller's batch
order (its sorted_indices are bookkeeping only), and comes back as a PackedSequence.
LSTM projections (proj_size > 0) are refused.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import backend
from .. import functional as _f
from ..functional_rnn import rnn_direction
from ..random import generator
from ..tensor import Tensor
from .layers import check_input
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
KERNEL_MODE = {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu"}


def check_size(layer: str, name: str, v, minimum: int = 1) -> int:
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
        raise TypeError(f"{layer}: {name} should be of type int, got {type(v).__name__}")
    if v < minimum:
        raise ValueError(f"{layer}: {name} must be {'greater than zero' if minimum else '>= 0'}, got {v}")
    return int(v)


def check_flag(layer: str, name: str, v) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{layer}: {name} should be of type bool, got {type(v).__name__}")
    return bool(v)


def as_input(layer: Module, x, name: str = "input") -> Tensor:
    x = check_input(layer, x, name)
    return Tensor(x) if isinstance(x, np.ndarray) else x


def check_operand(layer: str, t: Tensor, name: str, weight: Tensor) -> None:
    """t has the weights' float dtype and device (TypeError naming the layer)."""
    if t.dtype != weight.dtype:
        raise TypeError(
            f"{layer}: {name} dtype {t.dtype} does not match the weights' dtype {weight.dtype}; convert "
            f"the {name} (.to({weight.dtype})) or the layer (.to({t.dtype}))"
        )
    if t.device != weight.device:
        raise TypeError(f"{layer}: {name} is on {t.device}, the weights on {weight.device}")


class RNNBase(Module):
    """The stacked, optionally bidirectional recurrent layer of `mode` ("LSTM", "GRU", "RNN_TANH",
    "RNN_RELU"); LSTM, GRU and RNN fix the mode."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        name = type(self).__name__
        if mode not in GATES:
            raise ValueError(f"{name}: unrecognized RNN mode {mode!r}; expected one of {sorted(GATES)}")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1], got {dropout!r}")
        self.mode = mode
        self.input_size = check_size(name, "input_size", input_size)
        self.hidden_size = check_size(name, "hidden_size", hidden_size)
        self.num_layers = check_size(name, "num_layers", num_layers)
        self.bias = check_flag(name, "bias", bias)
        self.batch_first = check_flag(name, "batch_first", batch_first)
        self.bidirectional = check_flag(name, "bidirectional", bidirectional)
        if check_size(name, "proj_size", proj_size, minimum=0):
            raise ValueError(f"{name}: proj_size > 0 (LSTM projections) is not supported, got {proj_size}")
        self.proj_size = 0
        self.dropout = float(dropout)
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn(
                f"{name}: dropout adds dropout after all but the last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and num_layers=1",
                UserWarning,
                stacklevel=2,
            )
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if dtype.kind != "f":
            raise TypeError(f"{name}: dtype must be a floating dtype, got {dtype}")
        gates, hidden = GATES[mode] * self.hidden_size, self.hidden_size
        directions = 2 if self.bidirectional else 1
        self._all_weights = []
        for layer in range(self.num_layers):
            for direction in range(directions):
                width = self.input_size if layer == 0 else hidden * directions
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = {"weight_ih": (gates, width), "weight_hh": (gates, hidden)}
                if self.bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                for stem, shape in shapes.items():
                    setattr(self, stem + suffix, Parameter(np.zeros(shape, dtype)))
                self._all_weights.append([stem + suffix for stem in shapes])
        self._flat_weights_names = [n for names in self._all_weights for n in names]
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Every weight and bias drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            draw = generator().uniform(-bound, bound, size=p.shape).astype(p.dtype)
            p.data[...] = backend.array_module(p.data).asarray(draw)

    def flatten_parameters(self) -> None:
        """A no-op kept for torch code (torch's compacts cuDNN weights)."""

    @property
    def all_weights(self) -> list:
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        return s + (", bidirectional=True" if self.bidirectional else "")

    # ---- forward ---------------------------------------------------------------------------
    def _sequence(self, input):
        """(x (T, B, I) time-major, lengths numpy (B,) or None, batched) after the input checks."""
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            x, lengths, batched = input._padded, input._lengths, True
        else:
            x = as_input(self, input)
            if x.ndim not in (2, 3):
                raise ValueError(
                    f"{name}: expected a 2-D (unbatched (T, {self.input_size})) or 3-D input, "
                    f"got shape {x.shape}"
                )
            batched, lengths = x.ndim == 3, None
            x = (x.transpose(0, 1) if self.batch_first else x) if batched else x.unsqueeze(1)
        check_operand(name, x, "input", self.weight_ih_l0)
        if x.shape[-1] != self.input_size:
            raise ValueError(
                f"{self!r}: input of shape {input_shape(input)} has {x.shape[-1]} features (last dim), "
                f"expected input_size={self.input_size}"
            )
        if x.shape[0] == 0:
            raise ValueError(
                f"{name}: expected a sequence length > 0, got input of shape {input_shape(input)}"
            )
        return x, lengths, batched

    def _state(self, s, what: str, x: Tensor, batched: bool):
        """An initial state (L*D, B, H) (zeros when s is None), checked against the input."""
        name = type(self).__name__
        rows, batch = self.num_layers * (2 if self.bidirectional else 1), x.shape[1]
        expected = (rows, batch, self.hidden_size)
        if s is None:
            return Tensor(backend.array_module(x.data).zeros(expected[1:], dtype=x.dtype)), False
        s = as_input(self, s, what)
        want = expected if batched else (rows, self.hidden_size)
        if s.ndim != len(want):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            raise ValueError(
                f"{name}: for {kind} input, {what} should be {len(want)}-D {want}, got shape {s.shape}"
            )
        full = s if batched else s.unsqueeze(1)
        if full.shape != expected:
            raise ValueError(f"{name}: expected {what} of shape {want}, got {s.shape}")
        check_operand(name, s, what, self.weight_ih_l0)
        return full, True

    def _run(self, input, hx):
        """(output, h_n, c_n or None) in the caller's layout."""
        x, lengths, batched = self._sequence(input)
        lstm = self.mode == "LSTM"
        if lstm:
            if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0) of tensors, got {type(hx).__name__}")
            h_0, c_0 = (None, None) if hx is None else hx
            (h0, per_row), (c0, _) = self._state(h_0, "h_0", x, batched), self._state(c_0, "c_0", x, batched)
        else:
            if isinstance(hx, (tuple, list)):
                raise TypeError(f"{type(self).__name__}: hx must be a tensor, got {type(hx).__name__}")
            (h0, per_row), c0 = self._state(hx, "h_0", x, batched), None
        lens = None if lengths is None else backend.array_module(x.data).asarray(lengths)
        directions, mode = 2 if self.bidirectional else 1, KERNEL_MODE[self.mode]
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(directions):
                k = layer * directions + d
                w = [getattr(self, n) for n in self._all_weights[k]]
                b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
                h, c = (h0[k], c0[k] if lstm else None) if per_row else (h0, c0 if lstm else None)
                y, h_n, c_n = rnn_direction(mode, x, h, c, w[0], w[1], b_ih, b_hh, lens, reverse=d == 1)
                outs.append(y)
                hs.append(h_n)
                cs.append(c_n)
            x = outs[0] if directions == 1 else _f.cat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _f.dropout(x, self.dropout, True)
        h_n, c_n = _f.stack(hs), (_f.stack(cs) if lstm else None)
        if isinstance(input, PackedSequence):
            return PackedSequence._from_padded(x, lengths, input._order(), input._back()), h_n, c_n
        if not batched:
            return x[:, 0], h_n[:, 0], (c_n[:, 0] if lstm else None)
        return (x.transpose(0, 1) if self.batch_first else x), h_n, c_n

    def forward(self, input, hx=None):
        output, h_n, c_n = self._run(input, hx)
        return (output, (h_n, c_n)) if self.mode == "LSTM" else (output, h_n)


def input_shape(input) -> tuple:
    return input._padded.shape if isinstance(input, PackedSequence) else tuple(input.shape)


class LSTM(RNNBase):
    """torch.nn.LSTM: forward(input, (h_0, c_0) or None) -> (output, (h_n, c_n))."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ):
        super().__init__(
            "LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
            proj_size, device, dtype,
        )  # fmt: skip


class GRU(RNNBase):
    """torch.nn.GRU: forward(input, h_0 or None) -> (output, h_n)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ):
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
            device, dtype,
        )  # fmt: skip


class RNN(RNNBase):
    """torch.nn.RNN (Elman): h' = nonlinearity(W_ih x + b_ih + W_hh h + b_hh), nonlinearity
    'tanh' or 'relu'; forward(input, h_0 or None) -> (output, h_n)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'")
        super().__init__(
            f"RNN_{nonlinearity.upper()}", input_size, hidden_size, num_layers, bias, batch_first,
            dropout, bidirectional, 0, device, dtype,
        )  # fmt: skip
        self.nonlinearity = nonlinearity
