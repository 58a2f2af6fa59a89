"""The differentiable primitives, one Function per op, by family; arrays in, arrays out.

    function.py     the Function contract (forward over arrays, backward(g) per input)
    elementwise.py  add, sub, mul, div, pow, maximum, minimum, where; neg, exp, log, ... relu, clamp
    reduce.py       sum, mean, max/min (amax/amin), take-along (max over a dim); argmax/argmin
    shape.py        reshape/view, permute, expand, getitem, cat, stack, convert (device/dtype), clone
    linalg.py       matmul
    pointwise.py    sin, cos, log1p, expm1, cumsum, gather, smooth L1 (the porting API's extra ops)
    conv.py         conv2d (conv1d through it): the device's conv kernels
    nn.py           linear, log_softmax, softmax, cross_entropy, dropout
    pool.py         max / avg / adaptive avg pooling over the last two axes (the pool kernels)
    norm.py         batch norm, training (batch statistics) and eval (given statistics); layer norm
    activation.py   gelu
    rnn.py          one direction of one LSTM/GRU/RNN layer over a sequence (the rnn kernels)
    embedding.py    embedding lookup (weight rows by index)
    ctc.py          the CTC loss per batch item (the ctc kernels)
    feedback.py     linear with feedback alignment (dx through a fixed B, not W^T)
    straight_through.py  ste_sign / ste_round: hard forward, surrogate (straight-through) backward
    dtypes.py       torch's dtype rules: numeric data, Python defaults, promotion
    _helpers.py     argument checks (dims), unbroadcast, the one gemm call

Nothing here knows Tensor: dlcore.tensor.apply runs a Function on tensors and records it.
"""

from . import dtypes
from ._helpers import check_axis, named_error, norm_dims, reduce_axes, unbroadcast
from .activation import GELU
from .conv import Conv2d
from .ctc import CTCLoss
from .elementwise import (
    Abs,
    Add,
    Clamp,
    Div,
    Exp,
    Log,
    LogSigmoid,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    PowScalar,
    ReLU,
    Sigmoid,
    Softplus,
    Sqrt,
    Sub,
    Tanh,
    Where,
)
from .embedding import Embedding
from .feedback import LinearFeedbackAlignment
from .function import Function
from .linalg import MatMul
from .nn import CrossEntropy, Dropout, Huber, Linear, LogSoftmax, Softmax
from .norm import BatchNorm, BatchNormEval, LayerNorm
from .pointwise import (
    BinaryCrossEntropy,
    Cos,
    Cumsum,
    Expm1,
    Gather,
    Log1p,
    Sin,
    SmoothL1,
    Var,
)
from .pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .reduce import Max, Mean, Min, Sum, TakeAlong, argmax, argmin, dim_args
from .rnn import RNNDirection
from .shape import Cat, Clone, Convert, Expand, GetItem, Permute, Reshape, Stack
from .straight_through import SteRound, SteSign

__all__ = [
    "Function",
    "dtypes",
    "check_axis",
    "named_error",
    "norm_dims",
    "reduce_axes",
    "unbroadcast",
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Pow",
    "PowScalar",
    "Maximum",
    "Minimum",
    "Where",
    "Neg",
    "Exp",
    "Log",
    "Sqrt",
    "Abs",
    "Tanh",
    "Sigmoid",
    "LogSigmoid",
    "Softplus",
    "ReLU",
    "Clamp",
    "Sum",
    "Mean",
    "Max",
    "Min",
    "TakeAlong",
    "argmax",
    "argmin",
    "dim_args",
    "Reshape",
    "Permute",
    "Expand",
    "GetItem",
    "Cat",
    "Stack",
    "Conv2d",
    "Convert",
    "Clone",
    "MatMul",
    "Linear",
    "LinearFeedbackAlignment",
    "LogSoftmax",
    "Softmax",
    "CrossEntropy",
    "Dropout",
    "Huber",
    "Sin",
    "Cos",
    "Log1p",
    "Expm1",
    "Cumsum",
    "Gather",
    "SmoothL1",
    "Var",
    "BinaryCrossEntropy",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "BatchNorm",
    "BatchNormEval",
    "LayerNorm",
    "GELU",
    "RNNDirection",
    "Embedding",
    "CTCLoss",
    "SteSign",
    "SteRound",
]
