"""One optimizer step (SGD with momentum 0.9, Adam) on float32 parameters: dlcore.optim (one
fused kernel call over the group's flat buffer), the same update written in numpy
(dlcore/reference.py's optimizer_ref run on float32 arrays: what a plain numpy optimizer does, with
temporaries) and torch.optim in its fused, foreach and for-loop forms; one benchmark group per
optimizer, parameter layout and thread count. Layouts: one tensor of 1M parameters, and 100
tensors of 1024 (where per-tensor overhead dominates). Gradients are fixed, so every step does
the same work. The optimizers come from dlcore.bench.optim (the `dlcore bench optim` suite)."""

import pytest

from dlcore.bench import optim as optim_suite

OPTS = ["SGD momentum", "Adam"]
LAYOUTS = {"1x1M": (1 << 20, 1), "100x1024": (100 * 1024, 100)}
LIBS = ["dlcore", "numpy", "torch-fused", "torch-foreach", "torch-forloop"]


def _numpy_step(reference, opt, n, count):
    cls, kw, _, _ = optim_suite.OPTS[opt]
    params, grads = optim_suite._tensors(n, count)
    states = [{} for _ in params]

    def step():
        for p, g, st in zip(params, grads, states):
            reference.optimizer_ref(cls, p, g, st, **kw)

    return step


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("opt", OPTS)
def bench_optimizer_step(benchmark, threads, opt, layout, lib, reference, request):
    n, count = LAYOUTS[layout]
    if lib == "dlcore":
        step, _ = optim_suite.dlcore_step(opt, n, count)
    elif lib == "numpy":
        step = _numpy_step(reference, opt, n, count)
    else:
        request.getfixturevalue("torch_or_skip")
        step = optim_suite.torch_step(lib.split("-")[1], opt, n, count)
        if step is None:
            pytest.skip(f"torch has no {lib} {opt} on this device")
    benchmark.group = f"optim {opt} {layout}, {threads} thread{'s' if threads > 1 else ''}"
    benchmark.extra_info.update(
        lib=lib, threads=threads, params=n, tensors=count, bytes_per_step=optim_suite.OPTS[opt][2] * n
    )
    benchmark(step)
