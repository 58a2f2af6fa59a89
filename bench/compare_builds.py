"""Before/after timing of builds of dlcore, each in its own worker process, paired round by round.

    python bench/compare_builds.py BEFORE.so[@TREE] AFTER.so[@TREE] [--gemm MxKxN[:op] ...]
                                   [--optim NAME:N ...] [--rounds 21] [--threads 1]

A build is an extension file (`dlcore/_C*.so`, copied aside before rebuilding) and, after `@`,
the source tree whose Python package runs with it (default: this tree). A build of another
commit needs its own tree (`git archive COMMIT dlcore | tar -x -C DIR`): the Python layer
changes with the extension's layout. Each worker loads its extension as dlcore._C before
importing dlcore from its tree and checks that it did (two builds in one process would share
pybind11's submodules and both run the first one's code).

Cases run the same public calls on both: gemm is `backend.cpu.gemm(a, b, out)` on float32
operands (op NN/NT/TN/TT: transposed storage passed as a view); an optimizer case is one
`optim.<Name>.step()` over N float32 parameters in one tensor, gradient set; a step case
(BxI-H-...-O) is one training step of an MLP (Linear/ReLU, cross-entropy, backward, SGD with
momentum) on a float32 batch of B; an add case (N) is `a + b` on two float32 tensors of N
elements (the Python layer's cost per op). The workers are
timed in rounds, one sample each per round, back to back, so slow spells of a shared machine
hit all of them alike. A sample is the calling thread's CPU time at 1 thread, wall time above.
Reported per case: each build's fastest and median microseconds per call, and the median over
rounds of before time / after time within the round ("paired", > 1: the later build is faster).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GEMM = (
    "64x64x64",
    "256x256x256",
    "512x512x512",
    "1024x1024x1024",
    "64x784x128",
    "256x2048x512",
    "1024x1024x1024:TN",
    "32x784x10",
)
OPTIM = (
    "sgd:1000",
    "sgd_momentum:1000000",
    "adam:1000",
    "adam:1000000",
    "adamw:1000000",
    "adagrad:1000000",
    "rmsprop:1000000",
)
STEP = ("64x64-128-10", "256x784-256-10")
ADD = ("4",)

_WORKER = r"""
import importlib.machinery, importlib.util, json, os, sys, time
so, tree, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, tree)
loader = importlib.machinery.ExtensionFileLoader("dlcore._C", so)
spec = importlib.util.spec_from_file_location("dlcore._C", so, loader=loader)
sys.modules["dlcore._C"] = mod = importlib.util.module_from_spec(spec)
loader.exec_module(mod)
import numpy as np
import dlcore
from dlcore import backend, nn, optim
from dlcore.tensor import Tensor
assert os.path.realpath(sys.modules["dlcore._C"].__file__) == os.path.realpath(so)
assert os.path.realpath(dlcore.__file__).startswith(os.path.realpath(tree))
dlcore.set_num_threads(threads)
clock = time.thread_time if threads == 1 else time.perf_counter
OPTS = {"sgd": ("SGD", dict(lr=0.01)), "sgd_momentum": ("SGD", dict(lr=0.01, momentum=0.9)),
        "adam": ("Adam", dict(lr=1e-3)), "adamw": ("AdamW", dict(lr=1e-3)),
        "adagrad": ("Adagrad", dict(lr=0.01)), "rmsprop": ("RMSprop", dict(lr=0.01))}

def make(case):
    rng = np.random.default_rng(0)
    kind, _, spec = case.partition(" ")
    if kind == "gemm":
        dims, _, op = spec.partition(":")
        m, k, n = (int(x) for x in dims.split("x"))
        op = op or "NN"
        a = rng.standard_normal((k, m) if op[0] == "T" else (m, k)).astype(np.float32)
        b = rng.standard_normal((n, k) if op[1] == "T" else (k, n)).astype(np.float32)
        a, b = (a.T if op[0] == "T" else a), (b.T if op[1] == "T" else b)
        out = np.empty((m, n), np.float32)
        gemm = backend.cpu.gemm
        return lambda: gemm(a, b, out)
    if kind == "step":
        batch, _, dims = spec.partition("x")
        sizes = [int(d) for d in dims.split("-")]
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
            layers += [nn.Linear(fan_in, fan_out)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
        model, loss_fn = nn.Sequential(*layers), nn.CrossEntropyLoss()
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = Tensor(rng.standard_normal((int(batch), sizes[0])).astype(np.float32))
        y = Tensor(rng.integers(0, sizes[-1], int(batch)))
        def step():
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        return step
    if kind == "add":
        a, b = (Tensor(rng.standard_normal(int(spec)).astype(np.float32)) for _ in range(2))
        return lambda: a + b
    name, _, count = spec.partition(":")
    cls, kw = OPTS[name]
    p = nn.Parameter(Tensor(rng.standard_normal(int(count)).astype(np.float32)))
    o = getattr(optim, cls)([p], **kw)
    p.grad = Tensor(rng.standard_normal(int(count)).astype(np.float32) * 1e-3)
    o.step()
    return o.step

def sample(fn, inner):
    t0 = clock()
    for _ in range(inner):
        fn()
    return (clock() - t0) / inner

print(json.dumps({"ok": True}), flush=True)
fn, inner = None, 1
for line in sys.stdin:
    msg = json.loads(line)
    if msg["op"] == "quit":
        break
    if msg["op"] == "setup":
        fn, inner = make(msg["case"]), 1
        while sample(fn, inner) * inner < msg["target_s"] and inner < 1 << 20:
            inner *= 2
        sample(fn, inner)
        print(json.dumps({"inner": inner}), flush=True)
    else:
        print(json.dumps({"s": sample(fn, inner)}), flush=True)
"""


class Worker:
    """One build in a child process: setup(case), then sample() -> seconds per call."""

    def __init__(self, so, tree, threads):
        env = dict(os.environ)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
        env.pop("PYTHONPATH", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER, so, tree, str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            cwd=tree,
            env=env,
        )
        self._read()

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("a benchmark worker exited (see its traceback above)")
        return json.loads(line)

    def request(self, **msg):
        self.proc.stdin.write(json.dumps(msg) + "\n")
        return self._read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("builds", nargs="+", help="BUILD.so[@TREE], the first is 'before'")
    p.add_argument("--gemm", nargs="*", default=GEMM, help="MxKxN[:op] shapes")
    p.add_argument("--optim", nargs="*", default=OPTIM, help="NAME:N optimizer cases")
    p.add_argument("--step", nargs="*", default=STEP, help="BxI-H-...-O MLP training-step cases")
    p.add_argument("--add", nargs="*", default=ADD, help="N: a + b on float32 tensors of N elements")
    p.add_argument("--rounds", type=int, default=21)
    p.add_argument("--sample-s", type=float, default=0.03, help="target seconds per sample")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    builds = []
    for text in args.builds:
        so, _, tree = text.partition("@")
        builds.append((os.path.abspath(so), os.path.abspath(tree or HERE)))
    names = [f"b{i}" for i in range(len(builds))]
    workers = [Worker(so, tree, args.threads) for so, tree in builds]
    cases = [f"gemm {s}" for s in args.gemm] + [f"optim {s}" for s in args.optim]
    cases += [f"step {s}" for s in args.step] + [f"add {s}" for s in args.add]
    print(
        f"# {args.threads} thread(s), {args.rounds} rounds, "
        f"{'thread CPU time' if args.threads == 1 else 'wall time'}"
    )
    for name, (so, tree) in zip(names, builds):
        print(f"# {name}: {so} with the Python tree {tree}")
    head = " | ".join(f"{n} us (fastest / median)" for n in names)
    pairs = " | ".join(f"{names[0]}/{n} paired" for n in names[1:])
    print(f"| case | {head} | {pairs} |")
    print("|---" * (1 + 2 * len(names) - 1) + "|")
    try:
        for case in cases:
            for w in workers:
                w.request(op="setup", case=case, target_s=args.sample_s)
            times = [[] for _ in workers]
            for r in range(args.rounds):
                order = list(range(len(workers)))
                order = order[r % len(order) :] + order[: r % len(order)]
                for i in order:
                    times[i].append(workers[i].request(op="sample")["s"])
            cells = [f"{min(t) * 1e6:.1f} / {statistics.median(t) * 1e6:.1f}" for t in times]
            ratios = [f"{statistics.median(a / b for a, b in zip(times[0], t)):.3f}" for t in times[1:]]
            print(f"| {case} | " + " | ".join(cells + ratios) + " |", flush=True)
    finally:
        for w in workers:
            w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
