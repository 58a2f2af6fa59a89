"""SGD with momentum, dampening, Nesterov and weight decay (torch.optim.SGD semantics).

    g = grad + weight_decay * p
    b = momentum * b + (1 - dampening) * g     (b = g on the first step)
    g = g + momentum * b if nesterov else b
    p = p - lr * g
"""
from __future__ import annotations

from .. import backend
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, maximize: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, maximize=maximize))

    def _validate(self, group):
        super()._validate(group)
        if group["momentum"] < 0:
            raise ValueError(f"Invalid momentum value: {group['momentum']}")
        if group["weight_decay"] < 0:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")

    def _update(self, group, flat, state):
        first = "momentum_buffer" not in state
        if group["momentum"] != 0 and first:
            state["momentum_buffer"] = backend.array_module(flat["data"]).zeros_like(flat["data"])
        buf = state.get("momentum_buffer")
        backend.cpu.sgd_step(flat["data"], flat["grad"], buf, group["lr"], group["momentum"],
                             group["dampening"], group["weight_decay"], group["nesterov"],
                             group["maximize"], first)
