"""Model summary (Keras `model.summary()`): per-layer output shapes for an input, parameter counts.

`summary(model, input_size=(1, 64))` runs one forward pass in eval mode under no_grad (the
model's mode is restored) and records the output shape of every sub-module it calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .creation import from_numpy
from .tensor import no_grad


@dataclass
class Summary:
    """rows: (name, type, output shape, own parameter count) per called sub-module, call order."""

    model_name: str
    rows: list[tuple[str, str, str, int]] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0

    def __str__(self) -> str:
        head = ("layer (type)", "output shape", "params")
        body = [(f"{n} ({t})", s, f"{p:,}") for n, t, s, p in self.rows]
        w = [max(len(r[i]) for r in [head] + body) for i in range(3)]
        line = "-" * (w[0] + w[1] + w[2] + 4)
        fmt = f"{{:<{w[0]}}}  {{:<{w[1]}}}  {{:>{w[2]}}}"
        out = [f"Model: {self.model_name}", line, fmt.format(*head), line]
        out += [fmt.format(*r) for r in body]
        out += [
            line,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.total_params - self.trainable_params:,}",
        ]
        return "\n".join(out)


def _shape(out: Any) -> str:
    if hasattr(out, "shape"):
        return str(tuple(out.shape))
    if isinstance(out, (tuple, list)):
        return "[" + ", ".join(_shape(o) for o in out) + "]"
    return type(out).__name__


def summary(
    model: Any,
    input_size: Sequence[int] | Sequence[Sequence[int]] | None = None,
    example_input: Any = None,
    dtype: Any = np.float32,
) -> Summary:
    """Summary of `model` for one input.

    Args:
        model: a dlcore Module.
        input_size: the full input shape including the batch dimension, e.g. (1, 64), or a
            list of shapes for a model taking several inputs (filled with N(0, 1) values).
        example_input: a Tensor (or tuple of Tensors) to run instead of input_size.
        dtype: dtype of the generated input.
    Returns:
        Summary; str(summary) is the table. Without an input only parameter counts are filled.
    """
    params = list(model.parameters())
    s = Summary(
        type(model).__name__,
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
    )
    if example_input is None and input_size is None:
        s.rows = [
            (n or "(root)", type(m).__name__, "?", _own(m)) for n, m in model.named_modules() if _own(m) or n
        ]
        return s
    if example_input is None:
        sizes = [input_size] if isinstance(input_size[0], int) else list(input_size)
        rng = np.random.default_rng(0)
        example_input = tuple(from_numpy(rng.standard_normal(tuple(sz)).astype(dtype)) for sz in sizes)
    inputs = example_input if isinstance(example_input, (tuple, list)) else (example_input,)
    patched = []
    for name, mod in model.named_modules():
        if name:
            object.__setattr__(mod, "forward", _recorder(mod, name, s.rows))
            patched.append(mod)
    was_training = getattr(model, "training", True)
    model.eval()
    try:
        with no_grad():
            out = model(*inputs)
    finally:
        for mod in patched:
            mod.__dict__.pop("forward", None)
        model.train(was_training)
    s.rows.append(("(output)", type(model).__name__, _shape(out), _own(model)))
    return s


def _own(mod: Any) -> int:
    return sum(p.numel() for p in mod.parameters(recurse=False))


def _recorder(mod: Any, name: str, rows: list):
    forward = type(mod).forward.__get__(mod)

    def wrapped(*args, **kwargs):
        out = forward(*args, **kwargs)
        rows.append((name, type(mod).__name__, _shape(out), _own(mod)))
        return out

    return wrapped
