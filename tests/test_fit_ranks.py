"""fit's data-parallel hooks that work in one process: rank-zero-only callbacks, set_epoch, and
unchanged logs without a process group (the multi-rank behaviour is in test_mpi_fit.py)."""

import numpy as np
import pytest

from dlcore import distributed as dist
from dlcore import nn, optim
from dlcore.callbacks import Callback, CallbackList, CSVLogger, EarlyStopping, JSONLogger, ModelCheckpoint
from dlcore.data import DataLoader, DistributedSampler, TensorDataset
from dlcore.train import evaluate, fit


class Count(Callback):
    def __init__(self):
        self.epochs = 0

    def on_epoch_end(self, epoch, logs):
        self.epochs += 1


def test_callback_list_leaves_rank_zero_only_callbacks_out_off_rank_zero(tmp_path):
    files = [CSVLogger(tmp_path / "a.csv"), JSONLogger(tmp_path / "a.jsonl"), ModelCheckpoint(tmp_path / "c")]
    assert all(cb.rank_zero_only for cb in files)
    keep = [Count(), EarlyStopping("loss")]
    assert not any(cb.rank_zero_only for cb in keep)
    assert CallbackList([*files, *keep], is_rank_zero=False, model="m").callbacks == keep
    assert keep[0].model == "m" and files[0].model is None
    assert CallbackList([*files, *keep], model="m").callbacks == [*files, *keep]
    with pytest.raises(TypeError, match="callbacks must be Callback instances"):
        CallbackList([Count(), object()], is_rank_zero=False)


def _problem(n=24):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 3))
    return TensorDataset(x, (x @ np.array([[1.0], [-2.0], [0.5]])).astype(np.float64))


def test_fit_calls_set_epoch_without_a_group():
    assert not dist.is_initialized()
    data = _problem()

    calls = []

    class Recording(DistributedSampler):
        def set_epoch(self, epoch):
            calls.append(epoch)
            super().set_epoch(epoch)

    sampler = Recording(data, num_replicas=1, rank=0, seed=4)
    model = nn.Linear(3, 1, dtype=np.float64)
    loader = DataLoader(data, batch_size=5, sampler=sampler)
    hist = fit(
        model,
        nn.MSELoss(),
        optim.SGD(model.parameters(), lr=0.05),
        loader,
        epochs=3,
        initial_epoch=2,
        verbose=0,
    )
    assert calls == [2, 3, 4] == hist.epochs
    assert sampler.epoch == 4


def test_evaluate_without_a_group_is_this_processes_mean():
    data = _problem(10)
    model = nn.Linear(3, 1, dtype=np.float64)
    a = evaluate(model, DataLoader(data, batch_size=4), nn.MSELoss(), ["mae"])
    b = evaluate(model, DataLoader(data, batch_size=4), nn.MSELoss(), ["mae"], across_ranks=False)
    assert a == b and set(a) == {"loss", "mae"}
    assert evaluate(model, DataLoader(data, batch_size=4), None, ["mae"]).keys() == {"mae"}
    assert evaluate(model, DataLoader(data, batch_size=4, sampler=[]), nn.MSELoss(), ["mae"]) == {}
