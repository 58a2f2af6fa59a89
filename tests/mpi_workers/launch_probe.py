"""Rank probe for tests/test_mpi_launch.py, run by `dlcore run` (as a script or with -m).

    launch_probe.py OUT_DIR [ARG ...] [--exit-rank1 CODE] [--sleep]

Each rank writes OUT_DIR/rank{R}.json: rank, world size, the thread settings it was started with
(OMP_NUM_THREADS and dlcore.get_num_threads()), its argv and $DLCORE_PROBE_MARK. --exit-rank1 CODE:
rank 1 then exits with CODE. --sleep: every rank then sleeps (for the signal-forwarding test).
"""

import json
import os
import sys
import time

import dlcore
import dlcore.distributed as dist

dist.init_process_group("mpi")
rank = dist.get_rank()
out = sys.argv[1]
record = {
    "rank": rank,
    "world_size": dist.get_world_size(),
    "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    "dlcore_threads": dlcore.get_num_threads(),
    "argv": sys.argv[1:],
    "mark": os.environ.get("DLCORE_PROBE_MARK"),
    "pid": os.getpid(),
}
path = os.path.join(out, f"rank{rank}.json")
with open(path + ".tmp", "w") as f:
    json.dump(record, f)
os.replace(path + ".tmp", path)
dist.barrier()
if "--sleep" in sys.argv:
    time.sleep(120)
if "--exit-rank1" in sys.argv and rank == 1:
    sys.exit(int(sys.argv[sys.argv.index("--exit-rank1") + 1]))
