"""Op-table entries for nn.Residual and nn.Highway (dlcore/nn/blocks.py).

torch.nn has neither, so the counterpart is a torch module written here with the same
submodule names (Residual: `block`; Highway: `transform`, `gate`) and the formulas of the
docstrings, run through torch.func.functional_call with the same weights (as tests/op_table/layers.py).

Sample kwargs: {"init": {...}, "state": {state_dict name: array}, "train": bool}. In `init`,
Residual's `block` and Highway's `H` are a list of (layer name, init) built as a Sequential (any
other value is passed as it is, for the bad inputs); Highway's `H` may also be an int.
"""

from __future__ import annotations

import functools
import importlib

from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dlcore.nn

from . import fuzzing as fz
from .core import SUMMING, Maker, OpInfo, Sample, _bad, _ones
from .layers import _build, _on_inputs_device, _substitute


def _spec(nn, spec):
    return _build(nn, "Sequential", {"layers": spec}) if isinstance(spec, list) else spec


def _residual(nn, init):
    return nn.Residual(_spec(nn, init["block"]), **{k: v for k, v in init.items() if k != "block"})


def _highway(nn, init):
    return nn.Highway(_spec(nn, init["H"]), **{k: v for k, v in init.items() if k != "H"})


@functools.cache
def _torch_blocks():
    """torch twins of Residual and Highway (classes made once, when torch is first needed)."""
    torch = importlib.import_module("torch")

    def same_shape(layer, x, out):
        if out.shape != x.shape:
            raise ValueError(f"{layer}: output shape {tuple(out.shape)} is not the input's {tuple(x.shape)}")

    class Residual(torch.nn.Module):
        def __init__(self, block, scale=1.0):
            super().__init__()
            self.block, self.scale = block, scale

        def forward(self, x):
            out = self.block(x)
            same_shape("Residual", x, out)
            return x + self.scale * out

    class Highway(torch.nn.Module):
        def __init__(self, H, gate_bias=-2.0, features=None):
            super().__init__()
            if isinstance(H, int):
                features, H = H, torch.nn.Sequential(torch.nn.Linear(H, H), torch.nn.ReLU())
            features = features if features is not None else H[0].in_features
            self.transform, self.gate = H, torch.nn.Linear(features, features)
            torch.nn.init.constant_(self.gate.bias, gate_bias)

        def forward(self, x):
            if x.shape[-1] != self.gate.in_features:
                raise ValueError(f"Highway: input of shape {tuple(x.shape)}")
            h = self.transform(x)
            same_shape("Highway", x, h)
            t = torch.sigmoid(self.gate(x))
            return h * t + x * (1 - t)

    return torch, {"Residual": Residual, "Highway": Highway}


def _dlcore_call(name, make):
    def call(x, init=None, state=None, train=True):
        module = _on_inputs_device(make(dlcore.nn, init), (x,))
        module.train(train)
        if state is not None:
            _substitute(module, state)
        return module(x)

    call.__name__ = f"dlcore.nn.{name}"
    call.module_class = getattr(dlcore.nn, name)  # read by the coverage test
    return call


class _TorchNN:
    """torch.nn with Residual and Highway added: what _residual/_highway build from."""

    def __init__(self, torch, classes):
        self.torch, self.classes = torch, classes

    def __getattr__(self, name):
        return self.classes[name] if name in self.classes else getattr(self.torch.nn, name)


def _torch_call(name, make):
    def call(x, init=None, state=None, train=True):
        torch, classes = _torch_blocks()
        module = make(_TorchNN(torch, classes), init)
        module.train(train)
        if state is None:
            return module(x)
        return torch.func.functional_call(module, state, (x,))

    call.__name__ = f"torch twin of nn.{name}"
    return call


# ---- samples ---------------------------------------------------------------------------------


def _mlp_block(f, act="Tanh", bias2=True):
    return [
        ("Linear", {"in_features": f, "out_features": f}),
        (act, {}),
        ("Linear", {"in_features": f, "out_features": f, "bias": bias2}),
    ]


def residual_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)

    def state(f, prefix="block.", bias2=True):
        s = {f"{prefix}0.weight": m(f, f), f"{prefix}0.bias": m(f), f"{prefix}2.weight": m(f, f)}
        return s | ({f"{prefix}2.bias": m(f)} if bias2 else {})

    yield Sample((m(5, 4),), {"init": {"block": _mlp_block(4)}, "state": state(4)}, desc="scale 1")
    yield Sample(
        (m(3, 2, 4, layout="flipped"),),
        {"init": {"block": _mlp_block(4, bias2=False), "scale": 0.25}, "state": state(4, bias2=False)},
        desc="batched, scale 1/4, negative strides",
    )
    yield Sample(
        (m(6, 3, layout="transposed"),),
        {
            "init": {"block": [("Linear", {"in_features": 3, "out_features": 3})], "scale": -1.5},
            "state": _lin_state(m, "block.0.", 3),
        },
        desc="Linear branch, scale -1.5, transposed",
    )
    yield Sample((m(0, 4),), {"init": {"block": _mlp_block(4)}, "state": state(4)}, desc="0 rows")
    yield Sample(
        (m(5),), {"init": {"block": [("Tanh", {})], "scale": 0.5}}, desc="1-D, parameter-free branch"
    )
    yield Sample(
        (m(4, 3),),
        {"init": {"block": [("Dropout", {"p": 0.5})], "scale": 2.0}, "train": False},
        desc="eval-mode Dropout branch: y = 3 x",
    )


def _lin_state(m, prefix, f, fo=None):
    return {f"{prefix}weight": m(fo or f, f), f"{prefix}bias": m(fo or f)}


def highway_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)

    def state(f, h="transform.0."):
        return (_lin_state(m, h, f) if h else {}) | _lin_state(m, "gate.", f)

    yield Sample((m(5, 4),), {"init": {"H": 4}, "state": state(4)}, desc="H = 4: Linear+ReLU")
    yield Sample(
        (m(2, 3, 4, layout="strided"),),
        {"init": {"H": _mlp_block(4)[:2], "gate_bias": 0.5}, "state": state(4)},
        desc="Linear+Tanh H, batched, strided",
    )
    yield Sample(
        (m(6, 3, layout="flipped"),),
        {"init": {"H": [("Tanh", {})], "features": 3}, "state": state(3, h=None)},
        desc="parameter-free H, features given",
    )
    yield Sample((m(0, 4),), {"init": {"H": 4}, "state": state(4)}, desc="0 rows")
    yield Sample((m(4),), {"init": {"H": 4, "gate_bias": -2.0}, "state": state(4)}, desc="1-D input")


# ---- bad inputs ------------------------------------------------------------------------------


def residual_bad():
    lin43 = [("Linear", {"in_features": 4, "out_features": 3})]
    return [
        _bad(
            "Residual",
            _ones(2, 4),
            init={"block": lin43},
            match=r"Residual: block maps an input of shape \(2, 4\) to shape \(2, 3\)",
            desc="block changes the shape",
        ),
        _bad(
            "Residual",
            _ones(2, 4),
            init={"block": [("Linear", {"in_features": 4, "out_features": 1})]},
            match=r"Residual: block maps an input of shape \(2, 4\) to shape \(2, 1\)",
            desc="broadcastable output is still an error",
        ),
        _bad(
            "Residual",
            _ones(2, 5),
            init={"block": _mlp_block(4)},
            match=r"Linear\(4, 4\): input of shape \(2, 5\)",
            desc="input width",
        ),
        _bad(
            "Residual",
            _ones(2),
            init={"block": "relu"},
            exc=TypeError,
            match="Residual: block must be a Module",
        ),
        _bad(
            "Residual", _ones(2), init={"block": [], "scale": float("nan")}, match="Residual: scale must be"
        ),
        _bad(
            "Residual",
            _ones(2),
            init={"block": [], "scale": "1"},
            match="Residual: scale must be",
            desc="str",
        ),
        _bad(
            "Residual",
            "abc",
            init={"block": []},
            exc=TypeError,
            match="Residual: expected a Tensor as input, got str",
            desc="string input",
        ),
    ]


def highway_bad():
    return [
        _bad(
            "Highway",
            _ones(2, 5),
            init={"H": 4},
            match=r"Highway\(4\): input of shape \(2, 5\) must end in 4 features",
            desc="input width",
        ),
        _bad("Highway", _ones(), init={"H": 4}, match=r"Highway\(4\): input of shape \(\)", desc="0-d"),
        _bad(
            "Highway",
            _ones(2, 4),
            init={"H": [("Linear", {"in_features": 4, "out_features": 3})]},
            match=r"Highway\(4\): H maps an input of shape \(2, 4\) to shape \(2, 3\)",
            desc="H changes the shape",
        ),
        _bad(
            "Highway",
            _ones(2, 4),
            init={"H": "relu"},
            exc=TypeError,
            match="Highway: H must be a Module or an int",
        ),
        _bad("Highway", _ones(2, 4), init={"H": -1}, match="Highway: features must be", desc="negative"),
        _bad(
            "Highway",
            _ones(2, 4),
            init={"H": [("Tanh", {})]},
            match="Highway: the width of Sequential is unknown",
            desc="width not given",
        ),
        _bad("Highway", _ones(2, 4), init={"H": 4, "gate_bias": float("inf")}, match="Highway: gate_bias"),
        _bad(
            "Highway",
            None,
            init={"H": 4},
            exc=TypeError,
            match="Highway: expected a Tensor as input, got NoneType",
        ),
    ]


# ---- fuzz: widths 0-4, any batch shape, now and then a wrong width or a shape-changing block -----


@st.composite
def _width_and_input(draw, op):
    f = draw(st.integers(0, 4))
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
    width = f if draw(st.integers(0, 9)) else draw(st.integers(0, 5))
    x = draw(fz.array(op, batch + (width,), dtypes=fz.FLOATS + ("int64",)))
    dtype = draw(st.sampled_from([x.dtype.name] * 4 + list(fz.FLOATS)))
    return f, x, dtype


@st.composite
def _residual_fuzz(draw, op):
    f, x, dtype = draw(_width_and_input(op))
    fo = f if draw(st.integers(0, 9)) else draw(st.integers(0, 4))
    last = ("Linear", {"in_features": f, "out_features": fo, "bias": False})
    w = draw(fz.array(op, (fo, f), dtypes=[dtype]))
    block, state = [last], {"block.0.weight": w}
    if draw(st.booleans()):  # Linear-ReLU-Linear: ReLU keeps the 1/8-grid sums exact
        block = [("Linear", {"in_features": f, "out_features": f}), ("ReLU", {}), last]
        state = {
            "block.0.weight": draw(fz.array(op, (f, f), dtypes=[dtype])),
            "block.0.bias": draw(fz.array(op, (f,), dtypes=[dtype])),
            "block.2.weight": w,
        }
    scale = draw(st.sampled_from([1.0, 0.5, -2.0, 0.0, 0.125]))
    return Sample((x,), {"init": {"block": block, "scale": scale}, "state": state})


@st.composite
def _highway_fuzz(draw, op):
    f, x, dtype = draw(_width_and_input(op))
    state = {
        "gate.weight": draw(fz.array(op, (f, f), dtypes=[dtype])),
        "gate.bias": draw(fz.array(op, (f,), dtypes=[dtype])),
    }
    init = {"gate_bias": draw(st.sampled_from([-2.0, 0.0, 1.5]))}
    kind = draw(st.integers(0, 2))  # H: an int (Linear+ReLU), a Linear, Linear+ReLU
    fo = f if kind == 0 or draw(st.integers(0, 9)) else draw(st.integers(0, 4))
    init["H"] = (
        f
        if kind == 0
        else [("Linear", {"in_features": f, "out_features": fo})] + [("ReLU", {})] * (kind == 2)
    )
    state |= {
        "transform.0.weight": draw(fz.array(op, (fo, f), dtypes=[dtype])),
        "transform.0.bias": draw(fz.array(op, (fo,), dtypes=[dtype])),
    }
    return Sample((x,), {"init": init, "state": state})


def residual_fuzz(op):
    return _residual_fuzz(op)


def highway_fuzz(op):
    return _highway_fuzz(op)


# ---- the entries -----------------------------------------------------------------------------


def _entry(name, make, samples, bad, fuzz, **kw):
    return OpInfo(
        f"nn.{name}",
        _dlcore_call(name, make),
        _torch_call(name, make),
        samples,
        tol=SUMMING,
        bad_inputs=bad,
        fuzz=fuzz,
        **kw,
    )


OPS = [
    _entry("Residual", _residual, residual_samples, residual_bad, residual_fuzz),
    _entry("Highway", _highway, highway_samples, highway_bad, highway_fuzz),
]
