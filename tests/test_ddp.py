"""DistributedDataParallel in one process (world size 1, MPI's singleton init): the wrapper, the
bucketing and flat-layout logic, the hooks, no_sync, unused parameters, bad arguments and
checkpoints. Multi-rank behaviour is in tests/test_mpi_ddp.py."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
import dlcore.distributed as dist
from dlcore import nn, optim
from dlcore.checkpoint import load_checkpoint, save_checkpoint
from dlcore.nn.parallel import DistributedDataParallel as DDP
from dlcore.nn.parallel.reducer import build_buckets, contiguous_slice
from dlcore.nn.utils import consume_prefix_in_state_dict_if_present

needs_mpi = pytest.mark.skipif(not dist.is_available(), reason="needs mpi4py (pip install 'dlcore[mpi]')")


@pytest.fixture
def group():
    if not dist.is_available():
        pytest.skip("needs mpi4py")
    mine = not dist.is_initialized()
    if mine:
        dist.init_process_group("mpi")
    yield
    if mine:
        dist.destroy_process_group()


def mlp(seed=0, dtype=np.float64):
    dlcore.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3)).to(dtype=dtype)


def batch(n=6, dtype=np.float64):
    rng = np.random.default_rng(3)
    return dlcore.tensor(rng.standard_normal((n, 5)).astype(dtype)), dlcore.tensor(rng.integers(0, 3, n))


def grads(model):
    return [None if p.grad is None else p.grad.numpy().copy() for p in model.parameters()]


def loss_of(model, x, y):
    return nn.CrossEntropyLoss()(model(x), y)


# ---- layout and bucketing (no MPI) -----------------------------------------------------------
def test_contiguous_slice_finds_adjacent_views_of_one_buffer_in_any_order():
    flat = np.arange(20.0)
    a, b, c = flat[2:8].reshape(2, 3), flat[8:12], flat[12:13].reshape(())
    s = contiguous_slice([c, a, b])
    assert s is not None and np.shares_memory(s, flat) and s.shape == (11,)
    assert s.__array_interface__["data"][0] == a.__array_interface__["data"][0]
    s[...] = -1
    assert (flat[2:13] == -1).all() and flat[1] == 1 and flat[13] == 13
    own = np.ones((3, 2))
    assert contiguous_slice([own]).shape == (6,) and np.shares_memory(contiguous_slice([own]), own)


@pytest.mark.parametrize(
    "arrays",
    [
        lambda f: [f[0:3], f[4:6]],  # a gap
        lambda f: [f[0:3], f[2:6]],  # overlapping
        lambda f: [f[0:3], np.arange(3.0)],  # two owners
        lambda f: [f[0:6:2]],  # not contiguous
        lambda f: [f[0:2], f[2:4].view(np.int64)],  # another dtype
        lambda f: [f.reshape(4, 5)[:, :2]],  # a non-contiguous 2-D view
    ],
    ids=["gap", "overlap", "two-owners", "strided", "dtype", "2d-strided"],
)
def test_contiguous_slice_refuses_what_is_not_one_slice(arrays):
    assert contiguous_slice(arrays(np.arange(20.0))) is None


def test_buckets_reverse_order_by_dtype_and_cap():
    ps = [
        dlcore.tensor(np.zeros(n, dt), requires_grad=True)
        for n, dt in [(10, np.float64), (3, np.float32), (4, np.float64), (30, np.float64), (2, np.float64)]
    ]
    buckets = build_buckets(ps, bucket_cap_bytes=120)  # 2 + 0 fit (112 bytes), 3 is alone (240)
    assert [b.indices for b in buckets] == [[4], [3], [2, 0], [1]]
    assert [b.indices for b in build_buckets(ps, 10**6)] == [[4, 3, 2, 0], [1]]
    covered = sorted(i for b in buckets for i in b.indices)
    assert covered == list(range(5))


# ---- the wrapper -----------------------------------------------------------------------------
def test_requires_an_initialized_process_group():
    if dist.is_initialized():
        pytest.skip("a process group is initialized in this process")
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DDP(mlp())


def test_wrapper_forwards_and_prefixes_state_dict(group):
    m = mlp()
    ddp = DDP(m)
    assert ddp.module is m
    assert list(ddp.state_dict()) == ["module." + k for k in m.state_dict()]
    assert [id(p) for p in ddp.parameters()] == [id(p) for p in m.parameters()]
    x, _ = batch()
    np.testing.assert_array_equal(ddp(x).numpy(), m(x).numpy())
    ddp.eval()
    assert not m.training and not m[0].training


def test_world_one_gradients_equal_local_ones_on_both_paths(group):
    x, y = batch()
    ref = mlp()
    loss_of(ref, x, y).backward()
    m = mlp()
    ddp = DDP(m, bucket_cap_mb=200 / 2**20)  # 200 bytes: buckets [b2, W2] [b1] [W1]
    assert [b.indices for b in ddp.reducer.buckets] == [[3, 2], [1], [0]]
    loss_of(ddp, x, y).backward()  # no optimizer: the two-parameter bucket packs
    assert ddp.reducer.stats == {"in_place": 2, "packed": 1}
    for g, r in zip(grads(m), grads(ref)):
        np.testing.assert_array_equal(g, r)
    opt = optim.SGD(ddp.parameters(), lr=0.1)
    opt.zero_grad()
    loss_of(ddp, x, y).backward()  # the optimizer's flat grad buffer: every bucket in place
    assert ddp.reducer.stats == {"in_place": 5, "packed": 1}
    opt.zero_grad(set_to_none=True)
    loss_of(ddp, x, y).backward()  # fresh grad arrays: packs again
    assert ddp.reducer.stats == {"in_place": 7, "packed": 2}
    for g, r in zip(grads(m), grads(ref)):
        np.testing.assert_array_equal(g, r)
    opt.step()
    opt.zero_grad()  # the grads are views of the flat buffer again: in place again
    loss_of(ddp, x, y).backward()
    assert ddp.reducer.stats == {"in_place": 10, "packed": 2}


def test_parameters_in_two_optimizer_groups_pack(group):
    m = mlp()
    ddp = DDP(m)  # one bucket [b2, W2, b1, W1], split over two flat buffers
    optim.SGD([{"params": [m[0].weight, m[0].bias]}, {"params": [m[2].weight, m[2].bias]}], lr=0.1)
    x, y = batch()
    loss_of(ddp, x, y).backward()
    assert ddp.reducer.stats == {"in_place": 0, "packed": 1}


def test_no_reduction_without_a_synced_forward(group):
    m = mlp()
    ddp = DDP(m)
    x, y = batch()
    loss_of(m, x, y).backward()  # the bare module: DDP did not prepare this backward
    with ddp.no_sync():
        loss_of(ddp, x, y).backward()
    with dlcore.no_grad():
        ddp(x)
    assert ddp.reducer.stats == {"in_place": 0, "packed": 0}
    loss_of(ddp, x, y).backward()
    assert sum(ddp.reducer.stats.values()) == 1


def test_no_sync_restores_the_flag_after_an_error(group):
    ddp = DDP(mlp())
    seen = []

    def body():
        with ddp.no_sync():
            seen.append(ddp.require_backward_grad_sync)
            raise KeyError

    with pytest.raises(KeyError):
        body()
    assert seen == [False]
    assert ddp.require_backward_grad_sync is True


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.used, self.unused = nn.Linear(5, 3, dtype=np.float64), nn.Linear(5, 3, dtype=np.float64)

    def forward(self, x):
        return self.used(x)


def test_unused_parameters_raise_naming_them_and_the_next_step_works(group):
    ddp = DDP(TwoHeads())
    x, y = batch()
    with pytest.raises(
        RuntimeError, match=r"\['unused.weight', 'unused.bias'\].*find_unused_parameters=True"
    ):
        loss_of(ddp, x, y).backward()
    ddp.module.unused.weight.grad = dlcore.tensor(np.zeros((3, 5)))  # still not a gradient of this backward
    with pytest.raises(RuntimeError, match=r"unused\.weight"):
        loss_of(ddp, x, y).backward()
    ddp2 = DDP(TwoHeads(), find_unused_parameters=True)
    loss_of(ddp2, x, y).backward()
    assert ddp2.module.unused.weight.grad is None and ddp2.module.used.weight.grad is not None


def test_a_layer_used_twice_gets_one_reduction(group):
    lin = nn.Linear(4, 4, dtype=np.float64)
    seq = nn.Sequential(lin, nn.Tanh(), lin)
    ddp = DDP(seq)
    x = dlcore.tensor(np.random.default_rng(0).standard_normal((3, 4)))
    ddp(x).sum().backward()
    assert ddp.reducer.stats == {"in_place": 0, "packed": 1}
    ref = nn.Sequential(lin, nn.Tanh(), lin)
    g = lin.weight.grad.numpy().copy()
    lin.weight.grad = lin.bias.grad = None
    ref(x).sum().backward()
    np.testing.assert_array_equal(g, lin.weight.grad.numpy())


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"bucket_cap_mb": 0}, ValueError, "bucket_cap_mb"),
        ({"bucket_cap_mb": -1}, ValueError, "bucket_cap_mb"),
        ({"bucket_cap_mb": "25"}, ValueError, "bucket_cap_mb"),
        ({"bucket_cap_mb": True}, ValueError, "bucket_cap_mb"),
        ({"process_group": object()}, ValueError, "default process group"),
        ({"device_ids": [0]}, ValueError, "CPU module takes device_ids=None"),
        ({"device_ids": 0}, ValueError, "list of one device"),
        ({"output_device": 0}, ValueError, "output_device"),
        ({"mixed_precision": object()}, TypeError, "mixed_precision"),
        ({"no_such_argument": 1}, TypeError, "no_such_argument"),
    ],
)
def test_bad_arguments_raise_and_leave_the_module_untouched(group, kwargs, err, match):
    m = mlp()
    with pytest.raises(err, match=match):
        DDP(m, **kwargs)
    assert all(not p._hooks for p in m.parameters())


def test_bad_modules(group):
    with pytest.raises(TypeError, match="dlcore Module"):
        DDP(lambda x: x)
    m = mlp().requires_grad_(False)
    with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
        DDP(m)


# ---- state dicts and checkpoints -------------------------------------------------------------
def test_consume_prefix_matches_torch():
    torch_utils = pytest.importorskip("torch.nn.modules.utils")
    keys = ["module.a", "module.b.c", "other.module.d", "module"]
    ours, theirs = {k: i for i, k in enumerate(keys)}, {k: i for i, k in enumerate(keys)}
    consume_prefix_in_state_dict_if_present(ours, "module.")
    torch_utils.consume_prefix_in_state_dict_if_present(theirs, "module.")
    assert ours == theirs and list(ours) == list(theirs)
    with pytest.raises(TypeError, match="prefix must be a str"):
        consume_prefix_in_state_dict_if_present({}, None)


def test_ddp_state_dict_loads_into_the_bare_model(group):
    sd = DDP(mlp(seed=1)).state_dict()
    consume_prefix_in_state_dict_if_present(sd, "module.")
    bare = mlp(seed=2)
    bare.load_state_dict(sd)
    np.testing.assert_array_equal(bare[0].weight.numpy(), mlp(seed=1)[0].weight.numpy())


def test_checkpoints_move_between_ddp_and_one_process(group, tmp_path):
    ddp = DDP(mlp(seed=1))
    opt = optim.Adam(ddp.parameters(), lr=0.01)
    x, y = batch()
    loss_of(ddp, x, y).backward()
    opt.step()
    save_checkpoint(tmp_path / "a.ckpt", ddp, opt, epoch=1)
    bare, bopt = mlp(seed=2), None
    bopt = optim.Adam(bare.parameters(), lr=0.01)
    load_checkpoint(tmp_path / "a.ckpt", bare, bopt)
    for p, q in zip(bare.parameters(), ddp.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    save_checkpoint(tmp_path / "b.ckpt", bare, bopt)
    ddp2 = DDP(mlp(seed=3))
    opt2 = optim.Adam(ddp2.parameters(), lr=0.01)
    load_checkpoint(tmp_path / "b.ckpt", ddp2, opt2)
    for p, q in zip(ddp2.parameters(), bare.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert opt2.state_dict()["state"][0]["step"] == 1


def test_each_bucket_starts_once_its_gradients_are_final_in_bucket_order(group, monkeypatch):
    from dlcore.nn.parallel import reducer as reducer_mod

    m = mlp()
    order = []  # parameter indices in the order the engine finalizes their grads
    for i, p in enumerate(m.parameters()):
        p.register_post_accumulate_grad_hook(lambda _t, i=i: order.append(i))  # runs before DDP's hook
    ddp = DDP(m, bucket_cap_mb=200 / 2**20)  # buckets [b2, W2] [b1] [W1]
    started, real = [], reducer_mod.all_reduce_array

    def spy(a, op="sum", async_op=False):
        started.append((a.size, len(order)))  # (bucket size, gradients final so far)
        return real(a, op=op, async_op=async_op)

    monkeypatch.setattr(reducer_mod, "all_reduce_array", spy)
    x, y = batch()
    loss_of(ddp, x, y).backward()
    expected, last = [], 0
    for b in ddp.reducer.buckets:  # complete when its last parameter is; never before the previous one
        last = max(last, max(order.index(i) + 1 for i in b.indices))
        expected.append((b.numel, last))
    assert sorted(order) == [0, 1, 2, 3] and started == expected
