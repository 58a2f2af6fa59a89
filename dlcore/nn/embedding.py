"""nn.Embedding as torch: a (num_embeddings, embedding_dim) table looked up by integer indices
(dlcore.functional_rnn.embedding). weight is drawn from N(0, 1), the padding_idx row zeroed (it
gets no gradient); from_pretrained wraps a given table (frozen by default).
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..functional_rnn import embedding
from ..random import generator
from ..tensor import Tensor
from .module import Module
from .parameter import Parameter
from .rnn import as_input, check_size


def _padding_idx(padding_idx, rows: int):
    """torch's rule: None, or an int in [-rows, rows), stored as its non-negative form."""
    if padding_idx is None:
        return None
    if not isinstance(padding_idx, (int, np.integer)) or isinstance(padding_idx, bool):
        raise TypeError(f"Embedding: padding_idx must be an int or None, got {padding_idx!r}")
    if not -rows <= padding_idx < rows:
        raise ValueError(f"Embedding: padding_idx must be within num_embeddings ({rows}), got {padding_idx}")
    return int(padding_idx) % rows


class Embedding(Module):
    """torch.nn.Embedding(num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
    norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device,
    dtype); forward(input int indices (*)) -> (*, embedding_dim). sparse=True is refused."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx=None,
        max_norm=None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight=None,
        _freeze: bool = False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.num_embeddings = check_size("Embedding", "num_embeddings", num_embeddings, minimum=0)
        self.embedding_dim = check_size("Embedding", "embedding_dim", embedding_dim, minimum=0)
        self.padding_idx = _padding_idx(padding_idx, self.num_embeddings)
        if sparse:
            raise ValueError("Embedding: sparse gradients are not supported (sparse=True)")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = bool(scale_grad_by_freq), False
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            dtype = np.dtype(np.float32 if dtype is None else dtype)
            self.weight = Parameter(np.zeros(shape, dtype), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            w = _weight.data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if tuple(w.shape) != shape:
                raise ValueError(f"Embedding: _weight of shape {tuple(w.shape)} does not match {shape}")
            self.weight = Parameter(w, requires_grad=not _freeze)
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        draw = generator().standard_normal(self.weight.shape).astype(self.weight.dtype)
        self.weight.data[...] = backend.array_module(self.weight.data).asarray(draw)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input):
        return embedding(
            as_input(self, input),
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
        )

    @classmethod
    def from_pretrained(
        cls,
        embeddings,
        freeze: bool = True,
        padding_idx=None,
        max_norm=None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ):
        """An Embedding over a copy-free view of `embeddings` (2-D), frozen unless freeze=False."""
        if getattr(embeddings, "ndim", None) != 2:
            got = getattr(embeddings, "shape", type(embeddings).__name__)
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got {got}")
        rows, cols = embeddings.shape
        return cls(
            rows,
            cols,
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
            _weight=embeddings,
            _freeze=freeze,
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        return s + (", scale_grad_by_freq=True" if self.scale_grad_by_freq else "")
