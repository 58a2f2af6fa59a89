"""In-process sweep of gemm blocking overrides (`backend.instruments.gemm_tune`) on one machine, 1 thread.

For each shape, every configuration and numpy (its pool limited to 1 thread) are timed once per
round, back to back, on the thread's CPU clock; printed per configuration: GFLOP/s of the
fastest sample, the median over rounds of the within-round ratio to the default blocking
("x default") and to numpy ("x numpy"). Also prints the micro-kernel's rate on cached slivers
(`gemm_kernel_peak`) at several depths against the FMA probe. For choosing blocking on a CPU
the defaults were not measured on (e.g. an AVX-512 host); the defaults change only with a
before/after table in BENCHMARKS.md.

    python3 bench/scripts/gemm_sweep.py --shapes 1024x1024x1024:TN 2048x2048x2048 \\
        --configs '{}' '{"fused_rows": 0}' '{"kc": 384}' --rounds 7
"""

import argparse
import functools
import json
import statistics

import numpy as np

from dlcore.bench import gemm as gemm_suite
from dlcore.bench import harness


def parse_shape(spec):
    """'MxKxN[:OP]' -> a case of dlcore.bench.gemm (OP in NN NT TN TT, default NN)."""
    dims, _, op = spec.partition(":")
    m, k, n = map(int, dims.split("x"))
    op = op or "NN"
    return dict(m=m, k=k, n=n, ta=op[0] == "T", tb=op[1] == "T")


def tuned(tools, tune, run):
    """Set the gemm blocking `tune` (gemm_tune keywords) and return the callable `run`."""
    tools.gemm_tune(**tune)
    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shapes", nargs="+", required=True, help="MxKxN[:OP], OP in NN NT TN TT")
    ap.add_argument("--configs", nargs="+", default=["{}"], help="gemm_tune keyword JSON")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--peak-k", type=int, nargs="*", default=[], help="gemm_kernel_peak depths")
    args = ap.parse_args()
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    from dlcore import backend

    cpu, tools = backend.cpu, backend.instruments
    backend.set_num_threads(1)
    configs = [json.loads(c) for c in args.configs]
    if configs[0]:
        configs.insert(0, {})
    print(f"# isa {backend.active_isa()}, blocking {tools.gemm_info()['float32']}")
    if args.peak_k:
        probe = harness.fma_probe(1, 0.2)
        peaks = {k: harness.kernel_peak(k, 0.2, tries=2) for k in args.peak_k}
        print(
            "# kernel on cached slivers, GFLOP/s (share of the probe): "
            + ", ".join(f"k={k} {g:.1f} ({100 * g / probe:.0f}%)" for k, g in peaks.items())
            + f"; FMA probe {probe:.1f}"
        )
    for spec in args.shapes:
        case = parse_shape(spec)
        a, b, out = gemm_suite.operands(case)
        flop = gemm_suite.flops(case)

        # run i: configs[i] through dlcore (set before its samples), the last one numpy
        runs = [functools.partial(cpu.gemm, a, b, out)] * len(configs)
        runs.append(functools.partial(np.matmul, a, b, out=out))
        tunes = configs + [{}]
        inner = [harness.calibrate(tuned(tools, t, r), 0.05) for t, r in zip(tunes, runs)]
        samples = [[] for _ in runs]
        for _ in range(args.rounds):
            for i in range(len(runs)):
                samples[i].append(harness.sample(tuned(tools, tunes[i], runs[i]), inner[i], "cpu"))
        tools.gemm_tune()
        print(f"\n{spec}: numpy {flop / min(samples[-1]) / 1e9:.1f} GFLOP/s")
        for i, c in enumerate(configs):
            x_def = statistics.median(d / s for d, s in zip(samples[0], samples[i]))
            x_np = statistics.median(p / s for p, s in zip(samples[-1], samples[i]))
            print(
                f"  {json.dumps(c):44s} {flop / min(samples[i]) / 1e9:7.1f} GFLOP/s  "
                f"x default {x_def:.3f}  x numpy {x_np:.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
