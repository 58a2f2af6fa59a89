"""CTC through the Python API beyond the op table (tests/op_table/ctc.py compares every form with
torch): torch's argument forms give the same losses, the greedy decoder on hand-made paths, and
a loss that trains (the decoded best path becomes the target)."""

import numpy as np
import pytest

import dlcore
import dlcore.nn.functional as F
from dlcore import nn


def _log_probs(rng, t, n, c):
    return F.log_softmax(dlcore.tensor(rng.standard_normal((t, n, c))), -1)


def test_argument_forms_give_the_same_losses():
    rng = np.random.default_rng(0)
    lp = _log_probs(rng, 10, 3, 6)
    padded = np.array([[1, 2, 2, 0], [5, 0, 0, 0], [3, 4, 1, 1]])
    lengths = (3, 1, 4)
    ref = F.ctc_loss(lp, dlcore.tensor(padded), (10, 8, 10), lengths, reduction="none").numpy()
    concat = dlcore.tensor(np.array([1, 2, 2, 5, 3, 4, 1, 1], np.int32))
    tensors = (dlcore.tensor(np.array([10, 8, 10], np.int32)), dlcore.tensor(np.array(lengths)))
    np.testing.assert_array_equal(F.ctc_loss(lp, concat, *tensors, reduction="none").numpy(), ref)
    assert F.ctc_loss(
        lp, dlcore.tensor(padded), (10, 8, 10), lengths, reduction="sum"
    ).item() == pytest.approx(ref.sum(), rel=1e-14)
    mean = F.ctc_loss(lp, dlcore.tensor(padded), (10, 8, 10), lengths).item()
    assert mean == pytest.approx(np.mean(ref / np.array(lengths)), rel=1e-14)
    one = F.ctc_loss(lp[:8, 1], dlcore.tensor(np.array([5])), (8,), (1,), reduction="none")
    assert one.shape == () and one.item() == ref[1]


def test_zero_infinity_zeroes_the_loss_and_its_gradient():
    rng = np.random.default_rng(1)
    x = dlcore.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    targets = dlcore.tensor(np.array([[1, 1], [2, 3]]))
    loss = F.ctc_loss(F.log_softmax(x, -1), targets, (2, 3), (2, 2), reduction="none", zero_infinity=True)
    assert loss.numpy()[0] == 0 and np.isfinite(loss.numpy()[1]) and loss.numpy()[1] > 0
    loss.sum().backward()
    assert not x.grad.numpy()[:, 0].any() and x.grad.numpy()[:, 1].any()


def test_greedy_decode_merges_repeats_and_drops_blanks():
    path = np.array([0, 2, 2, 0, 2, 1, 1, 3, 0, 0])  # -> 2, 2, 1, 3
    scores = np.full((10, 2, 4), -5.0)
    scores[np.arange(10), 0, path] = 0.0
    scores[np.arange(10), 1, path[::-1]] = 0.0  # -> 3, 1, 2, 2
    out = F.ctc_greedy_decode(dlcore.tensor(scores))
    np.testing.assert_array_equal(out.numpy(), [[2, 2, 1, 3], [3, 1, 2, 2]])
    out = F.ctc_greedy_decode(dlcore.tensor(scores), (3, 10), padding_value=9)
    np.testing.assert_array_equal(out.numpy(), [[2, 9, 9, 9], [3, 1, 2, 2]])
    np.testing.assert_array_equal(
        F.ctc_greedy_decode(dlcore.tensor(scores[:, 0]), blank=2).numpy(), [0, 0, 1, 3, 0]
    )
    assert F.ctc_greedy_decode(dlcore.tensor(scores[:0])).shape == (2, 0)


def test_ctc_trains_to_its_targets():
    """Logits learned by Adam under nn.CTCLoss: the loss falls and the best path decodes to the
    targets (the repeated label needs a blank between its two copies)."""
    dlcore.manual_seed(0)
    logits = dlcore.tensor(np.zeros((12, 2, 5)), requires_grad=True)
    targets = np.array([[1, 1, 2], [4, 3, 0]])
    lengths = (3, 2)
    loss_fn = nn.CTCLoss()
    opt = dlcore.optim.Adam([logits], lr=0.1)
    first = None
    for _ in range(150):
        loss = loss_fn(F.log_softmax(logits, -1), dlcore.tensor(targets), (12, 12), lengths)
        first = loss.item() if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05 * first
    decoded = F.ctc_greedy_decode(logits.detach())
    assert decoded.numpy()[0].tolist() == [1, 1, 2]
    assert [k for k in decoded.numpy()[1] if k >= 0] == [4, 3]
