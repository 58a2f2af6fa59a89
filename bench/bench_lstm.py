"""float32 recurrent layers, forward and forward+backward: dlcore's backend.cpu rnn_forward /
rnn_backward against torch on the cases of `dlcore bench lstm` (dlcore.bench.lstm.cases()): an
LSTM layer at three shapes against nn.LSTM and an nn.LSTMCell loop, a GRU layer against nn.GRU,
the LSTM cell alone against nn.LSTMCell; one benchmark group per case and thread count.
extra_info: the case and, when timed, max_rel_err of y (and dx, dW) against the float64
reference (dlcore/reference_rnn.py)."""

import pytest

from dlcore.bench import lstm as lstm_suite

LIBS = ["dlcore", "torch"]
CASES = lstm_suite.cases()


def _id(c):
    return f"{c['mode']}-{c['name']}-{c['pass_']}-vs-{c['base']}".replace(" ", "_")


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def bench_lstm(benchmark, threads, case, lib, request):
    if lib == "torch":
        request.getfixturevalue("torch_or_skip")
    fn, check = lstm_suite.make_call(lib, case, threads)
    benchmark.group = f"{_id(case)}, {threads} thread{'s' if threads > 1 else ''}"
    benchmark.extra_info.update(lib=lib, threads=threads, mode=case["mode"], dims=case["dims"])
    benchmark(fn)
    if not benchmark.disabled:
        benchmark.extra_info["max_rel_err"] = check()
