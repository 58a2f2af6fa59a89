"""SGD with momentum, dampening, Nesterov and weight decay (torch.optim.SGD semantics).

g = grad + weight_decay * p
b = momentum * b + (1 - dampening) * g     (b = g on the first step)
g = g + momentum * b if nesterov else b
p = p - lr * g
"""

from __future__ import annotations

from .optimizer import Optimizer, check_hyper


class SGD(Optimizer):
    _kernel = "sgd_step"

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ):
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
                maximize=maximize,
            ),
        )

    def _validate(self, group):
        super()._validate(group)
        check_hyper("momentum", group["momentum"], low=0.0, owner="SGD")
        check_hyper("dampening", group["dampening"], low=0.0, high=1.0, owner="SGD")
        check_hyper("weight_decay", group["weight_decay"], low=0.0, owner="SGD")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov=True requires momentum > 0 and dampening = 0")

    def _state_names(self, group):
        return ["momentum_buffer"] if group["momentum"] != 0 else []

    def _update(self, group, flat, state):
        first = state.get("momentum_started", False) is False
        self._kernels(flat).sgd_step(
            flat["data"],
            flat["grad"],
            state.get("momentum_buffer"),
            group["lr"],
            group["momentum"],
            group["dampening"],
            group["weight_decay"],
            group["nesterov"],
            group["maximize"],
            first,
        )
        if group["momentum"] != 0:
            state["momentum_started"] = True
