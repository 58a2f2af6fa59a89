"""The porting gaps of issue 17: what a PyTorch program meets when only its import changes.

torch's dtype names, max/min returning (values, indices), argmax/argmin functions, the axis= /
keepdims= aliases, randperm, linspace, isclose/allclose, dlcore.device, Module.to/cuda/cpu,
t/expand/expand_as/contiguous, __index__, and `python -m dlcore` / `dlcore --version`. Compared
with torch where it applies (the `torch` fixture skips cleanly without it).
"""

import operator
import os
import subprocess
import sys

import numpy as np
import pytest

import dlcore
from dlcore import nn


def assert_same(got, ref):
    """Equal values and equal shapes (assert_array_equal alone broadcasts a 0-d result)."""
    got, ref = np.asarray(got), np.asarray(ref)
    assert got.shape == ref.shape, f"shape {got.shape}, expected {ref.shape}"
    np.testing.assert_array_equal(got, ref)


# ---- dtype names -----------------------------------------------------------------------------

DTYPE_NAMES = ["float", "double", "half", "float16", "long", "int", "int16", "short", "int8", "uint8", "bool"]


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_names_are_torchs(name, torch):
    assert str(getattr(dlcore, name)) == str(getattr(torch, name)).removeprefix("torch.")


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_tensors_of_every_dtype_name_compute_as_torch(name, torch):
    data = [[0, 1, 2], [3, 1, 0]]
    d = dlcore.tensor(data, dtype=getattr(dlcore, name))
    t = torch.tensor(data, dtype=getattr(torch, name))
    for fd, ft in [(lambda x: x * x, None), (lambda x: x.max(), None), (lambda x: x.float().sum(1), None)]:
        got, ref = fd(d), (ft or fd)(t)
        assert str(got.dtype) == str(ref.dtype).removeprefix("torch.")
        assert_same(got.numpy(), ref.numpy())
    assert dlcore.zeros(2, dtype=getattr(dlcore, name)).dtype == getattr(dlcore, name)


def test_long_is_the_int64_of_class_indices():
    assert dlcore.long == dlcore.int64 and dlcore.tensor([1.7, -2.2]).to(dlcore.long).tolist() == [1, -2]


# ---- max / min -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("shape, dim", [((2, 5), 1), ((2, 5), 0), ((4, 3, 2), -2), ((), 0), ((0, 3), 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_over_a_dim_return_values_and_indices_as_torch(name, shape, dim, keepdim, torch, rng):
    x = rng.standard_normal(shape)
    d = dlcore.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    got, ref = getattr(d, name)(dim, keepdim), getattr(torch, name)(t, dim, keepdim)
    assert type(got).__name__ == name and got._fields == ("values", "indices") and isinstance(got, tuple)
    assert_same(got.values.numpy(), ref.values.detach().numpy())
    assert_same(got.indices.numpy(), ref.indices.numpy())
    assert got.indices.dtype == dlcore.int64 and got[0] is got.values and got[1] is got.indices
    w = rng.standard_normal(tuple(ref.values.shape))
    got.values.backward(dlcore.tensor(w))
    ref.values.backward(torch.tensor(w))
    assert_same(d.grad.numpy(), t.grad.numpy())  # only the chosen index


def test_unpacking_max_over_classes_gives_the_predictions_also_for_a_batch_of_2(torch, rng):
    for n in (2, 3, 8):
        out = rng.standard_normal((n, 2))  # a batch of 2: values alone would also unpack into two
        _, pred = dlcore.tensor(out).max(1)
        _, ref = torch.tensor(out).max(1)
        assert_same(pred.numpy(), ref.numpy())
        assert pred.shape == (n,) and pred.dtype == dlcore.int64
        values, _ = dlcore.max(dlcore.tensor(out), 1)
        assert_same(values.numpy(), out.max(1))


def test_max_without_dim_is_0d_and_with_a_tensor_is_elementwise(torch, rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    for name in ("max", "min"):
        full = getattr(dlcore.tensor(a), name)()
        assert full.shape == () and full.item() == getattr(torch.tensor(a), name)().item()
        pair = getattr(dlcore, name)(dlcore.tensor(a), dlcore.tensor(b))
        assert_same(pair.numpy(), getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())
        assert_same(getattr(dlcore.tensor(a), name)(dlcore.tensor(b)).numpy(), pair.numpy())


@pytest.mark.parametrize("dtype", ["uint8", "int16", "bool"])
def test_elementwise_min_and_max_of_integers_and_bools_as_torch(dtype, torch, rng):
    a, b = (rng.integers(0, 200, size=(3, 4)).astype(dtype) for _ in range(2))
    for name in ("max", "min"):
        got = getattr(dlcore, name)(dlcore.tensor(a), dlcore.tensor(b))
        ref = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
        assert str(got.dtype) == str(ref.dtype).removeprefix("torch.")
        assert_same(got.numpy(), ref.numpy())


def test_max_over_several_dims_is_amax_and_named_so():
    with pytest.raises(TypeError, match=r"max: dim must be an int, got tuple \(0, 1\) .* use amax"):
        dlcore.ones(2, 3).max((0, 1))
    assert_same(dlcore.ones(2, 3).amax((0, 1)).numpy(), 1.0)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin_functions_and_methods_match_torch(name, torch, rng):
    x = rng.standard_normal((3, 4, 5))
    for kwargs in [{}, {"dim": 1}, {"dim": -1, "keepdim": True}, {"keepdim": True}]:
        ref = getattr(torch, name)(torch.tensor(x), **kwargs).numpy()
        for got in (
            getattr(dlcore, name)(dlcore.tensor(x), **kwargs),
            getattr(dlcore.tensor(x), name)(**kwargs),
        ):
            assert got.shape == ref.shape and got.dtype == ref.dtype
            assert_same(got.numpy(), ref)


# ---- the axis= / keepdims= aliases -----------------------------------------------------------


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "argmax", "argmin"])
def test_reductions_take_the_numpy_aliases_as_torch(name, torch, rng):
    x = rng.standard_normal((3, 4))
    got = getattr(dlcore.tensor(x), name)(axis=1, keepdims=True)
    ref = getattr(torch.tensor(x), name)(axis=1, keepdims=True)
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-12)
    assert got.shape == tuple(ref.shape) == (3, 1)


def test_max_takes_the_aliases_and_refuses_dim_and_axis_together(torch, rng):
    x = rng.standard_normal((3, 4))
    got, ref = dlcore.tensor(x).max(axis=0, keepdims=True), torch.tensor(x).max(axis=0, keepdims=True)
    assert_same(got.indices.numpy(), ref.indices.numpy())
    with pytest.raises(TypeError, match="sum: got both dim=1 and its alias axis=0"):
        dlcore.tensor(x).sum(1, axis=0)


# ---- factories: randperm, linspace -----------------------------------------------------------


def test_randperm_draws_from_the_seeded_dlcore_generator():
    dlcore.manual_seed(7)
    p = dlcore.randperm(10)
    assert p.dtype == dlcore.int64 and sorted(p.tolist()) == list(range(10))
    assert_same(p.numpy(), np.random.default_rng(7).permutation(10))
    dlcore.manual_seed(7)
    assert_same(dlcore.randperm(10).numpy(), p.numpy())
    assert (
        dlcore.randperm(0).shape == (0,) and dlcore.randperm(4, dtype=dlcore.float32).dtype == dlcore.float32
    )


def test_randperm_bad_n():
    with pytest.raises(ValueError, match="randperm: n must be non-negative, got -1"):
        dlcore.randperm(-1)
    with pytest.raises(TypeError, match="randperm: n must be an int, got float"):
        dlcore.randperm(3.0)


@pytest.mark.parametrize("start, end, steps", [(0, 1, 5), (3, -1, 4), (-2.5, 7.25, 33), (0, 1, 1), (0, 1, 0)])
def test_linspace_matches_torch(start, end, steps, torch):
    got, ref = dlcore.linspace(start, end, steps), torch.linspace(start, end, steps)
    assert got.dtype == dlcore.float32 and got.shape == tuple(ref.shape)
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=2e-7, atol=1e-6)
    ref64 = torch.linspace(start, end, steps, dtype=torch.float64).numpy()
    np.testing.assert_allclose(
        dlcore.linspace(start, end, steps, dtype=dlcore.float64).numpy(), ref64, rtol=1e-15
    )


def test_linspace_bad_steps():
    with pytest.raises(ValueError, match="linspace: number of steps must be non-negative, got -1"):
        dlcore.linspace(0, 1, -1)
    with pytest.raises(TypeError, match="linspace: steps must be an int, got float"):
        dlcore.linspace(0, 1, 2.5)


# ---- isclose / allclose ----------------------------------------------------------------------


def test_allclose_and_isclose_match_torch(torch):
    a = np.array([1.0, 2.0, np.nan, np.inf, 1e-9], dtype=np.float32)
    b = np.array([1.0 + 5e-6, 2.1, np.nan, np.inf, 0.0], dtype=np.float32)
    for kw in [{}, {"equal_nan": True}, {"rtol": 0.1}, {"atol": 1e-3, "rtol": 0.0}]:
        ref = torch.isclose(torch.tensor(a), torch.tensor(b), **kw).numpy()
        assert_same(dlcore.isclose(dlcore.tensor(a), dlcore.tensor(b), **kw).numpy(), ref)
        got = dlcore.allclose(dlcore.tensor(a[[0, 4]]), dlcore.tensor(b[[0, 4]]), **kw)
        assert got is torch.allclose(torch.tensor(a[[0, 4]]), torch.tensor(b[[0, 4]]), **kw)
    assert dlcore.allclose(dlcore.ones(2, 3), dlcore.ones(3)) and not dlcore.allclose(
        dlcore.ones(2), dlcore.zeros(2)
    )


def test_allclose_refuses_mixed_dtypes_as_torch():
    with pytest.raises(TypeError, match=r"isclose: a \(int64\) and b \(float32\) must have the same dtype"):
        dlcore.allclose(dlcore.tensor([1, 2]), dlcore.tensor([1.0, 2.0]))


# ---- devices ---------------------------------------------------------------------------------


def test_device_parses_and_prints_as_torch(torch):
    for args in [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 2)]:
        d, t = dlcore.device(*args), torch.device(*args)
        assert (d.type, d.index, str(d), repr(d)) == (t.type, t.index, str(t), repr(t))
    assert dlcore.device(dlcore.device("cuda:1")) == dlcore.device("cuda", 1) == dlcore.device(1)


def test_device_equality_hash_and_strings():
    cpu, cuda0 = dlcore.device("cpu"), dlcore.device("cuda:0")
    assert cpu == dlcore.device("cpu") and cpu != cuda0 and cuda0 != dlcore.device("cuda")  # torch's rule
    assert cpu == "cpu" and cuda0 == "cuda" and cuda0 == "cuda:0" and cuda0 != "cuda:1" and cpu != "tpu"
    assert len({cpu, dlcore.device("cpu"), cuda0}) == 2 and cpu != 0


@pytest.mark.parametrize(
    "args, exc, match",
    [
        (("tpu",), ValueError, "device: unknown device type 'tpu'"),
        (("cuda:x",), ValueError, "device: invalid device string 'cuda:x'"),
        (("cuda:1", 2), ValueError, "device: invalid device string"),
        (("cuda", -1), ValueError, "device: index must be a non-negative int, got -1"),
        ((1.5,), TypeError, "device: expected a str, a device or a CUDA index, got float"),
    ],
)
def test_device_bad_arguments(args, exc, match):
    with pytest.raises(exc, match=match):
        dlcore.device(*args)


def test_tensors_report_and_accept_device_objects():
    cpu = dlcore.device("cpu")
    x = dlcore.randn(2, 3, device=cpu)
    assert x.device == cpu and x.device == "cpu" and isinstance(x.device, dlcore.device)
    for made in [
        dlcore.zeros(2, device=cpu),
        dlcore.tensor([1.0], device=cpu),
        dlcore.linspace(0, 1, 3, device=cpu),
        dlcore.arange(3, device=cpu),
        dlcore.randperm(3, device=cpu),
        dlcore.zeros_like(x),
    ]:
        assert made.device == cpu
    assert x.to(cpu) is x and x.to(device=cpu) is x and x.cpu() is x
    y = x.to(cpu, dlcore.float64)
    assert y.dtype == dlcore.float64 and y.device == cpu
    assert x.to(y).dtype == dlcore.float64 and x.to(dlcore.float32, copy=True) is not x


def test_to_rejects_what_is_neither_a_device_nor_a_dtype():
    x = dlcore.ones(2)
    with pytest.raises(ValueError, match="to: unknown device 'tpu'"):
        x.to("tpu")
    with pytest.raises(TypeError, match=r"to: .* is neither a device nor a numeric dtype"):
        x.to(object)
    with pytest.raises(TypeError, match="to: device given twice"):
        x.to("cpu", device="cpu")


@pytest.mark.skipif(dlcore.cuda.is_available(), reason="checks the error without a CUDA device")
def test_cuda_without_a_device_raises_and_changes_nothing():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    before = [p.data for p in model.parameters()]
    with pytest.raises(RuntimeError, match="CUDA"):
        model.cuda()
    with pytest.raises(RuntimeError, match="CUDA"):
        model.to(dlcore.device("cuda:0"))
    assert all(p.data is b for p, b in zip(model.parameters(), before))
    with pytest.raises(RuntimeError, match="CUDA"):
        dlcore.ones(2).cuda()


def test_module_to_cpu_and_dtype_as_torch(torch):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert model.cpu() is model and model.to("cpu") is model and model.to(dlcore.device("cpu")) is model
    assert model.to(dlcore.float64) is model
    assert all(p.dtype == dlcore.float64 and p.device == "cpu" for p in model.parameters())
    model.to("cpu", dlcore.float32)
    assert all(p.dtype == dlcore.float32 for p in model.parameters())
    model.to(dlcore.zeros(1, dtype=dlcore.float64))
    assert all(p.dtype == dlcore.float64 for p in model.parameters())
    with pytest.raises(
        TypeError, match=r"Module\.to: nn\.Module\.to only accepts floating point dtypes, got int64"
    ):
        model.to(dlcore.long)
    with pytest.raises(TypeError):
        torch.nn.Linear(2, 2).to(torch.long)  # torch refuses the same


# ---- shape methods ---------------------------------------------------------------------------


def test_t_follows_torch(torch, rng):
    for shape in [(3, 5), (5,), ()]:
        x = rng.standard_normal(shape)
        assert_same(dlcore.tensor(x).t().numpy(), torch.tensor(x).t().numpy())
    with pytest.raises(ValueError, match=r"t: expects a tensor with <= 2 dimensions, got shape \(2, 3, 4\)"):
        dlcore.ones(2, 3, 4).t()


def test_expand_is_a_view_and_its_gradient_sums_the_expanded_dims(torch, rng):
    x = rng.standard_normal((3, 1))
    d, t = dlcore.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    e, te = d.expand(2, -1, 4), t.expand(2, -1, 4)
    assert e.shape == tuple(te.shape) == (2, 3, 4) and np.shares_memory(e.numpy(), d.numpy())
    w = rng.standard_normal((2, 3, 4))
    e.backward(dlcore.tensor(w))
    te.backward(torch.tensor(w))
    np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    assert d.expand_as(dlcore.zeros(5, 3, 2)).shape == (5, 3, 2)


def test_contiguous_copies_only_what_is_not(rng):
    x = dlcore.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert x.contiguous() is x and x.is_contiguous()
    xt = x.t()
    assert not xt.is_contiguous()
    c = xt.contiguous()
    assert c.is_contiguous() and c.shape == (4, 3) and not np.shares_memory(c.numpy(), x.numpy())
    assert_same(c.numpy(), x.numpy().T)
    (c * 2).sum().backward()
    assert_same(x.grad.numpy(), np.full((3, 4), 2.0))


def test_index_lets_integer_tensors_slice_as_torch(torch):
    data, T = list(range(20)), 4
    i = dlcore.randint(0, 10, (1,))[0]
    assert data[i : i + T] == data[int(i) : int(i) + T] and operator.index(dlcore.tensor(3)) == 3
    assert dlcore.arange(10)[dlcore.tensor(2) : dlcore.tensor(5)].tolist() == [2, 3, 4]
    assert (
        list(range(10))[dlcore.tensor([3])] == 3 == list(range(10))[torch.tensor([3])]
    )  # one element: torch too
    assert operator.index(dlcore.tensor(True)) == operator.index(torch.tensor(True)) == 1
    for bad, tbad in [(dlcore.tensor(2.0), torch.tensor(2.0)), (dlcore.tensor([1, 2]), torch.tensor([1, 2]))]:
        with pytest.raises(
            TypeError, match="only integer tensors of a single element can be converted to an index"
        ):
            operator.index(bad)
        with pytest.raises(TypeError, match="only integer tensors of a single element"):
            operator.index(tbad)


# ---- the command -----------------------------------------------------------------------------


def _run_module(*args, tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(dlcore.__file__)))
    env = {**os.environ, "PYTHONPATH": root}
    return subprocess.run(
        [sys.executable, "-m", "dlcore", *args], env=env, cwd=tmp_path, capture_output=True, text=True
    )


def test_python_m_dlcore_version_and_info(tmp_path):
    r = _run_module("--version", tmp_path=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"dlcore {dlcore.__version__}"
    r = _run_module("info", tmp_path=tmp_path)
    assert r.returncode == 0 and f"dlcore: {dlcore.__version__}" in r.stdout
    r = _run_module(tmp_path=tmp_path)
    assert r.returncode == 2 and "required: command" in r.stderr


def test_cli_version_flag(capsys):
    from dlcore.cli import main

    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"dlcore {dlcore.__version__}"


def test_optimizer_names_mixed_devices_in_its_error():
    from types import SimpleNamespace

    from dlcore.optim.optimizer import Optimizer

    params = [SimpleNamespace(dtype=dlcore.float32, device=dlcore.device(d)) for d in ("cpu", "cuda:0")]
    with pytest.raises(
        TypeError, match=r"must share dtype and device, got \['float32'\] / \['cpu', 'cuda:0'\]"
    ):
        Optimizer._flatten(params)
