"""dlcore.nn: Module registration and traversal, state_dict / load_state_dict (round trip, clear
errors that leave the model unchanged), train/eval, to(), repr, Linear, Sequential, losses.
"""

import math

import numpy as np
import pytest

import dlcore
from dlcore import Tensor, nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 6)
        self.act = nn.Tanh()
        self.scale = nn.Parameter(dlcore.ones(6))
        self.register_buffer("running", dlcore.zeros(6))

    def forward(self, x):
        return self.act(self.proj(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Parameter(dlcore.randn(3, 4))
        self.block = Block()
        self.head = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 2, bias=False))
        self.note = "plain attribute"

    def forward(self, x):
        return self.head(self.block(x + self.embed.sum(0)))


NET_NAMES = [
    "embed",
    "block.scale",
    "block.proj.weight",
    "block.proj.bias",
    "head.0.weight",
    "head.0.bias",
    "head.2.weight",
]


def _snapshot(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def _same(model, snap):
    sd = model.state_dict()
    return sd.keys() == snap.keys() and all(np.array_equal(sd[k].numpy(), snap[k]) for k in snap)


# ---- registration ----------------------------------------------------------------------------


def test_registration_and_traversal():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == NET_NAMES
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == [
        "",
        "block",
        "block.proj",
        "block.act",
        "head",
        "head.0",
        "head.1",
        "head.2",
    ]
    assert [n for n, _ in net.named_buffers()] == ["block.running"]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["embed"]
    assert net.note == "plain attribute" and net.head[2].bias is None
    assert list(net.state_dict()) == [
        "embed",
        "block.scale",
        "block.running",
        "block.proj.weight",
        "block.proj.bias",
        "head.0.weight",
        "head.0.bias",
        "head.2.weight",
    ]


def test_reassigning_and_deleting_attributes():
    net = Net()
    net.block = nn.Identity()  # a module replaced by another module
    assert "block.proj.weight" not in dict(net.named_parameters())
    with pytest.raises(
        TypeError, match="cannot assign Tensor as parameter 'embed' \\(Parameter or None expected\\)"
    ):
        net.embed = dlcore.zeros(2)  # as torch: a plain tensor there would silently stop training
    assert "embed" in dict(net.named_parameters())
    with pytest.raises(TypeError, match="cannot assign int as child module 'head'"):
        net.head = 3
    net.embed = None  # None keeps the slot, as torch
    assert (
        net.embed is None and "embed" not in dict(net.named_parameters()) and "embed" not in net.state_dict()
    )
    net.embed = nn.Parameter(dlcore.ones(2))
    assert next(iter(net.named_parameters()))[0] == "embed"
    net.block2 = Block()
    net.block2.running = dlcore.ones(6)  # a buffer takes a new tensor
    assert net.state_dict()["block2.running"].numpy().sum() == 6
    with pytest.raises(TypeError, match="buffer 'running'"):
        net.block2.running = np.ones(6)
    with pytest.raises(TypeError, match="register_parameter: expected a Parameter or None"):
        net.register_parameter("w", dlcore.ones(2))
    net.extra = nn.Parameter(dlcore.ones(1))
    del net.extra
    assert "extra" not in dict(net.named_parameters())
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'missing'"):
        net.missing


def test_shared_parameters_are_listed_once():
    a = nn.Linear(3, 3)
    seq = nn.Sequential(a, nn.ReLU(), a)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # as torch


def test_errors_on_registration():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(dlcore.ones(1))

    with pytest.raises(RuntimeError, match=r"call super\(\)\.__init__\(\)"):
        Early()
    m = nn.Module()
    with pytest.raises(TypeError, match="register_buffer: expected a Tensor"):
        m.register_buffer("b", np.ones(2))
    with pytest.raises(TypeError, match="add_module: int is not a Module"):
        m.add_module("x", 3)
    with pytest.raises(NotImplementedError, match="does not define forward"):
        m(1)


def test_parameter():
    p = nn.Parameter(dlcore.ones(2, 3))
    assert isinstance(p, Tensor) and p.requires_grad and p.is_leaf and p.dtype == np.float32
    t = dlcore.ones(2)
    assert np.shares_memory(nn.Parameter(t).numpy(), t.numpy())
    assert not nn.Parameter(dlcore.ones(1), requires_grad=False).requires_grad


# ---- state_dict ------------------------------------------------------------------------------


def test_state_dict_round_trip():
    a, b = Net(), Net()
    x = dlcore.randn(5, 4)
    assert not np.allclose(a(x).numpy(), b(x).numpy())
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    # values are copied, not shared, and plain numpy arrays load too
    b.load_state_dict({k: v.numpy() * 2 for k, v in a.state_dict().items()})
    np.testing.assert_array_equal(b.embed.numpy(), 2 * a.embed.numpy())
    assert not np.shares_memory(a.embed.numpy(), b.embed.numpy())


def test_load_state_dict_keeps_storage_identity():
    net = Net()
    w = net.head[0].weight
    data = w.data
    net.load_state_dict(Net().state_dict())
    assert net.head[0].weight is w and w.data is data  # optimizers holding views stay valid


@pytest.mark.parametrize(
    "mutate,pattern",
    [
        (lambda sd: sd.pop("block.proj.bias"), r"missing keys \['block.proj.bias'\]"),
        (lambda sd: sd.__setitem__("head.2.bias", np.zeros(2)), r"unexpected keys \['head.2.bias'\]"),
        (
            lambda sd: sd.__setitem__("head.0.weight", np.zeros((6, 5))),
            r"'head.0.weight': checkpoint shape \(6, 5\) != model shape \(5, 6\)",
        ),
        (
            lambda sd: sd.__setitem__("block.running", np.zeros(7)),
            r"'block.running': checkpoint shape \(7,\)",
        ),
    ],
)
def test_load_state_dict_errors_leave_the_model_unchanged(mutate, pattern):
    net = Net()
    before = _snapshot(net)
    sd = {k: v.numpy() + 1.0 for k, v in Net().state_dict().items()}  # different valid values
    mutate(sd)
    with pytest.raises(ValueError, match=pattern):
        net.load_state_dict(sd)
    assert _same(net, before)


def test_load_state_dict_unconvertible_value_leaves_the_model_unchanged():
    net = Net()
    before = _snapshot(net)
    sd = {k: v.numpy() + 1.0 for k, v in Net().state_dict().items()}
    sd["head.2.weight"] = "not an array"  # fails on the last key: nothing before it may be written
    with pytest.raises(ValueError, match=r"'head.2.weight': cannot convert str"):
        net.load_state_dict(sd)
    assert _same(net, before)


def test_load_state_dict_non_strict():
    net = Net()
    sd = {k: v.numpy() + 1.0 for k, v in net.state_dict().items()}
    del sd["embed"]
    sd["other"] = np.zeros(1)
    old_embed = net.embed.numpy().copy()
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert missing == ["embed"] and unexpected == ["other"]
    np.testing.assert_array_equal(net.embed.numpy(), old_embed)
    np.testing.assert_array_equal(net.block.scale.numpy(), np.full(6, 2.0, np.float32))
    with pytest.raises(ValueError, match=r"'head\.2\.weight': checkpoint shape"):
        net.load_state_dict({"head.2.weight": np.zeros(3)}, strict=False)


# ---- modes, dtype, repr ----------------------------------------------------------------------


def test_train_eval_propagate():
    net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.Sequential(nn.Dropout(0.2)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    x = dlcore.ones(8, 4)
    np.testing.assert_array_equal(net(x).numpy(), net(x).numpy())  # dropout off in eval
    net.train()
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not net[1].training


def test_to_float64():
    net = Net()
    x = dlcore.randn(2, 4)
    y32 = net(x).numpy()
    net(x).sum().backward()
    assert net.to(dlcore.float64) is net
    assert all(p.dtype == np.float64 for p in net.parameters()) and net.block.running.dtype == np.float64
    assert all(p.grad.dtype == np.float64 for p in net.parameters())
    y64 = net(x.double()).numpy()
    assert y64.dtype == np.float64
    np.testing.assert_allclose(y64, y32, rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="same dtype"):
        net.head(dlcore.randn(2, 6))  # float32 input into a float64 layer: a clear error, as torch
    assert net.float().head[0].weight.dtype == np.float32 and net.double().embed.dtype == np.float64


def test_repr_matches_torch_format():
    net = nn.Sequential(
        nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1, bias=False), nn.Dropout(0.1))
    )
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=1, bias=False)\n"
        "    (1): Dropout(p=0.1)\n"
        "  )\n"
        ")"
    )


def test_zero_grad_and_requires_grad():
    net = Net()
    net(dlcore.randn(2, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not net(dlcore.randn(2, 4)).requires_grad


def test_apply_visits_every_module():
    seen = []
    Net().apply(lambda m: seen.append(type(m).__name__))
    assert sorted(seen) == sorted(
        ["Linear", "Tanh", "Block", "Linear", "ReLU", "Linear", "Sequential", "Net"]
    )


# ---- layers ----------------------------------------------------------------------------------


def test_linear_layout_and_init_bounds():
    lin = nn.Linear(50, 40)
    assert lin.weight.shape == (40, 50) and lin.bias.shape == (40,) and lin.weight.dtype == np.float32
    bound = 1 / math.sqrt(50)
    for p in (lin.weight, lin.bias):
        v = p.numpy()
        assert np.abs(v).max() <= bound and np.abs(v).max() > 0.9 * bound
    assert abs(lin.weight.numpy().std() - bound / math.sqrt(3)) < 0.1 * bound  # uniform, not constant
    x = dlcore.randn(3, 50)
    np.testing.assert_allclose(
        lin(x).numpy(), x.numpy() @ lin.weight.numpy().T + lin.bias.numpy(), rtol=1e-5, atol=1e-6
    )
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=np.float64).weight.dtype == np.float64
    assert lin(dlcore.randn(2, 7, 50)).shape == (2, 7, 40)


def test_linear_bad_input():
    lin = nn.Linear(4, 3)
    with pytest.raises(ValueError, match=r"Linear\(4, 3\): input of shape \(2, 5\) must end in 4 features"):
        lin(dlcore.ones(2, 5))
    with pytest.raises(ValueError, match=r"input of shape \(\)"):
        lin(dlcore.tensor(1.0))
    with pytest.raises(TypeError, match="same dtype"):
        lin(dlcore.ones(2, 4, dtype=dlcore.float64))
    for bad in (-1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="in_features must be a non-negative int"):
            nn.Linear(bad, 3)


def test_sequential_indexing():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and seq[0] is layers[0] and seq[-1] is layers[2] and list(seq) == layers
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == layers[1:]
    assert list(tail.state_dict()) == ["2.weight", "2.bias"]  # original names, as torch
    with pytest.raises(IndexError):
        seq[3]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    x = dlcore.randn(4, 2)
    np.testing.assert_allclose(seq(x).numpy(), layers[2](layers[1](layers[0](x))).sigmoid().numpy())


def test_module_list_and_simple_layers():
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Tanh()])
    ml.append(nn.Identity())
    assert (
        len(ml) == 3
        and isinstance(ml[1], nn.Tanh)
        and [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias"]
    )
    x = dlcore.randn(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12) and nn.Flatten(0, 1)(x).shape == (6, 4)
    np.testing.assert_allclose(nn.Softmax(1)(x).numpy().sum(1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(nn.LogSoftmax()(x).exp().numpy().sum(-1), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="Dropout: p must be in"):
        nn.Dropout(-0.1)


@pytest.mark.parametrize("cls", [nn.MSELoss, nn.L1Loss, nn.CrossEntropyLoss, nn.NLLLoss, nn.HuberLoss])
def test_loss_modules_reject_bad_reduction(cls):
    with pytest.raises(ValueError, match=f"{cls.__name__}: reduction must be"):
        cls(reduction="avg")


def test_loss_modules_bad_shapes():
    with pytest.raises(ValueError, match=r"mse_loss: input shape \(3, 2\) and target shape \(3,\)"):
        nn.MSELoss()(dlcore.ones(3, 2), dlcore.ones(3))
    with pytest.raises(ValueError, match=r"cross_entropy: .*\(3, 2\) and \(4,\)"):
        nn.CrossEntropyLoss()(dlcore.ones(3, 2), dlcore.tensor([0, 1, 1, 0]))


# ---- the same architecture in torch ----------------------------------------------------------


@pytest.mark.torch
def test_named_parameters_and_state_dict_keys_match_torch(torch):
    tnn = torch.nn

    class TBlock(tnn.Module):
        def __init__(self):
            super().__init__()
            self.proj = tnn.Linear(4, 6)
            self.act = tnn.Tanh()
            self.scale = tnn.Parameter(torch.ones(6))
            self.register_buffer("running", torch.zeros(6))

    class TNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.embed = tnn.Parameter(torch.randn(3, 4))
            self.block = TBlock()
            self.head = tnn.Sequential(tnn.Linear(6, 5), tnn.ReLU(), tnn.Linear(5, 2, bias=False))

    t, d = TNet(), Net()
    assert [(n, tuple(p.shape)) for n, p in t.named_parameters()] == [
        (n, p.shape) for n, p in d.named_parameters()
    ]
    assert list(t.state_dict()) == list(d.state_dict())
    assert [n for n, _ in t.named_modules()] == [n for n, _ in d.named_modules()]
    d.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    np.testing.assert_array_equal(d.block.proj.weight.numpy(), t.block.proj.weight.detach().numpy())
    d.load_state_dict(t.state_dict())  # torch tensors load directly
    np.testing.assert_array_equal(d.embed.numpy(), t.embed.detach().numpy())
    before = _snapshot(d)
    with pytest.raises(ValueError, match="'embed': cannot convert Parameter"):  # requires grad: no numpy()
        d.load_state_dict(dict(t.named_parameters(), **{"block.running": t.block.running}))
    assert _same(d, before)
    tl = tnn.Sequential(
        tnn.Linear(2, 3), tnn.ReLU(), tnn.Sequential(tnn.Linear(3, 1, bias=False), tnn.Tanh())
    )
    dl = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1, bias=False), nn.Tanh()))
    assert repr(tl) == repr(dl)

    class TWithExtra(tnn.Module):
        def __init__(self):
            super().__init__()
            self.lin = tnn.Linear(2, 2)

        def extra_repr(self):
            return "k=3"

    class DWithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def extra_repr(self):
            return "k=3"

    assert repr(TWithExtra()).replace("TWith", "DWith") == repr(DWithExtra())
