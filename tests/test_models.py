"""dlcore.models: SmallCNN and AllConvNet shapes, errors, torch parity through the state_dict,
and that each learns a tiny batch."""

import numpy as np
import pytest

import dlcore
from dlcore import nn
from dlcore.models import AllConvNet, SmallCNN


def _x(shape, seed=0, dtype=np.float32):
    return dlcore.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


@pytest.mark.parametrize(
    "kw,shape,out",
    [
        ({}, (5, 1, 8, 8), (5, 10)),
        ({"image_size": 16, "num_classes": 3, "channels": (4, 6), "hidden": 7}, (2, 1, 16, 16), (2, 3)),
        ({"in_channels": 2, "image_size": 9, "global_pool": True}, (3, 2, 9, 9), (3, 10)),
        ({"global_pool": True}, (1, 1, 13, 7), (1, 10)),  # global pooling takes any H, W >= 2
        ({}, (0, 1, 8, 8), (0, 10)),
    ],
)
def test_small_cnn_shapes(kw, shape, out):
    assert SmallCNN(**kw)(_x(shape)).shape == out


@pytest.mark.parametrize("kw", [{}, {"downsample": "maxpool"}, {"channels": (3, 5), "num_classes": 4}])
@pytest.mark.parametrize("shape", [(4, 1, 8, 8), (2, 1, 16, 16), (1, 1, 4, 4)])
def test_all_conv_shapes(kw, shape):
    assert AllConvNet(**kw)(_x(shape)).shape == (shape[0], kw.get("num_classes", 10))


def test_maxpool_control_has_the_same_parameters():
    a, b = AllConvNet(), AllConvNet(downsample="maxpool")
    assert [p.shape for p in a.parameters()] == [p.shape for p in b.parameters()]
    assert list(b.state_dict()) == [f"features.{i}.{w}" for i in (0, 2, 5, 7, 10) for w in ("weight", "bias")]


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"SmallCNN: expected input \(N, 1, H, W\) with H, W 8x8"):
        SmallCNN()(_x((2, 1, 16, 16)))
    with pytest.raises(ValueError, match=r"SmallCNN: expected input \(N, 2, H, W\)"):
        SmallCNN(in_channels=2)(_x((2, 1, 8, 8)))
    with pytest.raises(ValueError, match="AllConvNet: expected input"):
        AllConvNet()(_x((2, 8, 8)))
    with pytest.raises(ValueError, match="AllConvNet: expected input"):
        AllConvNet()(_x((2, 1, 3, 8)))
    with pytest.raises(ValueError, match="SmallCNN: num_classes"):
        SmallCNN(num_classes=0)
    with pytest.raises(ValueError, match="SmallCNN: channels"):
        SmallCNN(channels=(4,))
    with pytest.raises(ValueError, match="SmallCNN: image_size"):
        SmallCNN(image_size=1)
    with pytest.raises(ValueError, match="AllConvNet: downsample"):
        AllConvNet(downsample="avg")
    with pytest.raises(ValueError, match="AllConvNet: channels"):
        AllConvNet(channels=(4, True))


def _torch_small_cnn(torch, in_ch, c0, c1, flat, hidden, classes, global_pool):
    tnn = torch.nn

    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features = tnn.Sequential(
                tnn.Conv2d(in_ch, c0, 3, padding=1), tnn.ReLU(), tnn.Conv2d(c0, c1, 3, padding=1),
                tnn.ReLU(), tnn.MaxPool2d(2, ceil_mode=True),
            )  # fmt: skip
            self.classifier = tnn.Sequential(
                tnn.Flatten(), tnn.Linear(flat, hidden), tnn.ReLU(), tnn.Linear(hidden, classes)
            )

        def forward(self, x):
            h = self.features(x)
            return self.classifier(h.amax((2, 3)) if global_pool else h)

    return Net()


def _torch_all_conv(torch, in_ch, c0, c1, classes, downsample):
    tnn = torch.nn

    def down(c):
        if downsample == "stride":
            return [tnn.Conv2d(c, c, 3, stride=2, padding=1), tnn.ReLU()]
        return [tnn.Conv2d(c, c, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2)]

    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features = tnn.Sequential(
                tnn.Conv2d(in_ch, c0, 3, padding=1), tnn.ReLU(), *down(c0),
                tnn.Conv2d(c0, c1, 3, padding=1), tnn.ReLU(), *down(c1), tnn.Conv2d(c1, classes, 1),
            )  # fmt: skip

        def forward(self, x):
            return self.features(x).mean((2, 3))

    return Net()


def _parity(torch, ours, theirs, x):
    """Load our state_dict into the torch twin; outputs and parameter gradients must agree."""
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    assert list(theirs.state_dict()) == list(ours.state_dict())
    xt = torch.from_numpy(x.copy())
    target = np.arange(len(x)) % 3
    out = ours(dlcore.from_numpy(x))
    nn.CrossEntropyLoss()(out, dlcore.from_numpy(target)).backward()
    tout = theirs(xt)
    torch.nn.functional.cross_entropy(tout, torch.from_numpy(target)).backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    tgrads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tgrads[name].grad.numpy(), rtol=1e-3, atol=1e-5)


@pytest.mark.torch
@pytest.mark.parametrize(
    "kw,size",
    [({}, 8), ({"image_size": 16, "channels": (4, 6), "hidden": 7, "num_classes": 3}, 16),
     ({"in_channels": 2, "channels": (5, 3), "global_pool": True}, 9),
     ({"image_size": 9, "channels": (3, 4), "hidden": 5}, 9)],
)  # fmt: skip
def test_small_cnn_matches_torch(kw, size):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    ours = SmallCNN(**kw)
    c0, c1 = kw.get("channels", (16, 32))
    gp = kw.get("global_pool", False)
    flat = c1 if gp else c1 * ((size + 1) // 2) ** 2
    theirs = _torch_small_cnn(
        torch, kw.get("in_channels", 1), c0, c1, flat, kw.get("hidden", 64), kw.get("num_classes", 10), gp
    )
    x = np.random.default_rng(1).standard_normal((4, kw.get("in_channels", 1), size, size)).astype(np.float32)
    _parity(torch, ours, theirs, x)


@pytest.mark.torch
@pytest.mark.parametrize("downsample", ["stride", "maxpool"])
@pytest.mark.parametrize("size", [8, 12])
def test_all_conv_matches_torch(downsample, size):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    ours = AllConvNet(num_classes=5, in_channels=2, channels=(4, 6), downsample=downsample)
    theirs = _torch_all_conv(torch, 2, 4, 6, 5, downsample)
    x = np.random.default_rng(2).standard_normal((3, 2, size, size)).astype(np.float32)
    _parity(torch, ours, theirs, x)


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: SmallCNN(num_classes=3, channels=(4, 8), hidden=16), (12, 1, 8, 8)),
        (lambda: SmallCNN(num_classes=3, in_channels=2, image_size=9, global_pool=True), (12, 2, 9, 9)),
        (lambda: AllConvNet(num_classes=3, channels=(4, 8)), (12, 1, 8, 8)),
        (lambda: AllConvNet(num_classes=3, channels=(4, 8), downsample="maxpool"), (12, 1, 8, 8)),
    ],
)
def test_learns_a_tiny_batch(make, shape):
    """Adam fits 12 random images with random labels (memorisation): loss falls by 10x or more,
    every parameter is updated and stays float32."""
    from dlcore import optim

    dlcore.manual_seed(0)
    model = make()
    x = _x(shape, seed=3)
    y = dlcore.from_numpy(np.arange(12) % 3)
    before = [p.numpy().copy() for p in model.parameters()]
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 10, losses[::10]
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters())
    assert all(not np.array_equal(b, p.numpy()) for b, p in zip(before, model.parameters()))
    assert np.mean(model(x).numpy().argmax(1) == y.numpy()) == 1.0


def test_amax_gradient_keeps_float32():
    """Global max-pooling (x.amax over H, W) hands a float32 gradient back to the conv below."""
    x = _x((2, 3, 4, 4))
    x.requires_grad_(True)
    x.amax((2, 3)).sum().backward()
    assert x.grad.dtype == np.float32
    g = dlcore.ops.reduce.Max()
    g.forward(x.numpy(), axis=(2, 3))
    assert g.backward(np.ones((2, 3), np.float32))[0].dtype == np.float32
