"""dlcore.models.resnet: shapes, torchvision-style names, forward against the same network built
from torch.nn with the same weights (train and eval mode), gradients reaching every parameter,
and training on a tiny batch of digits."""

import numpy as np
import pytest

import dlcore
from dlcore import nn, optim
from dlcore.models.resnet import BasicBlock, ResNet

torch = pytest.importorskip("torch")


def _torch_twin(widths, depths, num_classes=10, in_channels=1):
    """The same architecture in torch.nn, with the same submodule names."""
    tnn = torch.nn

    class Block(tnn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = tnn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(cout)
            self.conv2 = tnn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = tnn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = tnn.Sequential(
                    tnn.Conv2d(cin, cout, 1, stride, bias=False), tnn.BatchNorm2d(cout)
                )

        def forward(self, x):
            out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
            return torch.relu(out + (x if self.downsample is None else self.downsample(x)))

    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = tnn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(widths[0])
            blocks, c = [], widths[0]
            for i, (w, d) in enumerate(zip(widths, depths)):
                for j in range(d):
                    blocks.append(Block(c, w, 2 if i > 0 and j == 0 else 1))
                    c = w
            self.layers = tnn.Sequential(*blocks)
            self.fc = tnn.Linear(c, num_classes)

        def forward(self, x):
            x = self.layers(torch.relu(self.bn1(self.conv1(x))))
            return self.fc(x.mean((2, 3)))

    return Net().double()


def _copy_weights(model, twin):
    state = {k: torch.from_numpy(v.numpy().astype(np.float64)) for k, v in model.state_dict().items()}
    missing, unexpected = twin.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)


@pytest.mark.parametrize(
    "widths, depths, shape", [((4, 6), (1, 2), (3, 1, 9, 7)), ((8,), (2,), (2, 1, 8, 8))]
)
def test_forward_matches_torch_in_train_and_eval_mode(widths, depths, shape):
    dlcore.manual_seed(0)
    model = ResNet(10, 1, widths, depths).double()
    twin = _torch_twin(widths, depths)
    _copy_weights(model, twin)
    x = np.random.default_rng(0).standard_normal(shape)
    for train in (True, False):  # train mode updates both sides' running stats, then eval uses them
        model.train(train)
        twin.train(train)
        got = model(dlcore.from_numpy(x)).numpy()
        want = twin(torch.from_numpy(x)).detach().numpy()
        assert got.shape == (shape[0], 10)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10, err_msg=f"train={train}")


def test_state_dict_names_and_shapes_follow_torchvision():
    model = ResNet(widths=(16, 32, 64), depths=(1, 1, 1))
    names = list(model.state_dict())
    assert "layers.1.downsample.0.weight" in names and "layers.1.downsample.1.running_var" in names
    assert "layers.0.downsample.0.weight" not in names  # first stage keeps 16 channels, stride 1
    assert model.state_dict()["layers.2.conv1.weight"].shape == (64, 32, 3, 3)
    # stem 144 + 32; block 16->16: 2*2304 + 2*32; 16->32: 4608 + 9216 + 512 + 3*64;
    # 32->64: 18432 + 36864 + 2048 + 3*128; fc 650
    assert sum(p.numel() for p in model.parameters()) == 77_754


def test_gradients_reach_every_parameter_and_zero_init_starts_from_the_shortcut():
    dlcore.manual_seed(1)
    model = ResNet(widths=(4, 8), depths=(1, 1))
    x = dlcore.randn(4, 1, 8, 8)
    nn.CrossEntropyLoss()(model(x), dlcore.tensor(np.arange(4))).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and np.abs(p.grad.numpy()).sum() > 0, name
    block = BasicBlock(4, 4, zero_init=True)
    block.eval()
    h = dlcore.randn(2, 4, 5, 5)
    np.testing.assert_array_equal(block(h).numpy(), np.maximum(h.numpy(), 0))


def test_trains_on_a_tiny_batch_of_digits():
    pytest.importorskip("sklearn")
    from dlcore.data import digits

    x, y = digits("train", images=True)
    x, y = dlcore.from_numpy(x[:32]), dlcore.from_numpy(y[:32])
    dlcore.manual_seed(0)
    model = ResNet(widths=(8, 16), depths=(1, 1))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(40):
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    acc = float(np.mean(model(x).numpy().argmax(1) == y.numpy()))
    assert losses[-1] < 0.1 * losses[0] and acc == 1.0, (losses[::10], acc)


def test_bad_configuration():
    with pytest.raises(ValueError, match="ResNet: widths and depths"):
        ResNet(widths=(8, 16), depths=(1,))
