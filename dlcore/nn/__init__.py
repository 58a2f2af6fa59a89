"""dlcore.nn: Module, Parameter, layers and losses (PyTorch names and layouts)."""

from . import functional, init, parallel, utils  # noqa: F401
from .activation import GELU, Dropout1d, Dropout2d  # noqa: F401
from .attention import AdditiveAttention, MultiheadAttention  # noqa: F401
from .blocks import Highway, Residual  # noqa: F401
from .conv import Conv1d, Conv2d  # noqa: F401
from .ctc import CTCLoss  # noqa: F401
from .embedding import Embedding  # noqa: F401
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
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm  # noqa: F401
from .parameter import Parameter  # noqa: F401
from .pooling import (  # noqa: F401
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from .rnn import GRU, LSTM, RNN, RNNBase  # noqa: F401
from .rnn_cell import GRUCell, LSTMCell, RNNCell, RNNCellBase  # noqa: F401
