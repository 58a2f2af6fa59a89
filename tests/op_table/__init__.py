"""The op table: every public dlcore op and nn layer declared once (an OpInfo, after PyTorch's
common_methods_invocations.py) with its torch counterpart, sample inputs, tolerances, bad inputs
and the argument structure the fuzzer draws from.

core.py holds the vocabulary (Tol, Sample, BadInput, OpInfo, Maker, the tolerance presets and
helpers); each themed file holds its samples and entries and defines OPS. tests/test_op_table.py
generates forward, gradient, gradcheck and bad-input tests from OPS; tests/test_op_fuzz.py fuzzes it.
A new op registers in the themed file it belongs to, else test_every_public_op_has_a_table_entry fails.
"""

from . import elementwise, layers, nn, reductions, shape
from .core import (  # noqa: F401  (re-exported: tests import them from op_table)
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
)

OPS = [*elementwise.OPS, *reductions.OPS, *shape.OPS, *nn.OPS, *layers.OPS]

OPS_BY_NAME = {op.name: op for op in OPS}
assert len(OPS_BY_NAME) == len(OPS), "op names must be unique"
