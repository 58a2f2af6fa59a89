"""float64 numpy references of the recurrent-layer kernels (docs/kernels.md, rnn_forward /
rnn_backward): one direction of one layer, time-major, a plain loop over time steps.

mode "lstm" (gates i, f, g, o), "gru" (r, z, n), "rnn_tanh", "rnn_relu"; weights as torch:
w_ih (G*H, I), w_hh (G*H, H), b_ih, b_hh (G*H,) or None. x (T, B, I); h0, c0 (B, H) (c0 only
for lstm). lengths (B,) ints in [0, T] or None: row b takes part in the steps t < lengths[b],
elsewhere its state is carried and its output is 0; reverse runs t = T-1 .. 0. These are the
executable form of the kernel contract, written for clarity, not speed.
"""

from __future__ import annotations

import numpy as np

GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _steps(t_len, reverse):
    return range(t_len - 1, -1, -1) if reverse else range(t_len)


def _lengths(lengths, t_len, batch):
    return np.full(batch, t_len, dtype=np.int64) if lengths is None else np.asarray(lengths, np.int64)


def _cell(mode, xt, h, c, w_ih, w_hh, b_ih, b_hh):
    """One step for every row: (h', c', cache) with cache what the backward of this step needs."""
    hs = h.shape[1]
    gi = xt @ w_ih.T + (0.0 if b_ih is None else b_ih)
    gh = h @ w_hh.T + (0.0 if b_hh is None else b_hh)
    if mode == "lstm":
        a = gi + gh
        i, f = _sigmoid(a[:, :hs]), _sigmoid(a[:, hs : 2 * hs])
        g, o = np.tanh(a[:, 2 * hs : 3 * hs]), _sigmoid(a[:, 3 * hs :])
        c_new = f * c + i * g
        return o * np.tanh(c_new), c_new, (i, f, g, o, c_new)
    if mode == "gru":
        r = _sigmoid(gi[:, :hs] + gh[:, :hs])
        z = _sigmoid(gi[:, hs : 2 * hs] + gh[:, hs : 2 * hs])
        hn = gh[:, 2 * hs :]
        n = np.tanh(gi[:, 2 * hs :] + r * hn)
        return (1.0 - z) * n + z * h, None, (r, z, n, hn)
    a = gi + gh
    h_new = np.tanh(a) if mode == "rnn_tanh" else np.maximum(a, 0.0)
    return h_new, None, (h_new,)


def rnn_forward_ref(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, lengths=None, reverse=False):
    """(y (T, B, H), h_n (B, H), c_n (B, H) or None) in float64."""
    x, h = np.asarray(x, np.float64), np.array(h0, np.float64)
    c = np.array(c0, np.float64) if mode == "lstm" else None
    t_len, batch = x.shape[:2]
    lens = _lengths(lengths, t_len, batch)
    y = np.zeros((t_len, batch, h.shape[1]))
    for t in _steps(t_len, reverse):
        active = (t < lens)[:, None]
        h_new, c_new, _ = _cell(mode, x[t], h, c, w_ih, w_hh, b_ih, b_hh)
        y[t] = np.where(active, h_new, 0.0)
        h = np.where(active, h_new, h)
        if c is not None:
            c = np.where(active, c_new, c)
    return y, h, c


def _cell_backward(mode, dh, dc, h, c, cache):
    """Gradients of one step: (d pre-activation of the input part (B, G*H), of the recurrent
    part (B, G*H), d h through the direct path, d c_prev)."""
    if mode == "lstm":
        i, f, g, o, c_new = cache
        tc = np.tanh(c_new)
        dct = dc + dh * o * (1.0 - tc * tc)
        parts = [dct * g * i * (1 - i), dct * c * f * (1 - f), dct * i * (1 - g * g), dh * tc * o * (1 - o)]
        da = np.concatenate(parts, axis=1)
        return da, da, 0.0, dct * f
    if mode == "gru":
        r, z, n, hn = cache
        dan = dh * (1.0 - z) * (1.0 - n * n)
        dar = dan * hn * r * (1.0 - r)
        daz = dh * (h - n) * z * (1.0 - z)
        return np.concatenate([dar, daz, dan], 1), np.concatenate([dar, daz, dan * r], 1), dh * z, None
    (h_new,) = cache
    da = dh * (1.0 - h_new * h_new) if mode == "rnn_tanh" else dh * (h_new > 0)
    return da, da, 0.0, None


def rnn_backward_ref(mode, dy, dh_n, dc_n, x, h0, c0, w_ih, w_hh, b_ih, b_hh, lengths=None, reverse=False):
    """The gradients of sum(dy * y) + sum(dh_n * h_n) + sum(dc_n * c_n) (dh_n, dc_n None = 0;
    dy at inactive steps ignored): dict of dx, dh0, dc0 (None unless lstm), dw_ih, dw_hh, db_ih,
    db_hh, all float64."""
    x, dy = np.asarray(x, np.float64), np.asarray(dy, np.float64)
    w_ih, w_hh = np.asarray(w_ih, np.float64), np.asarray(w_hh, np.float64)
    t_len, batch = x.shape[:2]
    lens = _lengths(lengths, t_len, batch)
    h, c = np.array(h0, np.float64), (np.array(c0, np.float64) if mode == "lstm" else None)
    tape = {}
    for t in _steps(t_len, reverse):  # forward again, keeping each step's inputs and cache
        active = (t < lens)[:, None]
        h_new, c_new, cache = _cell(mode, x[t], h, c, w_ih, w_hh, b_ih, b_hh)
        tape[t] = (h, c, cache)
        h = np.where(active, h_new, h)
        c = np.where(active, c_new, c) if c is not None else None
    dh = np.zeros_like(h) if dh_n is None else np.array(dh_n, np.float64)
    dc = (np.zeros_like(h) if dc_n is None else np.array(dc_n, np.float64)) if mode == "lstm" else None
    out = {"dx": np.zeros_like(x), "dw_ih": np.zeros_like(w_ih), "dw_hh": np.zeros_like(w_hh)}
    out["db_ih"], out["db_hh"] = np.zeros(w_ih.shape[0]), np.zeros(w_hh.shape[0])
    for t in reversed(list(_steps(t_len, reverse))):
        active = (t < lens)[:, None]
        h_prev, c_prev, cache = tape[t]
        dht = dh + np.where(active, dy[t], 0.0)
        dgi, dgh, dh_direct, dc_prev = _cell_backward(mode, dht, dc, h_prev, c_prev, cache)
        dgi, dgh = np.where(active, dgi, 0.0), np.where(active, dgh, 0.0)
        out["dx"][t] = dgi @ w_ih
        out["dw_ih"] += dgi.T @ x[t]
        out["dw_hh"] += dgh.T @ h_prev
        out["db_ih"] += dgi.sum(0)
        out["db_hh"] += dgh.sum(0)
        dh = np.where(active, dh_direct + dgh @ w_hh, dht)
        if dc is not None:
            dc = np.where(active, dc_prev, dc)
    out["dh0"], out["dc0"] = dh, dc
    return out
