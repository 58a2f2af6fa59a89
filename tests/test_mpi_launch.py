"""`dlcore run` (dlcore/distributed/launch.py): finding mpiexec, the command and environment it
builds (threads per rank, Open MPI's -x), its errors, and three real jobs: a script, -m module
with a failing rank's exit code, and signal forwarding."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _mpi import WORKERS, requires_mpi

import dlcore
from dlcore.cli import main as cli_main
from dlcore.distributed import launch

PKG_ROOT = str(Path(dlcore.__file__).resolve().parent.parent)


def _fake_launcher(path: Path, version_text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho '{version_text}'\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def script(tmp_path):
    p = tmp_path / "train.py"
    p.write_text("print('hi')\n")
    return str(p)


# ---- the command and environment ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cores", "n", "expected"), [(8, 3, 2), (8, 2, 4), (2, 4, 1), (1, 1, 1), (16, 16, 1)]
)
def test_threads_per_rank_are_cores_over_ranks(monkeypatch, script, cores, n, expected):
    monkeypatch.setattr(launch, "available_cores", lambda: cores)
    cmd, env = launch.build_command(
        n, script, mpiexec="/x/mpiexec", flavour="mpich", env={"OMP_NUM_THREADS": "9"}
    )
    for var in launch.THREAD_VARS:
        assert env[var] == str(expected)
    assert cmd == ["/x/mpiexec", "-n", str(n), sys.executable, script]


def test_threads_option_overrides_the_default(monkeypatch, script):
    monkeypatch.setattr(launch, "available_cores", lambda: 64)
    _, env = launch.build_command(4, script, threads=3, mpiexec="/x/mpiexec", flavour="mpich", env={})
    assert env["OMP_NUM_THREADS"] == "3"


def test_environment_is_passed_through_and_args_verbatim(script):
    args = ["--lr", "0.1", "-n", "7", "--", "x y"]
    cmd, env = launch.build_command(
        2, script, args, mpiexec="/x/mpiexec", flavour="mpich", env={"FOO": "1", "PYTHONPATH": "/p"}
    )
    assert cmd[-len(args) :] == args and "-x" not in cmd
    assert env["FOO"] == "1" and env["PYTHONPATH"] == "/p"


def test_open_mpi_exports_the_variables_that_matter(script):
    env = {"PATH": "/bin", "PYTHONPATH": "/p", "DLCORE_DIST_TIMEOUT": "5", "UNRELATED": "u"}
    cmd, _ = launch.build_command(2, script, mpiexec="/x/mpirun", flavour="open-mpi", env=env)
    exported = [cmd[i + 1] for i, tok in enumerate(cmd) if tok == "-x"]
    assert set(exported) == {*launch.THREAD_VARS, "PATH", "PYTHONPATH", "DLCORE_DIST_TIMEOUT"}
    assert cmd.index(sys.executable) > max(i for i, tok in enumerate(cmd) if tok == "-x")


def test_module_target(script):
    cmd, _ = launch.build_command(2, module="pkg.train", args=["a"], mpiexec="/x/mpiexec", flavour="mpich")
    assert cmd[-4:] == [sys.executable, "-m", "pkg.train", "a"]


@pytest.mark.parametrize(
    ("text", "flavour"),
    [
        ("mpiexec (Open MPI) 4.1.6", "open-mpi"),
        ("mpirun (Open MPI) 5.0.3\nReport bugs to https://www.open-mpi.org/community/help/", "open-mpi"),
        ("HYDRA build details:\n    Version: 4.2.0", "mpich"),
        ("Intel(R) MPI Library for Linux* OS, Version 2021.11", "mpich"),
        ("something else", "unknown"),
    ],
)
def test_mpi_flavour_from_version_text(tmp_path, text, flavour):
    assert launch.mpi_flavour(_fake_launcher(tmp_path / "mpiexec", text)) == flavour


def test_find_mpiexec_prefers_the_one_next_to_python(monkeypatch, tmp_path):
    local = _fake_launcher(tmp_path / "venv" / "bin" / "mpiexec", "HYDRA")
    on_path = _fake_launcher(tmp_path / "path" / "mpiexec", "HYDRA")
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "venv" / "bin" / "python"))
    assert launch.find_mpiexec() == local
    monkeypatch.setattr(sys, "executable", str(tmp_path / "elsewhere" / "python"))
    assert launch.find_mpiexec() == on_path


def test_find_mpiexec_none_without_mpi(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(launch, "_MPI_WHEELS", ("no-such-distribution-dlcore",))
    assert launch.find_mpiexec() is None


# ---- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-n", "0", "SCRIPT"], "-n (the number of ranks) must be a positive integer, got 0"),
        (["-n", "-2", "SCRIPT"], "got -2"),
        (["-n", "2", "--threads", "0", "SCRIPT"], "--threads must be a positive integer, got 0"),
        (["-n", "2", "missing_script.py"], "script 'missing_script.py' not found"),
        (["-n", "2"], "give a script or -m module"),
    ],
)
def test_cli_errors(capsys, script, argv, message):
    argv = [script if a == "SCRIPT" else a for a in argv]
    assert cli_main(["run", *argv]) == 2
    assert message in capsys.readouterr().err


def test_cli_n_is_required(capsys, script):
    with pytest.raises(SystemExit) as e:
        cli_main(["run", script])
    assert e.value.code == 2
    assert "-n" in capsys.readouterr().err


def test_no_mpi_names_the_install_command(monkeypatch, capsys, script):
    monkeypatch.setattr(launch, "find_mpiexec", lambda: None)
    assert cli_main(["run", "-n", "2", script]) == 2
    err = capsys.readouterr().err
    assert "no MPI launcher (mpiexec) found" in err and 'pip install "dlcore[mpi]"' in err


def test_no_mpi4py_names_the_install_command(monkeypatch, capsys, script):
    real = launch.util.find_spec
    monkeypatch.setattr(launch.util, "find_spec", lambda name: None if name == "mpi4py" else real(name))
    assert cli_main(["run", "-n", "2", script]) == 2
    err = capsys.readouterr().err
    assert "mpi4py is not importable" in err and 'pip install "dlcore[mpi]"' in err


def test_options_end_at_the_script_or_module():
    assert launch._split(["-n", "2", "--threads=3", "t.py", "-n", "5", "-m", "x"]) == (
        ["-n", "2", "--threads=3"],
        ["t.py", "-n", "5", "-m", "x"],
    )
    assert launch._split(["-n2", "-m", "pkg.mod", "--lr", "1"]) == (["-n2", "-m", "pkg.mod"], ["--lr", "1"])
    assert launch._split(["-n", "2", "--", "-odd-name.py", "a"]) == (["-n", "2"], ["-odd-name.py", "a"])


# ---- real jobs ---------------------------------------------------------------------------------


def _dlcore_run(argv, cwd, **kw):
    env = {**os.environ, "PYTHONPATH": PKG_ROOT, "DLCORE_PROBE_MARK": "passed-through"}
    env.pop("OMP_NUM_THREADS", None)
    cmd = [sys.executable, "-m", "dlcore.cli", "run", *map(str, argv)]
    return cmd, dict(env=env, cwd=cwd, text=True, **kw)


def _records(out: Path, n: int) -> list[dict]:
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(n)]


@requires_mpi
def test_run_script_gives_each_rank_its_threads_args_and_environment(tmp_path):
    cmd, kw = _dlcore_run(["-n", 2, WORKERS / "launch_probe.py", tmp_path, "--flag", "-n", 7], tmp_path)
    r = subprocess.run(cmd, capture_output=True, timeout=180, check=False, **kw)
    assert r.returncode == 0, r.stderr
    threads = max(1, launch.available_cores() // 2)
    for rank, rec in enumerate(_records(tmp_path, 2)):
        assert rec["rank"] == rank and rec["world_size"] == 2
        assert rec["omp_num_threads"] == str(threads) and rec["dlcore_threads"] == threads
        assert rec["argv"] == [str(tmp_path), "--flag", "-n", "7"]
        assert rec["mark"] == "passed-through"


@requires_mpi
def test_run_module_returns_the_failing_ranks_exit_code(tmp_path):
    argv = ["-n", 2, "--threads", 3, "-m", "launch_probe", tmp_path, "--exit-rank1", 3]
    cmd, kw = _dlcore_run(argv, WORKERS)
    r = subprocess.run(cmd, capture_output=True, timeout=180, check=False, **kw)
    assert r.returncode == 3, r.stderr
    for rec in _records(tmp_path, 2):
        assert rec["world_size"] == 2 and rec["omp_num_threads"] == "3" and rec["dlcore_threads"] == 3


@requires_mpi
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_reach_every_rank(tmp_path, sig):
    cmd, kw = _dlcore_run(["-n", 2, WORKERS / "launch_probe.py", tmp_path, "--sleep"], tmp_path)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    try:
        deadline = time.monotonic() + 120
        while not all((tmp_path / f"rank{r}.json").exists() for r in range(2)):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the ranks did not start within 120 s"
            time.sleep(0.05)
        pids = [rec["pid"] for rec in _records(tmp_path, 2)]
        proc.send_signal(sig)
        assert proc.wait(timeout=60) != 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=60)
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in pids), "a rank outlived the launcher"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
