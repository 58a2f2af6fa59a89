"""Optimizer base: parameter groups stored in flat contiguous buffers, one kernel call per group.

At construction each group's parameters are copied into one flat buffer and every `p.data`
becomes a view of it; gradients live in one flat buffer that every `p.grad` views (autograd
accumulates into an existing .grad in place). Optimizer state (exp_avg, ...) is one flat buffer
per group with the same layout, so a step is one pass over memory. If the user replaces `p.data`
or `p.grad` (or sets `p.grad = None`, e.g. `Module.zero_grad()`), the next step notices (identity
checks) and copies it in. A parameter whose grad is None at step time is left untouched, and so
is its slice of the state, as torch.optim skips it (the group's step count still advances).

state_dict() follows torch.optim's layout: {"state": {...}, "param_groups": [...]} where each
group lists its parameters' global indices; "state" is keyed by group index (not parameter index)
and holds the group's flat buffers, plus "param_shapes" so a mismatch is caught before loading.
"""

from __future__ import annotations

import copy
import math
import numbers

import numpy as np

from .. import backend
from ..tensor import Tensor


def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def check_hyper(
    name: str, value, low=None, high=None, low_open=False, high_open=False, owner: str = "optimizer"
) -> None:
    """ValueError naming `name` unless value is a finite real in the given range."""
    ok = _is_real(value) and math.isfinite(float(value))
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        lo = "" if low is None else ("(" if low_open else "[") + f"{low}, "
        hi = "" if high is None else f"{high}" + (")" if high_open else "]")
        rng = (
            f"in {lo}{hi}"
            if low is not None and high is not None
            else (f">{'' if low_open else '='} {low}" if low is not None else f"<= {high}")
        )
        raise ValueError(f"{owner}: invalid {name}: {value!r} (must be a finite number {rng})")


class Optimizer:
    """Base class. Subclasses set `_state_names(group)` and `_update(group, flat, state)`."""

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Tensors or of dicts, not a Tensor"
            )
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups: list[dict] = []
        self._flat: list[dict] = []
        self.state: list[dict] = []
        for g in groups:
            self.add_param_group(g)

    # ---- construction --------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{type(self).__name__}: a param group must be a dict with 'params'")
        ps = param_group["params"]
        ps = [ps] if isinstance(ps, Tensor) else list(ps)
        unknown = set(param_group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(f"{type(self).__name__}: unknown hyperparameter(s) {sorted(unknown)}")
        group = {**copy.deepcopy(self.defaults), **param_group, "params": ps}
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if not ps:
            raise ValueError(f"{type(self).__name__}: a param group has no parameters")
        for p in ps:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameters must be Tensors, got {type(p).__name__}")
            if not p.requires_grad:
                raise ValueError(f"{type(self).__name__}: a parameter does not require grad")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor")
            if id(p) in seen:
                raise ValueError(
                    f"{type(self).__name__}: a parameter appears in more than one group (or twice in one)"
                )
            seen.add(id(p))
        self._validate(group)
        self._check_cuda_support(ps)
        flat = self._flatten(ps)
        self.param_groups.append(group)
        self._flat.append(flat)
        self.state.append({})

    def _validate(self, group: dict) -> None:
        check_hyper("lr", group.get("lr"), low=0.0, owner=type(self).__name__)

    _kernel = ""  # the name of the fused step in the kernel namespaces (backend.kernels)

    def _check_cuda_support(self, params) -> None:
        """Refuse CUDA parameters this optimizer cannot step, before anything is changed."""
        on_cuda = [p for p in params if p.device == "cuda"]
        if not on_cuda:
            return
        name = type(self).__name__
        if not self._kernel or not backend.has_kernel("cuda", self._kernel):
            raise NotImplementedError(
                f"{name}: [{self._kernel or 'step'}] has no CUDA kernel; "
                "CUDA parameters are supported by SGD, Adam, AdamW and Eve"
            )
        dtypes = sorted({str(p.dtype) for p in on_cuda} - {"float32"})
        if dtypes:
            raise TypeError(f"{name}: the CUDA step takes float32 parameters, got {dtypes}")

    @staticmethod
    def _flatten(params) -> dict:
        dtypes = {p.dtype for p in params}
        devices = {p.device for p in params}
        if len(dtypes) != 1 or len(devices) != 1:
            raise TypeError(
                f"all parameters of a group must share dtype and device, got "
                f"{sorted(map(str, dtypes))} / {sorted(map(str, devices))}"
            )
        dtype = next(iter(dtypes))
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"optimizers support float32 and float64 parameters, got {dtype}")
        xp = backend.array_module(params[0].data)
        n = sum(p.numel() for p in params)
        data, grad = xp.empty(n, dtype=dtype), xp.zeros(n, dtype=dtype)
        views, off = [], 0
        for p in params:
            k = p.numel()
            dv, gv = data[off : off + k].reshape(p.shape), grad[off : off + k].reshape(p.shape)
            dv[...] = p.data
            if p.grad is not None:
                gv[...] = p.grad.data
            p.data, p.grad = dv, Tensor(gv)
            views.append((p, dv, gv, off, k))
            off += k
        return {"data": data, "grad": grad, "views": views}

    # ---- gradients ---------------------------------------------------------------------------
    def _sync(self, flat: dict) -> list:
        """Copy in any .data/.grad the user replaced and re-link them to the flat buffers.
        Returns the (offset, size) of parameters whose grad is None (to be left untouched)."""
        skipped = []
        for p, dv, gv, off, k in flat["views"]:
            if p.data is not dv:
                if tuple(np.shape(p.data)) != dv.shape:
                    raise ValueError(
                        f"a parameter's data was replaced by one of shape "
                        f"{tuple(np.shape(p.data))}, expected {dv.shape}"
                    )
                dv[...] = p.data
                p.data = dv
            if p.grad is None:
                gv[...] = 0
                skipped.append((off, k))
            elif p.grad.data is not gv:
                if tuple(np.shape(p.grad.data)) != gv.shape:
                    raise ValueError(
                        f"a parameter's grad has shape {tuple(np.shape(p.grad.data))}, expected {gv.shape}"
                    )
                gv[...] = p.grad.data
                p.grad = Tensor(gv)
        return skipped

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Zero every gradient in place: .grad stays a view of the flat buffer. With
        set_to_none=True the grads become None (torch's default), which costs a copy per step."""
        for flat in self._flat:
            if set_to_none:
                for p, *_ in flat["views"]:
                    p.grad = None
                continue
            flat["grad"][...] = 0
            for p, _, gv, _, _ in flat["views"]:
                if p.grad is None or p.grad.data is not gv:
                    p.grad = Tensor(gv)

    # ---- the step ----------------------------------------------------------------------------
    def _state_names(self, group: dict) -> list:
        """Names of the flat state buffers this group needs (created zero-filled)."""
        return []

    def _init_state(self, group: dict, flat: dict, state: dict) -> None:
        xp = backend.array_module(flat["data"])
        state.setdefault("step", 0)
        for name in self._state_names(group):
            if name not in state:
                state[name] = xp.zeros_like(flat["data"])

    def step(self, closure=None):
        loss = None
        if closure is not None:
            from ..tensor import enable_grad

            with enable_grad():
                loss = closure()
        self._step_groups()
        return loss

    def _step_groups(self, **kw) -> None:
        for group, flat, state in zip(self.param_groups, self._flat, self.state):
            skipped = self._sync(flat)
            if len(skipped) == len(flat["views"]):
                continue  # torch skips parameters without grads; nothing to do in this group
            self._init_state(group, flat, state)
            saved = self._save_slices(flat, state, skipped)
            state["step"] += 1
            self._update(group, flat, state, **kw)
            self._restore_slices(flat, state, saved)

    @staticmethod
    def _bufs(flat, state):
        return [flat["data"]] + [
            v for v in state.values() if hasattr(v, "shape") and v.shape == flat["data"].shape
        ]

    def _save_slices(self, flat, state, skipped):
        if not skipped:
            return None
        return [(off, k, [b[off : off + k].copy() for b in self._bufs(flat, state)]) for off, k in skipped]

    def _restore_slices(self, flat, state, saved):
        if saved is None:
            return
        bufs = self._bufs(flat, state)
        for off, k, copies in saved:
            for b, c in zip(bufs, copies):
                b[off : off + k] = c

    def _update(self, group: dict, flat: dict, state: dict, **kw) -> None:
        raise NotImplementedError

    @staticmethod
    def _kernels(flat: dict):
        """The kernel namespace of the group's device (backend.kernels)."""
        return backend.kernels(flat["data"])

    # ---- state_dict --------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{"state": {group_index: {name: flat array or scalar}}, "param_groups": [...]}.
        Arrays are copies: later steps do not change a saved state_dict."""
        groups, start = [], 0
        for group, flat in zip(self.param_groups, self._flat):
            g = {k: (list(v) if isinstance(v, tuple) else v) for k, v in group.items() if k != "params"}
            n = len(flat["views"])
            g["params"] = list(range(start, start + n))
            g["param_shapes"] = [list(v[1].shape) for v in flat["views"]]
            g["dtype"] = str(flat["data"].dtype)
            start += n
            groups.append(g)
        state = {}
        for i, st in enumerate(self.state):
            if st:
                state[i] = {
                    k: (v.copy() if hasattr(v, "copy") and hasattr(v, "shape") else v) for k, v in st.items()
                }
        extra = self._extra_state()
        out = {"state": state, "param_groups": groups}
        if extra:
            out["extra"] = extra
        return out

    def _extra_state(self) -> dict:
        return {}

    def _load_extra_state(self, extra: dict) -> None:
        pass

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and state. Every check runs before anything changes, so a
        mismatched state_dict raises ValueError and leaves this optimizer as it was."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "param_groups" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: not an optimizer state_dict (no 'param_groups')")
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state_dict has {len(groups)} param "
                f"groups, this optimizer has {len(self.param_groups)}"
            )
        new_groups, new_states = [], []
        raw_state = state_dict.get("state", {})
        for i, (g, own, flat) in enumerate(zip(groups, self.param_groups, self._flat)):
            shapes = [list(v[1].shape) for v in flat["views"]]
            if len(g.get("params", [])) != len(shapes):
                raise ValueError(
                    f"{name}.load_state_dict: group {i} has {len(g['params'])} "
                    f"parameters in the state_dict, {len(shapes)} here"
                )
            if "param_shapes" in g and [list(s) for s in g["param_shapes"]] != shapes:
                raise ValueError(
                    f"{name}.load_state_dict: group {i} parameter shapes "
                    f"{g['param_shapes']} do not match {shapes}"
                )
            unknown = set(g) - set(self.defaults) - {"params", "param_shapes", "dtype", "initial_lr"}
            if unknown:
                raise ValueError(
                    f"{name}.load_state_dict: group {i} has unknown "
                    f"hyperparameters {sorted(unknown)} (another optimizer's state?)"
                )
            ng = dict(own)
            for k, v in g.items():
                if k in self.defaults or k == "initial_lr":
                    ng[k] = tuple(v) if isinstance(self.defaults.get(k), tuple) else v
            self._validate(ng)
            st = raw_state.get(i, raw_state.get(str(i), {}))
            nst = {}
            xp = backend.array_module(flat["data"])
            for k, v in st.items():
                if hasattr(v, "shape") or isinstance(v, (list, np.ndarray)):
                    a = np.asarray(v.data if isinstance(v, Tensor) else v)
                    if a.ndim == 0:
                        nst[k] = a.item()
                        continue
                    if a.shape != flat["data"].shape:
                        raise ValueError(
                            f"{name}.load_state_dict: group {i} state '{k}' has "
                            f"shape {a.shape}, expected {flat['data'].shape}"
                        )
                    nst[k] = xp.asarray(a, dtype=flat["data"].dtype).copy()
                else:
                    nst[k] = v
            if "step" in nst:
                nst["step"] = int(nst["step"])
            missing = [k for k in self._state_names(ng) if k not in nst] if nst else []
            if missing:
                raise ValueError(f"{name}.load_state_dict: group {i} state lacks {missing}")
            new_groups.append(ng)
            new_states.append(nst)
        self._check_extra_state(state_dict.get("extra", {}))
        for own, ng in zip(self.param_groups, new_groups):
            own.update({k: v for k, v in ng.items() if k != "params"})
        self.state = new_states
        self._load_extra_state(state_dict.get("extra", {}))

    def _check_extra_state(self, extra: dict) -> None:
        pass

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines + [")"])
