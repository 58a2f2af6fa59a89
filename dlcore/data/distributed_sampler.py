"""DistributedSampler: each rank's disjoint shard of a dataset's indices (torch.utils.data's).

Every rank builds the same index list (seeded by seed + epoch, so the same on all ranks), pads it
by repeating its head (or drops its tail with drop_last) to a multiple of num_replicas, and keeps
every num_replicas-th index from its rank on: shard = indices[rank:total_size:num_replicas].
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..distributed import get_rank, get_world_size, is_available


def _int_arg(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"DistributedSampler: {name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


class DistributedSampler:
    """Restrict loading to this rank's share of `dataset`, as torch.utils.data.DistributedSampler.

    Pass it as `DataLoader(dataset, sampler=...)` (not with shuffle=True). Each rank yields
    `num_samples` indices; together the ranks cover the dataset (drop_last=False: padded by
    repeating the first indices, so up to num_replicas - 1 samples appear twice; drop_last=True:
    the tail is dropped so that every rank has the same count; the shards are disjoint then).

    The shuffle is `numpy.random.default_rng(seed + epoch).permutation(len(dataset))`: the same
    on every rank and reproducible, but not torch's randperm order (torch's generator bits are
    not reproduced; with shuffle=False the shards equal torch's index for index). Call
    `set_epoch(epoch)` before each epoch for a new order (dlcore.train.fit does it for you).

    Args:
        dataset: anything with __len__ (its length must not change).
        num_replicas: number of ranks; default dlcore.distributed.get_world_size().
        rank: this rank in [0, num_replicas); default dlcore.distributed.get_rank().
        shuffle: permute the indices each epoch (seeded), else keep 0..len-1 in order.
        seed: the permutation seed; must be the same on every rank.
        drop_last: drop the tail to make the dataset evenly divisible instead of padding it.
    Attributes:
        num_samples: indices per rank (len(sampler)); total_size: num_samples * num_replicas;
        epoch: the epoch set by set_epoch (0 at first).
    Raises:
        RuntimeError: num_replicas/rank left None and mpi4py is not installed.
        ValueError: left None before dlcore.distributed.init_process_group; num_replicas < 1;
            rank outside [0, num_replicas - 1].
        TypeError: num_replicas, rank, seed not ints; dataset without __len__.
    """

    def __init__(
        self,
        dataset: Any,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if not hasattr(dataset, "__len__"):
            raise TypeError(f"DistributedSampler: dataset must have __len__, got {type(dataset).__name__}")
        if (num_replicas is None or rank is None) and not is_available():
            raise RuntimeError(
                "DistributedSampler: requires the distributed package to be available when num_replicas "
                'or rank is None (pip install "dlcore[mpi]"), or pass both num_replicas and rank'
            )
        num_replicas = get_world_size() if num_replicas is None else _int_arg("num_replicas", num_replicas)
        rank = get_rank() if rank is None else _int_arg("rank", rank)
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be >= 1, got {num_replicas}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas, self.rank = num_replicas, rank
        self.epoch = 0
        self.drop_last = bool(drop_last)
        n = len(dataset)
        if self.drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = bool(shuffle)
        self.seed = _int_arg("seed", seed)

    def _indices(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            if self.seed + self.epoch < 0:
                raise ValueError(
                    f"DistributedSampler: seed + epoch must be >= 0 to seed the shuffle, got "
                    f"seed={self.seed}, epoch={self.epoch}"
                )
            return np.random.default_rng(self.seed + self.epoch).permutation(n)
        return np.arange(n)

    def __iter__(self) -> Iterator[int]:
        indices = self._indices()
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad > 0:
                indices = np.concatenate([indices, np.resize(indices, pad)])
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use the order of `epoch` from the next iteration on (the shuffle is seeded by seed + epoch)."""
        self.epoch = _int_arg("epoch", epoch)
