"""Ported program: indexing and slicing as user code does it.

Exercises: basic slices, steps, negative indices, fancy indexing with a long tensor and with lists,
boolean masks (read and masked assignment), `x[torch.arange(n), labels]` picking, `data[i:i + T]`
with a 0-d tensor i, `.flip(0)` (torch has no negative slice steps), gradients through indexing.
"""

import numpy as np
import torch

rng = np.random.default_rng(3)
x = torch.tensor(rng.standard_normal((6, 5)), dtype=torch.float32)

r = {}
r["row2"] = x[2].tolist()
r["col_last"] = x[:, -1].tolist()
r["block"] = x[1:4, ::2].sum().item()
r["every_other_row_sum"] = x[::2].sum().item()
r["fancy_rows"] = x[torch.tensor([0, 3, 3, 5])].sum(dim=1).tolist()
r["fancy_cols_list"] = x[:, [0, 2]].sum().item()
r["fancy_pairs"] = x[[0, 1, 2], [4, 3, 2]].tolist()

labels = torch.tensor([1, 0, 4, 2, 2, 3], dtype=torch.long)
r["picked"] = x[torch.arange(6), labels].tolist()

mask = x > 0.5
r["mask_count"] = mask.sum().item()
r["masked_sum"] = x[mask].sum().item()
y = x.clone()
y[y < 0] = 0.0
r["relu_by_mask_sum"] = y.sum().item()
y[:, 0] = torch.tensor([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
r["col_assigned_sum"] = y.sum().item()

r["flipped_first_row"] = x.flip(0)[0].tolist()
r["ellipsis"] = x[..., 1].sum().item()
r["newaxis_shape"] = list(x[None, :, 2].shape)

data = torch.tensor(rng.integers(0, 10, 40), dtype=torch.long)
T = 4
starts = torch.tensor([0, 7, 19, 35])
windows = [data[i : i + T] for i in starts]
r["windows"] = [w.tolist() for w in windows]
r["stacked_sum"] = torch.stack([data[i + 1 : i + T + 1] for i in starts]).sum().item()

w = torch.tensor(rng.standard_normal((5, 3)), dtype=torch.float32, requires_grad=True)
idx = torch.tensor([4, 0, 4, 2])
loss = (w[idx] ** 2).sum() + w[1:, 1].sum()
loss.backward()
r["grad_rows"] = w.grad.sum(dim=1).tolist()

results = r
print(results)
