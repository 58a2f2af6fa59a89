"""Tour entries F15-F21 (gradient-descent, learning-rate, momentum, optimizers, eve): each runs
in quick mode, reports one bool per registered criterion, all true, and writes its figure."""

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

ENTRIES = ["gradient-descent", "learning-rate", "momentum", "optimizers", "eve"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ENTRIES)
def test_entry_quick(name, quick_entry_passes):
    quick_entry_passes(name)
