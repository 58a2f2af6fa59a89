"""Tour entries of the RL group (F40 cartpole, F47 count-exploration, F35 skill-discovery): each
passes all its criteria in quick mode, writes its figure, and gives the same metrics twice."""

import pathlib

import pytest

from dlcore.tour import registry, runner

pytest.importorskip("matplotlib")

ENTRIES = ["cartpole", "count-exploration", "skill-discovery"]


def _timing(key: str) -> bool:
    return key.endswith("_s")


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRIES)
def test_entry_quick_passes_and_writes_its_figure(name, tmp_path):
    entry = registry.get(name)
    out = entry(quick=True, out_dir=tmp_path)
    assert set(out["criteria"]) == set(entry.criteria)
    failed = {c: v for c, v in out["criteria"].items() if not v[0]}
    assert not failed, f"{name}: {failed}; metrics {out['metrics']}"
    assert out["figures"] and all(pathlib.Path(p).is_file() for p in out["figures"])


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRIES)
def test_entry_is_deterministic(name):
    a = runner.run_entry(registry.get(name), quick=True, fig_dir=None, seed=0)
    b = runner.run_entry(registry.get(name), quick=True, fig_dir=None, seed=0)
    assert a["error"] is None and a["metrics"]
    same = {k: v for k, v in a["metrics"].items() if not _timing(k)}
    assert same == {k: v for k, v in b["metrics"].items() if not _timing(k)}
