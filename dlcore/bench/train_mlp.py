"""`dlcore bench train-mlp`: seconds per training epoch of the digits MLP, dlcore vs PyTorch.

The same model (Linear(64, H) -> ReLU -> Linear(H, 10), identical initial weights), data
(the 1,438-image standardised digits training split), batch 64, loss and optimizer in both;
dlcore trains through dlcore.train.fit with a shuffling DataLoader, torch through the idiomatic
loop over randperm-indexed tensors. torch runs in its own worker process (harness.Baselines).
"""

import numpy as np

from dlcore.bench import training

BATCH = 64
CASES = (
    dict(name="mlp-512 adam", hidden=512, opt="adam"),
    dict(name="mlp-128 sgd-m", hidden=128, opt="sgd"),
    dict(name="784-128-10 sgd-m, synthetic 60k", hidden=128, opt="sgd", data="synthetic"),
)


def data(case=None):
    """(x float32 (N, F), y int64 (N,)): the digits split, or TARGETS.md's synthetic 60k x 784."""
    if case is not None and case.get("data") == "synthetic":
        rng = np.random.default_rng(1)
        return (
            rng.standard_normal((60000, 784), dtype=np.float32),
            rng.integers(0, 10, 60000, dtype=np.int64),
        )
    from dlcore.tour.mlp import standardized_digits

    x, y = standardized_digits()[:2]
    return x, y


def init_weights(hidden, n_in=64):
    """float32 (W1 (H, F), b1 (H,), W2 (10, H), b2 (10,)), uniform(+-1/sqrt(fan_in)) as torch."""
    rng = np.random.default_rng(0)
    shapes = [((hidden, n_in), n_in), ((hidden,), n_in), ((10, hidden), hidden), ((10,), hidden)]
    return [rng.uniform(-1, 1, s).astype(np.float32) / np.float32(np.sqrt(f)) for s, f in shapes]


def reference_loss(ws, x, y):
    """float64 cross-entropy of the initial model on (x, y)."""
    w1, b1, w2, b2 = (w.astype(np.float64) for w in ws)
    logits = np.maximum(x @ w1.T + b1, 0) @ w2.T + b2
    m = logits.max(1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(1))
    return float(np.mean(lse - logits[np.arange(len(y)), y]))


def _dlcore_call(case, ws, x, y):
    import dlcore
    from dlcore import nn, optim
    from dlcore.data import DataLoader, TensorDataset
    from dlcore.train import fit

    model = nn.Sequential(nn.Linear(x.shape[1], case["hidden"]), nn.ReLU(), nn.Linear(case["hidden"], 10))
    model.load_state_dict(dict(zip(["0.weight", "0.bias", "2.weight", "2.bias"], ws)))
    loss_fn = nn.CrossEntropyLoss()
    first = loss_fn(model(dlcore.from_numpy(x[:BATCH])), dlcore.from_numpy(y[:BATCH])).item()
    opt = (
        optim.Adam(model.parameters(), lr=1e-3)
        if case["opt"] == "adam"
        else optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    )
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True, seed=0)
    return (lambda: fit(model, loss_fn, opt, loader, epochs=1, verbose=0)), first


def _torch_call(case, ws, x, y):
    import torch

    model = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], case["hidden"]), torch.nn.ReLU(), torch.nn.Linear(case["hidden"], 10)
    )
    with torch.no_grad():
        for p, w in zip(model.parameters(), ws):
            p.copy_(torch.from_numpy(w))
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    with torch.no_grad():
        first = loss_fn(model(xt[:BATCH]), yt[:BATCH]).item()
    opt = (
        torch.optim.Adam(model.parameters(), lr=1e-3)
        if case["opt"] == "adam"
        else torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    )
    gen = torch.Generator().manual_seed(0)

    def epoch():
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), BATCH):
            idx = perm[i : i + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    return epoch, first


def make_call(lib, case, threads):
    """(one training epoch, check) for lib; check: rel. error of the first-batch loss at init."""
    x, y = data(case)
    ws = init_weights(case["hidden"], x.shape[1])
    if lib == "dlcore":
        fn, first = _dlcore_call(case, ws, x, y)
    elif lib == "torch":
        fn, first = _torch_call(case, ws, x, y)
    else:
        raise ValueError(f"train-mlp has no {lib} implementation")
    ref = reference_loss(ws, x[:BATCH], y[:BATCH])
    return fn, (lambda: abs(first - ref) / abs(ref))


def run(args):
    x, _ = data()
    header = (
        f"# train-mlp: digits {len(x)} images (and synthetic 60k x 784), batch {BATCH}, one epoch per call"
    )
    return training.run(args, "dlcore.bench.train_mlp", CASES, header, f"train-mlp (digits, batch {BATCH})")
