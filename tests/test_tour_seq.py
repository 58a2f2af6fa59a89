"""Tour entries of the sequence models (F06 translate, F07 attention, F08 caption, F55 pointer-net):
quick forms pass, and the pieces they rest on are checked on known inputs."""

import numpy as np
import pytest

from dlcore.models.seq2seq import BOS, EOS
from dlcore.tour import registry, runner
from dlcore.tour._seq_common import fit_steps, teacher_inputs
from dlcore.tour.attention import reversal_batch


@pytest.mark.parametrize("name", ["translate", "attention", "caption", "pointer-net"])
def test_quick_entry_passes(name):
    rec = runner.run_entry(registry.get(name), quick=True, fig_dir=None, seed=0)
    assert rec["passed"], rec
    assert all(rec["criteria"].values())


def test_reversal_batch_draws_lengths_in_proportion():
    lengths = np.arange(5, 26)
    seen = []
    for seed in range(400):
        src, tgt = reversal_batch(3, lengths, seed)
        assert src.shape == (3, tgt.shape[1] - 1) and (src >= 3).all() and (src <= 12).all()
        np.testing.assert_array_equal(tgt[:, :-1], src[:, ::-1])
        assert (tgt[:, -1] == EOS).all()
        seen.append(src.shape[1])
    seen = np.array(seen)
    assert seen.min() >= 5 and seen.max() <= 25
    assert (seen >= 15).mean() > 0.6  # lengths 15..25 carry 66% of the weight, 52% of the lengths


def test_teacher_inputs_and_fit_steps_run_every_batch_once():
    np.testing.assert_array_equal(teacher_inputs(np.array([[4, 5, EOS]])), [[BOS, 4, 5]])
    from dlcore import nn

    calls = []
    model = nn.Linear(2, 1)

    def batch_at(i):
        calls.append(i)
        return np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32)

    hist = fit_steps(model, nn.MSELoss(), batch_at, steps=12, lr=1e-2, chunks=4)
    assert calls == list(range(12)) and len(hist["loss"]) == 4
