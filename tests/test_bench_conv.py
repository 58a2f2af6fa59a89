"""Smoke test of `dlcore bench conv` (dlcore only, the quick shapes) and of its error check."""

import json

import numpy as np

from dlcore import backend
from dlcore.bench import conv as conv_suite
from dlcore.bench import main


def test_conv_suite_runs_and_writes_json(tmp_path, capsys):
    out = tmp_path / "conv.json"
    assert (
        main(["conv", "--quick", "--threads", "1", "--no-baselines", "--repeats", "5", "--json", str(out)])
        == 0
    )
    text = capsys.readouterr().out
    assert "### conv2d float32, 1 thread" in text
    rows = json.loads(out.read_text())["rows"]
    assert {(r["shape"], r["mode"]) for r in rows} == {(c["name"], c["mode"]) for c in conv_suite.cases(True)}
    assert all(r["dlcore"] > 0 and r["err"] < 1e-5 for r in rows)


def test_conv_check_sees_a_wrong_result(monkeypatch):
    case = conv_suite.cases(quick=True)[1]  # forward+backward
    real = backend.cpu.conv2d_backward_weight

    def wrong_dw(dw, db, *args):
        real(dw, db, *args)
        dw[0, 0, 0, 0] += 1.0

    monkeypatch.setattr(backend.cpu, "conv2d_backward_weight", wrong_dw)
    _fn, check = conv_suite.make_call("dlcore", case, 1)
    assert check() > 1e-3
    monkeypatch.undo()
    _fn, check = conv_suite.make_call("dlcore", case, 1)
    assert check() < 1e-5
    assert np.isfinite(check())
