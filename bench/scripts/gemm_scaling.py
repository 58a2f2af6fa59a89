"""dlcore's gemm at 1 and 2 threads, per-call wall time, in one process (no baselines).

For each square size, blocks of back-to-back calls alternate between 1 and 2 threads; printed:
the fastest and the median per-call time of each thread count and their ratios (1t / 2t). The
fastest calls show what the split can reach when both cores run; the medians add the other
vCPU's load, worker wake-ups and calls that the thread gate sent to one thread.

    python3 bench/scripts/gemm_scaling.py --sizes 256 512 1024 --rounds 21
"""

import argparse
import json
import statistics
import time

from dlcore import backend
from dlcore.bench import gemm as gemm_suite


def block(a, b, c, calls):
    """Per-call wall times (s) of `calls` back-to-back products."""
    out = []
    for _ in range(calls):
        t0 = time.perf_counter()
        backend.cpu.gemm(a, b, c)
        out.append(time.perf_counter() - t0)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512, 1024])
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--block-s", type=float, default=0.02, help="seconds per block of calls")
    ap.add_argument(
        "--tune",
        default="{}",
        help="gemm_tune keyword JSON, e.g. '{\"thread_gate\": 0}' or '{\"avx512_twin\": true}'",
    )
    args = ap.parse_args()
    backend.instruments.gemm_tune(**json.loads(args.tune))
    budget = backend.get_num_threads()
    kernel = backend.instruments.gemm_info()["float32"]["kernel"]
    print(f"# {kernel}, thread budget {budget}, tune {args.tune}")
    print(
        "| n | 1t fastest ms | 2t fastest ms | fastest 1t/2t | 1t median ms | 2t median ms | median 1t/2t |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    try:
        for n in args.sizes:
            a, b, c = gemm_suite.operands(dict(m=n, k=n, n=n, ta=False, tb=False))
            backend.set_num_threads(1)
            calls = max(3, int(args.block_s / min(block(a, b, c, 3))))
            times = {1: [], 2: []}
            for r in range(args.rounds):
                for t in (1, 2) if r % 2 == 0 else (2, 1):
                    backend.set_num_threads(t)
                    times[t] += block(a, b, c, calls)
            f1, f2 = min(times[1]), min(times[2])
            m1, m2 = statistics.median(times[1]), statistics.median(times[2])
            print(
                f"| {n} | {1e3 * f1:.3f} | {1e3 * f2:.3f} | {f1 / f2:.2f} | {1e3 * m1:.3f} "
                f"| {1e3 * m2:.3f} | {m1 / m2:.2f} |",
                flush=True,
            )
    finally:
        backend.set_num_threads(budget)
        backend.instruments.gemm_tune()


if __name__ == "__main__":
    main()
