"""The porting gaps the ported programs found (issue 17, beyond its lists), the non-op parts:
in-place arithmetic (`w -= lr * w.grad`, add_/sub_/mul_/div_/clamp_/zero_/fill_/copy_) with
torch's dtype, shape and autograd rules and the version check at backward; `.data` assignment
from a tensor and `W.data += t`; torch.load's arguments; Sequential(OrderedDict); TensorDataset
items as tensors; inference_mode; eye/rand_like/randn_like/is_tensor; the BCE loss modules.
Compared with torch through the `torch` fixture where it applies. The ops themselves are in
tests/op_table_h7.py.
"""

import collections
import operator

import numpy as np
import pytest

import dlcore
from dlcore import nn
from dlcore.data import DataLoader, TensorDataset

W0 = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
G0 = np.array([[1.0, 2.0], [-3.0, 0.5]], dtype=np.float32)


def _pair(torch, requires_grad=False):
    return (
        dlcore.tensor(W0.copy(), requires_grad=requires_grad),
        torch.tensor(W0.copy(), requires_grad=requires_grad),
    )


# ---- in-place arithmetic ---------------------------------------------------------------------

INPLACE = [
    ("+=", operator.iadd, G0),
    ("-=", operator.isub, G0),
    ("*=", operator.imul, G0),
    ("/=", operator.itruediv, G0),
    ("+= scalar", operator.iadd, 1.5),
    ("*= broadcast row", operator.imul, G0[0]),
    ("add_ alpha", lambda t, o: t.add_(o, alpha=-0.1), G0),
    ("sub_ alpha", lambda t, o: t.sub_(o, alpha=2), G0),
    ("mul_", lambda t, o: t.mul_(o), G0),
    ("div_", lambda t, o: t.div_(o), G0),
    ("clamp_", lambda t, o: t.clamp_(-0.3, 0.6), None),
    ("clip_", lambda t, o: t.clip_(min=0.0), None),
    ("zero_", lambda t, o: t.zero_(), None),
    ("fill_", lambda t, o: t.fill_(3.5), None),
    ("copy_", lambda t, o: t.copy_(o), G0),
]


@pytest.mark.parametrize("name, fn, other", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_writes_into_the_storage_like_torch(torch, name, fn, other):
    d, t = _pair(torch)
    array, view = d.data, d[0]
    od = dlcore.tensor(other) if isinstance(other, np.ndarray) else other
    ot = torch.tensor(other) if isinstance(other, np.ndarray) else other
    rd, rt = fn(d, od), fn(t, ot)
    assert rd is d and rt is t
    assert d.data is array, "the tensor's array was replaced, not written"
    np.testing.assert_allclose(d.numpy(), t.numpy(), rtol=1e-6)
    np.testing.assert_allclose(view.numpy(), d.numpy()[0], rtol=1e-6)  # views see the write
    assert d.dtype == np.float32


def test_manual_sgd_updates_the_leaf_in_place(torch):
    results = []
    for lib in (dlcore, torch):
        w = lib.tensor(W0.copy(), requires_grad=True)
        for _ in range(3):
            loss = (w * w).sum()
            loss.backward()
            with lib.no_grad():
                w -= 0.1 * w.grad
                w.grad.zero_()
        assert w.is_leaf and w.requires_grad
        results.append(w.detach().numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)
    np.testing.assert_allclose(results[0], W0 * 0.8**3, rtol=1e-6)


def test_inplace_keeps_the_dtype_and_refuses_a_higher_category(torch):
    for lib in (dlcore, torch):
        i = lib.tensor([1, 2, 3])
        i *= 2
        i += lib.tensor([1, 1, 1])
        assert i.tolist() == [3, 5, 7] and str(i.dtype).endswith("int64")
        f = lib.tensor([1.0, 2.0])
        f += lib.tensor([1, 2])  # an int into a float tensor: fine
        assert f.tolist() == [2.0, 4.0]
    i = dlcore.tensor([1, 2])
    for fn, op in ((lambda: i.add_(1.5), "add_"), (lambda: i.div_(2), "div_"), (lambda: i.mul_(0.5), "mul_")):
        with pytest.raises(
            TypeError, match=rf"{op}: result type float32 can't be cast to the desired output type int64"
        ):
            fn()
    assert i.tolist() == [1, 2]
    b = dlcore.tensor([True, False])
    with pytest.raises(TypeError, match="can't be cast to the desired output type bool"):
        b += 1
    with pytest.raises(RuntimeError):  # torch's own error for the same call
        torch.tensor([1, 2]).add_(1.5)


def test_inplace_shape_errors_leave_the_tensor_unchanged():
    x = dlcore.ones(2)
    with pytest.raises(
        ValueError, match=r"add_: output with shape \(2,\) doesn't match the broadcast shape \(2, 2\)"
    ):
        x += dlcore.ones(2, 2)
    with pytest.raises(ValueError, match=r"add: shapes \(2,\) and \(3,\) do not broadcast"):
        x += dlcore.ones(3)
    with pytest.raises(TypeError, match="sub: unsupported operand type str"):
        x -= "a"
    with pytest.raises(ValueError, match=r"fill_: expects a 0-dim value tensor"):
        x.fill_(dlcore.ones(2))
    with pytest.raises(TypeError, match="fill_: value must be a number"):
        x.fill_("a")
    assert x.tolist() == [1.0, 1.0]


def test_inplace_on_a_leaf_that_requires_grad_raises_as_torch(torch):
    d, t = _pair(torch, requires_grad=True)
    msg = "a leaf Variable that requires grad is being used in an in-place operation"
    for fn in (lambda x: x.add_(1), lambda x: x.zero_(), lambda x: x.fill_(1.0), lambda x: x.mul_(2)):
        with pytest.raises(RuntimeError, match=msg):
            fn(t)
        with pytest.raises(RuntimeError, match=msg):
            fn(d)
    with pytest.raises(RuntimeError, match=msg):
        d -= 1.0
    np.testing.assert_array_equal(d.detach().numpy(), W0)
    with dlcore.no_grad():
        d.copy_(dlcore.tensor(G0))  # allowed without grad mode, as torch
    np.testing.assert_array_equal(d.detach().numpy(), G0)
    assert d.is_leaf and d.requires_grad


GRAPH_PROGRAMS = {
    "non-leaf y += 1; y *= x": lambda lib, x, w: _chain(x),
    "accumulate a loss into zeros()": lambda lib, x, w: _accumulate(lib, w),
    "plain tensor += a tensor that requires grad": lambda lib, x, w: _plain_plus(lib, x, w),
    "copy_ from a tensor that requires grad": lambda lib, x, w: _copy_from(lib, w),
    "add_ with alpha, sub_, div_, clamp_ on a non-leaf": lambda lib, x, w: _methods(x),
}


def _chain(x):
    y = x * 2
    y += 1
    y *= x
    return y.sum()


def _accumulate(lib, w):
    total = lib.zeros(())
    for i in range(3):
        total += (w * (i + 1)).sum()
    assert total.requires_grad and not total.is_leaf
    return total


def _plain_plus(lib, x, w):
    h = lib.zeros(2, 2)
    h += w
    return (h * x).sum()


def _copy_from(lib, w):
    h = lib.zeros(2, 2, dtype=lib.float64)
    h.copy_(w * 3)
    return (h * h).sum()


def _methods(x):
    y = x * 1.5
    y.add_(x, alpha=2).sub_(0.5).div_(x + 3).clamp_(max=0.9)
    return y.sum()


@pytest.mark.parametrize("name", list(GRAPH_PROGRAMS))
def test_inplace_in_grad_mode_is_recorded_like_torch(torch, name):
    grads = []
    for lib in (dlcore, torch):
        x = lib.tensor(W0, requires_grad=True)
        w = lib.tensor(G0, requires_grad=True)
        GRAPH_PROGRAMS[name](lib, x, w).backward()
        grads.append([None if t.grad is None else t.grad.numpy().copy() for t in (x, w)])
    for got, ref in zip(*grads):
        assert (got is None) == (ref is None)
        if got is not None:
            np.testing.assert_allclose(got, ref, rtol=1e-6)


def test_recorded_inplace_on_a_view_or_after_a_use_raises_instead_of_a_wrong_gradient():
    """torch rebases a view's base, and a consumer recorded before the write keeps the old
    node; the tape cannot do either, so dlcore refuses (never a wrong or missing gradient)."""
    w = dlcore.tensor(G0, requires_grad=True)
    x = dlcore.zeros(4, 2)
    with pytest.raises(RuntimeError, match="add_: in-place operation recorded for autograd on a view"):
        x[0] += w[0]
    assert x.tolist() == [[0.0, 0.0]] * 4
    y = w * 2
    z = y * 3  # records y as an input
    y += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (z + y).sum().backward()
    with pytest.raises(RuntimeError, match="zero_: in-place operation on a tensor that requires grad"):
        (w * 2).zero_()


@pytest.mark.parametrize("lib_name", ["dlcore", "torch"])
def test_backward_after_modifying_a_saved_tensor_raises(torch, lib_name):
    lib = dlcore if lib_name == "dlcore" else torch
    x = lib.tensor(W0, requires_grad=True)
    y = x.exp()  # saves its output
    z = y.sum()
    with lib.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()
    w = lib.tensor(W0, requires_grad=True)
    loss = (w * w).sum()  # mul saves w
    with lib.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_any_recorded_input_modified_in_place_raises():
    """Stricter than torch (which checks only the tensors a node saved): dlcore checks every
    recorded input, so `c @ w` (torch saves only c for w's gradient) raises too. Never wrong."""
    w = dlcore.tensor(W0, requires_grad=True)
    loss = (dlcore.tensor(G0) @ w).sum()
    with dlcore.no_grad():
        w -= 0.1
    with pytest.raises(
        RuntimeError, match=r"modified by an inplace operation \(an input or the output of MatMul\)"
    ):
        loss.backward()


def test_setitem_bumps_the_version():
    w = dlcore.tensor(W0, requires_grad=True)
    loss = (w * w).sum()
    with dlcore.no_grad():
        w[0, 0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_optimizer_sees_inplace_updates(torch):
    results = []
    for lib in (dlcore, torch):
        p = lib.nn.Parameter(lib.tensor(W0.copy()))
        opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
        for step in range(3):
            opt.zero_grad()
            (p * p).sum().backward()
            opt.step()
            with lib.no_grad():
                p *= 0.5 if step == 1 else 1.0
        results.append(p.detach().numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


# ---- .data -----------------------------------------------------------------------------------


def test_data_plus_equals_a_tensor_updates_the_parameter(torch):
    results = []
    for lib in (dlcore, torch):
        W = lib.tensor(W0.copy(), requires_grad=True)
        for _ in range(2):
            (W * W).sum().backward()
            W.data += -0.5 * W.grad
            W.grad = None
        assert W.requires_grad and W.is_leaf
        results.append(W.detach().numpy().copy())
    assert isinstance(W.data, torch.Tensor)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)
    np.testing.assert_allclose(results[0], 0 * W0)


def test_data_assignment_from_a_tensor(torch):
    lin = nn.Linear(2, 1)
    new = dlcore.tensor([[0.1, -0.1]])
    lin.weight.data = new
    assert isinstance(lin.weight.data, np.ndarray) and lin.weight.data is new.data  # shared, as torch
    assert lin.weight.requires_grad and isinstance(lin.weight, nn.Parameter)
    opt = dlcore.optim.SGD(lin.parameters(), lr=1.0)
    lin(dlcore.ones(3, 2)).sum().backward()
    opt.step()
    np.testing.assert_allclose(lin.weight.detach().numpy(), [[0.1 - 3, -0.1 - 3]], rtol=1e-6)
    # another shape is allowed, as torch
    for lib in (dlcore, torch):
        p = lib.nn.Parameter(lib.ones(2, 2))
        p.data = lib.zeros(3)
        assert tuple(p.shape) == (3,) and p.requires_grad


def test_data_assignment_errors(torch):
    p = nn.Parameter(dlcore.ones(2))
    with pytest.raises(TypeError, match=r"Tensor\.data: has to be set to a tensor, got list"):
        p.data = [1.0, 2.0]
    with pytest.raises(TypeError, match="must be floating point, got int64"):
        p.data = dlcore.tensor([1, 2])
    assert p.tolist() == [1.0, 1.0]
    tp = torch.nn.Parameter(torch.ones(2))
    with pytest.raises(TypeError):
        tp.data = [1.0, 2.0]
    with pytest.raises(RuntimeError, match="must be floating point"):
        tp.data = torch.tensor([1, 2])


# ---- load, Sequential, data, modes, factories ------------------------------------------------


def test_load_accepts_torch_arguments(tmp_path):
    path = tmp_path / "m.pt"
    model = nn.Linear(2, 3)
    dlcore.save(model.state_dict(), path)
    for kwargs in (
        {},
        {"map_location": "cpu"},
        {"map_location": dlcore.device("cpu")},
        {"weights_only": True},
    ):
        state = dlcore.load(path, **kwargs)
        np.testing.assert_array_equal(state["weight"].numpy(), model.weight.detach().numpy())
        assert state["weight"].device == "cpu"
    assert list(dlcore.load(path, weights_only=False)) == ["weight", "bias"]  # nothing is unpickled anyway
    with pytest.raises(TypeError, match="load: map_location must be a device or a device string, got dict"):
        dlcore.load(path, map_location={"cuda:0": "cpu"})
    with pytest.raises(TypeError, match=r"load: unexpected arguments \['encoding'\]"):
        dlcore.load(path, encoding="latin1")


def test_sequential_from_an_ordered_dict(torch):
    mods = collections.OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU()), ("out", nn.Linear(3, 1))])
    model = nn.Sequential(mods)
    assert list(model.state_dict()) == ["fc.weight", "fc.bias", "out.weight", "out.bias"]
    assert model.fc is mods["fc"] and model[2] is mods["out"] and len(model) == 3
    tmods = collections.OrderedDict(
        [("fc", torch.nn.Linear(2, 3)), ("act", torch.nn.ReLU()), ("out", torch.nn.Linear(3, 1))]
    )
    assert list(torch.nn.Sequential(tmods).state_dict()) == list(model.state_dict())
    assert model(dlcore.ones(4, 2)).shape == (4, 1)


def test_tensor_dataset_items_are_tensors(torch):
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6)
    ds = TensorDataset(x, y)
    tds = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    for i in (0, 5, -1, slice(1, 4)):
        got, ref = ds[i], tds[i]
        assert all(isinstance(a, dlcore.Tensor) for a in got)
        for a, b in zip(got, ref):
            assert a.shape == tuple(b.shape)
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    first_x, first_y = ds[0]
    assert first_y.item() == 0 and first_x.tolist() == [0.0, 1.0]
    batches = list(DataLoader(ds, batch_size=4))
    assert [b[0].shape for b in batches] == [(4, 2), (2, 2)]
    np.testing.assert_array_equal(batches[1][1].numpy(), [4, 5])


def test_inference_mode_as_context_and_decorator(torch):
    for lib in (dlcore, torch):
        x = lib.ones(2, requires_grad=True)
        with lib.inference_mode():
            assert not (x * 2).requires_grad
        with lib.inference_mode(False):
            assert (x * 2).requires_grad

        @lib.inference_mode()
        def f(v):
            return v * 2

        assert not f(x).requires_grad and lib.is_grad_enabled()


def test_eye_like_factories_and_is_tensor(torch):
    for args in ((3,), (2, 4), (0,), (3, 0)):
        np.testing.assert_array_equal(dlcore.eye(*args).numpy(), torch.eye(*args).numpy())
    assert dlcore.eye(2, dtype=dlcore.int64).dtype == np.int64
    assert dlcore.eye(2, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="eye: n must be a non-negative integer, got -1"):
        dlcore.eye(-1)
    x = dlcore.ones(3, 2, dtype=dlcore.float64)
    for fn in (dlcore.rand_like, dlcore.randn_like):
        r = fn(x)
        assert r.shape == (3, 2) and r.dtype == np.float64 and not r.requires_grad
    u = dlcore.rand_like(dlcore.ones(1000))
    assert float(u.min()) >= 0.0 and float(u.max()) < 1.0
    assert dlcore.is_tensor(x) and not dlcore.is_tensor(x.numpy()) and not dlcore.is_tensor(1.0)


def test_comparison_with_none_is_false_as_torch(torch):
    x, t = dlcore.ones(2), torch.ones(2)
    assert (x == None) is (t == None) is False  # noqa: E711
    assert (x != None) is (t != None) is True  # noqa: E711


# ---- the BCE loss modules --------------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_modules_match_torch(torch, reduction):
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (5, 3)).astype(np.float32)
    target = (rng.random((5, 3)) < 0.5).astype(np.float32)
    weight = rng.uniform(0.5, 2, 3).astype(np.float32)
    pos = rng.uniform(0.5, 3, 3).astype(np.float32)
    probs = 1 / (1 + np.exp(-logits))
    cases = [
        (nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss, logits, {}),
        (nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss, logits, {"weight": weight, "pos_weight": pos}),
        (nn.BCELoss, torch.nn.BCELoss, probs, {}),
        (nn.BCELoss, torch.nn.BCELoss, probs, {"weight": weight}),
    ]
    for dcls, tcls, inp, kw in cases:
        x = dlcore.tensor(inp, requires_grad=True)
        xt = torch.tensor(inp, requires_grad=True)
        out = dcls(**{k: dlcore.tensor(v) for k, v in kw.items()}, reduction=reduction)(
            x, dlcore.tensor(target)
        )
        ref = tcls(**{k: torch.tensor(v) for k, v in kw.items()}, reduction=reduction)(
            xt, torch.tensor(target)
        )
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
        out.sum().backward()
        ref.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="BCEWithLogitsLoss: reduction must be 'mean', 'sum' or 'none'"):
        nn.BCEWithLogitsLoss(reduction="avg")


def test_leaky_relu_and_smooth_l1_modules_match_torch(torch):
    x = np.array([[-2.0, -0.5, 0.0, 0.3, 3.0]], dtype=np.float32)
    y = np.array([[0.0, 0.5, 0.2, 1.0, -1.0]], dtype=np.float32)
    for dmod, tmod in (
        (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
        (nn.LeakyReLU(), torch.nn.LeakyReLU()),
    ):
        np.testing.assert_allclose(dmod(dlcore.tensor(x)).numpy(), tmod(torch.tensor(x)).numpy())
    assert repr(nn.LeakyReLU(0.2)) == repr(torch.nn.LeakyReLU(0.2))
    for kw in ({}, {"beta": 0.5, "reduction": "sum"}, {"beta": 0.0, "reduction": "none"}):
        got = nn.SmoothL1Loss(**kw)(dlcore.tensor(x), dlcore.tensor(y))
        ref = torch.nn.SmoothL1Loss(**kw)(torch.tensor(x), torch.tensor(y))
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="SmoothL1Loss: beta must be non-negative, got -1"):
        nn.SmoothL1Loss(beta=-1)


def test_flip_returns_a_copy_as_torch(torch):
    x = dlcore.tensor(W0)
    y = x.flip(0)
    y[0, 0] = 100.0
    np.testing.assert_array_equal(x.numpy(), W0)
    assert dlcore.flip(x, ()).tolist() == torch.flip(torch.tensor(W0), ()).tolist()
    with pytest.raises(TypeError, match="flip: missing the dims to flip"):
        x.flip()


def test_copy_from_a_constant_into_a_graph_tensor_gives_a_zero_gradient(torch):
    grads = []
    for lib in (dlcore, torch):
        x = lib.tensor(W0, requires_grad=True)
        y = x * 2
        y.copy_(lib.tensor(G0))
        assert y.requires_grad
        (y * x).sum().backward()
        grads.append(x.grad.numpy().copy())
    np.testing.assert_allclose(grads[0], grads[1])


def test_fuzz_findings_of_the_merge_raise_as_torch():
    """gather on a 0-d input takes dims -1 and 0 only; topk refuses bool; copy_ refuses a source
    with more dims than the tensor (numpy would drop its leading 1s)."""
    with pytest.raises(ValueError, match="gather: dim 1 is out of range"):
        dlcore.tensor(0).gather(1, dlcore.tensor(0))
    with pytest.raises(TypeError, match="topk: bool tensors are not supported"):
        dlcore.tensor([True, False]).topk(1)
    x = dlcore.tensor(0.0)
    with pytest.raises(ValueError, match=r"copy_: source of shape \(1,\) does not broadcast to \(\)"):
        x.copy_(np.zeros(1, np.float32))
    assert x.item() == 0.0


def test_fuzz_findings_at_300_examples_follow_torch():
    """Comparisons in torch's result type (a 0-d float64 against float32 compares in float32, a 0-d
    int32 -1 against uint8 wraps to 255); bool ** Python bool computes; // and % refuse bool;
    one_hot of an empty tensor needs num_classes > 0."""
    tiny = dlcore.from_numpy(np.array(2.22507386e-308))
    assert (tiny <= dlcore.from_numpy(np.zeros(1, np.float32))).numpy().tolist() == [True]
    u8 = dlcore.from_numpy(np.zeros(1, np.uint8))
    assert (u8 < dlcore.from_numpy(np.array(-1, np.int32))).numpy().tolist() == [True]
    mask = dlcore.tensor([False, True])
    assert (mask**False).numpy().tolist() == [True, True] and (mask**True).numpy().tolist() == [False, True]
    with pytest.raises(TypeError, match="floor_divide: bool tensors are not supported"):
        mask // mask
    with pytest.raises(TypeError, match="remainder: bool tensors are not supported"):
        mask % mask
    with pytest.raises(ValueError, match="one_hot: can not infer"):
        dlcore.nn.functional.one_hot(dlcore.from_numpy(np.zeros(0, np.int64)), 0)


def test_argmax_and_argmin_refuse_bool_as_torch_while_max_over_a_dim_takes_it():
    mask = dlcore.tensor([False, True, True])
    for fn in (dlcore.argmax, dlcore.argmin, lambda m: m.argmax(0), lambda m: m.argmin()):
        with pytest.raises(TypeError, match=r"arg(max|min): does not support bool input"):
            fn(mask)
    values, indices = mask.max(0)
    assert bool(values.item()) and indices.item() == 1


def test_gather_counts_a_0d_tensor_as_1d_as_torch():
    x = dlcore.tensor([5.0, 6.0], requires_grad=True)
    y = x.gather(0, dlcore.tensor(1))
    y.backward()
    assert y.shape == () and y.item() == 6.0 and x.grad.numpy().tolist() == [0.0, 1.0]
    assert dlcore.tensor(7.0).gather(0, dlcore.tensor([0, 0])).numpy().tolist() == [7.0, 7.0]
