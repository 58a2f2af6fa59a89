"""dlcore.distributed: torch.distributed's process group and collectives over MPI (mpi4py).

    import dlcore.distributed as dist
    dist.init_process_group("mpi")          # rank and world size from mpirun / dlcore run
    dist.all_reduce(t, op=dist.ReduceOp.SUM)

Collectives pass the tensors' buffers to MPI directly (no pickling) and wait with a deadline
(the group's timeout), so a missing rank raises DistributedTimeoutError instead of hanging; an
uncaught exception on any rank aborts the whole job. mpi4py is optional: `pip install
"dlcore[mpi]"`. Data-parallel training builds on this: nn.parallel.DistributedDataParallel,
data.DistributedSampler, and `fit` (see docs/distributed.md).
"""

from ._group import (
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
)
from .collectives import ReduceOp, all_gather, all_gather_into_tensor, all_reduce, barrier, broadcast
from .work import DistributedTimeoutError, Work

__all__ = [
    "init_process_group",
    "destroy_process_group",
    "is_available",
    "is_initialized",
    "get_rank",
    "get_world_size",
    "get_backend",
    "barrier",
    "broadcast",
    "all_reduce",
    "all_gather",
    "all_gather_into_tensor",
    "ReduceOp",
    "Work",
    "DistributedTimeoutError",
]
