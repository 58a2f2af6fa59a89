"""Every kernel binding refuses bad arrays before it runs: wrong sizes, dtypes, strides
(non-contiguous, negative, misaligned), read-only outputs, the wrong device or no array at
all raise ValueError/TypeError naming the op, and no output or state array is touched.
The CUDA namespace is checked with hand-made `__cuda_array_interface__` objects (no GPU
needed): its bindings refuse host pointers too. The CuPy fallbacks run on a numpy stand-in."""

import types

import numpy as np
import pytest

from dlcore import backend

# FakeCuda's pointers: the host address with bit 62 set, a non-canonical x86-64/arm64 address
# that no process mapping (host, device or HMM/ATS system memory) can hold, so that a binding
# check that let one through would fail on the device-memory check (or, at worst, a device
# fault), never run a kernel on the host array; offsets between arrays (overlap checks,
# misalignment) are kept.
FAKE_ADDRESS_BIT = 1 << 62


class FakeCuda:
    """A numpy array presented through __cuda_array_interface__, at an address no device or
    host mapping holds (FAKE_ADDRESS_BIT): never device memory, whatever the machine."""

    def __init__(self, arr, **override):
        self.arr = arr
        self.__cuda_array_interface__ = {
            "shape": arr.shape,
            "typestr": arr.dtype.str,
            "strides": arr.strides,
            "data": (arr.ctypes.data | FAKE_ADDRESS_BIT, not arr.flags.writeable),
            "version": 3,
            **override,
        }


# ---- the kernels and their arguments ----------------------------------------------------------
# Each entry: positional arrays (name -> maker(rng, dtype)), the names it writes, scalar
# arguments after the arrays. Optional state buffers are required by the modes chosen.

N, C, M, K, NN = 5, 7, 6, 9, 11


def _f(*shape):
    return lambda rng, dt: rng.standard_normal(shape).astype(dt)


def _targets(rng, dt):
    return rng.integers(0, C, N).astype(np.int64)


def _pos(n):
    return lambda rng, dt: (rng.random(n) + 0.5).astype(dt)  # state that must stay >= 0


def _window_indices(rng, dt):  # max_pool2d_backward: flat indices into a 7x9 plane
    return rng.integers(0, 63, (2, 3, 3, 4)).astype(np.int64)


_POOL = ((2, 2), (2, 2), (0, 0))  # kernel, stride, padding: 7x9 planes -> 3x4


KERNELS = {
    "gemm": ([("a", _f(M, K)), ("b", _f(K, NN)), ("out", _f(M, NN))], {"out"}, (1.0, 0.5)),
    "gemm_batched": ([("a", _f(2, M, K)), ("b", _f(2, K, NN)), ("out", _f(2, M, NN))], {"out"}, (1.0, 0.0)),
    "log_softmax_forward": ([("out", _f(N, C)), ("x", _f(N, C))], {"out"}, ()),
    "log_softmax_backward": ([("dx", _f(N, C)), ("dy", _f(N, C)), ("y", _f(N, C))], {"dx"}, ()),
    "cross_entropy_forward": (
        [("loss", _f(N)), ("log_probs", _f(N, C)), ("logits", _f(N, C)), ("targets", _targets)],
        {"loss", "log_probs"},
        (),
    ),
    "cross_entropy_backward": (
        [("dlogits", _f(N, C)), ("log_probs", _f(N, C)), ("targets", _targets), ("dloss", _f(N))],
        {"dlogits"},
        (),
    ),
    "sgd_step": (
        [("param", _f(NN)), ("grad", _f(NN)), ("momentum_buf", _f(NN))],
        {"param", "momentum_buf"},
        (0.1, 0.9, 0.0, 0.01, True, False, False),
    ),
    "adam_step": (
        [
            ("param", _f(NN)),
            ("grad", _f(NN)),
            ("exp_avg", _f(NN)),
            ("exp_avg_sq", _pos(NN)),
            ("max_exp_avg_sq", _pos(NN)),
        ],
        {"param", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
        (3, 1e-3, 0.9, 0.999, 1e-8, 0.01, False, True, False, 1.0),
    ),
    "adagrad_step": (
        [("param", _f(NN)), ("grad", _f(NN)), ("state_sum", _pos(NN))],
        {"param", "state_sum"},
        (2, 0.1, 0.0, 0.0, 1e-10, False),
    ),
    "rmsprop_step": (
        [
            ("param", _f(NN)),
            ("grad", _f(NN)),
            ("square_avg", _pos(NN)),
            ("grad_avg", _f(NN)),
            ("momentum_buf", _f(NN)),
        ],
        {"param", "square_avg", "grad_avg", "momentum_buf"},
        (0.01, 0.99, 1e-8, 0.0, 0.9, True, False),
    ),
    "max_pool2d_forward": (
        [("y", _f(2, 3, 3, 4)), ("indices", _window_indices), ("x", _f(2, 3, 7, 9))],
        {"y", "indices"},
        (*_POOL, (1, 1), False),
    ),
    "max_pool2d_backward": (
        [("dx", _f(2, 3, 7, 9)), ("dy", _f(2, 3, 3, 4)), ("indices", _window_indices)],
        {"dx"},
        (),
    ),
    "avg_pool2d_forward": ([("y", _f(2, 3, 3, 4)), ("x", _f(2, 3, 7, 9))], {"y"}, (*_POOL, False, True, 0)),
    "avg_pool2d_backward": (
        [("dx", _f(2, 3, 7, 9)), ("dy", _f(2, 3, 3, 4))],
        {"dx"},
        (*_POOL, False, False, 3),
    ),
    "adaptive_avg_pool2d_forward": ([("y", _f(2, 3, 3, 4)), ("x", _f(2, 3, 7, 9))], {"y"}, ()),
    "adaptive_avg_pool2d_backward": ([("dx", _f(2, 3, 7, 9)), ("dy", _f(2, 3, 3, 4))], {"dx"}, ()),
    "batch_norm_forward": (
        [
            ("y", _f(N, C, M)),
            ("mean", _f(C)),
            ("var", _f(C)),
            ("x", _f(N, C, M)),
            ("weight", _f(C)),
            ("bias", _f(C)),
        ],
        {"y", "mean", "var"},
        (1e-5,),
    ),
    "batch_norm_inference": (
        [
            ("y", _f(N, C, M)),
            ("x", _f(N, C, M)),
            ("mean", _f(C)),
            ("var", _pos(C)),
            ("weight", _f(C)),
            ("bias", _f(C)),
        ],
        {"y"},
        (1e-5,),
    ),
    "batch_norm_backward": (
        [
            ("dx", _f(N, C, M)),
            ("dweight", _f(C)),
            ("dbias", _f(C)),
            ("dy", _f(N, C, M)),
            ("x", _f(N, C, M)),
            ("mean", _f(C)),
            ("var", _pos(C)),
            ("weight", _f(C)),
        ],
        {"dx", "dweight", "dbias"},
        (1e-5,),
    ),
    "gelu_forward": ([("y", _f(N, C)), ("x", _f(N, C))], {"y"}, (False,)),
    "gelu_backward": ([("dx", _f(N, C)), ("dy", _f(N, C)), ("x", _f(N, C))], {"dx"}, (True,)),
}
CUDA_KERNELS = ("sgd_step", "adam_step")
# (kernel, argument) whose last axis may take any length: the call stays valid (an adaptive pool's
# planes, max_pool2d_backward's dx plane); tests/test_kernels_pool.py checks their N, C instead.
SIZE_FREE = {
    ("max_pool2d_backward", "dx"),
    ("adaptive_avg_pool2d_forward", "y"),
    ("adaptive_avg_pool2d_forward", "x"),
    ("adaptive_avg_pool2d_backward", "dx"),
    ("adaptive_avg_pool2d_backward", "dy"),
}


def _op(name):
    return "gemm" if name == "gemm_batched" else name


def _make(name, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    arrays, writes, scalars = KERNELS[name]
    return {n: make(rng, dtype) for n, make in arrays}, writes, scalars


def _call(ns, name, arrays, scalars):
    return getattr(ns, _op(name))(*arrays.values(), *scalars)


# ---- the bad arrays ---------------------------------------------------------------------------


def wrong_size(x):
    return np.zeros(x.shape[:-1] + (x.shape[-1] + 1,), x.dtype)


def wrong_dtype(x):
    return x.astype(
        {np.dtype(np.float32): np.float64, np.dtype(np.float64): np.float32, np.dtype(np.int64): np.int32}[
            x.dtype
        ]
    )


def strided(x):
    """Same shape and values, every other element of a wider buffer along the last axis."""
    wide = np.zeros(x.shape[:-1] + (2 * x.shape[-1],), x.dtype)
    wide[..., ::2] = x
    return wide[..., ::2]


def negative(x):
    return np.ascontiguousarray(x[..., ::-1])[..., ::-1]


def misaligned(x):
    """A view whose last-axis stride is not a multiple of the item size."""
    step = x.itemsize + 1
    strides = [step * int(np.prod(x.shape[i + 1 :])) for i in range(x.ndim)]
    buf = bytearray(strides[0] * x.shape[0] + x.itemsize + 8) if x.ndim else bytearray(16)
    return np.ndarray(x.shape, x.dtype, buffer=buf, offset=1, strides=strides)


def read_only(x):
    y = x.copy()
    y.setflags(write=False)
    return y


BAD_VALUES = {"size": wrong_size, "strided": strided, "negative": negative, "misaligned": misaligned}
BAD_TYPES = {"dtype": wrong_dtype, "cuda_array": FakeCuda, "list": lambda x: x.tolist()}


def _cases(kernels):
    for name in kernels:
        arrays, writes, _ = KERNELS[name]
        for arg, _ in arrays:
            for bad in BAD_VALUES:
                if not (bad == "size" and (name, arg) in SIZE_FREE):
                    yield name, arg, bad, ValueError
            for bad in BAD_TYPES:
                yield name, arg, bad, TypeError
            if arg in writes:
                yield name, arg, "read_only", ValueError


def _check_refused(ns, name, arg, bad, error, device="cpu"):
    """Calls ns.<name> with `arg` made bad; the other arrays are numpy (cpu) or FakeCuda."""
    arrays, writes, scalars = _make(name)
    before = {n: arrays[n].copy() for n in writes}
    wrap = FakeCuda if device == "cuda" else (lambda x: x)
    args = {n: wrap(a) for n, a in arrays.items()}
    if bad == "cuda_array":  # the other device's array
        args[arg] = arrays[arg] if device == "cuda" else FakeCuda(arrays[arg])
    elif bad == "list":
        args[arg] = arrays[arg].tolist()
    else:
        args[arg] = wrap({**BAD_VALUES, **BAD_TYPES, "read_only": read_only}[bad](arrays[arg]))
    with pytest.raises(error, match=rf"\[{_op(name)}\]") as info:
        _call(ns, name, args, scalars)
    assert "device memory" not in str(info.value), info.value  # refused before that check
    if bad == "cuda_array":
        assert "cpu" in str(info.value) and "cuda" in str(info.value), info.value
    for n in writes:
        assert np.array_equal(arrays[n], before[n]), f"{n} was written"


@pytest.mark.parametrize("name,arg,bad,error", list(_cases(KERNELS)))
def test_cpu_binding_refuses(name, arg, bad, error):
    _check_refused(backend.cpu, name, arg, bad, error)


@pytest.mark.parametrize("name", sorted(KERNELS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cpu_binding_accepts_the_good_call(name, dtype):
    """The refusals above are not a binding that refuses everything."""
    arrays, writes, scalars = _make(name, dtype)
    before = {n: arrays[n].copy() for n in writes}
    _call(backend.cpu, name, arrays, scalars)
    assert any(not np.array_equal(arrays[n], before[n]) for n in writes)


def test_cpu_targets_out_of_range_touch_nothing():
    for name in ("cross_entropy_forward", "cross_entropy_backward"):
        arrays, writes, scalars = _make(name)
        arrays["targets"][2] = C
        before = {n: arrays[n].copy() for n in writes}
        with pytest.raises(ValueError, match=rf"\[{name}\] target {C} at row 2 is out of range"):
            _call(backend.cpu, name, arrays, scalars)
        assert all(np.array_equal(arrays[n], before[n]) for n in writes)


def test_cpu_optional_state_is_required_by_its_mode():
    arrays, _, scalars = _make("adam_step")
    arrays["max_exp_avg_sq"] = None
    with pytest.raises(ValueError, match=r"\[adam_step\] amsgrad needs max_exp_avg_sq"):
        _call(backend.cpu, "adam_step", arrays, scalars)
    arrays, _, scalars = _make("rmsprop_step")
    arrays["grad_avg"] = None
    with pytest.raises(ValueError, match=r"\[rmsprop_step\] centered=True needs grad_avg"):
        _call(backend.cpu, "rmsprop_step", arrays, scalars)


def test_cuda_interface_objects_are_read_for_the_message():
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(
        TypeError,
        match=r"\[log_softmax_forward\] x is a cuda array; "
        r"log_softmax_forward here runs on cpu arrays",
    ):
        backend.cpu.log_softmax_forward(x, FakeCuda(x))
    with pytest.raises(TypeError, match=r"\[gemm\] a must be a numpy array, got str"):
        backend.cpu.gemm("a", x, x)


# ---- the CUDA namespace -------------------------------------------------------------------------

needs_cuda_build = pytest.mark.skipif(not backend.has_cuda(), reason="not a CUDA build")


@needs_cuda_build
@pytest.mark.parametrize("name,arg,bad,error", list(_cases(CUDA_KERNELS)))
def test_cuda_binding_refuses(name, arg, bad, error):
    """Checks run before the device-memory check: the message is the mutation's, not that
    the (host) pointer is not device memory."""
    _check_refused(backend.kernels("cuda"), name, arg, bad, error, device="cuda")


@needs_cuda_build
@pytest.mark.parametrize("name", CUDA_KERNELS)
def test_cuda_binding_refuses_host_pointers_and_float64(name):
    arrays, writes, scalars = _make(name)
    before = {n: arrays[n].copy() for n in writes}
    ns = backend.kernels("cuda")
    with pytest.raises(ValueError, match=rf"\[{name}\] param's pointer is not CUDA device memory"):
        _call(ns, name, {n: FakeCuda(a) for n, a in arrays.items()}, scalars)
    arrays64, _, _ = _make(name, np.float64)
    with pytest.raises(TypeError, match=rf"\[{name}\] the CUDA kernel takes float32"):
        _call(ns, name, {n: FakeCuda(a) for n, a in arrays64.items()}, scalars)
    assert all(np.array_equal(arrays[n], before[n]) for n in writes)


@needs_cuda_build
def test_cuda_interface_fields_are_checked():
    x = np.zeros(NN, np.float32)
    ns = backend.kernels("cuda")
    bad = FakeCuda(x, strides=(4, 4))
    with pytest.raises(ValueError, match=r"\[sgd_step\] param has 2 strides for 1 axes"):
        ns.sgd_step(bad, FakeCuda(x), None, 0.1)
    with pytest.raises(ValueError, match=r"\[sgd_step\] grad has a mask"):
        ns.sgd_step(FakeCuda(x), FakeCuda(x, mask=FakeCuda(x)), None, 0.1)
    with pytest.raises(TypeError, match=r"\[sgd_step\] param has an invalid typestr"):
        ns.sgd_step(FakeCuda(x, typestr="<q9"), FakeCuda(x), None, 0.1)


def test_cuda_namespace_without_a_cuda_build():
    if backend.has_cuda():
        assert backend.has_kernel("cuda", "adam_step")
        assert not backend.has_kernel("cuda", "adagrad_step")
    else:
        with pytest.raises(RuntimeError, match="without CUDA"):
            backend.kernels("cuda")


# ---- the CuPy fallbacks, on a numpy stand-in for CuPy --------------------------------------------

_XP = types.SimpleNamespace(
    asarray=lambda o: o.arr, matmul=np.matmul, exp=np.exp, log=np.log, arange=np.arange
)


def _fallbacks():
    ext = types.SimpleNamespace(sgd_step=None, adam_step=None)
    return backend.CudaKernels(ext, lambda: _XP)


FALLBACKS = (
    "gemm",
    "gemm_batched",
    "log_softmax_forward",
    "log_softmax_backward",
    "cross_entropy_forward",
    "cross_entropy_backward",
)


@pytest.mark.parametrize("name", FALLBACKS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_fallbacks_match_the_cpu_kernels(name, dtype):
    cpu_arrays, writes, scalars = _make(name, dtype, seed=3)
    dev_arrays, _, _ = _make(name, dtype, seed=3)
    _call(backend.cpu, name, cpu_arrays, scalars)
    _call(_fallbacks(), name, {n: FakeCuda(a) for n, a in dev_arrays.items()}, scalars)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for n in writes:
        np.testing.assert_allclose(dev_arrays[n], cpu_arrays[n], rtol=tol, atol=tol, err_msg=n)


@pytest.mark.parametrize("name", FALLBACKS)
def test_cuda_fallbacks_refuse_numpy_and_wrong_sizes(name):
    arrays, writes, scalars = _make(name)
    before = {n: arrays[n].copy() for n in writes}
    first = next(iter(arrays))
    dev = {n: FakeCuda(a) for n, a in arrays.items()}
    with pytest.raises(TypeError, match=rf"\[{_op(name)}\] {first} is a cpu array"):
        _call(_fallbacks(), name, {**dev, first: arrays[first]}, scalars)
    with pytest.raises(ValueError, match=rf"\[{_op(name)}\]"):
        _call(_fallbacks(), name, {**dev, first: FakeCuda(wrong_size(arrays[first]))}, scalars)
    assert all(np.array_equal(arrays[n], before[n]) for n in writes)


@pytest.mark.parametrize("name", ["adagrad_step", "rmsprop_step"])
def test_cuda_namespace_names_missing_kernels(name):
    with pytest.raises(NotImplementedError, match=rf"\[{name}\] has no CUDA kernel"):
        getattr(_fallbacks(), name)()
