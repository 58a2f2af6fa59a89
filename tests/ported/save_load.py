"""Ported program: checkpoint save/load round trip.

Exercises: torch.save(model.state_dict(), path) / model.load_state_dict(torch.load(path)),
state_dict keys, a checkpoint dict {"model", "optimizer", "epoch"} saved and resumed so that
training continues exactly as without the interruption.
"""

import os
import tempfile

import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(7)
X = torch.tensor(rng.standard_normal((64, 4)), dtype=torch.float32)
y = torch.tensor(rng.standard_normal((64, 2)), dtype=torch.float32)
init = {
    "0.weight": rng.normal(0, 0.5, (8, 4)),
    "0.bias": np.zeros(8),
    "2.weight": rng.normal(0, 0.5, (2, 8)),
    "2.bias": np.zeros(2),
}


def make_model():
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    model.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in init.items()})
    return model


def train(model, optimizer, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
    return loss.item()


r = {}
model = make_model()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
train(model, optimizer, 10)

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "model.pt")
    torch.save(model.state_dict(), path)
    loaded = make_model()
    loaded.load_state_dict(torch.load(path))
    r["keys"] = list(loaded.state_dict().keys())
    r["max_abs_diff_after_load"] = (loaded(X) - model(X)).abs().max().item()

    ckpt = os.path.join(tmp, "checkpoint.pt")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 10}, ckpt)
    r["uninterrupted_loss"] = train(model, optimizer, 10)

    checkpoint = torch.load(ckpt)
    resumed = make_model()
    resumed_opt = torch.optim.Adam(resumed.parameters(), lr=0.01)
    resumed.load_state_dict(checkpoint["model"])
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    r["epoch"] = checkpoint["epoch"]
    r["resumed_loss"] = train(resumed, resumed_opt, 10)
    r["resumed_equals_uninterrupted"] = bool((resumed(X) - model(X)).abs().max().item() == 0.0)

results = r
print(results)
