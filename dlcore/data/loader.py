"""Dataset protocol, TensorDataset and DataLoader (batching, seeded shuffle, sampler, drop_last).

A DataLoader over a TensorDataset indexes the stored numpy arrays with one index array per
batch (no per-sample Python loop); any other Dataset is collated sample by sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..creation import from_numpy
from ..random import generator as default_generator


@runtime_checkable
class Dataset(Protocol):
    """Map-style dataset: `len(ds)` samples, `ds[i]` is one sample (an array or a tuple of them)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> Any: ...


def _as_array(x: Any) -> np.ndarray:
    """numpy view of a numpy array, a dlcore Tensor (`.numpy()`) or anything array-like."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "numpy") and callable(x.numpy):
        return np.asarray(x.numpy())
    return np.asarray(x)


class TensorDataset:
    """Samples are rows of equal-length arrays: `ds[i] == (a[i], b[i], ...)`, Tensors sharing the
    stored arrays' memory (as torch.utils.data.TensorDataset); `ds.arrays` holds the numpy arrays.

    Args:
        *arrays: numpy arrays or Tensors sharing their first dimension (N, ...).
    """

    def __init__(self, *arrays: Any):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(_as_array(a) for a in arrays)
        n = len(self.arrays[0])
        for i, a in enumerate(self.arrays):
            if a.ndim == 0 or len(a) != n:
                shapes = [tuple(x.shape) for x in self.arrays]
                raise ValueError(
                    f"[TensorDataset] array {i} has shape {tuple(a.shape)}: all "
                    f"arrays must share the first dimension, got {shapes}"
                )

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple:
        return tuple(from_numpy(np.asarray(a[index])) for a in self.arrays)


def _to_tensor(a: np.ndarray):
    return from_numpy(np.ascontiguousarray(a))


def _collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples (arrays, Tensors, numbers or tuples of them) along a new axis 0."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(_collate([s[j] for s in samples]) for j in range(len(first)))
    return np.stack([_as_array(s) for s in samples])


def _sampled_indices(sampler: Any) -> np.ndarray:
    """One pass over `sampler` as a 1-D int64 array; a TypeError for anything but int indices."""
    order = np.asarray(list(sampler))
    if order.size == 0:
        return np.zeros(0, dtype=np.int64)
    if order.ndim != 1 or order.dtype.kind not in "iu":
        raise TypeError(
            f"DataLoader: the sampler must yield int indices, got an array of dtype {order.dtype} "
            f"and shape {order.shape}"
        )
    return order.astype(np.int64, copy=False)


class DataLoader:
    """Iterate over a dataset in batches of Tensors, PyTorch's `torch.utils.data.DataLoader` subset.

    Each epoch (each `iter(loader)`) draws one permutation of all indices before batching, so
    every sample appears exactly once per epoch; the last batch is partial unless `drop_last`.
    With a `sampler`, the epoch's indices are whatever one pass over the sampler yields.

    Args:
        dataset: a TensorDataset (fast path), any Dataset, or a tuple of arrays (wrapped).
        batch_size: samples per batch (>= 1).
        shuffle: draw a new permutation every epoch.
        sampler: an iterable of int indices with __len__ (e.g. DistributedSampler), iterated
            once per epoch; mutually exclusive with shuffle=True. len(loader) follows
            len(sampler).
        drop_last: drop the final batch when it holds fewer than `batch_size` samples.
        seed: seeds a private numpy Generator: the epoch orders are reproducible and differ
            from epoch to epoch.
        generator: a numpy Generator to draw permutations from (instead of `seed`).
            With neither, permutations come from `dlcore.random.generator()` (see
            `dlcore.manual_seed`).
        num_workers, pin_memory: accepted as torch's (num_workers an int >= 0); batches are
            always made in the calling process, the same batches torch's workers would yield,
            and memory is never pinned.
    Yields:
        a tuple of Tensors per batch, one per array of the samples (as PyTorch, a TensorDataset
        of one array gives 1-tuples), or a single Tensor when the samples are single arrays.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        sampler: Any = None,
        drop_last: bool = False,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
    ):
        if isinstance(dataset, (tuple, list)):
            dataset = TensorDataset(*dataset)
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be an int >= 0, got {num_workers!r}")
        if seed is not None and generator is not None:
            raise ValueError("pass either seed or generator, not both")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if sampler is not None and not (hasattr(sampler, "__iter__") and hasattr(sampler, "__len__")):
            kind = type(sampler).__name__
            raise TypeError(f"DataLoader: sampler must be an iterable of indices with __len__, got {kind}")
        self.dataset = dataset
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = (
            generator
            if generator is not None
            else (np.random.default_rng(seed) if seed is not None else None)
        )

    def __len__(self) -> int:
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        if self.sampler is not None:
            return _sampled_indices(self.sampler)
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self.generator
        if rng is None:
            rng = default_generator()
        return rng.permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        fast = isinstance(self.dataset, TensorDataset)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            if self.drop_last and len(idx) < self.batch_size:
                return
            # fast: fancy indexing gives a fresh copy, the batch owns its memory
            arrays = (
                tuple(a[idx] for a in self.dataset.arrays)
                if fast
                else _collate([self.dataset[int(i)] for i in idx])
            )
            if isinstance(arrays, tuple):
                yield tuple(_to_tensor(a) for a in arrays)
            else:
                yield _to_tensor(arrays)
