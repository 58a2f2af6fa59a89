"""Run tour entries: seed each, time each, print a summary table, write the report (_report.py).

Exit status of `run_entries` (used by `dlcore tour`): 0 when every criterion of every entry
passed, 1 otherwise (an entry that raises counts as failed).
"""

from __future__ import annotations

import json
import platform
import sys
import textwrap
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import numpy as np

from ..backend import cpu_model
from . import _progress
from ._report import passed_count, report_markdown, summary_table
from ._report_html import report_html
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
    t0, c0 = time.perf_counter(), time.process_time()
    rec = {
        "name": entry.name,
        "feature_id": entry.feature_id,
        "priority": entry.priority,
        "section": entry.section,
        "claim": entry.claim,
        "description": entry.description,
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
        rec["criteria"], rec["measured"] = judge_criteria(entry.criteria, got)
    except Exception:  # noqa: BLE001 - one broken entry must not stop the tour
        rec["error"] = traceback.format_exc()
        rec["criteria"] = dict.fromkeys(entry.criteria, False)
    rec["wall_s"] = round(time.perf_counter() - t0, 3)
    rec["cpu_s"] = round(time.process_time() - c0, 3)  # all threads of this process
    rec["passed"] = rec["error"] is None and all(rec["criteria"].values())
    return rec


def judge_criteria(criteria: Sequence[str], got: dict) -> tuple[dict, dict]:
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


def write_report(records: Sequence[dict], out_dir: Path, env: dict, meta: dict | None = None) -> None:
    """Write report.md, report.html and results.json into out_dir (figures are already there)."""
    meta = dict(meta or {})
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.md").write_text(report_markdown(records, out_dir, env, meta))
    (out_dir / "report.html").write_text(report_html(records, out_dir, env, meta))
    everything = {"environment": env, "run": meta, "passed": passed_count(records) == len(records)}
    everything["entries"] = list(records)
    (out_dir / "results.json").write_text(json.dumps(everything, indent=2, default=str))


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
    t0 = time.perf_counter()
    date = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
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
            f"[tour] {e.name}: {'PASS' if r['passed'] else 'FAIL'} in {r['wall_s']:.2f} s "
            f"({r['cpu_s']:.2f} s cpu)" + (f"; failed: {bad}" if bad else ""),
            file=stream,
            flush=True,
        )
        if r["error"]:
            print(r["error"], file=sys.stderr)
    print("\n" + summary_table(records), file=stream)
    if out_dir is not None:
        meta = {
            "date": date,
            "seed": seed,
            "mode": "quick" if quick else "full",
            "total_s": round(time.perf_counter() - t0, 3),
        }
        write_report(records, out_dir, _environment(), meta)
        print(f"\nreport: {out_dir / 'report.html'} (and report.md, results.json)", file=stream)
    return 0 if all(r["passed"] for r in records) else 1


def describe(e: Entry, width: int = 100) -> str:
    """One entry for `dlcore tour --list`: a header line, then the claim, the whole description and
    the criteria, wrapped to `width` and indented under the header."""
    ind = " " * 4
    opts = {"width": width, "break_on_hyphens": False, "break_long_words": False}
    wrap = textwrap.TextWrapper(initial_indent=ind, subsequent_indent=ind, **opts)
    lines = [f"{e.name}  ({e.feature_id}, {e.priority}, section {e.section})"]
    if e.claim:
        lines += wrap.wrap("claim: " + e.claim)
    for para in e.description.split("\n\n"):
        if para.strip():
            lines += wrap.wrap(" ".join(para.split()))
    lines.append(ind + "criteria:")
    crit = textwrap.TextWrapper(initial_indent=ind + "  - ", subsequent_indent=ind + "    ", **opts)
    for c in e.criteria:
        lines += crit.wrap(c)
    return "\n".join(lines)


def list_entries(stream: TextIO | None = None, width: int = 100) -> None:
    """Print every entry (describe()), separated by blank lines."""
    stream = stream or sys.stdout
    print("\n\n".join(describe(e, width) for e in entries().values()), file=stream)
