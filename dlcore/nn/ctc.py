"""nn.CTCLoss: torch.nn.CTCLoss over dlcore.nn.functional.ctc_loss (dlcore/functional_ctc.py)."""

from __future__ import annotations

from .. import functional_ctc
from .layers import check_input
from .module import Module


class CTCLoss(Module):
    """The connectionist temporal classification loss (Graves et al. 2006), as torch.nn.CTCLoss:
    forward(log_probs (T, N, C) or (T, C), targets, input_lengths, target_lengths); blank the
    blank label's class; reduction 'mean' (each loss over its target length, then the batch
    mean), 'sum' or 'none'; zero_infinity turns the +inf loss of an impossible alignment (and
    its gradient) into 0."""

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__()
        if isinstance(blank, bool) or not isinstance(blank, int) or blank < 0:
            raise ValueError(f"CTCLoss: blank must be a non-negative int, got {blank!r}")
        if reduction not in functional_ctc.REDUCTIONS:
            raise ValueError(f"CTCLoss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.blank, self.reduction, self.zero_infinity = blank, reduction, bool(zero_infinity)

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        check_input(self, log_probs, "log_probs"), check_input(self, targets, "targets")
        return functional_ctc.ctc_loss(
            log_probs,
            targets,
            input_lengths,
            target_lengths,
            blank=self.blank,
            reduction=self.reduction,
            zero_infinity=self.zero_infinity,
        )

    def extra_repr(self) -> str:
        return f"blank={self.blank}, reduction={self.reduction!r}, zero_infinity={self.zero_infinity}"
