"""dlcore.optim.LSTMOptimizer, LearnedOptimizer, meta_train, quadratic_loss and
dlcore.data.random_quadratics (F56: learning to learn by gradient descent by gradient descent)."""

import math

import numpy as np
import pytest

import dlcore
from dlcore import backend, nn, optim
from dlcore.data import DataLoader, TensorDataset, random_quadratics
from dlcore.optim import meta_train
from dlcore.optim.meta_train import detached_grad
from dlcore.tensor import Tensor


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _reference_update(net, grad, state):
    """The update rule in float64 numpy: torch.nn.LSTMCell per layer (gates i, f, g, o)."""
    w = {k: np.asarray(v, np.float64) for k, v in net.state_dict().items()}
    x, new = net.preprocess_grad(grad).astype(np.float64), []
    for layer in range(net.num_layers):
        h, c = state[:, 2 * layer], state[:, 2 * layer + 1]
        z = x @ w[f"weight_ih_l{layer}"].T + w[f"bias_ih_l{layer}"] + h @ w[f"weight_hh_l{layer}"].T
        i, f, g, o = np.split(z + w[f"bias_hh_l{layer}"], 4, axis=1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        new += [h, c]
        x = h
    out = (x @ w["out.weight"].T + w["out.bias"])[:, 0] * net.output_scale
    return out, np.stack(new, axis=1)


# ---- data --------------------------------------------------------------------------------------
def test_random_quadratics_shapes_seed_and_distribution():
    W, y = random_quadratics(400, dim=10, seed=3)
    assert W.shape == (400, 10, 10) and y.shape == (400, 10) and W.dtype == y.dtype == np.float32
    W2, y2 = random_quadratics(400, dim=10, seed=3)
    np.testing.assert_array_equal(W, W2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(W, random_quadratics(400, dim=10, seed=4)[0])
    assert abs(W.mean()) < 0.01 and abs(W.std() - 1) < 0.01 and abs(y.std() - 1) < 0.05
    W64, y64 = random_quadratics(5, dim=3, seed=0, dtype=np.float64)
    assert W64.dtype == np.float64
    theta = np.linalg.solve(W64, y64[..., None])[..., 0]  # square Gaussian W: the minimum is 0
    np.testing.assert_allclose(np.einsum("nij,nj->ni", W64, theta), y64, atol=1e-9)


@pytest.mark.parametrize(
    "kw, err",
    [
        ({"n": 0}, ValueError),
        ({"n": 2.5}, ValueError),
        ({"dim": 0}, ValueError),
        ({"dtype": np.int64}, TypeError),
    ],
)
def test_random_quadratics_rejects_bad_input(kw, err):
    args = {"n": 2, "dim": 3, **kw}
    with pytest.raises(err, match="random_quadratics"):
        random_quadratics(**args)


def test_quadratic_loss_value_and_gradient():
    W, y = random_quadratics(3, dim=4, seed=1, dtype=np.float64)
    theta = np.random.default_rng(0).standard_normal((3, 4))
    f = optim.quadratic_loss(W, y)
    r = np.einsum("nij,nj->ni", W, theta) - y
    assert math.isclose(f(Tensor(theta)).item(), float((r * r).sum()), rel_tol=1e-12)
    g = detached_grad(f, Tensor(theta))
    np.testing.assert_allclose(g, 2 * np.einsum("nji,nj->ni", W, r), rtol=1e-12)
    with dlcore.no_grad():  # the optimizee gradient is available under no_grad too
        np.testing.assert_allclose(detached_grad(f, theta), g, rtol=1e-12)
    with pytest.raises(ValueError, match="quadratic_loss"):
        f(Tensor(np.zeros((3, 5))))
    with pytest.raises(ValueError, match="quadratic_loss"):
        optim.quadratic_loss(W, y[:2])


# ---- the update rule ---------------------------------------------------------------------------
def test_preprocessing_on_known_gradients():
    net = optim.LSTMOptimizer(dtype=np.float64)
    g = np.array([0.0, 1.0, -math.exp(-5.0), 1e-6, -2.0])
    x = net.preprocess_grad(g)
    expect = [[-1, 0], [0, 1], [-0.5, -1], [-1, math.exp(10.0) * 1e-6], [math.log(2) / 10, -1]]
    np.testing.assert_allclose(x, expect, rtol=1e-12, atol=1e-15)
    scaled = optim.LSTMOptimizer(preprocess="scale", p=0.5, dtype=np.float64).preprocess_grad(g)
    np.testing.assert_allclose(scaled, np.stack([0.5 * g, np.zeros(5)], axis=1))


@pytest.mark.parametrize("preprocess", ["log_sign", "scale"])
def test_update_matches_an_explicit_lstm_cell_in_float64(preprocess):
    dlcore.manual_seed(1)
    net = optim.LSTMOptimizer(hidden_size=7, num_layers=3, preprocess=preprocess, dtype=np.float64)
    rng = np.random.default_rng(0)
    grad, state = rng.standard_normal(13), rng.standard_normal((13, 6, 7))
    update, new = net(grad, state)
    ref_update, ref_state = _reference_update(net, grad, state)
    np.testing.assert_allclose(update.data, ref_update, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(net.pack_state(new), ref_state, rtol=1e-12, atol=1e-14)
    again, _ = net(grad, new)  # the tuple state a call returns is accepted as the next state
    np.testing.assert_allclose(again.data, _reference_update(net, grad, ref_state)[0], rtol=1e-12, atol=1e-14)


def test_update_runs_through_the_fused_lstm_kernel(monkeypatch):
    calls = []
    real = backend.kernels

    class Counting:
        def __init__(self, ns):
            self.ns = ns

        def __getattr__(self, name):
            if name == "rnn_forward":
                calls.append(name)
            return getattr(self.ns, name)

    monkeypatch.setattr(backend, "kernels", lambda x: Counting(real(x)))
    net = optim.LSTMOptimizer()
    state = net.zero_state(6)
    for _ in range(3):
        _, state = net(np.ones(6), state)
    assert calls == ["rnn_forward"] * 6  # one fused kernel call per layer and step


def test_net_parameters_state_dict_and_init():
    dlcore.manual_seed(0)
    net = optim.LSTMOptimizer()
    names = dict(net.named_parameters())
    assert names["weight_ih_l0"].shape == (80, 2) and names["weight_hh_l1"].shape == (80, 20)
    assert names["out.weight"].shape == (1, 20) and len(net.parameters()) == 10
    assert all(p.requires_grad and p.dtype == np.float32 for p in net.parameters())
    assert max(abs(p.data).max() for p in net.parameters()) <= 1 / math.sqrt(20)
    dlcore.manual_seed(0)
    same = optim.LSTMOptimizer().state_dict()
    other = optim.LSTMOptimizer()
    other.load_state_dict(same)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, same[k])
        np.testing.assert_array_equal(other.state_dict()[k], v)
    bad = dict(same, **{"out.bias": np.zeros(2)})
    before = other.state_dict()
    with pytest.raises(ValueError, match=r"LSTMOptimizer.load_state_dict: out.bias has shape \(2,\)"):
        other.load_state_dict(bad)
    np.testing.assert_array_equal(other.state_dict()["weight_ih_l0"], before["weight_ih_l0"])
    with pytest.raises(ValueError, match="missing"):
        other.load_state_dict({k: v for k, v in same.items() if k != "out.bias"})


@pytest.mark.parametrize(
    "kw, err, match",
    [
        ({"hidden_size": 0}, ValueError, "hidden_size"),
        ({"num_layers": 1.5}, ValueError, "num_layers"),
        ({"preprocess": "raw"}, ValueError, "preprocess"),
        ({"p": -1.0}, ValueError, "invalid p"),
        ({"output_scale": 0.0}, ValueError, "output_scale"),
        ({"dtype": np.int32}, TypeError, "dtype"),
    ],
)
def test_net_rejects_bad_arguments(kw, err, match):
    with pytest.raises(err, match=f"LSTMOptimizer.*{match}"):
        optim.LSTMOptimizer(**kw)


def test_net_rejects_a_state_of_the_wrong_shape():
    net = optim.LSTMOptimizer()
    with pytest.raises(
        ValueError, match=r"LSTMOptimizer: state of shape \(5, 4, 20\), expected \(4, 4, 20\)"
    ):
        net(np.ones(4), net.zero_state(5))
    _, state = net(np.ones(4), net.zero_state(4))
    with pytest.raises(ValueError, match="LSTMOptimizer: the state must be 4 tensors"):
        net(np.ones(3), state)


# ---- meta-training -----------------------------------------------------------------------------
def _frozen_meta_loss(net, W, y, theta0, grads):
    """(1/T) sum_t f(theta_t) with the LSTM fed the recorded gradients (second derivatives
    dropped: the gradient inputs are constants), under no_grad."""
    f, theta, state, total = optim.quadratic_loss(W, y), Tensor(theta0), net.zero_state(theta0.size), 0.0
    with dlcore.no_grad():
        for g in grads:
            u, state = net(g, state)
            theta = theta + u.reshape(theta.shape)
            total += f(theta).item()
    return total / len(grads)


def _full_meta_loss(net, f, theta0, steps):
    """(1/T) sum_t f(theta_t) with the gradients recomputed along the perturbed trajectory."""
    theta, state, total = Tensor(theta0), net.zero_state(theta0.size), 0.0
    with dlcore.no_grad():
        for _ in range(steps):
            u, state = net(detached_grad(f, theta), state)
            theta = theta + u.reshape(theta.shape)
            total += f(theta).item()
    return total / steps


def test_meta_gradient_matches_finite_differences_with_second_derivatives_dropped():
    dlcore.manual_seed(2)
    net = optim.LSTMOptimizer(hidden_size=3, output_scale=0.5, dtype=np.float64)
    W, y = random_quadratics(2, dim=3, seed=5, dtype=np.float64)
    theta0 = np.random.default_rng(1).standard_normal((2, 3))
    f, theta, state, grads = optim.quadratic_loss(W, y), Tensor(theta0), net.zero_state(6), []
    with dlcore.no_grad():  # the gradients along the unperturbed trajectory
        for _ in range(4):
            grads.append(detached_grad(f, theta))
            u, state = net(grads[-1], state)
            theta = theta + u.reshape(theta.shape)
    before = {k: v.copy() for k, v in net.state_dict().items()}
    sgd = optim.SGD(net.parameters(), lr=1.0)  # one window: weights move by -meta-gradient
    meta_train(net, lambda i: (theta0, f), steps=1, unroll=4, truncation=4, meta_optimizer=sgd)
    analytic = {k: before[k] - v for k, v in net.state_dict().items()}
    net.load_state_dict(before)
    eps = 1e-6
    for name, p in net.named_parameters():
        numeric = np.zeros(p.shape)
        for idx in np.ndindex(p.shape):
            old = p.data[idx]
            p.data[idx] = old + eps
            up = _frozen_meta_loss(net, W, y, theta0, grads)
            p.data[idx] = old - eps
            down = _frozen_meta_loss(net, W, y, theta0, grads)
            p.data[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(analytic[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)
    assert np.abs(analytic["weight_ih_l0"]).max() > 1e-4  # the check is not vacuous
    p = dict(net.named_parameters())["out.bias"]  # with second derivatives the answer differs
    full = []
    for sign in (1, -1):
        p.data[0] += sign * eps
        full.append(_full_meta_loss(net, f, theta0, 4))
        p.data[0] -= sign * eps
    assert abs((full[0] - full[1]) / (2 * eps) - analytic["out.bias"][0]) > 1e-3 * abs(
        analytic["out.bias"][0]
    )


def test_meta_train_truncates_every_window_and_reports_losses():
    steps = []

    class Counting(optim.SGD):
        def step(self, closure=None):
            steps.append(1)
            return super().step(closure)

    net = optim.LSTMOptimizer(hidden_size=4, num_layers=1)
    W, y = random_quadratics(2, dim=3, seed=0)
    seen = []
    hist = meta_train(
        net,
        lambda i: (np.zeros((2, 3), np.float32), optim.quadratic_loss(W, y)),
        steps=3,
        unroll=10,
        truncation=4,
        meta_optimizer=Counting(net.parameters(), lr=1e-3),
        callback=lambda i, loss: seen.append((i, loss)),
    )
    assert len(steps) == 3 * 3  # windows of 4, 4, 2 steps per problem
    assert len(hist) == 3 and [i for i, _ in seen] == [0, 1, 2] and all(np.isfinite(hist))
    assert hist == [loss for _, loss in seen]


@pytest.fixture(scope="module")
def trained_net():
    """A 2 x 20 net meta-trained briefly on batches of 10-D quadratics (seeded)."""
    dlcore.manual_seed(0)
    net = optim.LSTMOptimizer()
    untrained = optim.LSTMOptimizer()
    untrained.load_state_dict(net.state_dict())

    def sampler(i):
        W, y = random_quadratics(8, dim=10, seed=100 + i)
        return np.random.default_rng(i).normal(0, 0.01, (8, 10)).astype(np.float32), optim.quadratic_loss(
            W, y
        )

    hist = meta_train(net, sampler, steps=30, unroll=40, truncation=20, lr=0.03)
    return net, untrained, hist


def _final_loss(net, W, y, steps=40):
    theta = dlcore.tensor(np.zeros(y.shape, np.float32), requires_grad=True)
    opt, f = optim.LearnedOptimizer([theta], net), optim.quadratic_loss(W, y)
    for _ in range(steps):
        opt.zero_grad()
        f(theta).backward()
        opt.step()
    return f(theta).item() / len(y)


def test_meta_training_learns_an_optimizer_that_beats_the_untrained_one(trained_net):
    net, untrained, hist = trained_net
    assert np.mean(hist[-5:]) < 0.5 * np.mean(hist[:5])
    W, y = random_quadratics(50, dim=10, seed=9)
    initial = optim.quadratic_loss(W, y)(Tensor(np.zeros((50, 10), np.float32))).item() / 50
    learned = _final_loss(net, W, y)
    assert learned < 0.2 * initial and learned < 0.5 * _final_loss(untrained, W, y)


@pytest.mark.parametrize(
    "kw, err, match",
    [
        ({"net": "lstm"}, TypeError, "net must be an LSTMOptimizer"),
        ({"problem_sampler": 3}, TypeError, "problem_sampler must be callable"),
        ({"steps": -1}, ValueError, "steps"),
        ({"unroll": 0}, ValueError, "unroll"),
        ({"truncation": 2.0}, ValueError, "truncation"),
        ({"lr": -1.0}, ValueError, "invalid lr"),
    ],
)
def test_meta_train_rejects_bad_arguments(kw, err, match):
    W, y = random_quadratics(1, dim=2)
    args = dict(
        net=optim.LSTMOptimizer(), problem_sampler=lambda i: (np.zeros((1, 2)), optim.quadratic_loss(W, y))
    )
    args.update(steps=1, unroll=2, truncation=2)
    args.update(kw)
    with pytest.raises(err, match=f"meta_train: {match}"):
        meta_train(**args)


def test_meta_train_rejects_a_non_scalar_loss_and_a_diverging_one():
    net = optim.LSTMOptimizer()
    with pytest.raises(ValueError, match="meta_train: the problem's loss must be a scalar Tensor"):
        meta_train(net, lambda i: (np.zeros(3), lambda t: t * 2), steps=1, unroll=2, truncation=2)
    with pytest.raises(FloatingPointError, match="meta_train: the meta-loss of problem 0 became"):
        meta_train(
            net, lambda i: (np.zeros(3), lambda t: (t * 0 + np.inf).sum()), steps=1, unroll=2, truncation=2
        )


# ---- the optimizer -----------------------------------------------------------------------------
def test_learned_optimizer_step_is_the_net_update_with_state_per_coordinate():
    dlcore.manual_seed(4)
    net = optim.LSTMOptimizer(dtype=np.float64)
    rng = np.random.default_rng(0)
    a = dlcore.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = dlcore.tensor(rng.standard_normal(4), requires_grad=True)
    start = np.concatenate([a.data.ravel(), b.data.ravel()])
    opt = optim.LearnedOptimizer([a, b], net, lr=0.5)
    state, expect = net.zero_state(10), start
    for _ in range(3):
        opt.zero_grad()
        ((a * a).sum() + (b * b * b).sum()).backward()
        g = np.concatenate([a.grad.data.ravel(), b.grad.data.ravel()])
        u, state = _reference_update(net, g, state)
        opt.step()
        expect = expect + 0.5 * u
        np.testing.assert_allclose(np.concatenate([a.data.ravel(), b.data.ravel()]), expect, rtol=1e-12)
    np.testing.assert_allclose(opt.state[0]["lstm_state"], state, rtol=1e-12, atol=1e-14)
    assert opt.state[0]["step"] == 3


def test_a_parameter_without_grad_keeps_its_value_and_lstm_state():
    net = optim.LSTMOptimizer()
    a = dlcore.tensor(np.ones(3, np.float32), requires_grad=True)
    b = dlcore.tensor(np.ones(2, np.float32), requires_grad=True)
    opt = optim.LearnedOptimizer([a, b], net)
    (a.sum() * b.sum()).backward()
    opt.step()
    b_value, b_state = b.data.copy(), opt.state[0]["lstm_state"][3:].copy()
    a_state = opt.state[0]["lstm_state"][:3].copy()
    opt.zero_grad(set_to_none=True)
    (a * a).sum().backward()
    opt.step()
    np.testing.assert_array_equal(b.data, b_value)
    np.testing.assert_array_equal(opt.state[0]["lstm_state"][3:], b_state)
    assert not np.array_equal(opt.state[0]["lstm_state"][:3], a_state)


def test_state_dict_round_trip_continues_identically():
    def make():
        dlcore.manual_seed(5)
        net = optim.LSTMOptimizer()
        p = dlcore.tensor(np.linspace(-1, 1, 7).astype(np.float32), requires_grad=True)
        return p, optim.LearnedOptimizer([p], net)

    def steps(p, opt, k):
        for _ in range(k):
            opt.zero_grad()
            (p * p * p).sum().backward()
            opt.step()

    p1, o1 = make()
    steps(p1, o1, 3)
    saved, saved_p = o1.state_dict(), p1.data.copy()
    assert saved["state"][0]["lstm_state"].shape == (7, 4, 20) and saved["state"][0]["step"] == 3
    steps(p1, o1, 2)
    p2, o2 = make()
    p2.data[...] = saved_p
    o2.load_state_dict(saved)
    steps(p2, o2, 2)
    np.testing.assert_array_equal(p1.data, p2.data)
    np.testing.assert_array_equal(o1.state[0]["lstm_state"], o2.state[0]["lstm_state"])


def test_load_state_dict_rejects_mismatches_and_changes_nothing():
    net = optim.LSTMOptimizer()
    p = dlcore.tensor(np.ones(4, np.float32), requires_grad=True)
    opt = optim.LearnedOptimizer([p], net)
    (p * p).sum().backward()
    opt.step()
    good = opt.state_dict()
    before = opt.state[0]["lstm_state"].copy()
    wrong = {**good, "state": {0: {"step": 1, "lstm_state": np.zeros((5, 4, 20))}}}
    with pytest.raises(ValueError, match=r"LearnedOptimizer.load_state_dict: group 0 'lstm_state' has shape"):
        opt.load_state_dict(wrong)
    adam = optim.Adam([dlcore.tensor(np.ones(4, np.float32), requires_grad=True)])
    adam.step()
    with pytest.raises(ValueError, match=r"LearnedOptimizer\.load_state_dict"):
        opt.load_state_dict(adam.state_dict())
    with pytest.raises(ValueError, match=r"LearnedOptimizer\.load_state_dict: state for group 3"):
        opt.load_state_dict({**good, "state": {3: {}}})
    np.testing.assert_array_equal(opt.state[0]["lstm_state"], before)


def test_learned_optimizer_rejects_bad_arguments():
    p = dlcore.tensor(np.ones(2, np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="LearnedOptimizer: net must be an LSTMOptimizer"):
        optim.LearnedOptimizer([p], "net")
    with pytest.raises(ValueError, match="LearnedOptimizer: invalid lr"):
        optim.LearnedOptimizer([p], optim.LSTMOptimizer(), lr=-1.0)
    with pytest.raises(ValueError, match="LearnedOptimizer got an empty parameter list"):
        optim.LearnedOptimizer([], optim.LSTMOptimizer())


def test_learned_optimizer_in_fit_equals_a_manual_loop(trained_net):
    train = pytest.importorskip("dlcore.train")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 10)).astype(np.float32)
    y = (x @ rng.standard_normal((10, 1))).astype(np.float32)

    def make():
        dlcore.manual_seed(3)
        m = nn.Linear(10, 1)
        return m, optim.LearnedOptimizer(m.parameters(), trained_net[0])

    m1, o1 = make()
    hist = train.fit(
        m1, nn.MSELoss(), o1, DataLoader(TensorDataset(x, y), batch_size=16), epochs=3, verbose=0
    )
    m2, o2 = make()
    for _ in range(3):
        for i in range(0, 64, 16):
            o2.zero_grad()
            nn.MSELoss()(m2(dlcore.tensor(x[i : i + 16])), dlcore.tensor(y[i : i + 16])).backward()
            o2.step()
    for a, b in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    assert o1.state[0]["step"] == 12 and hist["loss"][-1] < hist["loss"][0]


def test_float64_parameters_with_a_float32_net_keep_their_dtype():
    dlcore.manual_seed(6)
    net = optim.LSTMOptimizer()
    p = dlcore.tensor(np.linspace(-1, 1, 5), requires_grad=True)
    opt = optim.LearnedOptimizer([p], net, lr=2.0)
    (p * p).sum().backward()
    start, g = p.data.copy(), p.grad.data.copy()
    opt.step()
    assert p.dtype == np.float64 and opt.state[0]["lstm_state"].dtype == np.float32
    u, _ = _reference_update(net, g, np.zeros((5, 4, 20)))
    np.testing.assert_allclose(p.data, start + 2.0 * u, rtol=1e-5, atol=1e-7)
