"""Module: the base class of layers and models (parameters, buffers, children, state_dict).

Follows torch.nn.Module: attributes that are Parameters, Modules or registered buffers are
collected automatically; state_dict keys are dotted paths ("0.weight", "encoder.bias").
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from .. import backend
from ..device import device as _device
from ..device import to_args
from ..summary import summary
from ..tensor import Tensor
from .parameter import Parameter


def _host_array(value) -> np.ndarray:
    """A checkpoint value (Tensor, numpy/CuPy array, torch tensor, nested list) as a numpy array."""
    value = value.data if isinstance(value, Tensor) else value
    if hasattr(value, "__cuda_array_interface__") and hasattr(value, "get"):
        return value.get()  # CuPy
    return np.asarray(value)


class Module:
    """Base class: subclasses set Parameters / sub-Modules as attributes and define forward()."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---- registration ----------------------------------------------------------------------
    def __setattr__(self, name, value):
        """As torch: a Parameter / Module registers itself; a registered parameter or child slot
        only takes a Parameter / Module or None (a plain Tensor there would silently stop training)."""
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, (Parameter, Module)):
            for store in (params, buffers, modules):
                store.pop(name, None)
            self.__dict__.pop(name, None)
            (params if isinstance(value, Parameter) else modules)[name] = value
        elif name in params or name in modules:
            kind = "parameter" if name in params else "child module"
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}: cannot assign {type(value).__name__} as {kind} '{name}' "
                    f"({'Parameter' if name in params else 'Module'} or None expected)"
                )
            (params if name in params else modules)[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"{type(self).__name__}: cannot assign {type(value).__name__} as buffer '{name}' "
                    f"(Tensor or None expected)"
                )
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """A non-trainable tensor saved in state_dict (running statistics, masks)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: expected a Tensor or None for '{name}', got {type(tensor).__name__}"
            )
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: expected a Parameter or None for '{name}', got {type(param).__name__}"
            )
        if param is None:
            self.__dict__.pop(name, None)
            self._parameters[name] = None
        else:
            setattr(self, name, param)

    def add_module(self, name: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module")
        self._modules[name] = module

    # ---- calling ---------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---- traversal -------------------------------------------------------------------------
    def named_modules(
        self, prefix: str = "", memo=None, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Pre-order (self first); a module reachable by several paths is listed once unless
        remove_duplicate=False (state_dict lists it under every path, as torch)."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, memo, remove_duplicate)

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_children(self):
        return ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self):
        return (m for _, m in self.named_children())

    def _named(self, attr: str, prefix: str, recurse: bool):
        seen = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, t in getattr(mod, attr).items():
                if t is None or id(t) in seen:
                    continue
                seen.add(id(t))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        return self._named("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True):
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        return self._named("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True):
        return (b for _, b in self.named_buffers(recurse=recurse))

    # ---- modes and gradients ---------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.data[...] = 0

    # ---- state -----------------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, Tensor]:
        """Parameters and buffers by dotted name, as tensors sharing this module's storage."""
        out = OrderedDict()
        for mod_prefix, mod in self.named_modules(remove_duplicate=False):
            for store in (mod._parameters, mod._buffers):
                for name, t in store.items():
                    if t is not None:
                        out[f"{mod_prefix}.{name}" if mod_prefix else name] = Tensor(t.data)
        return out

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values in place (views held by optimizers stay valid). All checks happen before
        any copy, so a failed load leaves the module unchanged. Returns (missing, unexpected)."""
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, staged = [], {}
        if strict and (missing or unexpected):
            errors.append(f"missing keys {missing}, unexpected keys {unexpected}")
        for k, dst in own.items():
            if k not in state_dict:
                continue
            try:  # convert and cast everything first: the copy loop below cannot fail half-way
                staged[k] = _host_array(state_dict[k]).astype(dst.dtype, copy=False)
            except Exception as e:  # noqa: BLE001  (any unconvertible value is reported by key)
                errors.append(
                    f"'{k}': cannot convert {type(state_dict[k]).__name__} to a {dst.dtype} array ({e})"
                )
                continue
            if staged[k].shape != dst.shape:
                errors.append(f"'{k}': checkpoint shape {staged[k].shape} != model shape {dst.shape}")
        if errors:
            raise ValueError(f"load_state_dict for {type(self).__name__}: " + "; ".join(errors))
        for k, src in staged.items():
            dst = own[k]
            dst.data[...] = backend.to_device(src, dst.device) if dst.device != "cpu" else src
        return missing, unexpected

    def to(self, *args, device=None, dtype=None, non_blocking=False) -> Module:
        """Move/cast every parameter and buffer in place and return self (create optimizers
        afterwards): to(device), to(dtype), to(device, dtype), to(tensor), as torch. A dtype casts
        only floating tensors and must be floating. All are converted before any is changed."""
        if len(args) == 1 and isinstance(args[0], Tensor):
            args = (args[0].device, args[0].dtype)
        device, dtype = to_args("Module.to", args, device, dtype)
        if dtype is not None and dtype.kind not in "fc":
            raise TypeError(f"Module.to: nn.Module.to only accepts floating point dtypes, got {dtype}")
        tensors = list(self.parameters()) + list(self.buffers())
        converted = []
        for t in tensors:  # convert all first: a failed move (no CUDA device) changes nothing
            data = t.data
            if dtype is not None and data.dtype.kind == "f":
                data = data.astype(dtype, copy=False)
            if device is not None:
                data = backend.to_device(data, device)
            grad = None
            if t.grad is not None:
                grad = Tensor(backend.to_device(t.grad.data, backend.device_of(data)).astype(data.dtype))
            converted.append((data, grad))
        for t, (data, grad) in zip(tensors, converted):
            t.data, t.grad = data, grad
        return self

    def cuda(self, device=None) -> Module:
        """Move every parameter and buffer to the CUDA device (RuntimeError when there is none)."""
        return self.to(_device("cuda") if device is None else _device(device))

    def cpu(self) -> Module:
        return self.to("cpu")

    def float(self) -> Module:
        return self.to(dtype=np.float32)

    def double(self) -> Module:
        return self.to(dtype=np.float64)

    def apply(self, fn) -> Module:
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- printing --------------------------------------------------------------------------
    def summary(self, input_size=None, example_input=None, print_fn=print):
        """Keras-style summary: per-layer output shapes for an input, parameter counts.

        input_size is the full input shape with the batch dimension, e.g. (1, 64); see
        dlcore.summary.summary. Prints the table with print_fn (None: no print); returns it.
        """
        s = summary(self, input_size=input_size, example_input=example_input)
        if print_fn is not None:
            print_fn(str(s))
        return s

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        """torch's layout: extra_repr inline when it is one line and there are no children."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self.named_children()]
        name = type(self).__name__
        if not child_lines and len(extra_lines) <= 1:
            return f"{name}({extra})"
        return f"{name}(\n  " + "\n  ".join(extra_lines + child_lines) + "\n)"
