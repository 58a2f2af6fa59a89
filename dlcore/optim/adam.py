"""Adam and AdamW with AMSGrad (torch.optim semantics), one fused kernel call per group.

    g = grad (+ weight_decay * p for Adam);  p *= 1 - lr * weight_decay for AdamW
    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  (amsgrad: v = max(v_max, v))
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)     (corrections in double)
Kingma & Ba 2014, arXiv 1412.6980; Loshchilov & Hutter 2017, arXiv 1711.05101;
Reddi et al. 2018 (AMSGrad).
"""

from __future__ import annotations

from .optimizer import Optimizer, check_hyper


class Adam(Optimizer):
    _kernel = "adam_step"
    _decoupled = False

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ):
        super().__init__(
            params,
            dict(
                lr=lr,
                betas=tuple(betas),
                eps=eps,
                weight_decay=weight_decay,
                amsgrad=amsgrad,
                maximize=maximize,
            ),
        )

    def _validate(self, group):
        super()._validate(group)
        name = type(self).__name__
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != self._n_betas:
            raise ValueError(f"{name}: invalid betas: {betas!r} (must be {self._n_betas} numbers)")
        for i, b in enumerate(betas):
            check_hyper(f"beta parameter at index {i}", b, low=0.0, high=1.0, high_open=i < 2, owner=name)
        check_hyper("eps", group["eps"], low=0.0, owner=name)
        check_hyper("weight_decay", group["weight_decay"], low=0.0, owner=name)

    _n_betas = 2

    def _state_names(self, group):
        names = ["exp_avg", "exp_avg_sq"]
        if group["amsgrad"]:
            names.append("max_exp_avg_sq")
        return names

    def _update(self, group, flat, state, lr_divisor: float = 1.0):
        b1, b2 = group["betas"][:2]
        self._kernels(flat).adam_step(
            flat["data"],
            flat["grad"],
            state["exp_avg"],
            state["exp_avg_sq"],
            state.get("max_exp_avg_sq"),
            state["step"],
            group["lr"],
            b1,
            b2,
            group["eps"],
            group["weight_decay"],
            self._decoupled,
            group["amsgrad"],
            group["maximize"],
            lr_divisor,
        )


class AdamW(Adam):
    _decoupled = True

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
