"""`dlcore bench ddp`: samples/s of a training step (zero_grad, forward, backward, optimizer step)
at the same global batch for 1 rank x 1 thread, 1 rank x 2 threads (one process, no DDP) and
2 ranks x 1 thread (`mpiexec -n 2`, nn.parallel.DistributedDataParallel, each rank the half of
every global batch), and the communication time per step.

Models: an MLP 64-1024-1024-10 (1.1M float32 parameters) on digits-sized rows (64 features)
and the digits CNN of train-cnn (1x8x8 images), SGD with momentum, cross-entropy; the batches
are rows of the standardised digits training split. Each configuration is one job (a process
or an MPI job started by dlcore.bench.mpi_job); a round runs the three jobs in rotated order
and `--rounds` rounds are taken, so a slow spell of the shared machine hits each configuration
alike; in a job each timed function's sample is >= 0.2 s of back-to-back calls (the slowest
rank's time in the DDP job), median of `--repeats` samples.
Reported: samples/s = global batch / step time (median over rounds); scaling = DDP samples/s /
one process's samples/s, per round, median (ideal: 1.0 against 2 threads, 2.0 against 1
thread). Communication: the DDP step against the same step under `no_sync()` (no all-reduce;
the exposed communication is their paired difference), and an all_reduce_array of a flat
float32 buffer as large as the model's gradients alone (its full, unoverlapped cost).
The 1-thread job also times forward+loss and forward+loss+backward, for the backward time per
sample (docs/distributed.md's estimate uses it).
"""

import itertools
import json
import statistics
import sys

import numpy as np

from dlcore.bench import harness, mpi_job

CASES = (
    dict(name="mlp 64-1024-1024-10", kind="mlp", hidden=[1024, 1024], batch=256),
    dict(name="digits cnn", kind="cnn", batch=128),
)
QUICK_CASES = (dict(name="mlp 64-256-10", kind="mlp", hidden=[256], batch=64),)
CONFIGS = (  # (label, ranks, threads per rank); ranks > 1 runs under mpiexec with DDP
    ("1x1", 1, 1),
    ("1x2", 1, 2),
    ("2x1", 2, 1),
)


def build(case):
    """(model, x float32 (N, ...), y int64 (N,)) for a case, with seeded initial weights."""
    import dlcore
    from dlcore import nn
    from dlcore.bench import train_cnn, train_mlp

    dlcore.manual_seed(0)
    if case["kind"] == "cnn":
        x, y = train_cnn.data()
        model = nn.Sequential(*train_cnn._layers(nn))
        model.load_state_dict(dict(zip(train_cnn.NAMES, train_cnn.init_weights())))
        return model, x, y
    x, y = train_mlp.data()
    widths = [x.shape[1], *case["hidden"], 10]
    layers = []
    for i in range(len(widths) - 1):
        layers += [nn.Linear(widths[i], widths[i + 1]), nn.ReLU()]
    return nn.Sequential(*layers[:-1]), x, y


def shards(x, y, batch, rank, world, count=8):
    """`count` global batches of `batch` rows (a seeded permutation); this rank's contiguous
    1/world of each, as (x, y) tensors."""
    import dlcore

    if batch % world:
        raise ValueError(f"bench ddp: global batch {batch} is not divisible by {world} ranks")
    local = batch // world
    idx = np.random.default_rng(0).permutation(len(x))
    idx = np.resize(idx, count * batch).reshape(count, batch)[:, rank * local : (rank + 1) * local]
    return [(dlcore.from_numpy(np.ascontiguousarray(x[i])), dlcore.from_numpy(y[i])) for i in idx]


def step_functions(case, rank, world, bucket_cap_mb=None):
    """{name: fn} timed for one case; DDP-wrapped when world > 1 (bucket_cap_mb: DDP's, None for
    its default of 25 MB)."""
    from dlcore import nn, optim

    model, x, y = build(case)
    n_params = sum(p.data.size for p in model.parameters())
    if world > 1:
        from dlcore.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(model, bucket_cap_mb=bucket_cap_mb)
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    batches = itertools.cycle(shards(x, y, case["batch"], rank, world))

    def forward():
        xb, yb = next(batches)
        return loss_fn(model(xb), yb)

    def forward_backward():
        opt.zero_grad()
        forward().backward()

    def step():
        forward_backward()
        opt.step()

    fns = {"step": step}
    if world == 1:
        fns.update(forward=forward, forward_backward=forward_backward)
    else:
        from dlcore.distributed import arrays

        def step_no_sync():
            with model.no_sync():
                step()

        flat = np.zeros(n_params, np.float32)
        fns.update(step_no_sync=step_no_sync, allreduce_grads=lambda: arrays.all_reduce_array(flat))
    return fns, n_params


def worker(out, config):
    from dlcore import backend

    backend.set_num_threads(config["threads"])
    comm, rank, world = None, 0, 1
    if config["ddp"]:
        from mpi4py import MPI

        from dlcore import distributed as dist

        dist.init_process_group("mpi")
        comm, rank, world = MPI.COMM_WORLD, dist.get_rank(), dist.get_world_size()
    results = []
    for case in config["cases"]:
        fns, n_params = step_functions(case, rank, world, config.get("bucket_cap_mb"))
        inner = {k: mpi_job.agreed_inner(comm, fn, config["target_s"]) for k, fn in fns.items()}
        samples = {k: [] for k in fns}
        names = list(fns)
        for rnd in range(config["repeats"]):
            for k in names[rnd % len(names) :] + names[: rnd % len(names)]:
                samples[k].append(mpi_job.slowest_sample(comm, fns[k], inner[k]))
        results.append({"case": case["name"], "params": n_params, "world": world, "samples": samples})
    if rank == 0:
        harness.write_json(out, {"threads": config["threads"], "cases": results})
    if config["ddp"]:
        dist.destroy_process_group()


# ---- the command -------------------------------------------------------------------------------


def _median(xs):
    return statistics.median(xs)


def summarize(cases, jobs):
    """jobs: {config label: [one job's result per round]} -> one row per case (see module doc)."""
    rows = []
    for ci, case in enumerate(cases):
        per = {label: [r["cases"][ci] for r in runs] for label, runs in jobs.items()}
        step = {label: [_median(r["samples"]["step"]) for r in rs] for label, rs in per.items()}
        sps = {label: [case["batch"] / s for s in ts] for label, ts in step.items()}
        row = {"model": case["name"], "params": per["1x1"][0]["params"], "batch": case["batch"]}
        for label in sps:
            row[f"sps_{label}"] = _median(sps[label])
            row[f"step_ms_{label}"] = _median(step[label]) * 1e3
        row["scale_vs_1x2"] = _median([a / b for a, b in zip(sps["2x1"], sps["1x2"])])
        row["scale_vs_1x1"] = _median([a / b for a, b in zip(sps["2x1"], sps["1x1"])])
        ddp = per["2x1"]
        exposed = [
            _median([a - b for a, b in zip(r["samples"]["step"], r["samples"]["step_no_sync"])]) for r in ddp
        ]
        row["no_sync_ms"] = _median([_median(r["samples"]["step_no_sync"]) for r in ddp]) * 1e3
        row["exposed_comm_ms"] = _median(exposed) * 1e3
        row["allreduce_ms"] = _median([_median(r["samples"]["allreduce_grads"]) for r in ddp]) * 1e3
        one = per["1x1"]
        bwd = [_median(r["samples"]["forward_backward"]) - _median(r["samples"]["forward"]) for r in one]
        row["fwd_us_per_sample"] = (
            _median([_median(r["samples"]["forward"]) for r in one]) / case["batch"] * 1e6
        )
        row["bwd_us_per_sample"] = _median(bwd) / case["batch"] * 1e6
        rows.append(row)
    return rows


THROUGHPUT = [
    ("model", "model", None),
    ("params", "parameters", "d"),
    ("batch", "global batch", "d"),
    ("sps_1x1", "1 rank x 1 thread samples/s", ".0f"),
    ("sps_1x2", "1 rank x 2 threads samples/s", ".0f"),
    ("sps_2x1", "2 ranks x 1 thread (DDP) samples/s", ".0f"),
    ("scale_vs_1x2", "DDP / 1x2", ".2f"),
    ("scale_vs_1x1", "DDP / 1x1", ".2f"),
]
COMMUNICATION = [
    ("model", "model", None),
    ("step_ms_2x1", "DDP step ms", ".2f"),
    ("no_sync_ms", "no_sync step ms", ".2f"),
    ("exposed_comm_ms", "exposed comm ms/step", ".2f"),
    ("allreduce_ms", "gradient all-reduce alone ms", ".2f"),
    ("fwd_us_per_sample", "forward us/sample (1 thread)", ".1f"),
    ("bwd_us_per_sample", "backward us/sample (1 thread)", ".1f"),
]


def add_arguments(p):
    p.add_argument("--rounds", type=int, default=None, help="rounds of the three jobs (default 3)")
    p.add_argument("--target-ms", type=float, default=None, help="length of one sample (default 200 ms)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds before a job is killed")
    p.add_argument(
        "--bucket-cap-mb", type=float, default=None, help="DDP's bucket_cap_mb (default: its 25 MB)"
    )


def run(args):
    cases = QUICK_CASES if args.quick else CASES
    rounds = args.rounds or (1 if args.quick else 3)
    if rounds < 1:
        raise SystemExit(f"dlcore bench ddp: --rounds must be >= 1, got {rounds}")
    repeats = max(5, args.repeats or 7)
    target_s = (args.target_ms or (20 if args.quick else 200)) / 1e3
    info = harness.machine_info()
    cap = "25 (default)" if args.bucket_cap_mb is None else f"{args.bucket_cap_mb:g}"
    print(
        f"# ddp: training step samples/s, SGD momentum, DDP bucket_cap_mb {cap}; "
        f"{harness.machine_line(info)}",
        flush=True,
    )
    jobs = {label: [] for label, _, _ in CONFIGS}
    for rnd in range(rounds):
        for label, ranks, threads in CONFIGS[rnd % 3 :] + CONFIGS[: rnd % 3]:
            config = dict(
                cases=list(cases),
                threads=threads,
                ddp=ranks > 1,
                repeats=repeats,
                target_s=target_s,
                bucket_cap_mb=args.bucket_cap_mb,
            )
            res = mpi_job.launch(
                "dlcore.bench.ddp",
                config,
                ranks=ranks if ranks > 1 else None,
                threads=threads,
                timeout=args.timeout,
            )
            jobs[label].append(res)
            print(f"  round {rnd + 1}/{rounds}: {label} done", file=sys.stderr, flush=True)
    rows = summarize(cases, jobs)
    print(f"\n### Training step throughput (median of {rounds} rounds x {repeats} samples, wall time)\n")
    print(harness.markdown_table(rows, THROUGHPUT))
    print("\n### Communication per DDP step (2 ranks x 1 thread)\n")
    print(harness.markdown_table(rows, COMMUNICATION), flush=True)
    if args.json:
        harness.write_json(args.json, {"machine": info, "cases": list(cases), "rows": rows, "jobs": jobs})
    return 0


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--worker":
    worker(sys.argv[2], json.loads(sys.argv[3]))
