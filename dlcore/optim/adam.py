"""Adam and AdamW (torch.optim semantics), one fused kernel call per parameter group.

    g = grad (+ weight_decay * p for Adam);  p *= 1 - lr * weight_decay for AdamW
    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
    p -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)
Kingma & Ba 2014, arXiv 1412.6980; Loshchilov & Hutter 2017, arXiv 1711.05101.
"""
from __future__ import annotations

from .. import backend
from .optimizer import Optimizer


class Adam(Optimizer):
    _decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _validate(self, group):
        super()._validate(group)
        b1, b2 = group["betas"]
        if not 0.0 <= b1 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {b1}")
        if not 0.0 <= b2 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {b2}")
        if group["eps"] < 0:
            raise ValueError(f"Invalid epsilon value: {group['eps']}")
        if group["weight_decay"] < 0:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")

    def _update(self, group, flat, state, lr_divisor: float = 1.0):
        if not state:
            zeros = backend.array_module(flat["data"]).zeros_like
            state["step"] = 0
            state["exp_avg"] = zeros(flat["data"])
            state["exp_avg_sq"] = zeros(flat["data"])
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros(flat["data"])
        state["step"] += 1
        b1, b2 = group["betas"]
        backend.cpu.adam_step(flat["data"], flat["grad"], state["exp_avg"], state["exp_avg_sq"],
                              state.get("max_exp_avg_sq"), state["step"], group["lr"], b1, b2,
                              group["eps"], group["weight_decay"], self._decoupled,
                              group["amsgrad"], group["maximize"], lr_divisor)


class AdamW(Adam):
    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
