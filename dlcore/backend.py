"""The only importer of dlcore._C: array modules per device, the kernel namespaces, runtime facts.

CPU tensors hold numpy arrays, CUDA tensors hold CuPy arrays (optional). Everything above this
file asks `array_module(x)` for the array library and `kernels(x)` for the kernel namespace of
x's device (docs/kernels.md): `_C.cpu`, or the CUDA namespace built here from `_C.cuda` and CuPy.
`instruments` (gemm tuning knobs and probes) is for bench and tests only.
"""

from __future__ import annotations

import numpy as np

from . import _C

cpu = _C.cpu
instruments = _C.instruments
_cupy = None


def has_cuda() -> bool:
    """True when this build compiled the CUDA kernels (a device may still be absent)."""
    return bool(_C.has_cuda())


def cuda_device_count() -> int:
    """CUDA devices visible to this build (0 without CUDA kernels, a driver or a device)."""
    return int(_C.cuda_device_count())


def cuda_synchronize() -> None:
    """Wait for the current CUDA device; a no-op without one."""
    _C.cuda_synchronize()


def extension_file() -> str:
    """The path of the loaded extension module (dlcore._C), for bench workers and tests."""
    return _C.__file__


def detected_isa() -> str:
    """The best instruction set the CPU kernels can use on this machine."""
    return _C.detected_isa()


def active_isa() -> str:
    """The instruction set the CPU kernels use now (instruments.set_isa lowers it)."""
    return _C.active_isa()


def cupy():
    """The cupy module, or a RuntimeError saying why CUDA tensors are unavailable."""
    global _cupy
    if _cupy is None:
        if not has_cuda():
            raise RuntimeError("dlcore was built without CUDA: tensors cannot move to 'cuda'")
        if cuda_device_count() == 0:
            raise RuntimeError("dlcore has CUDA kernels but no CUDA device was found")
        try:
            import cupy as cp
        except ImportError as e:
            raise RuntimeError("CUDA tensors need CuPy: pip install 'dlcore[cuda]'") from e
        _cupy = cp
    return _cupy


def is_numpy(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic))


def array_module(x):
    """numpy for numpy arrays, cupy for cupy arrays."""
    if is_numpy(x):
        return np
    return cupy()


def device_of(x) -> str:
    """'cpu' for numpy arrays, 'cuda' for anything else (CuPy / __cuda_array_interface__)."""
    return "cpu" if is_numpy(x) else "cuda"


def to_device(x, device: str):
    device = normalize_device(device)
    if device == device_of(x):
        return x
    if device == "cpu":
        return x.get()
    return cupy().asarray(x)


def normalize_device(device) -> str:
    name = str(device)
    if name == "cpu":
        return "cpu"
    if name == "cuda" or name.startswith("cuda:"):
        return "cuda"
    raise ValueError(f"unknown device {device!r}: expected 'cpu' or 'cuda'")


def kernels(x):
    """The kernel namespace of a device: `x` is an array (numpy or CUDA), or a device name.

    Both namespaces have the same functions and signatures (docs/kernels.md); ops, layers and
    optimizers call kernels through this and never branch on the device.
    """
    device = normalize_device(x) if isinstance(x, str) else device_of(x)
    if device == "cpu":
        return cpu
    return _cuda_kernels()


def has_kernel(device: str, name: str) -> bool:
    """True when `name` runs on `device` (a kernel or a fallback), False when it raises
    NotImplementedError there. Optimizers ask this to refuse parameters at construction."""
    fn = getattr(kernels(device), name)
    return not getattr(fn, "not_implemented", False)


_cuda_namespace = None


def _cuda_kernels():
    global _cuda_namespace
    if _cuda_namespace is None:
        if not has_cuda():
            raise RuntimeError("dlcore was built without CUDA: there are no 'cuda' kernels")
        _cuda_namespace = CudaKernels(_C.cuda, cupy)
    return _cuda_namespace


def _no_cuda_kernel(name: str, hint: str):
    def missing(*args, **kwargs):
        raise NotImplementedError(f"[{name}] has no CUDA kernel; {hint}")

    missing.__name__ = name
    missing.not_implemented = True
    return missing


class CudaKernels:
    """The CUDA kernel namespace: the same functions and signatures as `_C.cpu`.

    sgd_step and adam_step are the fused kernels of `_C.cuda` (float32). gemm, log_softmax_* and
    cross_entropy_* are CuPy fallbacks (one or a few CuPy calls each, written into the given
    outputs); adagrad_step and rmsprop_step raise NotImplementedError. Arguments are arrays with
    `__cuda_array_interface__`; a numpy array raises TypeError naming the op and both devices.
    `xp` returns the array module (cupy; a test may pass a stand-in).
    """

    adagrad_step = staticmethod(
        _no_cuda_kernel("adagrad_step", "keep the parameters on 'cpu' or use SGD/Adam/AdamW on 'cuda'")
    )
    rmsprop_step = staticmethod(
        _no_cuda_kernel("rmsprop_step", "keep the parameters on 'cpu' or use SGD/Adam/AdamW on 'cuda'")
    )

    def __init__(self, ext, xp):
        self._ext = ext
        self._xp = xp
        self.sgd_step = ext.sgd_step
        self.adam_step = ext.adam_step

    def _arr(self, x, op: str, name: str, float_only: bool = True):
        if is_numpy(x):
            raise TypeError(
                f"[{op}] {name} is a cpu array; {op} here runs on cuda arrays (use backend.kernels(x))"
            )
        if not hasattr(x, "__cuda_array_interface__"):
            raise TypeError(f"[{op}] {name} must be a CUDA array, got {type(x).__name__}")
        a = self._xp().asarray(x)
        if float_only and a.dtype not in (np.float32, np.float64):
            raise TypeError(f"[{op}] {name} must be float32 or float64, got {a.dtype}")
        return a

    @staticmethod
    def _like(a, ref, op: str, name: str, ref_name: str) -> None:
        if a.dtype != ref.dtype:
            raise TypeError(
                f"[{op}] {ref_name} and {name} must have the same dtype, got {ref.dtype} and {a.dtype}"
            )
        if a.shape != ref.shape:
            raise ValueError(f"[{op}] {name} {a.shape} must have the shape of {ref_name} {ref.shape}")

    @staticmethod
    def _targets(t, n: int, c: int, op: str) -> None:
        if t.dtype != np.int64:
            raise TypeError(f"[{op}] targets must be int64, got {t.dtype}")
        if t.shape != (n,):
            raise ValueError(f"[{op}] targets {t.shape} must have one entry per row ({n})")
        if n and (int(t.min()) < 0 or int(t.max()) >= c):
            raise ValueError(f"[{op}] a target is out of range [0, {c})")

    def gemm(self, a, b, out, alpha=1.0, beta=0.0):
        """out = alpha * a @ b + beta * out; 2-D or equal-batch 3-D (CuPy matmul)."""
        op = "gemm"
        A, B, OUT = self._arr(a, op, "a"), self._arr(b, op, "b"), self._arr(out, op, "out")
        for X, nx in ((B, "b"), (OUT, "out")):
            if X.dtype != A.dtype:
                raise TypeError(f"[{op}] a and {nx} must have the same dtype, got {A.dtype} and {X.dtype}")
        if OUT.ndim not in (2, 3) or A.ndim != OUT.ndim or B.ndim != OUT.ndim:
            raise ValueError(
                f"[{op}] a {A.shape}, b {B.shape} and out {OUT.shape} must all be 2-D or all 3-D"
            )
        if (
            A.shape[:-1] + B.shape[-1:] != OUT.shape
            or A.shape[-1] != B.shape[-2]
            or A.shape[:-2] != B.shape[:-2]
        ):
            raise ValueError(
                f"[{op}] shapes a {A.shape} @ b {B.shape} -> out {OUT.shape} do not "
                "match: need a (m, k), b (k, n), out (m, n)"
            )
        r = self._xp().matmul(A, B)
        if alpha != 1.0:
            r *= alpha
        if beta == 0.0:
            OUT[...] = r
        else:
            OUT *= beta
            OUT += r

    def log_softmax_forward(self, out, x):
        """out (N, C) = x - logsumexp(x, axis=1)."""
        op = "log_softmax_forward"
        X, OUT = self._arr(x, op, "x"), self._arr(out, op, "out")
        if X.ndim != 2:
            raise ValueError(f"[{op}] x must be 2-D, got shape {X.shape}")
        self._like(OUT, X, op, "out", "x")
        if X.shape[1]:
            self._log_softmax(OUT, X)

    def _log_softmax(self, OUT, X):
        xp = self._xp()
        y = X - X.max(axis=1, keepdims=True)
        y -= xp.log(xp.exp(y).sum(axis=1, keepdims=True))
        OUT[...] = y

    def log_softmax_backward(self, dx, dy, y):
        """dx = dy - exp(y) * sum(dy, axis=1), y the forward output."""
        op = "log_softmax_backward"
        Y, DY, DX = self._arr(y, op, "y"), self._arr(dy, op, "dy"), self._arr(dx, op, "dx")
        if Y.ndim != 2:
            raise ValueError(f"[{op}] y must be 2-D, got shape {Y.shape}")
        self._like(DY, Y, op, "dy", "y")
        self._like(DX, Y, op, "dx", "y")
        DX[...] = DY - self._xp().exp(Y) * DY.sum(axis=1, keepdims=True)

    def cross_entropy_forward(self, loss, log_probs, logits, targets):
        """loss (N,) = -log_softmax(logits)[i, targets[i]]; log_probs (N, C) saved."""
        op = "cross_entropy_forward"
        X, LP = self._arr(logits, op, "logits"), self._arr(log_probs, op, "log_probs")
        L, T = self._arr(loss, op, "loss"), self._arr(targets, op, "targets", float_only=False)
        if X.ndim != 2 or X.shape[1] == 0:
            raise ValueError(f"[{op}] logits must be (N, C) with C >= 1, got shape {X.shape}")
        self._like(LP, X, op, "log_probs", "logits")
        self._like(L, X[:, 0], op, "loss", "logits[:, 0]")
        self._targets(T, X.shape[0], X.shape[1], op)
        self._log_softmax(LP, X)
        L[...] = -LP[self._xp().arange(X.shape[0]), T]

    def cross_entropy_backward(self, dlogits, log_probs, targets, dloss):
        """dlogits = dloss[i] * (softmax(logits) - onehot(targets))."""
        op = "cross_entropy_backward"
        LP, D = self._arr(log_probs, op, "log_probs"), self._arr(dlogits, op, "dlogits")
        T = self._arr(targets, op, "targets", float_only=False)
        DL = self._arr(dloss, op, "dloss")
        if LP.ndim != 2:
            raise ValueError(f"[{op}] log_probs must be 2-D, got shape {LP.shape}")
        self._like(D, LP, op, "dlogits", "log_probs")
        self._like(DL, LP[:, 0], op, "dloss", "log_probs[:, 0]")
        self._targets(T, LP.shape[0], LP.shape[1], op)
        xp = self._xp()
        D[...] = DL[:, None] * xp.exp(LP)
        D[xp.arange(LP.shape[0]), T] -= DL


def _gemm_operand(x):
    """x itself when gemm can read it (as csrc/bind/bind_gemm.cpp mat_ref: a unit stride on one of the last
    two axes and a leading dimension covering the other), else a C-contiguous copy. Broadcast views
    (stride 0, e.g. the gradient of a sum) and negative strides are copied."""
    flags = x.flags
    if x.size and (flags.c_contiguous or (flags.f_contiguous and x.ndim == 2)):
        return x  # the common cases: row-major, or the transpose of a row-major matrix
    if x.ndim >= 2 and all(s >= 0 and s % x.itemsize == 0 for s in x.strides[-2:]):
        r, c = x.shape[-2:]
        s0, s1 = x.strides[-2] // x.itemsize, x.strides[-1] // x.itemsize
        if (c == 1 or s1 == 1) and (r == 1 or s0 >= c):
            return x
        if (r == 1 or s0 == 1) and (c == 1 or s1 >= r):
            return x
    return np.ascontiguousarray(x)


def matmul_into(a, b, out=None, alpha=1.0, beta=0.0):
    """out = alpha * a @ b + beta * out for 2-D or equal-batch 3-D float arrays.

    CPU float32/float64 arrays go through dlcore's gemm (transposed views without copies);
    anything else (CuPy arrays) goes through the array module.
    """
    if type(a) is np.ndarray and a.dtype.char in "fd" and a.dtype == b.dtype:
        if out is None:
            shape = a.shape[:-1] + b.shape[-1:]
            out = np.empty(shape, dtype=a.dtype)
        cpu.gemm(_gemm_operand(a), _gemm_operand(b), out, alpha, beta)
        return out
    xp = array_module(a)
    r = xp.matmul(a, b)
    if alpha != 1.0:
        r *= alpha
    if out is None:
        return r
    if beta == 0.0:
        out[...] = r
    else:
        out *= beta
        out += r
    return out


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def info() -> dict:
    """Build and run-time facts: version, compiler, CPU, ISA, threads, CUDA."""
    d = dict(_C.build_info())
    d["cpu"] = cpu_model()
    d["isa_detected"] = detected_isa()
    d["isa_active"] = active_isa()
    d["threads"] = get_num_threads()
    d["cuda_devices"] = cuda_device_count()
    return d


def set_num_threads(n: int) -> None:
    """The process-wide thread count of dlcore's kernels, for every Python thread (as
    torch.set_num_threads). OMP_NUM_THREADS sets the default."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    _C.set_num_threads(n)


def get_num_threads() -> int:
    """The process-wide thread count of dlcore's kernels."""
    return int(_C.get_num_threads())
