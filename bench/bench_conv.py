"""float32 conv2d, forward and forward+backward: dlcore's backend.cpu kernels against
torch.nn.functional.conv2d (+ autograd backward) on the shapes of `dlcore bench conv`
(dlcore.bench.conv.SHAPES), one benchmark group per shape, pass and thread count.
extra_info: gflop per call (2*N*K*Ho*Wo*C*R*S, x3 for forward+backward) and, when timed,
max_rel_err of y (and dx, dw) against the float64 reference."""

import pytest

from dlcore.bench import conv as conv_suite

LIBS = ["dlcore", "torch"]
CASES = conv_suite.cases()


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("case", CASES, ids=[f"{c['name']}-{c['mode']}".replace(" ", "_") for c in CASES])
def bench_conv(benchmark, threads, case, lib, request):
    if lib == "torch":
        request.getfixturevalue("torch_or_skip")
    fn, check = conv_suite.make_call(lib, case, threads)
    benchmark.group = f"conv {case['name']} {case['mode']}, {threads} thread{'s' if threads > 1 else ''}"
    benchmark.extra_info.update(lib=lib, threads=threads, gflop=conv_suite.flops(case) / 1e9)
    benchmark(fn)
    if not benchmark.disabled:
        benchmark.extra_info["max_rel_err"] = check()
