"""The char-LSTM part of the eve tour entry (dlcore/tour/eve.py on dlcore.models.CharLM): a seed
fixes init and windows (Adam and Eve start from the same model and data), training lowers the
loss, the runs restore the thread count. The quick entry itself runs in tests/test_tour_optim.py;
CharLM's torch parity in tests/test_models_charlm.py."""

import numpy as np

import dlcore
from dlcore import optim
from dlcore.data import encode_chars, toy_grammar
from dlcore.tour import eve


def _codes():
    codes, vocab = encode_chars(toy_grammar())
    return codes, len(vocab)


def _adam(p):
    return optim.Adam(p, lr=3e-3)


def test_same_seed_same_run_and_both_optimizers_start_alike():
    codes, v = _codes()
    a = eve.char_lstm_train(_adam, 4, 3, codes, v, batch=8, length=10)
    b = eve.char_lstm_train(_adam, 4, 3, codes, v, batch=8, length=10)
    e = eve.char_lstm_train(lambda p: optim.Eve(p, lr=3e-3), 4, 3, codes, v, batch=8, length=10)
    assert a["loss"] == b["loss"] and a["final"] == b["final"]
    assert e["loss"][0] == a["loss"][0] and e["loss"][1:] != a["loss"][1:]
    other = eve.char_lstm_train(_adam, 5, 3, codes, v, batch=8, length=10)
    assert other["loss"][0] != a["loss"][0]


def test_training_lowers_the_loss():
    codes, v = _codes()
    run = eve.char_lstm_train(_adam, 0, 40, codes, v, batch=16, length=12)
    assert len(run["loss"]) == 40
    assert run["loss"][0] > np.log(v) - 0.5  # near uniform at init
    assert run["final"] < 0.8 * run["loss"][0]


def test_runs_restore_the_thread_count():
    before = dlcore.get_num_threads()
    dlcore.set_num_threads(2)
    try:
        runs = eve.char_lstm_runs(2, seeds=(0,))
        assert dlcore.get_num_threads() == 2
    finally:
        dlcore.set_num_threads(before)
    assert set(runs) == {"Adam", "Eve"} and all(len(r) == 1 and len(r[0]["loss"]) == 2 for r in runs.values())
