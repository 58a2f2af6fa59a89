"""Ported program: learning-rate schedules driving a small model.

Exercises: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR warm-up and
ReduceLROnPlateau (fed the epoch loss), each on its own nn.Linear + SGD; the lr read back from
optimizer.param_groups and get_last_lr(); scheduler.state_dict() round trip into a fresh scheduler.
"""

import numpy as np
import torch
from torch import nn, optim
from torch.optim import lr_scheduler

rng = np.random.default_rng(6)
X = torch.tensor(rng.standard_normal((32, 2)), dtype=torch.float32)
y = torch.tensor(rng.standard_normal((32, 1)), dtype=torch.float32)


def make():
    model = nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.3, -0.2]]))
        model.bias.zero_()
    return model, optim.SGD(model.parameters(), lr=0.1, momentum=0.5)


schedules = {
    "step": lambda opt: lr_scheduler.StepLR(opt, step_size=3, gamma=0.5),
    "multistep": lambda opt: lr_scheduler.MultiStepLR(opt, milestones=[2, 5, 9], gamma=0.3),
    "exponential": lambda opt: lr_scheduler.ExponentialLR(opt, gamma=0.9),
    "cosine": lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.001),
    "linear_warmup": lambda opt: lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=4),
}

r = {}
for name, make_sched in schedules.items():
    model, opt = make()
    sched = make_sched(opt)
    lrs = []
    for _epoch in range(12):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        lrs.append(opt.param_groups[0]["lr"])
        sched.step()
    r[name + "_lrs"] = lrs
    r[name + "_final_loss"] = loss.item()
    fresh = make_sched(make()[1])
    fresh.load_state_dict(sched.state_dict())
    r[name + "_restored_last_lr"] = fresh.get_last_lr()[0]

model, opt = make()
plateau = lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1)
plateau_lrs = []
for epoch in range(10):
    metric = [1.0, 0.9, 0.95, 0.97, 0.8, 0.85, 0.86, 0.87, 0.7, 0.71][epoch]
    plateau.step(metric)
    plateau_lrs.append(opt.param_groups[0]["lr"])
r["plateau_lrs"] = plateau_lrs

results = r
print(results)
