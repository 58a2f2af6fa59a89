"""Ported program: device-agnostic boilerplate and tensor plumbing from everyday training scripts.

Exercises: torch.device("cuda" if torch.cuda.is_available() else "cpu"), model.to(device),
x.to(device), .cpu().numpy(), Tensor.t(), expand, contiguous().view, torch.allclose, torch.cat,
torch.zeros_like, torch.manual_seed, float/long conversions, `x.size(0)`, `x.shape[-1]`.
"""

import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

rng = np.random.default_rng(13)
x = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.float32).to(device)
model = nn.Linear(3, 2).to(device)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]))
    model.bias.copy_(torch.tensor([0.1, -0.1]))

out = model(x)
manual = x @ model.weight.t() + model.bias
r = {"matches_manual": torch.allclose(out, manual, atol=1e-6)}

row = torch.tensor([[1.0, 2.0, 3.0]])
tiled = row.expand(4, 3)
r["expanded_sum"] = (x * tiled).sum().item()
r["contiguous_view"] = x.t().contiguous().view(-1)[:5].tolist()
r["cat_shape"] = list(torch.cat([x, torch.zeros_like(x)], dim=1).shape)
r["sizes"] = [x.size(0), x.shape[-1], x.dim()]

counts = (x > 0).long().sum(dim=0)
r["positive_counts"] = counts.tolist()
r["count_dtype_is_long"] = counts.dtype == torch.long
r["as_float_mean"] = (x > 0).float().mean().item()
r["numpy_roundtrip"] = out.detach().cpu().numpy().round(5).tolist()
model.cpu()
r["param_device"] = str(next(model.parameters()).device)

results = r
print(results)
