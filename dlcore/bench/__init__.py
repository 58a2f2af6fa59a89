"""Benchmark suites: `python -m dlcore.bench NAME [options]` or `dlcore bench NAME`.

A suite is a module dlcore/bench/<name>.py with `add_arguments(parser)` (optional) and
`run(args)`; register it in SUITES. Shared timing, subprocess baselines, tables and machine
description live in dlcore.bench.harness.
"""

import argparse
import importlib

SUITES = {
    "gemm": "dlcore.bench.gemm",
    "train-mlp": "dlcore.bench.train_mlp",
    "train-cnn": "dlcore.bench.train_cnn",
    "train-charlm": "dlcore.bench.train_charlm",
    "optim": "dlcore.bench.optim",
    "conv": "dlcore.bench.conv",
    "lstm": "dlcore.bench.lstm",
    "allreduce": "dlcore.bench.allreduce",
    "ddp": "dlcore.bench.ddp",
}


def load_suite(name):
    if name not in SUITES:
        choices = ", ".join(sorted(SUITES))
        raise SystemExit(f"unknown benchmark suite {name!r}; choose from {choices}")
    return importlib.import_module(SUITES[name])


def build_parser(suite_name=None):
    p = argparse.ArgumentParser(prog="dlcore bench", description="dlcore benchmarks")
    p.add_argument("suite", choices=sorted(SUITES), help="which benchmark to run")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default 1 2)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--quick", action="store_true", help="fewer shapes and repeats (smoke test)")
    p.add_argument("--repeats", type=int, default=None, help="timed samples per library (>= 5)")
    p.add_argument(
        "--clock",
        choices=("auto", "wall", "cpu"),
        default="auto",
        help="auto: thread CPU time at 1 thread (robust to other processes), wall otherwise",
    )
    p.add_argument("--no-baselines", action="store_true", help="time dlcore only")
    if suite_name is not None:
        mod = load_suite(suite_name)
        if hasattr(mod, "add_arguments"):
            mod.add_arguments(p)
    return p


def main(argv=None):
    """Entry point of `dlcore bench` and `python -m dlcore.bench`; returns an exit code."""
    first = argparse.ArgumentParser(add_help=False)
    first.add_argument("suite", nargs="?")
    known, _ = first.parse_known_args(argv)
    suite = known.suite if known.suite in SUITES else None
    args = build_parser(suite).parse_args(argv)
    return load_suite(args.suite).run(args) or 0
