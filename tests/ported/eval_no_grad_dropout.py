"""Ported program: train/eval modes, Dropout and gradient-free evaluation.

Exercises: nn.Dropout in train vs eval mode, model.training flags, torch.no_grad() as a context
and as a decorator, requires_grad of results, .detach(), torch.set_grad_enabled-free evaluation.
Dropout masks depend on each library's RNG: the program reports only seed-independent facts
(kept activations are scaled by exactly 1/(1-p); dropped ones are 0; eval mode is the identity).
"""

import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
rng = np.random.default_rng(8)
x = torch.tensor(rng.uniform(0.5, 1.5, (64, 10)), dtype=torch.float32)

model = nn.Sequential(nn.Linear(10, 10), nn.ReLU(), nn.Dropout(p=0.25), nn.Linear(10, 1))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor(rng.normal(0, 0.3, (10, 10)), dtype=torch.float32))
    model[0].bias.fill_(0.1)
    model[3].weight.copy_(torch.tensor(rng.normal(0, 0.3, (1, 10)), dtype=torch.float32))
    model[3].bias.zero_()

r = {"training_default": model.training}
drop = model[2]
h = model[1](model[0](x)).detach()
out_train = drop(h)
kept = out_train != 0
ratio = out_train[kept] / h[kept]
r["kept_scale_min"] = ratio.min().item()
r["kept_scale_max"] = ratio.max().item()
r["zeros_only_where_dropped"] = bool((out_train[~kept] == 0).all().item())
r["train_out_requires_grad"] = model(x).requires_grad

model.eval()
r["training_after_eval"] = [m.training for m in model]
r["eval_is_identity"] = bool((drop(h) == h).all().item())
with torch.no_grad():
    out = model(x)
r["no_grad_requires_grad"] = out.requires_grad
r["eval_out_sum"] = out.sum().item()


@torch.no_grad()
def predict(m, inputs):
    return m(inputs)


pred = predict(model, x[:5])
r["decorated_requires_grad"] = pred.requires_grad
r["decorated_pred"] = pred.squeeze(1).tolist()
r["grad_enabled_after"] = torch.is_grad_enabled()
model.train()
r["training_after_train"] = model.training

results = r
print(results)
