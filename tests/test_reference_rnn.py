"""dlcore/reference_rnn.py against torch.nn.LSTM/GRU/RNN in float64: both directions of a
bidirectional layer with packed variable lengths, all outputs and gradients (skipped without torch)."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.reference_rnn import GATES, rnn_backward_ref, rnn_forward_ref

torch = pytest.importorskip("torch")
MODES = ["lstm", "gru", "rnn_tanh", "rnn_relu"]


def _torch_layer(mode, i_size, h_size, bias):
    if mode == "lstm":
        return torch.nn.LSTM(i_size, h_size, bias=bias, bidirectional=True).double()
    if mode == "gru":
        return torch.nn.GRU(i_size, h_size, bias=bias, bidirectional=True).double()
    return torch.nn.RNN(i_size, h_size, bias=bias, nonlinearity=mode[4:], bidirectional=True).double()


def _case(mode, t_len, batch, i_size, h_size, lengths, bias, seed):
    rng = np.random.default_rng(seed)
    layer = _torch_layer(mode, i_size, h_size, bias)
    x = rng.standard_normal((t_len, batch, i_size))
    h0 = rng.standard_normal((2, batch, h_size))
    c0 = rng.standard_normal((2, batch, h_size))
    dy = rng.standard_normal((t_len, batch, 2 * h_size))
    dh_n, dc_n = rng.standard_normal((2, batch, h_size)), rng.standard_normal((2, batch, h_size))
    return layer, x, h0, c0, dy, dh_n, dc_n, lengths


def _torch_run(mode, layer, x, h0, c0, dy, dh_n, dc_n, lengths):
    xt = torch.tensor(x, requires_grad=True)
    h0t, c0t = torch.tensor(h0, requires_grad=True), torch.tensor(c0, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lengths), enforce_sorted=False)
    state = (h0t, c0t) if mode == "lstm" else h0t
    out, st = layer(packed, state)
    y, _ = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=x.shape[0])
    h_n, c_n = st if mode == "lstm" else (st, None)
    loss = (y * torch.tensor(dy)).sum() + (h_n * torch.tensor(dh_n)).sum()
    if c_n is not None:
        loss = loss + (c_n * torch.tensor(dc_n)).sum()
    loss.backward()
    return y.detach().numpy(), h_n.detach().numpy(), c_n, xt.grad.numpy(), h0t.grad.numpy(), c0t.grad


def _weights(layer, suffix):
    get = lambda name: getattr(layer, name + suffix, None)  # noqa: E731
    arrays = [get(n) for n in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")]
    values = [None if a is None else a.detach().numpy() for a in arrays]
    return values, [None if a is None else a.grad for a in arrays]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bias", [True, False])
def test_reference_matches_torch_packed_bidirectional(mode, bias):
    lengths = [5, 1, 3, 5]
    layer, x, h0, c0, dy, dh_n, dc_n, lengths = _case(mode, 5, 4, 3, 7, lengths, bias, seed=len(mode))
    y_t, hn_t, cn_t, dx_t, dh0_t, dc0_t = _torch_run(mode, layer, x, h0, c0, dy, dh_n, dc_n, lengths)
    h = h0.shape[2]
    dx = np.zeros_like(x)
    for d, suffix in enumerate(["", "_reverse"]):
        (w_ih, w_hh, b_ih, b_hh), grads = _weights(layer, suffix)
        c0d = c0[d] if mode == "lstm" else None
        y, h_n, c_n = rnn_forward_ref(mode, x, h0[d], c0d, w_ih, w_hh, b_ih, b_hh, lengths, bool(d))
        np.testing.assert_allclose(y, y_t[..., d * h : (d + 1) * h], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(h_n, hn_t[d], rtol=1e-12, atol=1e-12)
        dcn = dc_n[d] if mode == "lstm" else None
        if mode == "lstm":
            np.testing.assert_allclose(c_n, cn_t.detach().numpy()[d], rtol=1e-12, atol=1e-12)
        dyd = dy[..., d * h : (d + 1) * h]
        g = rnn_backward_ref(mode, dyd, dh_n[d], dcn, x, h0[d], c0d, w_ih, w_hh, b_ih, b_hh, lengths, bool(d))
        dx += g["dx"]
        np.testing.assert_allclose(g["dh0"], dh0_t[d], rtol=1e-10, atol=1e-12)
        if mode == "lstm":
            np.testing.assert_allclose(g["dc0"], dc0_t.numpy()[d], rtol=1e-10, atol=1e-12)
        for name, ref in zip(["dw_ih", "dw_hh", "db_ih", "db_hh"], grads):
            if ref is not None:
                np.testing.assert_allclose(g[name], ref.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
        assert g["dw_ih"].shape == (GATES[mode] * h, x.shape[2])
    np.testing.assert_allclose(dx, dx_t, rtol=1e-10, atol=1e-12)


def test_reference_zero_lengths_carry_the_state():
    rng = np.random.default_rng(0)
    w_ih, w_hh = rng.standard_normal((8, 2)), rng.standard_normal((8, 2))
    x, h0, c0 = rng.standard_normal((3, 2, 2)), rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    y, h_n, c_n = rnn_forward_ref("lstm", x, h0, c0, w_ih, w_hh, None, None, [0, 3], reverse=True)
    np.testing.assert_array_equal(y[:, 0], 0.0)
    np.testing.assert_array_equal(h_n[0], h0[0])
    np.testing.assert_array_equal(c_n[0], c0[0])
    ones = np.ones((2, 2))
    g = rnn_backward_ref("lstm", np.ones_like(y), ones, None, x, h0, c0, w_ih, w_hh, None, None, [0, 3])
    np.testing.assert_array_equal(g["dh0"][0], 1.0)
    np.testing.assert_array_equal(g["dx"][:, 0], 0.0)
