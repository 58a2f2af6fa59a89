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


def _dlcore_model(case, ws, n_in):
    from dlcore import nn

    model = nn.Sequential(nn.Linear(n_in, case["hidden"]), nn.ReLU(), nn.Linear(case["hidden"], 10))
    model.load_state_dict(dict(zip(["0.weight", "0.bias", "2.weight", "2.bias"], ws)))
    return model


def _torch_model(case, ws, n_in):
    import torch

    model = torch.nn.Sequential(
        torch.nn.Linear(n_in, case["hidden"]), torch.nn.ReLU(), torch.nn.Linear(case["hidden"], 10)
    )
    with torch.no_grad():
        for p, w in zip(model.parameters(), ws):
            p.copy_(torch.from_numpy(w))
    return model


def make_call(lib, case, threads):
    """(one training epoch, check) for lib; check: rel. error of the first-batch loss at init."""
    x, y = data(case)
    ws = init_weights(case["hidden"], x.shape[1])
    if lib == "dlcore":
        fn, first = training.dlcore_epoch(_dlcore_model(case, ws, x.shape[1]), case, x, y, BATCH)
    elif lib == "torch":
        fn, first = training.torch_epoch(_torch_model(case, ws, x.shape[1]), case, x, y, BATCH)
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
