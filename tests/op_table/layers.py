"""Op-table entries for the nn layers and loss modules: each call builds the dlcore module and the
torch module from the same constructor arguments and runs both with the same weights.

A layer sample is Sample((input, [target]), {"init": {...}, "state": {...}, "train": bool}):
`init` holds the constructor arguments (Sequential: {"layers": [(class name, init), ...]}),
`state` maps PyTorch's state_dict names to numpy arrays that replace the module's parameters for
the call, so the harness sees them as inputs: gradients reach them as they reach the input, on the
dlcore side by substitution and on the torch side through torch.func.functional_call. Without
`state` the module keeps its own initial weights (the bad inputs use that).
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np

import dlcore.nn

from . import fuzzing as fz
from .core import ELEMENTWISE, SUMMING, Maker, OpInfo, Sample, _bad, _ones

# Public classes of dlcore.nn that get no entry: they have no forward of their own.
NOT_LAYERS = {
    "Module": "the base class; every layer below is one",
    "Parameter": "a tensor, not a layer",
    "ModuleList": "a container without forward (torch's has none either); Sequential covers nesting",
    "RNNBase": "the base of LSTM, GRU and RNN (tests/op_table/rnn.py), which fix its mode",
    "RNNCellBase": "the base of LSTMCell, GRUCell and RNNCell (tests/op_table/rnn.py)",
}


def _build(nn, name: str, init: dict | None):
    init = dict(init or {})
    if name == "Sequential":
        return nn.Sequential(*(_build(nn, n, kw) for n, kw in init["layers"]))
    return getattr(nn, name)(**init)


def _substitute(module, state: dict) -> None:
    """dlcore's functional_call: each state_dict entry replaced by the given tensor, by name."""
    names = set(module.state_dict())
    if names != set(state):
        raise AssertionError(f"state names {sorted(state)} are not the module's {sorted(names)}")
    for full, tensor in state.items():
        *path, leaf = full.split(".")
        owner = module
        for part in path:
            owner = owner._modules[part]
        owner._parameters[leaf] = tensor


def _on_inputs_device(module, inputs):
    """module moved to the device of its first tensor input: the device tests give the inputs
    (and `state`) on the device, while a module is built on the CPU; moving it keeps the
    buffers and the weights a sample does not substitute (bad inputs have no state) beside them."""
    for t in inputs:
        if isinstance(t, dlcore.Tensor):
            if t.device != "cpu":
                module.to(t.device)
            break
    return module


def _dlcore_layer(name: str):
    def call(*inputs, init=None, state=None, train=True):
        module = _on_inputs_device(_build(dlcore.nn, name, init), inputs)
        module.train(train)
        if state is not None:
            _substitute(module, state)
        return module(*inputs)

    call.__name__ = f"dlcore.nn.{name}"
    call.module_class = getattr(dlcore.nn, name)  # read by the coverage test
    return call


def _torch_layer(name: str):
    def call(*inputs, init=None, state=None, train=True):
        torch = importlib.import_module("torch")
        with warnings.catch_warnings():  # "Initializing zero-element tensors is a no-op"
            warnings.simplefilter("ignore", UserWarning)
            module = _build(torch.nn, name, init)
        module.train(train)
        if state is None:
            return module(*inputs)
        assert set(module.state_dict()) == set(state), f"torch.nn.{name}: state names {sorted(state)}"
        return torch.func.functional_call(module, state, inputs)

    call.__name__ = f"torch.nn.{name}"
    return call


# ---- samples ---------------------------------------------------------------------------------


def linear_layer_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)

    def state(i, o, bias=True, layout="contiguous"):
        return {"weight": m(o, i, layout=layout), **({"bias": m(o)} if bias else {})}

    yield Sample(
        (m(5, 7),), {"init": {"in_features": 7, "out_features": 3}, "state": state(7, 3)}, desc="2-D"
    )
    yield Sample(
        (m(2, 3, 7, layout="strided"),),
        {"init": {"in_features": 7, "out_features": 4, "bias": False}, "state": state(7, 4, False)},
        desc="batched, no bias",
    )
    yield Sample(
        (m(7),),
        {"init": {"in_features": 7, "out_features": 3}, "state": state(7, 3, layout="transposed")},
        desc="1-D input, transposed weight",
    )
    yield Sample(
        (m(0, 7),), {"init": {"in_features": 7, "out_features": 3}, "state": state(7, 3)}, desc="0 rows"
    )
    yield Sample(
        (m(4, 2, layout="flipped"),),
        {"init": {"in_features": 2, "out_features": 0}, "state": state(2, 0)},
        desc="0 out_features",
    )


def sequential_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    mlp = [
        ("Linear", {"in_features": 7, "out_features": 5}),
        ("Tanh", {}),
        ("Linear", {"in_features": 5, "out_features": 3}),
    ]
    state = {"0.weight": m(5, 7), "0.bias": m(5), "2.weight": m(3, 5), "2.bias": m(3)}
    yield Sample((m(4, 7),), {"init": {"layers": mlp}, "state": state}, desc="Linear-Tanh-Linear")
    yield Sample(
        (m(4, 7, layout="transposed"),), {"init": {"layers": mlp}, "state": state}, desc="transposed input"
    )
    yield Sample((m(0, 7),), {"init": {"layers": mlp}, "state": state}, desc="0 rows")
    flat = [("Flatten", {}), ("Softmax", {"dim": 1})]
    yield Sample((m(2, 3, 4, layout="flipped"),), {"init": {"layers": flat}}, desc="Flatten-Softmax")
    yield Sample((m(2, 3),), {"init": {"layers": []}}, desc="empty: identity")


def activation_layer_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    init = {"nn.Softmax": {"dim": 1}, "nn.LogSoftmax": {"dim": 1}, "nn.Dropout": {"p": 0.0}}.get(op.name, {})
    if op.name == "nn.LeakyReLU":
        yield Sample((m(3, 7),), {"init": {"negative_slope": 0.2}}, desc="negative_slope 0.2")
    yield Sample((m(3, 7),), {"init": init}, desc="3x7")
    yield Sample((m(7, 3, layout="transposed"),), {"init": init}, desc="transposed")
    yield Sample((m(2, 3, 7, layout="flipped"),), {"init": init}, desc="negative strides")
    yield Sample((m(0, 3),), {"init": init}, desc="0-size")
    if op.name == "nn.Flatten":
        yield Sample((m(2, 3, 4, 5),), {"init": {"start_dim": 0, "end_dim": 2}}, desc="start 0, end 2")
    if op.name == "nn.Dropout":
        yield Sample((m(3, 7),), {"init": {"p": 0.5}, "train": False}, desc="eval: identity")
        yield Sample((m(3, 7),), {"init": {"p": 1.0}}, desc="p = 1: zeros")


def regression_layer_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    kinks = (0.0, 1.0, -1.0) if op.name in ("nn.HuberLoss", "nn.SmoothL1Loss") else (0.0,)

    def pair(*shape, layout="contiguous"):
        x = m(*shape, layout=layout)
        return x, np.asarray(x - m.values(shape, kinks=kinks), dtype=dtype)

    yield Sample(pair(3, 7), {"init": {}}, desc="mean")
    yield Sample(pair(3, 7, layout="transposed"), {"init": {"reduction": "sum"}}, desc="sum, transposed")
    yield Sample(pair(2, 3, layout="flipped"), {"init": {"reduction": "none"}}, desc="none, flipped")
    yield Sample(pair(0, 3), {"init": {}}, desc="0-size mean: nan")
    if op.name == "nn.HuberLoss":
        yield Sample(pair(3, 7), {"init": {"delta": 0.5}}, gradcheck=False, desc="delta 0.5")
    if op.name == "nn.SmoothL1Loss":
        yield Sample(pair(3, 7), {"init": {"beta": 0.5}}, gradcheck=False, desc="beta 0.5")
        yield Sample(pair(3, 7), {"init": {"beta": 0.0}}, desc="beta 0: L1")


def bce_layer_samples(op, dtype, rng):
    """Probabilities in [0.05, 0.95] (BCELoss) or logits in [-4, 4], soft targets in [0, 1]."""
    m = Maker(op, dtype, rng)
    low, high = (-4.0, 4.0) if op.name == "nn.BCEWithLogitsLoss" else (0.05, 0.95)

    def pair(*shape, layout="contiguous"):
        return m(*shape, layout=layout, low=low, high=high), m(*shape, low=0.0, high=1.0)

    yield Sample(pair(3, 7), {"init": {}}, desc="mean")
    yield Sample(pair(3, 7, layout="transposed"), {"init": {"reduction": "sum"}}, desc="sum, transposed")
    yield Sample(pair(2, 3, layout="flipped"), {"init": {"reduction": "none"}}, desc="none, flipped")
    yield Sample(pair(0, 3), {"init": {}}, desc="0-size mean: nan")


def class_layer_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)

    def target(*shape, c=3):
        return rng.integers(0, c, size=shape).astype(np.int64)

    yield Sample((m(5, 3), target(5)), {"init": {}}, desc="mean")
    yield Sample((m(5, 3, layout="flipped"), target(5)), {"init": {"reduction": "sum"}}, desc="sum")
    yield Sample((m(3, 5, layout="transposed"), target(3, c=5)), {"init": {"reduction": "none"}}, desc="none")
    yield Sample((m(0, 3), target(0)), {"init": {}}, desc="0 rows mean: nan")
    yield Sample((m(2, 3, 4), target(2, 4)), {"init": {"reduction": "sum"}}, desc="(N, C, d)")
    yield Sample((m(4, layout="flipped"), target(c=4)), {"init": {}}, desc="unbatched (C,), 0-d target")


# ---- bad inputs ------------------------------------------------------------------------------


def linear_layer_bad():
    init = {"in_features": 7, "out_features": 3}
    return [
        _bad(
            "Linear",
            _ones(5, 6),
            init=init,
            match=r"Linear\(7, 3\): input of shape \(5, 6\)",
            desc="in_features",
        ),
        _bad("Linear", _ones(), init=init, match=r"Linear\(7, 3\): input of shape \(\)", desc="0-d input"),
        _bad(
            "Linear",
            _ones(5, 7, dtype=np.float64),
            init=init,
            exc=TypeError,
            match="linear: .* same dtype",
            desc="dtype",
        ),
        _bad(
            "Linear",
            _ones(5, 7),
            init={"in_features": -1, "out_features": 3},
            match="Linear: in_features",
            desc="init",
        ),
        _bad(
            "Linear",
            _ones(5, 7),
            init={**init, "feedback": "random"},
            match=r"Linear\(7, 3\): feedback must be None or 'alignment', got 'random'",
            desc="unknown feedback",
        ),
        _bad(
            "Linear",
            "abc",
            init=init,
            exc=TypeError,
            match="Linear: expected a Tensor as input, got str",
            desc="string input",
        ),
    ]


def sequential_bad():
    init = {"layers": [("Linear", {"in_features": 7, "out_features": 3})]}
    return [
        _bad(
            "Sequential",
            _ones(5, 6),
            init=init,
            match=r"Linear\(7, 3\): input of shape \(5, 6\)",
            desc="shape",
        )
    ]


_LAYER_OF = {
    "log_softmax": "LogSoftmax",
    "logsigmoid": "LogSigmoid",
    "relu": "ReLU",
    "leaky_relu": "LeakyReLU",
}


def activation_layer_bad(fn):
    layer = _LAYER_OF.get(fn, fn.capitalize())

    def bad():
        out = [
            _bad(
                fn,
                None,
                init={},
                exc=TypeError,
                match=rf"{layer}: expected a Tensor as input, got NoneType",
                desc="None",
            )
        ]
        if fn in ("softmax", "log_softmax"):
            out.append(
                _bad(fn, _ones(2, 3), init={"dim": 2}, match=rf"{fn}: dim 2 is out of range", desc="dim")
            )
        if fn == "flatten":
            out.append(
                _bad(
                    fn,
                    _ones(2, 3, 4),
                    init={"start_dim": 2, "end_dim": 1},
                    match="flatten: start_dim 2",
                    desc="dims",
                )
            )
        if fn == "dropout":
            out.append(
                _bad(
                    "Dropout", _ones(2, 3), init={"p": 1.5}, match=r"Dropout: p must be in \[0, 1\]", desc="p"
                )
            )
        return out

    return bad


def loss_layer_bad(cls, fn):
    def bad():
        ints = np.zeros(5, np.int64)
        out = [
            _bad(
                cls,
                _ones(2, 3),
                _ones(2, 3),
                init={"reduction": "avg"},
                match=f"{cls}: reduction must be",
                desc="reduction",
            )
        ]
        if fn in ("cross_entropy", "nll_loss"):
            out.append(
                _bad(fn, _ones(5, 3), ints[:4], init={}, match=rf"{fn}: expected", desc="target length")
            )
            out.append(
                _bad(
                    fn,
                    _ones(5, 3),
                    _ones(5),
                    init={},
                    exc=TypeError,
                    match=rf"{fn}: target",
                    desc="float target",
                )
            )
        elif fn.startswith("binary_cross_entropy"):
            out.append(
                _bad(fn, _ones(2, 3), _ones(3), init={}, match=rf"{fn}: target size \(3,\)", desc="shapes")
            )
        else:
            out.append(
                _bad(fn, _ones(2, 3), _ones(3), init={}, match=rf"{fn}: input shape \(2, 3\)", desc="shapes")
            )
        if fn == "binary_cross_entropy":
            out.append(
                _bad(fn, 2 * _ones(2), _ones(2), init={}, match=rf"{fn}: all elements of input", desc="p > 1")
            )
        if fn == "smooth_l1_loss":
            out.append(
                _bad(
                    cls,
                    _ones(2, 3),
                    _ones(2, 3),
                    init={"beta": -1.0},
                    match="SmoothL1Loss: beta must be non-negative",
                    desc="beta < 0",
                )
            )
        if fn == "huber_loss":
            out.append(
                _bad(
                    fn,
                    _ones(2, 3),
                    _ones(2, 3),
                    init={"delta": 0.0},
                    match="huber_loss: delta must be positive",
                    desc="delta 0",
                )
            )
        return out

    return bad


# ---- the entries -----------------------------------------------------------------------------


def _layer(name, samples, bad, tol=ELEMENTWISE, fuzz=None, **kw):
    return OpInfo(
        f"nn.{name}",
        _dlcore_layer(name),
        _torch_layer(name),
        samples,
        tol=tol,
        bad_inputs=bad,
        fuzz=fuzz,
        **kw,
    )


OPS = [
    _layer("Linear", linear_layer_samples, linear_layer_bad, tol=SUMMING, fuzz=fz.linear_layer),
    _layer("Sequential", sequential_samples, sequential_bad, tol=SUMMING, fuzz=fz.sequential_layer),
    _layer(
        "ReLU", activation_layer_samples, activation_layer_bad("relu"), kinks=(0.0,), fuzz=fz.layer_of("ReLU")
    ),
    _layer("Tanh", activation_layer_samples, activation_layer_bad("tanh"), fuzz=fz.layer_of("Tanh")),
    _layer("Sigmoid", activation_layer_samples, activation_layer_bad("sigmoid"), fuzz=fz.layer_of("Sigmoid")),
    _layer(
        "Softmax",
        activation_layer_samples,
        activation_layer_bad("softmax"),
        tol=SUMMING,
        fuzz=fz.layer_of("Softmax", dim=True),
    ),
    _layer(
        "LogSoftmax",
        activation_layer_samples,
        activation_layer_bad("log_softmax"),
        tol=SUMMING,
        fuzz=fz.layer_of("LogSoftmax", dim=True),
    ),
    _layer(
        "LogSigmoid",
        activation_layer_samples,
        activation_layer_bad("logsigmoid"),
        fuzz=fz.layer_of("LogSigmoid"),
    ),
    _layer(
        "Softplus", activation_layer_samples, activation_layer_bad("softplus"), fuzz=fz.layer_of("Softplus")
    ),
    _layer(
        "LeakyReLU",
        activation_layer_samples,
        activation_layer_bad("leaky_relu"),
        kinks=(0.0,),
        fuzz=fz.layer_of("LeakyReLU"),
    ),
    _layer("Flatten", activation_layer_samples, activation_layer_bad("flatten"), fuzz=fz.layer_of("Flatten")),
    _layer("Identity", activation_layer_samples, list, fuzz=fz.layer_of("Identity")),
    _layer("Dropout", activation_layer_samples, activation_layer_bad("dropout"), fuzz=fz.layer_of("Dropout")),
    _layer(
        "MSELoss",
        regression_layer_samples,
        loss_layer_bad("MSELoss", "mse_loss"),
        tol=SUMMING,
        fuzz=fz.loss_layer("MSELoss"),
    ),
    _layer(
        "L1Loss",
        regression_layer_samples,
        loss_layer_bad("L1Loss", "l1_loss"),
        tol=SUMMING,
        fuzz=fz.loss_layer("L1Loss"),
    ),
    _layer(
        "HuberLoss",
        regression_layer_samples,
        loss_layer_bad("HuberLoss", "huber_loss"),
        tol=SUMMING,
        fuzz=fz.loss_layer("HuberLoss"),
    ),
    _layer(
        "CrossEntropyLoss",
        class_layer_samples,
        loss_layer_bad("CrossEntropyLoss", "cross_entropy"),
        tol=SUMMING,
        fuzz=fz.loss_layer("CrossEntropyLoss"),
    ),
    _layer(
        "NLLLoss",
        class_layer_samples,
        loss_layer_bad("NLLLoss", "nll_loss"),
        tol=SUMMING,
        fuzz=fz.loss_layer("NLLLoss"),
    ),
    _layer(
        "SmoothL1Loss",
        regression_layer_samples,
        loss_layer_bad("SmoothL1Loss", "smooth_l1_loss"),
        tol=SUMMING,
        fuzz=fz.loss_layer("SmoothL1Loss"),
    ),
    *(
        _layer(
            name,
            bce_layer_samples,
            loss_layer_bad(name, fn),
            tol=SUMMING,
            fuzz=fz.loss_layer(name),
        )
        for name, fn in (
            ("BCELoss", "binary_cross_entropy"),
            ("BCEWithLogitsLoss", "binary_cross_entropy_with_logits"),
        )
    ),
]
