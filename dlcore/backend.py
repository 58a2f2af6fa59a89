"""The only importer of dlcore._C: array modules per device, the kernel namespaces, runtime facts.

CPU tensors hold numpy arrays, CUDA tensors hold CuPy arrays (optional). Everything above this
file asks `array_module(x)` for the array library and `kernels(x)` for the kernel namespace of
x's device (docs/kernels.md): `_C.cpu`, or the CUDA namespace built here from `_C.cuda` and CuPy.
`instruments` (gemm tuning knobs and probes) is for bench and tests only.
"""

from __future__ import annotations

import numpy as np

from . import _C
from .cuda_kernels import CudaKernels

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
