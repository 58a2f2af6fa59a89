"""dlcore.distributed's collectives at 2 and 4 ranks against numpy (one job each, every case inside:
tests/mpi_workers/collectives.py), and failing ranks: a rank that raises mid-fit ends the whole
job with its traceback; a rank that never joins a collective ends it with DistributedTimeoutError."""

from __future__ import annotations

import importlib.util
import json

import pytest
from _mpi import WORKERS, requires_mpi, run_mpi

pytestmark = requires_mpi


def _worker_module():
    spec = importlib.util.spec_from_file_location("collectives_worker", WORKERS / "collectives.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


W = _worker_module()

# error case -> the start of the message every rank must raise (type, then the op's name)
ERRORS = {
    "all_reduce bad op": "ValueError: all_reduce: unknown reduce op 'median'",
    "all_reduce not a tensor": "TypeError: all_reduce:",
    "all_reduce AVG int64": "TypeError: all_reduce: ReduceOp.AVG needs a floating-point",
    "all_reduce group": "ValueError: all_reduce:",
    "broadcast src too big": "ValueError: broadcast: src must be a rank in [0, ",
    "broadcast src negative": "ValueError: broadcast: src must be a rank in [0, ",
    "broadcast not a tensor": "TypeError: broadcast:",
    "all_gather short list": "ValueError: all_gather: tensor_list must be a list of world_size=",
    "all_gather long list": "ValueError: all_gather: tensor_list must be a list of world_size=",
    "all_gather not a list": "ValueError: all_gather: tensor_list must be a list of world_size=",
    "all_gather shape": "ValueError: all_gather: tensor_list[",
    "all_gather dtype": "ValueError: all_gather: tensor_list[",
    "all_gather_into_tensor shape": "ValueError: all_gather_into_tensor: output_tensor is float32[",
    "all_gather_into_tensor dtype": "ValueError: all_gather_into_tensor: output_tensor is float64[",
    "all_gather_into_tensor not a tensor": "TypeError: all_gather_into_tensor:",
}
NOT_INITIALIZED = "Default process group has not been initialized"


def _required_cases(size: int) -> set[str]:
    cases = {
        f"all_reduce {label} {dtype} {shape}" for dtype in W.DTYPES for label in W.OPS for shape in W.SHAPES
    }
    cases |= {
        f"broadcast {d} {s} src={src}" for d in W.DTYPES for s in ((), (0,), (3, 5)) for src in range(size)
    }
    cases |= {f"all_gather {d} {s}" for d in W.DTYPES for s in ((), (0,), (3,), (2, 3))}
    cases |= {
        f"all_gather_into_tensor {d} (2, 3) {how}" for d in W.DTYPES for how in ("concatenated", "stacked")
    }
    cases |= {f"async all_reduce {op} {k}" for op in ("sum", "avg") for k in range(3)}
    cases |= {"all_reduce SUM float32 views strided", "all_reduce SUM int64 views transposed"}
    cases |= {"broadcast float64 strided view", "async broadcast and all_gather all_gather"}
    return cases | {"error " + e for e in ERRORS}


@pytest.mark.parametrize("size", [2, 4])
def test_collectives_against_numpy(tmp_path, size):
    r = run_mpi(size, "collectives.py", tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    records = [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in range(size)]
    first = records[0]["results"]
    missing = _required_cases(size) - set(first)
    assert not missing, sorted(missing)[:10]
    for rank, rec in enumerate(records):
        assert rec["rank"] == rank and rec["world_size"] == size and rec["backend"] == "mpi"
        results = rec["results"]
        # the same cases on every rank, and every error raised identically everywhere
        assert set(results) == set(first)
        errors = {k: v for k, v in results.items() if k.startswith("error ") and not k.endswith("input kept")}
        assert errors == {k: v for k, v in first.items() if k in errors}
        for case, start in ERRORS.items():
            assert errors["error " + case].startswith(start), (case, errors["error " + case])
        for case, value in results.items():
            if case in errors:
                continue
            if case.endswith((" wait", " is_completed")):
                assert value == "True", (case, value)
            elif value.startswith("TypeError"):  # AVG of an integer or bool tensor, as torch refuses
                avg = any(f" {a} " in case for a in ("AVG", "'avg'", "'mean'"))
                int_dtype = case.split()[2] not in W.FLOATS
                assert avg and int_dtype and "ReduceOp.AVG needs a floating-point" in value, (case, value)
            else:
                assert value == "ok", (rank, case, value)
        assert rec["after_errors"] == "ok"
        assert rec["barrier_saw"] == [f"marker{r}" for r in range(size)]
        assert rec["initialized_after_destroy"] == "False"
        before = rec["before_init"]
        assert before["is_initialized"] == "False"
        for op in ("get_rank", "get_world_size", "all_reduce", "barrier"):
            assert before[op].startswith(f"ValueError: {op}: {NOT_INITIALIZED}"), before[op]


@pytest.mark.parametrize("size", [2, 4])
def test_a_rank_that_raises_mid_fit_ends_the_job(size):
    # the other ranks wait in an all_reduce with the default 1800 s timeout: only rank 1's
    # excepthook (MPI Abort) can end the job within the 60 s
    r = run_mpi(size, "failing_rank.py", "raise", timeout=60)
    assert r.returncode != 0
    assert "[rank 1] ValueError: boom on rank 1 at batch 3 of epoch 0" in r.stderr, r.stderr
    assert "[rank 1] Traceback (most recent call last):" in r.stderr
    assert "finished" not in r.stdout


@pytest.mark.parametrize(("size", "op"), [(2, "all_reduce"), (4, "broadcast")])
def test_a_rank_that_never_joins_times_out(size, op):
    r = run_mpi(size, "failing_rank.py", "absent", op, timeout=60)
    assert r.returncode != 0
    assert f"DistributedTimeoutError: {op}: rank 0 waited" in r.stderr, r.stderr
    assert "[rank 0] Traceback (most recent call last):" in r.stderr
    assert "(timeout 3 s)" in r.stderr
    assert "finished" not in r.stdout
