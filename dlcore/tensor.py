"""Tensor: an array (numpy on CPU, CuPy on CUDA) plus reverse-mode autograd.

Each differentiable op is a `Function` (see dlcore/ops.py) whose `forward` takes arrays and whose
`backward` returns one gradient array (or None) per input. `Tensor.backward()` sorts the recorded
graph topologically (iteratively, so long unrolled graphs do not hit the recursion limit) and
walks it in reverse, summing the contributions of every use of a tensor.
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

from . import backend

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
bool_ = np.dtype(np.bool_)

_state = threading.local()


def is_grad_enabled() -> bool:
    return getattr(_state, "grad_enabled", True)


@contextlib.contextmanager
def _grad_mode(enabled: bool):
    prev = is_grad_enabled()
    _state.grad_enabled = enabled
    try:
        yield
    finally:
        _state.grad_enabled = prev


def no_grad():
    """Context manager: ops inside record no graph (as torch.no_grad)."""
    return _grad_mode(False)


def enable_grad():
    return _grad_mode(True)


class Function:
    """One differentiable primitive. Subclasses define forward(*arrays, **kw) and backward(g)."""

    released = False  # set by _release() once a backward without retain_graph has run

    def __init__(self):
        self.parents: tuple = ()
        self.needs_input_grad: tuple = ()

    def forward(self, *args, **kwargs):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    def _release(self) -> None:
        """Drop saved arrays and parents after a backward without retain_graph; a second
        backward through this node then raises instead of silently stopping here."""
        self.__dict__.clear()
        self.parents, self.needs_input_grad, self.released = (), (), True

    @classmethod
    def apply(cls, *inputs, **kwargs) -> "Tensor":
        fn = cls()
        tensors = inputs if all(isinstance(x, Tensor) for x in inputs) else \
            tuple(_as_tensor_like(x, inputs) for x in inputs)
        fn.needs_input_grad = needs = tuple(t.requires_grad for t in tensors)
        out = fn.forward(*[t.data for t in tensors], **kwargs)
        result = Tensor(out)
        # integer / boolean results (x.long(), argmax-like ops) never join the graph
        requires = True in needs and is_grad_enabled() and result.data.dtype.kind in "fc"
        result.requires_grad = requires
        if requires:
            fn.parents = tensors
            result._ctx = fn
        return result


def _as_tensor_like(x, inputs) -> "Tensor":
    """Wrap a Python/numpy scalar or array as a constant tensor of the first tensor's dtype."""
    if isinstance(x, Tensor):
        return x
    ref = next((t for t in inputs if isinstance(t, Tensor)), None)
    if ref is None:
        return Tensor(x)  # Python numbers get the default dtypes (float32 / int64), arrays keep theirs
    xp = backend.array_module(ref.data)
    dtype = ref.dtype if ref.dtype.kind == "f" or np.asarray(x).dtype.kind != "f" else float32
    return Tensor(xp.asarray(x, dtype=dtype))


def _default_dtype(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.float64:
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu" and arr.dtype != np.int64:
        return arr.astype(np.int64)
    return arr


class Tensor:
    """An n-dimensional array with an optional gradient. See dlcore.tensor() to create one."""

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retain", "__weakref__")
    __array_priority__ = 100  # numpy defers `ndarray @ Tensor` etc. to Tensor's reflected ops

    def __init__(self, data, requires_grad: bool = False):
        if type(data) is np.ndarray:
            pass
        elif isinstance(data, Tensor):
            data = data.data
        elif isinstance(data, np.generic):
            data = np.asarray(data)  # 0-d array, so that in-place writes work
        elif not isinstance(data, np.ndarray) and not hasattr(data, "__cuda_array_interface__"):
            data = _default_dtype(np.asarray(data))  # Python lists / scalars, as dlcore.tensor
        self.data = data
        self.grad: Tensor | None = None
        self._ctx: Function | None = None
        self._retain = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ---- properties ----------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return tuple(self.data.shape)

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def device(self) -> str:
        return backend.device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def T(self) -> "Tensor":
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

    def detach(self) -> "Tensor":
        """A tensor sharing this one's data, cut from the graph."""
        return Tensor(self.data)

    def to(self, device=None, dtype=None) -> "Tensor":
        if dtype is None and device is not None and not isinstance(device, str):
            device, dtype = None, device
        data = self.data
        if dtype is not None:
            data = data.astype(np.dtype(dtype), copy=False)
        if device is not None:
            data = backend.to_device(data, device)
        if data is self.data:
            return self
        from .ops import Convert
        return Convert.apply(self, data=data)

    def float(self) -> "Tensor":
        return self.to(dtype=float32)

    def double(self) -> "Tensor":
        return self.to(dtype=float64)

    def long(self) -> "Tensor":
        return self.to(dtype=int64)

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self) -> "Tensor":
        return self.to("cuda")

    def clone(self) -> "Tensor":
        from .ops import Clone
        return Clone.apply(self)

    # ---- in-place (no graph) ---------------------------------------------------------------
    def requires_grad_(self, flag: bool = True) -> "Tensor":
        if flag and self.data.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients, got {self.dtype}")
        if not self.is_leaf and not flag:
            raise RuntimeError("requires_grad_(False) is only valid on leaf tensors; use detach()")
        self.requires_grad = flag
        return self

    def retain_grad(self) -> None:
        self._retain = True

    def zero_(self) -> "Tensor":
        self.data[...] = 0
        return self

    def fill_(self, value) -> "Tensor":
        self.data[...] = value
        return self

    def copy_(self, src) -> "Tensor":
        """Copy src's values into this tensor's storage (broadcasting; devices may differ)."""
        src = src.data if isinstance(src, Tensor) else src
        if hasattr(src, "__cuda_array_interface__") or self.device != "cpu":
            src = backend.to_device(src if hasattr(src, "shape") else np.asarray(src), self.device)
        try:
            self.data[...] = src
        except ValueError:
            raise ValueError(f"copy_: source of shape {np.shape(src)} does not broadcast to {self.shape}") from None
        return self

    # ---- autograd --------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's .grad (PyTorch semantics)."""
        if not self.requires_grad:
            raise RuntimeError("backward(): tensor does not require grad and has no grad_fn")
        xp = backend.array_module(self.data)
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): grad can be implicitly created only for scalar outputs, got shape {self.shape}")
            g = xp.ones_like(self.data)
        else:
            g = gradient.data if isinstance(gradient, Tensor) else xp.asarray(gradient, dtype=self.dtype)
            if tuple(g.shape) != self.shape:
                raise ValueError(f"backward(): gradient shape {tuple(g.shape)} does not match tensor shape {self.shape}")
        grads = {id(self): g}
        for node in _topological_order(self):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            fn = node._ctx
            if fn is None or node._retain:
                node._accumulate(g)
            if fn is None:
                continue
            for parent, pg in zip(fn.parents, fn.backward(g)):
                if pg is None or not parent.requires_grad:
                    continue
                prev = grads.get(id(parent))
                grads[id(parent)] = pg if prev is None else prev + pg
            if not retain_graph:
                fn._release()

    def _accumulate(self, g) -> None:
        if g.dtype != self.data.dtype:
            g = g.astype(self.data.dtype)
        if self.grad is None:
            self.grad = Tensor(g.copy())
        elif self.grad.shape == tuple(g.shape):
            self.grad.data += g  # in place: optimizers may hold views of .grad.data
        else:
            raise RuntimeError(f"grad shape {self.grad.shape} does not match gradient {tuple(g.shape)}")

    # ---- operators (defined in ops.py) -------------------------------------------------------
    def __add__(self, o): return _ops().add(self, o)
    def __radd__(self, o): return _ops().add(o, self)
    def __sub__(self, o): return _ops().sub(self, o)
    def __rsub__(self, o): return _ops().sub(o, self)
    def __mul__(self, o): return _ops().mul(self, o)
    def __rmul__(self, o): return _ops().mul(o, self)
    def __truediv__(self, o): return _ops().div(self, o)
    def __rtruediv__(self, o): return _ops().div(o, self)
    def __neg__(self): return _ops().neg(self)
    def __pow__(self, o): return _ops().pow(self, o)
    def __rpow__(self, o): return _ops().pow(o, self)
    def __matmul__(self, o): return _ops().matmul(self, o)
    def __rmatmul__(self, o): return _ops().matmul(o, self)
    def __getitem__(self, idx): return _ops().getitem(self, idx)

    def __lt__(self, o): return _compare(self, o, "less")
    def __le__(self, o): return _compare(self, o, "less_equal")
    def __gt__(self, o): return _compare(self, o, "greater")
    def __ge__(self, o): return _compare(self, o, "greater_equal")
    def __eq__(self, o): return _compare(self, o, "equal")
    def __ne__(self, o): return _compare(self, o, "not_equal")
    __hash__ = object.__hash__

    def __setitem__(self, idx, value):
        if self.requires_grad and is_grad_enabled():
            raise RuntimeError("in-place assignment to a tensor that requires grad is not supported")
        self.data[_index(idx)] = value.data if isinstance(value, Tensor) else value

    def __bool__(self):
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __dlpack__(self, *args, **kwargs):
        """DLPack export (zero copy) of the underlying numpy/CuPy array."""
        return self.data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self.data.__dlpack_device__()

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype, copy=False)


def _compare(a: Tensor, b, name: str) -> Tensor:
    xp = backend.array_module(a.data)
    other = b.data if isinstance(b, Tensor) else b
    return Tensor(getattr(xp, name)(a.data, other))


def _ops():
    from . import functional
    return functional


def _index(idx):
    from .ops import unwrap_index
    return unwrap_index(idx)


def _topological_order(root: Tensor) -> list:
    """Tensors reachable from root through requires_grad edges, each after all its consumers."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        if node._ctx is not None:
            if node._ctx.released:
                raise RuntimeError(
                    f"backward(): trying to backward through the graph a second time (through "
                    f"{type(node._ctx).__name__}); its saved values were freed by the first backward(). "
                    f"Pass retain_graph=True to the first call to keep them")
            for p in node._ctx.parents:
                if p.requires_grad and id(p) not in visited:
                    stack.append((p, False))
    order.reverse()
    return order


# ---- creation --------------------------------------------------------------------------------

def tensor(data, dtype=None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """A new tensor holding a copy of `data`. Python floats become float32, ints int64."""
    if isinstance(data, Tensor):
        data = data.data
    if backend.is_numpy(data) or not hasattr(data, "__cuda_array_interface__"):
        arr = np.array(data, dtype=np.dtype(dtype) if dtype is not None else None, copy=True)
        if dtype is None and not isinstance(data, (np.ndarray, np.generic)):
            arr = _default_dtype(arr)
    else:
        arr = data.astype(dtype) if dtype is not None else data.copy()
    arr = backend.to_device(arr, device)
    return Tensor(arr, requires_grad=requires_grad)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor that shares memory with the numpy array (no copy)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(arr).__name__}")
    return Tensor(arr)


def from_dlpack(ext) -> Tensor:
    """A tensor sharing memory with any DLPack exporter (numpy, torch, CuPy, ...): CPU objects
    become numpy-backed tensors, CUDA objects CuPy-backed ones (needs CuPy)."""
    if isinstance(ext, Tensor):
        return ext
    if not hasattr(ext, "__dlpack__") or not hasattr(ext, "__dlpack_device__"):
        raise TypeError(f"from_dlpack expects an object with __dlpack__ and __dlpack_device__, "
                        f"got {type(ext).__name__}")
    dev_type = int(ext.__dlpack_device__()[0])
    if dev_type == 1:  # kDLCPU
        return Tensor(np.from_dlpack(ext))
    if dev_type == 2:  # kDLCUDA
        return Tensor(backend.cupy().from_dlpack(ext))
    raise ValueError(f"from_dlpack: unsupported DLPack device type {dev_type} (CPU=1, CUDA=2)")


def _shape_args(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _make(fill, shape, dtype, requires_grad, device):
    arr = fill(_shape_args(shape), dtype=np.dtype(dtype or float32))
    return Tensor(backend.to_device(arr, device), requires_grad=requires_grad)


def zeros(*shape, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    return _make(np.zeros, shape, dtype, requires_grad, device)


def ones(*shape, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    return _make(np.ones, shape, dtype, requires_grad, device)


def empty(*shape, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    return _make(np.empty, shape, dtype, requires_grad, device)


def full(shape, value, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    """Filled with value; dtype defaults from the value as torch.full (bool, int64, else float32)."""
    if dtype is None and isinstance(value, (bool, np.bool_)):
        dtype = bool_
    elif dtype is None and isinstance(value, (int, np.integer)):
        dtype = int64
    return _make(lambda s, dtype: np.full(s, value, dtype=dtype), (shape,), dtype, requires_grad, device)


def zeros_like(t: Tensor, dtype=None) -> Tensor:
    return zeros(t.shape, dtype=dtype or t.dtype, device=t.device)


def ones_like(t: Tensor, dtype=None) -> Tensor:
    return ones(t.shape, dtype=dtype or t.dtype, device=t.device)


def arange(*args, dtype=None, device="cpu") -> Tensor:
    arr = np.arange(*args)
    arr = arr.astype(dtype) if dtype is not None else _default_dtype(arr)
    return Tensor(backend.to_device(arr, device))


def _random(draw, shape, dtype, requires_grad, device):
    from .random import generator
    arr = draw(generator(), _shape_args(shape)).astype(np.dtype(dtype or float32), copy=False)
    return Tensor(backend.to_device(arr, device), requires_grad=requires_grad)


def randn(*shape, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    return _random(lambda g, s: g.standard_normal(s), shape, dtype, requires_grad, device)


def rand(*shape, dtype=None, requires_grad=False, device="cpu") -> Tensor:
    return _random(lambda g, s: g.random(s), shape, dtype, requires_grad, device)


def randint(low, high, shape, device="cpu") -> Tensor:
    from .random import generator
    return Tensor(backend.to_device(generator().integers(low, high, size=tuple(shape), dtype=np.int64), device))
