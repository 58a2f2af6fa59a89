"""Adagrad (Duchi et al. 2011), torch.optim.Adagrad semantics.

g = grad + weight_decay * p;  clr = lr / (1 + (t - 1) * lr_decay)
sum = sum + g^2;  p = p - clr * g / (sqrt(sum) + eps)      (sum starts at
initial_accumulator_value)
"""

from __future__ import annotations

from .optimizer import Optimizer, check_hyper


class Adagrad(Optimizer):
    _kernel = "adagrad_step"

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ):
        super().__init__(
            params,
            dict(
                lr=lr,
                lr_decay=lr_decay,
                weight_decay=weight_decay,
                initial_accumulator_value=initial_accumulator_value,
                eps=eps,
                maximize=maximize,
            ),
        )

    def _validate(self, group):
        super()._validate(group)
        check_hyper("lr_decay", group["lr_decay"], low=0.0, owner="Adagrad")
        check_hyper("weight_decay", group["weight_decay"], low=0.0, owner="Adagrad")
        check_hyper("initial_accumulator_value", group["initial_accumulator_value"], low=0.0, owner="Adagrad")
        check_hyper("eps", group["eps"], low=0.0, owner="Adagrad")

    def _state_names(self, group):
        return ["sum"]

    def _init_state(self, group, flat, state):
        fresh = "sum" not in state
        super()._init_state(group, flat, state)
        if fresh:
            state["sum"][...] = group["initial_accumulator_value"]

    def _update(self, group, flat, state):
        self._kernels(flat).adagrad_step(
            flat["data"],
            flat["grad"],
            state["sum"],
            state["step"],
            group["lr"],
            group["lr_decay"],
            group["weight_decay"],
            group["eps"],
            group["maximize"],
        )
