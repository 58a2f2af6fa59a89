"""Shared pieces of the recurrent tour entries (F33 lstm-vs-rnn, F58 rnn-algorithms): one-hot
time-major inputs, a recurrent layer with a linear read-out, a clipped-Adam training loop,
accuracy, and the Jacobian of the final hidden state with respect to the state after step 1.
Not an entry module (leading underscore)."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .. import nn


@contextmanager
def one_thread():
    """Run the block with 1 dlcore thread, restoring the caller's count: these layers' gemms are
    tiny (hidden 32), and on 1 thread a training step of lstm-vs-rnn took 6.3 ms of CPU against
    14 ms on 2 (measured on the shared 2-core machine)."""
    from .. import get_num_threads, set_num_threads

    threads = get_num_threads()
    set_num_threads(1)
    try:
        yield
    finally:
        set_num_threads(threads)


def one_hot_time_major(symbols: np.ndarray, classes: int) -> np.ndarray:
    """symbols int (N, T) -> float32 (T, N, classes) one-hot."""
    return np.eye(classes, dtype=np.float32)[np.asarray(symbols).T]


class RecurrentReadout(nn.Module):
    """kind "lstm" or "rnn" (tanh), one layer, hidden size `hidden`, then Linear(hidden, classes).

    forward(x (T, N, input_size)) -> logits (N, classes) read from the last step, or (T, N,
    classes) at every step when per_step. forget_bias (LSTM only) is added to the forget-gate
    block of bias_ih_l0 after torch's default init (Gers et al. 2000).
    """

    def __init__(
        self, kind: str, input_size: int, hidden: int, classes: int, per_step=False, forget_bias=0.0
    ):
        super().__init__()
        if kind not in ("lstm", "rnn"):
            raise ValueError(f"RecurrentReadout: kind must be 'lstm' or 'rnn', got {kind!r}")
        self.kind, self.hidden, self.per_step = kind, hidden, per_step
        if kind == "lstm":
            self.rnn = nn.LSTM(input_size, hidden)
            self.rnn.bias_ih_l0.data[hidden : 2 * hidden] += forget_bias
        else:
            self.rnn = nn.RNN(input_size, hidden, nonlinearity="tanh")
        self.out = nn.Linear(hidden, classes)

    def forward(self, x):
        y = self.rnn(x)[0]
        return self.out(y if self.per_step else y[-1])


def train_clipped_adam(model, batch_fn, steps: int, lr: float, clip: float = 1.0) -> list[float]:
    """`steps` Adam steps on cross-entropy, gradients clipped to global norm `clip`.

    batch_fn(step) -> (x float32 (T, N, I), targets int64: (N,) for last-step models, (T, N) for
    per-step ones). Returns the loss of every step.
    """
    from .. import from_numpy, optim
    from ..nn.functional import cross_entropy
    from ..nn.utils import clip_grad_norm_
    from ._progress import track

    opt = optim.Adam(model.parameters(), lr=lr)
    losses = []
    for step in track(range(steps), "steps"):
        x, y = batch_fn(step)
        logits = model(from_numpy(x))
        if logits.ndim == 3:
            logits = logits.reshape(-1, logits.shape[-1])
        loss = cross_entropy(logits, from_numpy(np.ascontiguousarray(y).reshape(-1)))
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(float(loss.item()))
    return losses


def predict(model, x: np.ndarray, batch: int = 1000) -> np.ndarray:
    """argmax of model(x) over its last axis, int64; x (T, N, I) split into batches along N."""
    from .. import from_numpy, no_grad

    out = []
    with no_grad():
        for i in range(0, x.shape[1], batch):
            out.append(model(from_numpy(np.ascontiguousarray(x[:, i : i + batch]))).numpy().argmax(-1))
    return np.concatenate(out, axis=-1)


def state_jacobians(rnn, x: np.ndarray, lengths) -> dict:
    """Jacobians of the hidden state after step T with respect to the state after step 1, for
    each T in `lengths`, through dlcore autograd.

    x float32 (T_max, N, I). The layer runs step 1 from the zero state; its state (h_1, c_1) is
    detached and fed as the initial state of steps 2..T, so that d h_T / d h_1 is exactly the
    derivative of the layer's own computation (c_1 held fixed for the LSTM, whose memory also
    flows through c). All H rows come from one backward pass: each sequence is repeated H times in
    the batch and copy j reads h_T[j].

    Returns {"dh": (len(lengths), N, H, H), "dc": same (LSTM) or None}: [k, n] = J for lengths[k]
    and sequence n, row j = d h_T[j] / d (h_1 or c_1).
    """
    from .. import from_numpy, no_grad

    lstm = hasattr(rnn, "weight_hh_l0") and rnn.weight_hh_l0.shape[0] == 4 * rnn.hidden_size
    n, hidden = x.shape[1], rnn.hidden_size
    with no_grad():
        _, state = rnn(from_numpy(np.ascontiguousarray(x[:1])))
    states = [s.numpy() for s in (state if lstm else (state,))]  # each (1, N, H)
    select = np.tile(np.eye(hidden, dtype=np.float32), (n, 1))  # (N * H, H): copy j reads unit j
    dh, dc = [], []
    for t_len in lengths:
        if t_len == 1:
            dh.append(np.broadcast_to(np.eye(hidden), (n, hidden, hidden)))
            dc.append(np.zeros((n, hidden, hidden)))
            continue
        xs = np.repeat(x[1:t_len], hidden, axis=1)  # (T - 1, N * H, I)
        init = [from_numpy(np.repeat(s, hidden, axis=1)) for s in states]
        for s in init:
            s.requires_grad = True
        _, final = rnn(from_numpy(np.ascontiguousarray(xs)), tuple(init) if lstm else init[0])
        h_t = final[0] if lstm else final
        (h_t[0] * from_numpy(select)).sum().backward()
        dh.append(init[0].grad.numpy()[0].reshape(n, hidden, hidden).astype(np.float64))
        if lstm:
            dc.append(init[1].grad.numpy()[0].reshape(n, hidden, hidden).astype(np.float64))
    return {"dh": np.stack(dh), "dc": np.stack(dc) if lstm else None}


def spectral_norms(jac: np.ndarray) -> np.ndarray:
    """Largest singular value of each (H, H) matrix of jac (..., H, H)."""
    return np.linalg.norm(jac, ord=2, axis=(-2, -1))
