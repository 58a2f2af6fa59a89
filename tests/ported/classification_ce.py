"""Ported program: 3-class classification (nn.Module subclass, CrossEntropyLoss, Adam).

Exercises: integer labels as torch.long, `_, pred = out.max(1)` accuracy, (pred == y).sum().item(),
a custom Module with forward, F.relu, model.eval() + torch.no_grad() evaluation, argmax(dim=1).
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
rng = np.random.default_rng(1)

centers = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
y_np = np.repeat(np.arange(3), 100)
X_np = centers[y_np] + rng.normal(0, 0.9, size=(300, 2))
X = torch.tensor(X_np, dtype=torch.float32)
y = torch.tensor(y_np, dtype=torch.long)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = Net()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.4, p.shape), dtype=torch.float32))

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

for _epoch in range(60):
    model.train()
    optimizer.zero_grad()
    out = model(X)
    loss = criterion(out, y)
    loss.backward()
    optimizer.step()
    _, pred = out.max(1)
    train_acc = (pred == y).sum().item() / y.size(0)

model.eval()
with torch.no_grad():
    out = model(X)
    test_loss = criterion(out, y).item()
    pred = out.argmax(dim=1)
    correct = (pred == y).sum().item()

results = {
    "final_train_loss": loss.item(),
    "train_acc_last_epoch": train_acc,
    "eval_loss": test_loss,
    "correct": correct,
    "pred_counts": [(pred == c).sum().item() for c in range(3)],
    "fc2_weight_sum": model.fc2.weight.sum().item(),
}
print(results)
