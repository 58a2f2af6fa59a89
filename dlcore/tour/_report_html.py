"""report.html: the tour's report as one self-contained page (inline CSS, no JavaScript).

Every text from an entry (claim, description, criteria, metric names and values, errors) goes
through html.escape; figures are <img> links relative to the report directory (figures/*.png).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from ._report import anchor, body, fmt, header_facts, passed_count, relative_figure, title

_CSS = """
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330;
  background: #f4f5f7; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
h1 { font-size: 30px; margin: 8px 0 12px; }
h2 { font-size: 22px; margin: 0 0 4px; }
h3 { font-size: 16px; margin: 18px 0 6px; text-transform: uppercase; letter-spacing: .04em;
  color: #555d6e; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 20px; }
dl.facts dt { font-weight: 600; color: #555d6e; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 15px; }
th, td { border: 1px solid #d5d9e0; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #eef0f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary { width: 100%; }
.badge { display: inline-block; padding: 0 8px; border-radius: 4px; font-weight: 700;
  font-size: 14px; color: #fff; }
.badge.pass { background: #1e7d32; }
.badge.fail { background: #c62828; }
tr.pass td.verdict { background: #e3f4e5; color: #1e5d27; font-weight: 700; }
tr.fail td.verdict { background: #fde4e4; color: #a31515; font-weight: 700; }
section.entry { border-top: 3px solid #d5d9e0; padding: 22px 0 8px; margin-top: 22px; }
section.entry.failed { border-top-color: #c62828; }
.meta { color: #555d6e; margin: 0 0 10px; }
.claim { border-left: 4px solid #3b6fd8; background: #f0f4fd; padding: 8px 14px; margin: 8px 0; }
.run { margin: 8px 0; }
table.criteria { width: 100%; }
table.criteria td.num { white-space: nowrap; }
table.criteria td.verdict { width: 4em; }
.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 0 18px;
  font-size: 14px; margin: 4px 0 10px; }
.metrics div { display: flex; flex-wrap: wrap; align-items: baseline; column-gap: 10px;
  border-bottom: 1px solid #e6e8ec; padding: 2px 0; }
.metrics code { font: 13px ui-monospace, Menlo, Consolas, monospace; color: #39404f;
  max-width: 100%; overflow-wrap: anywhere; }
.metrics span { margin-left: auto; font-variant-numeric: tabular-nums; text-align: right; }
figure { margin: 10px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #d5d9e0; }
pre.error { background: #fff4f4; border: 1px solid #e8b4b4; padding: 10px; overflow-x: auto;
  font-size: 13px; white-space: pre-wrap; }
a { color: #2350b8; }
"""


def _png_size(path: str) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk; None when the file is missing or not a PNG."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _figure(path: str, out_dir: Path | None, name: str) -> str:
    """<figure> with the image's own width/height (the layout is final before images load)."""
    src = escape(relative_figure(path, out_dir), quote=True)
    size = _png_size(path)
    dims = f" width='{size[0]}' height='{size[1]}'" if size else ""
    return f"<figure><img src='{src}'{dims} alt='{escape(name, quote=True)} figure'></figure>"


def _verdict(ok: bool) -> str:
    return f'<span class="badge {"pass" if ok else "fail"}">{"PASS" if ok else "FAIL"}</span>'


def _header(records: Sequence[dict], env: dict, meta: dict) -> str:
    facts = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in header_facts(records, env, meta))
    ok = passed_count(records) == len(records)
    return f"<h1>dlcore tour report {_verdict(ok)}</h1>\n<dl class='facts'>{facts}</dl>"


def _summary(records: Sequence[dict]) -> str:
    rows = []
    for r in records:
        ok = sum(r["criteria"].values())
        cls = "pass" if r["passed"] else "fail"
        rows.append(
            f"<tr class='{cls}'><td><a href='#{anchor(r['name'])}'>{escape(r['name'])}</a></td>"
            f"<td>{escape(r['feature_id'])}</td><td>{escape(r.get('priority', '?'))}</td>"
            f"<td>{escape(r['section'])}</td><td class='verdict'>{'PASS' if r['passed'] else 'FAIL'}</td>"
            f"<td class='num'>{ok}/{len(r['criteria'])}</td><td class='num'>{r['wall_s']:.2f}</td>"
            f"<td class='num'>{r.get('cpu_s', float('nan')):.2f}</td></tr>"
        )
    head = (
        "<tr><th>entry</th><th>feature</th><th>priority</th><th>section</th><th>result</th>"
        "<th>criteria passed</th><th>wall s</th><th>cpu s</th></tr>"
    )
    return f"<table class='summary'>{head}{''.join(rows)}</table>"


def _paragraphs(text: str) -> str:
    paras = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p)}</p>" for p in paras)


def _criteria(r: dict) -> str:
    measured = r.get("measured", {})
    rows = "".join(
        f"<tr class='{'pass' if ok else 'fail'}'><td>{escape(c)}</td>"
        f"<td class='num'>{escape(fmt(measured[c])) if c in measured else ''}</td>"
        f"<td class='verdict'>{'pass' if ok else 'FAIL'}</td></tr>"
        for c, ok in r["criteria"].items()
    )
    return (
        f"<table class='criteria'><tr><th>criterion</th><th>measured</th><th>result</th></tr>{rows}</table>"
    )


def _metrics(r: dict) -> str:
    if not r["metrics"]:
        return ""
    items = "".join(
        f"<div><code>{escape(str(k))}</code><span>{escape(fmt(v))}</span></div>"
        for k, v in r["metrics"].items()
    )
    return f"<h3>Metrics</h3><div class='metrics'>{items}</div>"


def _entry(r: dict, out_dir: Path | None) -> str:
    mode = "quick" if r["quick"] else "full"
    parts = [
        f"<section class='entry{'' if r['passed'] else ' failed'}' id='{anchor(r['name'])}'>",
        f"<h2>{escape(r['name'])}: {escape(title(r))} {_verdict(r['passed'])}</h2>",
        f"<p class='meta'>{escape(r['feature_id'])} &middot; {escape(r.get('priority', '?'))} &middot; "
        f"section {escape(r['section'])} &middot; seed {r['seed']}, {mode} mode &middot; "
        f"{r['wall_s']:.2f} s wall, {r.get('cpu_s', float('nan')):.2f} s cpu</p>",
    ]
    if r.get("claim"):
        parts.append(f"<div class='claim'><strong>The post's claim.</strong> {escape(r['claim'])}</div>")
    if body(r):
        parts.append(f"<div class='run'><h3>What was run</h3>{_paragraphs(body(r))}</div>")
    parts += ["<h3>Criteria</h3>", _criteria(r), _metrics(r)]
    parts += [_figure(f, out_dir, r["name"]) for f in r["figures"]]
    if r["error"]:
        parts.append(f"<h3>Error</h3><pre class='error'>{escape(r['error'].rstrip())}</pre>")
    parts.append("</section>")
    return "\n".join(parts)


def report_html(records: Sequence[dict], out_dir: Path | None, env: dict, meta: dict) -> str:
    """The whole page as a string."""
    entries = "\n".join(_entry(r, out_dir) for r in records)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>dlcore tour report</title><style>{_CSS}</style></head>\n<body><main>\n"
        f"{_header(records, env, meta)}\n<h3>Summary</h3>\n{_summary(records)}\n{entries}\n"
        "</main></body></html>\n"
    )
