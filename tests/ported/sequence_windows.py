"""Ported program: next-value prediction on a sine series cut into sliding windows.

Exercises: torch.linspace, torch.sin, windows `series[i:i + T]` indexed by 0-d tensors taken from
torch.arange and torch.randperm, torch.stack of windows, unsqueeze, an nn.Linear(T, 1) predictor
trained with Adam, evaluation on a held-out tail.
The randperm order depends on each library's RNG: the program reports only that it is a
permutation (its sorted values) and trains on the deterministic arange windows.
"""

import math

import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
N, T = 200, 8
t = torch.linspace(0, 6 * math.pi, N)
series = torch.sin(t) + 0.1 * torch.linspace(-1, 1, N)

starts = torch.arange(0, 150 - T)
X = torch.stack([series[i : i + T] for i in starts])
y = torch.stack([series[i + T] for i in starts]).unsqueeze(1)

perm = torch.randperm(len(starts))
shuffled = torch.stack([series[i : i + T] for i in starts[perm]])

model = nn.Linear(T, 1)
with torch.no_grad():
    model.weight.copy_(torch.tensor(np.full((1, T), 1.0 / T), dtype=torch.float32))
    model.bias.zero_()
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
for _epoch in range(100):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    optimizer.step()

test_starts = torch.arange(150, N - T)
X_test = torch.stack([series[i : i + T] for i in test_starts])
y_test = series[test_starts + T].unsqueeze(1)
with torch.no_grad():
    test_loss = nn.functional.mse_loss(model(X_test), y_test).item()

results = {
    "t_endpoints": [t[0].item(), t[-1].item(), (t[1] - t[0]).item()],
    "series_abs_sum": series.abs().sum().item(),
    "perm_is_permutation": sorted(perm.tolist()) == list(range(len(starts))),
    "shuffled_sum": shuffled.sum().item(),
    "train_loss": loss.item(),
    "test_loss": test_loss,
    "weight": model.weight.detach().reshape(-1).tolist(),
}
print(results)
