"""Shared pytest setup: deterministic seeds, an `rng` fixture, and the `torch` marker/fixture.

Tests marked `@pytest.mark.torch` (or using the `torch` fixture) are skipped cleanly when PyTorch
is not importable.
"""

import importlib.util
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))  # `import reference` from any test file

import dlcore

HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same dlcore random state."""
    dlcore.manual_seed(1234)


@pytest.fixture
def rng():
    return np.random.default_rng(20240607)


@pytest.fixture
def quick_entry_passes(tmp_path):
    """check(name) -> the tour entry's output in quick mode (seed 0, figures under tmp_path),
    after asserting that it reported every criterion, passed them all and wrote its figures."""
    from dlcore.tour import registry, runner

    def check(name: str) -> dict:
        dlcore.manual_seed(0)
        entry = registry.get(name)
        out = entry(quick=True, out_dir=tmp_path)
        assert set(out["criteria"]) == set(entry.criteria)
        passed, _ = runner.judge_criteria(entry.criteria, out["criteria"])
        failed = [c for c, ok in passed.items() if not ok]
        assert not failed, f"{name}: {failed}; metrics {out['metrics']}"
        assert out["figures"] and all(os.path.isfile(p) for p in out["figures"])
        return out

    return check


@pytest.fixture
def torch():
    """The torch module, or a clean skip when it is not installed."""
    t = pytest.importorskip("torch")
    t.manual_seed(0)
    return t


def pytest_runtest_setup(item):
    if item.get_closest_marker("torch") is not None and not HAS_TORCH:
        pytest.skip("PyTorch is not importable")
