"""dlcore.distributed in this process: a plain `python` run is a group of one (MPI singleton).
Before-init errors, init/destroy and their argument checks, every collective at world size 1,
and importing dlcore.distributed without mpi4py. The multi-rank jobs: tests/test_mpi_*.py."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dlcore
import dlcore.distributed as dist

PKG_ROOT = str(Path(dlcore.__file__).resolve().parent.parent)
needs_mpi4py = pytest.mark.skipif(not dist.is_available(), reason="needs mpi4py (pip install 'dlcore[mpi]')")


@pytest.fixture
def clean():
    """No group before or after the test (one left by a failed test is destroyed)."""
    if dist.is_initialized():
        dist.destroy_process_group()
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


@pytest.fixture
def group(clean):
    dist.init_process_group("mpi")
    return dist


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (dist.get_rank, "get_rank"),
        (dist.get_world_size, "get_world_size"),
        (dist.get_backend, "get_backend"),
        (dist.barrier, "barrier"),
        (dist.destroy_process_group, "destroy_process_group"),
        (lambda: dist.all_reduce(dlcore.zeros(2)), "all_reduce"),
        (lambda: dist.broadcast(dlcore.zeros(2), 0), "broadcast"),
        (lambda: dist.all_gather([dlcore.zeros(2)], dlcore.zeros(2)), "all_gather"),
        (lambda: dist.all_gather_into_tensor(dlcore.zeros(2), dlcore.zeros(2)), "all_gather_into_tensor"),
    ],
)
def test_before_init_raises_torchs_value_error(clean, call, name):
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match=rf"^{name}: Default process group has not been initialized"):
        call()


@needs_mpi4py
def test_singleton_group(group):
    assert dist.is_initialized() and dist.is_available()
    assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "mpi")
    assert dist.barrier() is None


@needs_mpi4py
def test_destroy_restores_the_excepthook_and_allows_init_again(clean):
    before = sys.excepthook
    dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=30))
    assert sys.excepthook is not before
    dist.destroy_process_group()
    assert sys.excepthook is before and not dist.is_initialized()
    dist.init_process_group(rank=0, world_size=1)
    assert dist.get_world_size() == 1


@needs_mpi4py
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"backend": "nccl"}, ValueError, "backend 'nccl' is not supported"),
        ({"timeout": -1}, ValueError, "timeout must be a positive number of seconds"),
        ({"timeout": "10"}, ValueError, "timeout must be a positive number of seconds"),
        ({"timeout": datetime.timedelta(0)}, ValueError, "timeout must be a positive number"),
        ({"rank": 1}, ValueError, "rank=1 but MPI says 0"),
        ({"world_size": 4}, ValueError, "world_size=4 but MPI says 1"),
        ({"init_method": "tcp://x:1"}, ValueError, "unsupported arguments"),
    ],
)
def test_init_rejects_bad_arguments_and_stays_uninitialized(clean, kwargs, error, match):
    hook = sys.excepthook
    with pytest.raises(error, match=match):
        dist.init_process_group(**kwargs)
    assert not dist.is_initialized() and sys.excepthook is hook


@needs_mpi4py
def test_init_twice_raises(group):
    with pytest.raises(RuntimeError, match="initialize the default process group twice"):
        dist.init_process_group()
    assert dist.is_initialized()


@needs_mpi4py
def test_timeout_from_the_environment(clean, monkeypatch):
    monkeypatch.setenv("DLCORE_DIST_TIMEOUT", "0")
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        dist.init_process_group()
    monkeypatch.setenv("DLCORE_DIST_TIMEOUT", "7.5")
    dist.init_process_group()  # a valid value initializes
    assert dist.is_initialized()


DTYPES = [
    dlcore.float16,
    dlcore.float32,
    dlcore.float64,
    dlcore.int8,
    dlcore.int32,
    dlcore.int64,
    dlcore.bool,
]


@needs_mpi4py
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("op", ["SUM", "AVG", "MAX", "MIN", "PRODUCT", "sum", "mean", "max"])
@pytest.mark.parametrize("shape", [(), (0,), (5,), (2, 3)])
def test_all_reduce_of_one_rank_is_the_identity(group, dtype, op, shape):
    rng = np.random.default_rng(0)
    a = np.asarray(rng.integers(-3, 4, shape)).astype(dlcore.zeros(1, dtype=dtype).numpy().dtype)
    t = dlcore.from_numpy(a.copy())
    op = getattr(dist.ReduceOp, op, op)
    if op in (dist.ReduceOp.AVG, "mean") and a.dtype.kind not in "f":
        with pytest.raises(TypeError, match=r"^all_reduce: ReduceOp.AVG needs a floating-point"):
            dist.all_reduce(t, op=op)
    else:
        assert dist.all_reduce(t, op=op) is None
    np.testing.assert_array_equal(t.numpy(), a)
    assert t.numpy().dtype == a.dtype


@needs_mpi4py
def test_collectives_of_one_rank(group):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = dlcore.from_numpy(a.copy())
    dist.broadcast(t, src=0)
    np.testing.assert_array_equal(t.numpy(), a)
    out = [dlcore.zeros(2, 3)]
    dist.all_gather(out, t)
    np.testing.assert_array_equal(out[0].numpy(), a)
    cat, stacked = dlcore.zeros(2, 3), dlcore.zeros(1, 2, 3)
    dist.all_gather_into_tensor(cat, t)
    dist.all_gather_into_tensor(stacked, t)
    np.testing.assert_array_equal(cat.numpy(), a)
    np.testing.assert_array_equal(stacked.numpy(), a[None])
    with pytest.raises(ValueError, match=r"^broadcast: src must be a rank in \[0, 0\], got 1"):
        dist.broadcast(t, src=1)
    with pytest.raises(ValueError, match="world_size=1 tensors, got 2"):
        dist.all_gather([dlcore.zeros(2, 3), dlcore.zeros(2, 3)], t)


@needs_mpi4py
def test_async_work(group):
    t = dlcore.tensor([1.0, 2.0])
    work = dist.all_reduce(t, op=dist.ReduceOp.AVG, async_op=True)
    assert isinstance(work, dist.Work)
    assert work.wait(timeout=datetime.timedelta(seconds=10)) is True
    assert work.is_completed() and work.wait() is True
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])
    assert dist.barrier(async_op=True).wait() is True
    assert dist.broadcast(t, 0, async_op=True).wait() is True


def test_import_without_mpi4py():
    """A fresh interpreter where mpi4py cannot be imported: dlcore and dlcore.distributed import,
    is_available() is False, init_process_group names the install command."""
    code = (
        "import sys; sys.modules['mpi4py'] = None\n"
        "import dlcore, dlcore.distributed as dist\n"
        "assert not dist.is_available() and not dist.is_initialized()\n"
        "try:\n"
        "    dist.init_process_group()\n"
        "except RuntimeError as e:\n"
        "    print('RuntimeError:', e)\n"
        "assert not dist.is_initialized()\n"
    )
    env = {"PYTHONPATH": PKG_ROOT, "PATH": "/usr/bin:/bin"}
    r = subprocess.run(  # cwd: `-c` puts it first on sys.path, and a source tree there has no _C
        [sys.executable, "-c", code], env=env, cwd=PKG_ROOT, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("RuntimeError: init_process_group: mpi4py is not importable")
    assert 'pip install "dlcore[mpi]"' in r.stdout


def test_init_without_mpi4py_in_process(clean, monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.delitem(sys.modules, "mpi4py.MPI", raising=False)
    assert not dist.is_available()
    with pytest.raises(RuntimeError, match=r'pip install "dlcore\[mpi\]"'):
        dist.init_process_group()
    assert not dist.is_initialized()
