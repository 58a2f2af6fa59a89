"""`dlcore bench optim` (or `python -m dlcore.bench.optim`): fused optimizer steps against the
bandwidth floor measured in the same run and against torch.optim (fused, foreach, for-loop).

Table 1, one large tensor (16M and 1M float32 parameters): time per step, effective GB/s
(bytes moved per step / time: SGD 12, momentum/Adagrad/RMSprop 20, RMSprop centered 24,
Adam/AdamW 28 bytes per parameter), the floor (instruments.stream_probe with the same read/write
streams and bytes, run on the optimizer's own buffers so that page placement is the same),
the ratio to it, and torch fused / foreach time over dlcore time.
Table 2, 100 tensors of 1024: time per step of dlcore (one kernel call over the flat buffer)
vs torch fused, foreach and the for-loop default.

Timing: at 1 thread torch runs in this process (torch.set_num_threads(1): no pool can fight
dlcore's, and page placement is the same for both); at 2 threads in worker processes (one per
implementation, thread pools limited to the same count). Samples alternate dlcore, floor,
fused, foreach, for-loop, and the median of >= 5 samples is reported. At 1 thread the clock is
the calling thread's CPU time (robust to other processes on a shared machine), at 2 threads wall
time. Every row also checks dlcore's result against a float64 numpy reference (max relative
error, 3 steps).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

OPTS = {  # name: (dlcore/torch class, kwargs, bytes per param, read-write streams incl. param)
    "SGD": ("SGD", dict(lr=1e-3), 12, 1),
    "SGD momentum": ("SGD", dict(lr=1e-3, momentum=0.9), 20, 2),
    "Adagrad": ("Adagrad", dict(lr=1e-2), 20, 2),
    "RMSprop": ("RMSprop", dict(lr=1e-3), 20, 2),
    "RMSprop centered": ("RMSprop", dict(lr=1e-3, centered=True), 24, 3),
    "Adam": ("Adam", dict(lr=1e-3), 28, 3),
    "AdamW": ("AdamW", dict(lr=1e-3, weight_decay=1e-2), 28, 3),
}
TORCH_VARIANTS = ("fused", "foreach", "forloop")
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}


# ---- timing ------------------------------------------------------------------------------------


def _inner(fn, target_s):
    fn()
    t0 = time.perf_counter()
    fn()
    return max(1, int(target_s / max(time.perf_counter() - t0, 1e-7)))


def _sample(fn, inner, clock):
    now = CLOCKS[clock]
    t0 = now()
    for _ in range(inner):
        fn()
    return (now() - t0) / inner


def _tensors(n, count, seed=0):
    """Parameters ~ N(0, 1) and positive gradients ~ |N(0, 1e-6)| (positive so that the floor
    probe, which adds the gradient to every state buffer, keeps second moments positive)."""
    rng = np.random.default_rng(seed)
    per = n // count
    return (
        [rng.standard_normal(per).astype(np.float32) for _ in range(count)],
        [np.abs(rng.standard_normal(per)).astype(np.float32) * 1e-3 for _ in range(count)],
    )


def torch_step(variant, opt, n, count):
    """A torch.optim step function over `count` tensors of n // count float32, or None when
    this variant does not exist for this optimizer (RMSprop has no fused CPU kernel)."""
    import torch

    cls, kw, _, _ = OPTS[opt]
    if variant == "fused" and cls == "RMSprop":
        return None
    ps, gs = _tensors(n, count)
    params = [torch.tensor(p, requires_grad=True) for p in ps]
    for p, g in zip(params, gs):
        p.grad = torch.tensor(g)
    flag = {"fused": dict(fused=True), "foreach": dict(foreach=True), "forloop": dict(foreach=False)}[variant]
    o = getattr(torch.optim, cls)(params, **kw, **flag)
    return o.step


def dlcore_step(opt, n, count):
    from dlcore import nn, optim
    from dlcore.tensor import Tensor

    cls, kw, _, _ = OPTS[opt]
    ps, gs = _tensors(n, count)
    params = [nn.Parameter(Tensor(p)) for p in ps]
    o = getattr(optim, cls)(params, **kw)
    for p, g in zip(params, gs):
        p.grad.data[...] = g
    return o.step, o


def floor_step(o):
    """The bandwidth floor on the optimizer's own memory: stream_probe reads its flat gradient
    and reads+writes its flat parameters and state buffers (same streams, bytes and pages)."""
    from dlcore import backend

    o.step()  # creates the state buffers
    flat, state = o._flat[0], o.state[0]
    rw = [flat["data"]] + [v for v in state.values() if isinstance(v, np.ndarray)]
    grad = flat["grad"]
    return lambda: backend.instruments.stream_probe(rw, grad)


def check_dlcore(opt, n=100_003, steps=3):
    """Max relative error of dlcore's step against dlcore.reference.optimizer_ref (float64)."""
    from dlcore import reference

    cls, kw, _, _ = OPTS[opt]
    step, o = dlcore_step(opt, n, 1)
    p = o.param_groups[0]["params"][0]
    ref = p.data.astype(np.float64)
    g = p.grad.data.astype(np.float64)
    st = {}
    for _ in range(steps):
        step()
        reference.optimizer_ref(cls, ref, g, st, **kw)
    return float(np.abs(p.data - ref).max() / np.abs(ref).max())


# ---- torch worker processes --------------------------------------------------------------------


class Worker:
    def __init__(self, variant, threads):
        env = dict(os.environ)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dlcore.bench.optim", "--worker", variant, str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            bufsize=1,
            cwd=root,
        )  # import this same dlcore
        hello = self._read()
        self.ok, self.version = hello.get("ok", False), hello.get("version")

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("benchmark worker exited")
        return json.loads(line)

    def request(self, **msg):
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)


class InProcess:
    """The Worker protocol served in this process: at 1 thread torch's pool is limited to one
    thread and cannot fight dlcore's, and both libraries' buffers come from the same process
    (page placement differs between processes on this machine by up to 1.4x)."""

    def __init__(self, variant, threads):
        self.variant, self.fn, self.inner, self.clock = variant, None, 0, "cpu"
        try:
            import torch

            torch.set_num_threads(threads)
            self.ok, self.version = True, torch.__version__
        except ImportError:
            self.ok, self.version = False, None

    def request(self, op, **msg):
        if op == "setup":
            self.fn = None
            self.fn = torch_step(self.variant, msg["opt"], msg["n"], msg["count"])
            self.clock = msg["clock"]
            self.inner = _inner(self.fn, msg["target_s"]) if self.fn is not None else 0
            return {"available": self.fn is not None, "inner": self.inner}
        return {"s": _sample(self.fn, self.inner, self.clock)}

    def close(self):
        self.fn = None


def _worker_main(variant, threads):
    threads = int(threads)
    try:
        from threadpoolctl import threadpool_limits

        _limit = threadpool_limits(threads)
    except ImportError:
        pass
    try:
        import torch

        torch.set_num_threads(threads)
        print(json.dumps({"ok": True, "version": torch.__version__}), flush=True)
    except Exception as e:  # noqa: BLE001  (the handshake always answers: torch missing or broken -> n/a)
        print(json.dumps({"ok": False, "error": str(e)}), flush=True)
        return
    fn, inner, clock = None, 1, "wall"
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["op"] == "quit":
            return
        if msg["op"] == "setup":
            fn = None
            fn = torch_step(variant, msg["opt"], msg["n"], msg["count"])
            clock = msg["clock"]
            inner = _inner(fn, msg["target_s"]) if fn is not None else 0
            print(json.dumps({"available": fn is not None, "inner": inner}), flush=True)
        elif msg["op"] == "sample":
            print(json.dumps({"s": _sample(fn, inner, clock)}), flush=True)


# ---- the benchmark -----------------------------------------------------------------------------


def measure(opt, n, count, threads, workers, repeats, target_s, with_floor):
    from dlcore import backend

    backend.set_num_threads(threads)
    clock = "cpu" if threads == 1 else "wall"
    step, o = dlcore_step(opt, n, count)
    fns = {"dlcore": (step, _inner(step, target_s))}
    if with_floor:
        fl = floor_step(o)
        fns["floor"] = (fl, _inner(fl, target_s))
    live = {}
    for v, w in workers.items():
        if w.ok:
            r = w.request(op="setup", opt=opt, n=n, count=count, clock=clock, target_s=target_s)
            if r["available"]:
                live[v] = w
    times = {k: [] for k in list(fns) + list(live)}
    for _ in range(repeats):
        for k, (fn, inner) in fns.items():
            times[k].append(_sample(fn, inner, clock))
        for v, w in live.items():
            times[v].append(w.request(op="sample")["s"])
    del step, fns, o
    return {k: statistics.median(v) for k, v in times.items()}


def machine():
    from dlcore import backend

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs, dlcore ISA {backend.active_isa()}, "
        f"{backend.info()['compiler']}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )


def _fmt(x, unit=1e3, nd=2):
    return "n/a" if x is None else f"{x * unit:.{nd}f}"


def _ratio(a, b):
    return "n/a" if a is None or b is None else f"{a / b:.2f}"


def run(args) -> int:
    threads = args.threads
    repeats = max(5, args.repeats or 7)
    sizes = [1 << 20] if args.quick else [1 << 24, 1 << 20]
    opts = ["SGD", "Adam"] if args.quick else list(OPTS)
    results = {"machine": machine(), "large": [], "many": []}
    print(f"# dlcore bench optim\n\nMachine: {results['machine']}\n")
    for t in threads:
        kind = InProcess if t == 1 else Worker
        workers = {} if args.no_baselines else {v: kind(v, t) for v in TORCH_VARIANTS}
        try:
            lines = [
                f"## One tensor, {t} thread{'s' if t > 1 else ''}\n",
                "| optimizer | params | dlcore ms | GB/s | floor ms | dlcore/floor | "
                "torch fused / dlcore | torch foreach / dlcore | max rel err |",
                "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            ]
            print("\n".join(lines), flush=True)
            for n in sizes:
                for opt in opts:
                    m = measure(opt, n, 1, t, workers, repeats, 0.05, True)
                    err = check_dlcore(opt)
                    gbs = OPTS[opt][2] * n / m["dlcore"] / 1e9
                    row = dict(threads=t, opt=opt, n=n, err=err, gbs=gbs, **m)
                    results["large"].append(row)
                    print(
                        f"| {opt} | {n >> 20}M | {_fmt(m['dlcore'])} | {gbs:.1f} | "
                        f"{_fmt(m['floor'])} | {m['dlcore'] / m['floor']:.3f} | "
                        f"{_ratio(m.get('fused'), m['dlcore'])} | "
                        f"{_ratio(m.get('foreach'), m['dlcore'])} | {err:.1e} |",
                        flush=True,
                    )
            lines = [
                f"\n## 100 tensors x 1024, {t} thread{'s' if t > 1 else ''}\n",
                "| optimizer | dlcore us | torch fused us | foreach us | for-loop us | "
                "fused / dlcore | for-loop / dlcore |",
                "| --- | --- | --- | --- | --- | --- | --- |",
            ]
            print("\n".join(lines), flush=True)
            for opt in opts:
                m = measure(opt, 100 * 1024, 100, t, workers, repeats, 0.02, False)
                results["many"].append(dict(threads=t, opt=opt, **m))
                print(
                    f"| {opt} | {_fmt(m['dlcore'], 1e6, 1)} | {_fmt(m.get('fused'), 1e6, 1)} | "
                    f"{_fmt(m.get('foreach'), 1e6, 1)} | {_fmt(m.get('forloop'), 1e6, 1)} | "
                    f"{_ratio(m.get('fused'), m['dlcore'])} | "
                    f"{_ratio(m.get('forloop'), m['dlcore'])} |",
                    flush=True,
                )
            print()
        finally:
            for w in workers.values():
                w.close()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Suite options (none beyond the common ones)."""


def _parser():
    p = argparse.ArgumentParser(prog="dlcore bench optim", description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--json", metavar="FILE")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, default=None)
    p.add_argument("--no-baselines", action="store_true")
    return p


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker_main(sys.argv[2], sys.argv[3])
    else:
        sys.exit(run(_parser().parse_args()))
