"""Optimizer base: parameter groups stored in flat contiguous buffers.

At construction each group's parameters are copied into one flat buffer and every `p.data`
becomes a view of it; gradients likewise live in one flat buffer that `p.grad` views (autograd
accumulates into an existing .grad in place). A step is then one fused kernel call per group.
If a user replaces `p.grad` or `p.data`, the next step notices and copies it back in.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor


class Optimizer:
    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups: list[dict] = []
        seen = set()
        for g in groups:
            group = {**self.defaults, **g, "params": list(g["params"])}
            for p in group["params"]:
                if not isinstance(p, Tensor) or not p.requires_grad:
                    raise TypeError(f"{type(self).__name__}: parameters must be Tensors that require grad")
                if id(p) in seen:
                    raise ValueError(f"{type(self).__name__}: a parameter appears in more than one group")
                seen.add(id(p))
            self._validate(group)
            self.param_groups.append(group)
        self._flat = [self._flatten(g["params"]) for g in self.param_groups]
        self.state: list[dict] = [{} for _ in self.param_groups]

    def _validate(self, group: dict) -> None:
        lr = group.get("lr")
        if not isinstance(lr, (int, float)) or lr < 0:
            raise ValueError(f"Invalid learning rate: {lr!r} (must be a float >= 0)")

    @staticmethod
    def _flatten(params) -> dict:
        dtypes = {p.dtype for p in params}
        devices = {p.device for p in params}
        if len(dtypes) != 1 or len(devices) != 1:
            raise TypeError(f"all parameters of a group must share dtype and device, got {dtypes} / {devices}")
        xp = backend.array_module(params[0].data)
        n = sum(p.numel() for p in params)
        data, grad = xp.empty(n, dtype=params[0].dtype), xp.zeros(n, dtype=params[0].dtype)
        views, off = [], 0
        for p in params:
            k = p.numel()
            dv, gv = data[off:off + k].reshape(p.shape), grad[off:off + k].reshape(p.shape)
            dv[...] = p.data
            if p.grad is not None:
                gv[...] = p.grad.data
            p.data, p.grad = dv, Tensor(gv)
            views.append((p, dv, gv))
            off += k
        return {"data": data, "grad": grad, "views": views}

    def _sync(self, flat: dict) -> None:
        """Copy back any .data/.grad the user replaced, and re-link them to the flat buffers."""
        for p, dv, gv in flat["views"]:
            if p.data is not dv:
                dv[...] = p.data
                p.data = dv
            if p.grad is None:
                gv[...] = 0
                p.grad = Tensor(gv)
            elif p.grad.data is not gv:
                gv[...] = p.grad.data
                p.grad = Tensor(gv)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Zero every gradient (in place: .grad stays a view of the flat buffer, never None)."""
        for flat in self._flat:
            flat["grad"][...] = 0
            for p, _, gv in flat["views"]:
                if p.grad is None or p.grad.data is not gv:
                    p.grad = Tensor(gv)

    def step(self, closure=None):
        loss = None
        if closure is not None:
            from ..tensor import enable_grad
            with enable_grad():
                loss = closure()
        for i, (group, flat) in enumerate(zip(self.param_groups, self._flat)):
            self._sync(flat)
            self._update(group, flat, self.state[i])
        return loss

    def _update(self, group: dict, flat: dict, state: dict) -> None:
        raise NotImplementedError
