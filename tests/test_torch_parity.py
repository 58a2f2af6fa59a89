"""The same small float64 programs in dlcore and PyTorch: forward values and every gradient agree
to 1e-10 (relative). Skipped cleanly when torch is not importable.
"""

import numpy as np
import pytest

import dlcore
import dlcore.nn.functional as F
from dlcore import nn

pytestmark = pytest.mark.torch
RTOL, ATOL = 1e-10, 1e-12


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


def run_both(torch, fn_d, fn_t, *arrays, seed=0):
    """Evaluate fn on float64 leaves in both libraries, backprop one random upstream gradient."""
    dt = [dlcore.tensor(a, requires_grad=True) for a in arrays]
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    yd, yt = fn_d(*dt), fn_t(*tt)
    assert yd.shape == tuple(yt.shape)
    _close(yd.numpy(), yt.detach().numpy())
    g = np.random.default_rng(seed).standard_normal(yd.shape)
    yd.backward(g)
    yt.backward(torch.tensor(g))
    for a, b in zip(dt, tt):
        _close(a.grad.numpy(), b.grad.numpy())


def _mlp_pair(torch):
    d = nn.Sequential(
        nn.Linear(7, 16),
        nn.Tanh(),
        nn.Linear(16, 16),
        nn.ReLU(),
        nn.Linear(16, 5),
        nn.Sigmoid(),
        nn.Linear(5, 5),
    ).to(dlcore.float64)
    tnn = torch.nn
    t = tnn.Sequential(
        tnn.Linear(7, 16),
        tnn.Tanh(),
        tnn.Linear(16, 16),
        tnn.ReLU(),
        tnn.Linear(16, 5),
        tnn.Sigmoid(),
        tnn.Linear(5, 5),
    ).double()
    return d, t


def test_mlp_cross_entropy_loss_and_every_gradient(torch, rng):
    d, t = _mlp_pair(torch)
    with torch.no_grad():  # dlcore's init -> torch
        for name, p in t.named_parameters():
            p.copy_(torch.from_numpy(dict(d.named_parameters())[name].numpy()))
    x, y = rng.standard_normal((33, 7)), rng.integers(0, 5, size=33)
    ld = nn.CrossEntropyLoss()(d(dlcore.tensor(x)), dlcore.tensor(y))
    lt = torch.nn.CrossEntropyLoss()(t(torch.tensor(x)), torch.tensor(y))
    _close(ld.item(), lt.item())
    ld.backward()
    lt.backward()
    tp = dict(t.named_parameters())
    for name, p in d.named_parameters():
        _close(p.grad.numpy(), tp[name].grad.numpy())


def test_loading_a_torch_state_dict_gives_the_same_outputs(torch, rng):
    d, t = _mlp_pair(torch)
    d.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    x = rng.standard_normal((9, 7))
    _close(d(dlcore.tensor(x)).numpy(), t(torch.tensor(x)).detach().numpy())
    # and float32 torch weights into a float32 dlcore model
    d32 = d.float()
    t32 = t.float()
    d32.load_state_dict(t32.state_dict())
    np.testing.assert_allclose(
        d32(dlcore.tensor(x, dtype="float32")).numpy(),
        t32(torch.tensor(x, dtype=torch.float32)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_regression_losses(torch, rng, name, reduction):
    x = rng.standard_normal((6, 4)) * 2
    y = rng.standard_normal((6, 4)) * 2
    run_both(
        torch,
        lambda a, b: getattr(F, name)(a, b, reduction=reduction),
        lambda a, b: getattr(torch.nn.functional, name)(a, b, reduction=reduction),
        x,
        y,
    )


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_module(torch, rng, delta):
    x, y = rng.standard_normal(17) * 2, rng.standard_normal(17)
    run_both(
        torch,
        lambda a, b: nn.HuberLoss(delta=delta)(a, b),
        lambda a, b: torch.nn.HuberLoss(delta=delta)(a, b),
        x,
        y,
    )


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("name", ["log_softmax", "softmax"])
def test_softmax_family(torch, rng, name, dim):
    x = rng.standard_normal((3, 4, 5)) * 4
    run_both(
        torch, lambda a: getattr(F, name)(a, dim), lambda a: getattr(torch.nn.functional, name)(a, dim), x
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(7, 3), (2, 5, 3), (2, 4, 3, 2)])
def test_cross_entropy(torch, rng, shape, reduction):
    x = rng.standard_normal(shape) * 3
    t = rng.integers(0, shape[1], size=(shape[0],) + shape[2:])
    run_both(
        torch,
        lambda a: F.cross_entropy(a, dlcore.tensor(t), reduction=reduction),
        lambda a: torch.nn.functional.cross_entropy(a, torch.tensor(t), reduction=reduction),
        x,
    )


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((3,), (3,)),
        ((4, 3), (3,)),
        ((3,), (3, 5)),
        ((4, 3), (3, 5)),
        ((2, 4, 3), (3, 5)),
        ((2, 1, 4, 3), (3, 3, 5)),
        ((4, 3), (2, 3, 5)),
        ((3,), (2, 3, 5)),
        ((1, 4, 3), (2, 3, 5)),
    ],
)
def test_matmul_broadcasting(torch, rng, sa, sb):
    run_both(torch, lambda a, b: a @ b, lambda a, b: a @ b, rng.standard_normal(sa), rng.standard_normal(sb))


@pytest.mark.parametrize(
    "idx",
    [
        [0, 0, 2, 1, 0],
        np.array([[1, 1], [0, 2]]),
        (slice(None), [3, 3, 0]),
        ([2, 0, 2], [1, 4, 1]),
        (slice(None, None, -1), 2),
        (Ellipsis, [1, 1]),
    ],
)
def test_getitem_integer_arrays(torch, rng, idx):
    x = rng.standard_normal((3, 5, 4))
    tidx = idx if not isinstance(idx, tuple) else tuple(idx)
    if isinstance(tidx, tuple) and isinstance(tidx[0], slice) and tidx[0].step == -1:
        fn_t = lambda a: a.flip(0)[:, 2]  # noqa: E731  (torch has no negative steps)
    else:
        fn_t = lambda a: a[tidx]  # noqa: E731
    run_both(torch, lambda a: a[idx], fn_t, x)


def test_boolean_mask(torch, rng):
    x = rng.standard_normal((4, 5))
    m = x > 0.2
    run_both(torch, lambda a: a[m] * 2, lambda a: a[torch.tensor(m)] * 2, x)


def test_elementwise_program_with_broadcasting(torch, rng):
    a, b = rng.standard_normal((3, 1, 4)), rng.standard_normal((5, 1))
    c = np.abs(rng.standard_normal((1, 4))) + 0.5

    def prog(lib, amax):
        def f(a, b, c):
            h = (a * b + a.exp() - b / c).tanh() + (a - b).sigmoid() * c.sqrt() + (c.log() ** 2)
            h = lib.maximum(h, a * 0.5) + (-h).abs() + (h * 3).relu() + h**3
            return h.sum(1, keepdim=True).mean(-1) + amax(h).sum()

        return f

    run_both(torch, prog(dlcore, lambda h: h.amax(0)), prog(torch, lambda h: h.amax(0)), a, b, c)


def test_max_with_ties_matches_torch_amax(torch):
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, -1.0]])
    run_both(torch, lambda a: a.amax(1), lambda a: a.amax(1), x)
    run_both(torch, lambda a: a.max(), lambda a: a.amax(), x)


def test_shape_program(torch, rng):
    x, y = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    run_both(
        torch,
        lambda a, b: dlcore.cat(
            [a.permute(2, 0, 1), dlcore.stack([b, a], 1).reshape(4, 4, 3)[:, :2]], 1
        ).transpose(0, 2),
        lambda a, b: torch.cat(
            [a.permute(2, 0, 1), torch.stack([b, a], 1).reshape(4, 4, 3)[:, :2]], 1
        ).transpose(0, 2),
        x,
        y,
    )


def test_random_broadcasting_programs(torch):
    """Random broadcast-compatible shape pairs through every binary op, values and gradients."""
    rng = np.random.default_rng(123)
    for trial in range(25):
        nd = int(rng.integers(0, 4))
        full = tuple(int(s) for s in rng.integers(1, 5, size=nd))
        sa = tuple(1 if rng.random() < 0.4 else s for s in full)[int(rng.integers(0, nd + 1)) :]
        sb = tuple(1 if rng.random() < 0.4 else s for s in full)[int(rng.integers(0, nd + 1)) :]
        a = rng.standard_normal(sa)
        b = np.abs(rng.standard_normal(sb)) + 0.5

        def prog(lib):
            return lambda x, y: (
                (x + y) * (x - y) / y + x**2 * y.sqrt() + lib.maximum(x, y * 0.1) + (x * x + 1) ** y
            )

        run_both(torch, prog(dlcore), prog(torch), a, b, seed=trial)
