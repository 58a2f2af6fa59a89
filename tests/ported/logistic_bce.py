"""Ported program: binary logistic regression with BCEWithLogitsLoss.

Exercises: nn.BCEWithLogitsLoss on float targets, torch.sigmoid, thresholding
`(probs > 0.5).float()`, accuracy via .eq(...).float().mean(), SGD, a weight set from numpy
through `layer.weight.data = torch.tensor(...)` (a common older idiom).
"""

import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(12)
X_np = rng.standard_normal((200, 2)).astype(np.float32)
y_np = (X_np[:, 0] + 0.5 * X_np[:, 1] > 0.2).astype(np.float32)
X = torch.tensor(X_np)
y = torch.tensor(y_np).unsqueeze(1)

model = nn.Linear(2, 1)
model.weight.data = torch.tensor([[0.1, -0.1]])
model.bias.data = torch.tensor([0.0])
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

for _epoch in range(100):
    optimizer.zero_grad()
    logits = model(X)
    loss = criterion(logits, y)
    loss.backward()
    optimizer.step()

with torch.no_grad():
    probs = torch.sigmoid(model(X))
    pred = (probs > 0.5).float()
    acc = pred.eq(y).float().mean().item()

results = {
    "final_loss": loss.item(),
    "accuracy": acc,
    "weight": model.weight.detach().reshape(-1).tolist(),
    "bias": model.bias.item(),
    "prob_sum": probs.sum().item(),
}
print(results)
