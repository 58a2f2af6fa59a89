"""A Neural Turing Machine (Graves et al. 2014): an LSTM controller with a differentiable memory
read and written through soft attention weights.

Addressing (one head, batch B, N memory slots of width M):
  content   w_c = softmax(beta * cosine(key, memory[i]))              key (B, M), beta (B, 1) > 0
  gate      w_g = g * w_c + (1 - g) * w_prev                           g (B, 1) in (0, 1)
  shift     w~[i] = sum_j w_g[j] s[(i - j) mod N]                      s (B, 3): shifts -1, 0, +1
  sharpen   w = w~^gamma / sum(w~^gamma)                               gamma (B, 1) >= 1
Read r = sum_i w[i] memory[i] (B, M); write memory' = memory * (1 - w e^T) + w a^T with erase
e in (0, 1)^M and add a (B, M). Every step is a composite of differentiable dlcore ops; the
functions below are the whole mechanism and NTM wires them to an nn.LSTMCell controller with one
read and one write head.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..creation import from_numpy, zeros
from ..functional import cat, stack
from ..nn import functional as F
from ._checks import positive_int

SHIFTS = 3  # shift distribution over -1, 0, +1


def cosine_similarity(key, memory, eps: float = 1e-8):
    """cosine(key[b], memory[b, i]): (B, N) from key (B, M) and memory (B, N, M)."""
    dots = (memory @ key.unsqueeze(-1)).squeeze(-1)
    norms = ((memory**2).sum(-1) + eps).sqrt() * ((key**2).sum(-1, keepdim=True) + eps).sqrt()
    return dots / norms


def circular_shift(w, s):
    """w~[i] = s[-1] w[i + 1] + s[0] w[i] + s[+1] w[i - 1] (indices mod N): (B, N), s (B, 3)."""
    left = cat([w[:, 1:], w[:, :1]], dim=1)  # left[i] = w[i + 1]
    right = cat([w[:, -1:], w[:, :-1]], dim=1)  # right[i] = w[i - 1]
    return s[:, 0:1] * left + s[:, 1:2] * w + s[:, 2:3] * right


def address(memory, w_prev, key, beta, gate, shift, gamma):
    """The attention weights (B, N) of one head: content, gate, shift and sharpening (see the module
    docstring for the shapes). Each row is positive and sums to 1."""
    w_c = (beta * cosine_similarity(key, memory)).softmax(-1)
    w_g = gate * w_c + (1 - gate) * w_prev
    w = circular_shift(w_g, shift) ** gamma
    return w / w.sum(-1, keepdim=True)


def read(memory, w):
    """sum_i w[b, i] memory[b, i]: (B, M)."""
    return (w.unsqueeze(1) @ memory).squeeze(1)


def write(memory, w, erase, add):
    """memory * (1 - w erase^T) + w add^T: (B, N, M), erase and add (B, M)."""
    w = w.unsqueeze(-1)
    return memory * (1 - w * erase.unsqueeze(1)) + w * add.unsqueeze(1)


def head_params(h, width: int) -> tuple:
    """Split a head's raw outputs h (B, width + 6) into key, beta > 0, gate, shift, gamma >= 1."""
    key = h[:, :width].tanh()
    beta = F.softplus(h[:, width : width + 1])
    gate = h[:, width + 1 : width + 2].sigmoid()
    shift = h[:, width + 2 : width + 5].softmax(-1)
    gamma = 1 + F.softplus(h[:, width + 5 : width + 6])
    return key, beta, gate, shift, gamma


class NTM(nn.Module):
    """LSTM controller + memory (N x M) with one read and one write head.

    forward(x) over x (T, B, in_features) -> output logits (T, B, out_features). At each step the
    controller sees [x_t, r_{t-1}]; both heads address the memory left by the previous step, the
    read head reads it, the write head then writes, and the output is Linear([h_t, r_t]).
    Memory starts at 1e-6, both heads' weights one-hot on slot 0, r_0 = 0.
    """

    def __init__(
        self, in_features: int, out_features: int, hidden: int = 64, slots: int = 16, width: int = 8
    ):
        super().__init__()
        name = type(self).__name__
        self.in_features = positive_int(name, "in_features", in_features)
        self.slots, self.width = positive_int(name, "slots", slots), positive_int(name, "width", width)
        self.hidden = positive_int(name, "hidden", hidden)
        self.controller = nn.LSTMCell(in_features + width, hidden)
        self.read_head = nn.Linear(hidden, width + 6)
        self.write_head = nn.Linear(hidden, width + 6 + 2 * width)  # + erase, add
        self.out = nn.Linear(hidden + width, positive_int(name, "out_features", out_features))

    def initial_state(self, batch: int, dtype=np.float32) -> dict:
        """memory, both heads' previous weights, the last read vector and the controller state."""
        one_hot = np.zeros((batch, self.slots), dtype=dtype)
        one_hot[:, 0] = 1
        return {
            "memory": from_numpy(np.full((batch, self.slots, self.width), 1e-6, dtype=dtype)),
            "w_read": from_numpy(one_hot.copy()),
            "w_write": from_numpy(one_hot),
            "r": zeros(batch, self.width, dtype=dtype),
            "hc": None,
        }

    def step(self, x, state: dict) -> tuple:
        """One time step: x (B, in_features) -> (logits (B, out_features), the new state). Both heads
        address the memory as the previous step left it (in one batched call of `address`); the
        read head reads it, then the write head writes."""
        h, c = self.controller(cat([x, state["r"]], dim=1), state["hc"])
        m, wd, b = state["memory"], self.width, x.shape[0]
        hw = self.write_head(h)
        raw = cat([self.read_head(h), hw[:, : wd + 6]], dim=0)  # (2B, wd + 6): read rows, then write rows
        w = address(
            cat([m, m], dim=0), cat([state["w_read"], state["w_write"]], dim=0), *head_params(raw, wd)
        )
        w_read, w_write = w[:b], w[b:]
        r = read(m, w_read)
        m = write(m, w_write, hw[:, wd + 6 : 2 * wd + 6].sigmoid(), hw[:, 2 * wd + 6 :].tanh())
        state = {"memory": m, "w_read": w_read, "w_write": w_write, "r": r, "hc": (h, c)}
        return self.out(cat([h, r], dim=1)), state

    def forward(self, x):
        if x.ndim != 3 or x.shape[2] != self.in_features:
            raise ValueError(f"NTM: expected x of shape (T, B, {self.in_features}), got {tuple(x.shape)}")
        state, outs = self.initial_state(x.shape[1], x.dtype), []
        for t in range(x.shape[0]):
            y, state = self.step(x[t], state)
            outs.append(y)
        return stack(outs, 0)
