"""`dlcore bench train-cnn`: seconds per training epoch of the digits CNN, dlcore vs PyTorch.

The same model (Conv2d(1, 32, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Conv2d(32, 64, 3,
padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(256, 128) -> ReLU -> Linear(128, 10),
identical initial weights), data (the 1,438-image standardised digits training split as
(N, 1, 8, 8)), batch 64, cross-entropy and optimizer in both; dlcore trains through
dlcore.train.fit with a shuffling DataLoader, torch through the idiomatic loop over
randperm-indexed tensors, in its own worker process (harness.Baselines).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from dlcore.bench import training

BATCH = 64
CASES = (
    dict(name="cnn adam", opt="adam"),
    dict(name="cnn sgd-m", opt="sgd"),
)
NAMES = ("0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias")


def data():
    """(x float32 (N, 1, 8, 8), y int64 (N,)): the standardised digits training split."""
    from dlcore.tour.mlp import standardized_digits

    x, y = standardized_digits()[:2]
    return np.ascontiguousarray(x.reshape(-1, 1, 8, 8)), y


def init_weights():
    """float32 weights by NAMES, uniform(+-1/sqrt(fan_in)) as torch's default init."""
    rng = np.random.default_rng(0)
    shapes = [(32, 1, 3, 3), (32,), (64, 32, 3, 3), (64,), (128, 256), (128,), (10, 128), (10,)]
    fans = [9, 9, 288, 288, 256, 256, 128, 128]
    return [rng.uniform(-1, 1, s).astype(np.float32) / np.float32(np.sqrt(f)) for s, f in zip(shapes, fans)]


def _conv_relu_pool(x, w, b):
    """float64 conv (3x3, padding 1) -> ReLU -> 2x2 max-pool of x (N, C, H, W)."""
    win = sliding_window_view(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3), axis=(2, 3))
    y = np.maximum(np.einsum("nchwrs,kcrs->nkhw", win, w) + b[:, None, None], 0)
    n, k, h, wd = y.shape
    return y.reshape(n, k, h // 2, 2, wd // 2, 2).max(axis=(3, 5))


def reference_loss(ws, x, y):
    """float64 cross-entropy of the initial model on (x, y)."""
    w = [a.astype(np.float64) for a in ws]
    h = _conv_relu_pool(_conv_relu_pool(x.astype(np.float64), w[0], w[1]), w[2], w[3]).reshape(len(x), -1)
    logits = np.maximum(h @ w[4].T + w[5], 0) @ w[6].T + w[7]
    m = logits.max(1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(1))
    return float(np.mean(lse - logits[np.arange(len(y)), y]))


def _layers(nn):
    return [
        nn.Conv2d(1, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    ]


def make_call(lib, case, threads):
    """(one training epoch, check) for lib; check: rel. error of the first-batch loss at init."""
    x, y = data()
    ws = init_weights()
    if lib == "dlcore":
        from dlcore import nn

        model = nn.Sequential(*_layers(nn))
        model.load_state_dict(dict(zip(NAMES, ws)))
        fn, first = training.dlcore_epoch(model, case, x, y, BATCH)
    elif lib == "torch":
        import torch

        model = torch.nn.Sequential(*_layers(torch.nn))
        model.load_state_dict({k: torch.from_numpy(w) for k, w in zip(NAMES, ws)})
        fn, first = training.torch_epoch(model, case, x, y, BATCH)
    else:
        raise ValueError(f"train-cnn has no {lib} implementation")
    ref = reference_loss(ws, x[:BATCH], y[:BATCH])
    return fn, (lambda: abs(first - ref) / abs(ref))


def run(args):
    x, _ = data()
    header = f"# train-cnn: digits {len(x)} images 1x8x8, batch {BATCH}, one epoch per call"
    return training.run(
        args, "dlcore.bench.train_cnn", CASES, header, f"train-cnn (digits CNN, batch {BATCH})"
    )
