"""Every collective of dlcore.distributed against numpy, in one job (tests/test_mpi_collectives.py).

    mpiexec -n N python collectives.py OUT_DIR

Each rank's input for a case is known to every rank (seeded by the case and the rank), so each
rank computes the expected result with numpy and records, per case, "ok" or what differed; error
cases record "TypeName: message". Rank R writes OUT_DIR/rank{R}.json: {"results": {case: str},
"before_init": {...}, "barrier_saw": [...], "after_errors": str}. Values are small integers (or
dyadic fractions) so every reduction order gives the exact numpy result: comparisons are exact.
"""

from __future__ import annotations

import json
import os
import sys
import zlib

import numpy as np

import dlcore
import dlcore.distributed as dist

DTYPES = ("float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64", "bool")
FLOATS = ("float16", "float32", "float64")
OPS = {  # the name in the result key -> the op argument
    "SUM": dist.ReduceOp.SUM,
    "AVG": dist.ReduceOp.AVG,
    "MAX": dist.ReduceOp.MAX,
    "MIN": dist.ReduceOp.MIN,
    "PRODUCT": dist.ReduceOp.PRODUCT,
    "'sum'": "sum",
    "'avg'": "avg",
    "'mean'": "mean",
    "'max'": "max",
    "'min'": "min",
    "'product'": "product",
}
SHAPES = ((), (0,), (7,), (3, 5), (2, 0, 3), (257,))


def make_input(case: str, rank: int, shape, dtype: str) -> np.ndarray:
    """Rank `rank`'s input: small values whose sums, products and means over <= 4 ranks are exact."""
    rng = np.random.default_rng([zlib.crc32(case.encode()), rank])
    if dtype == "bool":
        return np.asarray(rng.random(shape) < 0.5)
    if dtype == "uint8":
        return np.asarray(rng.integers(0, 4, shape), dtype)
    values = rng.integers(-3, 4, shape)
    return np.asarray(values / 2 if dtype in FLOATS else values, dtype)


def reference(name: str, inputs: list[np.ndarray]) -> np.ndarray:
    stack = np.stack(inputs)
    if stack.dtype == bool:
        return (np.any if name in ("sum", "max") else np.all)(stack, axis=0)
    fn = {"sum": np.sum, "max": np.max, "min": np.min, "product": np.prod, "avg": np.mean}[name]
    return fn(stack, axis=0).astype(stack.dtype)


def compare(got: np.ndarray, expected: np.ndarray) -> str:
    if got.dtype != expected.dtype or got.shape != expected.shape:
        return f"got {got.dtype}{list(got.shape)}, expected {expected.dtype}{list(expected.shape)}"
    if not np.array_equal(got, expected):
        return f"values differ: got {got.ravel()[:6]}, expected {expected.ravel()[:6]}"
    return "ok"


def error_of(fn) -> str:
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the test compares the type and message across ranks
        return f"{type(e).__name__}: {e}"
    return "no error"


def all_reduce_cases(rank: int, size: int, results: dict) -> None:
    for dtype in DTYPES:
        for label, op in OPS.items():
            name = label.strip("'").upper().replace("MEAN", "AVG").lower()
            for shape in SHAPES:
                case = f"all_reduce {label} {dtype} {shape}"
                inputs = [make_input(case, r, shape, dtype) for r in range(size)]
                t = dlcore.from_numpy(inputs[rank].copy())
                if name == "avg" and dtype not in FLOATS:
                    results[case] = error_of(lambda t=t, op=op: dist.all_reduce(t, op=op))
                    results[case + " input kept"] = compare(t.numpy(), inputs[rank])
                    continue
                dist.all_reduce(t, op=op)
                results[case] = compare(t.numpy(), reference(name, inputs))
    # non-contiguous views write the result back into their base, and only there
    for dtype in ("float32", "int64"):
        case = f"all_reduce SUM {dtype} views"
        bases = [make_input(case, r, (4, 6), dtype) for r in range(size)]
        base = dlcore.from_numpy(bases[rank].copy())
        dist.all_reduce(base[:, ::2])
        expected = bases[rank].copy()
        expected[:, ::2] = reference("sum", [b[:, ::2] for b in bases])
        results[case + " strided"] = compare(base.numpy(), expected)
        base = dlcore.from_numpy(bases[rank].copy())
        dist.all_reduce(base.t(), op="max")
        results[case + " transposed"] = compare(base.numpy(), reference("max", bases))


def broadcast_cases(rank: int, size: int, results: dict) -> None:
    for dtype in DTYPES:
        for shape in ((), (0,), (3, 5), (257,)):
            for src in range(size):
                case = f"broadcast {dtype} {shape} src={src}"
                inputs = [make_input(case, r, shape, dtype) for r in range(size)]
                t = dlcore.from_numpy(inputs[rank].copy())
                dist.broadcast(t, src=src)
                results[case] = compare(t.numpy(), inputs[src])
    case = "broadcast float64 strided view"
    bases = [make_input(case, r, (5, 4), "float64") for r in range(size)]
    base = dlcore.from_numpy(bases[rank].copy())
    dist.broadcast(base[1::2], src=size - 1)
    expected = bases[rank].copy()
    expected[1::2] = bases[size - 1][1::2]
    results[case] = compare(base.numpy(), expected)


def gather_cases(rank: int, size: int, results: dict) -> None:
    for dtype in DTYPES:
        for shape in ((), (0,), (3,), (2, 3)):
            case = f"all_gather {dtype} {shape}"
            inputs = [make_input(case, r, shape, dtype) for r in range(size)]
            out = [dlcore.from_numpy(np.zeros(shape, dtype)) for _ in range(size)]
            dist.all_gather(out, dlcore.from_numpy(inputs[rank].copy()))
            results[case] = compare(np.stack([o.numpy() for o in out]), np.stack(inputs))
            if shape == ():
                continue
            case = f"all_gather_into_tensor {dtype} {shape}"
            inputs = [make_input(case, r, shape, dtype) for r in range(size)]
            cat = dlcore.from_numpy(np.zeros((size * shape[0], *shape[1:]), dtype))
            dist.all_gather_into_tensor(cat, dlcore.from_numpy(inputs[rank].copy()))
            results[case + " concatenated"] = compare(cat.numpy(), np.concatenate(inputs))
            stacked = dlcore.from_numpy(np.zeros((size, *shape), dtype))
            dist.all_gather_into_tensor(stacked, dlcore.from_numpy(inputs[rank].copy()))
            results[case + " stacked"] = compare(stacked.numpy(), np.stack(inputs))
    case = "all_gather_into_tensor float32 0-d"
    inputs = [make_input(case, r, (), "float32") for r in range(size)]
    out = dlcore.from_numpy(np.zeros(size, np.float32))
    dist.all_gather_into_tensor(out, dlcore.from_numpy(inputs[rank].copy()))
    results[case] = compare(out.numpy(), np.stack(inputs))


def async_cases(rank: int, size: int, results: dict) -> None:
    cases = [f"async all_reduce {op} {k}" for k in range(3) for op in ("sum", "avg")]
    inputs = {c: [make_input(c, r, (33,), "float64") for r in range(size)] for c in cases}
    tensors = {c: dlcore.from_numpy(inputs[c][rank].copy()) for c in cases}
    works = {c: dist.all_reduce(tensors[c], op=c.split()[2], async_op=True) for c in cases}
    for c in reversed(cases):  # waited in the other order than started
        results[c + " wait"] = str(works[c].wait())
        results[c + " is_completed"] = str(works[c].is_completed())
        results[c] = compare(tensors[c].numpy(), reference(c.split()[2], inputs[c]))
    case = "async broadcast and all_gather"
    inputs = [make_input(case, r, (4,), "int32") for r in range(size)]
    b = dlcore.from_numpy(inputs[rank].copy())
    out = [dlcore.from_numpy(np.zeros(4, np.int32)) for _ in range(size)]
    w1 = dist.broadcast(b, src=size - 1, async_op=True)
    w2 = dist.all_gather(out, dlcore.from_numpy(inputs[rank].copy()), async_op=True)
    w3 = dist.barrier(async_op=True)
    w3.wait(timeout=60)
    w2.wait()
    w1.wait()
    results[case + " broadcast"] = compare(b.numpy(), inputs[size - 1])
    results[case + " all_gather"] = compare(np.stack([o.numpy() for o in out]), np.stack(inputs))


def error_cases(size: int, results: dict) -> None:
    """Bad arguments: each must raise the same error on every rank, before anything is sent."""
    f = dlcore.zeros(3)
    i = dlcore.zeros(3, dtype=dlcore.int64)
    good = [dlcore.zeros(3) for _ in range(size)]
    bad = {
        "all_reduce bad op": lambda: dist.all_reduce(f, op="median"),
        "all_reduce not a tensor": lambda: dist.all_reduce(np.zeros(3)),
        "all_reduce AVG int64": lambda: dist.all_reduce(i, op=dist.ReduceOp.AVG),
        "all_reduce group": lambda: dist.all_reduce(f, group=object()),
        "broadcast src too big": lambda: dist.broadcast(f, src=size),
        "broadcast src negative": lambda: dist.broadcast(f, src=-1),
        "broadcast not a tensor": lambda: dist.broadcast([1.0], src=0),
        "all_gather short list": lambda: dist.all_gather(good[:-1], f),
        "all_gather long list": lambda: dist.all_gather([*good, dlcore.zeros(3)], f),
        "all_gather not a list": lambda: dist.all_gather(dlcore.zeros(size, 3), f),
        "all_gather shape": lambda: dist.all_gather([*good[:-1], dlcore.zeros(4)], f),
        "all_gather dtype": lambda: dist.all_gather([*good[:-1], dlcore.zeros(3, dtype=dlcore.float64)], f),
        "all_gather_into_tensor shape": lambda: dist.all_gather_into_tensor(dlcore.zeros(size * 3 + 1), f),
        "all_gather_into_tensor dtype": lambda: dist.all_gather_into_tensor(
            dlcore.zeros(size * 3, dtype=dlcore.float64), f
        ),
        "all_gather_into_tensor not a tensor": lambda: dist.all_gather_into_tensor(np.zeros(size * 3), f),
    }
    for case, fn in bad.items():
        results["error " + case] = error_of(fn)
        results["error " + case + " input kept"] = compare(f.numpy(), np.zeros(3, np.float32))


def main() -> None:
    out = sys.argv[1]
    before = {
        "is_initialized": str(dist.is_initialized()),
        "get_rank": error_of(dist.get_rank),
        "get_world_size": error_of(dist.get_world_size),
        "all_reduce": error_of(lambda: dist.all_reduce(dlcore.zeros(2))),
        "barrier": error_of(dist.barrier),
    }
    dist.init_process_group("mpi", timeout=60)
    rank, size = dist.get_rank(), dist.get_world_size()
    results: dict[str, str] = {}
    all_reduce_cases(rank, size, results)
    broadcast_cases(rank, size, results)
    gather_cases(rank, size, results)
    async_cases(rank, size, results)
    error_cases(size, results)
    # after every error above, the ranks still agree on the next collective
    t = dlcore.from_numpy(np.array([rank + 1.0]))
    dist.all_reduce(t)
    after_errors = compare(t.numpy(), np.array([size * (size + 1) / 2]))
    # barrier: every rank has written its marker before any rank gets past the barrier
    open(os.path.join(out, f"marker{rank}"), "w").close()
    dist.barrier()
    barrier_saw = sorted(f for f in os.listdir(out) if f.startswith("marker"))
    record = {
        "rank": rank,
        "world_size": size,
        "backend": dist.get_backend(),
        "results": results,
        "before_init": before,
        "after_errors": after_errors,
        "barrier_saw": barrier_saw,
    }
    dist.destroy_process_group()
    record["initialized_after_destroy"] = str(dist.is_initialized())
    with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
        json.dump(record, f)


if __name__ == "__main__":
    main()
