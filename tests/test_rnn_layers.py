"""The recurrent layers, cells, Embedding and packed sequences beyond single calls of the op table
(tests/op_table/rnn.py): state_dict round trips with torch (names, order, shapes), torch's init
ranges, the packed-sequence API field by field against torch (data, batch_sizes, indices,
padding, gradients), dropout between layers in train and eval mode, one kernel call per layer
and direction whatever T (no saved activations under no_grad), cells stepped over a sequence
equal to the layer, longer float32 sequences against torch, and refused inputs that change
nothing."""

import warnings

import numpy as np
import pytest

import dlcore
from dlcore import backend, nn
from dlcore.nn.utils import rnn as R

torch = pytest.importorskip("torch")
TR = torch.nn.utils.rnn

LAYERS = ["LSTM", "GRU", "RNN"]
CELLS = ["LSTMCell", "GRUCell", "RNNCell"]


def _pair(name, *args, dtype=np.float64, **kw):
    """A dlcore module and the torch module given its state_dict (torch.from_numpy)."""
    d = getattr(nn, name)(*args, dtype=dtype, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        t = getattr(torch.nn, name)(*args, **kw).to(getattr(torch, np.dtype(dtype).name))
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in d.state_dict().items()})
    return d, t


def _close(a, b, rtol=1e-10, atol=1e-12):
    a = a.numpy() if hasattr(a, "numpy") and not isinstance(a, torch.Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _states(out):
    """output, (h_n, c_n) / output, h_n -> [output, h_n(, c_n)]."""
    output, st = out
    return [output, *(st if isinstance(st, tuple) else (st,))]


# ---- parameters, state_dict, init ------------------------------------------------------------


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("layers,bidirectional,bias", [(1, False, True), (3, True, False), (2, True, True)])
def test_parameter_names_order_and_shapes_are_torchs(name, layers, bidirectional, bias):
    d = getattr(nn, name)(5, 7, num_layers=layers, bidirectional=bidirectional, bias=bias)
    t = getattr(torch.nn, name)(5, 7, num_layers=layers, bidirectional=bidirectional, bias=bias)
    assert [(k, tuple(v.shape)) for k, v in d.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in t.state_dict().items()
    ]
    assert [k for k, _ in d.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert repr(d) == repr(t)


@pytest.mark.parametrize("name", CELLS + ["Embedding"])
def test_cell_and_embedding_names_are_torchs(name):
    args = (6, 4) if name == "Embedding" else (5, 3)
    d, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert [(k, tuple(v.shape)) for k, v in d.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in t.state_dict().items()
    ]


def _flat(out) -> list:
    """Every tensor of a (nested) tuple of outputs, in order."""
    if isinstance(out, tuple):
        return [t for o in out for t in _flat(o)]
    return [out]


@pytest.mark.parametrize("name", LAYERS + CELLS)
def test_state_dict_loads_from_and_into_torch(name, rng):
    """torch's weights into dlcore and dlcore's into torch: the same outputs both ways."""
    kw = {} if name.endswith("Cell") else {"num_layers": 2, "bidirectional": True}
    x = rng.standard_normal((2, 3) if name.endswith("Cell") else (5, 2, 3))
    t = getattr(torch.nn, name)(3, 4, **kw).double()
    d = getattr(nn, name)(3, 4, dtype=np.float64, **kw)
    d.load_state_dict(t.state_dict())
    for a, b in zip(_flat(d(dlcore.from_numpy(x))), _flat(t(torch.from_numpy(x)))):
        _close(a, b)
    d, t = _pair(name, 3, 4, **kw)
    for a, b in zip(_flat(d(dlcore.from_numpy(x))), _flat(t(torch.from_numpy(x)))):
        _close(a, b)


@pytest.mark.parametrize("name", LAYERS + CELLS)
def test_init_is_uniform_in_one_over_sqrt_hidden_and_follows_the_seed(name):
    kw = {} if name.endswith("Cell") else {"num_layers": 2}
    dlcore.manual_seed(7)
    m = getattr(nn, name)(20, 16, **kw)
    values = np.concatenate([p.numpy().ravel() for p in m.parameters()])
    assert values.dtype == np.float32 and np.abs(values).max() <= 0.25
    assert np.abs(values).max() > 0.24 and abs(values.mean()) < 0.01  # spread over the range
    assert values.std() == pytest.approx(0.25 / np.sqrt(3), rel=0.05)
    dlcore.manual_seed(7)
    again = np.concatenate([p.numpy().ravel() for p in getattr(nn, name)(20, 16, **kw).parameters()])
    np.testing.assert_array_equal(values, again)


def test_embedding_init_and_padding_row():
    e = nn.Embedding(400, 30, padding_idx=-2)
    w = e.weight.numpy()
    assert e.padding_idx == 398 and not w[398].any()
    rest = np.delete(w, 398, axis=0).ravel()
    assert abs(rest.mean()) < 0.03 and rest.std() == pytest.approx(1.0, rel=0.03)


# ---- layers against torch ----------------------------------------------------------------------


@pytest.mark.parametrize("name", LAYERS)
def test_unbatched_input_equals_a_batch_of_one(name, rng):
    d, _ = _pair(name, 3, 4, num_layers=2, bidirectional=True)
    x = rng.standard_normal((6, 3))
    h0 = rng.standard_normal((4, 4))
    hx = (dlcore.from_numpy(h0), dlcore.from_numpy(h0 * 0.5)) if name == "LSTM" else dlcore.from_numpy(h0)
    one = _states(d(dlcore.from_numpy(x), hx))
    hb = tuple(h.unsqueeze(1) for h in hx) if name == "LSTM" else hx.unsqueeze(1)
    batch = _states(d(dlcore.from_numpy(x[:, None]), hb))
    for a, b in zip(one, batch):
        _close(a, b.numpy()[:, 0])


@pytest.mark.parametrize("name", LAYERS)
def test_float32_long_sequence_against_torch(name, rng):
    """T 60, B 8, I 16, H 32, two bidirectional layers in float32, against torch's float32 and
    float64: output, final states and all gradients."""
    d, t = _pair(name, 16, 32, num_layers=2, bidirectional=True, batch_first=True, dtype=np.float32)
    t64 = getattr(torch.nn, name)(16, 32, num_layers=2, bidirectional=True, batch_first=True).double()
    t64.load_state_dict({k: v.double() for k, v in t.state_dict().items()})
    x = rng.standard_normal((8, 60, 16)).astype(np.float32)
    xd = dlcore.from_numpy(x).requires_grad_()
    outs = _states(d(xd))
    weights = [rng.standard_normal(o.shape).astype(np.float32) for o in outs]
    sum(((o * dlcore.from_numpy(w)).sum() for o, w in zip(outs, weights)), dlcore.tensor(0.0)).backward()
    for ref, tol in ((t, 2e-5), (t64, 2e-5)):
        xt = torch.from_numpy(x).to(next(ref.parameters()).dtype).requires_grad_()
        touts = _states(ref(xt))
        sum((o * torch.from_numpy(w).to(o.dtype)).sum() for o, w in zip(touts, weights)).backward()
        for a, b in zip(outs, touts):
            _close(a, b, rtol=tol, atol=tol)
        _close(xd.grad, xt.grad, rtol=1e-4, atol=1e-4)
        for p, q in zip(d.parameters(), ref.parameters()):
            _close(p.grad, q.grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_cells_stepped_over_a_sequence_equal_the_layer(name, rng):
    layer = getattr(nn, name)(3, 5, dtype=np.float64)
    cell = getattr(nn, name + "Cell")(3, 5, dtype=np.float64)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in layer.state_dict().items()})
    x = dlcore.from_numpy(rng.standard_normal((7, 2, 3)))
    output, st = layer(x)
    state = None
    for t in range(7):
        state = cell(x[t], state)
        _close(state[0] if name == "LSTM" else state, output[t].numpy())
    if name == "LSTM":
        _close(state[1], st[1][0].numpy())


# ---- one kernel call per layer and direction ---------------------------------------------------


class _Spy:
    """The CPU kernels with rnn_forward counted and its `saved` argument recorded."""

    def __init__(self, real):
        self.real, self.calls = real, []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def rnn_forward(self, *args):
        self.calls.append(args[4])
        return self.real.rnn_forward(*args)


@pytest.mark.parametrize("t_len", [1, 50])
def test_one_kernel_call_per_layer_and_direction_and_no_saved_state_without_grad(t_len, monkeypatch, rng):
    spy = _Spy(backend.cpu)
    monkeypatch.setattr(backend, "kernels", lambda x: spy)
    m = nn.GRU(3, 4, num_layers=3, bidirectional=True)
    x = dlcore.from_numpy(rng.standard_normal((t_len, 2, 3)).astype(np.float32))
    out, h = m(x)
    assert len(spy.calls) == 6 and all(s is not None for s in spy.calls)
    (out.sum() + h.sum()).backward()
    spy.calls.clear()
    with dlcore.no_grad():
        m(x)
    assert len(spy.calls) == 6 and all(s is None for s in spy.calls)
    for p in m.parameters():
        p.requires_grad_(False)
    spy.calls.clear()
    m(x)
    assert all(s is None for s in spy.calls)  # nothing requires grad: inference


# ---- dropout between layers --------------------------------------------------------------------


def test_dropout_one_zeroes_the_inputs_of_the_upper_layers_as_torch(rng):
    """p = 1 is deterministic: layer 2 sees zeros in training, as in torch; eval ignores dropout."""
    d, t = _pair("LSTM", 3, 4, num_layers=2, dropout=1.0)
    x = rng.standard_normal((5, 2, 3))
    for train in (True, False):
        d.train(train), t.train(train)
        for a, b in zip(_states(d(dlcore.from_numpy(x))), _states(t(torch.from_numpy(x)))):
            _close(a, b)


def test_dropout_between_layers_is_random_in_training_follows_the_seed_and_is_off_in_eval(rng):
    m = nn.GRU(3, 16, num_layers=3, dropout=0.5, dtype=np.float64)
    x = dlcore.from_numpy(rng.standard_normal((4, 2, 3)))
    dlcore.manual_seed(3)
    a = m(x)[0].numpy()
    b = m(x)[0].numpy()
    dlcore.manual_seed(3)
    np.testing.assert_array_equal(m(x)[0].numpy(), a)
    assert not np.allclose(a, b)
    m.eval()
    e1, e2 = m(x)[0].numpy(), m(x)[0].numpy()
    np.testing.assert_array_equal(e1, e2)
    t = torch.nn.GRU(3, 16, num_layers=3, dropout=0.5).double().eval()
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in m.state_dict().items()})
    _close(e1, t(torch.from_numpy(x.numpy()))[0])


def test_dropout_with_one_layer_warns_as_torch():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)


# ---- packed sequences --------------------------------------------------------------------------


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_packing_matches_torch_field_by_field(enforce_sorted, batch_first, rng):
    lengths = [6, 4, 4, 1] if enforce_sorted else [3, 6, 1, 6, 2]
    shape = (len(lengths), 7, 2) if batch_first else (7, len(lengths), 2)
    x = rng.standard_normal(shape)
    xd, xt = dlcore.from_numpy(x).requires_grad_(), torch.from_numpy(x).requires_grad_()
    p = R.pack_padded_sequence(xd, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    tp = TR.pack_padded_sequence(
        xt, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=enforce_sorted
    )
    _close(p.data, tp.data)
    np.testing.assert_array_equal(p.batch_sizes.numpy(), tp.batch_sizes.numpy())
    for a, b in ((p.sorted_indices, tp.sorted_indices), (p.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    data, _sizes, order, _back = p  # unpacks as torch's namedtuple
    assert data is p.data and order is p.sorted_indices
    pad, lens = R.pad_packed_sequence(p, batch_first=batch_first, padding_value=-3.0, total_length=9)
    tpad, tlens = TR.pad_packed_sequence(tp, batch_first=batch_first, padding_value=-3.0, total_length=9)
    _close(pad, tpad)
    np.testing.assert_array_equal(lens.numpy(), tlens.numpy())
    w = rng.standard_normal(pad.shape)
    (pad * dlcore.from_numpy(w)).sum().backward()
    (tpad * torch.from_numpy(w)).sum().backward()
    _close(xd.grad, xt.grad)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_layers_on_packed_sequences_match_torch_with_gradients(name, enforce_sorted, rng):
    lengths = [5, 5, 3, 1] if enforce_sorted else [2, 5, 1, 4]
    d, t = _pair(name, 3, 4, num_layers=2, bidirectional=True, batch_first=True)
    x = rng.standard_normal((4, 5, 3))
    h0 = rng.standard_normal((4, 4, 4))
    xd, xt = dlcore.from_numpy(x).requires_grad_(), torch.from_numpy(x).requires_grad_()
    hd, ht = dlcore.from_numpy(h0).requires_grad_(), torch.from_numpy(h0).requires_grad_()
    hxd, hxt = ((hd, hd * 2.0), (ht, ht * 2.0)) if name == "LSTM" else (hd, ht)
    out, st = d(R.pack_padded_sequence(xd, lengths, True, enforce_sorted), hxd)
    tout, tst = t(TR.pack_padded_sequence(xt, lengths, True, enforce_sorted), hxt)
    assert isinstance(out, R.PackedSequence)
    _close(out.data, tout.data)
    np.testing.assert_array_equal(out.batch_sizes.numpy(), tout.batch_sizes.numpy())
    pad, _ = R.pad_packed_sequence(out, batch_first=True)
    tpad, _ = TR.pad_packed_sequence(tout, batch_first=True)
    _close(pad, tpad)
    finals = st if isinstance(st, tuple) else (st,)
    tfinals = tst if isinstance(tst, tuple) else (tst,)
    for a, b in zip(finals, tfinals):
        _close(a, b)
    ws = [rng.standard_normal(a.shape) for a in (pad, *finals)]
    sum(((a * dlcore.from_numpy(w)).sum() for a, w in zip((pad, *finals), ws)), dlcore.tensor(0.0)).backward()
    sum((a * torch.from_numpy(w)).sum() for a, w in zip((tpad, *tfinals), ws)).backward()
    _close(xd.grad, xt.grad)
    _close(hd.grad, ht.grad)
    for p, q in zip(d.parameters(), t.parameters()):
        _close(p.grad, q.grad, rtol=1e-9, atol=1e-11)


def test_packed_sequence_from_data_and_batch_sizes_and_the_helpers(rng):
    seqs = [rng.standard_normal((n, 2)) for n in (3, 5, 1)]
    ds, ts = [dlcore.from_numpy(s) for s in seqs], [torch.from_numpy(s) for s in seqs]
    p, tp = R.pack_sequence(ds, enforce_sorted=False), TR.pack_sequence(ts, enforce_sorted=False)
    _close(p.data, tp.data)
    rebuilt = R.PackedSequence(p.data, p.batch_sizes, p.sorted_indices, p.unsorted_indices)
    _close(R.pad_packed_sequence(rebuilt)[0], TR.pad_packed_sequence(tp)[0])
    for a, b in zip(R.unpack_sequence(rebuilt), TR.unpack_sequence(tp)):
        _close(a, b)
    for side in ("right", "left"):
        _close(
            R.pad_sequence(ds, batch_first=True, padding_value=7.0, padding_side=side),
            TR.pad_sequence(ts, batch_first=True, padding_value=7.0, padding_side=side),
        )
    m, t = _pair("GRU", 2, 3)
    _close(m(rebuilt)[1], t(tp)[1])


def test_packing_errors_name_the_function():
    x = dlcore.zeros(4, 3, 2)
    with pytest.raises(
        ValueError, match=r"pack_padded_sequence: expected len.lengths. to be equal to batch_size"
    ):
        R.pack_padded_sequence(x, [4, 3])
    with pytest.raises(ValueError, match=r"pack_padded_sequence: lengths .* exceed the 4 steps"):
        R.pack_padded_sequence(x, [5, 3, 1])
    with pytest.raises(ValueError, match="pack_padded_sequence: cannot pack empty tensors"):
        R.pack_padded_sequence(dlcore.zeros(4, 0, 2), [])
    with pytest.raises(ValueError, match="pad_packed_sequence: expected total_length to be at least"):
        R.pad_packed_sequence(R.pack_padded_sequence(x, [4, 3, 1]), total_length=3)
    with pytest.raises(ValueError, match="pad_sequence: sequences must share their trailing dims"):
        R.pad_sequence([dlcore.zeros(2, 3), dlcore.zeros(4, 2)])
    with pytest.raises(ValueError, match=r"PackedSequence: batch_sizes .* must be positive, non-increasing"):
        R.PackedSequence(dlcore.zeros(5, 2), dlcore.tensor([1, 2, 2]))


# ---- embedding ---------------------------------------------------------------------------------


def test_embedding_padding_row_gets_no_gradient_and_max_norm_renormalizes_as_torch(rng):
    w = rng.standard_normal((6, 4)) * 3
    idx = np.array([[0, 2, 2], [5, 1, 2]])
    d = nn.Embedding.from_pretrained(dlcore.from_numpy(w.copy()), freeze=False, padding_idx=2, max_norm=1.5)
    t = torch.nn.Embedding.from_pretrained(
        torch.from_numpy(w.copy()), freeze=False, padding_idx=2, max_norm=1.5
    )
    out, tout = d(dlcore.from_numpy(idx)), t(torch.from_numpy(idx))
    _close(out, tout)
    _close(d.weight, t.weight)  # the looked-up rows renormalized in place, the others kept
    g = rng.standard_normal(out.shape)
    out.backward(dlcore.from_numpy(g))
    tout.backward(torch.from_numpy(g))
    _close(d.weight.grad, t.weight.grad)
    assert not d.weight.grad.numpy()[2].any()
    frozen = nn.Embedding.from_pretrained(dlcore.from_numpy(w))
    assert not frozen.weight.requires_grad and not frozen(dlcore.tensor([1])).requires_grad


# ---- refused inputs change nothing -------------------------------------------------------------


@pytest.mark.parametrize("name", LAYERS)
def test_refused_calls_leave_the_layer_unchanged_and_usable(name, rng):
    m = getattr(nn, name)(3, 4, num_layers=2)
    before = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    x = dlcore.from_numpy(rng.standard_normal((5, 2, 3)).astype(np.float32))
    bad_h = dlcore.zeros(2, 3, 4)
    for call in (
        lambda: m(dlcore.zeros(5, 2, 4)),
        lambda: m(x, (bad_h, bad_h) if name == "LSTM" else bad_h),
        lambda: m(x.double()),
    ):
        with pytest.raises((ValueError, TypeError), match=name):
            call()
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    assert _states(m(x))[0].shape == (5, 2, 4)
