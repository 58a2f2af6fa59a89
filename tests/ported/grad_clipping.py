"""Ported program: gradient clipping in a training loop with a deliberately large learning rate.

Exercises: nn.utils.clip_grad_norm_ (its returned total norm logged with .item()),
nn.utils.clip_grad_value_, p.grad inspection, AdamW with weight decay, a loss that would diverge
without clipping.
"""

import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(9)
X = torch.tensor(rng.standard_normal((128, 5)) * 4.0, dtype=torch.float32)
y = torch.tensor(rng.standard_normal((128, 1)) * 10.0, dtype=torch.float32)

model = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 1))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.5, p.shape), dtype=torch.float32))

optimizer = torch.optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.1)
norms, losses = [], []
for _step in range(40):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    total_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    norms.append(total_norm.item())
    optimizer.step()
    losses.append(loss.item())

clipped_norm = torch.sqrt(sum((p.grad**2).sum() for p in model.parameters())).item()

optimizer.zero_grad()
nn.functional.mse_loss(model(X), y).backward()
nn.utils.clip_grad_value_(model.parameters(), clip_value=0.01)
max_grad = max(p.grad.abs().max().item() for p in model.parameters())

results = {
    "first_norm": norms[0],
    "norms_tail": norms[-3:],
    "norm_after_clip": clipped_norm,
    "max_grad_after_value_clip": max_grad,
    "loss_first_last": [losses[0], losses[-1]],
}
print(results)
