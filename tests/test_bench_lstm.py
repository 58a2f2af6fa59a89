"""Smoke test of `dlcore bench lstm` (dlcore only, the quick shapes) and of its error check."""

import json

from dlcore import backend
from dlcore.bench import lstm as lstm_suite
from dlcore.bench import main


def test_lstm_suite_runs_and_writes_json(tmp_path, capsys):
    out = tmp_path / "lstm.json"
    argv = ["lstm", "--quick", "--threads", "1", "--no-baselines", "--repeats", "5", "--json", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "### recurrent layers float32, 1 thread" in text
    rows = json.loads(out.read_text())["rows"]
    want = {(c["mode"].upper(), c["pass_"], c["base"]) for c in lstm_suite.cases(True)}
    got = {(r["layer"], r["pass_"], {"nn.LSTMCell loop": "loop"}.get(r["baseline"], "layer")) for r in rows}
    assert got == want
    assert all(r["ms"] > 0 and r["err"] < 1e-5 for r in rows)


def test_lstm_check_sees_a_wrong_result(monkeypatch):
    case = next(c for c in lstm_suite.cases(quick=True) if c["pass_"] == "fwd+bwd")
    real = backend.cpu.rnn_backward

    def wrong_dw(*args):
        real(*args)
        args[5][0, 0] += 1.0  # dw_hh

    monkeypatch.setattr(backend.cpu, "rnn_backward", wrong_dw)
    _fn, check = lstm_suite.make_call("dlcore", case, 1)
    assert check() > 1e-3
    monkeypatch.undo()
    _fn, check = lstm_suite.make_call("dlcore", case, 1)
    assert check() < 1e-5
