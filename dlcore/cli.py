"""The `dlcore` command (also `python -m dlcore`): `dlcore tour`, `dlcore info`, `dlcore bench`, `dlcore run`.

dlcore tour [--list] [--quick] [--out DIR] [--seed N] [NAME ...]   exit 1 if a criterion fails
dlcore info                                                          build and runtime report
dlcore bench NAME ... [options]                                      forwards to dlcore.bench
dlcore run -n N [--threads T] (script.py | -m module) [args ...]     N ranks under mpiexec
dlcore --version                                                     prints `dlcore <version>`
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _tour(args: argparse.Namespace) -> int:
    from .tour import runner

    if args.list:
        runner.list_entries()
        return 0
    try:
        return runner.run_entries(
            args.names, quick=args.quick, out_dir=Path(args.out) if args.out else None, seed=args.seed
        )
    except KeyError as e:
        print(f"dlcore tour: {e.args[0]}", file=sys.stderr)
        return 2


def info_lines() -> list[str]:
    """`dlcore info` as lines of `key: value`."""
    import dlcore

    d = dlcore.info()
    omp = os.environ.get("OMP_NUM_THREADS")
    rows = [
        ("dlcore", d.get("version", dlcore.__version__)),
        ("python", sys.version.split()[0]),
        ("compiler", d.get("compiler", "?")),
        ("isa detected", d.get("isa_detected", "?")),
        ("isa active (kernels chosen)", d.get("isa_active", "?")),
        (
            "threads",
            f"{d.get('threads', '?')}" + (f" (OMP_NUM_THREADS={omp})" if omp else " (OMP_NUM_THREADS unset)"),
        ),
        ("openmp", "yes" if d.get("openmp") else "no"),
        ("cuda compiled", "yes" if d.get("cuda") else "no"),
        ("cuda devices", d.get("cuda_devices", 0)),
    ]
    extra = [
        (k, v)
        for k, v in d.items()
        if k
        not in {
            "version",
            "compiler",
            "isa_detected",
            "isa_active",
            "threads",
            "openmp",
            "cuda",
            "cuda_devices",
        }
    ]
    return [f"{k}: {v}" for k, v in rows + extra]


def _info(args: argparse.Namespace) -> int:
    print("\n".join(info_lines()))
    return 0


def _bench(rest: Sequence[str]) -> int:
    try:
        from .bench import main as bench_main
    except ImportError as e:
        print(f"dlcore bench: the benchmark harness is not available ({e})", file=sys.stderr)
        return 2
    rc = bench_main(list(rest))
    return int(rc or 0)


def _run(rest: Sequence[str]) -> int:
    from .distributed import launch

    return launch.main(list(rest))


def _parser() -> argparse.ArgumentParser:
    from ._version import __version__

    p = argparse.ArgumentParser(prog="dlcore", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"dlcore {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tour", help="run the seed post's experiments and check their criteria")
    t.add_argument("names", nargs="*", metavar="NAME", help="entries to run (default: all)")
    t.add_argument("--list", action="store_true", help="list the entries: claim, description, criteria")
    t.add_argument("--quick", action="store_true", help="small sizes (for tests and CI)")
    t.add_argument("--out", metavar="DIR", help="write report.html, report.md, results.json and figures/")
    t.add_argument("--seed", type=int, default=0, help="dlcore.manual_seed before each entry")
    t.set_defaults(func=_tour)
    i = sub.add_parser("info", help="version, compiler, ISA, threads, CUDA")
    i.set_defaults(func=_info)
    sub.add_parser("bench", help="benchmarks (dlcore bench --help)", add_help=False)
    sub.add_parser("run", help="N ranks of a script under MPI (dlcore run --help)", add_help=False)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "bench":
        return _bench(argv[1:])
    if argv and argv[0] == "run":
        return _run(argv[1:])
    args = _parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
