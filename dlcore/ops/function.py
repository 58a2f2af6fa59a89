"""Function: the contract of one differentiable primitive, over arrays (no Tensor in this layer).

forward(*arrays, **kwargs) -> array computes the value and saves on `self` what backward needs.
backward(g) -> one gradient array (or None) per positional input, each shaped like that input;
`g` has the output's shape. The graph engine (dlcore.tensor.apply) sets `needs_input_grad` and
`parents`, calls backward at most once per recorded node, and `_release`s the node afterwards.
"""

from __future__ import annotations


class Function:
    """One differentiable primitive. Subclasses define forward(*arrays, **kw) and backward(g)."""

    released = False  # set by _release() once a backward without retain_graph has run

    def __init__(self):
        self.parents: tuple = ()  # the input tensors, recorded by the engine
        self.needs_input_grad: tuple = ()  # one bool per positional input

    def forward(self, *args, **kwargs):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    def _release(self) -> None:
        """Drop saved arrays and parents after a backward without retain_graph; a second
        backward through this node then raises instead of silently stopping here."""
        self.__dict__.clear()
        self.parents, self.needs_input_grad, self.released = (), (), True
