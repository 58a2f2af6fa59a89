"""Before/after gemm timing of several builds of dlcore._C in one process.

    python bench/compare_builds.py OLD.so NEW.so [--shapes MxKxN[:op] ...] [--rounds 30]
                                   [--threads 1]

dlcore must be importable (installed, or `PYTHONPATH=.` in a dev tree) for its operands.

Each build's extension file is loaded under its own path (copy `dlcore/_C*.so` aside before
rebuilding). numpy (OpenBLAS, limited to the same thread count) and every build are timed in
rounds, one sample each per round back to back, so slow spells of a shared machine hit all of
them alike. With --threads above 1, each sample follows 0.25 s of idle time, so that no thread
pool still spins from the previous sample (as `dlcore bench gemm` does).
Reported per build: GFLOP/s of its fastest sample, that against numpy's fastest ("best"), and
the median over rounds of numpy time / build time within the round ("paired"). op is NN, NT,
TN or TT (the operands of `dlcore bench gemm`: transposed storage passed as a view).
"""
import argparse
import importlib.machinery
import importlib.util
import os
import statistics
import sys
import time

import numpy as np

from dlcore.bench.gemm import operands

SHAPES = ("256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048",
          "64x784x128", "256x2048x512", "3200x256x2048", "64x512x2048")


def load_build(path, threads):
    """The module in extension file `path`, loaded as dlcore._C under its own path."""
    sys.modules.pop("dlcore._C", None)
    loader = importlib.machinery.ExtensionFileLoader("dlcore._C", path)
    spec = importlib.util.spec_from_file_location("dlcore._C", path, loader=loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    mod.cpu.set_num_threads(threads)
    return mod


def parse_shape(text):
    dims, _, op = text.partition(":")
    m, k, n = (int(x) for x in dims.split("x"))
    op = op or "NN"
    if len(op) != 2 or set(op) - {"N", "T"}:
        raise ValueError(f"shape {text!r}: op must be NN, NT, TN or TT")
    return m, k, n, op


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("builds", nargs="+", help="extension files (_C*.so) to compare")
    p.add_argument("--shapes", nargs="+", default=SHAPES)
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--sample-s", type=float, default=0.04, help="target seconds per sample")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    from threadpoolctl import threadpool_limits
    threadpool_limits(args.threads)
    builds = {os.path.basename(path): load_build(os.path.abspath(path), args.threads)
              for path in args.builds}
    settle = 0.25 if args.threads > 1 else 0.0
    print(f"# {args.threads} thread(s), {args.rounds} rounds; per build: best GFLOP/s, "
          f"x numpy (best), x numpy (paired median)")
    for text in args.shapes:
        m, k, n, op = parse_shape(text)
        a, b, out = operands(dict(m=m, k=k, n=n, ta=op[0] == "T", tb=op[1] == "T"))
        flops = 2.0 * m * n * k
        calls = {"numpy": lambda: np.matmul(a, b, out=out)}
        for name, mod in builds.items():
            calls[name] = lambda g=mod.cpu.gemm: g(a, b, out)
        np.matmul(a, b, out=out)
        ref = out.copy()
        for name, fn in calls.items():  # a wrong result is an error, not a timing
            fn()
            err = float(np.abs(out - ref).max() / max(np.abs(ref).max(), 1e-30))
            if err > 1e-4:
                raise SystemExit(f"{name}: {m}x{k}x{n} {op} differs from numpy by {err:.1e}")
        t0 = time.perf_counter()
        calls["numpy"]()
        inner = max(1, int(args.sample_s / max(time.perf_counter() - t0, 1e-7)))
        times = {name: [] for name in calls}
        for _ in range(args.rounds):
            for name, fn in calls.items():
                if settle:
                    time.sleep(settle)
                t0 = time.perf_counter()
                for _ in range(inner):
                    fn()
                times[name].append((time.perf_counter() - t0) / inner)
        best = {name: min(ts) for name, ts in times.items()}
        cells = [f"numpy {flops / best['numpy'] / 1e9:.1f}"]
        for name in builds:
            paired = statistics.median(tn / tb for tn, tb in zip(times["numpy"], times[name]))
            cells.append(f"{name} {flops / best[name] / 1e9:.1f} "
                         f"x{best['numpy'] / best[name]:.2f} x{paired:.2f}")
        print(f"{m}x{k}x{n} {op}: " + " | ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
