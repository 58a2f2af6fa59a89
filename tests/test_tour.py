"""The tour: registry, runner (report.md/results.json, exit code) and the `dlcore tour` CLI."""

import json

import numpy as np
import pytest

import dlcore
from dlcore.cli import main
from dlcore.tour import registry, runner


def test_list(capsys):
    assert main(["tour", "--list"]) == 0
    out = capsys.readouterr().out
    for name, fid in [("line", "F01"), ("plane", "F02"), ("mlp", "F10")]:
        assert name in out and fid in out
    assert "within 1e-3 of the numpy.linalg.lstsq solution" in out


@pytest.mark.parametrize("name", ["line", "plane"])
def test_quick_entries_pass(name, tmp_path, capsys):
    assert main(["tour", name, "--quick", "--out", str(tmp_path)]) == 0
    res = json.loads((tmp_path / "results.json").read_text())
    (rec,) = res["entries"]
    assert rec["passed"] and all(rec["criteria"].values()) and rec["seed"] == 0
    assert rec["metrics"]["max_abs_diff"] <= 1e-3 and rec["wall_s"] > 0
    assert (tmp_path / "report.md").read_text().count("PASS") >= 2
    assert (
        all((tmp_path / "figures").joinpath(p.split("/")[-1]).exists() for p in rec["figures"])
        and rec["figures"]
    )


def test_mlp_quick_passes():
    rec = runner.run_entry(registry.get("mlp"), quick=True, fig_dir=None, seed=0)
    assert rec["error"] is None and rec["passed"], rec["criteria"]
    assert set(rec["measured"]) == set(registry.get("mlp").criteria)


def test_judge_criteria_takes_bools_and_pairs():
    passed, measured = runner.judge_criteria(["a", "b"], {"a": True, "b": (False, 2.5)})
    assert passed == {"a": True, "b": False} and measured == {"b": 2.5}
    with pytest.raises(TypeError, match="expected \\(passed, measured\\)"):
        runner.judge_criteria(["a"], {"a": (True, 1, 2)})


def test_entries_are_deterministic():
    e = registry.get("plane")
    a = runner.run_entry(e, quick=True, fig_dir=None, seed=0)
    b = runner.run_entry(e, quick=True, fig_dir=None, seed=0)
    assert a["metrics"] == b["metrics"]


@pytest.fixture
def dummy_entries():
    @registry.register("zz-fails", "TEST", "X98", criteria=["one is two", "one is one"])
    def failing(quick, out_dir):
        return {"metrics": {"one": 1}, "criteria": {"one is two": False, "one is one": True}}

    @registry.register("zz-raises", "TEST", "X99", criteria=["never reached"])
    def raising(quick, out_dir):
        raise RuntimeError("boom")

    @registry.register("zz-incomplete", "TEST", "X97", criteria=["a", "b"])
    def incomplete(quick, out_dir):
        return {"metrics": {}, "criteria": {"a": True}}

    yield
    for n in ("zz-fails", "zz-raises", "zz-incomplete"):
        registry.unregister(n)


@pytest.mark.parametrize("name", ["zz-fails", "zz-raises", "zz-incomplete"])
def test_failing_entry_gives_nonzero_exit(dummy_entries, name, tmp_path, capsys):
    assert main(["tour", name, "line", "--quick", "--out", str(tmp_path)]) == 1
    res = json.loads((tmp_path / "results.json").read_text())
    recs = {r["name"]: r for r in res["entries"]}
    assert not recs[name]["passed"] and recs["line"]["passed"] and res["passed"] is False
    assert "FAIL" in capsys.readouterr().out


def test_unknown_entry_and_duplicate_registration(capsys):
    assert main(["tour", "no-such-entry"]) == 2
    assert "no-such-entry" in capsys.readouterr().err
    with pytest.raises(ValueError, match="already registered"):
        registry.register("line", "X", "F01", criteria=["c"])(lambda q, o: {})
    with pytest.raises(ValueError, match="criterion"):
        registry.register("zz-none", "X", "F00", criteria=[])


@pytest.fixture
def measured_entries():
    @registry.register("zz-measured", "TEST", "X96", criteria=["x >= 1", "y <= 0"])
    def measured(quick, out_dir):
        return {"metrics": {}, "criteria": {"x >= 1": (True, 1.5), "y <= 0": (False, 0.25)}}

    @registry.register("zz-not-bool", "TEST", "X95", criteria=["c"])
    def not_bool(quick, out_dir):
        return {"metrics": {}, "criteria": {"c": (0.5, 1.0)}}

    yield
    for n in ("zz-measured", "zz-not-bool"):
        registry.unregister(n)


def test_criteria_with_measured_values(measured_entries, tmp_path, capsys):
    assert main(["tour", "zz-measured", "--out", str(tmp_path)]) == 1
    (rec,) = json.loads((tmp_path / "results.json").read_text())["entries"]
    assert rec["criteria"] == {"x >= 1": True, "y <= 0": False}
    assert rec["measured"] == {"x >= 1": 1.5, "y <= 0": 0.25}
    md = (tmp_path / "report.md").read_text()
    assert "| x >= 1 | 1.5 | pass |" in md and "| y <= 0 | 0.25 | **FAIL** |" in md
    rec = runner.run_entry(registry.get("zz-not-bool"), quick=True, fig_dir=None, seed=0)
    assert not rec["passed"] and "passed must be a bool" in rec["error"]


def test_track_is_silent_unless_enabled(capsys):
    from dlcore.tour._progress import enable, track

    assert list(track(range(3), "steps")) == [0, 1, 2]
    assert capsys.readouterr().err == ""
    enable(True, "zz")
    try:
        assert list(track(range(3), "steps")) == [0, 1, 2]
    finally:
        enable(False)
    assert "zz: steps" in capsys.readouterr().err


def test_fit_bar_shows_epochs_and_changes_no_number(capsys):
    from dlcore.tour._progress import enable, fit_bar
    from dlcore.tour.line import fit_linear

    x = np.linspace(-1, 1, 16, dtype=np.float32)[:, None]
    y = 3 * x - 1
    assert fit_bar(3) == []  # bars off: no callback at all
    dlcore.manual_seed(0)
    _, quiet = fit_linear(x, y, lr=0.3, epochs=3)
    enable(True, "zz")
    try:
        dlcore.manual_seed(0)
        _, shown = fit_linear(x, y, lr=0.3, epochs=3)
    finally:
        enable(False)
    assert quiet["loss"] == shown["loss"]
    err = capsys.readouterr().err
    assert "zz: steps" in err and "/3 " in err  # a bar over the 3 epochs
