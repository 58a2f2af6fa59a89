"""The CTC loss per batch item (Graves et al. 2006), through the device's kernels
(`backend.kernels(x)`: ctc_loss_forward / ctc_loss_backward, docs/kernels.md).

The one positional input is log_probs (T, N, C), float32/float64; targets int64 (N, S) padded
and the lengths int64 (N,) are keyword arrays, already checked by the caller
(dlcore.functional_ctc.ctc_loss, which names the op) and moved here to log_probs' device.
The output is the loss per item (N,), +inf where no alignment exists (0 with zero_infinity, whose
gradient rows are then 0, as torch's).
"""

from __future__ import annotations

from .. import backend
from ._helpers import xp_of
from .function import Function


class CTCLoss(Function):
    def forward(self, log_probs, *, targets, input_lengths, target_lengths, blank=0, zero_infinity=False):
        xp = xp_of(log_probs)
        device = backend.device_of(log_probs)
        self.log_probs = xp.ascontiguousarray(log_probs)
        self.targets, self.input_lengths, self.target_lengths = (
            xp.ascontiguousarray(backend.to_device(a, device))
            for a in (targets, input_lengths, target_lengths)
        )
        self.blank, self.zero_infinity = int(blank), bool(zero_infinity)
        t, n, _ = self.log_probs.shape
        s = self.targets.shape[1]
        self.loss = xp.empty(n, dtype=self.log_probs.dtype)
        self.log_alpha = xp.empty((n, t, 2 * s + 1), dtype=self.log_probs.dtype)
        backend.kernels(self.log_probs).ctc_loss_forward(
            self.loss, self.log_alpha, self.log_probs, *self._labels()
        )
        if self.zero_infinity:
            return xp.where(xp.isinf(self.loss), self.loss.dtype.type(0), self.loss)
        return self.loss.copy()

    def _labels(self) -> tuple:
        return self.targets, self.input_lengths, self.target_lengths, self.blank

    def backward(self, g):
        xp = xp_of(g)
        dloss = xp.ascontiguousarray(g, dtype=self.log_probs.dtype)
        grad = xp.empty_like(self.log_probs)
        backend.kernels(grad).ctc_loss_backward(
            grad, dloss, self.log_probs, *self._labels(), self.log_alpha, self.loss
        )
        if self.zero_infinity:
            grad[:, xp.isinf(self.loss)] = 0
        return (grad,)
