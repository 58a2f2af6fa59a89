"""float32 matrix products through dlcore.matmul, numpy.matmul (its BLAS) and torch.matmul on
the same operands, one benchmark group per shape and thread count. Shapes: squares 256 and 1024,
the digits/MNIST Linear forward (64x784 @ 784x128) and its x @ W.T form (W stored (128, 784)).
Each library allocates its result, as a user's `a @ b` does. extra_info["max_rel_err"]: the
result's first 64 rows against float64 (rel_err of dlcore/reference.py)."""

import numpy as np
import pytest

import dlcore

SHAPES = [(256, 256, 256, "NN"), (1024, 1024, 1024, "NN"), (64, 784, 128, "NN"), (64, 784, 128, "NT")]
LIBS = ["dlcore", "numpy", "torch"]


def _operands(m, k, n, op):
    """a (m, k) float32 and the stored right operand: (k, n), or for NT a C-contiguous (n, k)
    used through its transpose (Linear's x @ W.T)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    stored = rng.standard_normal((n, k) if op == "NT" else (k, n), dtype=np.float32)
    return a, stored


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("shape", SHAPES, ids=[f"{m}x{k}x{n}-{op}" for m, k, n, op in SHAPES])
def bench_matmul(benchmark, threads, lib, shape, reference, request):
    m, k, n, op = shape
    a, stored = _operands(m, k, n, op)

    def rhs(x):
        return x.T if op == "NT" else x

    if lib == "dlcore":
        ta, tb = dlcore.from_numpy(a), rhs(dlcore.from_numpy(stored))
        fn = lambda: dlcore.matmul(ta, tb)  # noqa: E731
    elif lib == "numpy":
        b = rhs(stored)
        fn = lambda: np.matmul(a, b)  # noqa: E731
    else:
        torch = request.getfixturevalue("torch_or_skip")
        ta, tb = torch.from_numpy(a), rhs(torch.from_numpy(stored))
        fn = lambda: torch.matmul(ta, tb)  # noqa: E731
    benchmark.group = f"gemm {m}x{k}x{n} {op}, {threads} thread{'s' if threads > 1 else ''}"
    benchmark.extra_info.update(lib=lib, threads=threads, gflop=2 * m * k * n / 1e9)
    out = benchmark(fn)
    got = np.asarray(out.numpy() if hasattr(out, "numpy") else out)[:64]
    want = a[:64].astype(np.float64) @ rhs(stored).astype(np.float64)
    benchmark.extra_info["max_rel_err"] = reference.rel_err(got, want)
