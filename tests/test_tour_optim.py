"""Tour entries F15-F21 (gradient-descent, learning-rate, momentum, optimizers, eve): each runs
in quick mode, reports one bool per registered criterion, all true, and writes its figure."""

import importlib
import pathlib

import pytest

registry = pytest.importorskip("dlcore.tour.registry")
runner = pytest.importorskip("dlcore.tour.runner")
pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

ENTRIES = ["gradient-descent", "learning-rate", "momentum", "optimizers", "eve"]
MODULES = {
    "gradient-descent": "gradient_descent",
    "learning-rate": "learning_rate",
    "momentum": "momentum",
    "optimizers": "optimizers",
    "eve": "eve",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRIES)
def test_entry_quick(name, tmp_path):
    importlib.import_module(f"dlcore.tour.{MODULES[name]}")
    entry = registry.get(name)
    out = entry(quick=True, out_dir=tmp_path)
    assert set(out["criteria"]) == set(entry.criteria)
    passed, _ = runner.judge_criteria(entry.criteria, out["criteria"])
    failed = [c for c, ok in passed.items() if not ok]
    assert not failed, f"{name}: {failed}; metrics {out['metrics']}"
    assert out["figures"] and all(pathlib.Path(p).is_file() for p in out["figures"])
