"""Basic layers: Linear, Sequential, ModuleList, activations, Flatten, Dropout, Identity.

A layer's input must be a Tensor (as torch) or a numpy array (taken as a constant): anything else
is a TypeError naming the layer (check_input), never an AttributeError from inside the op."""

from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from ..random import generator
from ..tensor import Tensor
from . import functional as nn_functional
from .module import Module
from .parameter import Parameter


def check_input(module: Module, x, name: str = "input"):
    """x when it is a Tensor or a numpy array, else a TypeError naming module's class and what it
    was given (a str, None, a list, ...)."""
    if not isinstance(x, (Tensor, np.ndarray)):
        got = type(x).__name__
        raise TypeError(f"{type(module).__name__}: expected a Tensor as {name}, got {got}")
    return x


def _uniform(shape, bound: float, dtype) -> np.ndarray:
    return generator().uniform(-bound, bound, size=shape).astype(dtype)


class Linear(Module):
    """y = x @ weight.T + bias; weight (out_features, in_features), as torch.nn.Linear.

    Initialised like PyTorch: weight and bias ~ U(-1/sqrt(in_features), 1/sqrt(in_features)).

    feedback="alignment" (feedback alignment, Lillicrap et al. 2016): the layer also holds a fixed
    random buffer `feedback_weight` B (out_features, in_features), drawn once after weight and bias
    from the same distribution and never trained (saved in state_dict, not a parameter). The
    forward is unchanged; the backward gives weight and bias their usual gradients but sends
    grad_output @ B to the input instead of grad_output @ weight
    (nn.functional.linear_feedback_alignment). feedback=None is ordinary backprop. On a layer built
    with "alignment", setting `layer.feedback = None` switches to backprop and back (B is kept).
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype=np.float32, feedback=None
    ):
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
                raise ValueError(f"Linear: {name} must be a non-negative int, got {v!r}")
        if not (feedback is None or (isinstance(feedback, str) and feedback == "alignment")):
            raise ValueError(
                f"Linear({in_features}, {out_features}): feedback must be None or 'alignment', "
                f"got {feedback!r}"
            )
        self.feedback = feedback
        self.in_features, self.out_features = int(in_features), int(out_features)
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        self.weight = Parameter(_uniform((out_features, in_features), bound, dtype))
        if bias:
            self.bias = Parameter(_uniform((out_features,), bound, dtype))
        else:
            self.register_parameter("bias", None)
        if feedback == "alignment":
            self.register_buffer(
                "feedback_weight", Tensor(_uniform((out_features, in_features), bound, dtype))
            )

    def forward(self, x: Tensor) -> Tensor:
        check_input(self, x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}): input of shape {x.shape} "
                f"must end in {self.in_features} features"
            )
        if self.feedback is None:
            return F.linear(x, self.weight, self.bias)
        return F.linear_feedback_alignment(x, self.weight, self.bias, self._feedback_weight())

    def _feedback_weight(self) -> Tensor:
        """The buffer B, checked against the weight: a TypeError/ValueError naming the layer when
        a state_dict load or an assignment left it of another shape, dtype or device."""
        fb, w = self._buffers.get("feedback_weight"), self.weight
        where = f"Linear({self.in_features}, {self.out_features}, feedback='alignment')"
        if not isinstance(fb, Tensor):
            raise TypeError(f"{where}: feedback_weight must be a Tensor, got {type(fb).__name__}")
        if fb.shape != w.shape:
            raise ValueError(
                f"{where}: feedback_weight of shape {fb.shape} must have the weight's shape {w.shape}"
            )
        if fb.dtype != w.dtype or fb.device != w.device:
            raise TypeError(
                f"{where}: feedback_weight ({fb.dtype}, {fb.device}) must match the weight "
                f"({w.dtype}, {w.device})"
            )
        return fb

    def extra_repr(self) -> str:
        fb = "" if self.feedback is None else f", feedback={self.feedback!r}"
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}{fb}"
        )


class Sequential(Module):
    """Applies its modules in order: Sequential(m0, m1, ...) names them "0", "1", ...;
    Sequential(OrderedDict(name=module, ...)) keeps the names (as torch)."""

    def __init__(self, *modules: Module):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            for name, m in modules[0].items():
                self.add_module(name, m)
            return
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i):
        if isinstance(i, slice):  # keeps the original names, as torch ("1.weight" stays "1.weight")
            out = Sequential()
            for name, m in list(self._modules.items())[i]:
                out.add_module(name, m)
            return out
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class _Elementwise(Module):
    fn = None

    def forward(self, x):
        return type(self).fn(check_input(self, x))


class ReLU(_Elementwise):
    fn = staticmethod(F.relu)


class Tanh(_Elementwise):
    fn = staticmethod(F.tanh)


class Sigmoid(_Elementwise):
    fn = staticmethod(F.sigmoid)


class LogSigmoid(_Elementwise):
    fn = staticmethod(nn_functional.logsigmoid)


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return nn_functional.softplus(check_input(self, x), self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Identity(Module):
    def forward(self, x):
        return x


class Flatten(Module):
    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return F.flatten(check_input(self, x), self.start_dim, self.end_dim)


class Softmax(Module):
    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(check_input(self, x), self.dim)


class LogSoftmax(Softmax):
    def forward(self, x):
        return F.log_softmax(check_input(self, x), self.dim)


class Dropout(Module):
    """Inverted dropout in training mode, identity in eval mode."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return F.dropout(check_input(self, x), self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
