"""nn.Conv1d/Conv2d beyond the op table: torch's repr, state_dict names and init bounds, a
checkpoint moved from torch, causality of padding='causal', and a small CNN that learns."""

import numpy as np
import pytest

import dlcore
import dlcore.nn as nn
import dlcore.nn.functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((3, 8, 3), {}),
        ((4, 6, (3, 2)), {"stride": 2, "padding": 1, "groups": 2, "bias": False}),
        ((2, 4, 3), {"padding": "same", "dilation": 2}),
    ],
)
def test_conv2d_repr_state_dict_and_init_match_torch(args, kwargs):
    ours, theirs = nn.Conv2d(*args, **kwargs), torch.nn.Conv2d(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    mine, ref = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(ref)
    for name in ref:
        assert tuple(mine[name].shape) == tuple(ref[name].shape)
    fan_in = np.prod(ref["weight"].shape[1:])
    assert np.abs(ours.weight.numpy()).max() <= 1 / np.sqrt(fan_in)
    assert np.abs(ours.weight.numpy()).max() > 0.8 / np.sqrt(fan_in)  # drawn over the whole range


def test_conv1d_repr_matches_torch():
    assert repr(nn.Conv1d(4, 6, 3, padding="same", dilation=2)) == repr(
        torch.nn.Conv1d(4, 6, 3, padding="same", dilation=2)
    )


def test_torch_weights_load_and_agree():
    theirs = torch.nn.Conv2d(3, 5, 3, stride=2, padding=1)
    ours = nn.Conv2d(3, 5, 3, stride=2, padding=1)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 8)).astype(np.float32)
    np.testing.assert_allclose(
        ours(dlcore.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5
    )


def test_causal_conv1d_sees_only_the_past():
    layer = nn.Conv1d(2, 3, 3, padding="causal", dilation=2, dtype=np.float64)
    x = dlcore.tensor(np.random.default_rng(1).standard_normal((1, 2, 12)), requires_grad=True)
    y = layer(x)
    assert y.shape == (1, 3, 12)
    for t in range(12):
        x.grad = None
        y[0, :, t].sum().backward(retain_graph=True)
        g = np.abs(x.grad.numpy()[0]).sum(axis=0)
        assert not g[t + 1 :].any()  # no gradient from the future
        assert g[t] > 0 and (t < 4 or g[t - 4] > 0)  # receptive field 1 + 2*(3-1) = 5


def test_causal_is_conv1d_only():
    with pytest.raises(ValueError, match="conv2d: padding must be"):
        F.conv2d(np.ones((1, 1, 4, 4), np.float32), np.ones((1, 1, 2, 2), np.float32), padding="causal")


def test_small_cnn_learns_a_tiny_batch():
    dlcore.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 3, 16)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, stride=2),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(72, 3),
    )
    opt = dlcore.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(60):
        loss = F.cross_entropy(model(dlcore.tensor(x)), dlcore.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.05 * losses[0]
