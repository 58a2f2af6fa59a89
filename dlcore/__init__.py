"""dlcore: a compact deep-learning library (C++/CUDA kernels under a Python autograd layer).

    import dlcore
    from dlcore import nn, optim
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
"""
from . import autograd, backend, cuda, nn, optim
from ._version import __version__
from .backend import get_num_threads, set_num_threads
from .creation import (
    arange, empty, from_dlpack, from_numpy, full, ones, ones_like, rand, randint, randn, tensor, zeros,
    zeros_like,
)
from .functional import (
    abs, add, cat, clamp, div, exp, flatten, log, log_softmax, matmul, max, maximum, mean, minimum,
    mul, neg, permute, pow, relu, reshape, sigmoid, softmax, sqrt, squeeze, stack, sub, sum, tanh,
    transpose, unsqueeze, where,
)
from .random import get_rng_state, manual_seed, set_rng_state
from .serialization import load, save
from .tensor import (
    Tensor, bool_, enable_grad, float32, float64, int32, int64, is_grad_enabled, no_grad,
)

def info() -> dict:
    """Version, compiler, ISA detected/active, threads, OpenMP, CUDA compiled and devices found."""
    return backend.info()


__all__ = [
    "Tensor", "tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like", "ones_like",
    "arange", "rand", "randn", "randint", "no_grad", "enable_grad", "is_grad_enabled",
    "manual_seed", "get_rng_state", "set_rng_state", "set_num_threads", "get_num_threads",
    "save", "load", "from_dlpack",
    "float32", "float64", "int32", "int64", "bool_", "nn", "optim", "autograd", "cuda", "info",
    "add", "sub", "mul", "div", "matmul", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu",
    "softmax", "clamp", "maximum", "minimum", "where", "mean", "reshape", "cat", "stack",
    "neg", "pow", "sum", "max", "permute", "transpose", "log_softmax", "flatten", "squeeze",
    "unsqueeze",
    "__version__",
]
