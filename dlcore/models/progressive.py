"""ProgressiveNet: a progressive neural network (Rusu et al. 2016, "Progressive Neural Networks") of
ReLU MLP columns joined by lateral adapters, for transfer without forgetting.

Each task gets a new column; the columns of earlier tasks are frozen, and the new column reads
their hidden activations through lateral adapters. Earlier tasks' outputs therefore never change
(their columns neither train nor read the new column), while the new task reuses their features.

Layout, for sizes (n_0, n_1, ..., n_L) shared by every column:
  columns[k][i]      Linear(n_i, n_{i+1})                       (the column's own layer i)
  laterals[k][i-1][j] Linear(n_i, n_{i+1}, bias=False), j < k   (adapter from column j, layer i >= 1)
Column k computes h_0 = x and, for i = 0 .. L-1,
  h_{i+1}^k = act(columns[k][i](h_i^k) + sum_{j<k} laterals[k][i-1][j](h_i^j))
with act = ReLU except after the last layer (its output is the column's logits). The adapters are
linear: Rusu et al.'s non-linear adapter (a learned scale and a one-layer MLP) is not reproduced.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..nn import functional as F
from ._checks import positive_int


class ProgressiveNet(nn.Module):
    """Columns of ReLU MLPs of widths `sizes` with lateral adapters; starts with one column.

    add_column() freezes every existing column and adapter (requires_grad_(False)) and appends a
    trainable column wired to all earlier ones; forward(x, column=-1) gives that column's output
    (N, sizes[-1]) for x (N, sizes[0]). Train a new column with an optimizer over
    `[p for p in net.parameters() if p.requires_grad]`.
    """

    def __init__(self, sizes, dtype=np.float32):
        super().__init__()
        name = type(self).__name__
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
            raise ValueError(f"{name}: sizes must be a sequence of at least 2 positive ints, got {sizes!r}")
        self.sizes = tuple(positive_int(name, f"sizes[{i}]", s) for i, s in enumerate(sizes))
        self.dtype = dtype
        self.columns = nn.ModuleList()
        self.laterals = nn.ModuleList()
        self.add_column()

    @property
    def num_columns(self) -> int:
        return len(self.columns)

    def add_column(self) -> int:
        """Freeze the existing columns and adapters; add a column with adapters from each of them.
        Returns the new column's index."""
        self.columns.requires_grad_(False)
        self.laterals.requires_grad_(False)
        k, s = len(self.columns), self.sizes
        self.columns.append(nn.ModuleList(nn.Linear(a, b, dtype=self.dtype) for a, b in zip(s, s[1:])))
        self.laterals.append(
            nn.ModuleList(
                nn.ModuleList(nn.Linear(s[i], s[i + 1], bias=False, dtype=self.dtype) for _ in range(k))
                for i in range(1, len(s) - 1)
            )
        )
        return k

    def forward(self, x, column: int = -1):
        n = len(self.columns)
        if isinstance(column, bool) or not isinstance(column, (int, np.integer)) or not -n <= column < n:
            raise ValueError(f"ProgressiveNet: column must be an int in [{-n}, {n - 1}], got {column!r}")
        column = int(column) % n
        depth = len(self.sizes) - 1
        hidden = []  # hidden[j][i]: h_i of column j, i = 0 .. depth-1
        for k in range(column + 1):
            last = k == column
            h = [x]
            for i in range(depth if last else depth - 1):  # earlier columns: hidden layers only
                z = self.columns[k][i](h[i])
                for j in range(k if i >= 1 else 0):
                    z = z + self.laterals[k][i - 1][j](hidden[j][i])
                if last and i == depth - 1:
                    return z
                h.append(F.relu(z))
            hidden.append(h)
        raise AssertionError("unreachable: the last column returns")

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}, columns={len(self.columns)}"
