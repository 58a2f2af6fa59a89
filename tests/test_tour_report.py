"""The tour's report (report.html, report.md, results.json), `dlcore tour --list`, and the registry's
completeness: every entry has a claim, a multi-line description, a priority and a quick test."""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dlcore.cli import main
from dlcore.tour import registry, runner

ROOT = Path(__file__).resolve().parents[1]
TRICKY = "error < 1e-3 & x > 2 (<b>not bold</b>)"


class _Page(HTMLParser):
    """Collects section ids, <img> srcs, in-page links, tags seen and the visible text."""

    def __init__(self):
        super().__init__()
        self.sections, self.images, self.links, self.tags, self.text = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self.sections.append(a.get("id"))
        elif tag == "img":
            self.images.append(a.get("src"))
        elif tag == "a" and (a.get("href") or "").startswith("#"):
            self.links.append(a["href"][1:])

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    @registry.register(
        "zz-tricky", "TEST", "X90", criteria=[TRICKY], priority="P2", claim="Claim <i>x</i> & y."
    )
    def tricky(quick, out_dir):
        """Summary line of the tricky entry.

        What was run: nothing, with a < and an & in it.
        """
        return {"metrics": {"value <1>": 0.5, "curve": list(range(20))}, "criteria": {TRICKY: (False, 0.25)}}

    out = tmp_path_factory.mktemp("report")
    try:
        assert runner.run_entries(["line", "plane", "zz-tricky"], quick=True, out_dir=out) == 1
    finally:
        registry.unregister("zz-tricky")
    return out


def _page(report_dir) -> _Page:
    p = _Page()
    p.feed((report_dir / "report.html").read_text())
    return p


def test_html_structure(report_dir):
    page, html = _page(report_dir), (report_dir / "report.html").read_text()
    assert "script" not in page.tags and "<style>" in html
    assert page.sections == ["entry-line", "entry-plane", "entry-zz-tricky"]
    assert set(page.links) == set(page.sections)
    assert page.images == ["figures/line.png", "figures/plane.png"]
    assert all((report_dir / src).is_file() for src in page.images)
    text = " ".join(" ".join(page.text).split())
    for name in ("line", "plane"):
        e = registry.get(name)
        assert e.claim and " ".join(e.claim.split()) in text
        assert all(c in text for c in e.criteria)
    assert "2/3 entries passed" in text and "quick" in text and "seed" in text
    # entry texts are escaped: the claim's <i> and the criterion's <b> stay text, not tags
    assert "i" not in page.tags and "b" not in page.tags
    assert TRICKY in text and "Claim <i>x</i> & y." in text
    assert "error &lt; 1e-3 &amp; x &gt; 2" in html
    assert "What was run: nothing, with a < and an & in it." in text
    assert "value <1>" in text and "... (20 values)" in text


def test_markdown_and_json(report_dir):
    md = (report_dir / "report.md").read_text()
    line = registry.get("line")
    assert line.claim in md and "**What was run.**" in md
    assert "| error < 1e-3 & x > 2 (<b>not bold</b>) | 0.25 | **FAIL** |" in md
    assert "- result: 2/3 entries passed" in md and "![line](figures/line.png)" in md
    res = json.loads((report_dir / "results.json").read_text())
    assert res["passed"] is False and res["run"]["mode"] == "quick" and res["run"]["seed"] == 0
    recs = {r["name"]: r for r in res["entries"]}
    assert recs["line"]["claim"] == line.claim and recs["line"]["priority"] == "P0"
    assert recs["line"]["description"] == line.description
    assert recs["zz-tricky"]["measured"] == {TRICKY: 0.25} and recs["zz-tricky"]["criteria"] == {
        TRICKY: False
    }


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on PATH")
def test_screenshot(report_dir, tmp_path):
    script = ROOT / "tools" / "screenshot_report.sh"
    done = subprocess.run(
        ["bash", str(script), str(report_dir), str(tmp_path), "line"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for png in (tmp_path / "report-top.png", tmp_path / "line.png"):
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000


def test_screenshot_script_rejects_a_dir_without_report(tmp_path):
    done = subprocess.run(
        ["bash", str(ROOT / "tools" / "screenshot_report.sh"), str(tmp_path)], capture_output=True
    )
    assert done.returncode == 2 and b"no report.html" in done.stderr


def test_list_shows_whole_descriptions(capsys):
    assert main(["tour", "--list"]) == 0
    out = capsys.readouterr().out
    flat = " ".join(out.split())
    for e in registry.entries().values():
        assert f"{e.name} ({e.feature_id}, {e.priority}, section {e.section})" in flat
        assert " ".join(("claim: " + e.claim).split()) in flat
        assert " ".join(e.description.split()) in flat
        assert all(" ".join(c.split()) in flat for c in e.criteria)
    assert max(len(line) for line in out.splitlines()) <= 100


def entry_problems(e: registry.Entry) -> list[str]:
    """What an entry lacks: a claim, a multi-line description (summary + paragraph), a priority."""
    problems = []
    if len(e.claim.split()) < 8:
        problems.append("no claim (the post's claim in one or two sentences)")
    lines = [ln for ln in e.description.splitlines() if ln.strip()]
    if len(lines) < 2 or "\n\n" not in e.description:
        problems.append("description is not a summary line plus a paragraph")
    if e.priority not in registry.PRIORITIES:
        problems.append(f"priority {e.priority!r}")
    return problems


def test_every_entry_has_claim_description_and_priority():
    bad = {n: p for n, e in registry.entries().items() if (p := entry_problems(e))}
    assert not bad, bad


def test_entry_without_claim_is_caught():
    @registry.register("zz-bare", "TEST", "X91", criteria=["c"])
    def bare(quick, out_dir):
        """Only a summary."""

    try:
        problems = entry_problems(registry.get("zz-bare"))
    finally:
        registry.unregister("zz-bare")
    assert len(problems) == 2 and "claim" in problems[0] and "description" in problems[1]


def test_every_entry_has_a_quick_test():
    # the tour's test files, and any other test file that runs entries (tests/test_rbm.py)
    texts = [
        p.read_text() for p in sorted((ROOT / "tests").glob("test_*.py")) if p.name != Path(__file__).name
    ]
    texts = [
        t
        for t in texts
        if ("dlcore.tour" in t and ("registry" in t or "run_entry" in t)) or "quick_entry_passes(" in t
    ]
    quoted = set(re.findall(r"[\"']([a-z0-9-]+)[\"']", " ".join(texts)))
    missing = [n for n in registry.entries() if n not in quoted]
    assert not missing, f"entries named in no test file that runs tour entries: {missing}"
