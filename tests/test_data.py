"""dlcore.data: DataLoader batching/shuffling/drop_last (U03), TensorDataset, digits, synthetic."""

import numpy as np
import pytest

import dlcore
from dlcore.data import DataLoader, TensorDataset, digits, line_points, plane_points


def _ids(loader):
    """Concatenated sample ids of one epoch over a dataset whose x holds the id."""
    parts = [xb.numpy()[:, 0] for xb, _ in loader]
    return np.concatenate(parts).astype(np.int64) if parts else np.empty(0, np.int64)


def _dataset(n):
    x = np.arange(n, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    y = np.arange(n, dtype=np.int64) % 7
    return TensorDataset(x, y)


@pytest.mark.parametrize("n,bs", [(1, 1), (7, 3), (33, 8), (257, 31), (31, 31), (5, 64)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_every_sample_once_and_partial_last_batch(n, bs, shuffle):
    loader = DataLoader(_dataset(n), batch_size=bs, shuffle=shuffle, seed=3)
    sizes = [len(yb) for _, yb in loader]
    assert len(sizes) == len(loader) == -(-n // bs)
    assert sizes[:-1] == [bs] * (len(sizes) - 1) and sizes[-1] == n - bs * (len(sizes) - 1)
    ids = _ids(loader)
    assert sorted(ids.tolist()) == list(range(n))
    if not shuffle:
        assert ids.tolist() == list(range(n))


@pytest.mark.parametrize("n,bs", [(7, 3), (33, 8), (257, 31), (5, 64), (64, 8)])
def test_drop_last(n, bs):
    loader = DataLoader(_dataset(n), batch_size=bs, shuffle=True, drop_last=True, seed=1)
    sizes = [len(yb) for _, yb in loader]
    assert len(sizes) == len(loader) == n // bs
    assert all(s == bs for s in sizes)
    ids = _ids(loader)
    assert len(set(ids.tolist())) == len(ids) == (n // bs) * bs


def test_targets_stay_aligned_and_typed():
    loader = DataLoader(_dataset(257), batch_size=31, shuffle=True, seed=0)
    for xb, yb in loader:
        assert isinstance(xb, dlcore.Tensor) and isinstance(yb, dlcore.Tensor)
        assert xb.dtype == np.float32 and yb.dtype == np.int64 and xb.shape[1:] == (3,)
        np.testing.assert_array_equal(xb.numpy()[:, 0].astype(np.int64) % 7, yb.numpy())


def test_order_reproducible_from_seed_and_new_each_epoch():
    a = DataLoader(_dataset(101), batch_size=10, shuffle=True, seed=42)
    b = DataLoader(_dataset(101), batch_size=10, shuffle=True, seed=42)
    a1, a2, b1, b2 = _ids(a), _ids(a), _ids(b), _ids(b)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)
    c = DataLoader(_dataset(101), batch_size=10, shuffle=True, seed=43)
    assert not np.array_equal(_ids(c), a1)


def test_shuffle_before_batching():
    """Batches mix ids from across the dataset (not a shuffle of fixed contiguous batches)."""
    first = next(iter(DataLoader(_dataset(1000), batch_size=100, shuffle=True, seed=0)))[0]
    ids = first.numpy()[:, 0]
    assert ids.max() - ids.min() > 500


def test_default_generator_follows_manual_seed():
    dlcore.manual_seed(7)
    a = _ids(DataLoader(_dataset(50), batch_size=8, shuffle=True))
    dlcore.manual_seed(7)
    b = _ids(DataLoader(_dataset(50), batch_size=8, shuffle=True))
    np.testing.assert_array_equal(a, b)


def test_explicit_generator():
    a = _ids(DataLoader(_dataset(50), batch_size=8, shuffle=True, generator=np.random.default_rng(5)))
    b = _ids(DataLoader(_dataset(50), batch_size=8, shuffle=True, seed=5))
    np.testing.assert_array_equal(a, b)


class _Squares:
    """A map-style Dataset that is not a TensorDataset (collated sample by sample)."""

    def __len__(self):
        return 11

    def __getitem__(self, i):
        return np.array([i, i * i], np.float64), i % 2


def test_generic_dataset_collate():
    batches = list(DataLoader(_Squares(), batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 3]
    x = np.concatenate([b[0].numpy() for b in batches])
    np.testing.assert_array_equal(x[:, 1], np.arange(11) ** 2)
    assert batches[0][1].dtype == np.int64


def test_bad_arguments():
    with pytest.raises(ValueError, match="first dimension"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(_dataset(3), batch_size=0)
    with pytest.raises(ValueError, match="either seed or generator"):
        DataLoader(_dataset(3), seed=1, generator=np.random.default_rng(1))


def test_tuple_of_arrays_and_tensors_accepted():
    x = dlcore.tensor(np.ones((6, 2), np.float32))
    loader = DataLoader((x, np.arange(6)), batch_size=4)
    assert [len(b[0]) for b in loader] == [4, 2]


def test_digits_split():
    pytest.importorskip("sklearn")
    x, y = digits("train")
    xt, yt = digits("test")
    xa, ya = digits("all")
    assert x.shape == (1438, 64) and xt.shape == (359, 64) and xa.shape == (1797, 64)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert x.min() >= 0.0 and x.max() == 1.0
    for c in range(10):  # stratified: every class in both splits, ~20% held out
        n_c = np.sum(ya == c)
        assert abs(np.sum(yt == c) - 0.2 * n_c) <= 1
    # disjoint and complete: match rows back to the full set
    rows = {r.tobytes(): i for i, r in enumerate(xa)}
    tr = {rows[r.tobytes()] for r in x}
    te = {rows[r.tobytes()] for r in xt}
    assert not tr & te and len(tr | te) >= 1790  # a few digits are exact duplicates
    np.testing.assert_array_equal(digits("test")[0], xt)
    assert not np.array_equal(digits("test", seed=1)[1], yt)
    assert digits("train", images=True)[0].shape == (1438, 1, 8, 8)
    with pytest.raises(ValueError, match="split"):
        digits("val")


def test_synthetic_points():
    x, y = line_points(n=50, seed=1)
    assert x.shape == y.shape == (50, 1) and x.dtype == np.float32
    resid = y - (2 * x + 1)
    assert 0.05 < resid.std() < 0.15
    np.testing.assert_array_equal(line_points(n=50, seed=1)[0], x)
    xy, z = plane_points(n=300, seed=0)
    assert xy.shape == (300, 2) and z.shape == (300, 1)
    resid = z[:, 0] - (0.5 * xy[:, 0] - 1.5 * xy[:, 1] + 2)
    assert 0.05 < resid.std() < 0.15


def test_digits_folds_partition_the_data():
    pytest.importorskip("sklearn")
    tests = [digits("test", fold=k)[1] for k in range(5)]
    assert sum(len(t) for t in tests) == 1797
    for k in range(5):
        xtr, _ = digits("train", fold=k)
        assert len(xtr) + len(tests[k]) == 1797
        assert all(abs(np.sum(tests[k] == c) - np.sum(digits("all")[1] == c) / 5) <= 1 for c in range(10))
    with pytest.raises(ValueError, match="fold"):
        digits("test", fold=5)


def test_num_workers_and_pin_memory_accepted_as_torch():
    ds = TensorDataset(np.arange(10, dtype=np.float32))
    plain = [b[0].numpy().tolist() for b in DataLoader(ds, batch_size=4)]
    same = DataLoader(ds, batch_size=4, num_workers=2, pin_memory=True)
    assert [b[0].numpy().tolist() for b in same] == plain
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="num_workers"):
            DataLoader(ds, batch_size=4, num_workers=bad)
