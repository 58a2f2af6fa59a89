"""Before/after gemm timing of several builds of dlcore._C, each in its own worker process.

    python bench/compare_builds.py OLD.so NEW.so [--shapes MxKxN[:op] ...] [--rounds 30]
                                   [--threads 1]

dlcore must be importable (installed, or `PYTHONPATH=.` in a dev tree) for its operands.

Every build (copy `dlcore/_C*.so` aside before rebuilding) and numpy (OpenBLAS, limited to the
same thread count) run in a worker process of their own: a build is loaded as dlcore._C before
dlcore is imported there, and the worker checks that the module it calls came from that file
(two builds loaded into one process share pybind11's `dlcore._C.cpu` submodule, so both would
run the first one's code). The workers are timed in rounds, one sample each per round, back
to back, while the others wait on a pipe, so slow spells of a shared machine hit all of them
alike. A sample is the thread's CPU time at 1 thread and wall time above 1; with --threads
above 1, each sample follows 0.25 s of idle time, so that no thread pool still spins from the
previous sample (as `dlcore bench gemm` does).
Reported per build: GFLOP/s of its fastest sample, that against numpy's fastest ("best"), and
the median over rounds of numpy time / build time within the round ("paired"). op is NN, NT,
TN or TT (the operands of `dlcore bench gemm`: transposed storage passed as a view).
"""
import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time

SHAPES = ("256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048",
          "64x784x128", "256x2048x512", "3200x256x2048", "64x512x2048")


def parse_shape(text):
    dims, _, op = text.partition(":")
    m, k, n = (int(x) for x in dims.split("x"))
    op = op or "NN"
    if len(op) != 2 or set(op) - {"N", "T"}:
        raise ValueError(f"shape {text!r}: op must be NN, NT, TN or TT")
    return m, k, n, op


# ---- worker: one library, commands on stdin, one answer line each on stdout --------------------

def load_build(path):
    """Loads extension file `path` as dlcore._C (before dlcore itself is imported)."""
    import importlib.machinery
    loader = importlib.machinery.ExtensionFileLoader("dlcore._C", path)
    spec = importlib.util.spec_from_file_location("dlcore._C", path, loader=loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    sys.modules["dlcore._C"] = mod
    from dlcore import _C
    if os.path.realpath(_C.__file__) != os.path.realpath(path):
        raise SystemExit(f"worker: dlcore._C is {_C.__file__}, not {path}")
    return mod


def worker(lib, threads):
    from threadpoolctl import threadpool_limits
    if lib != "numpy":
        mod = load_build(lib)
        mod.cpu.set_num_threads(threads)
    import numpy as np
    from dlcore.bench.gemm import operands
    threadpool_limits(threads, user_api="blas")
    clock = time.thread_time if threads == 1 else time.perf_counter
    fn = None
    for line in sys.stdin:
        cmd, *args = line.split()
        if cmd == "shape":
            m, k, n, op = parse_shape(args[0])
            a, b, out = operands(dict(m=m, k=k, n=n, ta=op[0] == "T", tb=op[1] == "T"))
            fn = ((lambda: np.matmul(a, b, out=out)) if lib == "numpy"
                  else (lambda g=mod.cpu.gemm: g(a, b, out)))
            fn()
            ref = np.matmul(a, b)  # a wrong result is an error, not a timing
            reply = float(np.abs(out - ref).max() / max(np.abs(ref).max(), 1e-30))
        elif cmd == "time":
            inner, settle = int(args[0]), float(args[1])
            if settle:
                time.sleep(settle)
            t0 = clock()
            for _ in range(inner):
                fn()
            reply = (clock() - t0) / inner
        else:
            raise SystemExit(f"worker: unknown command {line!r}")
        print(reply, flush=True)


class Worker:
    def __init__(self, lib, threads):
        # the worker (a script, run from bench/) imports the dlcore package this process sees
        spec = importlib.util.find_spec("dlcore")
        if spec is None:
            raise SystemExit("compare_builds: dlcore is not importable (install it, or "
                             "PYTHONPATH=.)")
        top = os.path.dirname(os.path.dirname(spec.origin))
        path = os.pathsep.join(x for x in (top, os.environ.get("PYTHONPATH")) if x)
        env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                   OPENBLAS_NUM_THREADS=str(threads), PYTHONPATH=path)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", lib,
             "--threads", str(threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise SystemExit(f"worker for {line!r} died (exit {self.proc.wait()})")
        return float(answer)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("builds", nargs="*", help="extension files (_C*.so) to compare")
    p.add_argument("--shapes", nargs="+", default=SHAPES)
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--sample-s", type=float, default=0.04, help="target seconds per sample")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.threads)
    if not args.builds:
        p.error("name at least one build")
    names = {os.path.basename(path): os.path.abspath(path) for path in args.builds}
    if len(names) != len(args.builds):
        p.error("builds need distinct file names")
    libs = {"numpy": Worker("numpy", args.threads)}
    libs.update({name: Worker(path, args.threads) for name, path in names.items()})
    settle = 0.25 if args.threads > 1 else 0.0
    clock = "thread CPU time" if args.threads == 1 else "wall time"
    print(f"# {args.threads} thread(s), {args.rounds} rounds, {clock}, one process per library; "
          f"per build: best GFLOP/s, x numpy (best), x numpy (paired median)", flush=True)
    try:
        for text in args.shapes:
            m, k, n, op = parse_shape(text)
            flops = 2.0 * m * n * k
            for name, w in libs.items():
                err = w.ask(f"shape {text}")
                if err > 1e-4:
                    raise SystemExit(f"{name}: {text} differs from numpy by {err:.1e}")
            one = libs["numpy"].ask("time 1 0")
            inner = max(1, int(args.sample_s / max(one, 1e-7)))
            times = {name: [] for name in libs}
            for _ in range(args.rounds):
                for name, w in libs.items():
                    times[name].append(w.ask(f"time {inner} {settle}"))
            best = {name: min(ts) for name, ts in times.items()}
            cells = [f"numpy {flops / best['numpy'] / 1e9:.1f}"]
            for name in names:
                paired = statistics.median(tn / tb for tn, tb in zip(times["numpy"], times[name]))
                cells.append(f"{name} {flops / best[name] / 1e9:.1f} "
                             f"x{best['numpy'] / best[name]:.2f} x{paired:.2f}")
            print(f"{m}x{k}x{n} {op}: " + " | ".join(cells), flush=True)
    finally:
        for w in libs.values():
            w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
