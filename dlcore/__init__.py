"""dlcore: a compact deep-learning library (C++/CUDA kernels under a Python autograd layer).

import dlcore
from dlcore import nn, optim
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
"""

import numpy as _np

from . import autograd, backend, cuda, nn, optim
from ._version import __version__
from .backend import get_num_threads, set_num_threads
from .creation import (
    arange,
    empty,
    from_dlpack,
    from_numpy,
    full,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .device import device
from .functional import (
    abs,
    add,
    allclose,
    amax,
    amin,
    argmax,
    argmin,
    cat,
    clamp,
    div,
    exp,
    flatten,
    isclose,
    log,
    log_softmax,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    permute,
    pow,
    relu,
    reshape,
    sigmoid,
    softmax,
    sqrt,
    squeeze,
    stack,
    sub,
    sum,
    t,
    tanh,
    transpose,
    unsqueeze,
    where,
)
from .random import get_rng_state, manual_seed, set_rng_state
from .serialization import load, save
from .tensor import (
    Tensor,
    bool_,
    enable_grad,
    float32,
    float64,
    int32,
    int64,
    is_grad_enabled,
    no_grad,
)

# torch's dtype names (the dtypes are numpy's): dlcore.long is int64, dlcore.float float32, ...
float = float32
double = float64
half = float16 = _np.dtype(_np.float16)
long = int64
int = int32
int16 = short = _np.dtype(_np.int16)
int8 = _np.dtype(_np.int8)
uint8 = _np.dtype(_np.uint8)
bool = bool_


def info() -> dict:
    """Version, compiler, ISA detected/active, threads, OpenMP, CUDA compiled and devices found."""
    return backend.info()


__all__ = [
    "Tensor",
    "tensor",
    "from_numpy",
    "zeros",
    "ones",
    "empty",
    "full",
    "zeros_like",
    "ones_like",
    "arange",
    "rand",
    "randn",
    "randint",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "manual_seed",
    "get_rng_state",
    "set_rng_state",
    "set_num_threads",
    "get_num_threads",
    "save",
    "load",
    "from_dlpack",
    "float32",
    "float64",
    "int32",
    "int64",
    "bool_",
    "float",
    "double",
    "half",
    "float16",
    "long",
    "int",
    "int16",
    "short",
    "int8",
    "uint8",
    "bool",
    "device",
    "linspace",
    "randperm",
    "allclose",
    "isclose",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "t",
    "nn",
    "optim",
    "autograd",
    "cuda",
    "info",
    "add",
    "sub",
    "mul",
    "div",
    "matmul",
    "exp",
    "log",
    "sqrt",
    "abs",
    "tanh",
    "sigmoid",
    "relu",
    "softmax",
    "clamp",
    "maximum",
    "minimum",
    "where",
    "mean",
    "reshape",
    "cat",
    "stack",
    "neg",
    "pow",
    "sum",
    "max",
    "permute",
    "transpose",
    "log_softmax",
    "flatten",
    "squeeze",
    "unsqueeze",
    "__version__",
]
