"""pytest plugin (`-p emu_plugin`, from tools/cuda_emu/run_tests.sh): the device tests of
tests/test_cuda_{conv,rnn,ctc}.py run against `_cuda_emu` (the CUDA kernels and bindings compiled for the
CPU by build.py) instead of a GPU: CuPy is replaced by numpy arrays presented through
__cuda_array_interface__, and the CUDA kernel namespace is built from `_cuda_emu`."""

import _cuda_emu
import numpy as np

import dlcore
from dlcore import backend


class EmuArray:
    """A host numpy array presented as a CUDA array (the emulated kernels read host memory)."""

    def __init__(self, arr):
        self.arr = arr
        self.__cuda_array_interface__ = {
            "shape": arr.shape,
            "typestr": arr.dtype.str,
            "strides": None,
            "data": (arr.ctypes.data, False),
            "version": 3,
        }


class EmuXp:
    @staticmethod
    def asarray(a):
        return EmuArray(np.array(a.arr if isinstance(a, EmuArray) else a, order="C", copy=True))

    @staticmethod
    def asnumpy(a):
        return a.arr.copy()


dlcore.cuda.is_available = lambda: True
backend.cupy = lambda: EmuXp
backend._cuda_namespace = backend.CudaKernels(_cuda_emu, lambda: EmuXp)
