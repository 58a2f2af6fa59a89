"""Op-table entries for issue 19's recurrent layers and embeddings: nn.LSTM, nn.GRU, nn.RNN,
nn.LSTMCell, nn.GRUCell, nn.RNNCell, nn.Embedding and nn.functional.embedding; with their fuzz
builders.

A recurrent sample is Sample((x,), {"init", "state", "train", "hx", "lengths", "enforce_sorted"}):
the module is built from `init` on both sides, its weights replaced by `state` (torch's names;
functional_call on the torch side), called on x with the initial state `hx` (LSTM: a tuple (h_0,
c_0)); with `lengths` the input is first packed (pack_padded_sequence(x, lengths, batch_first,
enforce_sorted)) and the output padded back (pad_packed_sequence). The op table compares one
tensor, so the call returns output, h_n (and c_n) flattened and concatenated; every part is
compared and every gradient (input, initial states, weights) flows through it.
The cells take (x,) with "hx" likewise and return h' (LSTMCell: h' and c' concatenated).
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
from hypothesis import strategies as st

import dlcore
import dlcore.nn.functional as F

from . import fuzzing as fz
from .core import SUMMING, Maker, OpInfo, Sample, _bad, _ones, _torch
from .layers import _dlcore_layer, _on_inputs_device, _substitute, _torch_layer

LAYERS = ("LSTM", "GRU", "RNN")
CELLS = ("LSTMCell", "GRUCell", "RNNCell")
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}


def _lib(torch_side: bool):
    return importlib.import_module("torch") if torch_side else dlcore


def _flat(lib, parts) -> object:
    return lib.cat([p.reshape(-1) for p in parts])


def _recurrent(name: str, torch_side: bool):
    """The call of one side: build, substitute weights, (pack,) run, (pad,) flatten."""
    lib = _lib(torch_side)

    def call(x, init=None, state=None, train=True, hx=None, lengths=None, enforce_sorted=True):
        with warnings.catch_warnings():  # torch: dropout with one layer
            warnings.simplefilter("ignore", UserWarning)
            module = getattr(lib.nn, name)(**(init or {}))
        module.train(train)
        if not torch_side:
            _on_inputs_device(module, (x,))
        if state is not None and not torch_side:
            _substitute(module, state)
        utils = lib.nn.utils.rnn
        batch_first = (init or {}).get("batch_first", False)
        if lengths is not None:
            x = utils.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
        args = (x,) if hx is None else (x, hx)
        if state is not None and torch_side:
            out = lib.func.functional_call(module, state, args)
        else:
            out = module(*args)
        if name.endswith("Cell"):
            return _flat(lib, out if isinstance(out, tuple) else (out,))
        output, states = out
        if lengths is not None:
            output = utils.pad_packed_sequence(output, batch_first=batch_first)[0]
        return _flat(lib, (output,) + (states if isinstance(states, tuple) else (states,)))

    call.__name__ = f"{'torch' if torch_side else 'dlcore'}.nn.{name}"
    if not torch_side:
        call.module_class = getattr(dlcore.nn, name)  # read by the coverage test
    return call


# ---- samples ---------------------------------------------------------------------------------


def _state(m, name: str, inp: int, hid: int, layers=1, bidirectional=False, bias=True, recurrent=2.0) -> dict:
    """torch's parameter names and shapes for `name`, values from m; the recurrent weights in
    [-recurrent, recurrent] (a long ReLU recurrence with large ones grows without bound)."""
    g = GATES[name.removesuffix("Cell")] * hid
    if name.endswith("Cell"):
        out = {"weight_ih": m(g, inp), "weight_hh": m(g, hid, low=-recurrent, high=recurrent)}
        return out | ({"bias_ih": m(g), "bias_hh": m(g)} if bias else {})
    out = {}
    for k in range(layers):
        for suffix in ("", "_reverse") if bidirectional else ("",):
            width = inp if k == 0 else hid * (2 if bidirectional else 1)
            out[f"weight_ih_l{k}{suffix}"] = m(g, width)
            out[f"weight_hh_l{k}{suffix}"] = m(g, hid, low=-recurrent, high=recurrent)
            if bias:
                out[f"bias_ih_l{k}{suffix}"], out[f"bias_hh_l{k}{suffix}"] = m(g), m(g)
    return out


def _hx(m: Maker, name: str, *shape, layout="contiguous"):
    h = m(*shape, layout=layout)
    return (h, m(*shape)) if name == "LSTM" else h


def recurrent_samples(op, dtype, rng):
    name = op.name.removeprefix("nn.")
    m = Maker(op, dtype, rng)
    extra = {"nonlinearity": "relu"} if name == "RNN" else {}

    def sample(x, desc, inp, hid, hx=None, recurrent=2.0, **kw):
        init = {"input_size": inp, "hidden_size": hid, **extra}
        init.update({k: v for k, v in kw.items() if k not in ("lengths", "enforce_sorted", "train")})
        shape = (init.get("num_layers", 1), init.get("bidirectional", False), init.get("bias", True))
        call = {"init": init, "state": _state(m, name, inp, hid, *shape, recurrent=recurrent)}
        call.update({k: kw[k] for k in ("lengths", "enforce_sorted", "train") if k in kw})
        if hx is not None:
            call["hx"] = hx
        return Sample((x,), call, desc=desc)

    yield sample(m(5, 3, 4), "T5 B3 I4 H3", 4, 3)
    yield sample(
        m(3, 4, 2, layout="strided"),
        "2 layers, bidirectional, batch_first, initial state",
        2,
        3,
        hx=_hx(m, name, 4, 3, 3),
        num_layers=2,
        bidirectional=True,
        batch_first=True,
    )
    yield sample(m(4, 3, layout="transposed"), "unbatched, initial state", 3, 2, hx=_hx(m, name, 1, 2))
    yield sample(m(1, 2, 3), "T = 1, no bias", 3, 4, bias=False)
    yield sample(m(100, 1, 2), "T = 100", 2, 3, hx=_hx(m, name, 1, 1, 3), recurrent=0.3)
    lengths = np.array([3, 6, 1, 4], np.int64)
    yield sample(
        m(6, 4, 3, layout="flipped"),
        "packed, unsorted lengths, 2 layers, bidirectional, initial state",
        3,
        2,
        hx=_hx(m, name, 4, 4, 2),
        num_layers=2,
        bidirectional=True,
        lengths=lengths,
        enforce_sorted=False,
    )
    yield sample(
        m(3, 5, 2),
        "packed, sorted, batch_first",
        2,
        3,
        batch_first=True,
        lengths=np.array([5, 5, 2], np.int64),
    )
    yield sample(m(4, 0, 2), "0-size batch", 2, 3, num_layers=2)
    yield sample(m(3, 2, 2), "eval: dropout off", 2, 3, num_layers=2, dropout=0.5, train=False)


def cell_samples(op, dtype, rng):
    name = op.name.removeprefix("nn.")
    m = Maker(op, dtype, rng)
    extra = {"nonlinearity": "relu"} if name == "RNNCell" else {}

    def sample(x, desc, inp, hid, hx=None, bias=True):
        call = {"init": {"input_size": inp, "hidden_size": hid, "bias": bias, **extra}}
        call["state"] = _state(m, name, inp, hid, bias=bias)
        if hx is not None:
            call["hx"] = (hx, m(*hx.shape)) if name == "LSTMCell" else hx
        return Sample((x,), call, desc=desc)

    yield sample(m(3, 4), "B3 I4 H5", 4, 5)
    yield sample(m(3, 4, layout="transposed"), "initial state", 4, 2, hx=m(3, 2, layout="flipped"))
    yield sample(m(3), "unbatched, initial state", 3, 4, hx=m(4))
    yield sample(m(2, 3, layout="strided"), "no bias", 3, 2, bias=False)
    yield sample(m(0, 3), "0-size batch", 3, 2)


def embedding_layer_samples(op, dtype, rng):
    """The padding row's gradient is 0 and scale_grad_by_freq scales gradients, by definition (as
    torch), not the derivative: those samples are checked against torch only, not by gradcheck."""
    m = Maker(op, dtype, rng)

    def idx(*shape, n):
        return rng.integers(0, n, size=shape).astype(np.int64)

    yield Sample(
        (idx(4, 3, n=7),), {"init": {"num_embeddings": 7, "embedding_dim": 5}, "state": {"weight": m(7, 5)}}
    )
    yield Sample(
        (idx(9, n=4),),
        {"init": {"num_embeddings": 4, "embedding_dim": 3, "padding_idx": 1}, "state": {"weight": m(4, 3)}},
        desc="padding_idx: no gradient, repeats accumulate",
        gradcheck=False,
    )
    yield Sample(
        (idx(2, 6, n=5),),
        {
            "init": {"num_embeddings": 5, "embedding_dim": 2, "padding_idx": -1, "scale_grad_by_freq": True},
            "state": {"weight": m(5, 2, layout="transposed")},
        },
        desc="negative padding_idx, scale_grad_by_freq",
        gradcheck=False,
    )
    yield Sample(
        (idx(0, n=3),),
        {"init": {"num_embeddings": 3, "embedding_dim": 4}, "state": {"weight": m(3, 4)}},
        desc="empty",
    )


def embedding_samples(op, dtype, rng):
    m = Maker(op, dtype, rng)
    yield Sample((rng.integers(0, 6, (3, 4)), m(6, 5)), desc="(3, 4) indices")
    yield Sample(
        (rng.integers(0, 4, 8).astype(np.int32), m(4, 3, layout="strided")),
        {"padding_idx": 2},
        desc="int32, padding_idx",
        gradcheck=False,
    )
    yield Sample((np.array(3), m(5, 2, layout="flipped")), desc="0-d index")
    yield Sample(
        (rng.integers(0, 3, 10), m(3, 2)),
        {"scale_grad_by_freq": True, "padding_idx": -3},
        desc="scale_grad_by_freq",
        gradcheck=False,
    )


# ---- bad inputs ------------------------------------------------------------------------------


def recurrent_bad(name):
    def bad():
        init = {"input_size": 4, "hidden_size": 3}
        lstm = name == "LSTM"
        h = (_ones(1, 2, 3), _ones(1, 2, 3)) if lstm else _ones(1, 2, 3)
        wrong = (_ones(2, 2, 3), _ones(1, 2, 3)) if lstm else _ones(2, 2, 3)
        out = [
            _bad(
                name,
                _ones(5, 2, 7),
                init=init,
                match=rf"{name}\(4, 3\): input of shape \(5, 2, 7\) has 7 "
                r"features \(last dim\), expected input_size=4",
                desc="input size",
            ),
            _bad(
                name,
                _ones(5, 2, 4, 1),
                init=init,
                match=rf"{name}: expected a 2-D .* or 3-D input, got shape",
                desc="4-D",
            ),
            _bad(
                name,
                _ones(5, 2, 4),
                init=init,
                hx=wrong,
                match=rf"{name}: expected h_0 of shape \(1, 2, 3\), got \(2, 2, 3\)",
                desc="h_0 shape",
            ),
            _bad(
                name,
                _ones(5, 4),
                init=init,
                hx=h,
                match=rf"{name}: for unbatched 2-D input, h_0 should be 2-D \(1, 3\)",
                desc="unbatched h_0",
            ),
            _bad(
                name,
                _ones(5, 2, 4, dtype=np.float64),
                init=init,
                exc=TypeError,
                match=rf"{name}: input dtype float64 does not match the weights' dtype float32",
                desc="dtype",
            ),
            _bad(
                name,
                _ones(0, 2, 4),
                init=init,
                match=rf"{name}: expected a sequence length > 0",
                desc="T = 0",
            ),
            _bad(
                name,
                "x",
                init=init,
                exc=TypeError,
                match=rf"{name}: expected a Tensor as input, got str",
                desc="str",
            ),
            _bad(
                name,
                _ones(5, 2, 4),
                init={**init, "hidden_size": 0},
                match=rf"{name}: hidden_size must be greater than zero",
                desc="hidden_size 0",
            ),
            _bad(
                name,
                _ones(5, 2, 4),
                init={**init, "dropout": 1.5},
                match=rf"{name}: dropout should be a number in range \[0, 1\]",
                desc="dropout",
            ),
            _bad(
                name,
                _ones(5, 3, 4),
                init=init,
                lengths=np.array([2, 5, 1]),
                match="pack_padded_sequence: `lengths` array must be sorted in decreasing order",
                desc="unsorted",
            ),
            _bad(
                name,
                _ones(5, 3, 4),
                init=init,
                lengths=np.array([5, 2, 0]),
                enforce_sorted=False,
                match="pack_padded_sequence: length of all samples has to be greater than 0",
                desc="length 0",
            ),
        ]
        if lstm:
            out.append(
                _bad(
                    name,
                    _ones(5, 2, 4),
                    init=init,
                    hx=_ones(1, 2, 3),
                    exc=TypeError,
                    match=r"LSTM: hx must be a tuple \(h_0, c_0\)",
                    desc="hx not a tuple",
                )
            )
            out.append(
                _bad(
                    name,
                    _ones(5, 2, 4),
                    init={**init, "proj_size": 2},
                    match="LSTM: proj_size > 0 .* is not supported",
                    desc="proj_size",
                )
            )
        if name == "RNN":
            out.append(
                _bad(
                    name,
                    _ones(5, 2, 4),
                    init={**init, "nonlinearity": "sigmoid"},
                    match="RNN: unknown nonlinearity 'sigmoid'",
                    desc="nonlinearity",
                )
            )
        return out

    return bad


def cell_bad(name):
    def bad():
        init = {"input_size": 4, "hidden_size": 3}
        state = (lambda *s: (_ones(*s), _ones(*s))) if name == "LSTMCell" else _ones
        first = "h" if name == "LSTMCell" else "hx"
        return [
            _bad(
                name,
                _ones(2, 5),
                init=init,
                match=rf"{name}\(4, 3\): input of shape \(2, 5\) has 5 features",
                desc="input size",
            ),
            _bad(
                name,
                _ones(2, 2, 4),
                init=init,
                match=rf"{name}: expected input to be 1-D \(I,\) or 2-D \(B, I\)",
                desc="3-D",
            ),
            _bad(
                name,
                _ones(2, 4),
                init=init,
                hx=state(3, 3),
                match=rf"{name}: expected {first} of shape \(2, 3\) for input of shape \(2, 4\), "
                r"got \(3, 3\)",
                desc="batch of hx",
            ),
            _bad(
                name,
                _ones(4),
                init=init,
                hx=state(1, 3),
                match=rf"{name}: expected {first} of shape \(3,\) for input of shape \(4,\)",
                desc="unbatched hx",
            ),
            _bad(
                name,
                _ones(2, 4, dtype=np.float64),
                init=init,
                exc=TypeError,
                match=rf"{name}: input dtype float64 does not match",
                desc="dtype",
            ),
            _bad(
                name,
                None,
                init=init,
                exc=TypeError,
                match=rf"{name}: expected a Tensor as input, got NoneType",
                desc="None",
            ),
        ]

    return bad


def embedding_layer_bad():
    init = {"num_embeddings": 5, "embedding_dim": 3}
    return [
        _bad(
            "Embedding",
            np.array([1, 5]),
            init=init,
            match=r"embedding: index 5 is out of range for a weight of 5 rows",
            desc="index",
        ),
        _bad(
            "Embedding",
            np.array([-1]),
            init=init,
            match="embedding: index -1 is out of range",
            desc="negative",
        ),
        _bad(
            "Embedding",
            _ones(2),
            init=init,
            exc=TypeError,
            match="embedding: expected int64 or int32 indices as input, got float32",
            desc="float indices",
        ),
        _bad(
            "Embedding",
            np.array([1]),
            init={**init, "padding_idx": 5},
            match=r"Embedding: padding_idx must be within num_embeddings \(5\)",
            desc="padding_idx",
        ),
        _bad(
            "Embedding",
            np.array([1]),
            init={**init, "sparse": True},
            match="Embedding: sparse gradients are not supported",
            desc="sparse",
        ),
        _bad(
            "Embedding",
            "x",
            init=init,
            exc=TypeError,
            match="Embedding: expected a Tensor as input, got str",
            desc="str",
        ),
    ]


def embedding_bad():
    w = _ones(4, 3)
    return [
        _bad("embedding", np.array([4]), w, match="embedding: index 4 is out of range", desc="index"),
        _bad("embedding", np.array([1]), _ones(4), match=r"embedding: weight must be 2-D", desc="1-D weight"),
        _bad(
            "embedding",
            np.array([1], np.uint8),
            w,
            exc=TypeError,
            match="embedding: expected int64 or int32",
            desc="uint8 indices",
        ),
        _bad(
            "embedding",
            np.array([1]),
            w,
            padding_idx=-5,
            match=r"embedding: padding_idx must be within num_embeddings \(4\)",
            desc="padding_idx",
        ),
    ]


# ---- fuzz builders ---------------------------------------------------------------------------


def _values(dtype: str):
    """Weights and inputs on a 1/8 grid in [-2, 2] (no runaway recurrences), now and then a
    special (nan, +-inf, +-0)."""
    grid = st.integers(-16, 16).map(lambda k: k / 8)
    return st.one_of(
        grid, grid, grid, grid, grid, grid, grid, st.sampled_from([np.nan, np.inf, -np.inf, -0.0])
    )


@st.composite
def _float_array(draw, shape, dtype):
    from hypothesis.extra import numpy as hnp

    return draw(hnp.arrays(dtype, shape, elements=_values(dtype)))


def _rarely(draw, odds=8) -> bool:
    return draw(st.integers(0, odds - 1)) == 0


@st.composite
def _recurrent_call(draw, op):
    name = op.name.removeprefix("nn.")
    cell = name.endswith("Cell")
    base = name.removesuffix("Cell")
    dtype = draw(st.sampled_from(fz.FLOATS))
    inp, hid = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    init = {"input_size": inp, "hidden_size": hid, "bias": draw(st.booleans())}
    if base == "RNN":
        init["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    layers, bidir = 1, False
    if not cell:
        layers, bidir = draw(st.integers(1, 2)), draw(st.booleans())
        init.update(num_layers=layers, bidirectional=bidir, batch_first=draw(st.booleans()))
    m = _FuzzMaker(draw, dtype)
    state = _state(m, name, inp, hid, layers, bidir, init["bias"])
    t_len, batch = draw(st.integers(1, 4)), draw(st.integers(0, 3))
    width = inp if not _rarely(draw) else draw(st.integers(1, 5))
    unbatched = _rarely(draw, 4)
    if cell:
        shape = (width,) if unbatched else (batch, width)
    else:
        shape = (
            (t_len, width)
            if unbatched
            else ((batch, t_len, width) if init["batch_first"] else (t_len, batch, width))
        )
    x_dtype = dtype if not _rarely(draw, 12) else draw(st.sampled_from(["int64", "float32", "float64"]))
    x = draw(_float_array(shape, x_dtype)) if x_dtype != "int64" else np.zeros(shape, np.int64)
    kw = {"init": init, "state": state}
    if draw(st.booleans()):
        rows = () if cell else (layers * (2 if bidir else 1),)
        hshape = rows + ((hid,) if unbatched else (batch, hid))
        if _rarely(draw):
            hshape = hshape[:-1] + (hid + 1,)
        h = draw(_float_array(hshape, dtype))
        kw["hx"] = (h, draw(_float_array(hshape, dtype))) if base == "LSTM" else h
    if not cell and not unbatched and batch and draw(st.booleans()):
        kw["lengths"] = np.array(
            draw(st.lists(st.integers(1, t_len), min_size=batch, max_size=batch)), np.int64
        )
        kw["enforce_sorted"] = draw(st.booleans())
        if kw["enforce_sorted"]:
            kw["lengths"] = np.sort(kw["lengths"])[::-1].copy()
    return Sample((x,), kw)


class _FuzzMaker:
    """Maker's call signature (shape, layout) over drawn values, for _state."""

    def __init__(self, draw, dtype):
        self.draw, self.dtype = draw, dtype

    def __call__(self, *shape, layout="contiguous", low=None, high=None):
        return self.draw(_float_array(shape, self.dtype))


def recurrent_fuzz(op):
    return _recurrent_call(op)


@st.composite
def _embedding_call(draw, op, layer):
    from hypothesis.extra import numpy as hnp

    rows, dim = draw(st.integers(1, 5)), draw(st.integers(0, 3))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    dtype = draw(st.sampled_from(["int64", "int64", "int64", "int32", "uint8", "float32"]))
    low, high = (0, rows - 1) if not _rarely(draw) else (-2, rows + 1)
    idx = draw(hnp.arrays(dtype, shape, elements=st.integers(max(low, 0) if dtype == "uint8" else low, high)))
    w = draw(fz.array(op, (rows, dim), dtypes=fz.FLOATS))
    pad = draw(st.one_of(st.none(), st.integers(-rows - 1, rows)))
    if layer:
        init = {"num_embeddings": rows, "embedding_dim": dim, "padding_idx": pad}
        return Sample((idx,), {"init": init, "state": {"weight": w}})
    return Sample((idx, w), {"padding_idx": pad, "scale_grad_by_freq": draw(st.booleans())})


def embedding_layer_fuzz(op):
    return _embedding_call(op, layer=True)


def embedding_fuzz(op):
    return _embedding_call(op, layer=False)


# ---- the entries -----------------------------------------------------------------------------

# One direction of a layer sums I + H products per gate and step and carries the state on; the
# SUMMING presets hold for the sizes here (T up to 100, I and H up to 4, values in [-2, 2]).
RECURRENT = SUMMING


def _recurrent_entry(name, samples, bad):
    return OpInfo(
        f"nn.{name}",
        _recurrent(name, torch_side=False),
        _recurrent(name, torch_side=True),
        samples,
        tol=RECURRENT,
        bad_inputs=bad(name),
        fuzz=recurrent_fuzz,
    )


OPS = [
    *(_recurrent_entry(name, recurrent_samples, recurrent_bad) for name in LAYERS),
    *(_recurrent_entry(name, cell_samples, cell_bad) for name in CELLS),
    OpInfo(
        "nn.Embedding",
        _dlcore_layer("Embedding"),
        _torch_layer("Embedding"),
        embedding_layer_samples,
        tol=SUMMING,
        bad_inputs=embedding_layer_bad,
        fuzz=embedding_layer_fuzz,
    ),
    OpInfo(
        "nn.functional.embedding",
        F.embedding,
        _torch("nn.functional.embedding"),
        embedding_samples,
        tol=SUMMING,
        bad_inputs=embedding_bad,
        fuzz=embedding_fuzz,
    ),
]
