"""Shared pieces of the optimizer tour entries (F15-F21): the digits split, a small MLP, a plain
mini-batch training loop, and float64 numpy references of the update rules for parity checks.
Not an entry module (the leading underscore keeps the registry away)."""
from __future__ import annotations

import time

import numpy as np


def digits(seed: int = 0, n_test: int = 360):
    """sklearn's 8x8 digits scaled to [0, 1]: (x_train, y_train, x_test, y_test)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    perm = np.random.default_rng(seed).permutation(len(x))
    te, tr = perm[:n_test], perm[n_test:]
    return x[tr], y[tr], x[te], y[te]


def mlp(seed: int, hidden: int = 64):
    from .. import manual_seed, nn

    manual_seed(seed)
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def accuracy(model, x, y) -> float:
    from .. import no_grad, tensor

    with no_grad():
        logits = model(tensor(x)).numpy()
    return float((logits.argmax(1) == y).mean())


def train_digits(make_opt, seed: int, epochs: int, data=None, batch: int = 32, hidden: int = 64,
                 target_acc: float | None = None, pass_loss: bool = False) -> dict:
    """Mini-batch training of mlp(seed) on digits. make_opt(params) -> optimizer. Stops early
    once test accuracy >= target_acc (if given). Returns per-epoch train loss / test accuracy,
    the first epoch reaching target_acc (None if never) and the wall time."""
    from .. import nn, random, tensor

    xtr, ytr, xte, yte = data if data is not None else digits()
    model = mlp(seed, hidden)
    opt = make_opt(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    losses, accs, reached = [], [], None
    t0 = time.perf_counter()
    for ep in range(1, epochs + 1):
        perm = random.generator().permutation(len(xtr))
        total = 0.0
        for i in range(0, len(xtr), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(tensor(xtr[idx])), tensor(ytr[idx]))
            loss.backward()
            if pass_loss:
                opt.step(loss=loss)
            else:
                opt.step()
            total += float(loss.item()) * len(idx)
        losses.append(total / len(xtr))
        accs.append(accuracy(model, xte, yte))
        if target_acc is not None and reached is None and accs[-1] >= target_acc:
            reached = ep
            break
    return {"loss": losses, "acc": accs, "reached": reached, "seconds": time.perf_counter() - t0}


# ---- float64 numpy references of the update rules (torch.optim semantics) --------------------

def _ref_step(name, p, g, st, cfg):
    lr = cfg["lr"]
    t = st["t"] = st.get("t", 0) + 1
    if name == "SGD":
        g = g + cfg.get("weight_decay", 0.0) * p
        mom, damp = cfg.get("momentum", 0.0), cfg.get("dampening", 0.0)
        nest = cfg.get("nesterov", False)
        if mom:
            st["b"] = g.copy() if t == 1 else mom * st["b"] + (1 - damp) * g
            g = g + mom * st["b"] if nest else st["b"]
        p -= lr * g
    elif name == "Adagrad":
        st["s"] = st.get("s", 0.0) + g * g
        clr = lr / (1 + (t - 1) * cfg.get("lr_decay", 0.0))
        p -= clr * g / (np.sqrt(st["s"]) + cfg.get("eps", 1e-10))
    elif name == "RMSprop":
        a = cfg.get("alpha", 0.99)
        st["s"] = a * st.get("s", 0.0) + (1 - a) * g * g
        p -= lr * g / (np.sqrt(st["s"]) + cfg.get("eps", 1e-8))
    elif name in ("Adam", "AdamW"):
        if name == "AdamW":
            p *= 1 - lr * cfg.get("weight_decay", 1e-2)
        b1, b2 = cfg.get("betas", (0.9, 0.999))
        st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
        st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g * g
        p -= lr / cfg.get("d", 1.0) * (st["m"] / (1 - b1 ** t)) / (
            np.sqrt(st["v"] / (1 - b2 ** t)) + cfg.get("eps", 1e-8))
    else:
        raise ValueError(name)


def parity(name: str, cfg: dict, steps: int = 100, n: int = 1000, seed: int = 0) -> float:
    """Max relative difference between dlcore's float32 optimizer and the float64 numpy reference
    over `steps` steps of random gradients (open loop) on n parameters in 3 tensors."""
    from .. import nn, optim
    from ..tensor import Tensor

    rng = np.random.default_rng(seed)
    shapes = [(n // 2,), (n // 8, 2), (n - n // 2 - n // 4,)]
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    params = [nn.Parameter(Tensor(a.copy())) for a in init]
    opt = getattr(optim, name)(params, **cfg)
    ref = [a.astype(np.float64) for a in init]
    states = [{} for _ in ref]
    for _ in range(steps):
        opt.zero_grad()
        for p, r, st in zip(params, ref, states):
            g = rng.standard_normal(p.shape).astype(np.float32)
            p.grad.data[...] = g
            _ref_step(name, r, g.astype(np.float64), st, cfg)
        opt.step()
    num = max(float(np.abs(p.data - r).max()) for p, r in zip(params, ref))
    return num / max(float(np.abs(r).max()) for r in ref)
