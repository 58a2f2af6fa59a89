"""The op table: every public dlcore op and nn layer declared once (an OpInfo, after PyTorch's
common_methods_invocations.py) with its torch counterpart, sample inputs, tolerances, bad inputs
and the argument structure the fuzzer draws from.

core.py holds the vocabulary (Tol, Sample, BadInput, OpInfo, Maker, the tolerance presets and
helpers); each themed file holds its samples and entries and defines OPS. tests/test_op_table.py
generates forward, gradient, gradcheck and bad-input tests from OPS; tests/test_op_fuzz.py fuzzes it.
A new op registers in the themed file it belongs to, else test_every_public_op_has_a_table_entry fails.
"""

from . import (  # noqa: F401
    attention,
    blocks,
    conv,
    ctc,
    elementwise,
    feedback,
    fuzzing,
    layers,
    nn,
    norm,
    numerics,
    pooling,
    porting,
    porting_math,
    porting_nn,
    reductions,
    rnn,
    shape,
    stochastic,
)
from .core import (  # noqa: F401  (re-exported: tests and op_table_<name>.py import them from op_table)
    DTYPES,
    ELEMENTWISE,
    EXACT,
    SUMMING,
    BadInput,
    Maker,
    OpInfo,
    Sample,
    Tol,
    _bad,
    _method,
    _ones,
    _torch,
    _torch_amax,
)
from .elementwise import (  # noqa: F401  (the names tests/op_table.py had, kept importable)
    _binary,
    _sigmoid_ref,
    _unary,
    binary_bad,
    binary_samples,
    clamp_bad,
    clamp_samples,
    kinked_pair_samples,
    pow_samples,
    unary_bad,
    unary_samples,
    where_bad,
    where_samples,
)
from .nn import (  # noqa: F401
    _loss,
    _softmax_ref,
    class_loss_samples,
    cross_entropy_bad,
    dropout_bad,
    dropout_samples,
    linear_bad,
    linear_samples,
    matmul_bad,
    matmul_samples,
    nll_loss_bad,
    regression_loss_bad,
    regression_loss_samples,
    softmax_bad,
    softmax_samples,
)
from .reductions import (  # noqa: F401
    _reduce_ref,
    _reduction,
    argmax_bad,
    argmax_samples,
    max_samples,
    reduce_bad,
    reduce_samples,
)
from .shape import (  # noqa: F401
    _swapaxes_ref,
    cat_bad,
    cat_samples,
    dim_bad,
    flatten_bad,
    flatten_samples,
    getitem_bad,
    getitem_samples,
    permute_bad,
    permute_samples,
    reshape_bad,
    reshape_samples,
    squeeze_samples,
    stack_bad,
    stack_samples,
    transpose_samples,
    unsqueeze_samples,
    view_samples,
)

OPS = [
    *elementwise.OPS,
    *reductions.OPS,
    *shape.OPS,
    *nn.OPS,
    *layers.OPS,
    *blocks.OPS,
    *porting.OPS,
    *numerics.OPS,
    *porting_math.OPS,
    *porting_nn.OPS,
    *conv.OPS,
    *pooling.OPS,
    *norm.OPS,
    *rnn.OPS,
    *ctc.OPS,
    *feedback.OPS,
    *attention.OPS,
    *stochastic.OPS,
]

OPS_BY_NAME = {op.name: op for op in OPS}
assert len(OPS_BY_NAME) == len(OPS), "op names must be unique"
