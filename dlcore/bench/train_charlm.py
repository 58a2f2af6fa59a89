"""`dlcore bench train-charlm`: seconds per training epoch of the character LSTM language model,
dlcore vs PyTorch.

The same model (dlcore.models.CharLM and its torch twin: Embedding(27, 32) -> LSTM(32, 128,
num_layers=2, batch_first) -> Linear(128, 27), identical initial weights), the same batches
(the 400-line toy-grammar corpus, dlcore.data.toy_grammar, cut into 292 non-overlapping windows
of 50 characters, shuffled once with seed 0, batches of 32 in that order; the last batch has
4 windows), mean next-character cross-entropy and Adam (lr 2e-3) in both. dlcore trains through
dlcore.train.fit over a DataLoader of the windows, torch through the idiomatic loop over
slices of the same tensors, in its own worker process (harness.Baselines).
"""

import numpy as np

from dlcore.bench import training

BATCH, LENGTH, EMBED, HIDDEN, LAYERS = 32, 50, 32, 128, 2
CASES = (dict(name="charlm adam", opt="adam"),)


def data():
    """(x, y) int64 (N, LENGTH) windows and their next characters, and the vocabulary size."""
    from dlcore.data import char_batches, encode_chars, toy_grammar

    codes, vocab = encode_chars(toy_grammar())
    x, y = char_batches(codes, LENGTH, seed=0)
    return x, y, len(vocab)


def names():
    lstm = [f"lstm.{w}_l{k}" for k in range(LAYERS) for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    return ["embed.weight", *lstm, "decoder.weight", "decoder.bias"]


def init_weights(vocab):
    """float32 weights by names(), drawn as torch's defaults: embedding N(0, 1); LSTM and decoder
    U(+-1/sqrt(HIDDEN))."""
    rng = np.random.default_rng(0)
    s = 1.0 / np.sqrt(HIDDEN)
    ws = [rng.standard_normal((vocab, EMBED))]
    for k in range(LAYERS):
        fan_in = EMBED if k == 0 else HIDDEN
        shapes = [(4 * HIDDEN, fan_in), (4 * HIDDEN, HIDDEN), (4 * HIDDEN,), (4 * HIDDEN,)]
        ws += [rng.uniform(-s, s, shape) for shape in shapes]
    ws += [rng.uniform(-s, s, (vocab, HIDDEN)), rng.uniform(-s, s, vocab)]
    return [w.astype(np.float32) for w in ws]


def reference_loss(ws, x, y):
    """float64 mean cross-entropy of the initial model on the (B, T) windows x, targets y."""
    from dlcore.reference_rnn import rnn_forward_ref

    w = [a.astype(np.float64) for a in ws]
    h = w[0][x.T]  # (T, B, E)
    zeros = np.zeros((x.shape[0], HIDDEN))
    for k in range(LAYERS):
        w_ih, w_hh, b_ih, b_hh = w[1 + 4 * k : 5 + 4 * k]
        h = rnn_forward_ref("lstm", h, zeros, zeros, w_ih, w_hh, b_ih, b_hh, None, False)[0]
    logits = (h @ w[-2].T + w[-1]).reshape(-1, w[-1].shape[0])
    t = y.T.reshape(-1)
    m = logits.max(1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(1))
    return float(np.mean(lse - logits[np.arange(len(t)), t]))


def dlcore_epoch(ws, x, y, vocab):
    """(one epoch of dlcore.train.fit, the first batch's loss, the CharLM trained)."""
    import dlcore
    from dlcore import nn, optim
    from dlcore.data import DataLoader, TensorDataset
    from dlcore.models import CharLM
    from dlcore.train import fit

    model = CharLM(vocab, EMBED, HIDDEN, num_layers=LAYERS, batch_first=True)
    model.load_state_dict(dict(zip(names(), ws)))
    ce = nn.CrossEntropyLoss()

    def loss_fn(out, target):
        return ce(out[0].reshape(-1, vocab), target.reshape(-1))

    with dlcore.no_grad():
        first = loss_fn(model(x[:BATCH]), dlcore.from_numpy(y[:BATCH])).item()
    opt = optim.Adam(model.parameters(), lr=2e-3)
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=False)
    return (lambda: fit(model, loss_fn, opt, loader, epochs=1, verbose=0)), first, model


def torch_epoch(ws, x, y, vocab):
    """(one epoch of the torch loop, the first batch's loss, the torch twin trained)."""
    import torch

    class TorchCharLM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(vocab, EMBED)
            self.lstm = torch.nn.LSTM(EMBED, HIDDEN, LAYERS, batch_first=True)
            self.decoder = torch.nn.Linear(HIDDEN, vocab)

        def forward(self, codes):
            out, state = self.lstm(self.embed(codes))
            return self.decoder(out), state

    model = TorchCharLM()
    model.load_state_dict({k: torch.from_numpy(w) for k, w in zip(names(), ws)})
    ce = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    with torch.no_grad():
        first = ce(model(xt[:BATCH])[0].reshape(-1, vocab), yt[:BATCH].reshape(-1)).item()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)

    def epoch():
        model.train()
        for i in range(0, len(xt), BATCH):
            opt.zero_grad()
            loss = ce(model(xt[i : i + BATCH])[0].reshape(-1, vocab), yt[i : i + BATCH].reshape(-1))
            loss.backward()
            opt.step()

    return epoch, first, model


def make_call(lib, case, threads):
    """(one training epoch, check) for lib; check: rel. error of the first-batch loss at init."""
    x, y, vocab = data()
    ws = init_weights(vocab)
    if lib == "dlcore":
        fn, first, _ = dlcore_epoch(ws, x, y, vocab)
    elif lib == "torch":
        fn, first, _ = torch_epoch(ws, x, y, vocab)
    else:
        raise ValueError(f"train-charlm has no {lib} implementation")
    ref = reference_loss(ws, x[:BATCH], y[:BATCH])
    return fn, (lambda: abs(first - ref) / abs(ref))


def run(args):
    x, _, vocab = data()
    header = (
        f"# train-charlm: {len(x)} windows of {LENGTH} characters (vocabulary {vocab}), batch {BATCH}, "
        f"CharLM embed {EMBED}, LSTM {HIDDEN} x {LAYERS} layers, Adam; one epoch per call"
    )
    title = f"train-charlm (char LSTM LM, T {LENGTH}, batch {BATCH}, H {HIDDEN} x {LAYERS})"
    return training.run(args, "dlcore.bench.train_charlm", CASES, header, title)
