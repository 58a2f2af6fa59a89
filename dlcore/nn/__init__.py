"""dlcore.nn: Module, Parameter, layers and losses (PyTorch names and layouts)."""

from . import functional, init, utils  # noqa: F401
from .blocks import Highway, Residual  # noqa: F401
from .layers import (  # noqa: F401
    Dropout,
    Flatten,
    Identity,
    Linear,
    LogSigmoid,
    LogSoftmax,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from .losses import CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss  # noqa: F401
from .losses_porting import BCELoss, BCEWithLogitsLoss, LeakyReLU, SmoothL1Loss  # noqa: F401
from .module import Module  # noqa: F401
from .parameter import Parameter  # noqa: F401
