"""Tour entries F22 dropout, F23 batchnorm, F24 resnet, F25 highway:
each runs in quick mode, reports one bool per registered criterion, all true, and writes its
figure; the shared pieces of dlcore/tour/_deep.py."""

import math

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from dlcore import nn, optim
from dlcore.tour import _deep


@pytest.mark.slow
@pytest.mark.parametrize("name", ["dropout", "batchnorm", "resnet", "highway"])
def test_entry_quick(name, quick_entry_passes):
    quick_entry_passes(name)


def test_deep_stack_kinds():
    plain = _deep.deep_stack("plain", 3, width=8)
    assert len(plain) == 2 + 2 * 3 + 1
    res = _deep.deep_stack("residual", 4, width=8)
    blocks = [m for m in res if isinstance(m, nn.Residual)]
    assert len(blocks) == 4 and all(b.scale == 0.5 for b in blocks)
    hw = _deep.deep_stack("highway", 2, width=8)
    assert [m.gate_bias for m in hw if isinstance(m, nn.Highway)] == [-2.0, -2.0]
    with pytest.raises(ValueError, match="deep_stack: kind"):
        _deep.deep_stack("dense", 2)


def test_train_steps_counts_steps_across_passes_and_stops_early():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((50, 64)).astype(np.float32), rng.integers(0, 10, 50)
    model = _deep.deep_stack("plain", 1, width=8)
    opt = optim.SGD(model.parameters(), lr=0.1)
    run = _deep.train_steps(model, opt, x, y, steps=7, batch=16, every=3, probe=lambda m, s: s)
    assert run["steps"] == 7 and len(run["loss"]) == 7  # 3 full batches a pass: 3 + 3 + 1
    assert [s for s, _ in run["probes"]] == [3, 6, 7]
    stopped = _deep.train_steps(
        model, opt, x, y, 10, batch=16, every=2, probe=lambda m, s: s, stop=lambda r: r >= 4
    )
    assert stopped["steps"] == 4 and [s for s, _ in stopped["probes"]] == [2, 4]


def test_evaluate_restores_the_mode_and_uniform_output_scores_ln10():
    model = nn.Sequential(nn.Linear(64, 10), nn.Dropout(0.5))
    model[0].weight.data[...] = 0.0
    model[0].bias.data[...] = 0.0
    x, y = np.ones((6, 64), np.float32), np.arange(6)
    loss, acc = _deep.evaluate(model, x, y)
    assert model.training and abs(loss - math.log(10)) < 1e-6 and acc == pytest.approx(1 / 6)
