"""Shared benchmark machinery: interleaved timing, baseline libraries in their own processes,
machine description, markdown and JSON output.

Timing: each library's callable is calibrated to a sample of >= `target_s` seconds, warmed up,
then sampled `repeats` times in rotation (dlcore, numpy, torch, dlcore, ...); the median
per-call time is reported. numpy and torch run in separate worker processes (one per library
and thread count, started with *_NUM_THREADS set and limited again inside), so their thread
pools never coexist with dlcore's; dlcore runs in this process with backend.set_num_threads.

Suites provide, for a case dict: `make_call(lib, case, threads) -> (fn, check)` where fn() runs
the timed operation and check() returns its max relative error against a float64 reference.
"""

import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from dlcore.backend import cpu_model

BASELINE_LIBS = ("numpy", "torch")


# ---- machine ---------------------------------------------------------------------------------


def blas_info():
    """numpy's BLAS as threadpoolctl sees it (library, version, kernel architecture)."""
    try:
        import numpy  # noqa: F401
        from threadpoolctl import threadpool_info
    except ImportError:
        return {}
    for lib in threadpool_info():
        if lib.get("user_api") == "blas":
            keys = ("internal_api", "version", "architecture", "threading_layer", "num_threads")
            return {k: lib.get(k) for k in keys}
    return {}


def machine_info():
    from dlcore import backend

    info = {
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "isa_detected": backend.detected_isa(),
        "isa_active": backend.active_isa(),
        "max_threads": backend.get_num_threads(),
        "build": dict(backend.info()),
        "python": platform.python_version(),
        "numpy_blas": blas_info(),
        "env": {
            k: os.environ[k]
            for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS", "DLCORE_ISA")
            if k in os.environ
        },
        "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    try:
        import numpy

        info["numpy"] = numpy.__version__
    except ImportError:
        pass
    try:
        with open("/proc/loadavg") as f:
            info["loadavg"] = f.read().split()[:3]
    except OSError:
        pass
    return info


def machine_line(info):
    blas = info.get("numpy_blas") or {}
    return (
        f"{info['cpu']} ({info['logical_cpus']} logical CPUs), "
        f"dlcore ISA {info['isa_active']}, "
        f"{info['build'].get('compiler', '?')}; numpy {info.get('numpy', '?')} with "
        f"{blas.get('internal_api', '?')} {blas.get('version', '')} "
        f"kernel {blas.get('architecture', '?')}; "
        f"load average at start {' '.join(info.get('loadavg', []))}"
    )


def fma_probe(threads, seconds=0.25, tries=3):
    """Best of `tries` FMA-probe runs on `threads` threads, GFLOP/s."""
    from dlcore import backend

    return max(backend.instruments.fma_probe(seconds, threads) for _ in range(tries))


def kernel_peak(k, seconds=0.25, tries=3, tiles=16):
    """Best of `tries` runs of the gemm micro-kernel on cached data at depth k, GFLOP/s."""
    from dlcore import backend

    return max(backend.instruments.gemm_kernel_peak(k, tiles, seconds) for _ in range(tries))


# ---- timing ----------------------------------------------------------------------------------


def calibrate(fn, target_s, tries=5):
    """Number of back-to-back calls that make one sample last about target_s (fn is warmed).

    Sized from the fastest of `tries` calls: a single call can catch a slow moment (at 2
    threads, the first call after an idle spell wakes the sleeping pool threads, measured here
    at 0.4-8 ms for a 0.1 ms call), and a sample sized from it would be a few calls long and
    measure that wake-up rather than the library."""
    fn()
    one, spent = float("inf"), 0.0
    for i in range(tries):  # at least 2 calls; more while they take under 2 * target_s
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        one, spent = min(one, dt), spent + dt
        if i >= 1 and spent > 2 * target_s:
            break
    return max(1, int(target_s / max(one, 1e-7)))


# "wall": elapsed time. "cpu": CPU time of the calling thread, which excludes time the thread
# spends descheduled by other processes; valid only for single-threaded calls (all three
# libraries at 1 thread compute in the calling thread).
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}


def pick_clock(clock, threads):
    if clock == "auto":
        return "cpu" if threads == 1 else "wall"
    if clock == "cpu" and threads != 1:
        raise ValueError("the cpu clock only measures single-threaded calls")
    return clock


def sample(fn, inner, clock="wall"):
    """Seconds per call over `inner` back-to-back calls."""
    now = CLOCKS[clock]
    t0 = now()
    for _ in range(inner):
        fn()
    return (now() - t0) / inner


def timeit(fn, repeats=5, target_s=0.02, clock="wall"):
    """Median seconds per call of fn (warm-up, then >= 5 samples)."""
    inner = calibrate(fn, target_s)
    return statistics.median(sample(fn, inner, clock) for _ in range(max(5, repeats)))


# ---- baseline worker processes ---------------------------------------------------------------

# The worker of a dlcore build: loads the extension file argv[1] as dlcore._C before dlcore is
# imported (importing dlcore loads the package's own; two builds in one process would share
# pybind11's dlcore._C.cpu submodule and both run the first one's code), then serves as
# _worker_main(lib=argv[2], threads=argv[3]).
_BUILD_WORKER = """
import importlib.machinery, importlib.util, sys
path = sys.argv[1]
loader = importlib.machinery.ExtensionFileLoader("dlcore._C", path)
spec = importlib.util.spec_from_file_location("dlcore._C", path, loader=loader)
sys.modules["dlcore._C"] = mod = importlib.util.module_from_spec(spec)
loader.exec_module(mod)
from dlcore.bench.harness import _worker_main
_worker_main(sys.argv[2], sys.argv[3], path)
"""


class Worker:
    """A child process that times one library at a fixed thread count: a baseline ("numpy",
    "torch"), or with `build` the extension file of a dlcore build ("dlcore"; used by
    bench/compare_builds.py to time several builds side by side).

    Protocol: one JSON object per line. {"op": "setup", "suite", "case"} -> {"inner", "err"};
    {"op": "sample"} -> {"s"}; {"op": "quit"}.
    """

    def __init__(self, lib, threads, build=None):
        self.lib, self.threads = lib, threads
        env = dict(os.environ)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
        pkg_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = pkg_root + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BUILD_WORKER, os.path.abspath(build), lib, str(threads)]
            if build
            else [sys.executable, "-m", "dlcore.bench.harness", "--worker", lib, str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            bufsize=1,
            cwd=pkg_root,
        )  # `-m` puts the cwd first on sys.path: import this same dlcore
        hello = self._read()
        self.version = hello.get("version")
        self.available = hello.get("ok", False)
        self.note = hello.get("error")

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker for {self.lib} exited")
        return json.loads(line)

    def request(self, **msg):
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        reply = self._read()
        if "error" in reply:
            raise RuntimeError(f"{self.lib} worker: {reply['error']}")
        return reply

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()


def _worker_main(lib, threads, build=None):
    threads = int(threads)
    out = sys.stdout
    try:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(threads)  # noqa: F841  (kept for the process lifetime)
    except ImportError:
        pass
    try:
        if build:  # _BUILD_WORKER loaded it as dlcore._C before dlcore was imported
            from dlcore import backend

            if os.path.realpath(backend.extension_file()) != os.path.realpath(build):
                raise RuntimeError(f"dlcore._C is {backend.extension_file()}, not {build}")
            backend.set_num_threads(threads)
            version = build
        elif lib == "torch":
            import torch

            torch.set_num_threads(threads)
            version = torch.__version__
        else:
            import numpy

            version = numpy.__version__
        out.write(json.dumps({"ok": True, "version": version}) + "\n")
    except Exception as e:  # noqa: BLE001  (missing, broken or wrong-build library: reported unavailable)
        out.write(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}) + "\n")
        out.flush()
        return
    out.flush()
    fn = inner = None
    clock = "wall"
    for line in sys.stdin:
        msg = json.loads(line)
        try:
            if msg["op"] == "quit":
                break
            if msg["op"] == "setup":
                suite = importlib.import_module(msg["suite"])
                fn, check = suite.make_call(lib, msg["case"], threads)
                inner = calibrate(fn, msg["target_s"])
                clock = msg.get("clock", "wall")
                for _ in range(msg.get("warmup", 1)):
                    sample(fn, inner, clock)
                reply = {"inner": inner, "err": float(check())}
            elif msg["op"] == "sample":
                reply = {"s": sample(fn, inner, clock)}
            else:
                reply = {"error": f"unknown op {msg['op']}"}
        except Exception as e:  # noqa: BLE001  (every request gets a reply; the parent raises the error)
            reply = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


class Baselines:
    """The worker processes of one thread count, started lazily and closed together."""

    def __init__(self, threads, libs=BASELINE_LIBS):
        self.threads = threads
        self.workers = {}
        for lib in libs:
            w = Worker(lib, threads)
            if w.available:
                self.workers[lib] = w
            else:
                print(f"# {lib} not available: {w.note}", file=sys.stderr)
                w.close()

    def versions(self):
        return {lib: w.version for lib, w in self.workers.items()}

    def close(self):
        for w in self.workers.values():
            w.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def compare(
    suite_module,
    case,
    threads,
    baselines,
    repeats=7,
    target_s=0.02,
    warmup=1,
    clock="auto",
    dlcore_1t=True,
    settle_s=0.0,
):
    """Time dlcore (here) and each baseline (in its worker) on `case`, alternating samples.

    With threads > 1 and dlcore_1t, dlcore at 1 thread is timed too ("dlcore_1t"), in the same
    rotation and with the same clock, for the "2 threads never slower than 1" comparison.
    settle_s: idle time before each sample, so the previous library's spinning pool threads
    (OpenMP, OpenBLAS) have gone to sleep and do not occupy the cores being measured.
    Returns {lib: {"s": median seconds per call, "s_min": the fastest sample's, "err": max rel
    error, "samples": [...]}}; sample i of every library comes from round i.
    """
    from dlcore import backend

    clock = pick_clock(clock, threads)
    backend.set_num_threads(threads)
    mod = importlib.import_module(suite_module)
    fn, check = mod.make_call("dlcore", case, threads)
    inner = calibrate(fn, target_s)
    for _ in range(warmup):
        sample(fn, inner, clock)
    results = {"dlcore": {"err": float(check()), "samples": []}}
    live = {}
    for lib, w in baselines.workers.items() if baselines else []:
        try:
            reply = w.request(
                op="setup", suite=suite_module, case=case, target_s=target_s, warmup=warmup, clock=clock
            )
            results[lib] = {"err": reply["err"], "samples": []}
            live[lib] = w
        except RuntimeError as e:
            print(f"# {lib}: {e}", file=sys.stderr)
    order = ["dlcore"] + list(live)
    local = {"dlcore": (fn, inner)}
    if threads > 1 and dlcore_1t:

        def fn_1t():
            backend.set_num_threads(1)
            try:
                fn()
            finally:
                backend.set_num_threads(threads)

        local["dlcore_1t"] = (fn_1t, calibrate(fn_1t, target_s))
        results["dlcore_1t"] = {"err": results["dlcore"]["err"], "samples": []}
        order.insert(1, "dlcore_1t")
    for r in range(max(5, repeats)):
        rot = order[r % len(order) :] + order[: r % len(order)]
        for lib in rot:
            if settle_s > 0:
                time.sleep(settle_s)
            if lib in local:
                s = sample(local[lib][0], local[lib][1], clock)
            else:
                s = live[lib].request(op="sample")["s"]
            results[lib]["samples"].append(s)
    for res in results.values():
        res["s"] = statistics.median(res["samples"])
        res["s_min"] = min(res["samples"])
        res["clock"] = clock
    return results


def paired_ratio(results, lib, ref="dlcore"):
    """Median over rounds of lib's sample time / ref's sample time in the same round: a slow
    spell of the machine that lasts a round slows both and cancels out."""
    return statistics.median(b / a for a, b in zip(results[ref]["samples"], results[lib]["samples"]))


# ---- output ----------------------------------------------------------------------------------


def markdown_table(rows, columns):
    """rows: list of dicts; columns: list of (key, header, format) -> markdown string."""
    head = "| " + " | ".join(h for _, h, _ in columns) + " |"
    sep = "|" + "|".join("---:" if f else ":---" for _, _, f in columns) + "|"
    lines = [head, sep]
    for row in rows:
        cells = []
        for key, _, fmt in columns:
            v = row.get(key)
            cells.append("-" if v is None else (format(v, fmt) if fmt else str(v)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, default=str)
        f.write("\n")


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--worker":
    _worker_main(sys.argv[2], sys.argv[3])
