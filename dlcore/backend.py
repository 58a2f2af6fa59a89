"""The only importer of dlcore._C: array modules per device and the kernel entry points.

CPU tensors hold numpy arrays, CUDA tensors hold CuPy arrays (optional). Everything above this
file asks `array_module(x)` for the array library and calls kernels through the helpers here.
"""
from __future__ import annotations

import numpy as np

from . import _C

cpu = _C.cpu
cuda = getattr(_C, "cuda", None)

_cupy = None


def has_cuda() -> bool:
    """True when this build compiled the CUDA kernels (a device may still be absent)."""
    return bool(_C.has_cuda())


def cuda_device_count() -> int:
    return cuda.device_count() if cuda is not None else 0


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

    Both namespaces have the same functions and signatures (docs/architecture.md lists them);
    ops, layers and optimizers call kernels through this and never branch on the device.
    """
    device = normalize_device(x) if isinstance(x, str) else device_of(x)
    if device == "cpu":
        return cpu
    raise NotImplementedError("the CUDA kernel namespace is not wired yet")


def _gemm_operand(x):
    """x itself when gemm can read it (as csrc/bindings.cpp mat_ref: a unit stride on one of the last
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
    d["isa_detected"] = cpu.detected_isa()
    d["isa_active"] = cpu.active_isa()
    d["threads"] = cpu.max_threads()
    d["cuda_devices"] = cuda_device_count()
    return d


def set_num_threads(n: int) -> None:
    """Threads for dlcore's kernels (OpenMP). OMP_NUM_THREADS sets the default."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    cpu.set_num_threads(n)


def get_num_threads() -> int:
    return cpu.max_threads()
