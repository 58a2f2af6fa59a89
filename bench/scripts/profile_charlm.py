"""Where one train-charlm epoch of dlcore spends its time (dlcore/bench/train_charlm.py's model,
batches and optimizer): per training step, the dlcore kernels (each _C function), numpy work
(ufuncs, copies, allocation) and the Python layer (grouped by dlcore module), from cProfile's
own times; plus the unprofiled time per step, so "Python ~ total - kernels - numpy" can be read
without the profiler's overhead on Python calls. At 1 thread every clock is this thread's CPU
time (robust to other processes on a shared machine), else wall time.

    python bench/scripts/profile_charlm.py [--threads 1] [--epochs 3]
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

import dlcore  # noqa: E402
from dlcore.bench import train_charlm as tc  # noqa: E402


def category(key):
    """('kernel', name) / ('numpy', name) / ('python', module) for a pstats key."""
    path, _, name = key
    if path == "~":
        if "dlcore._C" in name:
            return "kernel", name.split("dlcore._C.")[-1].rstrip(">")
        if "numpy" in name:
            return "numpy", name
        return "python", "builtins"
    if "/dlcore/" in path:
        rel = path.split("/dlcore/")[-1]
        return "python", "dlcore/" + rel.rsplit(".py", 1)[0]
    if "/numpy/" in path:
        return "numpy", "numpy (python)"
    return "python", "other"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, default=3)
    args = p.parse_args()
    dlcore.set_num_threads(args.threads)
    x, y, vocab = tc.data()
    fn, _, _ = tc.dlcore_epoch(tc.init_weights(vocab), x, y, vocab)
    steps = -(-len(x) // tc.BATCH) * args.epochs
    fn()  # warm-up
    # 1 thread: this thread's CPU time (robust to other processes); more threads: wall time
    clock = time.thread_time if args.threads == 1 else time.perf_counter
    walls = []
    for _ in range(args.epochs):
        t0 = clock()
        fn()
        walls.append(clock() - t0)
    wall = sorted(walls)[len(walls) // 2] * args.epochs / steps
    prof = cProfile.Profile(clock)
    prof.enable()
    for _ in range(args.epochs):
        fn()
    prof.disable()
    st = pstats.Stats(prof).stats
    by = defaultdict(float)
    calls = defaultdict(int)
    for key, (_, ncalls, tottime, _, _) in st.items():
        cat = category(key)
        by[cat] += tottime
        calls[cat] += ncalls
    profiled = sum(by.values()) / steps
    total = {c: sum(v for (k, _), v in by.items() if k == c) / steps for c in ("kernel", "numpy", "python")}
    print(f"# dlcore train-charlm, {args.threads} thread(s), {steps // args.epochs} steps/epoch")
    kind = "thread CPU" if args.threads == 1 else "wall"
    print(f"# unprofiled {kind} time {wall * 1e3:.2f} ms/step; profiled {profiled * 1e3:.2f} ms/step")
    print()
    print("| part | ms/step (profiled) | share of unprofiled time |")
    print("|---|---|---|")
    for c in ("kernel", "numpy"):
        print(f"| {c} | {total[c] * 1e3:.2f} | {total[c] / wall:.0%} |")
    py = total["python"]
    print(f"| python (profiled, inflated by the profiler) | {py * 1e3:.2f} | {py / wall:.0%} |")
    rest = wall - total["kernel"] - total["numpy"]
    print(f"| python (unprofiled - kernel - numpy) | {rest * 1e3:.2f} | {rest / wall:.0%} |")
    print()
    print("| item | calls/step | ms/step (profiled) |")
    print("|---|---|---|")
    for cat, v in sorted(by.items(), key=lambda kv: -kv[1])[:25]:
        print(f"| {cat[0]}: {cat[1]} | {calls[cat] / steps:.1f} | {v / steps * 1e3:.3f} |")


if __name__ == "__main__":
    main()
