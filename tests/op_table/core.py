"""The op table's vocabulary: Tol and the tolerance presets, Sample, BadInput, OpInfo, Maker (sample
arrays in chosen layouts) and the small helpers every themed file uses (_torch, _method, _bad, _ones).

A sample holds numpy arrays (anywhere in its args/kwargs, also inside lists and index tuples);
the tests turn each into a dlcore tensor (from_numpy on the CPU, so transposed, strided and
negative-stride layouts reach the op as they are) or a torch tensor. Floating arrays are the
differentiable inputs. This module imports no torch: torch counterparts resolve it when called.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class Tol:
    """|dlcore - reference| <= atol + rtol * |reference|, the reference computed in float64."""

    rtol: float
    atol: float


# float32: ~80 ulp relative (eps32 = 1.2e-7) with an absolute floor for results near 0.
# float64: ~4500 ulp relative, still far below any real error. Ops that sum terms (reductions,
# products, softmax, losses) round once per term: their floor covers ~50 terms of size ~2.
ELEMENTWISE = {"float32": Tol(1e-5, 1e-6), "float64": Tol(1e-12, 1e-14)}
SUMMING = {"float32": Tol(1e-5, 1e-5), "float64": Tol(1e-12, 1e-13)}
EXACT = {"float32": Tol(0.0, 0.0), "float64": Tol(0.0, 0.0)}  # data movement: no arithmetic


@dataclass
class Sample:
    args: tuple
    kwargs: dict = field(default_factory=dict)
    desc: str = ""
    gradcheck: bool = True  # False where finite differences cannot see the chosen subgradient
    xfail: dict = field(default_factory=dict)  # check ("forward"/"backward"/"gradcheck") -> reason


@dataclass
class BadInput:
    """op(*args, **kwargs) must raise `exc` with a message matching the regex `match`."""

    args: tuple
    kwargs: dict
    exc: type
    match: str
    desc: str
    xfail: str | None = None


@dataclass(frozen=True)
class OpInfo:
    name: str
    op: Callable  # the dlcore callable
    torch_op: Callable | None  # the same call on torch tensors; None: `ref` is the oracle
    samples: Callable[[OpInfo, str, np.random.Generator], Iterator[Sample]]
    ref: Callable | None = None  # numpy float64 reference (used when torch is not importable)
    differentiable: bool = True
    gradcheck: bool = True  # False where outputs are not float64, so finite differences say nothing
    tol: dict = field(default_factory=lambda: ELEMENTWISE)
    domain: tuple = (-2.0, 2.0)  # sample values are drawn uniformly from [low, high)
    kinks: tuple = ()  # points of non-differentiability that sample values keep >= 0.1 from
    bad_inputs: Callable[[], list] = list
    # () -> a hypothesis strategy of Samples for tests/test_op_fuzz.py: the op's argument structure
    # (arity, tensor and int arguments, dims) and the dtypes it takes (op_table/fuzzing.py).
    fuzz: Callable | None = None

    def sample_list(self, dtype: str) -> list:
        """The samples for dtype, freshly generated from a seed fixed by (name, dtype)."""
        rng = np.random.default_rng(zlib.crc32(f"{self.name}/{dtype}".encode()))
        return list(self.samples(self, dtype, rng))


class Maker:
    """Arrays for one op and dtype: values in op.domain, kept >= 0.1 away from op.kinks, laid out
    "contiguous", "transposed" (a .T view), "strided" (every 2nd element of the last axis) or
    "flipped" (reversed along every axis: negative strides)."""

    def __init__(self, op: OpInfo, dtype: str, rng: np.random.Generator):
        self.op, self.dtype, self.rng = op, np.dtype(dtype), rng

    def values(self, shape, low=None, high=None, kinks=None) -> np.ndarray:
        lo, hi = self.op.domain
        x = self.rng.uniform(lo if low is None else low, hi if high is None else high, size=shape)
        for k in self.op.kinks if kinks is None else kinks:
            x = np.where(np.abs(x - k) < 0.1, k + np.where(x < k, -0.15, 0.15), x)
        return np.asarray(x, dtype=self.dtype)

    def __call__(self, *shape, layout="contiguous", low=None, high=None) -> np.ndarray:
        if layout == "transposed":
            return self.values(shape[::-1], low, high).T
        if layout == "strided":
            return self.values(shape[:-1] + (2 * shape[-1],), low, high)[..., ::2]
        if layout == "flipped":
            return self.values(shape, low, high)[(slice(None, None, -1),) * len(shape)]
        return self.values(shape, low, high)


def _torch(path: str) -> Callable:
    """torch.<path>, resolved at call time."""

    def call(*args, **kwargs):
        obj = importlib.import_module("torch")
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj(*args, **kwargs)

    call.__name__ = f"torch.{path}"
    return call


def _method(name: str) -> Callable:
    """x.<name>(...): the same call for a dlcore and a torch tensor."""

    def call(x, *args, **kwargs):
        return getattr(x, name)(*args, **kwargs)

    call.__name__ = f"Tensor.{name}"
    return call


def _torch_amax(x, dim=None, keepdim=False):
    return importlib.import_module("torch").amax(x, dim=() if dim is None else dim, keepdim=keepdim)


def _ones(*shape, dtype=np.float32) -> np.ndarray:
    return np.ones(shape, dtype=dtype)


def _bad(op: str, *args, exc=ValueError, match=None, desc="", xfail=None, **kwargs) -> BadInput:
    return BadInput(args, kwargs, exc, match or f"{op}:", desc, xfail)
