"""Ported program: a map-style Dataset subclass feeding a DataLoader, with a train/validation split.

Exercises: subclassing torch.utils.data.Dataset (__len__/__getitem__ returning a float tensor and
an int label), DataLoader collation of those samples, num_workers=0 (the usual explicit
default), per-epoch validation with model.eval()/torch.no_grad(), accuracy summed over batches.
No shuffling: every quantity is deterministic.
"""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class Rings(Dataset):
    """Points on two noisy rings; label 1 for the outer ring."""

    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, 2, n)
        angle = rng.uniform(0, 2 * np.pi, n)
        radius = 1.0 + self.labels + 0.2 * rng.standard_normal(n)
        self.points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        x = torch.tensor(self.points[i], dtype=torch.float32)
        return x, int(self.labels[i])


train_loader = DataLoader(Rings(160, seed=0), batch_size=32, num_workers=0)
val_loader = DataLoader(Rings(64, seed=1), batch_size=64, num_workers=0)

rng = np.random.default_rng(14)
model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.5, p.shape), dtype=torch.float32))
optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
criterion = nn.CrossEntropyLoss()

history = []
for _epoch in range(8):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
    model.eval()
    correct, total, val_loss = 0, 0, 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            out = model(xb)
            val_loss += criterion(out, yb).item() * len(yb)
            correct += (out.argmax(dim=1) == yb).sum().item()
            total += len(yb)
    history.append([val_loss / total, correct / total])

xb, yb = next(iter(train_loader))
results = {
    "batch_shapes": [list(xb.shape), list(yb.shape)],
    "label_dtype_is_int64": str(yb.dtype).endswith("int64"),
    "last_train_loss": loss.item(),
    "val_history": history,
}
print(results)
