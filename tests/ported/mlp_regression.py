"""Ported program: MLP regression (nn.Sequential, MSELoss, SGD with momentum, full-batch loop).

Exercises: Linear/ReLU/Sequential, weights set from numpy under torch.no_grad() with copy_,
torch.tensor(..., dtype=torch.float32), loss.item(), optimizer.zero_grad/step, no_grad inference.
"""

import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
rng = np.random.default_rng(0)

# data: y = sin(x0) + 0.5 * x1 * x2 + noise
X_np = rng.uniform(-2, 2, size=(256, 3)).astype(np.float32)
y_np = (np.sin(X_np[:, 0]) + 0.5 * X_np[:, 1] * X_np[:, 2]).astype(np.float32)
y_np += 0.05 * rng.standard_normal(256).astype(np.float32)
X = torch.tensor(X_np, dtype=torch.float32)
y = torch.tensor(y_np, dtype=torch.float32).reshape(-1, 1)

model = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))
with torch.no_grad():  # identical starting weights in every library
    for layer in model:
        if isinstance(layer, nn.Linear):
            bound = 1.0 / np.sqrt(layer.in_features)
            w = rng.uniform(-bound, bound, layer.weight.shape)
            b = rng.uniform(-bound, bound, layer.bias.shape)
            layer.weight.copy_(torch.tensor(w, dtype=torch.float32))
            layer.bias.copy_(torch.tensor(b, dtype=torch.float32))

loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

losses = []
for _epoch in range(150):
    optimizer.zero_grad()
    pred = model(X)
    loss = loss_fn(pred, y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

model.eval()
with torch.no_grad():
    X_test = torch.tensor([[0.5, 1.0, -1.0], [-1.5, 0.2, 0.3]])
    y_test = model(X_test)

results = {
    "first_loss": losses[0],
    "loss_at_50": losses[50],
    "final_loss": losses[-1],
    "weight_sum_0": model[0].weight.sum().item(),
    "bias_sum_4": model[4].bias.sum().item(),
    "test_pred": y_test.squeeze(1).tolist(),
}
print(results)
