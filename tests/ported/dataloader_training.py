"""Ported program: TensorDataset + DataLoader (batch_size, shuffle under a seed) in a training loop.

Exercises: TensorDataset(X, y), len(dataset), len(loader), `for xb, yb in loader`, batch shapes,
shuffle=True under torch.manual_seed, shuffle=False training compared exactly.
The shuffled epoch order depends on each library's RNG, so for it the program reports only
order-independent quantities (sample count, sum of all samples seen, labels seen, batch sizes).
"""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
rng = np.random.default_rng(5)
X = torch.tensor(rng.standard_normal((100, 3)), dtype=torch.float32)
y = torch.tensor(rng.integers(0, 2, 100), dtype=torch.long)
dataset = TensorDataset(X, y)

r = {"len_dataset": len(dataset)}
first_x, first_y = dataset[0]
r["first_sample"] = first_x.tolist() + [first_y.item()]

loader = DataLoader(dataset, batch_size=16, shuffle=True)
r["len_loader"] = len(loader)
for epoch in range(2):
    sizes, x_sum, label_sum = [], 0.0, 0
    for xb, yb in loader:
        sizes.append(xb.shape[0])
        x_sum += xb.sum().item()
        label_sum += yb.sum().item()
    r[f"epoch{epoch}_batch_sizes"] = sizes
    r[f"epoch{epoch}_x_sum"] = x_sum
    r[f"epoch{epoch}_label_sum"] = label_sum

model = nn.Linear(3, 2)
with torch.no_grad():
    model.weight.copy_(torch.tensor(rng.normal(0, 0.5, (2, 3)), dtype=torch.float32))
    model.bias.zero_()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()

ordered = DataLoader(dataset, batch_size=32, shuffle=False, drop_last=True)
r["len_ordered"] = len(ordered)
for _epoch in range(5):
    for xb, yb in ordered:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
r["final_loss"] = loss.item()
r["weight"] = model.weight.detach().reshape(-1).tolist()

results = r
print(results)
