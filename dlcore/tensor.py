"""Tensor: an array (numpy on CPU, CuPy on CUDA) plus reverse-mode autograd.

`apply(Fn, *inputs)` runs one ops.Function on the inputs' arrays and, when grad mode is on and an
input requires grad, records it as the result's `_ctx`; `Tensor.backward()` hands the graph to
dlcore.graph, which walks it in reverse. Every Tensor method is defined in the class body, except
the reductions (base class dlcore.tensor_reductions.Reductions), and calls `apply` with a Function
from dlcore.ops. Operands are converted and promoted as torch does,
in one place (`promote`): Python values become constants (non-numeric ones are a TypeError naming
the op), an integer/bool tensor meeting a float one takes the float's dtype, and ops whose result
is always floating (exp, log, sqrt, tanh, sigmoid, true division) compute integers in float32.
"""

from __future__ import annotations

import numpy as np

from . import backend, ops
from . import graph as _graph
from .device import device as _device
from .device import to_args
from .graph import backward as _run_backward
from .graph import enable_grad, is_grad_enabled, no_grad, note_inplace_write, write_stamp  # noqa: F401  (dlcore.tensor.no_grad)
from .ops import dtypes
from .tensor_inplace import InPlace
from .tensor_math import MathExtras
from .tensor_reductions import Reductions

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
bool_ = np.dtype(np.bool_)


# ---- the engine's forward half -------------------------------------------------------------


def apply(fn_cls, *inputs, **kwargs) -> Tensor:
    """Run fn_cls().forward on the inputs' arrays; record the node when a gradient is needed.

    Non-tensor inputs (Python scalars, arrays) become constants (see as_tensor_like). Integer and
    boolean results (x.long(), comparisons) never join the graph.
    """
    fn = fn_cls()
    tensors = (
        inputs
        if all(isinstance(x, Tensor) for x in inputs)
        else tuple(as_tensor_like(x, inputs, fn_cls.__name__.lower()) for x in inputs)
    )
    fn.needs_input_grad = needs = tuple(t.requires_grad for t in tensors)
    stamp = write_stamp()
    try:
        result = Tensor(fn.forward(*[t._data for t in tensors], **kwargs))
    except (TypeError, IndexError) as e:
        named = ops.named_error(e, getattr(fn_cls, "op", fn_cls.__name__.lower()))
        if named is e:
            raise
        raise named from e
    requires = True in needs and is_grad_enabled() and result._data.dtype.kind in "fc"
    result.requires_grad = requires
    if requires:
        fn.parents = tensors
        fn.stamp = stamp  # inputs written in place after it: graph.backward raises
        result._ctx = fn
    return result


class Function(ops.Function):
    """Base for user-defined differentiable functions, as torch.autograd.Function: subclass it,
    define forward(*arrays, **kw) and backward(g) over arrays (see ops.Function), then call
    `MyFn.apply(*tensors, **kw)`."""

    @classmethod
    def apply(cls, *inputs, **kwargs) -> Tensor:
        return apply(cls, *inputs, **kwargs)


def as_tensor_like(x, inputs, op: str = "tensor") -> Tensor:
    """x as an operand of op beside the tensors among `inputs`: a Python/numpy scalar or array
    becomes a constant of dtypes.constant_dtype (the first tensor's, unless x's kind ranks
    higher); with no tensor among inputs, of the default dtypes. Non-numeric x: TypeError."""
    if isinstance(x, Tensor):
        return x
    ref = next((t for t in inputs if isinstance(t, Tensor)), None)
    if ref is None:
        return Tensor(dtypes.as_array(x, op))
    arr = dtypes.as_array(x, op, default_dtypes=False)
    dtype = dtypes.constant_dtype(ref.dtype, arr.dtype)
    return Tensor(backend.array_module(ref.data).asarray(arr, dtype=dtype))


def promote(*operands, op: str, floating: bool = False) -> tuple:
    """The operands of op as tensors of one dtype, torch.result_type's (dlcore.ops.dtypes): tensors
    rank above 0-d tensors above Python values (constants, see as_tensor_like; without any tensor
    all are tensors of the default dtypes); ops whose result is always floating (`floating`: exp,
    true division, ...) compute an integer/bool result type in float32."""
    dts = {x.dtype if isinstance(x, Tensor) else None for x in operands}
    if len(dts) == 1 and None not in dts:  # the common case: tensors of one dtype
        (dt,) = dts
        if not floating or dt.kind in "fc":
            return operands
    if len(operands) == 2 and len(dts) == 2 and None in dts:  # a tensor and a Python float/int
        pair = _with_number(*operands, floating)
        if pair is not None:
            return pair
    if None in dts and len(dts) == 1:
        operands = tuple(Tensor(dtypes.as_array(x, op)) for x in operands)
    groups, values = ([], [], []), []
    for x in operands:
        if isinstance(x, Tensor):
            groups[x.data.ndim == 0].append(x.dtype)
        else:
            values.append(dtypes.as_array(x, op, default_dtypes=False))
            groups[2].append(values[-1].dtype)
    target = dtypes.result_type(*groups)
    if floating and target.kind in "iub":
        target = float32
    ref = next(x for x in operands if isinstance(x, Tensor))
    xp, values = backend.array_module(ref.data), iter(values)
    return tuple(
        _cast(x, target) if isinstance(x, Tensor) else Tensor(xp.asarray(next(values), dtype=target))
        for x in operands
    )


def _with_number(a, b, floating: bool):
    """promote's shortcut for a tensor and a Python int/float computing in a floating dtype (the
    number becomes a constant of it); None where the general rule is needed."""
    t, x = (a, b) if isinstance(a, Tensor) else (b, a)
    dt = dtypes.number_dtype(t.dtype, x, floating)
    if dt is None:
        return None
    c = Tensor(backend.array_module(t.data).asarray(x, dtype=dt))
    return (_cast(t, dt), c) if t is a else (c, _cast(t, dt))


def _cast(t: Tensor, dtype) -> Tensor:
    """t in dtype; differentiable (the gradient goes back to t's dtype)."""
    if t.dtype == dtype:
        return t
    if t.requires_grad:
        return apply(ops.Convert, t, data=t.data.astype(dtype))
    return Tensor(t.data.astype(dtype))


def power(a, b) -> Tensor:
    """a ** b; a scalar exponent of a tensor uses the scalar rule (exact 0 gradient for b == 0).
    Two bool operands are a TypeError, as torch (a bool with an int or float promotes)."""
    if isinstance(a, Tensor) and isinstance(b, (int, float, np.number)):
        base = promote(a, b, op="pow")[0]
        if base.dtype == bool_ and isinstance(b, (bool, np.bool_)):  # torch: x ** False is True
            return Tensor(base.data.copy() if b else backend.array_module(base.data).ones_like(base.data))
        _no_bool("pow", base)
        return apply(ops.PowScalar, base, p=b)
    a, b = promote(a, b, op="pow")
    _no_bool("pow", a)
    return apply(ops.Pow, a, b)


def _no_bool(op: str, t: Tensor) -> None:
    if t.dtype == bool_:
        raise TypeError(f"{op}: bool tensors are not supported; convert with .long() or .float()")


def subtract(a, b) -> Tensor:
    """a - b; a bool operand (tensor or Python bool) is a TypeError with torch's advice."""
    bools = [isinstance(x, (bool, np.bool_)) or (isinstance(x, Tensor) and x.dtype == bool_) for x in (a, b)]
    if any(bools):
        raise ops.Sub.bool_error(two=all(bools) and all(isinstance(x, Tensor) for x in (a, b)))
    return apply(ops.Sub, *promote(a, b, op="sub"))


def mat_product(a, b) -> Tensor:
    """a @ b, as torch: no promotion (ops.MatMul rejects two dtypes), no bool (TypeError)."""
    a, b = (as_tensor_like(x, (a, b), "matmul") for x in (a, b))
    if a.dtype == bool_ or b.dtype == bool_:
        raise TypeError(f"matmul: bool tensors are not supported, got {a.dtype} and {b.dtype}")
    return apply(ops.MatMul, a, b)


def unwrap_index(idx):
    """Replace Tensors inside an index expression by their arrays."""
    if isinstance(idx, Tensor):
        return idx.data
    if isinstance(idx, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in idx)
    return idx


def shape_args(shape) -> tuple:
    """f(2, 3) and f((2, 3)) alike -> (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Tensor(Reductions, InPlace, MathExtras):
    """An n-dimensional array with an optional gradient. See dlcore.tensor() to create one."""

    __slots__ = ("_data", "grad", "requires_grad", "_ctx", "_retain", "_version", "_hooks", "__weakref__")
    __array_priority__ = 100  # numpy defers `ndarray @ Tensor` etc. to Tensor's reflected ops
    _apply = staticmethod(apply)  # for the Reductions base class
    _promote = staticmethod(promote)

    def __init__(self, data, requires_grad: bool = False):
        if isinstance(data, Tensor):
            data = data.data
        elif type(data) is not np.ndarray or data.dtype.kind not in dtypes.CATEGORY:
            data = dtypes.as_array(data)  # Python lists / scalars as dlcore.tensor; numpy scalars 0-d
        self._data = data
        self._version = 0  # the stamp of the last in-place write (graph.note_inplace_write)
        self.grad: Tensor | None = None
        self._ctx: ops.Function | None = None
        self._retain = False
        self._hooks: dict | None = None  # post-accumulate-grad hooks (graph.py)
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ---- properties ----------------------------------------------------------------------
    @property
    def data(self):
        """The underlying array (numpy on CPU, CuPy on CUDA), shared, not copied."""
        return self._data

    @data.setter
    def data(self, value) -> None:
        """`t.data = other` (a Tensor, as torch; or an array): t now holds other's array (shared;
        the shape may change, as torch). A tensor that requires grad must stay floating."""
        if isinstance(value, Tensor):
            value = value._data
        elif not hasattr(value, "dtype") or not hasattr(value, "shape"):
            raise TypeError(f"Tensor.data: has to be set to a tensor, got {type(value).__name__}")
        if self.requires_grad and value.dtype.kind not in "fc":
            raise TypeError(
                f"Tensor.data: data set to a tensor that requires gradients must be floating point, "
                f"got {value.dtype}"
            )
        self._data = value

    @property
    def shape(self) -> tuple:
        return tuple(self._data.shape)

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def device(self) -> _device:
        """device('cpu'), or device('cuda', i) (equal to the string 'cpu' / 'cuda' too)."""
        if backend.is_numpy(self.data):
            return _device("cpu")
        return _device("cuda", int(getattr(getattr(self.data, "device", None), "id", 0)))

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def T(self) -> Tensor:
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.ndim

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self) -> str:
        extra = ", requires_grad=True" if self.requires_grad else ""
        dev = "" if self.device == "cpu" else ", device='cuda'"
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(")
        return f"tensor({body}, dtype={self.dtype}{dev}{extra})"

    # ---- conversion ------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as a numpy array (shares memory on the CPU, as torch.Tensor.numpy)."""
        return self.data if self.device == "cpu" else self.data.get()

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item(): tensor with {self.data.size} elements cannot be converted to a scalar")
        return self.numpy().reshape(()).item()

    def tolist(self):
        return self.numpy().tolist()

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, cut from the graph."""
        return Tensor(self.data)

    def to(self, *args, device=None, dtype=None, non_blocking=False, copy=False) -> Tensor:
        """to(device), to(dtype), to(device, dtype), to(other) (other's device and dtype), as torch:
        self when nothing changes (unless copy)."""
        if len(args) == 1 and isinstance(args[0], Tensor):
            args = (args[0].device, args[0].dtype)
        device, dtype = to_args("to", args, device, dtype)
        data = self.data
        if dtype is not None:
            data = data.astype(np.dtype(dtype), copy=False)
        if device is not None:
            data = backend.to_device(data, device)
        if data is self.data:
            return self.clone() if copy else self
        return apply(ops.Convert, self, data=data)

    def float(self) -> Tensor:
        return self.to(dtype=float32)

    def double(self) -> Tensor:
        return self.to(dtype=float64)

    def long(self) -> Tensor:
        return self.to(dtype=int64)

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self) -> Tensor:
        return self.to("cuda")

    def clone(self) -> Tensor:
        return apply(ops.Clone, self)

    # ---- autograd flags (in-place arithmetic: dlcore.tensor_inplace) -----------------------
    def requires_grad_(self, flag: bool = True) -> Tensor:
        if flag and self.data.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients, got {self.dtype}")
        if not self.is_leaf and not flag:
            raise RuntimeError("requires_grad_(False) is only valid on leaf tensors; use detach()")
        self.requires_grad = flag
        return self

    def retain_grad(self) -> None:
        self._retain = True

    def register_post_accumulate_grad_hook(self, hook):
        """hook(self) after this leaf's .grad got a backward's whole gradient (torch's name)."""
        return _graph.register_post_accumulate_grad_hook(self, hook)

    # ---- autograd --------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's .grad (PyTorch semantics)."""
        if not self.requires_grad:
            raise RuntimeError("backward(): tensor does not require grad and has no grad_fn")
        xp = backend.array_module(self.data)
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): grad can be implicitly created only for scalar "
                    f"outputs, got shape {self.shape}"
                )
            g = xp.ones_like(self.data)
        else:
            g = gradient.data if isinstance(gradient, Tensor) else xp.asarray(gradient, dtype=self.dtype)
            if tuple(g.shape) != self.shape:
                raise ValueError(
                    f"backward(): gradient shape {tuple(g.shape)} does not match tensor shape {self.shape}"
                )
        _run_backward(self, g, retain_graph)

    def _accumulate(self, g) -> None:
        if g.dtype != self._data.dtype:
            g = g.astype(self._data.dtype)
        if self.grad is None:
            self.grad = Tensor(g.copy())
        elif self.grad.shape == tuple(g.shape):
            self.grad._data += g  # in place: optimizers may hold views of .grad.data
        else:
            raise RuntimeError(f"grad shape {self.grad.shape} does not match gradient {tuple(g.shape)}")

    # ---- arithmetic (dtype promotion as torch: see promote) ---------------------------------
    def __add__(self, o):
        return apply(ops.Add, *promote(self, o, op="add"))

    def __radd__(self, o):
        return apply(ops.Add, *promote(o, self, op="add"))

    def __sub__(self, o):
        return subtract(self, o)

    def __rsub__(self, o):
        return subtract(o, self)

    def __mul__(self, o):
        return apply(ops.Mul, *promote(self, o, op="mul"))

    def __rmul__(self, o):
        return apply(ops.Mul, *promote(o, self, op="mul"))

    def __truediv__(self, o):
        return apply(ops.Div, *promote(self, o, op="div", floating=True))

    def __rtruediv__(self, o):
        return apply(ops.Div, *promote(o, self, op="div", floating=True))

    def __neg__(self):
        return apply(ops.Neg, self)

    def __pow__(self, o):
        return power(self, o)

    def __rpow__(self, o):
        return power(o, self)

    def __matmul__(self, o):
        return mat_product(self, o)

    def __rmatmul__(self, o):
        return mat_product(o, self)

    def __getitem__(self, idx):
        return apply(ops.GetItem, self, idx=unwrap_index(idx))

    def matmul(self, other) -> Tensor:
        return mat_product(self, other)

    def pow(self, exponent) -> Tensor:
        return power(self, exponent)

    # ---- elementwise math ------------------------------------------------------------------
    def exp(self) -> Tensor:
        return apply(ops.Exp, *promote(self, op="exp", floating=True))

    def log(self) -> Tensor:
        return apply(ops.Log, *promote(self, op="log", floating=True))

    def sqrt(self) -> Tensor:
        return apply(ops.Sqrt, *promote(self, op="sqrt", floating=True))

    def abs(self) -> Tensor:
        return apply(ops.Abs, self)

    def tanh(self) -> Tensor:
        return apply(ops.Tanh, *promote(self, op="tanh", floating=True))

    def sigmoid(self) -> Tensor:
        return apply(ops.Sigmoid, *promote(self, op="sigmoid", floating=True))

    def relu(self) -> Tensor:
        return apply(ops.ReLU, self)

    def clamp(self, min=None, max=None) -> Tensor:
        return apply(ops.Clamp, self, min=min, max=max)

    def softmax(self, dim: int = -1) -> Tensor:
        return apply(ops.Softmax, self, axis=dim)

    def log_softmax(self, dim: int = -1) -> Tensor:
        return apply(ops.LogSoftmax, self, axis=dim)

    # ---- shape -----------------------------------------------------------------------------
    def reshape(self, *shape) -> Tensor:
        return apply(ops.Reshape, self, shape=shape_args(shape))

    def view(self, *shape) -> Tensor:
        """reshape that never copies (torch.Tensor.view): shares this storage, else ValueError."""
        return apply(ops.Reshape, self, shape=shape_args(shape), view=True)

    def permute(self, *dims) -> Tensor:
        return apply(ops.Permute, self, dims=shape_args(dims))

    def t(self) -> Tensor:
        """The transpose of a 2-D tensor; a 0-d or 1-D tensor as it is (torch.Tensor.t)."""
        if self.ndim > 2:
            raise ValueError(
                f"t: expects a tensor with <= 2 dimensions, got shape {self.shape}; use transpose"
            )
        return self.permute(*reversed(range(self.ndim)))

    def expand(self, *sizes) -> Tensor:
        """A view with size-1 dims repeated to `sizes` (-1: keep a dim; new dims lead); no copy."""
        return apply(ops.Expand, self, shape=shape_args(sizes))

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def is_contiguous(self) -> bool:
        return bool(self.data.flags.c_contiguous)

    def contiguous(self) -> Tensor:
        """self when its data is C-contiguous, else a contiguous copy (gradient flows)."""
        return self if self.is_contiguous() else self.clone()

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        i, j = (ops.check_axis("transpose", d, self.ndim) for d in (dim0, dim1))
        dims = list(range(self.ndim))
        if self.ndim:  # a 0-d tensor takes dims 0 and -1 and is its own transpose
            dims[i], dims[j] = dims[j], dims[i]
        return self.permute(dims)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        if self.ndim == 0:  # dims -1 and 0 name the one dim of the result, as torch
            ops.check_axis("flatten", start_dim, 0), ops.check_axis("flatten", end_dim, 0)
            return self.reshape((1,))
        s = ops.check_axis("flatten", start_dim, self.ndim)
        e = ops.check_axis("flatten", end_dim, self.ndim)
        if s > e:
            raise ValueError(
                f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {self.shape}"
            )
        shape = self.shape
        return self.reshape(shape[:s] + (int(np.prod(shape[s : e + 1])),) + shape[e + 1 :])

    def unsqueeze(self, dim: int) -> Tensor:
        dim = ops.check_axis("unsqueeze", dim, self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim=None) -> Tensor:
        """Drop the size-1 dims: all of them, or those among `dim` (an int or a tuple, as torch 2)."""
        axes = range(self.ndim) if dim is None else ops.norm_dims(dim, self.ndim, "squeeze")
        drop = {a for a in axes if self.shape[a] == 1}
        return self.reshape(tuple(s for i, s in enumerate(self.shape) if i not in drop))

    # ---- comparisons (no gradient) ---------------------------------------------------------
    def __lt__(self, o):
        return _compare(self, o, "less")

    def __le__(self, o):
        return _compare(self, o, "less_equal")

    def __gt__(self, o):
        return _compare(self, o, "greater")

    def __ge__(self, o):
        return _compare(self, o, "greater_equal")

    def __eq__(self, o):
        return _compare(self, o, "equal")

    def __ne__(self, o):
        return _compare(self, o, "not_equal")

    __hash__ = object.__hash__

    def __setitem__(self, idx, value):
        if self.requires_grad and is_grad_enabled():
            raise RuntimeError("in-place assignment to a tensor that requires grad is not supported")
        value = value.data if isinstance(value, Tensor) else value
        if isinstance(value, np.ndarray) or hasattr(value, "__cuda_array_interface__"):
            value = backend.to_device(value, backend.device_of(self.data))  # as torch's copy_
        self.data[unwrap_index(idx)] = value
        note_inplace_write(self)

    def __bool__(self):
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        """An integer tensor of one element as a Python int (`seq[i:i + n]` with i a tensor)."""
        if self.dtype.kind not in "biu" or self.data.size != 1:
            raise TypeError(
                f"only integer tensors of a single element can be converted to an index, "
                f"got {self.dtype} of shape {self.shape}"
            )
        return int(self.item())

    def __dlpack__(self, *args, **kwargs):
        """DLPack export (zero copy) of the underlying numpy/CuPy array."""
        return self.data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self.data.__dlpack_device__()

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype, copy=False)


_COMPARE_OPS = {"less": "lt", "less_equal": "le", "greater": "gt", "greater_equal": "ge", "equal": "eq"}


def _compare(a: Tensor, b, name: str) -> Tensor:
    """a <name> b elementwise (bool, broadcast); `t == None` is False, as torch."""
    if b is None:
        return NotImplemented
    op = _COMPARE_OPS.get(name, "ne")
    a, other = promote(a, b, op=op)  # compared in torch's result type (a 0-d f64 against f32: f32)
    try:
        return Tensor(getattr(backend.array_module(a.data), name)(a.data, other.data))
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {other.shape} do not broadcast") from None
