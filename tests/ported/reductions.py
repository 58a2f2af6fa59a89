"""Ported program: reductions over dims (feature normalisation, per-row statistics, argmax).

Exercises: sum/mean over a dim and over a tuple of dims, keepdim broadcasting, max(dim) returning
(values, indices), torch.max(x, dim), argmax with and without dim, min, std, softmax rows summing
to one, torch.sum(x) and x.max() over everything.
"""

import numpy as np
import torch

rng = np.random.default_rng(4)
x = torch.tensor(rng.normal(3.0, 2.0, size=(8, 4, 5)), dtype=torch.float32)

r = {}
r["total"] = torch.sum(x).item()
r["mean_dim0"] = x.mean(dim=0).sum().item()
r["sum_dims_01"] = x.sum(dim=(0, 1)).tolist()
r["mean_keepdim_shape"] = list(x.mean(dim=2, keepdim=True).shape)

centered = x - x.mean(dim=2, keepdim=True)
r["centered_abs_max_mean"] = centered.mean(dim=2).abs().max().item()

flat = x.reshape(8, -1)
vals, idx = flat.max(dim=1)
r["row_max"] = vals.tolist()
r["row_argmax"] = idx.tolist()
r["torch_max_dim"] = torch.max(flat, 1)[1].tolist()
r["argmax_dim0"] = torch.argmax(flat, dim=0).tolist()
r["argmax_flat"] = flat.argmax().item()
r["global_max"] = x.max().item()
r["row_min"] = flat.min(dim=1).values.tolist()

feats = flat[:, :6]
normed = (feats - feats.mean(dim=0, keepdim=True)) / feats.std(dim=0, keepdim=True)
r["normed_means"] = normed.mean(dim=0).abs().max().item()
r["normed_std"] = normed.std(dim=0).tolist()

probs = torch.softmax(flat, dim=1)
r["prob_row_sums"] = probs.sum(dim=1).tolist()
r["top_class"] = probs.argmax(1).tolist()

results = r
print(results)
