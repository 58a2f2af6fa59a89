"""The process-wide thread count (set_num_threads seen by every Python thread, as torch) and the
gemm's immutable configuration (instruments.gemm_tune / set_isa install a new one)."""

import contextlib
import threading

import numpy as np
import pytest

import dlcore
from dlcore import backend

tools = backend.instruments
_ORDER = ["generic", "avx2", "avx512"]


@contextlib.contextmanager
def num_threads(n):
    old = dlcore.get_num_threads()
    dlcore.set_num_threads(n)
    try:
        yield
    finally:
        dlcore.set_num_threads(old)


@contextlib.contextmanager
def tuned(**kw):
    tools.gemm_tune(**kw)
    try:
        yield
    finally:
        tools.gemm_tune()


def _gemm_in_thread(n=384):
    """Runs an n^3 gemm in a new Python thread; returns (threads used, count seen, error)."""
    rng = np.random.default_rng(n)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    out = np.empty((n, n), np.float32)
    seen = {}

    def work():
        seen["budget"] = dlcore.get_num_threads()
        backend.cpu.gemm(a, b, out)
        seen["used"] = tools.gemm_last_threads()

    t = threading.Thread(target=work)
    t.start()
    t.join()
    ref = a.astype(np.float64) @ b.astype(np.float64)
    err = np.abs(out - ref).max() / np.abs(ref).max()
    return seen["used"], seen["budget"], err


@pytest.mark.parametrize("n", [1, 2, 3])
def test_set_num_threads_reaches_other_python_threads(n):
    """OpenMP's own setting is per thread: before this was process-wide, a thread started
    after set_num_threads(1) still ran gemm on every core. The thread gate is turned off so
    that a busy machine cannot lower the count that was asked for."""
    with num_threads(n), tuned(thread_gate=0):
        assert tools.gemm_threads(384, 384, 384) == n  # 2 * 384^3 flops is enough for 3
        used, budget, err = _gemm_in_thread()
    assert budget == n
    assert used == n
    assert err < 1e-5


def test_set_num_threads_rejects_bad_counts():
    for bad in (0, -2, 1.5, True, "2"):
        with pytest.raises(ValueError, match="set_num_threads"):
            dlcore.set_num_threads(bad)


def test_gemm_tune_installs_and_restores_a_config():
    auto = tools.gemm_info()
    with tuned(kc=128, mc=60, fused_rows=12, thread_flops=1e9):
        info = tools.gemm_info()
        assert info["float32"]["kc"] == 128 and info["float32"]["mc"] == 60
        assert info["float64"]["fused_rows"] == 12 and info["thread_flops"] == 1e9
        with num_threads(2):
            assert tools.gemm_threads(512, 512, 512) == 1  # 2.7e8 flops < 1e9 per thread
    assert tools.gemm_info() == auto
    for bad in (dict(kc=-1), dict(b_group=-2), dict(fuse_group=-1)):
        with pytest.raises(ValueError, match=r"\[gemm_tune\].*>= 0"):
            tools.gemm_tune(**bad)
    assert tools.gemm_info() == auto  # a refused config leaves the one in force


@pytest.mark.parametrize("name", _ORDER[: _ORDER.index(backend.detected_isa()) + 1])
def test_set_isa_installs_the_config_of_that_isa(name):
    before = backend.active_isa()
    try:
        tools.set_isa(name)
        info = tools.gemm_info()
        assert backend.active_isa() == name and info["isa"] == name
        assert info["float32"]["kernel"].split()[0] == name
    finally:
        tools.set_isa(before)
    assert tools.gemm_info()["isa"] == before
    with pytest.raises(ValueError, match=r"\[set_isa\] unknown ISA"):
        tools.set_isa("sse9")


def test_gemm_tune_while_another_thread_multiplies():
    """A call keeps the config it took at entry: retuning from another thread never gives a
    wrong product (each blocking is correct on its own)."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((300, 257)).astype(np.float32)
    b = rng.standard_normal((257, 301)).astype(np.float32)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    errs, stop = [], threading.Event()

    def work():
        out = np.empty((300, 301), np.float32)
        while not stop.is_set():
            backend.cpu.gemm(a, b, out)
            errs.append(np.abs(out - ref).max() / np.abs(ref).max())

    t = threading.Thread(target=work)
    t.start()
    try:
        for i in range(200):
            tools.gemm_tune(kc=64 + 8 * (i % 9), mc=12 * (1 + i % 5), fused_rows=6 * (i % 3))
    finally:
        stop.set()
        t.join()
        tools.gemm_tune()
    assert errs and max(errs) < 1e-5
