"""One training epoch of an MLP, the digits CNN or the char LSTM LM: dlcore through
dlcore.train.fit over a DataLoader, torch through the usual loop, with identical initial weights,
data, loss and optimizer. The cases and builders are those of `dlcore bench train-mlp`
(dlcore/bench/train_mlp.py: the digits MLPs 64-512-10 (Adam) and 64-128-10 (SGD momentum), and
TARGETS.md's 784-128-10 on 60,000 synthetic samples (SGD momentum; about a second per epoch, so 3
rounds)), of `dlcore bench train-cnn` (dlcore/bench/train_cnn.py: conv32-pool-conv64-pool-fc128
on 8x8 digits, batch 64, Adam and SGD momentum) and of `dlcore bench train-charlm`
(dlcore/bench/train_charlm.py: a 2-layer LSTM char LM on the toy-grammar corpus, batch 32, Adam).
numpy has no training loop to compare. extra_info["first_loss_rel_err"]: the first batch's loss
at the shared initialisation against a float64 numpy forward pass."""

import pytest

from dlcore.bench import train_charlm, train_cnn, train_mlp

CASES = (
    {c["name"].split(",")[0].replace(" ", "-"): (train_mlp, c) for c in train_mlp.CASES}
    | {c["name"].replace(" ", "-"): (train_cnn, c) for c in train_cnn.CASES}
    | {c["name"].replace(" ", "-"): (train_charlm, c) for c in train_charlm.CASES}
)
LIBS = ["dlcore", "torch"]


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("case", list(CASES))
def bench_train_epoch(benchmark, threads, case, lib, request):
    pytest.importorskip("sklearn")  # the digits
    if lib == "torch":
        request.getfixturevalue("torch_or_skip")
    suite, spec = CASES[case]
    epoch, check = suite.make_call(lib, spec, threads)
    benchmark.group = f"train {case}, {threads} thread{'s' if threads > 1 else ''}"
    benchmark.extra_info.update(lib=lib, threads=threads, first_loss_rel_err=check())
    if spec.get("data") == "synthetic":
        benchmark.pedantic(epoch, rounds=3, warmup_rounds=1)
    else:
        benchmark(epoch)
