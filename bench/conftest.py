"""Fixtures of the pytest-benchmark suites: `threads` (1 and 2) limits dlcore, numpy's BLAS
(threadpoolctl) and torch to the same thread count for one benchmark, so no pool spins against
another; `torch_or_skip` skips a torch case cleanly where torch is not importable; `reference` is
this tree's dlcore/reference.py loaded by path (numpy only), so the numpy baselines and the error
checks are the same whichever commit's dlcore is measured. Saved runs
(--benchmark-save / --benchmark-autosave) go to bench/.benchmarks whatever the working directory,
so --benchmark-compare finds them from anywhere. The dlcore measured is the one `import dlcore`
finds (with `python -m pytest`, the working directory's tree first), else this tree's; the
machine_info of saved runs records which."""

import contextlib
import importlib.util
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if importlib.util.find_spec("dlcore") is None:
    sys.path.insert(0, os.path.dirname(HERE))
import dlcore  # noqa: E402

THREADS = (1, 2)
REFERENCE_PY = os.path.join(os.path.dirname(HERE), "dlcore", "reference.py")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    storage = getattr(config.option, "benchmark_storage", None)
    if storage in ("file://./.benchmarks", "./.benchmarks"):
        config.option.benchmark_storage = "file://" + os.path.join(HERE, ".benchmarks")


def pytest_benchmark_update_machine_info(config, machine_info):
    machine_info["dlcore"] = {
        "version": dlcore.__version__,
        "path": os.path.dirname(dlcore.__file__),
        "threads_default": dlcore.get_num_threads(),
    }


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


@pytest.fixture(scope="session")
def reference():
    spec = importlib.util.spec_from_file_location("dlcore_bench_reference", REFERENCE_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
