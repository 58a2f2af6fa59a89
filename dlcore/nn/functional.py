"""dlcore.nn.functional: the differentiable functions of dlcore.functional under torch's path."""

from ..functional import (  # noqa: F401
    cross_entropy,
    dropout,
    huber_loss,
    l1_loss,
    linear,
    log_softmax,
    mse_loss,
    nll_loss,
    relu,
    sigmoid,
    softmax,
    tanh,
)
