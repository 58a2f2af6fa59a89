"""The train-charlm benchmark compares like with like: the float64 reference loss agrees with
torch's, dlcore's first-batch loss with the reference, and one epoch of each library (same initial
weights, same batches, Adam) ends at the same weights."""

import numpy as np
import pytest

from dlcore.bench import train_charlm as tc


def test_data_and_weights():
    x, y, vocab = tc.data()
    assert x.shape == y.shape == (292, tc.LENGTH) and vocab == 27
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    ws = tc.init_weights(vocab)
    assert len(ws) == len(tc.names()) and all(w.dtype == np.float32 for w in ws)
    assert ws[1].shape == (4 * tc.HIDDEN, tc.EMBED) and ws[5].shape == (4 * tc.HIDDEN, tc.HIDDEN)


def test_reference_loss_matches_torch():
    pytest.importorskip("torch")
    x, y, vocab = tc.data()
    ws = tc.init_weights(vocab)
    _, first, _ = tc.torch_epoch(ws, x, y, vocab)
    assert abs(first - tc.reference_loss(ws, x[: tc.BATCH], y[: tc.BATCH])) < 1e-5 * first


def test_one_epoch_matches_torch():
    pytest.importorskip("torch")
    x, y, vocab = tc.data()
    ws = tc.init_weights(vocab)
    fn, first, model = tc.dlcore_epoch(ws, x, y, vocab)
    assert abs(first - tc.reference_loss(ws, x[: tc.BATCH], y[: tc.BATCH])) < 1e-5 * first
    tfn, _, tmodel = tc.torch_epoch(ws, x, y, vocab)
    fn()
    tfn()
    theirs = dict(tmodel.named_parameters())
    moved = 0.0
    for (name, p), w0 in zip(model.named_parameters(), ws):
        ref = theirs[name].detach().numpy()
        np.testing.assert_allclose(p.numpy(), ref, rtol=1e-3, atol=2e-4, err_msg=name)
        moved = max(moved, float(np.abs(ref - w0).max()))
    assert moved > 1e-2  # ten Adam steps of lr 2e-3 moved the weights
