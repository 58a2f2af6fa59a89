"""dlcore.nn.parallel: data parallelism across processes (torch.nn.parallel names)."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
