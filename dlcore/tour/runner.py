"""Run tour entries: seed each, time each, print a summary table, write report.md/results.json.

Exit status of `run_entries` (used by `dlcore tour`): 0 when every criterion of every entry
passed, 1 otherwise (an entry that raises counts as failed).
"""

from __future__ import annotations

import json
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import numpy as np

from ..backend import cpu_model
from . import _progress
from .registry import Entry, entries


def _environment() -> dict:
    import numpy as np

    import dlcore

    env = {
        "dlcore": dlcore.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "processor": cpu_model(),
    }
    info = getattr(dlcore, "info", None)
    if callable(info):
        try:
            env.update({f"build_{k}": v for k, v in info().items() if k != "version"})
        except Exception as e:  # noqa: BLE001 - report, never fail the tour on this
            env["build_info_error"] = repr(e)
    return env


def _is_tty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def run_entry(entry: Entry, quick: bool, fig_dir: Path | None, seed: int) -> dict:
    """Run one entry after dlcore.manual_seed(seed); never raises (errors become failures)."""
    import dlcore

    dlcore.manual_seed(seed)
    t0 = time.perf_counter()
    rec = {
        "name": entry.name,
        "feature_id": entry.feature_id,
        "section": entry.section,
        "seed": seed,
        "quick": quick,
        "metrics": {},
        "measured": {},
        "figures": [],
        "error": None,
    }
    try:
        out = entry(quick, fig_dir)
        rec["metrics"] = {k: _plain(v) for k, v in out.get("metrics", {}).items()}
        rec["figures"] = [str(p) for p in out.get("figures", [])]
        got = out.get("criteria", {})
        missing = [c for c in entry.criteria if c not in got]
        if missing:
            rec["error"] = f"entry did not report criteria: {missing}"
        rec["criteria"], rec["measured"] = _judged(entry.criteria, got)
    except Exception:  # noqa: BLE001 - one broken entry must not stop the tour
        rec["error"] = traceback.format_exc()
        rec["criteria"] = dict.fromkeys(entry.criteria, False)
    rec["wall_s"] = round(time.perf_counter() - t0, 3)
    rec["passed"] = rec["error"] is None and all(rec["criteria"].values())
    return rec


def _judged(criteria: Sequence[str], got: dict) -> tuple[dict, dict]:
    """({criterion: passed}, {criterion: measured}) from an entry's criteria dict, whose values are
    a bool or a (bool, measured value) pair; a value of any other kind is a TypeError."""
    passed, measured = {}, {}
    for c in criteria:
        v = got.get(c, False)
        if isinstance(v, tuple):
            if len(v) != 2:
                raise TypeError(f"criterion {c!r}: expected (passed, measured), got {v!r}")
            v, measured[c] = v[0], _plain(v[1])
        if not isinstance(v, (bool, np.bool_)):
            raise TypeError(f"criterion {c!r}: passed must be a bool, got {type(v).__name__}")
        passed[c] = bool(v)
    return passed, measured


def _plain(v):
    """JSON-safe scalar/list (numpy scalars and arrays become Python numbers/lists)."""
    if hasattr(v, "tolist"):
        return v.tolist()
    return v


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def summary_table(records: Sequence[dict]) -> str:
    """Markdown table: entry, feature, section, PASS/FAIL, criteria passed, wall time."""
    rows = ["| entry | feature | section | result | criteria | wall s |", "|---|---|---|---|---|---|"]
    for r in records:
        ok = sum(r["criteria"].values())
        rows.append(
            f"| {r['name']} | {r['feature_id']} | {r['section']} | "
            f"{'PASS' if r['passed'] else 'FAIL'} | {ok}/{len(r['criteria'])} | "
            f"{r['wall_s']:.2f} |"
        )
    return "\n".join(rows)


def _details(r: dict, out_dir: Path | None) -> str:
    lines = [
        f"## {r['name']} ({r['feature_id']}, {r['section']}): {'PASS' if r['passed'] else 'FAIL'}",
        "",
        f"seed {r['seed']}, {'quick' if r['quick'] else 'full'} mode, {r['wall_s']:.2f} s",
        "",
    ]
    measured = r.get("measured", {})
    lines += [
        f"- [{'x' if ok else ' '}] {c}" + (f": measured {_fmt(measured[c])}" if c in measured else "")
        for c, ok in r["criteria"].items()
    ]
    if r["metrics"]:
        lines += ["", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in r["metrics"].items()]
    for f in r["figures"]:
        rel = Path(f).relative_to(out_dir) if out_dir and Path(f).is_relative_to(out_dir) else f
        lines += ["", f"![{r['name']}]({rel})"]
    if r["error"]:
        lines += ["", "```", r["error"].rstrip(), "```"]
    return "\n".join(lines)


def write_report(records: Sequence[dict], out_dir: Path, env: dict) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    passed = sum(r["passed"] for r in records)
    md = [
        "# dlcore tour report",
        "",
        f"{passed}/{len(records)} entries passed. Environment: "
        + ", ".join(f"{k} {v}" for k, v in env.items()),
        "",
        summary_table(records),
        "",
    ]
    md += [_details(r, out_dir) + "\n" for r in records]
    (out_dir / "report.md").write_text("\n".join(md))
    (out_dir / "results.json").write_text(
        json.dumps(
            {"environment": env, "passed": passed == len(records), "entries": list(records)},
            indent=2,
            default=str,
        )
    )


def run_entries(
    names: Sequence[str] = (),
    quick: bool = False,
    out_dir: Path | None = None,
    seed: int = 0,
    stream: TextIO | None = None,
) -> int:
    """Run the named entries (all when empty); print progress and the summary; return 0 or 1."""
    stream = stream or sys.stdout
    all_entries = entries()
    unknown = [n for n in names if n not in all_entries]
    if unknown:
        raise KeyError(f"unknown tour entries {unknown}; known: {', '.join(all_entries)}")
    chosen = [all_entries[n] for n in names] if names else list(all_entries.values())
    fig_dir = out_dir / "figures" if out_dir is not None else None
    if fig_dir is not None:
        fig_dir.mkdir(parents=True, exist_ok=True)
    records = []
    for e in chosen:
        print(f"[tour] {e.name} ({e.feature_id}) ...", file=stream, flush=True)
        _progress.enable(_is_tty(sys.stderr), e.name)
        try:
            r = run_entry(e, quick, fig_dir, seed)
        finally:
            _progress.enable(False)
        records.append(r)
        bad = [c for c, ok in r["criteria"].items() if not ok]
        print(
            f"[tour] {e.name}: {'PASS' if r['passed'] else 'FAIL'} in {r['wall_s']:.2f} s"
            + (f"; failed: {bad}" if bad else ""),
            file=stream,
            flush=True,
        )
        if r["error"]:
            print(r["error"], file=sys.stderr)
    print("\n" + summary_table(records), file=stream)
    if out_dir is not None:
        write_report(records, out_dir, _environment())
        print(f"\nreport: {out_dir / 'report.md'}", file=stream)
    return 0 if all(r["passed"] for r in records) else 1


def list_entries(stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    for e in entries().values():
        print(f"{e.name:<20} {e.feature_id:<5} {e.priority:<3} {e.section:<14} {e.summary}", file=stream)
        for c in e.criteria:
            print(f"{'':<20}   - {c}", file=stream)
