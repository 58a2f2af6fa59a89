"""backend.cpu.gemm against a float64 numpy reference: awkward shapes, all transposes, strided
leading dimensions, alpha/beta, batched, float32/float64, on every ISA; determinism; errors."""

import contextlib
import os
import subprocess
import sys

import numpy as np
import pytest

from dlcore import backend

_ORDER = ["generic", "avx2", "avx512"]
ISAS = _ORDER[: _ORDER.index(backend.detected_isa()) + 1]
TOL = {np.float32: 2e-5, np.float64: 1e-12}


@contextlib.contextmanager
def _setting(apply, restore):
    apply()
    try:
        yield
    finally:
        restore()


def isa(name):
    old = backend.active_isa()
    set_isa = backend.instruments.set_isa
    return _setting(lambda: set_isa(name), lambda: set_isa(old))


def threads(n):
    old = backend.get_num_threads()
    return _setting(lambda: backend.set_num_threads(n), lambda: backend.set_num_threads(old))


def tuned(**kw):
    return _setting(lambda: backend.instruments.gemm_tune(**kw), backend.instruments.gemm_tune)


def operand(rng, rows, cols, dtype, trans, pad):
    """A (rows, cols) view: transposed storage when trans, leading dimension padded by pad."""
    if trans:
        base = rng.standard_normal((cols, rows + pad)).astype(dtype)
        return base[:, :rows].T
    base = rng.standard_normal((rows, cols + pad)).astype(dtype)
    return base[:, :cols]


def check(rng, m, n, k, dtype, ta=False, tb=False, pad=0, alpha=1.0, beta=0.0):
    a = operand(rng, m, k, dtype, ta, pad)
    b = operand(rng, k, n, dtype, tb, pad)
    cbase = rng.standard_normal((m, n + pad)).astype(dtype)
    c = cbase[:, :n]
    c0 = c.astype(np.float64)
    pad_before = cbase[:, n:].copy()
    ref = alpha * (a.astype(np.float64) @ b.astype(np.float64)) + beta * c0
    backend.cpu.gemm(a, b, c, alpha, beta)
    scale = np.sqrt(k) * (abs(alpha) + 1) + abs(beta) * np.abs(c0).max(initial=0)
    err = np.abs(c - ref).max(initial=0) / scale
    assert err < TOL[dtype], (m, n, k, dtype, ta, tb, pad, alpha, beta, err)
    if pad:  # the padding columns of out are untouched
        assert np.array_equal(cbase[:, n:], pad_before)


SHAPES = [
    (1, 1, 1),
    (1, 7, 1),
    (7, 1, 31),
    (7, 31, 33),
    (31, 33, 7),
    (33, 257, 31),
    (257, 33, 65),
    (6, 16, 256),
    (12, 32, 257),
    (97, 101, 103),
    (1000, 7, 33),
    (2, 1000, 13),
    (131, 67, 1000),
    (300, 263, 300),
]


@pytest.mark.parametrize("isa_name", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_gemm_shapes_transposes(isa_name, dtype, ta, tb):
    rng = np.random.default_rng(0)
    with isa(isa_name):
        for m, n, k in SHAPES:
            check(rng, m, n, k, dtype, ta, tb)


@pytest.mark.parametrize("isa_name", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_strided_alpha_beta(isa_name, dtype):
    rng = np.random.default_rng(1)
    with isa(isa_name):
        for (m, n, k), pad, alpha, beta in [
            ((33, 47, 29), 3, 0.5, 1.0),
            ((7, 257, 31), 17, -2.0, 0.25),
            ((257, 7, 300), 1, 1.0, -1.0),
            ((64, 64, 64), 64, 3.0, 0.0),
            ((301, 401, 263), 5, 0.7, 1.3),
        ]:
            for ta in (False, True):
                for tb in (False, True):
                    check(rng, m, n, k, dtype, ta, tb, pad, alpha, beta)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_small_and_packed_paths_agree(dtype):
    """Force packing on/off and tiny/odd cache blocks so every driver branch runs."""
    rng = np.random.default_rng(2)
    configs = [
        dict(pack_a=0, pack_b=0),
        dict(pack_a=1, pack_b=1),
        dict(pack_a=0, pack_b=1),
        dict(pack_a=1, pack_b=0),
        dict(mc=12, kc=16, nc=32),
        dict(mc=7, kc=5, nc=17),
        dict(fused_rows=0),
        dict(fused_rows=0, mc=12, kc=16, nc=32),
        dict(fused_rows=0, mc=12, kc=16, nc=48, b_group=2),
        dict(fused_rows=0, b_group=1, kc=24),
        dict(fused_rows=0, pack_a=0),
        dict(fused_rows=10**6, kc=16),
        dict(fused_rows=10**6, pack_a=0),
        dict(fused_rows=0, mc=12, nc=48, b_group=3, pack_a=0),
        dict(fused_rows=0, b_group=1000, pack_a=0),
    ]
    for cfg in configs:
        with tuned(**cfg), threads(2):
            for ta in (False, True):
                for tb in (False, True):
                    check(rng, 37, 53, 41, dtype, ta, tb, pad=2, alpha=0.5, beta=0.5)
                    check(rng, 1, 29, 70, dtype, ta, tb)


def test_gemm_large_prime_float32():
    rng = np.random.default_rng(3)
    check(rng, 521, 523, 541, np.float32, False, False)
    check(rng, 521, 523, 541, np.float32, True, True, pad=3, alpha=2.0, beta=1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_batched(dtype):
    rng = np.random.default_rng(4)
    for bsz, m, n, k in [(1, 7, 9, 5), (5, 33, 17, 31), (13, 6, 16, 7), (3, 130, 70, 257)]:
        a = rng.standard_normal((bsz, m, k)).astype(dtype)
        b = rng.standard_normal((bsz, n, k)).astype(dtype).transpose(0, 2, 1)  # transposed views
        c = rng.standard_normal((bsz, m, n)).astype(dtype)
        ref = 0.5 * np.einsum("bmk,bkn->bmn", a.astype(np.float64), b.astype(np.float64)) + 2.0 * c
        backend.cpu.gemm(a, b, c, 0.5, 2.0)
        np.testing.assert_allclose(c, ref, rtol=TOL[dtype] * 50, atol=TOL[dtype] * 50 * np.sqrt(k))
    # batch stride 0 on b: one weight shared by every batch item
    a = rng.standard_normal((4, 9, 11)).astype(dtype)
    w = rng.standard_normal((11, 5)).astype(dtype)
    b = np.broadcast_to(w, (4, 11, 5))
    c = np.empty((4, 9, 5), dtype)
    backend.cpu.gemm(a, b, c)
    np.testing.assert_allclose(c, a.astype(np.float64) @ w, rtol=1e-4, atol=1e-4)


def test_gemm_beta_zero_ignores_nan_and_k_zero():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((9, 13)).astype(np.float32)
    b = rng.standard_normal((13, 17)).astype(np.float32)
    c = np.full((9, 17), np.nan, np.float32)
    backend.cpu.gemm(a, b, c, 1.0, 0.0)
    assert np.isfinite(c).all()
    c2 = rng.standard_normal((9, 17)).astype(np.float32)
    expect = c2 * 3
    backend.cpu.gemm(np.empty((9, 0), np.float32), np.empty((0, 17), np.float32), c2, 1.0, 3.0)
    np.testing.assert_allclose(c2, expect, rtol=1e-6)
    backend.cpu.gemm(a, b, c2, 0.0, 0.0)
    assert (c2 == 0).all()


def test_gemm_deterministic_and_thread_independent():
    rng = np.random.default_rng(6)
    # (290, 40, 700) and (9, 32, 3000): fused mode with fewer column chunks than threads, so
    # the rows are split between threads too (A read in place, and packed when transposed)
    for m, n, k, ta in [
        (500, 300, 700, False),
        (64, 2048, 512, False),
        (1000, 100, 37, False),
        (290, 40, 700, False),
        (290, 40, 700, True),
        (9, 32, 3000, True),
    ]:
        a = operand(rng, m, k, np.float32, ta, 0)
        b = rng.standard_normal((n, k)).astype(np.float32).T
        outs = {}
        for t in (1, 2, 3):
            with threads(t):
                assert backend.instruments.gemm_threads(m, n, k) <= t
                c1 = np.empty((m, n), np.float32)
                c2 = np.empty((m, n), np.float32)
                backend.cpu.gemm(a, b, c1)
                backend.cpu.gemm(a, b, c2)
                assert np.array_equal(c1, c2)
                outs[t] = c1
        assert np.array_equal(outs[1], outs[2]) and np.array_equal(outs[1], outs[3])
        err = np.abs(outs[1] - a.astype(np.float64) @ b).max() / np.sqrt(k)
        assert err < TOL[np.float32]


@pytest.mark.parametrize(
    "isa_name,twin", [(i, False) for i in ISAS] + ([("avx2", True)] if "avx2" in ISAS else [])
)
def test_gemm_walk_order_keeps_results_bit_identical(isa_name, twin):
    """The shared mode's walk (along C's rows, one kernel call per group of B slivers that
    takes each row tile across the group's slivers) and reading A in place or packed change
    no element's arithmetic: groups of 1, 2, 3, 5 and all slivers, a partial last sliver
    inside a group, a 2-row edge tile, two kc steps, beta != 0 (twin: the AVX-512
    register blocks through their AVX2 twin)."""
    rng = np.random.default_rng(7)
    m, n, k = 500, 300, 1300  # shared mode, two kc steps in float32, partial edge slivers
    configs = [
        dict(b_group=1),
        dict(b_group=2),
        dict(b_group=3),
        dict(b_group=5),
        dict(b_group=1000),
        dict(b_group=3, pack_a=0),
        dict(b_group=1, pack_a=0),
        dict(b_group=1000, pack_a=0),
    ]
    for dtype in (np.float32, np.float64):
        a = rng.standard_normal((m, k)).astype(dtype)
        b = rng.standard_normal((k, n)).astype(dtype)
        c0 = rng.standard_normal((m, n)).astype(dtype)
        outs = []
        for cfg in configs:
            for t in (1, 2):
                with isa(isa_name), tuned(avx512_twin=twin, **cfg), threads(t):
                    c = c0.copy()
                    backend.cpu.gemm(a, b, c, 0.5, 1.5)
                    outs.append(c)
        for i, c in enumerate(outs[1:]):
            assert np.array_equal(c, outs[0]), (dtype, configs[(i + 1) // 2])
        ref = 0.5 * (a.astype(np.float64) @ b) + 1.5 * c0
        err = np.abs(outs[0] - ref).max() / np.sqrt(k)
        assert err < TOL[dtype]


@pytest.mark.parametrize(
    "isa_name,twin", [(i, False) for i in ISAS] + ([("avx2", True)] if "avx2" in ISAS else [])
)
def test_gemm_fused_column_chunks_keep_results_bit_identical(isa_name, twin):
    """The fused mode cuts C's columns into a multiple of the thread count of chunks (3 groups
    of slivers become 4 chunks at 2 threads, 5 become 6): 1 to 4 threads, the thread gate off
    so every call really runs threaded, give one thread's bits."""
    rng = np.random.default_rng(8)
    for m, n, k in [(300, 300, 300), (200, 192, 500), (280, 384, 384), (97, 330, 260)]:
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
        outs = []
        for t in (1, 2, 3, 4):
            # fused_rows: the fused mode whatever this CPU's L1 and L2 make its row limit
            with isa(isa_name), tuned(avx512_twin=twin, thread_gate=0, fused_rows=10**6), threads(t):
                c = np.empty((m, n), np.float32)
                backend.cpu.gemm(a, b, c)
                outs.append(c)
        for t, c in zip((2, 3, 4), outs[1:]):
            assert np.array_equal(c, outs[0]), (m, n, k, t)
        err = np.abs(outs[0] - a.astype(np.float64) @ b).max() / np.sqrt(k)
        assert err < TOL[np.float32]


_HUGE_PAGE_PROBE = """
import sys
import numpy as np
core = getattr(np, "_core", None) or np.core
core.multiarray._set_madvise_hugepage(False)  # numpy's own arrays stay on ordinary pages
from dlcore import backend

def field(path, name):
    with open(path) as f:
        for line in f:
            if line.startswith(name):
                return int(line.split()[1])
    raise LookupError(name)

backend.set_num_threads(1)
backend.instruments.gemm_tune(huge_pages=int(sys.argv[1]))
a = np.ones((2048, 1024), np.float32)
b = np.ones((1024, 2048), np.float32)
c = np.ones((2048, 2048), np.float32)  # every operand touched before the first count
huge0 = field("/proc/self/smaps_rollup", "AnonHugePages:")
fallback0 = field("/proc/vmstat", "thp_fault_fallback ")
backend.cpu.gemm(a, b, c)
assert c[0, 0] == 1024.0
print(field("/proc/self/smaps_rollup", "AnonHugePages:") - huge0,
      field("/proc/vmstat", "thp_fault_fallback ") - fallback0)
"""


def test_gemm_huge_page_scratch_gets_huge_pages(tmp_path):
    """Where Linux grants transparent huge pages on request, the packing scratch of 2 MiB and
    more is on them (2048 x 1024 x 2048 float32: an 8 MiB B panel): AnonHugePages grows by at
    least one huge page during the first gemm of a fresh process, and with
    gemm_tune(huge_pages=0) it does not grow (checked where THP is 'madvise' only; under
    'always' every large buffer may get them). Skipped where the kernel has no THP, and where
    it fell back to small pages on a fault meanwhile (thp_fault_fallback: memory fragmented)."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            mode = f.read().split("[")[1].split("]")[0]
        open("/proc/self/smaps_rollup").close()
    except (OSError, IndexError):
        pytest.skip("no transparent huge pages or smaps_rollup on this system")
    if mode not in ("madvise", "always"):
        pytest.skip(f"transparent huge pages are '{mode}'")
    # the child imports the dlcore this process imported (installed or in-tree)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(backend.extension_file())))
    grown = {}
    for flag in (1, 0):
        out = subprocess.run(
            [sys.executable, "-c", _HUGE_PAGE_PROBE, str(flag)],
            check=True,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
        ).stdout
        huge_kb, fallbacks = map(int, out.split())
        if fallbacks:
            pytest.skip("the kernel fell back to small pages during the probe")
        grown[flag] = huge_kb
    assert grown[1] >= 2048, grown
    if mode == "madvise":
        assert grown[0] == 0, grown


def test_gemm_huge_page_scratch_keeps_results_bit_identical():
    """Packed buffers of 2 MiB and more go to scratch advised as huge pages (rounded up to whole
    huge pages, kept across calls); gemm_tune(huge_pages=0) uses ordinary buffers. Both give
    the same bits on 1 and 2 threads: the shared mode with a B panel over 2 MiB, then in
    float32 the fused mode, whose B groups reuse the grown buffer and whose A, packed whole on
    2 threads, is over 2 MiB (float64 runs it in the shared mode again)."""
    rng = np.random.default_rng(12)
    for dtype in (np.float32, np.float64):
        for m, n, k in [(600, 700, 2000), (300, 700, 2000)]:
            a = rng.standard_normal((m, k)).astype(dtype)
            b = rng.standard_normal((n, k)).astype(dtype).T
            c0 = rng.standard_normal((m, n)).astype(dtype)
            outs = []
            for cfg in (dict(huge_pages=0), {}):
                for t in (1, 2):
                    with tuned(**cfg), threads(t):
                        c = c0.copy()
                        backend.cpu.gemm(a, b, c, 1.0, -0.5)
                        outs.append(c)
            for c in outs[1:]:
                assert np.array_equal(c, outs[0]), (dtype, m, n, k)
            err = np.abs(outs[0] - (a.astype(np.float64) @ b - 0.5 * c0)).max() / np.sqrt(k)
            assert err < TOL[dtype], (dtype, m, n, k, err)


@pytest.mark.parametrize(
    "isa_name,twin", [(i, False) for i in ISAS] + ([("avx2", True)] if "avx2" in ISAS else [])
)
def test_gemm_fused_b_packed_ahead_keeps_results_bit_identical(isa_name, twin):
    """The fused mode packs the next B group during the current group's kernel calls (a share
    per tile) when its slivers are whole columns of a row-major B; packing each group before
    its calls instead gives bit-identical results: across kc steps, with partial last groups
    and slivers, groups of 1-5 and 8 slivers, A packed or read in place, 1-6 rows per call
    (twin: the AVX-512 register blocks, 14 x 32, through their AVX2 twin)."""
    rng = np.random.default_rng(9)
    # (m, k, n, ta): k = 600 is three kc steps; n = 149 ends in a partial group and sliver
    cases = [
        (64, 600, 149, False),
        (64, 600, 192, True),
        (5, 300, 160, False),
        (100, 37, 2048, False),
        (1, 600, 64, True),
        (290, 300, 300, False),
    ]
    for m, k, n, ta in cases:
        a = operand(rng, m, k, np.float32, ta, 0)
        b = rng.standard_normal((k, n)).astype(np.float32)
        outs = []
        for cfg in (
            dict(pack_ahead=0),
            dict(pack_ahead=1),
            dict(pack_ahead=1, fuse_group=1),
            dict(pack_ahead=1, fuse_group=3),
            dict(pack_ahead=1, fuse_group=5),
            dict(pack_ahead=1, fuse_group=8),
        ):
            for t in (1, 2):
                with isa(isa_name), tuned(pack_b=1, avx512_twin=twin, **cfg), threads(t):
                    c = rng.standard_normal((m, n)).astype(np.float32)
                    backend.cpu.gemm(a, b, c, 0.5, 0.0)
                    outs.append(c)
        for c in outs[1:]:
            assert np.array_equal(c, outs[0]), (m, k, n, ta)
        err = np.abs(outs[0] - 0.5 * (a.astype(np.float64) @ b)).max() / np.sqrt(k)
        assert err < TOL[np.float32], (m, k, n, ta, err)


def test_gemm_deep_kc_sums_in_blocks_of_256():
    """A deep kc (the shared mode's is up to 1024) adds its products into C in blocks of 256,
    so it computes exactly what kc = 256 computes (and rounds no worse)."""
    rng = np.random.default_rng(8)
    m, n, k = 400, 100, 2048  # shared mode; kc 1024 / 512 / 256 -> 2 / 4 / 8 equal steps
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    outs = []
    for kc in (1024, 512, 256):
        c = np.empty((m, n), np.float32)
        with tuned(fused_rows=0, kc=kc):
            backend.cpu.gemm(a, b, c, 0.5, 0.0)
        outs.append(c)
    assert np.array_equal(outs[0], outs[2]) and np.array_equal(outs[1], outs[2])


@pytest.mark.skipif("avx2" not in ISAS, reason="the AVX-512 blocks' twin runs on AVX2")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_avx512_blocks_through_their_avx2_twin(dtype):
    """The AVX-512 register blocks (14x32 / 14x16: their tiles, masked edges, blocking and the
    driver around them) through the AVX2 twin of their traits, on any AVX2 machine."""
    rng = np.random.default_rng(9)
    name = np.dtype(dtype).name
    configs = [
        dict(),
        dict(fused_rows=0),
        dict(fused_rows=0, b_group=1),
        dict(fused_rows=0, pack_a=0),
        dict(pack_a=0, pack_b=0),
        dict(fused_rows=0, mc=28, kc=16, nc=64, b_group=2),
    ]
    shapes = [
        (1, 1, 1),
        (13, 31, 7),
        (14, 32, 33),
        (15, 33, 257),
        (29, 65, 31),
        (331, 97, 41),
        (700, 70, 300),
    ]
    with isa("avx2"):
        for cfg in configs:
            with tuned(avx512_twin=1, **cfg), threads(2):
                info = backend.instruments.gemm_info()[name]
                assert (info["mr"], info["nr"]) == ((14, 32) if dtype == np.float32 else (14, 16))
                assert info["kernel"].endswith("(avx2 twin)")
                for m, n, k in shapes:
                    for ta in (False, True):
                        for tb in (False, True):
                            check(rng, m, n, k, dtype, ta, tb, pad=1, alpha=0.5, beta=0.5)
    assert "twin" not in backend.instruments.gemm_info()[name]["kernel"]
    with isa("generic"), pytest.raises(ValueError, match=r"gemm_tune.*avx512_twin"):
        backend.instruments.gemm_tune(avx512_twin=1)


def test_gemm_threads_from_work_size():
    with threads(2):
        assert backend.instruments.gemm_threads(8, 8, 8) == 1
        assert backend.instruments.gemm_threads(1024, 1024, 1024) == 2


@pytest.mark.torch
def test_gemm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    a = rng.standard_normal((129, 77)).astype(np.float32)
    b = rng.standard_normal((77, 95)).astype(np.float32)
    c = np.empty((129, 95), np.float32)
    backend.cpu.gemm(a, b, c)
    expect = (torch.from_numpy(a) @ torch.from_numpy(b)).numpy()
    np.testing.assert_allclose(c, expect, rtol=1e-4, atol=1e-4)


def test_gemm_errors():
    f = np.ones((3, 4), np.float32)
    g = np.ones((4, 5), np.float32)
    out = np.empty((3, 5), np.float32)
    with pytest.raises(ValueError, match=r"\[gemm\].*do not match"):
        backend.cpu.gemm(f, np.ones((5, 5), np.float32), out)
    with pytest.raises(ValueError, match=r"\[gemm\].*do not match"):
        backend.cpu.gemm(f, g, np.empty((3, 6), np.float32))
    with pytest.raises(ValueError, match=r"\[gemm\]"):
        backend.cpu.gemm(np.ones(4, np.float32), g, out)
    with pytest.raises(ValueError, match=r"\[gemm\].*batch"):
        backend.cpu.gemm(
            np.ones((2, 3, 4), np.float32), np.ones((3, 4, 5), np.float32), np.empty((2, 3, 5), np.float32)
        )
    with pytest.raises(TypeError, match=r"\[gemm\]"):
        backend.cpu.gemm(f.astype(np.float64), g, out)
    with pytest.raises(TypeError, match=r"\[gemm\]"):
        backend.cpu.gemm(f.astype(np.int32), g.astype(np.int32), np.zeros((3, 5), np.int32))
    with pytest.raises(ValueError, match=r"\[gemm\].*unit stride"):
        backend.cpu.gemm(np.ones((6, 8), np.float32)[::2, ::2], g, out)
    with pytest.raises(ValueError, match=r"\[gemm\].*out"):
        backend.cpu.gemm(f, g, np.empty((5, 3), np.float32).T)
    ro = np.empty((3, 5), np.float32)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match=r"\[gemm\].*writeable"):
        backend.cpu.gemm(f, g, ro)
    buf = np.ones((4, 4), np.float32)
    with pytest.raises(ValueError, match=r"\[gemm\].*overlap"):
        backend.cpu.gemm(buf, buf, buf)
    before = out.copy()
    with pytest.raises(ValueError, match=r"\[gemm\].*do not match"):
        backend.cpu.gemm(f, np.ones((5, 5), np.float32), out)
    assert np.array_equal(out, before, equal_nan=True)


def test_gemm_info_and_probe():
    info = backend.instruments.gemm_info()
    for dt in ("float32", "float64"):
        blk = info[dt]
        assert blk["mc"] % blk["mr"] == 0 and blk["nc"] % blk["nr"] == 0 and blk["kc"] >= 64
        assert blk["b_group"] >= 1
        # the fused mode's packed A block (fused_rows x kc_fused) fits 5/8 of L2 and never
        # more than 320 KiB, whatever the L2 (a 2 MiB L2 ran it up to 1694 rows, too many);
        # the bound binds only where L2 is over 512 KiB
        size, mr = np.dtype(dt).itemsize, blk["mr"]
        a_block = blk["fused_rows"] * blk["kc_fused"] * size
        assert blk["fused_rows"] % mr == 0 and blk["fused_rows"] >= mr
        assert a_block <= min(info["l2"], 512 << 10) * 5 // 8 or blk["fused_rows"] == mr
    with tuned(fused_rows=100):
        assert backend.instruments.gemm_info()["float32"]["fused_rows"] == 100
    assert backend.instruments.fma_probe(0.01) > 0
    # the kernel peak checks its own tiles against float64 (a wrong kernel raises), per ISA
    for name in ISAS:
        with isa(name):
            assert backend.instruments.gemm_kernel_peak(7, 1, 0.005) > 0
            assert backend.instruments.gemm_kernel_peak(300, 3, 0.005) > 0
    for bad in (0, -3, 1 << 17):
        with pytest.raises(ValueError, match=r"gemm_kernel_peak.*k must be"):
            backend.instruments.gemm_kernel_peak(bad)
    for bad in (0, 1025):
        with pytest.raises(ValueError, match=r"gemm_kernel_peak.*tiles must be"):
            backend.instruments.gemm_kernel_peak(16, bad)
    with pytest.raises(ValueError, match="seconds"):
        backend.instruments.gemm_kernel_peak(16, 1, 0.0)
    with pytest.raises(ValueError, match="gemm_tune"):
        backend.instruments.gemm_tune(bogus=1)
