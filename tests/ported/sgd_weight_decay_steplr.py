"""Ported program: linear regression with SGD (momentum + weight decay) under a StepLR schedule.

Exercises: nn.Linear, F.mse_loss, SGD(momentum, weight_decay, nesterov), StepLR stepped once per
epoch after optimizer.step(), scheduler.get_last_lr(), optimizer.param_groups[0]["lr"],
mini-batches cut by plain slicing X[i:i + bs].
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.lr_scheduler import StepLR

rng = np.random.default_rng(2)
true_w = np.array([[1.5, -2.0, 0.7, 0.0]], dtype=np.float32)
X_np = rng.standard_normal((128, 4)).astype(np.float32)
y_np = X_np @ true_w.T + 0.3 + 0.1 * rng.standard_normal((128, 1)).astype(np.float32)
X, y = torch.tensor(X_np), torch.tensor(y_np)

model = nn.Linear(4, 1)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.1, 0.1, -0.1, 0.2]]))
    model.bias.fill_(0.0)

optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-2, nesterov=True)
scheduler = StepLR(optimizer, step_size=5, gamma=0.5)

bs = 32
lrs, epoch_losses = [], []
for _epoch in range(20):
    total = 0.0
    for i in range(0, X.shape[0], bs):
        xb, yb = X[i : i + bs], y[i : i + bs]
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * xb.shape[0]
    epoch_losses.append(total / X.shape[0])
    lrs.append(optimizer.param_groups[0]["lr"])
    scheduler.step()

results = {
    "lrs": lrs,
    "last_lr_after": scheduler.get_last_lr()[0],
    "epoch_losses_first_last": [epoch_losses[0], epoch_losses[-1]],
    "weight": model.weight.detach().reshape(-1).tolist(),
    "bias": model.bias.item(),
}
print(results)
