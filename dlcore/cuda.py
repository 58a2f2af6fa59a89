"""dlcore.cuda: whether CUDA kernels were built and a device is present."""

from . import backend


def is_available() -> bool:
    """True when dlcore was built with CUDA, a device is visible and CuPy imports."""
    if not backend.has_cuda() or backend.cuda_device_count() == 0:
        return False
    try:
        backend.cupy()
    except RuntimeError:
        return False
    return True


def device_count() -> int:
    return backend.cuda_device_count()


def is_built() -> bool:
    return backend.has_cuda()


def synchronize() -> None:
    """Wait for the current CUDA device; a no-op without CUDA kernels or a device."""
    backend.cuda_synchronize()
