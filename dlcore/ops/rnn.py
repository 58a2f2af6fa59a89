"""Recurrent layers: one Function per layer and direction, through the device's kernels
(`backend.kernels(x)`: rnn_forward / rnn_backward, docs/kernels.md).

Positional inputs: x (T, B, I), h0 (B, H), c0 (B, H) when mode is "lstm", w_ih (G*H, I),
w_hh (G*H, H), then b_ih, b_hh (G*H,) when `bias`; all of one float dtype, checked by the
caller (dlcore.functional_rnn, which names the layer). Keywords: mode ("lstm", "gru",
"rnn_tanh", "rnn_relu"), bias, lengths (int64 (B,) array of x's device, or None: all T),
reverse (t = T-1 .. 0; row b starts at lengths[b] - 1), inference (no activations saved: the
node cannot run backward; the caller sets it when no gradient is wanted).

A Function has one output, so the output stacks the per-step outputs and the final states
along axis 0: (T + 1, B, H) = [y; h_n], or (T + 2, B, H) = [y; h_n; c_n] for lstm (the
caller slices it). y[t, b] is 0 at the steps t >= lengths[b]. backward returns one gradient
per positional input; the weight gradients are this direction's alone (the graph sums them
over the directions and layers that share a weight).
"""

from __future__ import annotations

from .. import backend
from ._helpers import xp_of
from .function import Function

GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}  # gate blocks of w_ih, w_hh
SAVED = {"lstm": 5, "gru": 4, "rnn_tanh": 1, "rnn_relu": 1}  # H-sized blocks saved per step


class RNNDirection(Function):
    """One direction of one recurrent layer over a whole sequence (module header)."""

    op = "rnn"

    def forward(self, x, h0, *rest, mode="lstm", bias=True, lengths=None, reverse=False, inference=False):
        xp = xp_of(x)
        lstm = mode == "lstm"
        c0, params = (rest[0], rest[1:]) if lstm else (None, rest)
        contiguous = xp.ascontiguousarray
        x, h0, w_ih, w_hh = (contiguous(a) for a in (x, h0, params[0], params[1]))
        c0 = None if c0 is None else contiguous(c0)
        b_ih, b_hh = (contiguous(params[2]), contiguous(params[3])) if bias else (None, None)
        t_len, batch, hidden = x.shape[0], x.shape[1], w_hh.shape[1]
        out = xp.empty((t_len + 1 + lstm, batch, hidden), dtype=x.dtype)
        y, h_n, c_n = out[:t_len], out[t_len], (out[t_len + 1] if lstm else None)
        saved = None if inference else xp.empty((t_len, batch, SAVED[mode] * hidden), dtype=x.dtype)
        backend.kernels(x).rnn_forward(
            mode, y, h_n, c_n, saved, x, h0, c0, w_ih, w_hh, b_ih, b_hh, lengths, bool(reverse)
        )
        if not inference:
            self.mode, self.bias, self.lengths, self.reverse = mode, bias, lengths, bool(reverse)
            self.arrays = (x, h0, c0, w_ih, w_hh, y, saved)
        return out

    def backward(self, g):
        x, h0, c0, w_ih, w_hh, y, saved = self.arrays
        xp = xp_of(g)
        lstm = self.mode == "lstm"
        g = xp.ascontiguousarray(g, dtype=x.dtype)
        t_len = x.shape[0]
        dy, dh_n, dc_n = g[:t_len], g[t_len], (g[t_len + 1] if lstm else None)
        dx = xp.empty_like(x) if self.needs_input_grad[0] else None
        dh0 = xp.empty_like(h0)
        dc0 = xp.empty_like(c0) if lstm else None
        dw_ih, dw_hh = xp.empty_like(w_ih), xp.empty_like(w_hh)
        db_ih = db_hh = None
        if self.bias:
            db_ih, db_hh = xp.empty(w_ih.shape[0], x.dtype), xp.empty(w_ih.shape[0], x.dtype)
        backend.kernels(g).rnn_backward(
            self.mode, dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dy, dh_n, dc_n,
            x, h0, c0, w_ih, w_hh, y, saved, self.lengths, self.reverse,
        )  # fmt: skip
        grads = (dx, dh0) + ((dc0,) if lstm else ()) + (dw_ih, dw_hh)
        return grads + ((db_ih, db_hh) if self.bias else ())
