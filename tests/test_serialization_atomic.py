"""Atomic saves and their temporary files: a save killed with SIGKILL mid-write leaves its
temporary file and the previous checkpoint; the next save to the same path removes the file
(dead pid, or old), never one a live process or thread is still writing."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import dlcore
from dlcore.serialization import atomic

PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(dlcore.__file__)))
pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and pid checks are POSIX")

# a child that saves 32 MB to argv[1], stops half-way through the write (the bytes flushed to
# the temporary file) and reports, then sleeps until it is killed
PAUSED_SAVER = textwrap.dedent("""
    import sys, time, numpy as np, dlcore
    from dlcore.serialization import atomic
    def pause(f, data):
        f.write(data[: len(data) // 2]); f.flush()
        print("writing", flush=True)
        time.sleep(600)
    atomic._write_bytes = pause
    dlcore.save({"big": np.ones(4 << 20)}, sys.argv[1])
""")

# a child that saves 24 MB states to argv[1] in a loop, unpatched, until it is killed
LOOP_SAVER = textwrap.dedent("""
    import sys, numpy as np, dlcore
    i = 0
    while True:
        dlcore.save({"big": np.full(3 << 20, float(i)), "i": i}, sys.argv[1]); i += 1
""")


def _spawn(code, path):
    env = dict(os.environ, PYTHONPATH=PKG_PARENT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # cwd: the file's folder, as `python -c` puts the cwd first on sys.path (in CI the source tree,
    # whose dlcore has no compiled _C, would shadow the installed one)
    return subprocess.Popen(
        [sys.executable, "-c", code, str(path)], env=env, stdout=subprocess.PIPE, cwd=os.path.dirname(path)
    )


def _temps(path):
    prefix = atomic.temp_prefix(str(path))
    return sorted(n for n in os.listdir(os.path.dirname(path)) if n.startswith(prefix))


def _kill(proc):
    proc.kill()  # SIGKILL
    assert proc.wait(timeout=60) == -signal.SIGKILL


def _paused_child(path):
    proc = _spawn(PAUSED_SAVER, path)
    assert proc.stdout.readline() == b"writing\n"
    (temp,) = _temps(path)
    assert f"-{proc.pid}-" in temp and os.path.getsize(path.parent / temp) > 0
    return proc, temp


def test_killed_save_leaves_old_file_and_next_save_removes_its_temp(tmp_path):
    path = tmp_path / "ck.safetensors"
    dlcore.save({"v": np.arange(5.0)}, path)
    proc, temp = _paused_child(path)
    _kill(proc)
    assert _temps(path) == [temp]  # the kill left the half-written temporary file
    np.testing.assert_array_equal(dlcore.load(path)["v"], np.arange(5.0))
    dlcore.save({"v": np.arange(3.0)}, path)
    assert os.listdir(tmp_path) == ["ck.safetensors"]
    np.testing.assert_array_equal(dlcore.load(path)["v"], np.arange(3.0))


def test_save_keeps_the_temp_file_of_a_live_concurrent_saver(tmp_path):
    path = tmp_path / "ck.safetensors"
    proc, temp = _paused_child(path)
    try:
        dlcore.save({"v": np.arange(4.0)}, path)  # the child is alive: its temporary file stays
        assert _temps(path) == [temp]
        np.testing.assert_array_equal(dlcore.load(path)["v"], np.arange(4.0))
    finally:
        _kill(proc)
    dlcore.save({"v": np.arange(2.0)}, path)
    assert _temps(path) == []


def test_kill_at_a_random_point_of_repeated_saves(tmp_path):
    """Killed wherever it is (the kill lands once a temporary file exists): the target is a
    whole file, old or new, and the next save leaves no temporary file."""
    path = tmp_path / "ck.safetensors"
    proc = _spawn(LOOP_SAVER, path)
    try:
        deadline = time.monotonic() + 120
        while not (path.exists() and _temps(path)) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert _temps(path), "the child never started a second save"
    finally:
        _kill(proc)
    got = dlcore.load(path)
    np.testing.assert_array_equal(got["big"], np.full(3 << 20, float(got["i"])))
    dlcore.save({"x": 1}, path)
    assert os.listdir(tmp_path) == ["ck.safetensors"]


def _fake_temp(path, host, pid, age_s=0.0, tag="abc_12"):
    p = path.parent / f"{atomic.temp_prefix(str(path))}{host}-{pid}-{tag}"
    p.write_bytes(b"partial")
    t = time.time() - age_s
    os.utime(p, (t, t))
    return p.name


def test_which_temp_files_are_stale(tmp_path):
    path = tmp_path / "m.safetensors"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live, other_host = os.getppid(), "0badc0de" if atomic._HOST != "0badc0de" else "0badc0df"
    old = atomic.STALE_SECONDS + 60
    keep = [
        _fake_temp(path, atomic._HOST, live),  # a live process of this host
        _fake_temp(path, other_host, dead.pid),  # another host: its pids mean nothing here
        _fake_temp(tmp_path / "other.safetensors", atomic._HOST, dead.pid),  # another target
        ".m.safetensors.tmp-notours",
        "m.safetensors.tmp-" + atomic._HOST + f"-{dead.pid}-x",  # no leading dot: not our name
    ]
    for name in keep[3:]:
        (tmp_path / name).write_bytes(b"user file")
    gone = [
        _fake_temp(path, atomic._HOST, dead.pid, tag="dead_1"),  # a dead pid
        _fake_temp(path, atomic._HOST, os.getpid(), tag="mine_1"),  # this pid, not in progress
        _fake_temp(path, atomic._HOST, live, old, tag="old_1"),  # a live pid (reused?) but old
        _fake_temp(path, other_host, live, old, tag="old_2"),  # another host, old
    ]
    dlcore.save({"x": 1}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(keep + ["m.safetensors"])
    assert not set(gone) & set(os.listdir(tmp_path))


def test_threads_saving_one_path_do_not_remove_each_others_temp(tmp_path):
    path, errors = tmp_path / "t.safetensors", []

    def work(seed):
        try:
            for i in range(15):
                dlcore.save({"v": np.full(1 << 17, float(seed * 100 + i))}, path)
        except Exception as e:  # noqa: BLE001  (reported below)
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert os.listdir(tmp_path) == ["t.safetensors"]
    v = dlcore.load(path)["v"]
    assert v.shape == (1 << 17,) and (v == v[0]).all()
