"""Fixtures of the pytest-benchmark suites: `threads` (1 and 2) limits dlcore, numpy's BLAS
(threadpoolctl) and torch to the same thread count for one benchmark, so no pool spins against
another; `torch_or_skip` skips a torch case cleanly where torch is not importable. Saved runs
(--benchmark-save / --benchmark-autosave) go to bench/.benchmarks whatever the working directory,
so --benchmark-compare finds them from anywhere."""
import contextlib
import os

import pytest

import dlcore

HERE = os.path.dirname(os.path.abspath(__file__))
THREADS = (1, 2)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    storage = getattr(config.option, "benchmark_storage", None)
    if storage in ("file://./.benchmarks", "./.benchmarks"):
        config.option.benchmark_storage = "file://" + os.path.join(HERE, ".benchmarks")


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


@pytest.fixture
def torch_or_skip():
    torch = _torch()
    if torch is None:
        pytest.skip("torch is not importable")
    return torch


@pytest.fixture(params=THREADS, ids=[f"{t}t" for t in THREADS])
def threads(request):
    """The thread count of this benchmark, set for dlcore, numpy's BLAS and torch; the previous
    counts are restored afterwards."""
    n = request.param
    before = dlcore.get_num_threads()
    torch = _torch()
    torch_before = torch.get_num_threads() if torch is not None else None
    try:
        from threadpoolctl import threadpool_limits
        limits = threadpool_limits(n)
    except ImportError:  # numpy's BLAS then keeps its own count (OPENBLAS_NUM_THREADS)
        limits = contextlib.nullcontext()
    dlcore.set_num_threads(n)
    if torch is not None:
        torch.set_num_threads(n)
    with limits:
        yield n
    dlcore.set_num_threads(before)
    if torch is not None:
        torch.set_num_threads(torch_before)
