"""dlcore.train fit/evaluate/predict, callbacks, metrics, progress and summary (F15, U04, U13)."""

import csv
import json

import numpy as np
import pytest

import dlcore
from dlcore import nn, optim
from dlcore.callbacks import Callback, CSVLogger, EarlyStopping, JSONLogger, ModelCheckpoint
from dlcore.data import DataLoader, TensorDataset
from dlcore.metrics import accuracy, mae, mse
from dlcore.summary import summary
from dlcore.train import evaluate, fit, predict


def _blobs(n=257, seed=0):
    """Three Gaussian blobs in 5-D, labels 0..2."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = rng.standard_normal((3, 5)) * 3
    x = centers[y] + rng.standard_normal((n, 5))
    return x.astype(np.float32), y.astype(np.int64)


def _model():
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3))


def _loaders(seed=0):
    x, y = _blobs(seed=seed)
    return (
        DataLoader(TensorDataset(x[:200], y[:200]), batch_size=31, shuffle=True, seed=seed),
        DataLoader(TensorDataset(x[200:], y[200:]), batch_size=64),
    )


def _csv_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _lines(path):
    with open(path) as f:
        return f.readlines()


def test_fit_reduces_loss_and_logs_history():
    dlcore.manual_seed(0)
    model, (tr, va) = _model(), _loaders()
    h = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        tr,
        epochs=8,
        val_loader=va,
        metrics=["accuracy"],
        verbose=0,
    )
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 8 for v in h.values()) and h.epochs == list(range(8))
    assert h["loss"][-1] < 0.3 * h["loss"][0]
    assert h["val_accuracy"][-1] > 0.9
    assert h.stopped_epoch is None and len(h.epoch_times) == 8


def test_fit_is_deterministic_given_the_seed():
    def run():
        dlcore.manual_seed(3)
        model, (tr, _) = _model(), _loaders(seed=3)
        return fit(
            model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-2), tr, epochs=3, verbose=0
        )["loss"]

    assert run() == run()


def test_fit_loss_equals_weighted_batch_mean():
    """The logged epoch loss is the batch-size-weighted mean of the per-batch losses."""
    seen = []

    class Rec(Callback):
        def on_batch_end(self, batch, logs):
            seen.append((logs["loss"], logs["size"]))

    model, (tr, _) = _model(), _loaders()
    h = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.05),
        tr,
        epochs=1,
        callbacks=[Rec()],
        verbose=0,
    )
    assert sum(s for _, s in seen) == 200
    assert h["loss"][0] == pytest.approx(sum(v * s for v, s in seen) / 200, rel=1e-12)


class _ModeProbe(nn.Module):
    """Records (training flag, grad mode, output requires_grad) at every forward."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(5, 3)
        self.calls = []

    def forward(self, x):
        out = self.lin(x)
        self.calls.append((self.training, dlcore.is_grad_enabled(), out.requires_grad))
        return out


@pytest.mark.parametrize("start_training", [True, False])
def test_evaluate_no_grad_eval_mode_and_restores_mode(start_training):
    model, (_, va) = _ModeProbe(), _loaders()
    model.train(start_training)
    res = evaluate(model, va, nn.CrossEntropyLoss(), metrics=["accuracy"])
    assert set(res) == {"loss", "accuracy"}
    assert model.calls and all(c == (False, False, False) for c in model.calls)
    assert model.training is start_training
    assert all(p.grad is None for p in model.parameters())


def test_fit_trains_in_train_mode_and_restores_mode():
    model, (tr, va) = _ModeProbe(), _loaders()
    model.eval()
    fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        tr,
        epochs=1,
        val_loader=va,
        verbose=0,
    )
    n_train = len(tr)
    assert all(c == (True, True, True) for c in model.calls[:n_train])
    assert all(c == (False, False, False) for c in model.calls[n_train:])
    assert model.training is False


def test_evaluate_matches_numpy():
    model, (_, va) = _model(), _loaders()
    x, y = va.dataset.arrays
    logits = predict(model, x, batch_size=7)
    assert logits.shape == (len(x), 3)
    m = logits.max(1, keepdims=True)
    lse = (m + np.log(np.exp(logits - m).sum(1, keepdims=True)))[:, 0]
    ce = np.mean(lse - logits[np.arange(len(y)), y])
    res = evaluate(model, va, nn.CrossEntropyLoss(), metrics=["accuracy"])
    assert res["loss"] == pytest.approx(ce, rel=1e-5)
    assert res["accuracy"] == pytest.approx(np.mean(logits.argmax(1) == y))


# ---- early stopping (F15: halts <= patience + 1 epochs after the plateau) --------------------
@pytest.mark.parametrize("patience", [0, 1, 3])
@pytest.mark.parametrize("plateau_at", [0, 4])
def test_early_stopping_halts_within_patience_plus_one(patience, plateau_at):
    losses = [10.0 - k for k in range(plateau_at)] + [10.0 - plateau_at] * 50
    es = EarlyStopping(monitor="val_loss", patience=patience)
    es.on_train_begin({})
    stopped = None
    for epoch, v in enumerate(losses):
        es.on_epoch_end(epoch, {"val_loss": v})
        if es.stop_training:
            stopped = epoch
            break
    # the plateau begins after epoch `plateau_at` (the last improvement)
    assert stopped is not None and 1 <= stopped - plateau_at <= patience + 1
    assert es.best_epoch == plateau_at and es.stopped_epoch == stopped


def test_early_stopping_min_delta_and_max_mode():
    es = EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.01)
    es.on_train_begin({})
    for epoch, acc in enumerate([0.5, 0.6, 0.605, 0.609]):
        es.on_epoch_end(epoch, {"val_accuracy": acc})
        if es.stop_training:
            break
    assert es.stopped_epoch == 2 and es.best == 0.6


def test_early_stopping_in_fit_on_a_plateau():
    """lr = 0: the loss is flat from the first epoch (up to float rounding of reshuffled
    batches, below min_delta); fit stops after patience + 1 epochs."""
    model, (tr, _) = _model(), _loaders()
    es = EarlyStopping(monitor="loss", patience=2, min_delta=1e-6)
    h = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.0),
        tr,
        epochs=50,
        callbacks=[es],
        verbose=0,
    )
    assert len(h["loss"]) == 3 and h.stopped_epoch == 2 == es.stopped_epoch


def test_fit_early_stopping_shorthand():
    model, (tr, va) = _model(), _loaders()
    h = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.0),
        tr,
        epochs=50,
        val_loader=va,
        early_stopping=1,
        verbose=0,
    )
    assert len(h["val_loss"]) == 2 and h.stopped_epoch == 1  # val loss is exactly flat


def test_early_stopping_restores_best_weights():
    model = _model()
    es = EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    es.model = model
    es.on_train_begin({})
    snaps = []
    for epoch, v in enumerate([3.0, 1.0, 2.0, 2.5]):
        for p in model.parameters():
            p.data[...] = epoch + 1.0
        snaps.append([p.numpy().copy() for p in model.parameters()])
        es.on_epoch_end(epoch, {"val_loss": v})
        if es.stop_training:
            break
    es.on_train_end({})
    for p, s in zip(model.parameters(), snaps[1]):
        np.testing.assert_array_equal(p.numpy(), s)


def test_early_stopping_unknown_monitor():
    es = EarlyStopping(monitor="val_loss")
    es.on_train_begin({})
    with pytest.raises(KeyError, match="val_loader"):
        es.on_epoch_end(0, {"loss": 1.0})
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)


# ---- loggers and checkpoints ----------------------------------------------------------------
def test_csv_and_json_loggers(tmp_path):
    model, (tr, va) = _model(), _loaders()
    c, j = tmp_path / "log.csv", tmp_path / "log.jsonl"
    h = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        tr,
        epochs=3,
        val_loader=va,
        metrics=["accuracy"],
        callbacks=[CSVLogger(c), JSONLogger(j)],
        verbose=0,
    )
    rows = _csv_rows(c)
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    assert [float(r["val_accuracy"]) for r in rows] == h["val_accuracy"]
    recs = [json.loads(line) for line in _lines(j)]
    assert [r["loss"] for r in recs] == h["loss"] and recs[2]["epoch"] == 2
    # a second fit overwrites unless append
    fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        tr,
        epochs=1,
        callbacks=[CSVLogger(c, append=True), JSONLogger(j)],
        verbose=0,
    )
    assert len(_csv_rows(c)) == 4 and len(_lines(j)) == 1


def test_model_checkpoint_calls_save_checkpoint(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("dlcore.callbacks.save_checkpoint", lambda path, **kw: calls.append((path, kw)))
    model, (tr, va) = _model(), _loaders()
    opt = optim.SGD(model.parameters(), lr=0.0)  # flat val_loss: only the first epoch is "best"
    ck = ModelCheckpoint(tmp_path / "ck-{epoch:02d}.st", save_best_only=True)
    every = ModelCheckpoint(tmp_path / "all-{epoch}-{loss:.2f}.st")
    fit(model, nn.CrossEntropyLoss(), opt, tr, epochs=3, val_loader=va, callbacks=[ck, every], verbose=0)
    assert ck.saved == [str(tmp_path / "ck-01.st")]
    assert len(every.saved) == 3 and every.saved[2].startswith(str(tmp_path / "all-3-"))
    path, kw = calls[0]
    assert path == ck.saved[0]
    assert kw["model"] is model and kw["optimizer"] is opt and kw["epoch"] == 0
    assert set(kw["extra"]["logs"]) == {"loss", "val_loss"}


def test_fit_passes_loss_to_optimizers_that_need_it():
    model, (tr, _) = _model(), _loaders()
    got = []

    class NeedsLoss(optim.SGD):
        needs_loss = True

        def step(self, loss=None):
            got.append(loss)
            return super().step()

    h = fit(model, nn.CrossEntropyLoss(), NeedsLoss(model.parameters(), lr=0.01), tr, epochs=1, verbose=0)
    assert len(got) == len(tr) and all(isinstance(v, float) for v in got)
    assert h["loss"][0] == pytest.approx(np.average(got, weights=[31] * 6 + [14]))


def test_scheduler_stepped_per_epoch():
    class Sched:
        def __init__(self):
            self.n, self.metrics = 0, []

        def step(self):
            self.n += 1

    class Plateau(Sched):
        def step(self, metric):
            self.metrics.append(metric)

    model, (tr, va) = _model(), _loaders()
    s, p = Sched(), Plateau()
    fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.01),
        tr,
        epochs=2,
        scheduler=s,
        verbose=0,
    )
    h = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.01),
        tr,
        epochs=2,
        val_loader=va,
        scheduler=p,
        verbose=0,
    )
    assert s.n == 2 and p.metrics == h["val_loss"]


# ---- progress (U04) ---------------------------------------------------------------------------
def test_progress_quiet_when_not_a_tty_or_verbose_0(capsys):
    model, (tr, _) = _model(), _loaders()
    opt = optim.SGD(model.parameters(), lr=0.01)
    for verbose in (0, 1):  # pytest captures stderr: not a TTY
        fit(model, nn.CrossEntropyLoss(), opt, tr, epochs=1, verbose=verbose)
        assert capsys.readouterr() == ("", "")
    fit(model, nn.CrossEntropyLoss(), opt, tr, epochs=2, verbose=2)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[1].startswith("epoch 2/2 - loss: ") and "samples/s" in err[1]


def test_progress_bar_on_a_tty():
    import io

    from dlcore.progress import EpochProgress

    class TTY(io.StringIO):
        def isatty(self):
            return True

    s = TTY()
    p = EpochProgress(0, 3, total=4, verbose=1, stream=s)
    for _ in range(4):
        p.update(32, 0.5)
    bar = str(p.bar)
    assert "epoch 1/3" in bar and "4/4" in bar and "loss=0.5" in bar and "samples_s=" in bar
    p.close({"loss": 0.5})
    assert "epoch 1/3 - loss: 0.5 - " in s.getvalue()


# ---- metrics and summary (U13) ---------------------------------------------------------------
def test_metrics():
    out = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 3.0], [1.0, 0.0, 0.0]])
    assert accuracy(out, np.array([0, 2, 1])) == pytest.approx(2 / 3)
    assert accuracy(out, np.eye(3)[[0, 2, 0]]) == 1.0
    assert accuracy(np.array([[1.5], [-0.2]]), np.array([[1], [1]])) == 0.5
    assert mse(np.array([1.0, 3.0]), np.array([0.0, 1.0])) == 2.5
    assert mae(np.array([1.0, 3.0]), np.array([0.0, 1.0])) == 1.5
    with pytest.raises(ValueError, match="unknown metric"):
        fit(
            _model(),
            nn.CrossEntropyLoss(),
            optim.SGD(_model().parameters(), lr=0.1),
            _loaders()[0],
            metrics=["f7"],
            verbose=0,
        )


def test_summary_counts_and_shapes():
    model = nn.Sequential(
        nn.Linear(7, 33), nn.ReLU(), nn.Sequential(nn.Linear(33, 31), nn.Tanh()), nn.Linear(31, 1)
    )
    s = summary(model, (5, 7))
    assert (
        s.total_params
        == sum(p.numel() for p in model.parameters())
        == (7 * 33 + 33) + (33 * 31 + 31) + (31 * 1 + 1)
    )
    shapes = {name: shape for name, _, shape, _ in s.rows}
    assert shapes["0"] == "(5, 33)" and shapes["2.0"] == "(5, 31)" and shapes["3"] == "(5, 1)"
    assert sum(p for _, _, _, p in s.rows) == s.total_params
    text = str(s)
    assert "Total params: 1,350" in text and "2.1 (Tanh)" in text
    assert model.training is True and "forward" not in model._modules["0"].__dict__


def test_module_summary_method(capsys):
    model = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 10))
    s = model.summary((2, 64))
    out = capsys.readouterr().out
    assert s.total_params == 64 * 512 + 512 + 512 * 10 + 10 and "Total params: 38,410" in out
    assert "(2, 512)" in out and model.summary(print_fn=None).rows[0][2] == "?"


def test_model_checkpoint_round_trip(tmp_path):
    """With the real dlcore.checkpoint (optim layer): the best epoch's weights come back."""
    ckpt = pytest.importorskip("dlcore.checkpoint")
    dlcore.manual_seed(0)
    model, (tr, va) = _model(), _loaders()
    opt = optim.SGD(model.parameters(), lr=0.1)
    ck = ModelCheckpoint(tmp_path / "best.ckpt", monitor="val_loss", save_best_only=True)
    h = fit(model, nn.CrossEntropyLoss(), opt, tr, epochs=3, val_loader=va, callbacks=[ck], verbose=0)
    fresh = _model()
    d = ckpt.load_checkpoint(ck.saved[-1], model=fresh)
    assert h["val_loss"][2] < h["val_loss"][1] < h["val_loss"][0]  # the last epoch is best
    assert d["epoch"] == 2 and d["extra"]["logs"]["val_loss"] == h["val_loss"][2]
    for p, q in zip(model.parameters(), fresh.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
