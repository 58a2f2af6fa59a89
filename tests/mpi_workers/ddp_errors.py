"""DDP failure modes for tests/test_mpi_ddp.py: `mpiexec -n N python ddp_errors.py MODE`.

mismatch: the last rank wraps a different model; every rank must get the RuntimeError (caught
here, printed as "rank R caught: ...") instead of a hang or a garbled broadcast.
unused: the last rank leaves a parameter out of its loss (find_unused_parameters=False); its
RuntimeError is not caught, so the job must end non-zero with that rank's error.
"""

from __future__ import annotations

import sys

import numpy as np

import dlcore
import dlcore.distributed as dist
from dlcore import nn
from dlcore.nn.parallel import DistributedDataParallel

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
last = rank == world - 1
mode = sys.argv[1]


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(4, 2, dtype=np.float64), nn.Linear(4, 2, dtype=np.float64)

    def forward(self, x, use_b=True):
        return self.a(x) + self.b(x) if use_b else self.a(x)


if mode == "mismatch":
    model = nn.Linear(4, 3 if last else 2)
    try:
        DistributedDataParallel(model)
    except RuntimeError as e:
        print(f"rank {rank} caught: {e}", flush=True)
elif mode == "unused":
    ddp = DistributedDataParallel(TwoHeads(), bucket_cap_mb=40 / 2**20)
    x = dlcore.tensor(np.ones((3, 4)))
    ddp(x, use_b=not last).sum().backward()
    print(f"rank {rank} finished the backward", flush=True)
    dist.barrier()
dist.destroy_process_group()
