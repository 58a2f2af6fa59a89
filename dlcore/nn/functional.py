"""dlcore.nn.functional: the differentiable functions of dlcore.functional under torch's path, and
the activations torch keeps only here (logsigmoid, softplus)."""

from .. import ops as _ops
from .. import tensor as _tensor
from ..functional import (  # noqa: F401
    cross_entropy,
    dropout,
    huber_loss,
    l1_loss,
    linear,
    linear_feedback_alignment,
    log_softmax,
    mse_loss,
    nll_loss,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from ..functional_attention import scaled_dot_product_attention  # noqa: F401  (issue 19)
from ..functional_conv import conv1d, conv2d  # noqa: F401
from ..functional_ctc import ctc_greedy_decode, ctc_loss  # noqa: F401  (issue 19)
from ..functional_norm import (  # noqa: F401  (issue 18)
    batch_norm,
    dropout1d,
    dropout2d,
    gelu,
    layer_norm,
)
from ..functional_pool import (  # noqa: F401  (issue 18's pooling)
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from ..functional_porting import (  # noqa: F401  (issue 17's porting gaps)
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    leaky_relu,
    one_hot,
    smooth_l1_loss,
)
from ..functional_rnn import embedding  # noqa: F401  (issue 19)
from ..functional_stochastic import gumbel_softmax, ste_round, ste_sign  # noqa: F401  (issue 20)


def _floating(x, op: str):
    """x as a tensor (TypeError naming op for non-numeric data); integer and bool tensors are a
    TypeError, as torch (no integer kernels for these activations)."""
    x = _tensor.as_tensor_like(x, (), op)
    if x.dtype.kind not in "fc":
        raise TypeError(f"{op}: input must be floating point, got {x.dtype}; convert it with .float()")
    return x


def logsigmoid(input):
    """log(sigmoid(input)), computed stably: logsigmoid(-200) = -200 with gradient 1."""
    return _tensor.apply(_ops.LogSigmoid, _floating(input, "logsigmoid"))


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + exp(beta * input)) / beta; input itself where beta * input > threshold (torch)."""
    for name, v in (("beta", beta), ("threshold", threshold)):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"softplus: {name} must be a number, got {type(v).__name__}")
    return _tensor.apply(_ops.Softplus, _floating(input, "softplus"), beta=beta, threshold=threshold)
