"""Eve (Koushik & Hayashi 2016, arXiv 1611.01505, Algorithm 1): Adam whose step is divided by
d_t, a smoothed relative change of the loss. Needs the loss: `step(loss=...)` or a closure.

With f = loss - f_star (must be >= 0) and thresholds k, K:
    t = 1:  f_hat = f,  d = 1
    t > 1:  (lo, hi) = (k + 1, K + 1) if f >= f_hat else (1 / (K + 1), 1 / (k + 1))
            c = min(max(lo, f / f_hat), hi);  f_hat' = c * f_hat
            r = |f_hat' - f_hat| / min(f_hat', f_hat);  d = beta3 * d + (1 - beta3) * r
    p -= lr * m_hat / (d * (sqrt(v_hat) + eps))                     (Adam kernel, lr / d)
Note: the clipping keeps |r| >= k, so even a constant loss gives d_t = beta3^(t-1) +
(1 - beta3^(t-1)) * k, not 1: Eve equals Adam exactly only for beta3 = 1 (d stays 1).
If f_hat reaches 0 (a zero loss at the first step) it is re-initialised from the next loss.
"""

from __future__ import annotations

import math

from ..tensor import Tensor
from .adam import Adam
from .optimizer import check_hyper


class Eve(Adam):
    _n_betas = 3
    needs_loss = True  # dlcore.train.fit passes step(loss=...) to optimizers that set this

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas=(0.9, 0.999, 0.999),
        eps: float = 1e-8,
        k: float = 0.1,
        K: float = 10.0,
        weight_decay: float = 0.0,
        f_star: float = 0.0,
    ):
        self.f_star = f_star
        self.feedback = {"f_hat": None, "d": 1.0}
        super(Adam, self).__init__(
            params,
            dict(
                lr=lr,
                betas=tuple(betas),
                eps=eps,
                k=k,
                K=K,
                weight_decay=weight_decay,
                amsgrad=False,
                maximize=False,
            ),
        )
        check_hyper("f_star", f_star, owner="Eve")

    def _validate(self, group):
        super()._validate(group)
        check_hyper("k", group["k"], low=0.0, owner="Eve")
        check_hyper("K", group["K"], low=group["k"], owner="Eve")

    @staticmethod
    def _loss_value(loss) -> float:
        if isinstance(loss, Tensor):
            if loss.numel() != 1:
                raise ValueError(f"Eve.step: the loss must be a scalar, got shape {loss.shape}")
            loss = loss.item()
        try:
            return float(loss)
        except (TypeError, ValueError):
            raise TypeError(
                f"Eve.step: the loss must be a number or a scalar Tensor, got {type(loss).__name__}"
            ) from None

    def feedback_d(self, f: float) -> tuple:
        """(f_hat, d) after observing objective value f (= loss - f_star); no side effects."""
        g = self.param_groups[0]
        f_hat, d = self.feedback["f_hat"], self.feedback["d"]
        if f_hat is None or f_hat <= 0.0:
            return f, (1.0 if f_hat is None else d)
        k, K, beta3 = g["k"], g["K"], g["betas"][2]
        lo, hi = (k + 1.0, K + 1.0) if f >= f_hat else (1.0 / (K + 1.0), 1.0 / (k + 1.0))
        c = min(max(lo, f / f_hat), hi)
        new = c * f_hat
        r = abs(new - f_hat) / min(new, f_hat)
        return new, beta3 * d + (1.0 - beta3) * r

    def step(self, closure=None, loss=None):
        if closure is not None:
            if loss is not None:
                raise TypeError("Eve.step: pass either closure or loss, not both")
            from ..tensor import enable_grad

            with enable_grad():
                loss = closure()
        if loss is None:
            raise TypeError(
                "Eve.step needs the loss: call opt.step(loss=loss_value) after "
                "backward(), or opt.step(closure) with a closure returning the loss"
            )
        value = self._loss_value(loss)
        if not math.isfinite(value):
            raise ValueError(f"Eve.step: the loss must be finite, got {value}")
        f = value - self.f_star
        if f < 0:
            raise ValueError(
                f"Eve.step: the loss minus f_star must be >= 0 (Eve assumes the "
                f"objective's minimum is f_star={self.f_star}), got loss {value}"
            )
        f_hat, d = self.feedback_d(f)
        self.feedback = {"f_hat": f_hat, "d": d}
        self._step_groups(lr_divisor=d)
        return loss

    def _extra_state(self):
        return {"eve_f_hat": self.feedback["f_hat"], "eve_d": self.feedback["d"], "eve_f_star": self.f_star}

    def _check_extra_state(self, extra):
        if "eve_d" not in extra:
            raise ValueError(
                "Eve.load_state_dict: the state_dict has no Eve feedback state "
                "(eve_d, eve_f_hat): saved from another optimizer?"
            )

    def _load_extra_state(self, extra):
        self.feedback = {"f_hat": extra.get("eve_f_hat"), "d": float(extra["eve_d"])}
        self.f_star = float(extra.get("eve_f_star", self.f_star))
