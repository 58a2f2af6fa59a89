"""Ported program: fine-tuning with a frozen layer and per-group learning rates.

Exercises: requires_grad_(False) on a pretrained layer, an optimizer over
filter(lambda p: p.requires_grad, model.parameters()), parameter groups with their own lr and
weight_decay, changing a group's lr by hand mid-training, model.zero_grad(), frozen weights
staying bit-identical, .grad of a frozen parameter staying None, named_parameters().
"""

import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(15)
X = torch.tensor(rng.standard_normal((96, 6)), dtype=torch.float32)
y = torch.tensor(rng.integers(0, 3, 96), dtype=torch.int64)

backbone = nn.Linear(6, 12)
head = nn.Sequential(nn.ReLU(), nn.Linear(12, 12), nn.Tanh(), nn.Linear(12, 3))
model = nn.Sequential(backbone, head)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.4, p.shape), dtype=torch.float32))

for p in backbone.parameters():
    p.requires_grad_(False)
frozen_before = backbone.weight.detach().clone()

trainable = list(filter(lambda p: p.requires_grad, model.parameters()))
optimizer = torch.optim.SGD(
    [
        {"params": head[1].parameters(), "lr": 0.05},
        {"params": head[3].parameters(), "weight_decay": 1e-3},
    ],
    lr=0.2,
    momentum=0.9,
)
criterion = nn.CrossEntropyLoss()
losses = []
for step in range(30):
    if step == 15:
        optimizer.param_groups[1]["lr"] = 0.02
    model.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

results = {
    "n_trainable": len(trainable),
    "trainable_names": [n for n, p in model.named_parameters() if p.requires_grad],
    "frozen_max_change": (backbone.weight - frozen_before).abs().max().item(),
    "frozen_grad_is_none": backbone.weight.grad is None,
    "group_lrs": [g["lr"] for g in optimizer.param_groups],
    "loss_first_mid_last": [losses[0], losses[15], losses[-1]],
    "head_sum": sum(p.sum().item() for p in head.parameters()),
}
print(results)
