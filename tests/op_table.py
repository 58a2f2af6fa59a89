"""The op table: every public dlcore op declared once (an OpInfo, after PyTorch's
common_methods_invocations.py) with its torch counterpart, sample inputs, tolerances and bad inputs.

tests/test_op_table.py generates forward, gradient, gradcheck and bad-input tests from OPS.
A sample holds numpy arrays (anywhere in its args/kwargs, also inside lists and index tuples);
the tests turn each into a dlcore tensor (from_numpy on the CPU, so transposed, strided and
negative-stride layouts reach the op as they are) or a torch tensor. Floating arrays are the
differentiable inputs. This module imports no torch: torch counterparts resolve it when called.
A new op registers here: an OpInfo in OPS, else test_every_public_op_has_a_table_entry fails.
"""

from __future__ import annotations

import importlib
import operator
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import dlcore
import dlcore.nn.functional as F
from dlcore import reference

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


# ---- elementwise -----------------------------------------------------------------------------


def unary_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), desc="3x7")
    yield Sample((m(),), desc="0-d")
    yield Sample((m(0, 3),), desc="0-size")
    yield Sample((m(7, 3, layout="transposed"),), desc="transposed")
    yield Sample((m(2, 3, 7, layout="strided"),), desc="strided")
    yield Sample((m(3, 7, layout="flipped"),), desc="negative strides")
    if dtype == "float64":  # once per op: the sample holds no float (exp, log, ...: float32 result)
        yield Sample((rng.integers(1, 4, size=(2, 3)),), desc="int64 input")


def binary_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), m(3, 7)), desc="same shape")
    yield Sample((m(3, 1), m(1, 7)), desc="broadcast both")
    yield Sample((m(), m(2, 3)), desc="0-d with 2-D")
    yield Sample((m(2, 3, 7, layout="transposed"), m(7, layout="flipped")), desc="views")
    yield Sample((m(0, 3), m(3, layout="strided")), desc="0-size")
    yield Sample((m(3, 7), 1.5), desc="python float")


def binary_bad(name):
    def bad():
        return [
            _bad(
                name,
                _ones(2, 3),
                _ones(4),
                match=rf"{name}: shapes \(2, 3\) and \(4,\) do not broadcast",
                desc="shapes",
            ),
            _bad(
                name,
                _ones(2, 3),
                "x",
                exc=TypeError,
                match=rf"{name}: unsupported operand type str",
                desc="string operand",
            ),
        ]

    return bad


def unary_bad(name):
    def bad():
        return [
            _bad(
                name,
                None,
                exc=TypeError,
                match=rf"{name}: unsupported operand type NoneType",
                desc="None input",
            )
        ]

    return bad


def kinked_pair_samples(op, dtype, rng):
    """(a, b) with a - b kept away from 0 (maximum/minimum/l1 kinks), plus exact ties."""
    m = Maker(op, dtype, rng)
    a = m(3, 7)
    d = m.values((3, 7), kinks=(0.0,))
    yield Sample((a, a - d), desc="no ties")
    yield Sample((m(3, 1), m(1, 7)), desc="broadcast")
    yield Sample((m(), m(2, 3)), desc="0-d with 2-D")
    yield Sample((m(2, 3, 7, layout="transposed"), m(7, layout="flipped")), desc="views")
    yield Sample((m(0, 3), m(3)), desc="0-size")
    b = np.where(rng.random((3, 7)) < 0.5, a, m(3, 7))
    yield Sample((a, b), desc="ties split the gradient evenly")


def pow_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield from binary_samples(op, dtype, rng)
    yield Sample((m(3, 7, low=-2.0), 2.0), desc="negative base, scalar exponent 2.0")
    yield Sample((m(3, 7, low=-2.0), 3), desc="negative base, int exponent 3")
    yield Sample((m(2, 3), -1.5), desc="negative scalar exponent")
    yield Sample((m(2, 3, low=-2.0), 0), desc="exponent 0")
    yield Sample((2.0, m(3, 7, layout="transposed")), desc="python float base")


def clamp_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), {"min": -0.5, "max": 0.5}, desc="both bounds")
    yield Sample((m(3, 7, layout="flipped"),), {"min": -0.5}, desc="min only")
    yield Sample((m(7, 3, layout="transposed"),), {"max": 0.5}, desc="max only")
    yield Sample((m(),), {"min": -0.5, "max": 0.5}, desc="0-d")
    yield Sample((m(0, 3),), {"min": -0.5}, desc="0-size")
    at = np.array([-0.5, 0.5, -1.0, 1.0, 0.0], dtype=dtype)
    yield Sample((at,), {"min": -0.5, "max": 0.5}, gradcheck=False, desc="on the bounds: gradient 1")
    yield Sample((m(2, 3),), {"min": 0.5, "max": -0.5}, desc="min > max: all max")


def clamp_bad():
    return [
        _bad(
            "clamp",
            _ones(2, 3),
            desc="no bound",
            match="clamp: at least one of 'min' or 'max' must not be None",
        )
    ]


def where_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((rng.random((3, 7)) < 0.5, m(3, 7), m(3, 7)), desc="same shape")
    yield Sample((rng.random((3, 1)) < 0.5, m(1, 7), m()), desc="broadcast")
    yield Sample((rng.random((2, 3)) < 0.5, m(2, 3, layout="transposed"), 0.0), desc="python float")
    yield Sample((np.zeros((0, 3), bool), m(0, 3), m(3, layout="flipped")), desc="0-size")


def where_bad():
    return [
        _bad(
            "where",
            np.ones((2, 3), bool),
            _ones(4),
            _ones(4),
            match=r"where: shapes \(2, 3\) and \(4,\) and \(4,\) do not broadcast",
            desc="shapes",
        ),
        _bad(
            "where",
            _ones(2, 3),
            _ones(2, 3),
            _ones(2, 3),
            exc=TypeError,
            desc="float condition",
            match="where: expected condition to be a boolean tensor, got dtype float32",
        ),
    ]


# ---- reductions ------------------------------------------------------------------------------


def reduce_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), desc="all")
    yield Sample((m(3, 7),), {"dim": 1}, desc="dim 1")
    yield Sample((m(2, 3, 7, layout="transposed"),), {"dim": (0, 2), "keepdim": True}, desc="dims, keepdim")
    yield Sample((m(3, 7, layout="flipped"),), {"dim": -1}, desc="negative dim")
    yield Sample((m(),), desc="0-d")
    yield Sample((m(),), {"dim": 0}, desc="0-d, dim 0: itself")
    yield Sample((m(),), {"dim": -1, "keepdim": True}, desc="0-d, dim -1, keepdim")
    yield Sample((m(0, 3),), {"dim": 1}, desc="0-size, other dim: empty result")
    if op.name not in ("amax", "amin"):  # no identity: see reduce_bad
        yield Sample((m(0, 3),), desc="0-size, all (sum 0, mean nan)")
        yield Sample((m(0, 3),), {"dim": 0}, desc="0-size, over the empty dim (sum 0, mean nan)")


def max_samples(op, dtype, rng):
    yield from reduce_samples(op, dtype, rng)
    ties = rng.integers(0, 3, size=(3, 7)).astype(dtype)
    yield Sample((ties,), {"dim": 1}, gradcheck=False, desc="ties split the gradient evenly")


def reduce_bad(name):
    def bad():
        out = [
            _bad(name, _ones(2, 3), dim=2, match=rf"{name}: dim 2 is out of range", desc="dim"),
            _bad(
                name,
                _ones(2, 3),
                dim=(0, 0),
                match=rf"{name}: dim 0 appears multiple times",
                desc="repeated dim",
            ),
            _bad(
                name,
                _ones(2, 3),
                dim=(1, -1),
                match=rf"{name}: dim 1 appears multiple times",
                desc="same dim, negative",
            ),
            _bad(
                name, _ones(), dim=1, match=rf"{name}: dim 1 is out of range .* \[-1, 0\]", desc="0-d dim 1"
            ),
        ]
        if name in ("amax", "amin"):
            out.append(
                _bad(
                    name,
                    _ones(0, 3),
                    match=rf"{name}: cannot reduce an empty tensor of shape \(0, 3\)",
                    desc="empty",
                )
            )
            out.append(
                _bad(
                    name,
                    _ones(0, 3),
                    dim=0,
                    desc="empty dim",
                    match=rf"{name}: cannot reduce an empty tensor of shape \(0, 3\) over dim 0",
                )
            )
        return out

    return bad


# ---- shape -----------------------------------------------------------------------------------


def reshape_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), 7, 3), desc="varargs")
    yield Sample((m(3, 7, layout="transposed"), (-1,)), desc="transposed (copies)")
    yield Sample((m(), (1, 1)), desc="0-d")
    yield Sample((m(0, 3), (3, 0, 1)), desc="0-size")
    yield Sample((m(2, 3, 7, layout="flipped"), (6, -1)), desc="negative strides")


def view_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), 7, 3), desc="varargs")
    yield Sample((m(2, 3, 7), (6, 7)), desc="merge")
    yield Sample((m(2, 3, 7, layout="strided"), (6, 7)), desc="strided, mergeable")
    yield Sample((m(), (1,)), desc="0-d")
    yield Sample((m(0, 3), (-1,)), desc="0-size")


def reshape_bad(name):
    def bad():
        out = [
            _bad(
                name,
                _ones(2, 3),
                (5,),
                desc="numel",
                match=rf"{name}: cannot reshape a tensor of shape \(2, 3\) into \(5,\)",
            )
        ]
        if name == "view":
            out.append(_bad(name, _ones(7, 3).T, (21,), match="view: .* without a copy", desc="transposed"))
        return out

    return bad


def permute_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(2, 3, 7), (2, 0, 1)), desc="3-D")
    yield Sample((m(3, 7, layout="transposed"), (1, 0)), desc="transposed")
    yield Sample((m(2, 3, 7, layout="flipped"), (-1, 0, 1)), desc="negative dims")
    yield Sample((m(), ()), desc="0-d")
    yield Sample((m(0, 3), (1, 0)), desc="0-size")


def permute_bad():
    return [
        _bad(
            "permute",
            _ones(2, 3),
            (0, 0),
            match=r"permute: dims \(0, 0\) are not a permutation",
            desc="repeated",
        ),
        _bad(
            "permute", _ones(2, 3), (0,), match=r"permute: dims \(0,\) are not a permutation", desc="too few"
        ),
    ]


def transpose_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(2, 3, 7), 0, 2), desc="3-D")
    yield Sample((m(3, 7, layout="flipped"), -1, -2), desc="negative dims")
    yield Sample((m(0, 3), 0, 1), desc="0-size")
    yield Sample((m(), 0, -1), desc="0-d: dims 0 and -1")


def flatten_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(2, 3, 7),), desc="all")
    yield Sample((m(2, 3, 7),), {"start_dim": 1}, desc="start 1")
    yield Sample((m(2, 3, 7, layout="transposed"), 0, 1), desc="transposed")
    yield Sample((m(),), desc="0-d")
    yield Sample((m(0, 3),), desc="0-size")


def squeeze_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 1, 7),), desc="all")
    yield Sample((m(3, 1, 7, layout="flipped"), 1), desc="dim 1")
    yield Sample((m(3, 7), 0), desc="not size 1: unchanged")
    yield Sample((m(1),), desc="to 0-d")
    yield Sample((m(0, 1), -1), desc="0-size")
    yield Sample((m(),), desc="0-d")
    yield Sample((m(), 0), desc="0-d, dim 0")
    yield Sample((m(1, 3, 1), (0, 2)), desc="tuple of dims")
    yield Sample((m(1, 3, 1, layout="flipped"), (0, 1)), desc="tuple of dims, one not size 1")


def unsqueeze_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), 0), desc="front")
    yield Sample((m(3, 7, layout="transposed"), -1), desc="back")
    yield Sample((m(), 0), desc="0-d")
    yield Sample((m(0, 3), 1), desc="0-size")


def dim_bad(name, *args):
    """name(2-D tensor, *args) with dim 5 among args."""

    def bad():
        return [_bad(name, _ones(2, 3), *args, match=rf"{name}: dim 5 is out of range", desc="dim")]

    return bad


def flatten_bad():
    return [
        _bad(
            "flatten",
            _ones(2, 3, 4),
            2,
            1,
            match="flatten: start_dim 2 comes after end_dim 1",
            desc="start after end",
        ),
        _bad("flatten", _ones(2, 3), 5, match="flatten: dim 5 is out of range", desc="dim"),
    ]


def cat_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample(([m(3, 7), m(2, 7)],), desc="dim 0")
    yield Sample(([m(3, 2), m(3, 0), m(3, 4, layout="transposed")],), {"dim": 1}, desc="views, 0-size part")
    yield Sample(([m(3), m(4, layout="flipped")], -1), desc="1-D")
    yield Sample(([m(2, 3)],), desc="one tensor")


def cat_bad():
    return [
        _bad("cat", [], match="cat: expected a non-empty", desc="empty list"),
        _bad("cat", [_ones(2, 3), _ones(2, 4)], match="cat: shapes", desc="shapes"),
        _bad(
            "cat",
            [_ones(2, 3), _ones(3)],
            match="cat: tensors must have the same number of dimensions",
            desc="ndim",
        ),
        _bad("cat", [_ones(2, 3)], dim=2, match="cat: dim 2 is out of range", desc="dim"),
    ]


def stack_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample(([m(3, 7), m(3, 7, layout="flipped")],), desc="dim 0")
    yield Sample(([m(3, 7), m(3, 7, layout="transposed"), m(3, 7)],), {"dim": -1}, desc="dim -1")
    yield Sample(([m(), m()],), desc="0-d")
    yield Sample(([m(0, 3), m(0, 3)], 2), desc="0-size")


def stack_bad():
    return [
        _bad("stack", [], match="stack: expected a non-empty", desc="empty list"),
        _bad("stack", [_ones(2, 3), _ones(3, 2)], match="stack: all shapes must be equal", desc="shapes"),
        _bad("stack", [_ones(2, 3)], dim=3, match="stack: dim 3 is out of range", desc="dim"),
    ]


def getitem_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    x, x3 = m(3, 7), m(2, 3, 7, layout="transposed")
    yield Sample((x, 1), desc="int")
    yield Sample((x, (slice(None), slice(1, 3))), desc="slices")
    yield Sample((m(3, 7, layout="flipped"), (slice(None), slice(None, None, 3))), desc="step, flipped input")
    yield Sample((x3, (Ellipsis, -1)), desc="ellipsis")
    yield Sample((x, (None, 1)), desc="None")
    yield Sample((x, (1, 2)), desc="to 0-d")
    yield Sample((x, slice(0, 0)), desc="empty slice")
    yield Sample((x, np.array([0, 2, 2, -1])), desc="int array, repeats")
    yield Sample((x, (np.array([0, 1]), np.array([1, 2]))), desc="paired arrays")
    yield Sample((x, rng.random((3, 7)) < 0.5), desc="bool mask")
    yield Sample((x3, (np.array([1, 0]), slice(1, None))), desc="array and slice")
    yield Sample((x, [2, 0]), desc="list")
    yield Sample((x, np.array([], dtype=np.int64)), desc="empty array")
    yield Sample((x, np.array(1)), desc="0-d int tensor")


def getitem_bad():
    return [
        _bad("getitem", _ones(3, 7), 5, exc=IndexError, match="out of bounds", desc="int"),
        _bad("getitem", _ones(3, 7), np.array([3]), exc=IndexError, match="out of bounds", desc="array"),
        _bad("getitem", _ones(3, 7), (0, 0, 0), exc=IndexError, match="too many indices", desc="too many"),
        _bad("getitem", _ones(3, 7), 1.5, exc=IndexError, match="integer", desc="float index"),
    ]


# ---- linear algebra --------------------------------------------------------------------------


def matmul_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7), m(7, 3)), desc="2-D")
    yield Sample((m(7), m(7, layout="flipped")), desc="1-D @ 1-D")
    yield Sample((m(7), m(7, 3, layout="transposed")), desc="1-D @ 2-D")
    yield Sample((m(3, 7, layout="strided"), m(7)), desc="2-D @ 1-D")
    yield Sample((m(2, 3, 7), m(7, 3)), desc="batched @ 2-D")
    yield Sample((m(2, 1, 3, 4, layout="flipped"), m(3, 4, 2)), desc="batch broadcast")
    yield Sample((m(3, 0), m(0, 4)), desc="K = 0")
    yield Sample((m(0, 3), m(3, 7)), desc="M = 0")


def matmul_bad():
    return [
        _bad("matmul", _ones(), _ones(3), match="matmul: operands must be at least 1-D", desc="0-d"),
        _bad(
            "matmul",
            _ones(2, 3),
            _ones(4, 2),
            match=r"matmul: shapes \(2, 3\) and \(4, 2\) do not match",
            desc="K",
        ),
        _bad(
            "matmul",
            _ones(2, 3),
            _ones(3, 2, dtype=np.float64),
            exc=TypeError,
            match="matmul: operands must have the same dtype",
            desc="dtypes",
        ),
        _bad("matmul", _ones(2, 2, 3), _ones(3, 3, 2), match="matmul: batch dimensions", desc="batch"),
    ]


def linear_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(5, 7), m(3, 7), m(3)), desc="with bias")
    yield Sample((m(5, 7), m(3, 7, layout="transposed")), desc="no bias, transposed weight")
    yield Sample((m(7), m(3, 7), m(3, layout="flipped")), desc="1-D input")
    yield Sample((m(2, 3, 7, layout="strided"), m(3, 7)), desc="batched input")
    yield Sample((m(0, 7), m(3, 7), m(3)), desc="0 rows")


def linear_bad():
    return [
        _bad(
            "linear",
            _ones(5, 7),
            _ones(3, 6),
            desc="in_features",
            match=r"linear: input of shape \(5, 7\) does not match weight of shape \(3, 6\)",
        ),
        _bad(
            "linear",
            _ones(5, 7),
            _ones(3, 7),
            _ones(4),
            desc="bias",
            match=r"linear: bias of shape \(4,\) does not match weight \(3, 7\)",
        ),
        _bad(
            "linear",
            _ones(5, 7),
            _ones(3, 7, dtype=np.float64),
            exc=TypeError,
            match="linear: input, weight and bias must have the same dtype",
            desc="dtypes",
        ),
    ]


# ---- softmax family, losses, dropout ---------------------------------------------------------


def softmax_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), {"dim": -1}, desc="last dim")
    yield Sample((m(3, 7, layout="flipped"),), {"dim": 0}, desc="dim 0")
    yield Sample((m(2, 3, 7, layout="transposed"),), {"dim": 1}, desc="middle dim")
    yield Sample((m(0, 3),), {"dim": 1}, desc="0 rows")
    yield Sample((m(3, 7, low=-50.0, high=50.0),), {"dim": 1}, desc="large magnitudes")
    yield Sample((m(3, 0),), {"dim": 1}, desc="0 classes")
    yield Sample((m(),), {"dim": 0}, desc="0-d: softmax 1, log_softmax 0")
    yield Sample((m(),), {"dim": -1}, desc="0-d, dim -1")


def softmax_bad(name):
    def bad():
        return [_bad(name, _ones(2, 3), dim=2, match=rf"{name}: dim 2 is out of range", desc="dim")]

    return bad


def regression_loss_samples(op, dtype, rng):
    """(input, target) with input - target away from the op's kinks (0, +-delta)."""
    m = Maker(op, dtype, rng)
    delta = {"huber_loss": 0.5}.get(op.name)
    kw = {} if delta is None else {"delta": delta}
    kinks = (0.0,) if delta is None else (0.0, delta, -delta)

    def pair(*shape, layout="contiguous", kinks=kinks):
        x = m(*shape, layout=layout)
        return x, np.asarray(x - m.values(shape, kinks=kinks), dtype=dtype)

    yield Sample(pair(3, 7), dict(kw), desc="mean")
    yield Sample(pair(3, 7, layout="transposed"), dict(kw, reduction="sum"), desc="sum, transposed")
    yield Sample(pair(2, 3, 7, layout="flipped"), dict(kw, reduction="none"), desc="none, negative strides")
    yield Sample(pair(), dict(kw), desc="0-d")
    yield Sample(pair(0, 3), dict(kw), desc="0-size mean: nan")
    if delta is not None:
        yield Sample(pair(3, 7, kinks=(0.0, 2.0, -2.0)), {"delta": 2.0, "reduction": "sum"}, desc="delta 2")


def regression_loss_bad(name):
    def bad():
        extra = (
            []
            if name != "huber_loss"
            else [
                _bad(
                    name,
                    _ones(2, 3),
                    _ones(2, 3),
                    delta=-1.0,
                    desc="delta negative",
                    match="huber_loss: delta must be positive, got -1.0",
                ),
                _bad(
                    name,
                    _ones(2, 3),
                    _ones(2, 3),
                    delta=0.0,
                    desc="delta zero",
                    match="huber_loss: delta must be positive, got 0.0",
                ),
            ]
        )
        return extra + [
            _bad(
                name,
                _ones(2, 3),
                _ones(3),
                match=rf"{name}: input shape \(2, 3\) and target shape \(3,\)",
                desc="shapes",
            ),
            _bad(
                name,
                _ones(2, 3),
                _ones(2, 3),
                reduction="avg",
                match=rf"{name}: reduction must be one of",
                desc="reduction",
            ),
        ]

    return bad


def class_loss_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)

    def target(*shape, c=3):
        return rng.integers(0, c, size=shape).astype(np.int64)

    yield Sample((m(5, 3), target(5)), desc="mean")
    yield Sample((m(5, 3, layout="flipped"), target(5)), {"reduction": "sum"}, desc="sum, negative strides")
    yield Sample((m(3, 5, layout="transposed"), target(3, c=5)), {"reduction": "none"}, desc="none")
    yield Sample((m(0, 3), target(0)), desc="0 rows mean: nan")
    yield Sample((m(4, 3, low=-50.0, high=50.0), target(4)), desc="large magnitudes")
    if op.name == "nn.functional.cross_entropy":
        yield Sample((m(2, 3, 4), target(2, 4)), desc="(N, C, d)")
        yield Sample((m(2, 3, 4), target(2, 4)), {"reduction": "none"}, desc="(N, C, d) none")


def cross_entropy_bad():
    return [
        _bad(
            "cross_entropy",
            _ones(5, 3),
            np.zeros(4, np.int64),
            match="cross_entropy: expected logits",
            desc="target length",
        ),
        _bad(
            "cross_entropy",
            np.ones((5, 3), np.int64),
            np.zeros(5, np.int64),
            exc=TypeError,
            match="cross_entropy: logits must be floating point",
            desc="int logits",
        ),
        _bad(
            "cross_entropy",
            _ones(5, 3),
            np.zeros(5, np.float32),
            exc=TypeError,
            match="cross_entropy: targets must be integer",
            desc="float target",
        ),
        _bad(
            "cross_entropy",
            _ones(5, 3),
            np.array([0, 1, 3, 0, 0]),
            match=r"cross_entropy.*\[0, 3\)",
            desc="target out of range",
        ),
        _bad(
            "cross_entropy",
            _ones(5, 3),
            np.zeros(5, np.int64),
            reduction="avg",
            match="cross_entropy: reduction must be one of",
            desc="reduction",
        ),
        _bad(
            "cross_entropy",
            _ones(2, 3, 4),
            np.zeros((2, 5), np.int64),
            match=r"cross_entropy: target shape \(2, 5\) does not match input \(2, 3, 4\)",
            desc="(N, C, d)",
        ),
    ]


def nll_loss_bad():
    return [
        _bad(
            "nll_loss",
            _ones(5, 3),
            np.zeros(4, np.int64),
            match=r"nll_loss: expected input \(N, C\)",
            desc="target length",
        ),
        _bad(
            "nll_loss",
            _ones(5, 3),
            np.zeros(5, np.float32),
            exc=TypeError,
            match="nll_loss: target must be integer",
            desc="float target",
        ),
        _bad(
            "nll_loss",
            _ones(5, 3),
            np.array([0, 1, 3, 0, 0]),
            desc="target out of range",
            match=r"nll_loss: targets must lie in \[0, 3\)",
        ),
        _bad(
            "nll_loss",
            _ones(5, 3),
            np.zeros(5, np.int64),
            reduction="avg",
            match="nll_loss: reduction must be one of",
            desc="reduction",
        ),
    ]


def dropout_samples(op, dtype, rng):
    """The deterministic cases; the random mask and 1/(1-p) scaling are tested apart."""
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), {"p": 0.0}, desc="p = 0")
    yield Sample((m(3, 7, layout="flipped"),), {"p": 0.5, "training": False}, desc="eval")
    yield Sample((m(0, 3),), {"p": 0.0}, desc="0-size")
    yield Sample((m(2, 3),), {"p": 1.0}, desc="p = 1: zeros")


def dropout_bad():
    return [
        _bad(
            "dropout", _ones(2, 3), p=1.5, match=r"dropout: p must be in \[0, 1\], got 1.5", desc="p above 1"
        ),
        _bad("dropout", _ones(2, 3), p=-0.1, match=r"dropout: p must be in \[0, 1\]", desc="p below 0"),
    ]


def argmax_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), desc="all")
    yield Sample((m(3, 7, layout="flipped"),), {"dim": 1}, desc="dim 1")
    yield Sample((m(2, 3, 7, layout="transposed"),), {"dim": 0, "keepdim": True}, desc="keepdim")
    yield Sample((rng.integers(0, 2, size=(3, 7)).astype(dtype),), {"dim": 1}, desc="ties: first index")
    yield Sample((m(),), {"dim": 0}, desc="0-d, dim 0: index 0")
    yield Sample((m(0, 3),), {"dim": 1}, desc="0-size, other dim: empty result")


def argmax_bad():
    return [
        _bad("argmax", _ones(0, 3), match="argmax", desc="empty"),
        _bad(
            "argmax",
            _ones(2, 3),
            dim=5,
            desc="dim",
            match=r"argmax: dim 5 is out of range for a tensor of 2 dimensions "
            r"\(expected an int in \[-2, 1\]\)",
        ),
        _bad("argmax", _ones(0, 3), dim=0, match=r"argmax: .*shape \(0, 3\) over dim 0", desc="empty dim"),
    ]


# ---- the table -------------------------------------------------------------------------------


def _sigmoid_ref(x):
    return 1.0 / (1.0 + np.exp(-x))


def _reduce_ref(fn):
    """fn over `dim` with torch's edge cases: a 0-d tensor reduces to itself; the mean of no
    elements is nan, without numpy's warning."""

    def ref(x, dim=None, keepdim=False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(x, axis=None if x.ndim == 0 else dim, keepdims=keepdim)

    return ref


def _swapaxes_ref(x, dim0, dim1):
    return x.copy() if x.ndim == 0 else np.swapaxes(x, dim0, dim1)  # 0-d: dims 0 / -1 name itself


def _softmax_ref(fn):
    """reference.* with torch's edge cases: empty in, empty out; a 0-d tensor is one class."""
    return lambda x, dim=-1: x.copy() if x.size == 0 else fn(x, None if x.ndim == 0 else dim)


def _unary(name, fn, ref, **kw):
    return OpInfo(name, fn, _torch(name), unary_samples, ref=ref, bad_inputs=unary_bad(name), **kw)


def _binary(name, fn, ref, samples=binary_samples, **kw):
    return OpInfo(name, fn, _torch(name), samples, ref=ref, bad_inputs=binary_bad(name), **kw)


def _reduction(name, fn, torch_op, ref, samples=reduce_samples):
    return OpInfo(name, fn, torch_op, samples, ref=ref, tol=SUMMING, bad_inputs=reduce_bad(name))


def _loss(name, samples, bad):
    return OpInfo(
        f"nn.functional.{name}",
        getattr(F, name),
        _torch(f"nn.functional.{name}"),
        samples,
        tol=SUMMING,
        bad_inputs=bad,
    )


OPS = [
    _binary("add", dlcore.add, np.add),
    _binary("sub", dlcore.sub, np.subtract),
    _binary("mul", dlcore.mul, np.multiply),
    _binary("div", dlcore.div, np.divide, kinks=(0.0,)),
    _binary("pow", dlcore.pow, np.power, samples=pow_samples, domain=(0.5, 2.0)),
    _binary("maximum", dlcore.maximum, np.maximum, samples=kinked_pair_samples),
    _binary("minimum", dlcore.minimum, np.minimum, samples=kinked_pair_samples),
    _unary("neg", dlcore.neg, np.negative),
    _unary("exp", dlcore.exp, np.exp),
    _unary("log", dlcore.log, np.log, domain=(0.1, 3.0)),
    _unary("sqrt", dlcore.sqrt, np.sqrt, domain=(0.1, 3.0)),
    _unary("abs", dlcore.abs, np.abs, kinks=(0.0,)),
    _unary("tanh", dlcore.tanh, np.tanh),
    _unary("sigmoid", dlcore.sigmoid, _sigmoid_ref, domain=(-6.0, 6.0)),
    _unary("relu", dlcore.relu, lambda x: np.maximum(x, 0), kinks=(0.0,)),
    OpInfo(
        "clamp",
        dlcore.clamp,
        _torch("clamp"),
        clamp_samples,
        kinks=(-0.5, 0.5),
        ref=lambda x, min=None, max=None: np.clip(x, min, max),
        bad_inputs=clamp_bad,
    ),
    OpInfo("where", dlcore.where, _torch("where"), where_samples, ref=np.where, bad_inputs=where_bad),
    _reduction("sum", dlcore.sum, _torch("sum"), _reduce_ref(np.sum)),
    _reduction("mean", dlcore.mean, _torch("mean"), _reduce_ref(np.mean)),
    _reduction("amax", dlcore.amax, _torch_amax, _reduce_ref(np.max), samples=max_samples),
    OpInfo(
        "reshape",
        dlcore.reshape,
        _method("reshape"),
        reshape_samples,
        tol=EXACT,
        bad_inputs=reshape_bad("reshape"),
    ),
    OpInfo("view", _method("view"), _method("view"), view_samples, tol=EXACT, bad_inputs=reshape_bad("view")),
    OpInfo(
        "permute",
        dlcore.permute,
        _torch("permute"),
        permute_samples,
        ref=np.transpose,
        tol=EXACT,
        bad_inputs=permute_bad,
    ),
    OpInfo(
        "transpose",
        dlcore.transpose,
        _torch("transpose"),
        transpose_samples,
        ref=_swapaxes_ref,
        tol=EXACT,
        bad_inputs=dim_bad("transpose", 0, 5),
    ),
    OpInfo("flatten", dlcore.flatten, _torch("flatten"), flatten_samples, tol=EXACT, bad_inputs=flatten_bad),
    OpInfo(
        "squeeze",
        dlcore.squeeze,
        _torch("squeeze"),
        squeeze_samples,
        tol=EXACT,
        bad_inputs=dim_bad("squeeze", 5),
    ),
    OpInfo(
        "unsqueeze",
        dlcore.unsqueeze,
        _torch("unsqueeze"),
        unsqueeze_samples,
        tol=EXACT,
        bad_inputs=dim_bad("unsqueeze", 5),
    ),
    OpInfo(
        "cat",
        dlcore.cat,
        _torch("cat"),
        cat_samples,
        tol=EXACT,
        bad_inputs=cat_bad,
        ref=lambda xs, dim=0: np.concatenate(xs, axis=dim),
    ),
    OpInfo(
        "stack",
        dlcore.stack,
        _torch("stack"),
        stack_samples,
        tol=EXACT,
        bad_inputs=stack_bad,
        ref=lambda xs, dim=0: np.stack(xs, axis=dim),
    ),
    OpInfo(
        "getitem",
        operator.getitem,
        operator.getitem,
        getitem_samples,
        ref=operator.getitem,
        bad_inputs=getitem_bad,
    ),  # ELEMENTWISE: the gradient sums repeated indices
    OpInfo(
        "matmul",
        dlcore.matmul,
        _torch("matmul"),
        matmul_samples,
        ref=np.matmul,
        tol=SUMMING,
        bad_inputs=matmul_bad,
    ),
    OpInfo(
        "softmax",
        dlcore.softmax,
        _torch("softmax"),
        softmax_samples,
        tol=SUMMING,
        ref=_softmax_ref(reference.softmax),
        bad_inputs=softmax_bad("softmax"),
    ),
    OpInfo(
        "log_softmax",
        dlcore.log_softmax,
        _torch("log_softmax"),
        softmax_samples,
        tol=SUMMING,
        ref=_softmax_ref(reference.log_softmax),
        bad_inputs=softmax_bad("log_softmax"),
    ),
    OpInfo(
        "nn.functional.linear",
        F.linear,
        _torch("nn.functional.linear"),
        linear_samples,
        tol=SUMMING,
        bad_inputs=linear_bad,
    ),
    _loss("mse_loss", regression_loss_samples, regression_loss_bad("mse_loss")),
    _loss("l1_loss", regression_loss_samples, regression_loss_bad("l1_loss")),
    _loss("huber_loss", regression_loss_samples, regression_loss_bad("huber_loss")),
    _loss("cross_entropy", class_loss_samples, cross_entropy_bad),
    _loss("nll_loss", class_loss_samples, nll_loss_bad),
    OpInfo(
        "nn.functional.dropout",
        F.dropout,
        _torch("nn.functional.dropout"),
        dropout_samples,
        tol=EXACT,
        bad_inputs=dropout_bad,
    ),
    OpInfo("clone", _method("clone"), _method("clone"), unary_samples, ref=np.copy, tol=EXACT),
    OpInfo(
        "float",
        _method("float"),
        _method("float"),
        unary_samples,
        ref=lambda x: x.astype(np.float32),
        gradcheck=False,
    ),
    OpInfo("double", _method("double"), _method("double"), unary_samples),
    OpInfo(
        "argmax",
        _method("argmax"),
        _method("argmax"),
        argmax_samples,
        differentiable=False,
        tol=EXACT,
        bad_inputs=argmax_bad,
    ),
]

from op_table_h1 import OPS as _H1_OPS  # noqa: E402  (imports this module's helpers above)

OPS += _H1_OPS
from op_table_h7 import OPS as _H7_OPS  # noqa: E402
from op_table_h7_nn import OPS as _H7_NN_OPS  # noqa: E402

OPS += _H7_OPS + _H7_NN_OPS
OPS_BY_NAME = {op.name: op for op in OPS}
assert len(OPS_BY_NAME) == len(OPS), "op names must be unique"
