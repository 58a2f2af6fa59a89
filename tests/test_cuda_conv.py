"""The CUDA kernels of issue 18 (conv2d_*, *pool2d_*, batch_norm_*, gelu_*; csrc/cuda, bound in
csrc/bind/bind_cuda_{conv,pool,norm}.cpp).

Binding checks (a CUDA build, no device needed): every array argument made bad in each way of
tests/test_bindings.py, through hand-made `__cuda_array_interface__` objects, is refused with the
op's name before the device-memory check, and nothing is written; a good call gets as far as that
check. Device tests (skipped without a device): every kernel against torch.nn.functional in
float64 on the CPU (and against the `_C.cpu` kernel where the build has it), on awkward shapes,
with the outputs poisoned (NaN, index -7) before each run."""

import numpy as np
import pytest
from test_bindings import BAD_TYPES, BAD_VALUES, FakeCuda, read_only

import dlcore
from dlcore import backend

needs_cuda_build = pytest.mark.skipif(not backend.has_cuda(), reason="not a CUDA build")
needs_device = pytest.mark.skipif(not dlcore.cuda.is_available(), reason="no CUDA device / CuPy")


def _f(*shape):
    return lambda rng, dt: rng.standard_normal(shape).astype(dt)


def _pos(*shape):
    return lambda rng, dt: (rng.random(shape) + 0.5).astype(dt)


def _idx(*shape, plane):
    return lambda rng, dt: rng.integers(0, plane, shape).astype(np.int64)


# x (2, 4, 7, 6), w (6, 2, 3, 2), groups 2, stride (2, 1), padding (1, 0, 1, 1), dilation (1, 2):
# Ho = (7 + 1 - 2 - 1) // 2 + 1 = 3, Wo = (6 + 2 - 2 - 1) // 1 + 1 = 6. The stride along W is 1,
# so one more column anywhere changes Wo and is refused.
CONV = ((2, 1), (1, 0, 1, 1), (1, 2), 2)
# max pool x (2, 3, 7, 8), kernel (3, 2), stride (2, 1), padding (1, 1), dilation (1, 2),
# ceil_mode: Ho = ceil((7 + 2 - 2 - 1) / 2) + 1 = 4, Wo = 8 + 2 - 2 - 1 + 1 = 8.
POOL = ((3, 2), (2, 1), (1, 1))

# name -> (arrays in call order, names written, scalars after the arrays, axis the "size"
# mutation grows). The kernels whose output size is not a function of their arguments
# (adaptive pooling, max_pool2d_backward) are given one more channel instead of one more column.
KERNELS = {
    "conv2d_forward": (
        [("y", _f(2, 6, 3, 6)), ("x", _f(2, 4, 7, 6)), ("w", _f(6, 2, 3, 2)), ("bias", _f(6))],
        {"y"},
        (*CONV, True),
        -1,
    ),
    "conv2d_backward_input": (
        [("dx", _f(2, 4, 7, 6)), ("dy", _f(2, 6, 3, 6)), ("w", _f(6, 2, 3, 2))],
        {"dx"},
        CONV,
        -1,
    ),
    "conv2d_backward_weight": (
        [("dw", _f(6, 2, 3, 2)), ("db", _f(6)), ("dy", _f(2, 6, 3, 6)), ("x", _f(2, 4, 7, 6))],
        {"dw", "db"},
        CONV,
        -1,
    ),
    "max_pool2d_forward": (
        [("y", _f(2, 3, 4, 8)), ("indices", _idx(2, 3, 4, 8, plane=56)), ("x", _f(2, 3, 7, 8))],
        {"y", "indices"},
        (*POOL, (1, 2), True),
        -1,
    ),
    "max_pool2d_backward": (
        [("dx", _f(2, 3, 7, 8)), ("dy", _f(2, 3, 4, 8)), ("indices", _idx(2, 3, 4, 8, plane=56))],
        {"dx"},
        (),
        1,
    ),
    "avg_pool2d_forward": (
        [("y", _f(2, 3, 4, 9)), ("x", _f(2, 3, 7, 8))],
        {"y"},
        (*POOL, True, False, 0),
        -1,
    ),
    "avg_pool2d_backward": (
        [("dx", _f(2, 3, 7, 8)), ("dy", _f(2, 3, 4, 9))],
        {"dx"},
        (*POOL, True, False, 0),
        -1,
    ),
    "adaptive_avg_pool2d_forward": ([("y", _f(2, 3, 3, 5)), ("x", _f(2, 3, 7, 8))], {"y"}, (), 1),
    "adaptive_avg_pool2d_backward": ([("dx", _f(2, 3, 7, 8)), ("dy", _f(2, 3, 3, 5))], {"dx"}, (), 1),
    "batch_norm_forward": (
        [
            ("y", _f(3, 4, 5, 2)),
            ("mean", _f(4)),
            ("var", _pos(4)),
            ("x", _f(3, 4, 5, 2)),
            ("weight", _f(4)),
            ("bias", _f(4)),
        ],
        {"y", "mean", "var"},
        (1e-5,),
        -1,
    ),
    "batch_norm_inference": (
        [
            ("y", _f(3, 4, 5)),
            ("x", _f(3, 4, 5)),
            ("mean", _f(4)),
            ("var", _pos(4)),
            ("weight", _f(4)),
            ("bias", _f(4)),
        ],
        {"y"},
        (1e-5,),
        -1,
    ),
    "batch_norm_backward": (
        [
            ("dx", _f(5, 4)),
            ("dweight", _f(4)),
            ("dbias", _f(4)),
            ("dy", _f(5, 4)),
            ("x", _f(5, 4)),
            ("mean", _f(4)),
            ("var", _pos(4)),
            ("weight", _f(4)),
        ],
        {"dx", "dweight", "dbias"},
        (1e-5,),
        -1,
    ),
    "gelu_forward": ([("y", _f(3, 5)), ("x", _f(3, 5))], {"y"}, (True,), -1),
    "gelu_backward": ([("dx", _f(3, 5)), ("dy", _f(3, 5)), ("x", _f(3, 5))], {"dx"}, (False,), -1),
}


def _make(name, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    arrays, writes, scalars, _ = KERNELS[name]
    return {n: make(rng, dtype) for n, make in arrays}, writes, scalars


def grown(x, axis):
    shape = list(x.shape)
    shape[axis] += 1
    return np.zeros(shape, x.dtype)


def _cases():
    for name, (arrays, writes, _, _) in KERNELS.items():
        for arg, _ in arrays:
            for bad in BAD_VALUES:
                yield name, arg, bad, ValueError
            for bad in BAD_TYPES:
                yield name, arg, bad, TypeError
            if arg in writes:
                yield name, arg, "read_only", ValueError


def _dtype_mutation(x):
    return x.astype(np.int32 if x.dtype == np.int64 else np.float64 if x.dtype == np.float32 else np.float32)


@needs_cuda_build
@pytest.mark.parametrize("name,arg,bad,error", list(_cases()))
def test_cuda_binding_refuses(name, arg, bad, error):
    """Refused with the op's name, before the device-memory check (so not that message), and
    nothing written."""
    arrays, writes, scalars = _make(name)
    before = {n: arrays[n].copy() for n in writes}
    args = {n: FakeCuda(a) for n, a in arrays.items()}
    x = arrays[arg]
    if bad == "cuda_array":
        args[arg] = x  # a numpy array given to the CUDA namespace
    elif bad == "list":
        args[arg] = x.tolist()
    elif bad == "size":
        args[arg] = FakeCuda(grown(x, KERNELS[name][3] if x.ndim > 1 else -1))
    elif bad == "dtype":
        args[arg] = FakeCuda(_dtype_mutation(x))
    else:
        args[arg] = FakeCuda({**BAD_VALUES, "read_only": read_only}[bad](x))
    with pytest.raises(error, match=rf"\[{name}\]") as info:
        getattr(backend.kernels("cuda"), name)(*args.values(), *scalars)
    assert "device memory" not in str(info.value), info.value
    if bad == "cuda_array":
        assert "cpu" in str(info.value) and "cuda" in str(info.value), info.value
    for n in writes:
        assert np.array_equal(arrays[n], before[n]), f"{n} was written"


@needs_cuda_build
@pytest.mark.parametrize("name", sorted(KERNELS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_binding_passes_a_good_call_to_the_device_check(name, dtype):
    """The refusals above are not a binding that refuses everything: good arguments (float32 or
    float64) get as far as the last check, which refuses the host pointers of FakeCuda."""
    arrays, _, scalars = _make(name, dtype)
    first = next(iter(arrays))
    with pytest.raises(ValueError, match=rf"\[{name}\] {first}'s pointer is not CUDA device memory"):
        getattr(backend.kernels("cuda"), name)(*(FakeCuda(a) for a in arrays.values()), *scalars)


def _refused(name, error, match, **replace):
    """Calls `name` with the default arrays/scalars, some replaced (arrays by numpy arrays,
    wrapped here; scalars by index); checks the error and that nothing was written."""
    arrays, writes, scalars = _make(name)
    scalars = list(scalars)
    for k, v in replace.items():
        if k.startswith("s"):
            scalars[int(k[1:])] = v
        else:
            arrays[k] = v
    before = {n: arrays[n].copy() for n in writes if arrays[n] is not None}
    args = [None if a is None else FakeCuda(a) for a in arrays.values()]
    with pytest.raises(error, match=match):
        getattr(backend.kernels("cuda"), name)(*args, *scalars)
    assert all(np.array_equal(arrays[n], b) for n, b in before.items())


Z = np.zeros


@needs_cuda_build
def test_cuda_conv_argument_errors():
    f = "conv2d_forward"
    _refused(f, ValueError, r"\[conv2d_forward\] groups=3 must divide", s3=3)
    _refused(f, ValueError, r"\[conv2d_forward\] groups must be >= 1", s3=0)
    _refused(f, ValueError, r"w \(6, 3, 3, 2\) must have C/groups = 2", w=Z((6, 3, 3, 2), np.float32))
    _refused(f, ValueError, r"stride entries must be >= 1", s0=(0, 1))
    _refused(f, ValueError, r"padding entries must be >= 0", s1=(1, 0, -1, 1))
    _refused(f, ValueError, r"padding must have 4 entries", s1=(1, 1))
    _refused(f, TypeError, r"stride must be a tuple of 2 ints, got list", s0=[2, 1])
    _refused(f, TypeError, r"dilation must hold ints", s2=(1.0, 2))
    _refused(f, ValueError, r"bias \(5,\) must have shape \(6,\)", bias=Z(5, np.float32))
    _refused(f, ValueError, r"y \(2, 6, 4, 6\) must have shape \(2, 6, 3, 6\)", y=Z((2, 6, 4, 6), np.float32))
    small = dict(x=Z((2, 4, 1, 2), np.float32), s1=(0, 0, 0, 0))
    _refused(
        f, ValueError, r"\(1, 2\) padded to \(1, 2\) is smaller than the dilated kernel \(3, 3\)", **small
    )
    b = "conv2d_backward_input"
    _refused(
        b, ValueError, r"dy \(2, 6, 3, 5\) must have shape \(2, 6, 3, 6\)", dy=Z((2, 6, 3, 5), np.float32)
    )
    groups4 = r"groups=4 must divide the input channels \(4\) and the output channels \(w \(6, 2, 3, 2\)\)"
    _refused(b, ValueError, groups4, s3=4)


@needs_cuda_build
def test_cuda_conv_refuses_an_output_overlapping_an_input():
    x = np.zeros((2, 4, 7, 6), np.float32)
    w = np.zeros((6, 2, 3, 2), np.float32)
    buf = np.zeros(2 * 6 * 3 * 6 + 8, np.float32)
    y = buf[:216].reshape(2, 6, 3, 6)
    bias = buf[200:206]
    ns = backend.kernels("cuda")
    with pytest.raises(ValueError, match=r"\[conv2d_forward\] y must not overlap an input"):
        ns.conv2d_forward(FakeCuda(y), FakeCuda(x), FakeCuda(w), FakeCuda(bias), *CONV)
    with pytest.raises(ValueError, match=r"\[gelu_forward\] y must not overlap x"):
        ns.gelu_forward(FakeCuda(buf[1:9]), FakeCuda(buf[:8]), False)


@needs_cuda_build
def test_cuda_pool_and_norm_argument_errors():
    m = "max_pool2d_forward"
    _refused(m, ValueError, r"padding \(2, 1\) must be at most half of kernel \(3, 2\)", s2=(2, 1))
    _refused(m, TypeError, r"indices must be int64, got float32", indices=Z((2, 3, 4, 8), np.float32))
    _refused(
        m,
        ValueError,
        r"x \(2, 3, 1, 8\) is too small .*: output plane \(0, ",
        x=Z((2, 3, 1, 8), np.float32),
        s2=(0, 1),
    )
    _refused(m, ValueError, r"x \(2, 3, 0, 8\) has an empty plane", x=Z((2, 3, 0, 8), np.float32))
    # ceil mode: H = 8 gives Ho = ceil((8 + 2 - 2 - 1) / 2) + 1 = 5 (floor mode: 4)
    _refused(m, ValueError, r"y \(.*\) must have shape \(2, 3, 5, 8\)", x=Z((2, 3, 8, 8), np.float32))
    a = "adaptive_avg_pool2d_forward"
    _refused(a, ValueError, r"y \(2, 4, 3, 5\) must have shape \(2, 3, 3, 5\)", y=Z((2, 4, 3, 5), np.float32))
    _refused(a, ValueError, r"x \(2, 3, 7, 0\) has an empty plane for", x=Z((2, 3, 7, 0), np.float32))
    bn = "batch_norm_forward"
    _refused(bn, ValueError, r"mean must have shape \(4,\)", mean=Z(5, np.float32))
    _refused(bn, TypeError, r"var must be a CUDA array \(__cuda_array_interface__\), got NoneType", var=None)
    _refused(
        bn, ValueError, r"x must be \(N, C, \*\) with at least 2 axes, got shape \(12", x=Z(12, np.float32)
    )


@needs_cuda_build
def test_cuda_zero_size_calls_pass_the_checks():
    """Zero-size batches are valid: the checks pass and (empty arrays are never pointer-checked)
    a call whose every array is empty returns without touching a device."""
    ns = backend.kernels("cuda")
    e = np.zeros((0, 3), np.float32)
    ns.gelu_forward(FakeCuda(e), FakeCuda(e), False)
    ns.gelu_backward(FakeCuda(e), FakeCuda(e), FakeCuda(e), True)
    x, w, y = Z((0, 4, 7, 6), np.float32), Z((6, 2, 3, 2), np.float32), Z((0, 6, 3, 6), np.float32)
    with pytest.raises(ValueError, match=r"\[conv2d_forward\] w's pointer is not CUDA device memory"):
        ns.conv2d_forward(FakeCuda(y), FakeCuda(x), FakeCuda(w), None, *CONV)


# ---- on a device: every kernel against torch (float64, CPU) ---------------------------------------


def _torch():
    return pytest.importorskip("torch")


def _dev(a):
    return backend.cupy().asarray(a)


def _host(a):
    return backend.cupy().asnumpy(a)


def _poisoned(shape, dtype):
    return _dev(np.full(shape, np.nan, dtype))


def _close(got, want, dtype, name, scale=None):
    want = np.asarray(want, np.float64)
    scale = max(1.0, float(np.abs(want).max())) if scale is None and want.size else (scale or 1.0)
    tol = 2e-5 if dtype == np.float32 else 1e-11
    assert not np.isnan(got).any() or np.isnan(want).any(), f"{name}: NaN left in the output"
    np.testing.assert_allclose(got, want, rtol=tol * 5, atol=tol * scale, err_msg=name)


def _twin(ns, name, outputs, *args, scale=None, **kw):
    """ns.<name>(*args), then, where this build has the `_C.cpu` twin, the same call on host copies
    (outputs poisoned) must give the same outputs (positions `outputs`; indices exactly)."""
    getattr(ns, name)(*args, **kw)
    cpu = getattr(backend.cpu, name, None)
    if cpu is None:
        return
    host = [_host(a) if hasattr(a, "__cuda_array_interface__") else a for a in args]
    for i in outputs:
        if host[i] is not None:
            host[i][...] = -7 if host[i].dtype == np.int64 else np.nan
    cpu(*host, **kw)
    for i in outputs:
        if host[i] is None:
            continue
        if host[i].dtype == np.int64:
            np.testing.assert_array_equal(_host(args[i]), host[i], err_msg=f"{name} output {i} vs cpu")
        else:
            _close(_host(args[i]), host[i], host[i].dtype.type, f"{name} output {i} vs cpu", scale)


# (N, C, H, W, K, R, S, stride, padding (top, bottom, left, right), dilation, groups)
CONV_CASES = [
    (2, 3, 7, 9, 5, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1), 1),
    (1, 4, 11, 6, 6, 2, 3, (2, 1), (0, 1, 2, 0), (1, 2), 2),  # even kernel, "same"-like padding
    (3, 6, 5, 5, 6, 1, 1, (1, 1), (0, 0, 0, 0), (1, 1), 3),  # 1x1, grouped
    (2, 8, 9, 10, 8, 3, 3, (2, 2), (1, 1, 1, 1), (1, 1), 8),  # depthwise, stride 2
    (1, 2, 1, 17, 4, 1, 5, (1, 1), (0, 0, 8, 0), (1, 2), 1),  # causal dilated conv1d
    (0, 3, 5, 5, 4, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1), 1),  # empty batch
    (1, 3, 4, 4, 2, 5, 5, (3, 2), (2, 2, 2, 2), (1, 1), 1),  # kernel larger than the input
    (4, 64, 20, 19, 130, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1), 1),  # 128-row tiles, split-K weight
    (2, 33, 13, 13, 65, 3, 3, (1, 2), (1, 0, 0, 1), (2, 1), 1),  # partial tiles everywhere
    (8, 4, 30, 30, 4, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1), 1),  # dw: one tile, many split-K slices
]


def _conv_ref(x, w, b, stride, pad, dil, groups):
    torch = _torch()
    F = torch.nn.functional
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    xp = F.pad(xt, (pad[2], pad[3], pad[0], pad[1]))
    y = F.conv2d(xp, wt, bt, stride=stride, dilation=dil, groups=groups)
    return y, (xt, wt, bt)


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_conv_matches_torch(case, dtype):
    n, c, h, w_, k, r, s, stride, pad, dil, groups = case
    rng = np.random.default_rng(sum(case[:7]))
    x = rng.standard_normal((n, c, h, w_)).astype(dtype)
    w = rng.standard_normal((k, c // groups, r, s)).astype(dtype)
    b = rng.standard_normal(k).astype(dtype)
    y_ref, (xt, wt, bt) = _conv_ref(x, w, b, stride, pad, dil, groups)
    dy = rng.standard_normal(tuple(y_ref.shape)).astype(dtype)
    y_ref.backward(_torch().tensor(dy, dtype=_torch().float64))
    ns, args = backend.kernels(_dev(x)), (stride, pad, dil, groups)
    X, W, B, DY = _dev(x), _dev(w), _dev(b), _dev(dy)
    scale = float(np.sqrt(c // groups * r * s)) * 3
    for relu, bias in ((False, True), (True, True), (False, False)):
        Y = _poisoned(dy.shape, dtype)
        _twin(ns, "conv2d_forward", (0,), Y, X, W, B if bias else None, *args, relu=relu)
        want = y_ref.detach().numpy() - (0 if bias else b[None, :, None, None])
        _close(_host(Y), np.maximum(want, 0) if relu else want, dtype, f"y relu={relu}", scale)
    DX = _poisoned(x.shape, dtype)
    _twin(ns, "conv2d_backward_input", (0,), DX, DY, W, *args)
    _close(_host(DX), xt.grad.numpy(), dtype, "dx", scale)
    DW, DB = _poisoned(w.shape, dtype), _poisoned(b.shape, dtype)
    _twin(ns, "conv2d_backward_weight", (0, 1), DW, DB, DY, X, *args)
    red = float(np.sqrt(max(1, n * dy.shape[2] * dy.shape[3]))) * 3
    _close(_host(DW), wt.grad.numpy(), dtype, "dw", red)
    _close(_host(DB), bt.grad.numpy(), dtype, "db", red)
    DW2 = _poisoned(w.shape, dtype)
    _twin(ns, "conv2d_backward_weight", (0, 1), DW2, None, DY, X, *args)
    _close(_host(DW2), wt.grad.numpy(), dtype, "dw without db", red)


@needs_device
@pytest.mark.cuda
def test_cuda_conv_float64_gradients_are_the_forward_s_derivatives():
    """<dy, (conv(x + e v) - conv(x - e v)) / 2e> = <dx, v>, and alike for w: the backward kernels
    against the forward kernel itself, in float64."""
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((2, 4, 9, 8)), rng.standard_normal((6, 2, 3, 2))
    args = ((2, 1), (1, 0, 2, 1), (2, 1), 2)
    ns = backend.kernels(_dev(x))

    def conv(xa, wa):
        Y = _dev(np.zeros((2, 6, 3, 10)))  # Ho = (9 + 1 - 4 - 1) // 2 + 1, Wo = 8 + 3 - 1
        _twin(ns, "conv2d_forward", (0,), Y, _dev(xa), _dev(wa), None, *args)
        return _host(Y)

    dy = rng.standard_normal((2, 6, 3, 10))
    DX, DW = _poisoned(x.shape, np.float64), _poisoned(w.shape, np.float64)
    _twin(ns, "conv2d_backward_input", (0,), DX, _dev(dy), _dev(w), *args)
    _twin(ns, "conv2d_backward_weight", (0, 1), DW, None, _dev(dy), _dev(x), *args)
    vx, vw, e = rng.standard_normal(x.shape), rng.standard_normal(w.shape), 1e-6
    fd_x = (dy * (conv(x + e * vx, w) - conv(x - e * vx, w))).sum() / (2 * e)
    fd_w = (dy * (conv(x, w + e * vw) - conv(x, w - e * vw))).sum() / (2 * e)
    np.testing.assert_allclose((_host(DX) * vx).sum(), fd_x, rtol=1e-7)
    np.testing.assert_allclose((_host(DW) * vw).sum(), fd_w, rtol=1e-7)


# ---- pooling ---------------------------------------------------------------------------------------

# (N, C, H, W, kernel, stride, padding, dilation, ceil_mode)
MAX_POOL_CASES = [
    (2, 3, 7, 8, (3, 2), (2, 1), (1, 1), (1, 2), True),
    (1, 2, 9, 9, (2, 2), (2, 2), (0, 0), (1, 1), False),
    (3, 1, 1, 13, (1, 3), (1, 2), (0, 1), (1, 1), True),  # max_pool1d through H = 1
    (0, 2, 5, 5, (2, 2), (1, 1), (1, 1), (1, 1), False),
    (2, 2, 10, 11, (3, 3), (3, 2), (1, 0), (2, 1), True),
]


def _t64(a, grad=True):
    torch = _torch()
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("case", MAX_POOL_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_max_pool_matches_torch(case, dtype):
    n, c, h, w, k, s, p, d, ceil = case
    F = _torch().nn.functional
    rng = np.random.default_rng(h * w + n)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    if x.size:
        x.flat[rng.integers(0, x.size, 3)] = np.nan  # NaN propagates as torch's
    xt = _t64(x)
    y_ref, i_ref = F.max_pool2d(xt, k, s, p, d, ceil_mode=ceil, return_indices=True)
    dy = rng.standard_normal(tuple(y_ref.shape)).astype(dtype)
    y_ref.backward(_t64(dy, False))
    ns = backend.kernels(_dev(x))
    Y, IDX = _poisoned(dy.shape, dtype), _dev(np.full(dy.shape, -7, np.int64))
    _twin(ns, "max_pool2d_forward", (0, 1), Y, IDX, _dev(x), k, s, p, d, ceil)
    np.testing.assert_array_equal(_host(Y), y_ref.detach().numpy().astype(dtype))
    np.testing.assert_array_equal(_host(IDX), i_ref.numpy())
    DX = _poisoned(x.shape, dtype)
    _twin(ns, "max_pool2d_backward", (0,), DX, _dev(dy), IDX)
    _close(_host(DX), xt.grad.numpy(), dtype, "dx")


@needs_device
@pytest.mark.cuda
def test_cuda_max_pool_backward_refuses_an_index_outside_the_plane():
    ns = backend.kernels("cuda")
    dx = _dev(np.ones((1, 2, 3, 3), np.float32))
    idx = np.zeros((1, 2, 2, 2), np.int64)
    idx[0, 1, 1, 0] = 9
    with pytest.raises(ValueError, match=r"\[max_pool2d_backward\] 1 indices are outside .*\[0, 9\)"):
        ns.max_pool2d_backward(dx, _dev(np.ones((1, 2, 2, 2), np.float32)), _dev(idx))
    assert (_host(dx) == 1).all()


# (N, C, H, W, kernel, stride, padding, ceil_mode, count_include_pad, divisor)
AVG_POOL_CASES = [
    (2, 3, 7, 8, (3, 2), (2, 1), (1, 1), True, False, 0),
    (2, 3, 7, 8, (3, 2), (2, 1), (1, 1), True, True, 0),
    (1, 2, 9, 10, (4, 4), (3, 3), (2, 1), True, True, 0),  # ceil-mode windows past the padding
    (1, 2, 9, 10, (4, 4), (3, 3), (2, 1), False, False, 5),
    (3, 1, 1, 12, (1, 4), (1, 3), (0, 2), False, True, -3),  # avg_pool1d, a negative override
    (0, 2, 4, 4, (2, 2), (2, 2), (0, 0), False, True, 0),
]


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("case", AVG_POOL_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_avg_pool_matches_torch(case, dtype):
    n, c, h, w, k, s, p, ceil, inc, div = case
    F = _torch().nn.functional
    rng = np.random.default_rng(h * w + k[0])
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    xt = _t64(x)
    y_ref = F.avg_pool2d(xt, k, s, p, ceil, inc, divisor_override=div or None)
    dy = rng.standard_normal(tuple(y_ref.shape)).astype(dtype)
    y_ref.backward(_t64(dy, False))
    ns = backend.kernels(_dev(x))
    Y, DX = _poisoned(dy.shape, dtype), _poisoned(x.shape, dtype)
    _twin(ns, "avg_pool2d_forward", (0,), Y, _dev(x), k, s, p, ceil, inc, div)
    _twin(ns, "avg_pool2d_backward", (0,), DX, _dev(dy), k, s, p, ceil, inc, div)
    _close(_host(Y), y_ref.detach().numpy(), dtype, "y")
    _close(_host(DX), xt.grad.numpy(), dtype, "dx")


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("hw,out", [((7, 8), (3, 5)), ((5, 5), (1, 1)), ((4, 3), (9, 7)), ((1, 10), (1, 4))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_adaptive_avg_pool_matches_torch(hw, out, dtype):
    F = _torch().nn.functional
    x = np.random.default_rng(hw[0]).standard_normal((2, 3, *hw)).astype(dtype)
    xt = _t64(x)
    y_ref = F.adaptive_avg_pool2d(xt, out)
    dy = np.random.default_rng(1).standard_normal(tuple(y_ref.shape)).astype(dtype)
    y_ref.backward(_t64(dy, False))
    ns = backend.kernels(_dev(x))
    Y, DX = _poisoned(dy.shape, dtype), _poisoned(x.shape, dtype)
    _twin(ns, "adaptive_avg_pool2d_forward", (0,), Y, _dev(x))
    _twin(ns, "adaptive_avg_pool2d_backward", (0,), DX, _dev(dy))
    _close(_host(Y), y_ref.detach().numpy(), dtype, "y")
    _close(_host(DX), xt.grad.numpy(), dtype, "dx")


# ---- batch norm and GELU ---------------------------------------------------------------------------


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("shape", [(7, 5), (4, 3, 9), (3, 6, 5, 7), (2, 4, 40, 41), (2, 3, 1, 1)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_batch_norm_matches_torch(shape, affine, dtype):
    torch = _torch()
    F = torch.nn.functional
    rng = np.random.default_rng(len(shape) + shape[-1])
    c, eps = shape[1], 1e-5
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    wb = [rng.standard_normal(c).astype(dtype) for _ in range(2)] if affine else [None, None]
    xt = _t64(x)
    wt, bt = [_t64(a) if a is not None else None for a in wb]
    axes = (0,) + tuple(range(2, len(shape)))
    y_ref = F.batch_norm(xt, None, None, wt, bt, training=True, eps=eps)
    dy = rng.standard_normal(shape).astype(dtype)
    y_ref.backward(_t64(dy, False))
    mean_ref, var_ref = x.astype(np.float64).mean(axis=axes), x.astype(np.float64).var(axis=axes)
    ns = backend.kernels(_dev(x))
    W, B = [_dev(a) if a is not None else None for a in wb]
    Y, M, V = _poisoned(shape, dtype), _poisoned(c, dtype), _poisoned(c, dtype)
    _twin(ns, "batch_norm_forward", (0, 1, 2), Y, M, V, _dev(x), W, B, eps)
    _close(_host(Y), y_ref.detach().numpy(), dtype, "y", 4.0)
    _close(_host(M), mean_ref, dtype, "mean", 4.0)
    _close(_host(V), var_ref, dtype, "var", 10.0)
    DX = _poisoned(shape, dtype)
    DW, DB = (_poisoned(c, dtype), _poisoned(c, dtype)) if affine else (None, None)
    _twin(ns, "batch_norm_backward", (0, 1, 2), DX, DW, DB, _dev(dy), _dev(x), M, V, W, eps)
    _close(_host(DX), xt.grad.numpy(), dtype, "dx", 4.0)
    if affine:
        red = float(np.sqrt(dy.size / c)) * 3
        _close(_host(DW), wt.grad.numpy(), dtype, "dweight", red)
        _close(_host(DB), bt.grad.numpy(), dtype, "dbias", red)
    rm, rv = rng.standard_normal(c).astype(dtype), (rng.random(c) + 0.5).astype(dtype)
    y_eval = F.batch_norm(xt, _t64(rm, False), _t64(rv, False), wt, bt, training=False, eps=eps)
    Y = _poisoned(shape, dtype)
    _twin(ns, "batch_norm_inference", (0,), Y, _dev(x), _dev(rm), _dev(rv), W, B, eps)
    _close(_host(Y), y_eval.detach().numpy(), dtype, "y eval", 8.0)


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_batch_norm_backward_of_an_empty_batch(dtype):
    """N = 0: the statistics are nan (0/0), dx empty, dweight and dbias 0 (as torch and the CPU
    kernel; the CUDA kernel gave dweight = 0 * nan = nan on the H200)."""
    ns = backend.kernels("cuda")
    x = np.zeros((0, 3, 4), dtype)
    W, B = _dev(np.ones(3, dtype)), _dev(np.zeros(3, dtype))
    Y, M, V = _dev(x.copy()), _poisoned(3, dtype), _poisoned(3, dtype)
    ns.batch_norm_forward(Y, M, V, _dev(x), W, B, 1e-5)
    DX, DW, DB = _dev(x.copy()), _poisoned(3, dtype), _poisoned(3, dtype)
    _twin(ns, "batch_norm_backward", (0, 1, 2), DX, DW, DB, _dev(x), _dev(x), M, V, W, 1e-5)
    np.testing.assert_array_equal(_host(DW), np.zeros(3, dtype))
    np.testing.assert_array_equal(_host(DB), np.zeros(3, dtype))


@needs_device
@pytest.mark.cuda
@pytest.mark.parametrize("approximate", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_gelu_matches_torch(approximate, dtype):
    F = _torch().nn.functional
    x = np.concatenate([np.linspace(-12, 12, 1001), [0.0, -0.0, np.inf, -np.inf]]).astype(dtype)
    x = np.concatenate([x, np.random.default_rng(0).standard_normal(3 * 257).astype(dtype)])
    xt = _t64(x)
    y_ref = F.gelu(xt, approximate="tanh" if approximate else "none")
    dy = np.random.default_rng(1).standard_normal(x.shape).astype(dtype)
    y_ref.backward(_t64(dy, False))
    ns = backend.kernels(_dev(x))
    Y, DX = _poisoned(x.shape, dtype), _poisoned(x.shape, dtype)
    _twin(ns, "gelu_forward", (0,), Y, _dev(x), approximate)
    _twin(ns, "gelu_backward", (0,), DX, _dev(dy), _dev(x), approximate)
    fin = np.isfinite(x)
    _close(_host(Y)[fin], y_ref.detach().numpy()[fin], dtype, "y", 1.0 if dtype == np.float64 else 12.0)
    _close(_host(DX)[fin], xt.grad.numpy()[fin], dtype, "dx", 2.0)
    np.testing.assert_array_equal(_host(Y)[~fin], y_ref.detach().numpy()[~fin].astype(dtype))
