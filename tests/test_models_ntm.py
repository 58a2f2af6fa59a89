"""dlcore.models.ntm (the Neural Turing Machine's addressing, read, write and the NTM module) and
dlcore.data.copy_sequences, on known inputs; gradcheck through addressing, read and write."""

import numpy as np
import pytest

import dlcore
from dlcore.autograd import gradcheck
from dlcore.data import copy_sequences
from dlcore.models import NTM
from dlcore.models.ntm import address, circular_shift, cosine_similarity, read, write


def _t(a, grad=False):
    return dlcore.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _probs(rng, *shape):
    p = rng.random(shape)
    return p / p.sum(-1, keepdims=True)


def test_cosine_similarity_of_known_vectors():
    memory = _t([[[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [1.0, 1.0]]])
    got = cosine_similarity(_t([[2.0, 0.0]]), memory).numpy()
    np.testing.assert_allclose(got, [[1.0, 0.0, -1.0, np.sqrt(0.5)]], rtol=1e-7)


def test_circular_shift_moves_the_weights_one_slot():
    w = _t([[0.1, 0.2, 0.3, 0.4]])
    np.testing.assert_allclose(circular_shift(w, _t([[0, 0, 1.0]])).numpy(), [[0.4, 0.1, 0.2, 0.3]])
    np.testing.assert_allclose(circular_shift(w, _t([[1.0, 0, 0]])).numpy(), [[0.2, 0.3, 0.4, 0.1]])
    np.testing.assert_allclose(circular_shift(w, _t([[0, 1.0, 0]])).numpy(), w.numpy())


def test_address_weights_are_a_distribution_and_follow_each_stage(rng):
    b, n, m = 16, 8, 5
    memory = _t(rng.standard_normal((b, n, m)))
    w_prev, shift = _t(_probs(rng, b, n)), _t(_probs(rng, b, 3))
    w = address(memory, w_prev, _t(rng.standard_normal((b, m))), _t(rng.uniform(0.5, 5, (b, 1))),
                _t(rng.random((b, 1))), shift, _t(rng.uniform(1, 3, (b, 1)))).numpy()  # fmt: skip
    assert (w > 0).all()
    np.testing.assert_allclose(w.sum(1), 1.0, rtol=0, atol=1e-12)
    # content only (gate 1, no shift, gamma 1), a large beta: the slot equal to the key wins
    key = memory[:, 3]
    one, no_shift = _t(np.ones((b, 1))), _t(np.tile([0.0, 1.0, 0.0], (b, 1)))
    w = address(memory, w_prev, key, _t(np.full((b, 1), 200.0)), one, no_shift, one).numpy()
    assert (w.argmax(1) == 3).all() and (w[:, 3] > 0.99).all()
    # gate 0: the previous weights, shifted by +1
    plus_one = _t(np.tile([0.0, 0.0, 1.0], (b, 1)))
    w = address(memory, w_prev, key, one, _t(np.zeros((b, 1))), plus_one, one).numpy()
    np.testing.assert_allclose(w, np.roll(w_prev.numpy(), 1, axis=1), rtol=1e-12)
    # sharpening with gamma 2 squares then renormalises
    w = address(memory, w_prev, key, one, _t(np.zeros((b, 1))), no_shift, _t(np.full((b, 1), 2.0))).numpy()
    sq = w_prev.numpy() ** 2
    np.testing.assert_allclose(w, sq / sq.sum(1, keepdims=True), rtol=1e-12)


def test_read_and_write_known_values():
    memory = _t([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])
    w = _t([[0.0, 1.0, 0.0]])
    np.testing.assert_allclose(read(memory, _t([[0.5, 0.5, 0.0]])).numpy(), [[2.0, 3.0]])
    new = write(memory, w, _t([[1.0, 0.0]]), _t([[10.0, 20.0]])).numpy()
    np.testing.assert_allclose(new, [[[1.0, 2.0], [10.0, 24.0], [5.0, 6.0]]])


def test_gradcheck_through_address_read_and_write(rng):
    b, n, m = 2, 5, 3
    mem, key = _t(rng.standard_normal((b, n, m)), True), _t(rng.standard_normal((b, m)), True)
    erase, add = _t(rng.random((b, m)), True), _t(rng.standard_normal((b, m)), True)
    beta, gate, gamma = (
        _t(rng.uniform(0.5, 3, (b, 1)), True),
        _t(rng.random((b, 1)), True),
        _t([[1.5], [2.5]], True),
    )
    shift, w_prev = _t(_probs(rng, b, 3), True), _t(_probs(rng, b, n), True)

    def fn(mem, key, erase, add, beta, gate, gamma, shift, w_prev):
        w = address(mem, w_prev, key, beta, gate, shift, gamma)
        return read(write(mem, w, erase, add), w)

    assert gradcheck(fn, [mem, key, erase, add, beta, gate, gamma, shift, w_prev])


def test_ntm_forward_shapes_gradients_and_errors():
    dlcore.manual_seed(0)
    model = NTM(5, 4, hidden=16, slots=6, width=3)
    x = dlcore.from_numpy(copy_sequences(3, length=2, bits=4)[0])
    out = model(x)
    assert out.shape == (5, 3, 4)
    out.sum().backward()
    assert all(p.grad is not None and np.isfinite(p.grad.numpy()).all() for p in model.parameters())
    with pytest.raises(ValueError, match=r"NTM: expected x of shape \(T, B, 5\)"):
        model(dlcore.zeros(3, 5))
    with pytest.raises(ValueError, match="NTM: slots must be a positive int"):
        NTM(5, 4, slots=0)


def test_copy_sequences_layout_and_seeding():
    x, y = copy_sequences(7, length=5, bits=4, seed=3)
    assert x.shape == (11, 7, 5) and y.shape == (5, 7, 4) and x.dtype == y.dtype == np.float32
    np.testing.assert_array_equal(x[:5, :, :4], y)
    assert (x[:5, :, 4] == 0).all() and (x[5] == [0, 0, 0, 0, 1]).all() and (x[6:] == 0).all()
    assert set(np.unique(y)) == {0.0, 1.0}
    np.testing.assert_array_equal(copy_sequences(7, seed=3)[1], y)
    assert not np.array_equal(copy_sequences(7, seed=4)[1], y)
    assert abs(copy_sequences(2000, seed=0)[1].mean() - 0.5) < 0.02
    with pytest.raises(ValueError, match="copy_sequences: length must be a positive int"):
        copy_sequences(3, length=0)
