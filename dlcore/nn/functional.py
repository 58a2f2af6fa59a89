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
from ..functional_porting import (  # noqa: F401  (issue 17's porting gaps)
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    leaky_relu,
    one_hot,
    smooth_l1_loss,
)
