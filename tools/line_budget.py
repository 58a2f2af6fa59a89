#!/usr/bin/env python3
"""Line budget per source file: lists the files longer than their budget and fails (exit 1) only
when one is longer than its hard limit, 1.5x the budget. A file over budget is a prompt to split
it by job; a file over the hard limit blocks CI.

    python tools/line_budget.py          # files over budget, then a summary line
    python tools/line_budget.py --all    # every file with its count

Lines are physical lines (as `wc -l`). Files are those git tracks or would track (untracked but
not ignored); outside a git checkout, every file under the repository root except hidden, build
and dist folders.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (folder, file suffixes, budget in lines); the first rule whose folder holds a path applies.
# Files no rule matches are not budgeted.
CPP = (".h", ".cpp", ".cu", ".cuh", ".inl")
BUDGETS = [
    ("tests/", (".py",), 800),  # parametrized tables and references run long
    ("dlcore/", (".py",), 400),
    ("bench/", (".py",), 400),
    ("tools/", (".py",), 400),
    ("csrc/", CPP, 500),
]
HARD_FACTOR = 1.5


def budget_for(path: str) -> int | None:
    for folder, suffixes, budget in BUDGETS:
        if path.startswith(folder) and path.endswith(suffixes):
            return budget
    return None


def candidate_files(root: str) -> list[str]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return sorted(p for p in out.splitlines() if os.path.isfile(os.path.join(root, p)))
    except (OSError, subprocess.CalledProcessError):
        found = []
        for d, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if not x.startswith(".") and x not in ("build", "dist")]
            found += [os.path.relpath(os.path.join(d, f), root) for f in files]
        return sorted(found)


def count_lines(path: str) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--all", action="store_true", help="list every budgeted file")
    ap.add_argument("--root", default=ROOT, help="repository root (default: this checkout)")
    args = ap.parse_args(argv)

    rows = []
    for path in candidate_files(args.root):
        budget = budget_for(path.replace(os.sep, "/"))
        if budget is not None:
            rows.append((path, count_lines(os.path.join(args.root, path)), budget))
    over = [r for r in rows if r[1] > r[2]]
    hard = [r for r in rows if r[1] > HARD_FACTOR * r[2]]

    shown = rows if args.all else sorted(over, key=lambda r: r[1] / r[2], reverse=True)
    for path, n, budget in shown:
        flag = "HARD" if n > HARD_FACTOR * budget else ("over" if n > budget else "")
        print(f"{n:6d} / {budget:4d}  {flag:4s}  {path}")
    print(
        f"line budget: {len(rows)} files, {len(over)} over budget, "
        f"{len(hard)} over the hard limit ({HARD_FACTOR}x budget)"
    )
    return 1 if hard else 0


if __name__ == "__main__":
    sys.exit(main())
