"""A small character-level LSTM language model built from existing dlcore ops (no LSTM layer):
a deterministic synthetic corpus, the parameters, one LSTM step, the unrolled model and a
training loop. Used by the eve tour entry (F21). Not an entry module (leading underscore)."""

from __future__ import annotations

import time

import numpy as np

_NOUNS = ["cat", "dog", "bird", "fox", "horse", "child", "farmer", "teacher", "river", "garden"]
_VERBS = ["sees", "likes", "follows", "finds", "hears", "watches", "helps", "chases"]
_ADJS = ["small", "old", "quiet", "brown", "little", "fast", "good"]
_DETS = ["the", "a", "every", "this"]
_ENDS = ["today", "again", "at dawn", "in the garden", "near the river", "with care"]


def corpus(lines: int = 400, seed: int = 1234) -> str:
    """`lines` sentences of a fixed toy grammar, one per line, from a seeded generator:
    det [adj] noun verb det [adj] noun [end] '.' -- lowercase letters, ' ', '.', '\\n'."""
    rng = np.random.default_rng(seed)
    pick = lambda words: words[rng.integers(len(words))]  # noqa: E731

    def phrase():
        adj = f"{pick(_ADJS)} " if rng.random() < 0.5 else ""
        return f"{pick(_DETS)} {adj}{pick(_NOUNS)}"

    out = []
    for _ in range(lines):
        end = f" {pick(_ENDS)}" if rng.random() < 0.4 else ""
        out.append(f"{phrase()} {pick(_VERBS)} {phrase()}{end}.")
    return "\n".join(out) + "\n"


def encode(text: str):
    """(int64 codes of text, vocabulary string in sorted order)."""
    vocab = "".join(sorted(set(text)))
    lut = {c: i for i, c in enumerate(vocab)}
    return np.array([lut[c] for c in text], dtype=np.int64), vocab


def init_params(vocab: int, emb: int, hidden: int, seed: int, dtype=np.float32) -> dict:
    """Parameters as torch initialises them: embedding N(0, 1); LSTM weight (4H, E + H) = [W_ih |
    W_hh] and bias b_ih + b_hh, U(+-1/sqrt(H)), gate rows in torch order i, f, g, o; decoder
    (V, H) and (V,) U(+-1/sqrt(H)). Seeded by `seed` alone."""
    from .. import nn
    from ..tensor import Tensor

    rng = np.random.default_rng(seed)
    s = 1.0 / np.sqrt(hidden)
    u = lambda *shape: rng.uniform(-s, s, shape)  # noqa: E731
    arrays = {
        "emb": rng.standard_normal((vocab, emb)),
        "w": u(4 * hidden, emb + hidden),
        "b": u(4 * hidden) + u(4 * hidden),
        "w_dec": u(vocab, hidden),
        "b_dec": u(vocab),
    }
    return {k: nn.Parameter(Tensor(a.astype(dtype))) for k, a in arrays.items()}


def lstm_step(x, h, c, w, b):
    """One LSTM cell step (torch.nn.LSTMCell semantics): x (B, E), h and c (B, H), w (4H, E + H),
    b (4H,) -> (h', c'). Gates = linear([x, h], w, b) split as i, f, g, o."""
    from .. import functional as F
    from ..nn import functional as nnF

    hid = h.shape[1]
    gates = nnF.linear(F.cat([x, h], dim=1), w, b)
    i = nnF.sigmoid(gates[:, :hid])
    f = nnF.sigmoid(gates[:, hid : 2 * hid])
    g = nnF.tanh(gates[:, 2 * hid : 3 * hid])
    o = nnF.sigmoid(gates[:, 3 * hid :])
    c = f * c + i * g
    return o * nnF.tanh(c), c


def forward(params: dict, x: np.ndarray):
    """Logits (B * T, V) for int64 codes x (B, T), zero initial state, time-major flattening
    (row t * B + j is step t of sequence j)."""
    from .. import functional as F
    from ..creation import zeros
    from ..nn import functional as nnF

    bsz, steps = x.shape
    hid = params["w"].shape[0] // 4
    e = params["emb"][x.T]  # (T, B, E): integer-array getitem, gradient by scatter-add
    h = c = zeros(bsz, hid, dtype=params["w"].dtype)
    hs = []
    for t in range(steps):
        h, c = lstm_step(e[t], h, c, params["w"], params["b"])
        hs.append(h)
    return nnF.linear(F.cat(hs, dim=0), params["w_dec"], params["b_dec"])


def loss_on(params: dict, x: np.ndarray, y: np.ndarray):
    """Mean next-character cross-entropy (nats) of the windows x (B, T) with targets y (B, T)."""
    from ..nn import functional as nnF

    return nnF.cross_entropy(forward(params, x), y.T.reshape(-1))


def windows(codes: np.ndarray, starts: np.ndarray, length: int):
    """(inputs, targets), each (len(starts), length): codes[s:s+length], codes[s+1:s+1+length]."""
    idx = starts[:, None] + np.arange(length + 1)[None, :]
    w = codes[idx]
    return w[:, :-1], w[:, 1:]


def train(
    make_opt,
    seed: int,
    steps: int,
    codes: np.ndarray,
    vocab: int,
    *,
    emb: int = 16,
    hidden: int = 64,
    batch: int = 32,
    length: int = 24,
    eval_windows: int = 256,
    pass_loss: bool = False,
) -> dict:
    """`steps` Adam-style steps on random windows of `codes` (init and window order fixed by
    `seed`, so two optimizers with the same seed see identical init and data). Returns the
    per-step mini-batch losses, the final train loss (mean cross-entropy on `eval_windows` fixed
    training windows, no grad, after the last step) and the wall time."""
    from .. import no_grad

    params = init_params(vocab, emb, hidden, seed)
    opt = make_opt(list(params.values()))
    rng = np.random.default_rng(10_000 + seed)
    hi = len(codes) - length - 1
    ev_x, ev_y = windows(codes, np.random.default_rng(0).integers(0, hi, eval_windows), length)
    losses = []
    t0 = time.perf_counter()
    for _ in range(steps):
        x, y = windows(codes, rng.integers(0, hi, batch), length)
        opt.zero_grad()
        loss = loss_on(params, x, y)
        loss.backward()
        if pass_loss:
            opt.step(loss=loss)
        else:
            opt.step()
        losses.append(float(loss.item()))
    with no_grad():
        final = float(loss_on(params, ev_x, ev_y).item())
    return {"loss": losses, "final": final, "seconds": time.perf_counter() - t0}
