"""Before/after gemm timing of several builds of dlcore._C, each in its own worker process.

    python bench/compare_builds.py OLD.so NEW.so [--shapes MxKxN[:op] ...] [--rounds 30]
                                   [--threads 1]

dlcore must be importable (installed, or `PYTHONPATH=.` in a dev tree) for its operands.

Every build (copy `dlcore/_C*.so` aside before rebuilding) and numpy (OpenBLAS, limited to the
same thread count) run in a worker process of their own (`harness.Worker`; a build's worker
loads it as dlcore._C before dlcore is imported and checks that it did: two builds loaded
into one process share pybind11's `dlcore._C.cpu` submodule, so both would run the first
one's code). The workers are timed in rounds, one sample each per round, back to back, while
the others wait on a pipe, so slow spells of a shared machine hit all of them alike. A sample
is the thread's CPU time at 1 thread and wall time above 1; with --threads above 1, each
sample follows 0.25 s of idle time, so that no thread pool still spins from the previous
sample (as `dlcore bench gemm` does).
Reported per build: GFLOP/s of its fastest sample, that against numpy's fastest ("best"), and
the median over rounds of numpy time / build time within the round ("paired"). op is NN, NT,
TN or TT (the operands of `dlcore bench gemm`: transposed storage passed as a view).
"""
import argparse
import os
import statistics
import sys
import time

from dlcore.bench import harness

SHAPES = ("256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048",
          "64x784x128", "256x2048x512", "3200x256x2048", "64x512x2048")


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
    names = {os.path.basename(path): os.path.abspath(path) for path in args.builds}
    if len(names) != len(args.builds):
        p.error("builds need distinct file names")
    workers = {"numpy": harness.Worker("numpy", args.threads)}
    workers.update({name: harness.Worker("dlcore", args.threads, build=path)
                    for name, path in names.items()})
    clock = harness.pick_clock("auto", args.threads)
    settle = 0.25 if args.threads > 1 else 0.0
    print(f"# {args.threads} thread(s), {args.rounds} rounds, "
          f"{'thread CPU time' if clock == 'cpu' else 'wall time'}, one process per library; "
          f"per build: best GFLOP/s, x numpy (best), x numpy (paired median)", flush=True)
    try:
        for name, w in workers.items():
            if not w.available:
                raise SystemExit(f"{name}: {w.note}")
        for text in args.shapes:
            m, k, n, op = parse_shape(text)
            case = dict(m=m, k=k, n=n, ta=op[0] == "T", tb=op[1] == "T")
            for name, w in workers.items():
                err = w.request(op="setup", suite="dlcore.bench.gemm", case=case,
                                target_s=args.sample_s, warmup=1, clock=clock)["err"]
                if err > 1e-4:  # a wrong result is an error, not a timing
                    raise SystemExit(f"{name}: {text} is off the float64 reference by {err:.1e}")
            times = {name: [] for name in workers}
            for _ in range(args.rounds):
                for name, w in workers.items():
                    if settle:
                        time.sleep(settle)
                    times[name].append(w.request(op="sample")["s"])
            flops = 2.0 * m * n * k
            best = {name: min(ts) for name, ts in times.items()}
            cells = [f"numpy {flops / best['numpy'] / 1e9:.1f}"]
            for name in names:
                paired = statistics.median(tn / tb for tn, tb in zip(times["numpy"], times[name]))
                cells.append(f"{name} {flops / best[name] / 1e9:.1f} "
                             f"x{best['numpy'] / best[name]:.2f} x{paired:.2f}")
            print(f"{m}x{k}x{n} {op}: " + " | ".join(cells), flush=True)
    finally:
        for w in workers.values():
            w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
