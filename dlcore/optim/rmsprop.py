"""RMSprop (Hinton 2012; centered variant of Graves 2013), torch.optim.RMSprop semantics.

g = grad + weight_decay * p;  s = alpha * s + (1 - alpha) * g^2
centered: a = alpha * a + (1 - alpha) * g;  avg = sqrt(s - a^2) + eps  else sqrt(s) + eps
momentum > 0: b = momentum * b + g / avg;  p = p - lr * b    else p = p - lr * g / avg
"""

from __future__ import annotations

from .optimizer import Optimizer, check_hyper


class RMSprop(Optimizer):
    _kernel = "rmsprop_step"

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ):
        super().__init__(
            params,
            dict(
                lr=lr,
                alpha=alpha,
                eps=eps,
                weight_decay=weight_decay,
                momentum=momentum,
                centered=centered,
                maximize=maximize,
            ),
        )

    def _validate(self, group):
        super()._validate(group)
        check_hyper("alpha", group["alpha"], low=0.0, high=1.0, owner="RMSprop")
        check_hyper("eps", group["eps"], low=0.0, owner="RMSprop")
        check_hyper("weight_decay", group["weight_decay"], low=0.0, owner="RMSprop")
        check_hyper("momentum", group["momentum"], low=0.0, owner="RMSprop")

    def _state_names(self, group):
        names = ["square_avg"]
        if group["centered"]:
            names.append("grad_avg")
        if group["momentum"] > 0:
            names.append("momentum_buffer")
        return names

    def _update(self, group, flat, state):
        self._kernels(flat).rmsprop_step(
            flat["data"],
            flat["grad"],
            state["square_avg"],
            state.get("grad_avg"),
            state.get("momentum_buffer"),
            group["lr"],
            group["alpha"],
            group["eps"],
            group["weight_decay"],
            group["momentum"],
            group["centered"],
            group["maximize"],
        )
