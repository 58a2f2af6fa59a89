"""Embedding lookup: rows of a weight table picked by integer indices (array-module code).

The one positional input is weight (V, D); the indices (any shape, integers in [0, V), checked by
the caller, dlcore.functional_rnn.embedding) are a keyword, not differentiable. The output is
(*indices.shape, D). The backward adds each output row's gradient into its weight row (repeats
accumulate); the row `padding_idx` gets none; scale_grad_by_freq divides each gradient by how often
its index occurs in this call's indices, as torch.
"""

from __future__ import annotations

from ._helpers import xp_of
from .function import Function


class Embedding(Function):
    op = "embedding"

    def forward(self, weight, indices=None, padding_idx=None, scale_grad_by_freq=False):
        self.shape, self.indices = weight.shape, indices
        self.padding_idx, self.scale_grad_by_freq = padding_idx, bool(scale_grad_by_freq)
        return weight[indices]

    def backward(self, g):
        xp = xp_of(g)
        rows, dim = self.shape
        flat = self.indices.reshape(-1).astype(xp.int64, copy=False)
        g = g.reshape(-1, dim)
        if self.scale_grad_by_freq and flat.size:
            g = g / xp.bincount(flat, minlength=rows)[flat][:, None].astype(g.dtype)
        dw = xp.zeros(rows * dim, dtype=g.dtype)
        # one 1-D scatter-add over (row, column) positions: numpy's fast path for add.at
        xp.add.at(dw, (flat[:, None] * dim + xp.arange(dim)).reshape(-1), g.reshape(-1))
        dw = dw.reshape(rows, dim)
        if self.padding_idx is not None:
            dw[self.padding_idx] = 0
        return (dw,)
