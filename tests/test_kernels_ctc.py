"""The CPU CTC kernels (backend.cpu.ctc_loss_forward / ctc_loss_backward) against the float64
references of dlcore/reference_ctc.py (the alpha recursion and the alpha-beta posteriors), a
brute-force sum over every alignment for short inputs, and torch.nn.functional.ctc_loss.

Error is |out - ref| / max(|ref|, 1) (dlcore.reference.rel_err). Budgets: float64 1e-12 against
the recursion, 1e-9 against the brute force (T <= 6); float32 2e-5 for the loss (a sum of T
log-probabilities) and 1e-4 for the gradient (posteriors in [0, 1] from exp of float32 log
alphas of size ~T log C). Outputs are poisoned with nan before each call, so a value the kernel
did not write fails.
"""

import numpy as np
import pytest

import dlcore
from dlcore import backend
from dlcore.reference import rel_err
from dlcore.reference_ctc import collapse, ctc_brute_force, ctc_grad_ref, ctc_loss_ref

K = backend.cpu
LOSS_TOL = {np.float32: 2e-5, np.float64: 1e-12}
GRAD_TOL = {np.float32: 1e-4, np.float64: 1e-12}


def _log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def make_case(rng, t, n, c, s, blank=0, dtype=np.float64, scale=2.0, full=False, tl=None):
    """Random log_probs (t, n, c), targets (n, s) padded with values that must not be read,
    input_lengths in [0, t] (t when full), target_lengths in [0, s] (or tl)."""
    lp = _log_softmax(scale * rng.standard_normal((t, n, c))).astype(dtype)
    labels = [k for k in range(c) if k != blank]
    targets = rng.choice(labels, size=(n, s)).astype(np.int64) if labels and s else np.zeros((n, s), np.int64)
    il = np.full(n, t, np.int64) if full else rng.integers(0, t + 1, n).astype(np.int64)
    tl = rng.integers(0, s + 1, n).astype(np.int64) if tl is None else np.array(tl, np.int64)
    for i in range(n):
        targets[i, tl[i] :] = -7 if (i % 2) else c + 3  # padding outside the label range
    return lp, targets, il, tl


def run_forward(lp, targets, il, tl, blank=0):
    t, n, _ = lp.shape
    loss = np.full(n, np.nan, lp.dtype)
    la = np.full((n, t, 2 * targets.shape[1] + 1), np.nan, lp.dtype)
    K.ctc_loss_forward(loss, la, lp, targets, il, tl, blank)
    return loss, la


def run_backward(lp, targets, il, tl, blank, la, loss, dloss):
    grad = np.full(lp.shape, np.nan, lp.dtype)
    K.ctc_loss_backward(grad, dloss, lp, targets, il, tl, blank, la, loss)
    return grad


SHAPES = [  # t, n, c, s
    (1, 1, 2, 1),
    (5, 3, 4, 2),
    (7, 2, 3, 3),
    (13, 5, 6, 4),
    (31, 4, 11, 9),
    (50, 3, 29, 17),
    (4, 6, 2, 2),  # one label class: every target is a run of one label
    (64, 2, 5, 30),  # targets of up to 30 labels in 64 steps: repeats make many infeasible
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("t,n,c,s", SHAPES)
def test_forward_and_backward_match_the_reference(t, n, c, s, dtype):
    rng = np.random.default_rng(t * 1000 + n * 100 + c * 10 + s)
    blank = int(rng.integers(0, c))
    lp, targets, il, tl = make_case(rng, t, n, c, s, blank, dtype)
    loss, la = run_forward(lp, targets, il, tl, blank)
    ref_loss, ref_la = ctc_loss_ref(lp, targets, il, tl, blank)
    assert np.array_equal(np.isinf(loss), np.isinf(ref_loss))
    assert rel_err(loss, ref_loss) <= LOSS_TOL[dtype]
    assert np.array_equal(np.isneginf(la), np.isneginf(ref_la)), "log_alpha's -inf pattern"
    finite = np.isfinite(ref_la)
    assert rel_err(la[finite], ref_la[finite]) <= LOSS_TOL[dtype]
    dloss = rng.uniform(0.5, 2.0, n).astype(dtype)
    grad = run_backward(lp, targets, il, tl, blank, la, loss, dloss)
    ref_grad = ctc_grad_ref(lp, targets, il, tl, blank) * dloss[None, :, None]
    assert np.array_equal(np.isnan(grad), np.isnan(ref_grad))
    assert rel_err(grad, ref_grad) <= GRAD_TOL[dtype]


@pytest.mark.parametrize("seed", range(12))
def test_brute_force_over_all_alignments(seed):
    """T <= 6: every path of length T over C classes is enumerated (C^T <= 4096)."""
    rng = np.random.default_rng(seed)
    t, c = int(rng.integers(1, 7)), int(rng.integers(2, 5))
    s = int(rng.integers(0, 4))
    blank = int(rng.integers(0, c))
    lp, targets, il, tl = make_case(rng, t, 3, c, s, blank, full=seed % 2 == 0)
    if s >= 2:
        targets[0, 1] = targets[0, 0]  # a repeated label (or padding, when tl[0] < 2)
    loss, la = run_forward(lp, targets, il, tl, blank)
    grad = run_backward(lp, targets, il, tl, blank, la, loss, np.ones(3))
    for i in range(3):
        bl, bg = ctc_brute_force(lp[: il[i], i], targets[i, : tl[i]], blank)
        assert (loss[i] == np.inf) == (bl == np.inf)
        assert rel_err(loss[i], bl) <= 1e-9
        assert rel_err(grad[: il[i], i], bg) <= 1e-9
        assert not grad[il[i] :, i].any()


def test_brute_force_collapse():
    assert collapse([0, 1, 1, 0, 1, 2, 2], blank=0) == (1, 1, 2)
    assert collapse([2, 2, 0, 2], blank=2) == (0,)
    assert collapse([], blank=0) == ()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_against_torch(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    lp, targets, il, tl = make_case(rng, 40, 6, 9, 12, blank=3, dtype=dtype, tl=[12, 0, 5, 12, 3, 7])
    il[0] = 40
    loss, la = run_forward(lp, targets, il, tl, 3)
    dloss = rng.uniform(0.5, 2.0, 6).astype(dtype)
    grad = run_backward(lp, targets, il, tl, 3, la, loss, dloss)
    x = torch.from_numpy(lp.astype(np.float64)).requires_grad_()
    tt = torch.from_numpy(np.where(targets >= 0, targets, 0) % 9)
    ref = torch.nn.functional.ctc_loss(
        x, tt, torch.from_numpy(il), torch.from_numpy(tl), blank=3, reduction="none"
    )
    ref.backward(torch.from_numpy(dloss.astype(np.float64)))
    assert rel_err(loss, ref.detach().numpy()) <= LOSS_TOL[dtype]
    # torch's gradient is the true one plus dloss * exp(log_probs) at t < input_lengths
    active = (np.arange(40)[:, None] < il[None, :])[..., None]
    torch_true = x.grad.numpy() - active * dloss[None, :, None] * np.exp(lp.astype(np.float64))
    assert rel_err(np.nan_to_num(grad, nan=9.0), np.nan_to_num(torch_true, nan=9.0)) <= GRAD_TOL[dtype]


def test_edge_cases_by_hand():
    """Empty targets, impossible alignments, repeated labels, input_lengths 0 and < T."""
    lp = np.log(np.full((4, 6, 3), 1 / 3))
    targets = np.array([[1, 1, 2], [1, 1, 0], [2, 0, 0], [0, 0, 0], [1, 2, 1], [1, 0, 0]], np.int64)
    il = np.array([4, 2, 0, 0, 3, 1], np.int64)
    tl = np.array([3, 2, 1, 0, 3, 0], np.int64)
    loss, la = run_forward(lp, targets, il, tl, blank=0)
    # [1, 1, 2] in 4 steps: 1 _ 1 2 is the only path (a blank must separate the repeat)
    assert loss[0] == pytest.approx(4 * np.log(3), rel=1e-14)
    assert loss[1] == np.inf  # [1, 1] needs 3 steps, 2 given
    assert loss[2] == np.inf and loss[3] == 0.0  # no input: only the empty target has p = 1
    # [1, 2, 1] in 3 steps: exactly one path; [] in 1 step: the blank
    assert loss[4] == pytest.approx(3 * np.log(3), rel=1e-14)
    assert loss[5] == pytest.approx(np.log(3), rel=1e-14)
    for i in range(6):
        assert np.isneginf(la[i, il[i] :]).all() and np.isneginf(la[i, :, 2 * tl[i] + 1 :]).all()
    grad = run_backward(lp, targets, il, tl, 0, la, loss, np.ones(6))
    np.testing.assert_array_equal(grad[:, 0], -np.eye(3)[[1, 0, 1, 2]])  # the one path, posterior 1
    assert np.isnan(grad[:2, 1]).all() and not grad[2:, 1].any()  # +inf loss: nan, as torch
    assert not grad[:, 2].any() and not grad[:, 3].any()
    np.testing.assert_array_equal(grad[:, 5], -np.eye(3)[[0, 0, 0, 0]] * (np.arange(4) < 1)[:, None])


def test_zero_sizes():
    for t, n, c, s in [(0, 3, 4, 2), (5, 0, 4, 2), (5, 3, 4, 0), (0, 0, 1, 0)]:
        lp = np.zeros((t, n, c))
        targets = np.ones((n, s), np.int64) % max(c, 1) if c > 1 else np.zeros((n, s), np.int64)
        il, tl = np.full(n, t, np.int64), np.full(n, s if c > 1 else 0, np.int64)
        loss, la = run_forward(lp, targets, il, tl, 0)
        ref, _ = ctc_loss_ref(lp, targets, il, tl, 0)
        np.testing.assert_array_equal(loss, ref)
        grad = run_backward(lp, targets, il, tl, 0, la, loss, np.ones(n))
        assert grad.shape == (t, n, c) and not np.isnan(grad[:, ~np.isinf(loss)]).any()


def test_long_sequences_stay_finite_in_float32():
    """T = 2000 steps of 50 classes: alpha reaches ~exp(-8000), far below float32's range; in log
    space the loss stays finite and the posteriors sum to 1 at every step."""
    rng = np.random.default_rng(3)
    lp, targets, il, tl = make_case(rng, 2000, 2, 50, 40, dtype=np.float32, full=True, tl=[40, 40])
    loss, la = run_forward(lp, targets, il, tl)
    assert np.isfinite(loss).all() and (loss > 1000).all()
    ref, _ = ctc_loss_ref(lp, targets, il, tl)
    assert rel_err(loss, ref) <= 1e-5
    grad = run_backward(lp, targets, il, tl, 0, la, loss, np.ones(2, np.float32))
    np.testing.assert_allclose(grad.sum(axis=-1), -1.0, atol=1e-3)


def test_same_bits_at_any_thread_count():
    rng = np.random.default_rng(11)
    lp, targets, il, tl = make_case(rng, 120, 16, 20, 25, dtype=np.float32)
    before = dlcore.get_num_threads()
    out = []
    try:
        for threads in (1, 2, 3):
            dlcore.set_num_threads(threads)
            loss, la = run_forward(lp, targets, il, tl)
            out.append((loss, la, run_backward(lp, targets, il, tl, 0, la, loss, np.ones(16, np.float32))))
    finally:
        dlcore.set_num_threads(before)
    for other in out[1:]:
        for a, b in zip(out[0], other):
            assert np.array_equal(a, b, equal_nan=True)
