"""dlcore.manual_seed: the same seed gives bit-identical loss curves on the CPU at a fixed
thread count (init, dropout, shuffling and the fused optimizer steps); another seed differs."""

import numpy as np
import pytest

import dlcore
from dlcore import nn, optim


def _curve(seed, threads, opt_name):
    dlcore.set_num_threads(threads)
    dlcore.manual_seed(seed)
    x = dlcore.randn(128, 20)
    y = dlcore.tensor((x.numpy()[:, 0] > 0).astype(np.int64))
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 2))
    opt = {
        "Adam": lambda p: optim.Adam(p, lr=1e-2),
        "SGD": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
        "RMSprop": lambda p: optim.RMSprop(p, lr=1e-3, centered=True),
    }[opt_name](model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(3):
        perm = dlcore.random.generator().permutation(128)
        for i in range(0, 128, 32):
            idx = perm[i : i + 32]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("opt_name", ["Adam", "SGD", "RMSprop"])
def test_same_seed_same_curve(threads, opt_name):
    before = dlcore.get_num_threads()
    try:
        a = _curve(0, threads, opt_name)
        b = _curve(0, threads, opt_name)
        c = _curve(1, threads, opt_name)
    finally:
        dlcore.set_num_threads(before)
    assert a == b  # bit-identical floats
    assert a != c
