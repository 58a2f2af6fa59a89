"""Loss modules: thin wrappers over dlcore.functional with PyTorch's names and reductions."""

from __future__ import annotations

from .. import functional as F
from .layers import check_input
from .module import Module


class _Loss(Module):
    fn = None

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"{type(self).__name__}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}"
            )
        self.reduction = reduction

    def forward(self, input, target):
        check_input(self, input), check_input(self, target, "target")
        return type(self).fn(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    fn = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    fn = staticmethod(F.l1_loss)


class CrossEntropyLoss(_Loss):
    """log-softmax + NLL: input (N, C) logits, target (N,) int64 class indices."""

    fn = staticmethod(F.cross_entropy)


class NLLLoss(_Loss):
    fn = staticmethod(F.nll_loss)


class HuberLoss(_Loss):
    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        check_input(self, input), check_input(self, target, "target")
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)
