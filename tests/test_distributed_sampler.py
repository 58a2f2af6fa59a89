"""dlcore.data.DistributedSampler against torch's, and DataLoader(sampler=...); no MPI needed."""

import math

import numpy as np
import pytest

import dlcore.data.distributed_sampler as ds_module
from dlcore import distributed as dist
from dlcore.data import DataLoader, DistributedSampler, TensorDataset

CASES = [
    (n, r, drop)
    for n in (0, 1, 2, 3, 5, 7, 8, 10, 33, 100)
    for r in (1, 2, 3, 4, 7)
    for drop in (False, True)
]


def _shards(n, r, **kw):
    return [list(DistributedSampler(range(n), num_replicas=r, rank=k, **kw)) for k in range(r)]


@pytest.mark.torch
@pytest.mark.parametrize("n,r,drop", CASES)
def test_unshuffled_shards_equal_torch(torch, n, r, drop):
    from torch.utils.data import DistributedSampler as TorchSampler

    for k in range(r):
        ours = DistributedSampler(range(n), num_replicas=r, rank=k, shuffle=False, drop_last=drop)
        ref = TorchSampler(range(n), num_replicas=r, rank=k, shuffle=False, drop_last=drop)
        assert list(ours) == list(ref)
        assert len(ours) == len(ref) == ref.num_samples == ours.num_samples
        assert ours.total_size == ref.total_size


@pytest.mark.parametrize("n,r,drop", CASES)
def test_shuffled_shards_cover_the_set(n, r, drop):
    shards = _shards(n, r, shuffle=True, seed=5, drop_last=drop)
    sizes = {len(s) for s in shards}
    assert len(sizes) == 1 and sizes.pop() == len(DistributedSampler(range(n), r, 0, drop_last=drop))
    flat = [i for s in shards for i in s]
    assert all(isinstance(i, int) for i in flat)
    if drop:
        assert len(set(flat)) == len(flat) == r * (n // r)
    else:
        assert set(flat) == set(range(n))
        assert len(flat) == r * math.ceil(n / r)


@pytest.mark.parametrize("n,r", [(10, 3), (64, 4), (7, 2)])
def test_shuffle_is_one_seeded_permutation_dealt_round_robin(n, r):
    perm = np.random.default_rng(11 + 3).permutation(n)
    total = r * math.ceil(n / r)
    padded = np.resize(perm, total) if n else perm
    for k in range(r):
        s = DistributedSampler(range(n), num_replicas=r, rank=k, seed=11)
        s.set_epoch(3)
        assert list(s) == padded[k:total:r].tolist()


def test_set_epoch_changes_the_order_and_is_reproducible():
    a = DistributedSampler(range(50), num_replicas=2, rank=1, seed=2)
    first = list(a)
    assert list(a) == first
    a.set_epoch(1)
    second = list(a)
    assert second != first and sorted(second) != second
    b = DistributedSampler(range(50), num_replicas=2, rank=1, seed=2)
    b.set_epoch(1)
    assert list(b) == second and b.epoch == 1


def test_unshuffled_ignores_epoch():
    s = DistributedSampler(range(9), num_replicas=2, rank=0, shuffle=False)
    first = list(s)
    s.set_epoch(4)
    assert list(s) == first == [0, 2, 4, 6, 8]


@pytest.mark.parametrize("rank", [-1, 2, 5])
def test_rank_out_of_range(rank):
    with pytest.raises(ValueError, match=rf"Invalid rank {rank}, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=rank)


@pytest.mark.parametrize(
    "kw,err",
    [
        ({"num_replicas": 0, "rank": 0}, ValueError),
        ({"num_replicas": 2.0, "rank": 0}, TypeError),
        ({"num_replicas": 2, "rank": "0"}, TypeError),
        ({"num_replicas": 2, "rank": 0, "seed": 1.5}, TypeError),
        ({"num_replicas": True, "rank": 0}, TypeError),
    ],
)
def test_bad_arguments(kw, err):
    with pytest.raises(err, match="DistributedSampler"):
        DistributedSampler(range(4), **kw)


def test_bad_dataset_epoch_and_seed():
    with pytest.raises(TypeError, match="__len__"):
        DistributedSampler(iter(range(3)), num_replicas=1, rank=0)
    s = DistributedSampler(range(3), num_replicas=1, rank=0, seed=-2)
    with pytest.raises(TypeError, match="epoch"):
        s.set_epoch("1")
    s.set_epoch(1)
    with pytest.raises(ValueError, match="seed \\+ epoch must be >= 0"):
        list(s)
    s.set_epoch(2)
    assert sorted(s) == [0, 1, 2]


@pytest.mark.skipif(not dist.is_available(), reason="mpi4py not installed")
def test_defaults_need_an_initialized_group():
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="get_world_size: Default process group has not been initialized"):
        DistributedSampler(range(4))
    with pytest.raises(ValueError, match="get_rank: Default process group has not been initialized"):
        DistributedSampler(range(4), num_replicas=2)


def test_defaults_without_mpi4py_raise_runtime_error(monkeypatch):
    monkeypatch.setattr(ds_module, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"dlcore\[mpi\]"):
        DistributedSampler(range(4), rank=0)
    assert len(DistributedSampler(range(4), num_replicas=2, rank=0)) == 2


# DataLoader(sampler=...)


def _data(n):
    return TensorDataset(np.arange(n, dtype=np.float32)[:, None], np.arange(n))


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (7, 7, False), (1, 4, True)])
def test_loader_iterates_the_sampler_in_batches(n, bs, drop):
    sampler = DistributedSampler(_data(n), num_replicas=2, rank=1, seed=4)
    loader = DataLoader(_data(n), batch_size=bs, sampler=sampler, drop_last=drop)
    got = [b[1].numpy().tolist() for b in loader]
    want = list(sampler)
    chunks = [want[i : i + bs] for i in range(0, len(want), bs)]
    if drop:
        chunks = [c for c in chunks if len(c) == bs]
    assert got == chunks
    assert len(loader) == len(chunks) == (len(sampler) // bs if drop else math.ceil(len(sampler) / bs))
    assert loader.sampler is sampler


def test_loader_sampler_any_iterable_with_len_and_generic_dataset():
    class Rows:
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return np.array([i, 10 * i]), i

    loader = DataLoader(Rows(), batch_size=2, sampler=[5, 0, 3])
    got = [(x.numpy().tolist(), y.numpy().tolist()) for x, y in loader]
    assert got == [([[5, 50], [0, 0]], [5, 0]), ([[3, 30]], [3])]
    assert len(loader) == 2
    assert list(DataLoader(Rows(), batch_size=2, sampler=[])) == []


def test_loader_fast_path_is_one_fancy_index_per_batch(monkeypatch):
    data = _data(9)
    calls = []

    class Spy(np.ndarray):
        def __getitem__(self, idx):
            calls.append(np.asarray(idx).tolist())
            return np.ndarray.__getitem__(self, idx)

    data.arrays = tuple(a.view(Spy) for a in data.arrays)
    list(DataLoader(data, batch_size=4, sampler=[8, 1, 2, 3, 4, 0]))
    assert calls == [[8, 1, 2, 3], [8, 1, 2, 3], [4, 0], [4, 0]]


def test_loader_sampler_errors():
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(_data(4), sampler=[0, 1], shuffle=True)
    with pytest.raises(TypeError, match="sampler must be an iterable of indices with __len__"):
        DataLoader(_data(4), sampler=iter([0, 1]))
    with pytest.raises(TypeError, match="sampler must yield int indices"):
        list(DataLoader(_data(4), sampler=[0.5, 1.0]))
    with pytest.raises(TypeError, match="sampler must yield int indices"):
        list(DataLoader(_data(4), sampler=[True, False]))
