"""Op-table entries for issue 18's normalization, GELU and channel dropout: nn.functional's
batch_norm (training with batch statistics; eval with fixed statistics), layer_norm, gelu,
dropout1d/dropout2d, and the layers BatchNorm1d/2d, LayerNorm, GELU, Dropout1d/2d; with their
fuzz builders.

Running statistics are never sample arrays: every floating array is a differentiable input, and
torch refuses a gradient through them (and a training call would update them in place). The eval
entries take them from `_stats(C)` (fixed per channel count), the same on both sides; the
BatchNorm layers set their buffers to those values, cast to the input's dtype with the module.
The random channel masks are tested apart (tests/test_norm_layers.py); here p is 0 or 1, or eval.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dlcore
import dlcore.nn.functional as F

from . import fuzzing as fz
from .core import ELEMENTWISE, SUMMING, Maker, OpInfo, Sample, _bad, _ones, _torch
from .layers import _dlcore_layer, _on_inputs_device, _torch_layer


def _torch_mod():
    return importlib.import_module("torch")


def _stats(c: int, dtype) -> tuple:
    """Fixed running statistics for c channels: means in [-0.5, 0.5], variances in [0.5, 2]."""
    return np.linspace(-0.5, 0.5, c).astype(dtype), np.linspace(0.5, 2.0, c).astype(dtype)


def _floating(x) -> bool:
    return str(getattr(x, "dtype", "")).removeprefix("torch.") in ("float32", "float64")


def _channels(x) -> int:
    return x.shape[1] if x.ndim >= 2 else 0


# ---- batch_norm in eval mode, with fixed statistics -----------------------------------------


def dlcore_batch_norm_eval(x, *wb, eps=1e-5):
    mean, var = _stats(_channels(x), x.dtype if _floating(x) else np.float32)
    device = x.device if isinstance(x, dlcore.Tensor) else "cpu"  # the statistics beside the input
    mean, var = dlcore.from_numpy(mean).to(device), dlcore.from_numpy(var).to(device)
    return F.batch_norm(x, mean, var, *wb, training=False, eps=eps)


def torch_batch_norm_eval(x, *wb, eps=1e-5):
    torch = _torch_mod()
    dtype = str(x.dtype).removeprefix("torch.") if _floating(x) else "float32"
    mean, var = (torch.from_numpy(a) for a in _stats(_channels(x), dtype))
    return torch.nn.functional.batch_norm(x, mean, var, *wb, training=False, eps=eps)


# ---- the BatchNorm layers, with fixed running statistics -------------------------------------


def _bn_dlcore(name):
    plain = _dlcore_layer(name)

    def call(x, init=None, state=None, train=True):
        module = getattr(dlcore.nn, name)(**(init or {}))
        module.train(train)
        if _floating(x):
            module.to(dtype=x.dtype)
        if module.running_mean is not None:
            mean, var = _stats(module.num_features, module.running_mean.dtype)
            module.running_mean.data[...], module.running_var.data[...] = mean, var
        _on_inputs_device(module, (x,))  # after the statistics are set (numpy values)
        for leaf, t in (state or {}).items():  # parameters only: the buffers are set above
            assert leaf in module._parameters, f"{name}: {leaf} is not a parameter"
            module._parameters[leaf] = t
        return module(x)

    call.__name__, call.module_class = plain.__name__, plain.module_class
    return call


def _bn_torch(name):
    def call(x, init=None, state=None, train=True):
        torch = _torch_mod()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            module = getattr(torch.nn, name)(**(init or {}))
        module.train(train)
        if _floating(x):
            module.to(x.dtype)
        if module.running_mean is not None:
            mean, var = _stats(module.num_features, str(module.running_mean.dtype).removeprefix("torch."))
            with torch.no_grad():
                module.running_mean.copy_(torch.from_numpy(mean))
                module.running_var.copy_(torch.from_numpy(var))
        if state is None:
            return module(x)
        return torch.func.functional_call(module, state, (x,))

    call.__name__ = f"torch.nn.{name}"
    return call


# ---- samples ---------------------------------------------------------------------------------


def batch_norm_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(6, 3), None, None, m(3), m(3)), {"training": True}, desc="(N, C)")
    yield Sample(
        (m(4, 3, 5, layout="strided"), None, None, m(3)), {"training": True}, desc="(N, C, L), weight"
    )
    yield Sample(
        (m(2, 3, 4, 5, layout="flipped"), None, None), {"training": True, "eps": 0.1}, desc="4-D, no affine"
    )
    yield Sample((m(5, 2, layout="transposed"), None, None, None, m(2)), {"training": True}, desc="bias only")
    yield Sample((m(0, 3, 2), None, None, m(3), m(3)), {"training": True}, desc="0-size batch")
    yield Sample((m(1, 2, 3), None, None, m(2), m(2)), {"training": True}, desc="one sample, L = 3")


def batch_norm_eval_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(6, 3), m(3), m(3)), desc="(N, C)")
    yield Sample((m(4, 3, 5, layout="strided"), m(3)), desc="(N, C, L), weight")
    yield Sample((m(2, 3, 4, 5, layout="flipped"),), {"eps": 0.1}, desc="4-D, no affine")
    yield Sample((m(1, 4), m(4), m(4)), desc="batch of 1")
    yield Sample((m(0, 3, 2), m(3), m(3)), desc="0-size batch")


def layer_norm_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(4, 6), (6,), m(6), m(6)), desc="last dim")
    yield Sample(
        (m(2, 3, 4, layout="flipped"), (3, 4), m(3, 4, layout="transposed")), desc="two dims, weight"
    )
    yield Sample((m(5, 3, layout="strided"), [3]), {"eps": 0.1}, desc="no affine, list shape")
    yield Sample((m(7), (7,), None, m(7)), desc="1-D, bias only")
    yield Sample((m(0, 4), (4,), m(4), m(4)), desc="0 rows")
    # one feature: y = bias, dx = 0 from terms of size |g| / sqrt(eps) (eps 0.1 keeps torch's own
    # rounding there, ~1e-13 at eps 1e-5, inside the float64 tolerance)
    yield Sample((m(3, 1), (1,), m(1), m(1)), {"eps": 0.1}, desc="one feature: y = bias")


def gelu_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    for approximate in ("none", "tanh"):
        yield Sample((m(3, 7, low=-5.0, high=5.0),), {"approximate": approximate}, desc=approximate)
    yield Sample((m(2, 3, 4, layout="flipped"),), desc="flipped")
    yield Sample((m(4, 3, layout="transposed"),), {"approximate": "tanh"}, desc="transposed, tanh")
    yield Sample((m(),), desc="0-d")
    yield Sample((m(0, 3),), desc="0-size")


def channel_dropout_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    shape = (2, 3, 4) if op.name.endswith("1d") else (2, 3, 4, 5)
    yield Sample((m(*shape),), {"p": 0.0}, desc="p = 0")
    yield Sample((m(*shape, layout="flipped"),), {"p": 0.5, "training": False}, desc="eval")
    yield Sample((m(*shape),), {"p": 1.0}, desc="p = 1: zeros")
    yield Sample((m(0, *shape[1:]),), {"p": 0.5}, desc="0-size")
    if op.name.endswith("1d"):
        yield Sample((m(3, 4),), {"p": 1.0}, desc="unbatched (C, L)")


def bn_layer_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    two = op.name.endswith("2d")
    shapes = [(4, 3, 2, 5), (2, 3, 3, 3)] if two else [(6, 3), (4, 3, 5)]

    def state(c=3, affine=True):
        return {"weight": m(c), "bias": m(c)} if affine else None

    for train in (True, False):
        yield Sample(
            (m(*shapes[0]),),
            {"init": {"num_features": 3}, "state": state(), "train": train},
            desc=f"train={train}",
        )
    yield Sample(
        (m(*shapes[1], layout="flipped"),),
        {"init": {"num_features": 3, "affine": False}, "train": True},
        desc="no affine",
    )
    yield Sample(
        (m(*shapes[1], layout="strided"),),
        {"init": {"num_features": 3, "track_running_stats": False}, "state": state(), "train": False},
        desc="eval without running stats: batch statistics",
    )
    yield Sample(
        (m(*shapes[0]),),
        {"init": {"num_features": 3, "momentum": None, "eps": 0.01}, "state": state(), "train": True},
        desc="momentum None",
    )


def layer_norm_layer_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample(
        (m(4, 6),), {"init": {"normalized_shape": 6}, "state": {"weight": m(6), "bias": m(6)}}, desc="int"
    )
    yield Sample(
        (m(2, 3, 4, layout="flipped"),),
        {"init": {"normalized_shape": (3, 4), "bias": False}, "state": {"weight": m(3, 4)}},
        desc="two dims, no bias",
    )
    yield Sample(
        (m(5, 3, layout="strided"),),
        {"init": {"normalized_shape": [3], "elementwise_affine": False}},
        desc="no affine",
    )
    yield Sample(
        (m(0, 4),), {"init": {"normalized_shape": 4}, "state": {"weight": m(4), "bias": m(4)}}, desc="0 rows"
    )


def gelu_layer_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((m(3, 7),), {"init": {}}, desc="erf")
    yield Sample((m(7, 3, layout="transposed"),), {"init": {"approximate": "tanh"}}, desc="tanh, transposed")
    yield Sample((m(2, 3, 7, layout="flipped"),), {"init": {}}, desc="negative strides")
    yield Sample((m(0, 3),), {"init": {}}, desc="0-size")


def channel_dropout_layer_samples(op, dtype, rng):
    for s in channel_dropout_samples(op, dtype, rng):
        init = {"p": s.kwargs["p"]}
        yield Sample(s.args, {"init": init, "train": s.kwargs.get("training", True)}, desc=s.desc)


# ---- bad inputs ------------------------------------------------------------------------------


def batch_norm_bad():
    x = _ones(4, 3, 2)
    return [
        _bad(
            "batch_norm",
            _ones(3),
            None,
            None,
            training=True,
            match=r"batch_norm: expected an input \(N, C, \*\)",
            desc="1-D",
        ),
        _bad(
            "batch_norm",
            x,
            None,
            None,
            _ones(4),
            training=True,
            match=r"batch_norm: weight must have shape \(3,\)",
            desc="weight size",
        ),
        _bad(
            "batch_norm",
            x,
            None,
            None,
            _ones(3, dtype=np.float64),
            training=True,
            exc=TypeError,
            match="batch_norm: weight must have the input's dtype",
            desc="weight dtype",
        ),
        _bad(
            "batch_norm",
            _ones(1, 3, 1),
            None,
            None,
            training=True,
            match="batch_norm: Expected more than 1 value per channel when training",
            desc="one value",
        ),
        _bad(
            "batch_norm",
            x,
            None,
            None,
            training=False,
            match="batch_norm: running_mean and running_var must be given in evaluation mode",
            desc="eval without stats",
        ),
        _bad(
            "batch_norm",
            x,
            None,
            None,
            training=True,
            eps=0.0,
            match="batch_norm: eps must be positive during training",
            desc="eps 0",
        ),
        _bad(
            "batch_norm",
            x.astype(np.int64),
            None,
            None,
            training=True,
            exc=TypeError,
            match="batch_norm: expected a float32 or float64 input, got int64",
            desc="int input",
        ),
    ]


def batch_norm_eval_bad():
    return [
        _bad(
            "batch_norm",
            _ones(4, 3),
            _ones(2),
            match=r"batch_norm: weight must have shape \(3,\)",
            desc="weight size",
        ),
        _bad(
            "batch_norm", _ones(4, 3), eps=-1.0, match="batch_norm: eps must be non-negative", desc="eps < 0"
        ),
    ]


def layer_norm_bad():
    x = _ones(2, 3, 4)
    return [
        _bad(
            "layer_norm",
            x,
            (3,),
            match=r"layer_norm: given normalized_shape=\(3,\), expected input with shape \(\*, 3\), "
            r"got \(2, 3, 4\)",
            desc="shape",
        ),
        _bad(
            "layer_norm",
            x,
            4,
            exc=TypeError,
            match="layer_norm: normalized_shape must be a tuple of ints",
            desc="int shape",
        ),
        _bad(
            "layer_norm",
            x,
            (),
            match="layer_norm: expected normalized_shape to have at least one element",
            desc="empty shape",
        ),
        _bad(
            "layer_norm",
            x,
            (4,),
            _ones(3),
            match=r"layer_norm: weight must have shape \(4,\)",
            desc="weight shape",
        ),
        _bad(
            "layer_norm",
            x.astype(np.int64),
            (4,),
            exc=TypeError,
            match="layer_norm: expected a float32 or float64 input",
            desc="int",
        ),
    ]


def gelu_bad():
    return [
        _bad(
            "gelu",
            _ones(3),
            approximate="erf",
            match="gelu: approximate must be 'none' or 'tanh'",
            desc="approximate",
        ),
        _bad(
            "gelu",
            _ones(3, dtype=np.int64),
            exc=TypeError,
            match="gelu: expected a floating point tensor, got int64",
            desc="int",
        ),
    ]


def channel_dropout_bad(fn):
    def bad():
        out = [
            _bad(
                fn,
                _ones(2, 3, 4),
                p=1.5,
                match=rf"{fn}: dropout probability has to be between 0 and 1",
                desc="p",
            )
        ]
        if fn == "dropout1d":
            out.append(
                _bad(
                    fn,
                    _ones(2, 3, 4, 5),
                    match=r"dropout1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input",
                    desc="4-D",
                )
            )
        else:
            out.append(
                _bad(
                    fn,
                    _ones(3),
                    match="dropout2d: feature dropout needs an input of at least 2 dims",
                    desc="1-D",
                )
            )
        return out

    return bad


def bn_layer_bad(name):
    def bad():
        x = _ones(4, 5, 2, 2) if name.endswith("2d") else _ones(4, 5)
        one = _ones(1, 3, 1, 1) if name.endswith("2d") else _ones(1, 3)
        return [
            _bad(
                name,
                x,
                init={"num_features": 3},
                match=rf"{name}\(3\): expected input with 3 channels \(dim 1\), got 5",
                desc="channels",
            ),
            _bad(
                name,
                _ones(4),
                init={"num_features": 3},
                match=rf"{name}\(3\): expected .*input, got shape \(4,\)",
                desc="rank",
            ),
            _bad(
                name,
                one,
                init={"num_features": 3},
                match=rf"{name}: Expected more than 1 value per channel when training",
                desc="one value",
            ),
            _bad(
                name,
                "x",
                init={"num_features": 3},
                exc=TypeError,
                match=rf"{name}: expected a Tensor as input, got str",
                desc="str",
            ),
            _bad(
                name,
                x,
                init={"num_features": -1},
                match=rf"{name}: num_features must be a non-negative int",
                desc="init",
            ),
        ]

    return bad


def layer_norm_layer_bad():
    return [
        _bad(
            "LayerNorm",
            _ones(2, 5),
            init={"normalized_shape": 4},
            match=r"LayerNorm\(\(4,\)\): expected input with shape \(\*, 4\), got \(2, 5\)",
            desc="shape",
        ),
        _bad(
            "LayerNorm",
            None,
            init={"normalized_shape": 4},
            exc=TypeError,
            match="LayerNorm: expected a Tensor as input, got NoneType",
            desc="None",
        ),
    ]


def gelu_layer_bad():
    return [
        _bad(
            "GELU",
            _ones(2),
            init={"approximate": "erf"},
            match="GELU: approximate must be 'none' or 'tanh'",
            desc="approximate",
        ),
        _bad(
            "GELU",
            None,
            init={},
            exc=TypeError,
            match="GELU: expected a Tensor as input, got NoneType",
            desc="None",
        ),
    ]


def channel_dropout_layer_bad(name):
    def bad():
        return [
            _bad(name, _ones(2, 3, 4), init={"p": -0.5}, match=rf"{name}: p must be in \[0, 1\]", desc="p"),
            _bad(
                name,
                None,
                init={},
                exc=TypeError,
                match=rf"{name}: expected a Tensor as input, got NoneType",
                desc="None",
            ),
        ]

    return bad


# ---- fuzz builders ---------------------------------------------------------------------------

FLOATS_AND_INT = (*fz.FLOATS, "int64")
EPS = st.sampled_from([1e-5, 1e-5, 0.1, 0.0, -1.0])


@st.composite
def _params(draw, op, shape, x, count=2):
    """weight, bias: None or arrays of `shape` (now and then another size or dtype)."""
    out = []
    for _ in range(count):
        if draw(st.booleans()):
            out.append(None)
            continue
        bad_shape = tuple(draw(st.integers(0, 4)) for _ in shape) if not draw(st.integers(0, 9)) else shape
        dtype = (
            x.dtype.name
            if x.dtype.kind == "f" and draw(st.integers(0, 9))
            else draw(st.sampled_from(fz.FLOATS))
        )
        out.append(draw(fz.array(op, bad_shape, dtypes=[dtype])))
    return out


@st.composite
def _batch_norm(draw, op, training):
    x = draw(fz.array(op, dtypes=FLOATS_AND_INT))
    w, b = draw(_params(op, (x.shape[1] if x.ndim >= 2 else 2,), x))
    if training:
        return Sample((x, None, None, w, b), {"training": True, "eps": draw(EPS)})
    return Sample((x, w, b), {"eps": draw(EPS)})


def batch_norm_fuzz(op):
    return _batch_norm(op, training=True)


def batch_norm_eval_fuzz(op):
    return _batch_norm(op, training=False)


@st.composite
def _layer_norm(draw, op):
    x = draw(fz.array(op, dtypes=FLOATS_AND_INT))
    k = draw(st.integers(0, min(x.ndim, 3) + 1))
    shape = x.shape[x.ndim - k :] if k <= x.ndim else (2,) * k
    if not draw(st.integers(0, 9)):
        shape = tuple(draw(st.integers(0, 4)) for _ in shape)
    w, b = draw(_params(op, tuple(shape), x))
    return Sample((x, list(shape) if draw(st.booleans()) else tuple(shape), w, b), {"eps": draw(EPS)})


@st.composite
def _layer_norm_layer(draw, op):
    """LayerNorm(normalized_shape, elementwise_affine, bias), weights of x's dtype when given."""
    x = draw(fz.array(op, dtypes=FLOATS_AND_INT))
    k = draw(st.integers(1, min(x.ndim, 3) + 1))
    shape = tuple(x.shape[x.ndim - k :]) if k <= x.ndim else (2,) * k
    if not draw(st.integers(0, 9)):
        shape = tuple(draw(st.integers(0, 4)) for _ in shape)
    init = {"normalized_shape": shape, "elementwise_affine": draw(st.booleans()), "bias": draw(st.booleans())}
    kw = {"init": init}
    if init["elementwise_affine"] and x.dtype.kind == "f" and draw(st.booleans()):
        names = ("weight", "bias") if init["bias"] else ("weight",)
        kw["state"] = {n: draw(fz.array(op, shape, dtypes=[x.dtype.name])) for n in names}
    return Sample((x,), kw)


def layer_norm_fuzz(op):
    return _layer_norm(op)


def layer_norm_layer_fuzz(op):
    return _layer_norm_layer(op)


@st.composite
def _gelu(draw, op, layer=False):
    x = draw(fz.array(op))
    approximate = draw(st.sampled_from(["none", "tanh", "none", "erf"]))
    if layer:
        return Sample((x,), {"init": {"approximate": approximate}})
    return Sample((x,), {"approximate": approximate})


def gelu_fuzz(op):
    return _gelu(op)


def gelu_layer_fuzz(op):
    return _gelu(op, layer=True)


@st.composite
def _channel_dropout(draw, op, layer=False):
    x = draw(fz.array(op))
    training = draw(st.booleans())
    p = draw(st.sampled_from([0.0, 1.0, 1.5, -0.1])) if training else draw(st.floats(0, 1))
    if layer:
        return Sample((x,), {"init": {"p": p}, "train": training})
    return Sample((x,), {"p": p, "training": training})


def channel_dropout_fuzz(op):
    return _channel_dropout(op)


def channel_dropout_layer_fuzz(op):
    return _channel_dropout(op, layer=True)


@st.composite
def _bn_layer(draw, op):
    two = op.name.endswith("2d")
    rank = 4 if two else draw(st.sampled_from([2, 3]))
    if not draw(st.integers(0, 9)):
        rank = draw(st.integers(0, 5))
    x = draw(
        fz.array(
            op,
            draw(hnp.array_shapes(min_dims=rank, max_dims=rank, min_side=0, max_side=4)),
            dtypes=FLOATS_AND_INT,
        )
    )
    c = x.shape[1] if x.ndim >= 2 and draw(st.integers(0, 9)) else draw(st.integers(0, 4))
    init = {
        "num_features": c,
        "momentum": draw(st.sampled_from([0.1, 0.5, None])),
        "affine": draw(st.booleans()),
        "track_running_stats": draw(st.booleans()),
        "eps": draw(st.sampled_from([1e-5, 0.1])),
    }
    kw = {"init": init, "train": draw(st.booleans())}
    if init["affine"] and x.dtype.kind == "f" and draw(st.booleans()):
        kw["state"] = {
            "weight": draw(fz.array(op, (c,), dtypes=[x.dtype.name])),
            "bias": draw(fz.array(op, (c,), dtypes=[x.dtype.name])),
        }
    return Sample((x,), kw)


def bn_layer_fuzz(op):
    return _bn_layer(op)


# ---- the entries -----------------------------------------------------------------------------


def _layer(name, samples, bad, tol=ELEMENTWISE, fuzz=None, dlcore_call=None, torch_call=None):
    return OpInfo(
        f"nn.{name}",
        dlcore_call or _dlcore_layer(name),
        torch_call or _torch_layer(name),
        samples,
        tol=tol,
        bad_inputs=bad,
        fuzz=fuzz,
    )


def _dropout_entry(fn):
    return OpInfo(
        f"nn.functional.{fn}",
        getattr(F, fn),
        _torch(f"nn.functional.{fn}"),
        channel_dropout_samples,
        bad_inputs=channel_dropout_bad(fn),
        fuzz=channel_dropout_fuzz,
    )


OPS = [
    OpInfo(
        "nn.functional.batch_norm",
        F.batch_norm,
        _torch("nn.functional.batch_norm"),
        batch_norm_samples,
        tol=SUMMING,
        bad_inputs=batch_norm_bad,
        fuzz=batch_norm_fuzz,
    ),
    OpInfo(
        "nn.functional.batch_norm (eval)",
        dlcore_batch_norm_eval,
        torch_batch_norm_eval,
        batch_norm_eval_samples,
        tol=SUMMING,
        bad_inputs=batch_norm_eval_bad,
        fuzz=batch_norm_eval_fuzz,
    ),
    OpInfo(
        "nn.functional.layer_norm",
        F.layer_norm,
        _torch("nn.functional.layer_norm"),
        layer_norm_samples,
        tol=SUMMING,
        bad_inputs=layer_norm_bad,
        fuzz=layer_norm_fuzz,
    ),
    OpInfo(
        "nn.functional.gelu",
        F.gelu,
        _torch("nn.functional.gelu"),
        gelu_samples,
        bad_inputs=gelu_bad,
        fuzz=gelu_fuzz,
    ),
    _dropout_entry("dropout1d"),
    _dropout_entry("dropout2d"),
    *(
        _layer(
            name,
            bn_layer_samples,
            bn_layer_bad(name),
            tol=SUMMING,
            fuzz=bn_layer_fuzz,
            dlcore_call=_bn_dlcore(name),
            torch_call=_bn_torch(name),
        )
        for name in ("BatchNorm1d", "BatchNorm2d")
    ),
    _layer(
        "LayerNorm", layer_norm_layer_samples, layer_norm_layer_bad, tol=SUMMING, fuzz=layer_norm_layer_fuzz
    ),
    _layer("GELU", gelu_layer_samples, gelu_layer_bad, fuzz=gelu_layer_fuzz),
    *(
        _layer(
            name,
            channel_dropout_layer_samples,
            channel_dropout_layer_bad(name),
            fuzz=channel_dropout_layer_fuzz,
        )
        for name in ("Dropout1d", "Dropout2d")
    ),
]
