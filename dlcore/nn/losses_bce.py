"""Binary cross-entropy loss modules (torch.nn.BCELoss, BCEWithLogitsLoss) over
dlcore.functional_porting: probabilities, or logits with an optional per-class pos_weight."""

from __future__ import annotations

from .. import functional_porting as F
from .losses import _Loss


class BCELoss(_Loss):
    """-(t log p + (1 - t) log(1 - p)), each log clamped at -100; input p in [0, 1]."""

    def __init__(self, weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """BCELoss of sigmoid(input), computed stably from the logits; pos_weight weighs positives."""

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None):
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )
