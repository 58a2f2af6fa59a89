"""Tests generated from the op table (tests/op_table/), on every device present:

- forward: shape, dtype and values against torch in float64 (the op's numpy reference when torch is
  not importable), inputs left unchanged;
- backward: the gradients of sum(w * op(inputs)), w random, against torch's in float64;
- gradcheck: dlcore.autograd.gradcheck on every float64 sample of every differentiable op;
- bad inputs: each raises its declared exception with its declared message, inputs unchanged;
- coverage: every public op has a table entry.
Test ids read `<op>-<dtype>-sample<i>-<device>`.
"""

import functools
import inspect
import re

import numpy as np
import pytest
from op_table import DTYPES, OPS, OPS_BY_NAME
from op_table.layers import NOT_LAYERS

import dlcore
import dlcore.nn.functional as F
from dlcore.autograd import gradcheck

DEVICES = ["cpu"] + (["cuda"] if dlcore.cuda.is_available() else [])  # every device present
CHECKS = ("forward", "backward", "gradcheck")

# Public names of dlcore.__all__ that are not ops (creation, modes, state, I/O, types, modules).
NOT_OPS = {
    "Tensor",
    "tensor",
    "from_numpy",
    "from_dlpack",
    "zeros",
    "ones",
    "empty",
    "full",
    "zeros_like",
    "ones_like",
    "arange",
    "rand",
    "randn",
    "randint",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "manual_seed",
    "get_rng_state",
    "set_rng_state",
    "set_num_threads",
    "get_num_threads",
    "save",
    "load",
    "info",
    "float32",
    "float64",
    "int32",
    "int64",
    "bool_",
    "__version__",
    # torch's dtype names, devices, factories and a bool-valued check (issue 17, tests/test_porting.py)
    "float",
    "double",
    "half",
    "float16",
    "long",
    "int",
    "int16",
    "short",
    "int8",
    "uint8",
    "bool",
    "device",
    "linspace",
    "randperm",
    "allclose",
    # factories and a type check (h7, tests/test_porting_more.py); sort and topk return named
    # tuples: their entries are sort.values / sort.indices / topk.values / topk.indices
    "eye",
    "rand_like",
    "randn_like",
    "is_tensor",
    "inference_mode",
    "sort",
    "topk",
}


@functools.cache
def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


# ---- sample conversion -----------------------------------------------------------------------


def _convert(tree, leaf):
    """tree with every numpy array replaced by leaf(array); lists, tuples and dicts kept."""
    if isinstance(tree, np.ndarray):
        return leaf(tree)
    if isinstance(tree, (list, tuple)):
        return type(tree)(_convert(t, leaf) for t in tree)
    if isinstance(tree, dict):
        return {k: _convert(v, leaf) for k, v in tree.items()}
    return tree


def _upcast(a):
    """A floating array as float64 (the numpy reference's precision); others unchanged."""
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def to_dlcore(sample, device, requires_grad):
    """(args, kwargs, float leaves): from_numpy on the CPU keeps each array's layout."""
    leaves = []

    def leaf(a):
        t = dlcore.from_numpy(a) if device == "cpu" else dlcore.tensor(a, device=device)
        if requires_grad and a.dtype.kind == "f":
            t.requires_grad_()
            leaves.append(t)
        return t

    return _convert(sample.args, leaf), _convert(sample.kwargs, leaf), leaves


def to_torch(sample, torch, float64, requires_grad=False):
    """(args, kwargs, float leaves) as torch tensors, floats upcast to float64 when float64."""
    leaves = []

    def leaf(a):
        t = torch.from_numpy(a.copy(order="C"))  # torch takes no negative strides
        if a.dtype.kind == "f":
            t = t.to(torch.float64) if float64 else t.clone()
            if requires_grad:
                leaves.append(t.requires_grad_())
        return t

    return _convert(sample.args, leaf), _convert(sample.kwargs, leaf), leaves


def _arrays(sample) -> list:
    found = []
    _convert((sample.args, sample.kwargs), lambda a: found.append(a))
    return found


def _assert_close(got, ref, tol, what):
    got = np.asarray(got)
    assert got.shape == ref.shape, f"{what}: shape {got.shape}, expected {ref.shape}"
    np.testing.assert_allclose(
        got.astype(np.float64),
        ref.astype(np.float64),
        rtol=tol.rtol,
        atol=tol.atol,
        equal_nan=True,
        err_msg=what,
    )


def _expected_dtype(sample, ref):
    """torch's result dtype, for the no-torch path: a non-float64 reference result is deliberate
    (int indices, an explicit cast); else the promoted float inputs, float32 (torch's default) if none."""
    if ref.dtype != np.float64:
        return ref.dtype
    floats = [a.dtype for a in _arrays(sample) if a.dtype.kind == "f"]
    return np.result_type(*floats) if floats else np.dtype(np.float32)


def _tolerance(op, dtype, sample, out):
    """op.tol[dtype]; a sample with no float input (int64 in, float32 out for exp, log, ...) has
    no dtype of its own: its result's dtype picks the row, as torch computes it in that dtype."""
    if any(a.dtype.kind == "f" for a in _arrays(sample)) or str(out.dtype) not in op.tol:
        return op.tol[dtype]
    return op.tol[str(out.dtype)]


# ---- the checks (called by the generated tests and by the no-torch test) ---------------------


def check_forward(op, dtype, i, device, torch):
    sample = op.sample_list(dtype)[i]
    before = [a.copy() for a in _arrays(sample)]
    args, kwargs, _ = to_dlcore(sample, device, requires_grad=False)
    out = op.op(*args, **kwargs)
    for a, b in zip(_arrays(sample), before):
        np.testing.assert_array_equal(a, b, err_msg=f"{op.name} changed its input")
    tol = _tolerance(op, dtype, sample, out)
    numpy_ref = None
    if op.ref is not None:
        numpy_ref = np.asarray(op.ref(*_convert(sample.args, _upcast), **_convert(sample.kwargs, _upcast)))
    if torch is not None and op.torch_op is not None:
        targs, tkwargs, _ = to_torch(sample, torch, float64=False)
        native = op.torch_op(*targs, **tkwargs)
        assert str(out.dtype) == str(native.dtype).removeprefix("torch."), f"{op.name}: dtype {out.dtype}"
        targs, tkwargs, _ = to_torch(sample, torch, float64=True)
        ref = op.torch_op(*targs, **tkwargs).detach().numpy()
        if numpy_ref is not None:  # keeps the fallback oracle honest while torch is here
            _assert_close(
                numpy_ref,
                ref,
                tol if tol is not op.tol[dtype] else op.tol["float64"],
                f"{op.name} numpy reference vs torch",
            )
    elif numpy_ref is not None:
        ref = numpy_ref
        assert out.dtype == _expected_dtype(sample, ref), f"{op.name}: dtype {out.dtype}"
    else:
        pytest.skip(f"{op.name}: torch is not importable and the op has no numpy reference")
    _assert_close(out.numpy(), ref, tol, f"{op.name} forward, {sample.desc}")


def check_backward(op, dtype, i, device, torch):
    if torch is None or op.torch_op is None:
        pytest.skip(f"{op.name}: gradients are checked against torch, which is not importable")
    sample = op.sample_list(dtype)[i]
    args, kwargs, leaves = to_dlcore(sample, device, requires_grad=True)
    if not leaves:
        pytest.skip(f"{op.name}: sample has no floating input")
    out = op.op(*args, **kwargs)
    assert out.requires_grad, f"{op.name}: output does not require grad"
    w = np.random.default_rng(i).standard_normal(out.shape).astype(out.dtype)
    out.backward(dlcore.tensor(w, device=device))
    targs, tkwargs, tleaves = to_torch(sample, torch, float64=True, requires_grad=True)
    op.torch_op(*targs, **tkwargs).backward(torch.from_numpy(w.astype(np.float64)))
    assert len(leaves) == len(tleaves)
    for k, (d, t) in enumerate(zip(leaves, tleaves)):
        got = np.zeros(d.shape, dtype) if d.grad is None else d.grad.numpy()
        ref = np.zeros(tuple(t.shape)) if t.grad is None else t.grad.numpy()
        assert got.dtype == np.dtype(dtype), f"{op.name}: grad of input {k} is {got.dtype}"
        _assert_close(got, ref, op.tol[dtype], f"{op.name} grad of input {k}, {sample.desc}")


def check_gradcheck(op, i, device):
    sample = op.sample_list("float64")[i]
    args, kwargs, leaves = to_dlcore(sample, device, requires_grad=True)
    if not leaves:
        pytest.skip(f"{op.name}: sample has no floating input")
    assert gradcheck(lambda *_: op.op(*args, **kwargs), leaves)


# ---- generated tests -------------------------------------------------------------------------


def _cases(check):
    dtypes = ("float64",) if check == "gradcheck" else DTYPES
    for op in OPS:
        if (check != "forward" and not op.differentiable) or (check == "gradcheck" and not op.gradcheck):
            continue
        for dtype in dtypes:
            for i, s in enumerate(op.sample_list(dtype)):
                if check == "gradcheck" and not s.gradcheck:
                    continue
                marks = [pytest.mark.xfail(strict=True, reason=s.xfail[check])] if check in s.xfail else []
                yield pytest.param(op, dtype, i, id=f"{op.name}-{dtype}-sample{i}", marks=marks)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op, dtype, i", _cases("forward"))
def test_forward(op, dtype, i, device):
    check_forward(op, dtype, i, device, _torch())


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op, dtype, i", _cases("backward"))
def test_backward(op, dtype, i, device):
    check_backward(op, dtype, i, device, _torch())


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op, dtype, i", _cases("gradcheck"))
def test_gradcheck(op, dtype, i, device):
    check_gradcheck(op, i, device)


def _bad_cases():
    for op in OPS:
        for k, b in enumerate(op.bad_inputs()):
            marks = [pytest.mark.xfail(strict=True, reason=b.xfail)] if b.xfail else []
            desc = re.sub(r"[^\w.]+", "_", b.desc)
            yield pytest.param(op, k, id=f"{op.name}-bad{k}-{desc}", marks=marks)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op, k", _bad_cases())
def test_bad_input(op, k, device):
    bad = op.bad_inputs()[k]
    before = [a.copy() for a in _arrays(bad)]
    args, kwargs, _ = to_dlcore(bad, device, requires_grad=False)
    with pytest.raises(bad.exc, match=bad.match):
        op.op(*args, **kwargs)
    for a, b in zip(_arrays(bad), before):
        np.testing.assert_array_equal(a, b, err_msg=f"{op.name} changed its input before raising")


# ---- coverage and the parts the table cannot express -----------------------------------------


def test_every_public_op_has_a_table_entry():
    """A new op in dlcore.__all__ or dlcore.nn.functional fails here until OPS declares it."""
    covered = {id(op.op) for op in OPS}
    public = {n: getattr(dlcore, n) for n in dlcore.__all__ if n not in NOT_OPS}
    public = {n: f for n, f in public.items() if not inspect.ismodule(f)}
    functional = {
        f"nn.functional.{n}": f for n, f in vars(F).items() if not n.startswith("_") and inspect.isfunction(f)
    }
    missing = sorted(n for n, f in {**public, **functional}.items() if id(f) not in covered)
    assert not missing, f"ops without an entry in tests/op_table/ (non-ops: add to NOT_OPS): {missing}"


def test_every_public_layer_has_a_table_entry():
    """A new class in dlcore.nn (a layer or loss module) fails here until OPS declares it."""
    covered = {getattr(op.op, "module_class", None) for op in OPS}
    public = {n for n, c in vars(dlcore.nn).items() if not n.startswith("_") and inspect.isclass(c)}
    missing = sorted(n for n in public - set(NOT_LAYERS) if getattr(dlcore.nn, n) not in covered)
    assert not missing, f"layers without an entry in tests/op_table/layers.py (else NOT_LAYERS): {missing}"
    assert set(NOT_LAYERS) <= public, f"NOT_LAYERS names what dlcore.nn lacks: {set(NOT_LAYERS) - public}"


def test_every_op_declares_how_to_fuzz_it():
    assert not [op.name for op in OPS if op.fuzz is None], "OpInfo.fuzz: see tests/op_table/fuzzing.py"


def test_every_op_declares_samples_tolerances_and_bad_inputs():
    for op in OPS:
        assert op.torch_op is not None or op.ref is not None, f"{op.name}: no oracle"
        assert set(op.tol) == set(DTYPES), f"{op.name}: tolerances for {sorted(op.tol)}"
        for dtype in DTYPES:
            samples = op.sample_list(dtype)
            assert len(samples) >= 3, f"{op.name}: {len(samples)} samples"
            assert all(a.dtype == np.dtype(dtype) for s in samples for a in _arrays(s) if a.dtype.kind == "f")
            assert all(set(s.xfail) <= set(CHECKS) for s in samples)
        assert op.name in ("clone", "float", "double", "nn.Identity") or op.bad_inputs(), (
            f"{op.name}: no bad inputs"
        )
    assert OPS_BY_NAME["add"].op is dlcore.add


def test_samples_cover_empty_scalar_and_strided_inputs():
    """Across the table: 0-size, 0-d, transposed, sliced and negative-stride inputs all occur."""
    seen = set()
    for op in OPS:
        for a in (a for s in op.sample_list("float32") for a in _arrays(s) if a.dtype.kind == "f"):
            seen.add(
                "0-size"
                if a.size == 0
                else "0-d"
                if a.ndim == 0
                else "contiguous"
                if a.flags.c_contiguous
                else "negative stride"
                if min(a.strides) < 0
                else "view"
            )
    assert seen == {"0-size", "0-d", "contiguous", "negative stride", "view"}


def test_checks_without_torch_use_the_numpy_reference_or_skip():
    """The path taken when torch is not importable: forward falls back to `ref`, else skips."""
    check_forward(OPS_BY_NAME["add"], "float32", 1, "cpu", torch=None)
    check_forward(OPS_BY_NAME["getitem"], "float64", 8, "cpu", torch=None)
    for call in (
        lambda: check_forward(OPS_BY_NAME["nn.functional.linear"], "float32", 0, "cpu", None),
        lambda: check_backward(OPS_BY_NAME["add"], "float32", 0, "cpu", None),
    ):
        with pytest.raises(pytest.skip.Exception, match="not importable"):
            call()


def test_dropout_zeroes_with_probability_p_and_scales_the_rest():
    x = dlcore.ones(20000, dtype=dlcore.float64, requires_grad=True)
    y = F.dropout(x, p=0.25)
    values = y.numpy()
    assert set(np.unique(values)) <= {0.0, 1.0 / 0.75}
    kept = float(np.mean(values != 0))
    assert abs(kept - 0.75) < 6 * np.sqrt(0.75 * 0.25 / x.numel())  # 6 sigma of the binomial
    y.backward(dlcore.ones(20000, dtype=dlcore.float64))
    np.testing.assert_array_equal(x.grad.numpy(), values)
