"""`dlcore bench gemm`: float32 C = A @ B through backend.cpu.gemm against numpy (OpenBLAS) and
torch (MKL/oneDNN), at 1 and 2 threads, with the FMA probe of the same run as the roofline and
the micro-kernel's own rate on cached slivers (`instruments.gemm_kernel_peak`) as its ceiling.

Shapes are M x K x N (A is M x K). NT/TN/TT are transposed views (Linear's x @ W.T and
g.T @ x), passed to every library without copies.
"""

import sys

import numpy as np

from dlcore.bench import harness

SQUARE = (64, 128, 256, 512, 1024, 2048, 4096)
MODEL = ((64, 784, 128), (256, 2048, 512), (3200, 256, 2048), (64, 512, 2048))
TRANSPOSED = (
    (64, 784, 128, False, True),
    (128, 64, 784, True, False),
    (256, 2048, 512, False, True),
    (512, 256, 2048, True, False),
    (1024, 1024, 1024, False, True),
    (1024, 1024, 1024, True, False),
    (1024, 1024, 1024, True, True),
)
# the im2col products of TARGETS.md's CNN (conv32-pool-conv64 on 28x28, batch 64, 3x3): the
# forward of each layer, the weight gradients (TN) and the second layer's input gradient (NT)
CONV = (
    (50176, 9, 32, False, False),
    (12544, 288, 64, False, False),
    (9, 50176, 32, True, False),
    (288, 12544, 64, True, False),
    (12544, 64, 288, False, True),
)
CHECK_ROWS = 128


def cases(quick=False):
    out = []
    for n in SQUARE:
        if quick and n > 1024:
            continue
        out.append(dict(kind="square", m=n, k=n, n=n, ta=False, tb=False))
    for m, k, n in MODEL:
        out.append(dict(kind="model", m=m, k=k, n=n, ta=False, tb=False))
    for m, k, n, ta, tb in TRANSPOSED:
        if quick and (m, k, n) == (1024, 1024, 1024) and (ta and tb):
            continue
        out.append(dict(kind="transposed", m=m, k=k, n=n, ta=ta, tb=tb))
    for m, k, n, ta, tb in CONV:
        if quick and m * k * n > 2 * 10**7:
            continue
        out.append(dict(kind="conv", m=m, k=k, n=n, ta=ta, tb=tb))
    for c in out:
        c["name"] = f"{c['m']}x{c['k']}x{c['n']}"
        c["op"] = ("T" if c["ta"] else "N") + ("T" if c["tb"] else "N")
    return out


def flops(case):
    return 2.0 * case["m"] * case["n"] * case["k"]


def operands(case):
    """float32 A (m, k) and B (k, n) as views (transposed storage for ta / tb), and out."""
    rng = np.random.default_rng(1234)
    m, k, n = case["m"], case["k"], case["n"]
    normal = rng.standard_normal
    a = normal((k, m), np.float32).T if case["ta"] else normal((m, k), np.float32)
    b = normal((n, k), np.float32).T if case["tb"] else normal((k, n), np.float32)
    return a, b, np.empty((m, n), np.float32)


def make_call(lib, case, threads):
    a, b, out = operands(case)
    if lib == "dlcore":
        from dlcore import backend

        gemm = backend.cpu.gemm

        def fn():
            gemm(a, b, out)

        result = lambda: out  # noqa: E731
    elif lib == "numpy":

        def fn():
            np.matmul(a, b, out=out)

        result = lambda: out  # noqa: E731
    elif lib == "torch":
        import torch

        ta, tb, tout = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)

        def fn():
            torch.mm(ta, tb, out=tout)

        result = lambda: out  # noqa: E731
    else:
        raise ValueError(f"unknown library {lib!r}")

    def check():
        fn()
        rows = np.unique(np.linspace(0, case["m"] - 1, min(case["m"], CHECK_ROWS)).astype(np.int64))
        ref = a[rows].astype(np.float64) @ b.astype(np.float64)
        return float(np.abs(result()[rows] - ref).max() / np.abs(ref).max())

    return fn, check


def add_arguments(p):
    p.add_argument(
        "--shapes",
        choices=("all", "square", "model", "transposed", "conv"),
        default="all",
        help="which group of shapes to run",
    )
    # OpenBLAS's pool spins for 0.1-0.2 s after a call: measured here, dlcore's 2-thread
    # 512^3 took 4 ms per call 0.05-0.1 s after a numpy burst and 2.2 ms from 0.2 s on
    p.add_argument(
        "--settle",
        type=float,
        default=0.25,
        help="seconds idle before each multi-threaded sample (other pools go to sleep)",
    )


def run(args):
    from dlcore import backend

    budget = backend.get_num_threads()
    try:
        return _run(args)
    finally:
        backend.set_num_threads(budget)


def _run(args):
    from dlcore import backend

    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # numpy's own pool in this process stays idle and small
    except ImportError:
        pass
    repeats = args.repeats or (5 if args.quick else 7)
    target_s = 0.01 if args.quick else 0.03
    info = harness.machine_info()
    todo = [c for c in cases(args.quick) if getattr(args, "shapes", "all") in ("all", c["kind"])]
    print(f"# gemm float32 on {harness.machine_line(info)}", flush=True)
    print(f"# dlcore blocking: {backend.instruments.gemm_info()['float32']}", flush=True)
    results = {"machine": info, "blocking": backend.instruments.gemm_info(), "probe_gflops": {}, "rows": []}
    # the micro-kernel alone, one thread, its slivers and C in cache: what is left of the probe
    # once the FMAs are fed from packed slivers, before any packing or memory traffic
    backend.set_num_threads(1)
    seconds = 0.05 if args.quick else 0.25
    probe_1t = harness.fma_probe(1, seconds)
    results["kernel_peak_gflops"] = {k: harness.kernel_peak(k, seconds) for k in (256, 1024)}
    print(
        "# micro-kernel on cached slivers, 1 thread, 16 row tiles per call: "
        + ", ".join(
            f"k={k} {g:.1f} GFLOP/s ({100 * g / probe_1t:.0f}% of the probe)"
            for k, g in results["kernel_peak_gflops"].items()
        ),
        flush=True,
    )
    for t in args.threads:
        backend.set_num_threads(t)
        probe = probe_1t if t == 1 else harness.fma_probe(t)
        results["probe_gflops"][t] = probe
        print(f"# threads={t}: FMA probe {probe:.1f} GFLOP/s", flush=True)
        with harness.Baselines(t, () if args.no_baselines else harness.BASELINE_LIBS) as bl:
            results.setdefault("versions", {}).update(bl.versions())
            rows = []
            for case in todo:
                r = harness.compare(
                    "dlcore.bench.gemm",
                    case,
                    t,
                    bl,
                    repeats=repeats,
                    target_s=target_s,
                    clock=args.clock,
                    settle_s=args.settle if t > 1 else 0.0,
                )
                f = flops(case)
                row = dict(
                    shape=case["name"],
                    op=case["op"],
                    kind=case["kind"],
                    threads=t,
                    dlcore=f / r["dlcore"]["s"] / 1e9,
                    err=r["dlcore"]["err"],
                    pct_probe=100.0 * f / r["dlcore"]["s"] / 1e9 / probe,
                )
                for lib in harness.BASELINE_LIBS:
                    if lib in r:
                        row[lib] = f / r[lib]["s"] / 1e9
                        row[f"x_{lib}"] = r[lib]["s"] / r["dlcore"]["s"]
                        row[f"x_{lib}_best"] = r[lib]["s_min"] / r["dlcore"]["s_min"]
                        row[f"x_{lib}_paired"] = harness.paired_ratio(r, lib)
                        row[f"err_{lib}"] = r[lib]["err"]
                if "dlcore_1t" in r:  # same run, same clock
                    row["dlcore_1t"] = f / r["dlcore_1t"]["s"] / 1e9
                    row["x_1t"] = r["dlcore_1t"]["s"] / r["dlcore"]["s"]
                row["samples_s"] = {lib: r[lib]["samples"] for lib in r}
                rows.append(row)
                base = "".join(
                    f"  {lib} {row[lib]:7.1f} (x{row['x_' + lib]:.2f})"
                    for lib in harness.BASELINE_LIBS
                    if lib in row
                )
                print(
                    f"  {case['name']:>16} {case['op']} t={t}: dlcore {row['dlcore']:7.1f}{base}"
                    f"  {row['pct_probe']:5.1f}% probe  err {row['err']:.1e}",
                    file=sys.stderr,
                    flush=True,
                )
            results["rows"].extend(rows)
        print()
        clock = harness.pick_clock(args.clock, t)
        print(
            f"### gemm float32, {t} thread{'s' if t > 1 else ''} (FMA probe {probe:.1f} GFLOP/s, "
            f"{'thread CPU time' if clock == 'cpu' else 'wall time'}, median of {repeats}; "
            f"'best': fastest sample against fastest sample; 'paired': median over rounds of "
            f"the ratio within the round)"
        )
        print()
        print(harness.markdown_table(rows, table_columns(t)), flush=True)
    if args.json:
        harness.write_json(args.json, results)
    return 0


def table_columns(threads):
    cols = [
        ("shape", "M x K x N", None),
        ("op", "op", None),
        ("dlcore", "dlcore GFLOP/s", ".1f"),
        ("numpy", "numpy GFLOP/s", ".1f"),
        ("torch", "torch GFLOP/s", ".1f"),
        ("x_numpy", "x numpy", ".2f"),
        ("x_torch", "x torch", ".2f"),
        ("x_numpy_best", "x numpy (best)", ".2f"),
        ("x_numpy_paired", "x numpy (paired)", ".2f"),
        ("pct_probe", "% probe", ".0f"),
    ]
    if threads > 1:
        cols.append(("dlcore_1t", "dlcore 1t GFLOP/s", ".1f"))
        cols.append(("x_1t", "x dlcore 1t", ".2f"))
    cols.append(("err", "max rel err", ".1e"))
    return cols
