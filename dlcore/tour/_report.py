"""The tour report's text: report.md and the helpers report.html (_report_html.py) shares.

A record is what runner.run_entry returns (name, feature_id, priority, section, claim,
description, seed, quick, metrics, criteria {text: bool}, measured {text: value}, figures,
error, wall_s, cpu_s (CPU seconds of the process, all threads), passed). `meta` holds the run:
date (UTC, ISO), seed, mode ("quick"/"full"), total_s (wall seconds of the whole run).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

_LIST_SHOWN = 8  # a metric that is a list shows this many items, then "... (N values)"


def fmt(v) -> str:
    """A metric or measured value as short text (floats to 6 significant digits)."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        items = ", ".join(fmt(x) for x in v[:_LIST_SHOWN])
        more = f", ... ({len(v)} values)" if len(v) > _LIST_SHOWN else ""
        return f"[{items}{more}]"
    return str(v)


def anchor(name: str) -> str:
    """The id of an entry's section in report.html (and its heading in report.md)."""
    return "entry-" + "".join(c if c.isalnum() or c == "-" else "-" for c in name)


def title(r: dict) -> str:
    """The entry's one-line summary (first line of its description), or its name."""
    return (r.get("description") or "").split("\n", 1)[0] or r["name"]


def body(r: dict) -> str:
    """The description after its first line (what was run and how it is measured)."""
    parts = (r.get("description") or "").split("\n", 1)
    return parts[1].strip() if len(parts) > 1 else ""


def relative_figure(path: str, out_dir: Path | None) -> str:
    """A figure's path relative to the report directory (as given when it lies elsewhere)."""
    p = Path(path)
    if out_dir is not None and p.is_relative_to(out_dir):
        return p.relative_to(out_dir).as_posix()
    return str(path)


def passed_count(records: Sequence[dict]) -> int:
    return sum(bool(r["passed"]) for r in records)


def header_facts(records: Sequence[dict], env: dict, meta: dict) -> list[tuple[str, str]]:
    """(label, text) pairs of the report's header: result, date, mode, seed, time, machine, versions."""
    versions = ", ".join(f"{k} {env[k]}" for k in ("dlcore", "python", "numpy") if k in env)
    build = ", ".join(f"{k.removeprefix('build_')} {v}" for k, v in env.items() if k.startswith("build_"))
    return [
        ("result", f"{passed_count(records)}/{len(records)} entries passed"),
        ("date", str(meta.get("date", "?"))),
        ("mode", str(meta.get("mode", "?"))),
        ("seed", str(meta.get("seed", "?"))),
        (
            "total time",
            f"{meta.get('total_s', sum(r['wall_s'] for r in records)):.1f} s wall, "
            f"{sum(r.get('cpu_s', 0.0) for r in records):.1f} s cpu",
        ),
        ("machine", f"{env.get('processor', '?')} ({env.get('machine', '?')})"),
        ("versions", versions),
        ("build", build or "?"),
    ]


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary_table(records: Sequence[dict]) -> str:
    """Markdown table: entry, feature, priority, section, PASS/FAIL, criteria passed, wall time."""
    rows = [
        "| entry | feature | priority | section | result | criteria | wall s | cpu s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        ok = sum(r["criteria"].values())
        rows.append(
            f"| {r['name']} | {r['feature_id']} | {r.get('priority', '?')} | {r['section']} | "
            f"{'PASS' if r['passed'] else 'FAIL'} | {ok}/{len(r['criteria'])} | {r['wall_s']:.2f} | "
            f"{r.get('cpu_s', float('nan')):.2f} |"
        )
    return "\n".join(rows)


def entry_markdown(r: dict, out_dir: Path | None) -> str:
    """One experiment's section of report.md."""
    verdict = "PASS" if r["passed"] else "FAIL"
    lines = [
        f"## {r['name']}: {title(r)}",
        "",
        f"{r['feature_id']}, {r.get('priority', '?')}, {r['section']}: **{verdict}** "
        f"(seed {r['seed']}, {'quick' if r['quick'] else 'full'} mode, {r['wall_s']:.2f} s wall, "
        f"{r.get('cpu_s', float('nan')):.2f} s cpu)",
        "",
    ]
    if r.get("claim"):
        lines += [f"**Claim.** {r['claim']}", ""]
    if body(r):
        lines += ["**What was run.** " + " ".join(body(r).split()), ""]
    measured = r.get("measured", {})
    lines += ["| criterion | measured | result |", "|---|---|---|"]
    lines += [
        f"| {_md_cell(c)} | {_md_cell(fmt(measured[c])) if c in measured else ''} | "
        f"{'pass' if ok else '**FAIL**'} |"
        for c, ok in r["criteria"].items()
    ]
    if r["metrics"]:
        lines += ["", "| metric | value |", "|---|---|"]
        lines += [f"| {_md_cell(k)} | {_md_cell(fmt(v))} |" for k, v in r["metrics"].items()]
    for f in r["figures"]:
        lines += ["", f"![{r['name']}]({relative_figure(f, out_dir)})"]
    if r["error"]:
        lines += ["", "```", r["error"].rstrip(), "```"]
    return "\n".join(lines)


def report_markdown(records: Sequence[dict], out_dir: Path | None, env: dict, meta: dict) -> str:
    md = ["# dlcore tour report", ""]
    md += [f"- {label}: {text}" for label, text in header_facts(records, env, meta)]
    md += ["", summary_table(records), ""]
    md += [entry_markdown(r, out_dir) + "\n" for r in records]
    return "\n".join(md)
