"""Hypothesis strategies that draw calls of the table's ops for tests/test_op_fuzz.py.

Each builder takes the OpInfo and returns a strategy of Samples (numpy arrays anywhere in
args/kwargs, as the table's samples). Arrays come in every dtype dlcore takes (float32, float64,
int32, int64, uint8, bool: the torch oracle decides which an op must accept), any shape of 0-4 dims
with sides 0-4, and a layout: contiguous, transposed, strided slice, negative strides or a
broadcast (stride 0) view, each a numpy view passed through dlcore.from_numpy as it is.
Float values mix specials (nan, +-inf, +-0, the smallest subnormal and normal, huge) into
ordinary values. Ops that sum terms draw ordinary values from a 1/8 grid in [-16, 16] and no huge
values, so every partial sum is exact and the summation order (dlcore's vs torch's) cannot change
the result; elementwise ops draw any finite float. Integer arguments (dims, sizes) run one past
their valid range on each side, so the error paths are drawn too.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .core import SUMMING, Sample

DTYPES = ("float32", "float64", "int32", "int64", "uint8", "bool")
FLOATS = ("float32", "float64")
LAYOUTS = ("contiguous", "contiguous", "transposed", "strided", "flipped", "broadcast")


def _specials(dtype: str, huge: bool) -> list:
    info = np.finfo(dtype)
    out = [np.nan, np.inf, -np.inf, 0.0, -0.0, float(info.smallest_subnormal), -float(info.tiny)]
    return out + ([float(info.max), -float(info.max) / 3, 1e30] if huge else [])


def elements(dtype: str, summing: bool) -> st.SearchStrategy:
    """Values of one array element of dtype (see the module header for the mix)."""
    if dtype == "bool":
        return st.booleans()
    if dtype == "uint8":
        return st.integers(0, 255)
    if dtype in ("int32", "int64"):
        return st.integers(-20, 20) if summing else st.integers(-1000, 1000)
    ordinary = (
        st.integers(-128, 128).map(lambda k: k / 8)
        if summing
        else st.floats(-1e4, 1e4, width=32 if dtype == "float32" else 64)
    )
    return st.one_of(ordinary, ordinary, ordinary, st.sampled_from(_specials(dtype, huge=not summing)))


def _summing(op) -> bool:
    return op.tol is SUMMING


@st.composite
def array(draw, op, shape=None, dtypes=DTYPES, layouts=LAYOUTS):
    """One numpy array for op: shape drawn when None, dtype from dtypes, layout from layouts."""
    if shape is None:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
    shape = tuple(shape)
    dtype = draw(st.sampled_from(dtypes))
    layout = draw(st.sampled_from(layouts)) if shape else "contiguous"
    base = {"transposed": shape[::-1], "broadcast": (1,) + shape[1:]}.get(layout, shape)
    if layout == "strided":
        axis = draw(st.integers(0, len(shape) - 1))
        base = shape[:axis] + (2 * shape[axis],) + shape[axis + 1 :]
    a = draw(hnp.arrays(dtype, base, elements=elements(dtype, _summing(op))))
    if layout == "transposed":
        return a.T
    if layout == "strided":
        return a[(slice(None),) * axis + (slice(None, None, 2),)]
    if layout == "flipped":
        return a[(slice(None, None, -1),) * len(shape)]
    if layout == "broadcast":
        return np.broadcast_to(a, shape)
    return a


def _dim(draw, ndim: int) -> int:
    """A dim for an ndim tensor, one past the valid range on each side (0-d takes -1 and 0)."""
    n = max(ndim, 1)
    return draw(st.integers(-n - 1, n))


# ---- builders by argument structure ----------------------------------------------------------


def unary(op):
    return array(op).map(lambda x: Sample((x,)))


@st.composite
def _binary(draw, op, scalars=True):
    if draw(st.integers(0, 9)) == 0:  # shapes drawn apart: mostly not broadcastable
        shapes = [draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)) for _ in range(2)]
    else:
        shapes = draw(
            hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, min_side=0, max_side=4)
        ).input_shapes
    a, b = (draw(array(op, s)) for s in shapes)
    scalar = draw(st.integers(0, 5)) if scalars else 1
    if scalar == 0:  # python scalar on one side: float, int or bool, as torch takes
        s = draw(st.one_of(st.floats(allow_nan=True, width=32), st.integers(-4, 4), st.booleans()))
        return Sample((a, s)) if draw(st.booleans()) else Sample((s, b))
    return Sample((a, b))


def binary(op):
    return _binary(op)


@st.composite
def _where(draw, op):
    shapes = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, min_side=0, max_side=4)
    ).input_shapes
    cond = draw(array(op, shapes[0], dtypes=("bool", "bool", "bool", "float32")))
    a = draw(array(op, shapes[1]))
    b = draw(st.one_of(array(op, shapes[2]), st.floats(-4, 4)))
    return Sample((cond, a, b))


def where(op):
    return _where(op)


@st.composite
def _clamp(draw, op):
    x = draw(array(op))
    bound = st.one_of(
        st.none(), st.floats(-4, 4), st.integers(-4, 4), st.sampled_from([np.nan, np.inf, -np.inf])
    )
    return Sample((x,), {"min": draw(bound), "max": draw(bound)})


def clamp(op):
    return _clamp(op)


@st.composite
def _reduce(draw, op, with_tuple=True):
    x = draw(array(op))
    kind = draw(st.sampled_from(["none", "int", "tuple"] if with_tuple else ["none", "int"]))
    kwargs = {}
    if kind == "int":
        kwargs["dim"] = _dim(draw, x.ndim)
    elif kind == "tuple":
        kwargs["dim"] = tuple(draw(st.lists(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1), max_size=3)))
    if draw(st.booleans()):
        kwargs["keepdim"] = draw(st.booleans())
    return Sample((x,), kwargs)


def reduction(op):
    return _reduce(op)


def argmax(op):
    return _reduce(op, with_tuple=False)


@st.composite
def _new_shape(draw, shape):
    """A shape with numel(shape) elements (often with a -1), or now and then any shape."""
    size = int(np.prod(shape))
    choice = draw(st.integers(0, 4))
    if choice == 0:
        return draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    if choice == 1:
        return (-1,)
    target = list(draw(st.permutations(list(shape))))
    if target and choice == 2:
        target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target) if size else tuple(target) + (draw(st.integers(0, 2)),) * (choice == 3)


@st.composite
def _reshape(draw, op):
    x = draw(array(op))
    new = draw(_new_shape(x.shape))
    return Sample((x, *new)) if new and draw(st.booleans()) else Sample((x, new))


def reshape(op):
    return _reshape(op)


@st.composite
def _permute(draw, op):
    x = draw(array(op))
    dims = list(draw(st.permutations(range(x.ndim))))
    dims = [d - x.ndim if draw(st.booleans()) else d for d in dims]
    if draw(st.integers(0, 5)) == 0:
        dims = draw(st.lists(st.integers(-3, 3), max_size=4))
    return Sample((x, tuple(dims)))


def permute(op):
    return _permute(op)


@st.composite
def _dims_op(draw, op, count, kw=None, extra=0):
    """x and `count` dims (one past the range both ways; unsqueeze's range is one wider)."""
    x = draw(array(op))
    dims = [draw(st.integers(-max(x.ndim + extra, 1) - 1, max(x.ndim + extra, 1))) for _ in range(count)]
    if kw:
        return Sample((x,), dict(zip(kw, dims)))
    return Sample((x, *dims))


def transpose(op):
    return _dims_op(op, 2)


def flatten(op):
    return st.one_of(
        _dims_op(op, 0), _dims_op(op, 1), _dims_op(op, 2), _dims_op(op, 2, kw=("start_dim", "end_dim"))
    )


@st.composite
def _squeeze(draw, op):
    x = draw(array(op, draw(st.lists(st.integers(0, 2), max_size=4))))
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return Sample((x,))
    if kind == 1:
        return Sample((x, _dim(draw, x.ndim)))
    return Sample((x, tuple(draw(st.lists(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1), max_size=3)))))


def squeeze(op):
    return _squeeze(op)


def unsqueeze(op):
    return _dims_op(op, 1, extra=1)


@st.composite
def _join(draw, op, stack):
    shape = draw(hnp.array_shapes(min_dims=0 if stack else 1, max_dims=3, min_side=0, max_side=3))
    n = draw(st.integers(1, 3))
    dim = draw(st.integers(-len(shape) - 1 - stack, len(shape) + stack))
    shapes = []
    for _ in range(n):
        s = list(shape)
        if not stack and draw(st.booleans()) and -len(s) <= dim < len(s):
            s[dim] = draw(st.integers(0, 3))
        if draw(st.integers(0, 9)) == 0:  # now and then a mismatched part
            s = list(draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)))
        shapes.append(tuple(s))
    xs = [draw(array(op, s)) for s in shapes]
    return Sample((xs, dim)) if draw(st.booleans()) else Sample((xs,), {"dim": dim})


def cat(op):
    return _join(op, stack=False)


def stack(op):
    return _join(op, stack=True)


@st.composite
def _getitem(draw, op):
    x = draw(array(op, draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        index = draw(hnp.basic_indices(x.shape, allow_newaxis=True))
    elif kind == 1:
        index = draw(
            hnp.integer_array_indices(
                x.shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)
            )
        )
    elif kind == 2:
        index = draw(hnp.arrays(bool, x.shape))
    else:
        index = draw(st.integers(-x.shape[0] - 1, x.shape[0]))  # out of bounds both ways
    return Sample((x, index))


def getitem(op):
    return _getitem(op)


@st.composite
def _matmul(draw, op):
    sig = "(m?,n),(n,p?)->(m?,p?)"
    shapes = draw(
        hnp.mutually_broadcastable_shapes(signature=sig, max_dims=4, min_side=0, max_side=4)
    ).input_shapes
    if draw(st.integers(0, 9)) == 0:  # K drawn apart: mostly a mismatch, or a 0-d operand
        shapes = (shapes[0], draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)))
    return Sample(tuple(draw(array(op, s)) for s in shapes))


def matmul(op):
    return _matmul(op)


@st.composite
def _linear(draw, op, layer=False):
    fin, fout = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
    width = fin if draw(st.integers(0, 9)) else draw(st.integers(0, 5))
    x = draw(array(op, batch + (width,), dtypes=FLOATS + ("int64",)))
    dtype = st.sampled_from([x.dtype.name] * 4 + list(FLOATS))
    w = draw(array(op, (fout, fin), dtypes=[draw(dtype)]))
    b = draw(st.one_of(st.none(), array(op, (fout,), dtypes=[w.dtype.name])))
    if not layer:
        return Sample((x, w) if b is None else (x, w, b))
    init = {"in_features": fin, "out_features": fout, "bias": b is not None}
    return Sample((x,), {"init": init, "state": {"weight": w, **({} if b is None else {"bias": b})}})


def linear(op):
    return _linear(op)


def linear_layer(op):
    return _linear(op, layer=True)


@st.composite
def _sequential_layer(draw, op):
    sample = draw(_linear(op, layer=True))
    w, fout = sample.kwargs["state"]["weight"], sample.kwargs["init"]["out_features"]
    w2 = draw(array(op, (2, fout), dtypes=[w.dtype.name]))
    layers = [
        ("Linear", sample.kwargs["init"]),
        ("ReLU", {}),
        ("Linear", {"in_features": fout, "out_features": 2, "bias": False}),
    ]
    state = {f"0.{k}": v for k, v in sample.kwargs["state"].items()} | {"2.weight": w2}
    return Sample(sample.args, {"init": {"layers": layers}, "state": state})


def sequential_layer(op):
    return _sequential_layer(op)


@st.composite
def _softmax(draw, op):
    x = draw(array(op))
    return Sample((x,), {"dim": _dim(draw, x.ndim)})


def softmax(op):
    return _softmax(op)


REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


@st.composite
def _regression_loss(draw, op, huber=False):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    tshape = (
        shape
        if draw(st.integers(0, 9))
        else draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    )
    kwargs = {"reduction": draw(REDUCTIONS)}
    if huber and draw(st.booleans()):
        kwargs["delta"] = draw(st.sampled_from([0.5, 1.0, 2.0, 1e-3, 0.0, -1.0]))
    return Sample((draw(array(op, shape, dtypes=FLOATS)), draw(array(op, tshape, dtypes=FLOATS))), kwargs)


@st.composite
def _class_loss(draw, op):
    c = draw(st.integers(1, 4))
    shape = draw(st.sampled_from([(c,), (3, c), (0, c), (2, c, 3)]))
    x = draw(array(op, shape, dtypes=FLOATS))
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = draw(
        hnp.arrays(
            np.int64,
            tshape,
            elements=st.integers(0, c - 1) if draw(st.integers(0, 9)) else st.integers(-1, c),
        )
    )
    return Sample((x, t), {"reduction": draw(REDUCTIONS)})


def loss(name):
    def build(op):
        if name in ("cross_entropy", "nll_loss"):
            return _class_loss(op)
        if name.startswith("binary_cross_entropy"):
            return _bce(op, logits=name.endswith("logits"))
        if name == "smooth_l1_loss":
            return _smooth_l1(op)
        return _regression_loss(op, huber=name == "huber_loss")

    return build


@st.composite
def _dropout(draw, op):
    x = draw(array(op))
    training = draw(st.booleans())
    p = draw(st.sampled_from([0.0, 1.0, 1.5, -0.1])) if training else draw(st.floats(0, 1))
    return Sample((x,), {"p": p, "training": training})


def dropout(op):
    return _dropout(op)


# ---- layers: the functional builders with the module's constructor arguments ------------------


def layer_of(name, dim=False):
    @st.composite
    def build(draw, op):
        x = draw(array(op))
        init, train = {}, True
        if dim:
            init["dim"] = _dim(draw, x.ndim)
        if name == "Flatten":
            init = {"start_dim": _dim(draw, x.ndim), "end_dim": _dim(draw, x.ndim)}
        if name == "LeakyReLU" and draw(st.booleans()):
            init["negative_slope"] = draw(st.sampled_from([0.0, 0.2, -0.5, 3.0]))
        if name == "Dropout":
            train = draw(st.booleans())
            init["p"] = draw(st.sampled_from([0.0, 1.0])) if train else 0.5
        return Sample((x,), {"init": init, "train": train})

    return build


def loss_layer(name):
    fn = {
        "MSELoss": "mse_loss",
        "L1Loss": "l1_loss",
        "HuberLoss": "huber_loss",
        "CrossEntropyLoss": "cross_entropy",
        "NLLLoss": "nll_loss",
        "SmoothL1Loss": "smooth_l1_loss",
        "BCELoss": "binary_cross_entropy",
        "BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
    }[name]

    def init(s):  # weight and pos_weight are tensors (buffers in torch): left to the functional fuzz
        return {k: v for k, v in s.kwargs.items() if k not in ("weight", "pos_weight")}

    def build(op):
        return loss(fn)(op).map(lambda s: Sample(s.args, {"init": init(s)}))

    return build


# ---- builders for the porting entries (max/min forms, expand) --------------------------------


def tensor_pair(op):
    """Two tensors, mostly broadcastable: torch.max(a, b), isclose ... take no Python number."""
    return _binary(op, scalars=False)


def extreme(op):
    """max(x) / min(x) (the 0-d reduction) or max(a, b) (the elementwise pair)."""
    return st.one_of(unary(op), tensor_pair(op))


@st.composite
def _over_dim(draw, op):
    x = draw(array(op))
    kwargs = {"dim": _dim(draw, x.ndim)}
    if draw(st.booleans()):
        kwargs["keepdim"] = draw(st.booleans())
    return Sample((x,), kwargs)


def over_dim(op):
    """max(x, dim) / min(x, dim): always an int dim (the named-tuple form)."""
    return _over_dim(op)


@st.composite
def _expand(draw, op):
    x = draw(array(op))
    lead = draw(st.lists(st.integers(0, 3), min_size=0 if x.ndim else 1, max_size=2))
    sizes = [draw(st.sampled_from([-1, n, 3, 0] if n == 1 else [-1, n, n + 1])) for n in x.shape]
    return Sample((x, *lead, *sizes))


def expand(op):
    return _expand(op)


@st.composite
def _expand_as(draw, op):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=4, min_side=0, max_side=4))
    target = draw(array(op, shapes.result_shape))
    x = draw(array(op, shapes.input_shapes[0]))
    return Sample((x, target))


def expand_as(op):
    return _expand_as(op)


# ---- builders for the porting entries of h7 (porting_math.py, porting_nn.py) ------------------


@st.composite
def _flip(draw, op):
    x = draw(array(op))
    n = max(x.ndim, 1)
    dims = draw(st.lists(st.integers(-n - 1, n), max_size=3))
    return Sample((x, tuple(dims) if draw(st.booleans()) else dims))


def flip(op):
    """flip(x, dims): a list or tuple of dims, repeats and out-of-range ones now and then."""
    return _flip(op)


@st.composite
def _var(draw, op):
    sample = draw(_reduce(op))
    kwargs = dict(sample.kwargs)
    kind = draw(st.integers(0, 3))
    if kind == 1:
        kwargs["correction"] = draw(st.sampled_from([0, 1, 2, 5]))
    elif kind == 2:
        kwargs["unbiased"] = draw(st.booleans())
    elif kind == 3 and "dim" in kwargs:
        kwargs["unbiased"], kwargs["correction"] = True, 1  # both: an error
    return Sample(sample.args, kwargs)


def var(op):
    """var/std(x, dim, keepdim, correction | unbiased)."""
    return _var(op)


@st.composite
def _cumsum(draw, op):
    x = draw(array(op))
    return Sample((x, _dim(draw, x.ndim)))


def cumsum(op):
    return _cumsum(op)


@st.composite
def _masked_fill(draw, op):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=4, min_side=0, max_side=4))
    x = draw(array(op, shapes.result_shape))
    mshape = shapes.input_shapes[0] if draw(st.integers(0, 9)) else draw(hnp.array_shapes(max_dims=3))
    mask = draw(array(op, mshape, dtypes=("bool", "bool", "bool", "float32", "uint8")))
    value = draw(
        st.one_of(
            st.floats(-4, 4), st.integers(-4, 4), st.booleans(), st.sampled_from([np.nan, np.inf, -np.inf])
        )
    )
    return Sample((x, mask, value))


def masked_fill(op):
    """masked_fill(x, mask, value): a mask broadcastable to x (mostly bool), a python value."""
    return _masked_fill(op)


@st.composite
def _gather(draw, op):
    x = draw(array(op))
    dim = _dim(draw, x.ndim)
    size = x.shape[dim] if -x.ndim <= dim < x.ndim else 1
    ishape = tuple(draw(st.integers(0, n)) for n in x.shape) if x.ndim else ()
    if draw(st.integers(0, 9)) == 0:  # index rank or sides drawn apart
        ishape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
    in_range = draw(st.integers(0, 5)) > 0
    elements = st.integers(0, max(size - 1, 0)) if in_range else st.integers(-size - 1, size)
    index = draw(hnp.arrays(draw(st.sampled_from(["int64", "int64", "int32"])), ishape, elements=elements))
    return Sample((x, dim, index))


def gather(op):
    """gather(x, dim, index): index sides up to x's, values mostly in range, now and then not."""
    return _gather(op)


@st.composite
def _sort(draw, op):
    x = draw(array(op))
    kwargs = {"dim": _dim(draw, x.ndim)} if draw(st.booleans()) else {}
    if draw(st.booleans()):
        kwargs["descending"] = draw(st.booleans())
    if draw(st.booleans()):
        kwargs["stable"] = True  # ties in a stable order: indices comparable with torch
    return Sample((x,), kwargs)


def sort(op):
    return _sort(op)


@st.composite
def _topk(draw, op):
    x = draw(array(op))
    dim = _dim(draw, x.ndim)
    size = x.shape[dim] if -x.ndim <= dim < x.ndim else 1
    k = draw(st.integers(-1, size + 1))
    kwargs = {"dim": dim} if draw(st.booleans()) or dim != -1 else {}
    if draw(st.booleans()):
        kwargs["largest"] = draw(st.booleans())
    return Sample((x, k), kwargs)


def topk(op):
    """topk(x, k, dim, largest): k from -1 to one past the dim's size."""
    return _topk(op)


@st.composite
def _repeat(draw, op):
    x = draw(array(op))
    sizes = draw(st.lists(st.integers(0, 3), min_size=max(x.ndim - 1, 0), max_size=x.ndim + 2))
    if draw(st.integers(0, 9)) == 0:
        sizes[:1] = [-1]
    return Sample((x, tuple(sizes))) if draw(st.booleans()) else Sample((x, *sizes))


def repeat(op):
    """x.repeat(*sizes): sizes from one fewer than x's dims (an error) to two more, a -1 now and then."""
    return _repeat(op)


@st.composite
def _inplace(draw, op):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=4, min_side=0, max_side=4))
    x = draw(array(op, shapes.result_shape))
    oshape = shapes.input_shapes[0] if draw(st.integers(0, 9)) else draw(hnp.array_shapes(max_dims=3))
    if draw(st.integers(0, 5)) == 0:
        return Sample((x, draw(st.one_of(st.floats(allow_nan=True, width=32), st.integers(-4, 4)))))
    return Sample((x, draw(array(op, oshape))))


def inplace(op):
    """x.op_(other): other mostly broadcastable to x (the result keeps x's shape), or a number."""
    return _inplace(op)


@st.composite
def _leaky_relu(draw, op):
    x = draw(array(op))
    if draw(st.booleans()):
        return Sample((x,))
    return Sample((x,), {"negative_slope": draw(st.sampled_from([0.0, 0.2, -0.5, 1.0, 3.0]))})


def leaky_relu(op):
    return _leaky_relu(op)


@st.composite
def _smooth_l1(draw, op):
    sample = draw(_regression_loss(op))
    if draw(st.booleans()):
        return Sample(
            sample.args, {**sample.kwargs, "beta": draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, -1.0]))}
        )
    return sample


def smooth_l1(op):
    return _smooth_l1(op)


@st.composite
def _one_hot(draw, op):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    c = draw(st.integers(1, 5))
    values = st.integers(0, c - 1) if draw(st.integers(0, 5)) else st.integers(-1, c)
    dtype = draw(st.sampled_from(["int64"] * 4 + ["int32", "uint8", "float32", "bool"]))
    x = draw(hnp.arrays(dtype, shape, elements=values if dtype != "bool" else st.booleans()))
    num = draw(st.sampled_from([-1, c, c + 2, c - 1]))
    return Sample((x,)) if num == -1 and draw(st.booleans()) else Sample((x, num))


def one_hot(op):
    """one_hot(x, num_classes): mostly int64 classes in range, -1 (inferred) or a count."""
    return _one_hot(op)


@st.composite
def _bce(draw, op, logits):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    tshape = shape if draw(st.integers(0, 9)) else draw(hnp.array_shapes(min_dims=0, max_dims=3))
    if logits:
        x = draw(array(op, shape, dtypes=DTYPES))
    else:  # probabilities, the ends and now and then outside [0, 1]
        values = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 1e-30, np.nan, 1.5, -0.5]))
        x = draw(hnp.arrays(draw(st.sampled_from(FLOATS + ("float32",))), shape, elements=values))
    t = draw(array(op, tshape, dtypes=FLOATS + ("float32", "bool")))
    kwargs = {"reduction": draw(REDUCTIONS)}
    last = shape[-1:] if shape else ()
    if draw(st.integers(0, 3)) == 0:
        kwargs["weight"] = draw(array(op, draw(st.sampled_from([last, (), (1,)])), dtypes=FLOATS))
    if logits and draw(st.integers(0, 3)) == 0:
        kwargs["pos_weight"] = draw(array(op, draw(st.sampled_from([last, (), (1,)])), dtypes=FLOATS))
    return Sample((x, t), kwargs)


def bce(logits):
    """binary_cross_entropy[_with_logits](input, target, weight, pos_weight, reduction)."""

    def build(op):
        return _bce(op, logits)

    return build
