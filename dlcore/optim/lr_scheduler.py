"""Learning-rate schedules (torch.optim.lr_scheduler names and semantics), in closed form so
that a schedule restored from state_dict() continues exactly where it stopped.

Epoch-based schedules set every group's lr from its base lr (group["initial_lr"]) and the
counter last_epoch; construction applies epoch 0. ReduceLROnPlateau reacts to a metric.
"""

from __future__ import annotations

import math

from .optimizer import Optimizer, check_hyper


class LRScheduler:
    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected a dlcore Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        if last_epoch == -1:
            for g in optimizer.param_groups:
                g.setdefault("initial_lr", g["lr"])
        else:
            for i, g in enumerate(optimizer.param_groups):
                if "initial_lr" not in g:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming an optimizer"
                    )
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def get_last_lr(self) -> list:
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        self.last_epoch = self.last_epoch + 1 if epoch is None else int(epoch)
        for g, base in zip(self.optimizer.param_groups, self.base_lrs):
            g["lr"] = self.lr_at(base, self.last_epoch)
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        missing = set(self.state_dict()) - set(state_dict)
        if missing:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: missing {sorted(missing)} "
                "(a state_dict from another schedule?)"
            )
        if len(state_dict["base_lrs"]) != len(self.optimizer.param_groups):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: {len(state_dict['base_lrs'])}"
                f" base lrs for {len(self.optimizer.param_groups)} param groups"
            )
        self.__dict__.update({k: (list(v) if isinstance(v, tuple) else v) for k, v in state_dict.items()})
        for g, base, lr in zip(self.optimizer.param_groups, self.base_lrs, self._last_lr):
            g["initial_lr"] = base
            g["lr"] = lr


class StepLR(LRScheduler):
    """lr = base * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: invalid step_size: {step_size!r} (must be an int >= 1)")
        check_hyper("gamma", gamma, low=0.0, owner="StepLR")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base, epoch):
        return base * self.gamma ** (epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """lr = base * gamma ** (number of milestones <= epoch)."""

    def __init__(self, optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = sorted(int(m) for m in milestones)
        check_hyper("gamma", gamma, low=0.0, owner="MultiStepLR")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base, epoch):
        return base * self.gamma ** sum(m <= epoch for m in self.milestones)


class ExponentialLR(LRScheduler):
    """lr = base * gamma ** epoch."""

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1):
        check_hyper("gamma", gamma, low=0.0, owner="ExponentialLR")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base, epoch):
        return base * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base - eta_min) * (1 + cos(pi * epoch / T_max)) / 2 (SGDR without
    restarts; the closed form of torch's recursion)."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: invalid T_max: {T_max!r} (must be an int >= 1)")
        check_hyper("eta_min", eta_min, low=0.0, owner="CosineAnnealingLR")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base, epoch):
        cos = math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (base - self.eta_min) * (1 + cos) / 2


class LinearLR(LRScheduler):
    """lr = base * (start + (end - start) * min(epoch, total_iters) / total_iters): a linear
    warm-up when start_factor < end_factor = 1."""

    def __init__(
        self,
        optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ):
        check_hyper("start_factor", start_factor, low=0.0, high=1.0, low_open=True, owner=type(self).__name__)
        check_hyper("end_factor", end_factor, low=0.0, high=1.0, owner=type(self).__name__)
        if not isinstance(total_iters, int) or total_iters < 1:
            raise ValueError(
                f"{type(self).__name__}: invalid total_iters: {total_iters!r} (must be an int >= 1)"
            )
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base, epoch):
        frac = min(max(epoch, 0), self.total_iters) / self.total_iters
        return base * (self.start_factor + (self.end_factor - self.start_factor) * frac)


class LinearWarmup(LinearLR):
    """Linear warm-up from base * start_factor to base over warmup_steps steps, then constant."""

    def __init__(self, optimizer, warmup_steps: int, start_factor: float | None = None, last_epoch: int = -1):
        if not isinstance(warmup_steps, int) or warmup_steps < 1:
            raise ValueError(f"LinearWarmup: invalid warmup_steps: {warmup_steps!r} (must be an int >= 1)")
        start = 1.0 / (warmup_steps + 1) if start_factor is None else start_factor
        super().__init__(optimizer, start, 1.0, warmup_steps, last_epoch)


class ReduceLROnPlateau:
    """Multiply lr by `factor` once the metric has not improved for `patience` epochs
    (torch.optim.lr_scheduler.ReduceLROnPlateau semantics, threshold rel/abs, cooldown)."""

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr=0.0,
        eps: float = 1e-8,
    ):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: expected a dlcore Optimizer, got {type(optimizer).__name__}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        check_hyper(
            "factor", factor, low=0.0, high=1.0, low_open=True, high_open=True, owner="ReduceLROnPlateau"
        )
        if not isinstance(patience, int) or patience < 0:
            raise ValueError(f"ReduceLROnPlateau: invalid patience: {patience!r} (int >= 0)")
        if not isinstance(cooldown, int) or cooldown < 0:
            raise ValueError(f"ReduceLROnPlateau: invalid cooldown: {cooldown!r} (int >= 0)")
        check_hyper("threshold", threshold, low=0.0, owner="ReduceLROnPlateau")
        n = len(optimizer.param_groups)
        min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * n
        if len(min_lrs) != n:
            raise ValueError(f"ReduceLROnPlateau: expected {n} min_lrs, got {len(min_lrs)}")
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode, self.cooldown = threshold, threshold_mode, cooldown
        self.min_lrs, self.eps = min_lrs, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    def is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            rel = self.threshold_mode == "rel"
            ref = best * (1 - self.threshold) if rel else best - self.threshold
            return a < ref
        ref = best * (1 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold
        return a > ref

    def step(self, metrics) -> None:
        current = float(metrics)
        if not math.isfinite(current) and not math.isinf(current):
            raise ValueError(f"ReduceLROnPlateau.step: metric is {current}")
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for g, lo in zip(self.optimizer.param_groups, self.min_lrs):
                new = max(g["lr"] * self.factor, lo)
                if g["lr"] - new > self.eps:
                    g["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def get_last_lr(self) -> list:
        return list(self._last_lr)

    def state_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        missing = set(self.state_dict()) - set(state_dict)
        if missing:
            raise ValueError(f"ReduceLROnPlateau.load_state_dict: missing {sorted(missing)}")
        self.__dict__.update(state_dict)
        for g, lr in zip(self.optimizer.param_groups, self._last_lr):
            g["lr"] = lr


__all__ = [
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "LinearWarmup",
    "ReduceLROnPlateau",
]
