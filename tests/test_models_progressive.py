"""dlcore.models.ProgressiveNet: the forward against a numpy reference of the column/adapter
formula, freezing by add_column, earlier columns untouched by training a new one, layout and
bad input."""

import numpy as np
import pytest

import dlcore
from dlcore import optim
from dlcore.models import ProgressiveNet
from dlcore.nn import functional as F


def _reference(net, x, column):
    """Column `column`'s output by the docstring's formula, in float64 numpy."""
    w = {k: v.numpy().astype(np.float64) for k, v in net.state_dict().items()}
    depth, hidden = len(net.sizes) - 1, []
    for k in range(column + 1):
        h = [x.astype(np.float64)]
        for i in range(depth):
            z = h[i] @ w[f"columns.{k}.{i}.weight"].T + w[f"columns.{k}.{i}.bias"]
            if i >= 1:
                for j in range(k):
                    z = z + hidden[j][i] @ w[f"laterals.{k}.{i - 1}.{j}.weight"].T
            if i == depth - 1:
                out = z
            else:
                h.append(np.maximum(z, 0))
        hidden.append(h)
    return out


@pytest.mark.parametrize("sizes", [(5, 7, 3), (5, 7, 6, 4), (4, 3)])
def test_forward_matches_the_formula_for_every_column(sizes):
    dlcore.manual_seed(0)
    net = ProgressiveNet(sizes, dtype=np.float64)
    net.add_column()
    net.add_column()
    x = np.random.default_rng(0).standard_normal((6, sizes[0]))
    for c in (0, 1, 2, -1):
        got = net(dlcore.tensor(x), c).numpy()
        np.testing.assert_allclose(got, _reference(net, x, c % 3), rtol=1e-12, atol=1e-12)


def test_add_column_freezes_the_earlier_columns_and_their_outputs_never_change():
    dlcore.manual_seed(1)
    net = ProgressiveNet((8, 16, 16, 3))
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((32, 8)).astype(np.float32), rng.integers(0, 3, 32)
    before = net(dlcore.tensor(x), 0).numpy().copy()
    assert net.add_column() == 1 and net.num_columns == 2
    trainable = [p for p in net.parameters() if p.requires_grad]
    assert len(trainable) == 6 + 2  # column 1 (3 weights, 3 biases) + 2 adapters
    assert all(not p.requires_grad for p in net.columns[0].parameters())
    opt = optim.Adam(trainable, lr=1e-2)
    first = net(dlcore.tensor(x)).numpy().copy()
    for _ in range(20):
        opt.zero_grad()
        F.cross_entropy(net(dlcore.tensor(x)), dlcore.tensor(y)).backward()
        opt.step()
    assert not np.array_equal(net(dlcore.tensor(x)).numpy(), first)
    np.testing.assert_array_equal(net(dlcore.tensor(x), 0).numpy(), before)
    assert all(p.grad is None for p in net.columns[0].parameters())


def test_new_column_reads_the_old_one_through_the_adapters():
    dlcore.manual_seed(2)
    net = ProgressiveNet((4, 5, 5, 2), dtype=np.float64)
    net.add_column()
    x = dlcore.tensor(np.random.default_rng(2).standard_normal((3, 4)))
    out = net(x).numpy().copy()
    net.columns[0][0].weight.data[...] *= 2.0  # changes column 0's hidden activations
    assert not np.allclose(net(x).numpy(), out)
    for adapters in net.laterals[1]:
        for a in adapters:
            a.weight.data[...] = 0.0
    alone = ProgressiveNet((4, 5, 5, 2), dtype=np.float64)
    alone.columns[0].load_state_dict(net.columns[1].state_dict())
    np.testing.assert_array_equal(net(x).numpy(), alone(x).numpy())


def test_state_dict_layout_and_repr():
    net = ProgressiveNet((4, 5, 6, 2))
    net.add_column()
    keys = list(net.state_dict())
    assert keys[:6] == [f"columns.0.{i}.{p}" for i in range(3) for p in ("weight", "bias")]
    assert [k for k in keys if k.startswith("laterals")] == ["laterals.1.0.0.weight", "laterals.1.1.0.weight"]
    assert repr(net).startswith("ProgressiveNet(\n  sizes=(4, 5, 6, 2), columns=2")


@pytest.mark.parametrize(
    "sizes, match",
    [
        ((4,), "at least 2"),
        ("ab", "sequence"),
        ((4, 0, 2), r"sizes\[1\] must be a positive int"),
        (3, "sequence"),
    ],
)
def test_bad_sizes(sizes, match):
    with pytest.raises(ValueError, match=f"ProgressiveNet: .*{match}"):
        ProgressiveNet(sizes)


@pytest.mark.parametrize("column", [1, -2, 0.5, True])
def test_bad_column(column):
    net = ProgressiveNet((3, 2))
    with pytest.raises(ValueError, match=r"ProgressiveNet: column must be an int in \[-1, 0\]"):
        net(dlcore.tensor(np.ones((1, 3), np.float32)), column)


def test_bad_input_width_names_the_layer():
    with pytest.raises(ValueError, match=r"Linear\(3, 2\): input of shape \(1, 4\)"):
        ProgressiveNet((3, 2))(dlcore.tensor(np.ones((1, 4), np.float32)))
