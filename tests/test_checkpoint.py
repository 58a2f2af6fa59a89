"""dlcore.save/load and checkpoints: round trips, 5 + 5 epochs resumed in a fresh process equal
10 uninterrupted epochs bit for bit, an interrupted write keeps the previous checkpoint, and a
mismatched checkpoint raises and changes nothing."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import dlcore
from dlcore import nn, optim, serialization
from dlcore.checkpoint import load_checkpoint, save_checkpoint
from dlcore.optim import lr_scheduler
from dlcore.tensor import Tensor

# the directory holding the dlcore package this process imported (source tree or site-packages),
# so fresh processes import the same build
PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(dlcore.__file__)))

TRAIN = textwrap.dedent("""
    import sys
    import numpy as np
    import dlcore
    from dlcore import nn, optim
    from dlcore.optim import lr_scheduler
    from dlcore.checkpoint import load_checkpoint, save_checkpoint

    mode, kind, ckpt, out = sys.argv[1:5]
    dlcore.set_num_threads(1)
    dlcore.manual_seed(0)
    data = np.random.default_rng(123)
    X = data.standard_normal((96, 10)).astype(np.float32)
    Y = (X[:, :3].sum(1) > 0).astype(np.int64) + (X[:, 3] > 0.5)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 3))
    if kind == "adam":
        opt = optim.Adam(model.parameters(), lr=1e-2, amsgrad=True)
        sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    elif kind == "sgd":
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
        sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    elif kind == "eve":
        opt = optim.Eve(model.parameters(), lr=1e-2)
        sched = lr_scheduler.LinearWarmup(opt, warmup_steps=4)
    else:
        opt = optim.RMSprop(model.parameters(), lr=1e-3, momentum=0.5, centered=True)
        sched = lr_scheduler.ExponentialLR(opt, gamma=0.8)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        perm = dlcore.random.generator().permutation(len(X))
        for i in range(0, len(X), 16):
            idx = perm[i:i + 16]
            opt.zero_grad()
            loss = loss_fn(model(dlcore.tensor(X[idx])), dlcore.tensor(Y[idx]))
            loss.backward()
            opt.step(loss=loss) if kind == "eve" else opt.step()
        sched.step()

    start = 0
    if mode == "resume":
        start = load_checkpoint(ckpt, model=model, optimizer=opt, scheduler=sched)["epoch"]
    stop = 5 if mode == "first" else 10
    if kind == "fit":  # the whole stack: fit, a shuffling DataLoader, the schedule
        from dlcore.data import DataLoader, TensorDataset
        from dlcore.train import fit
        loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True)
        fit(model, loss_fn, opt, loader, epochs=stop - start, initial_epoch=start,
            scheduler=sched, verbose=0)
    for e in range(start, stop if kind != "fit" else start):
        epoch()
    if mode == "first":
        save_checkpoint(ckpt, model=model, optimizer=opt, scheduler=sched, epoch=stop)
    else:
        np.savez(out, *[p.data for p in model.parameters()],
                 r=dlcore.random.generator().standard_normal(4))
""")


def _run(tmp_path, *args):
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    env = dict(
        os.environ, PYTHONPATH=PKG_PARENT + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1"
    )
    subprocess.run(
        [sys.executable, str(script), *map(str, args)], check=True, env=env, cwd=tmp_path, timeout=300
    )


@pytest.mark.parametrize("kind", ["adam", "sgd", "eve", "fit"])
def test_resume_in_fresh_process_is_bit_identical(tmp_path, kind):
    ck, full, resumed = tmp_path / "c.safetensors", tmp_path / "full.npz", tmp_path / "res.npz"
    _run(tmp_path, "full", kind, ck, full)
    _run(tmp_path, "first", kind, ck, "-")
    _run(tmp_path, "resume", kind, ck, resumed)
    a, b = np.load(full), np.load(resumed)
    assert sorted(a.files) == sorted(b.files)
    for k in a.files:
        np.testing.assert_array_equal(a[k], b[k])
    mid = dlcore.load(ck)["model"]["0.weight"].data  # epochs 6-10 really moved the weights
    assert np.abs(mid - a["arr_0"]).max() > 1e-4


def test_save_load_round_trip(tmp_path):
    obj = {
        "w": Tensor(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "a": np.array([1, 2], np.int64),
        3: (1.5, float("inf"), None, True, "s"),
        "nested": [{"x": np.float64(2.5), "e": np.zeros((0, 4), np.float32)}],
        "scalar": np.array(7.0),
    }
    path = tmp_path / "x.safetensors"
    dlcore.save(obj, path)
    back = dlcore.load(path)
    assert isinstance(back["w"], Tensor) and back["w"].dtype == np.float32
    np.testing.assert_array_equal(back["w"].data, obj["w"].data)
    np.testing.assert_array_equal(back["a"], obj["a"])
    assert back[3] == obj[3]
    assert back["nested"][0]["x"] == 2.5 and back["nested"][0]["e"].shape == (0, 4)
    assert back["scalar"].shape == ()
    from safetensors.numpy import load_file  # readable by plain safetensors

    assert len(load_file(str(path))) == 4
    with pytest.raises(TypeError, match="cannot save an object of type object"):
        dlcore.save({"x": object()}, tmp_path / "bad.safetensors")
    assert not (tmp_path / "bad.safetensors").exists()


def _trained(seed=0):
    dlcore.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = lr_scheduler.ExponentialLR(opt, 0.9)
    x = dlcore.randn(5, 4)
    for _ in range(3):
        opt.zero_grad()
        (model(x) * model(x)).mean().backward()
        opt.step()
        sched.step()
    return model, opt, sched


def _params(model):
    return [p.data.copy() for p in model.parameters()]


def test_interrupted_write_keeps_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ck.safetensors"
    model, opt, sched = _trained()
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=1)
    good = _params(model)
    for p in model.parameters():
        p.data += 1.0

    def half_then_crash(f, data):
        f.write(data[: len(data) // 2])
        raise KeyboardInterrupt("simulated crash mid-write")

    monkeypatch.setattr(serialization.atomic, "_write_bytes", half_then_crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=2)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ck.safetensors"]  # temporary file removed
    fresh, fopt, fsched = _trained(seed=1)
    ck = load_checkpoint(path, model=fresh, optimizer=fopt, scheduler=fsched)
    assert ck["epoch"] == 1
    for a, b in zip(_params(fresh), good):
        np.testing.assert_array_equal(a, b)


def test_killed_process_mid_write_keeps_previous_checkpoint(tmp_path):
    path = tmp_path / "ck.safetensors"
    dlcore.save({"v": np.arange(5.0)}, path)
    code = textwrap.dedent(f"""
        import os, numpy as np, dlcore
        from dlcore.serialization import atomic
        def die(f, data):
            f.write(data[:len(data) // 3]); f.flush(); os._exit(9)
        atomic._write_bytes = die
        dlcore.save({{"v": np.zeros(1000)}}, {str(path)!r})
    """)
    env = dict(os.environ, PYTHONPATH=PKG_PARENT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 9
    np.testing.assert_array_equal(dlcore.load(path)["v"], np.arange(5.0))


def test_truncated_file_is_a_clear_error(tmp_path):
    path = tmp_path / "t.safetensors"
    dlcore.save({"v": np.arange(100.0)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 50])
    with pytest.raises(ValueError, match="truncated"):
        dlcore.load(path)
    path.write_bytes(data[:300])  # cut inside the header
    with pytest.raises(ValueError, match="truncated dlcore checkpoint"):
        dlcore.load(path)
    path.write_bytes(data[:4])  # too short to tell: not called a dlcore file
    with pytest.raises(ValueError, match=r"not a dlcore checkpoint \(4 bytes"):
        dlcore.load(path)


def test_mismatched_checkpoint_changes_nothing(tmp_path):
    path = tmp_path / "ck.safetensors"
    model, opt, sched = _trained()
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=3)
    dlcore.manual_seed(5)
    other = nn.Sequential(nn.Linear(4, 9), nn.ReLU(), nn.Linear(9, 2))
    oopt = optim.Adam(other.parameters(), lr=0.01)
    before, rng = _params(other), dlcore.get_rng_state()
    osd = oopt.state_dict()
    with pytest.raises(ValueError, match="shape"):
        load_checkpoint(path, model=other, optimizer=oopt)
    for a, b in zip(_params(other), before):
        np.testing.assert_array_equal(a, b)
    assert dlcore.get_rng_state() == rng
    assert oopt.state_dict()["param_groups"] == osd["param_groups"]
    # right model, wrong optimizer class: the model is rolled back too
    m2, _, _ = _trained(seed=7)
    before2 = _params(m2)
    sgd = optim.SGD(m2.parameters(), lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="Adam, not a SGD"):
        load_checkpoint(path, model=m2, optimizer=sgd)
    # same class, state that fails validation after the model loaded: rolled back
    m3, o3, _ = _trained(seed=8)
    before3 = _params(m3)
    o3.param_groups.append(dict(o3.param_groups[0]))
    o3._flat.append(o3._flat[0])
    o3.state.append({})
    with pytest.raises(ValueError, match="param groups"):
        load_checkpoint(path, model=m3, optimizer=o3)
    for a, b in zip(_params(m3), before3):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(_params(m2), before2):
        np.testing.assert_array_equal(a, b)
    dlcore.save({"x": 1}, tmp_path / "plain.safetensors")
    with pytest.raises(ValueError, match="not a dlcore checkpoint"):
        load_checkpoint(tmp_path / "plain.safetensors", model=model)


def test_module_load_state_dict_failure_is_not_half_applied():
    model, _, _ = _trained()
    before = _params(model)
    sd = {k: v.data + 1.0 for k, v in model.state_dict().items()}
    last = list(sd)[-1]
    sd[last] = np.zeros(sd[last].size + 1, np.float32)  # the last entry is wrong
    with pytest.raises(ValueError, match="shape"):
        model.load_state_dict(sd)
    for a, b in zip(_params(model), before):
        np.testing.assert_array_equal(a, b)


def test_optimizer_load_state_dict_failure_is_not_half_applied():
    dlcore.manual_seed(0)
    a, b = nn.Linear(3, 2), nn.Linear(2, 2)
    opt = optim.Adam([{"params": a.parameters()}, {"params": b.parameters(), "lr": 0.5}], lr=0.01)
    (a(dlcore.randn(4, 3)).sum() + b(dlcore.randn(4, 2)).sum()).backward()
    opt.step()
    before = opt.state_dict()
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.9  # group 0 fine, group 1's state the wrong size
    sd["state"][0] = {k: (v + 1 if hasattr(v, "shape") else v) for k, v in sd["state"][0].items()}
    sd["state"][1]["exp_avg"] = np.zeros(3, np.float32)
    with pytest.raises(ValueError, match="state 'exp_avg' has shape"):
        opt.load_state_dict(sd)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for i in before["state"]:
        for k, v in before["state"][i].items():
            np.testing.assert_array_equal(after["state"][i][k], v)


def _snapshot(model, opt, sched):
    return _params(model), opt.state_dict(), sched.state_dict(), dlcore.get_rng_state()


def _assert_unchanged(snap, model, opt, sched):
    params, osd, ssd, rng = snap
    for a, b in zip(_params(model), params):
        np.testing.assert_array_equal(a, b)
    now = opt.state_dict()
    assert now["param_groups"] == osd["param_groups"]
    for i in osd["state"]:
        for k, v in osd["state"][i].items():
            np.testing.assert_array_equal(now["state"][i][k], v)
    assert sched.state_dict() == ssd and dlcore.get_rng_state() == rng


def test_corrupt_or_malformed_checkpoint_changes_nothing(tmp_path):
    path = tmp_path / "ck.safetensors"
    save_checkpoint(path, *_trained(seed=0), epoch=2)
    data = path.read_bytes()
    path.write_bytes(data[:-3] + bytes([data[-3] ^ 0x10]) + data[-2:])  # a data byte flipped
    model, opt, sched = _trained(seed=4)
    snap = _snapshot(model, opt, sched)
    with pytest.raises(ValueError, match=rf"{path}: tensor '.*' fails its checksum"):
        load_checkpoint(path, model=model, optimizer=opt, scheduler=sched)
    _assert_unchanged(snap, model, opt, sched)
    # well-formed file, malformed RNG state: model, optimizer and schedule loaded, then rolled back
    good, gopt, gsched = _trained(seed=0)
    ck = {
        "kind": "dlcore-checkpoint",
        "model": good.state_dict(),
        "optimizer": gopt.state_dict(),
        "scheduler": gsched.state_dict(),
        "rng": {"bit_generator": "PCG64"},
    }
    dlcore.save(ck, path)
    snap = _snapshot(model, opt, sched)  # _trained re-seeded the RNG
    with pytest.raises(ValueError, match="malformed rng state"):
        load_checkpoint(path, model=model, optimizer=opt, scheduler=sched)
    _assert_unchanged(snap, model, opt, sched)
