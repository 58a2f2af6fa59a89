"""`dlcore bench allreduce [--ranks 2]`: dlcore.distributed.all_reduce against mpi4py's own
`comm.Allreduce(MPI.IN_PLACE, buf)` on the same float32 buffers, 4 B to 64 MiB.

The suite launches itself under mpiexec (`--ranks` processes, OMP_NUM_THREADS=1) and reads the
job's results back from a JSON file written by rank 0. Per message size, three implementations
are timed in rotation, round after round: `dist.all_reduce(t)` (blocking), the async form DDP
uses (`arrays.all_reduce_array(a, async_op=True).wait()`), and mpi4py's blocking Allreduce, all
on the one array that the tensor holds. A sample is: barrier, `inner` back-to-back calls, the
slowest rank's elapsed time / inner (the collective ends when its last rank does); `inner` is
sized on rank 0 so a sample lasts about `--target-ms` and broadcast. Reported per size: the
median latency (us) of each, algorithm bandwidth algbw = bytes / time and bus bandwidth
busbw = algbw * 2(n-1)/n (NCCL's definition: the bytes each rank's link carries in a ring
all-reduce, per second), and the paired ratio mpi4py time / dlcore time (median over rounds of
the within-round ratio; above 1.0 dlcore is faster). Before timing, each implementation's sum
is checked against the exact value on every rank.
"""

import json
import statistics
import sys

import numpy as np

from dlcore.bench import harness, mpi_job

SIZES = tuple(4 * 4**k for k in range(13))  # bytes: 4 B, 16 B, ... 16 MiB, 64 MiB
QUICK_SIZES = (4, 256, 16384, 1 << 20)
IMPLS = ("dlcore", "dlcore_async", "mpi4py", "mpi4py_nb")


def bus_factor(world_size):
    """NCCL's all-reduce bus-bandwidth factor 2(n-1)/n: busbw = algbw * bus_factor(n)."""
    if world_size < 1:
        raise ValueError(f"bus_factor: world_size must be >= 1, got {world_size}")
    return 2 * (world_size - 1) / world_size


def size_label(nbytes):
    """4 -> '4 B', 4096 -> '4 KiB', 1 << 26 -> '64 MiB'."""
    for unit, shift in (("MiB", 20), ("KiB", 10)):
        if nbytes >= 1 << shift and nbytes % (1 << shift) == 0:
            return f"{nbytes >> shift} {unit}"
    return f"{nbytes} B"


# ---- the job (every rank) ----------------------------------------------------------------------


def calls(comm, tensor):
    """{impl: fn} all-reducing (sum) the array `tensor` holds, in place."""
    from mpi4py import MPI

    from dlcore import distributed as dist
    from dlcore.distributed import arrays

    buf = tensor.data
    return {
        "dlcore": lambda: dist.all_reduce(tensor),
        "dlcore_async": lambda: arrays.all_reduce_array(buf, async_op=True).wait(),
        "mpi4py": lambda: comm.Allreduce(MPI.IN_PLACE, buf),
        "mpi4py_nb": lambda: comm.Iallreduce(MPI.IN_PLACE, buf).Wait(),
    }


def check_sums(comm, tensor, fns):
    """{impl: max abs error} of one sum of rank-dependent small integers (exact in float32)."""
    from mpi4py import MPI

    n, r = comm.Get_size(), comm.Get_rank()
    ramp = np.arange(tensor.data.size, dtype=np.float32) % 7
    want = ramp * n + n * (n - 1) / 2
    errs = {}
    for impl, fn in fns.items():
        tensor.data[...] = ramp + r
        fn()
        errs[impl] = float(comm.allreduce(float(np.abs(tensor.data - want).max()), op=MPI.MAX))
    tensor.data[...] = 0  # timing on zeros: the sums stay finite however many calls
    return errs


def measure_size(comm, nbytes, repeats, target_s):
    """One row: every implementation's samples (s per call) on one float32 buffer of nbytes."""
    from dlcore.tensor import Tensor

    tensor = Tensor(np.zeros(max(1, nbytes // 4), np.float32))
    fns = calls(comm, tensor)
    errs = check_sums(comm, tensor, fns)
    inner = {impl: mpi_job.agreed_inner(comm, fn, target_s) for impl, fn in fns.items()}
    samples = {impl: [] for impl in fns}
    for rnd in range(repeats):
        order = IMPLS[rnd % len(IMPLS) :] + IMPLS[: rnd % len(IMPLS)]
        for impl in order:
            samples[impl].append(mpi_job.slowest_sample(comm, fns[impl], inner[impl]))
    return {"bytes": nbytes, "count": tensor.data.size, "inner": inner, "err": errs, "samples": samples}


def worker(out, config):
    from mpi4py import MPI

    from dlcore import distributed as dist

    dist.init_process_group("mpi")
    comm = MPI.COMM_WORLD
    rows = [measure_size(comm, b, config["repeats"], config["target_s"]) for b in config["sizes"]]
    if dist.get_rank() == 0:
        result = {"world_size": dist.get_world_size(), "mpi": MPI.Get_library_version().splitlines()[0]}
        result["rows"] = rows
        harness.write_json(out, result)
    dist.destroy_process_group()


# ---- the command -------------------------------------------------------------------------------


def summarize(raw):
    """Per size: median latency (s), algbw and busbw (bytes/s) of each implementation and the
    paired ratio mpi4py / dlcore (and mpi4py / dlcore_async)."""
    factor = bus_factor(raw["world_size"])
    rows = []
    for r in raw["rows"]:
        row = {"bytes": r["bytes"], "size": size_label(r["bytes"]), "err": max(r["err"].values())}
        for impl, s in r["samples"].items():
            t = statistics.median(s)
            row[f"{impl}_us"] = t * 1e6
            row[f"{impl}_algbw"] = r["bytes"] / t
            row[f"{impl}_busbw"] = r["bytes"] / t * factor
        for impl in ("dlcore", "dlcore_async"):
            pairs = zip(r["samples"][impl], r["samples"]["mpi4py"])
            row[f"ratio_{impl}"] = statistics.median(m / d for d, m in pairs)
        rows.append(row)
    return rows


def table(rows):
    for row in rows:
        for impl in IMPLS:
            row[f"{impl}_busbw_gbs"] = row[f"{impl}_busbw"] / 1e9
        row["dlcore_algbw_gbs"] = row["dlcore_algbw"] / 1e9
    columns = [
        ("size", "size", None),
        ("dlcore_us", "dlcore us", ".1f"),
        ("dlcore_async_us", "dlcore async us", ".1f"),
        ("mpi4py_us", "mpi4py us", ".1f"),
        ("mpi4py_nb_us", "mpi4py Iallreduce us", ".1f"),
        ("dlcore_algbw_gbs", "dlcore algbw GB/s", ".3f"),
        ("dlcore_busbw_gbs", "dlcore busbw GB/s", ".3f"),
        ("mpi4py_busbw_gbs", "mpi4py busbw GB/s", ".3f"),
        ("ratio_dlcore", "mpi4py / dlcore", ".2f"),
        ("ratio_dlcore_async", "mpi4py / dlcore async", ".2f"),
        ("err", "max abs err", ".0e"),
    ]
    return harness.markdown_table(rows, columns)


def add_arguments(p):
    p.add_argument("--ranks", type=int, default=2, help="MPI processes (default 2)")
    p.add_argument("--max-bytes", type=int, default=None, help="largest message (default 64 MiB)")
    p.add_argument("--target-ms", type=float, default=None, help="length of one sample (default 50 ms)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds before the job is killed")


def run(args):
    if args.ranks < 2:
        raise SystemExit(f"dlcore bench allreduce: --ranks must be >= 2, got {args.ranks}")
    sizes = QUICK_SIZES if args.quick else SIZES
    if args.max_bytes is not None:
        if args.max_bytes < 4:
            raise SystemExit(f"dlcore bench allreduce: --max-bytes must be >= 4, got {args.max_bytes}")
        sizes = tuple(s for s in sizes if s <= args.max_bytes)
    repeats = max(5, args.repeats or (5 if args.quick else 11))
    target_s = (args.target_ms or (10 if args.quick else 50)) / 1e3
    info = harness.machine_info()
    head = f"# allreduce: {args.ranks} ranks x 1 thread, float32 sum"
    print(f"{head}; {harness.machine_line(info)}", flush=True)
    config = {"sizes": list(sizes), "repeats": repeats, "target_s": target_s}
    raw = mpi_job.launch("dlcore.bench.allreduce", config, ranks=args.ranks, timeout=args.timeout)
    rows = summarize(raw)
    print(f"\n### all_reduce, {args.ranks} ranks ({raw['mpi']}; median of {repeats}; paired ratios)\n")
    print(table(rows), flush=True)
    if args.json:
        harness.write_json(args.json, {"machine": info, "config": config, "raw": raw, "rows": rows})
    return 0


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--worker":
    worker(sys.argv[2], json.loads(sys.argv[3]))
