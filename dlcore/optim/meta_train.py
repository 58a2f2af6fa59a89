"""Meta-training a learned update rule (Andrychowicz et al. 2016): gradient descent on the
weights phi of an LSTMOptimizer through unrolled optimization of sampled problems.

For each sampled problem (theta_0, f): theta_{t+1} = theta_t + u_t, u_t = net(grad f(theta_t)),
t = 0 .. unroll-1. The meta-loss of a truncation window is the sum of f(theta_{t+1}) over its
`truncation` steps (divided by `truncation`); after each window one step of the meta-optimizer
(Adam) updates phi, and theta and the LSTM state are detached (truncated BPTT). Second
derivatives are dropped: the gradient fed to the LSTM is computed on a detached copy of theta,
so d(grad f)/d(theta) never enters the meta-gradient (the paper's assumption), while
f(theta_{t+1}) itself is differentiated through theta_{t+1} = theta_t + u_t.

A problem is what `problem_sampler(i)` returns for run i: (theta_0, f) with theta_0 an array
and f(theta: Tensor of theta_0's shape) -> scalar Tensor. quadratic_loss(W, y) builds the f of
a batch of quadratics ||W_i theta_i - y_i||^2.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

from ..functional import matmul
from ..graph import enable_grad
from ..tensor import Tensor
from .adam import Adam
from .learned import LSTMOptimizer
from .optimizer import check_hyper


def quadratic_loss(W, y) -> Callable:
    """f(theta) = sum_i ||W_i theta_i - y_i||^2 for W (B, m, d), y (B, m), theta (B, d): the sum
    over the batch, so every problem's gradient is its own (2 W_i^T (W_i theta_i - y_i))."""
    W, y = np.asarray(W), np.asarray(y)
    if W.ndim != 3 or y.ndim != 2 or W.shape[:2] != y.shape:
        raise ValueError(
            f"quadratic_loss: expected W (B, m, d) and y (B, m), got W {W.shape} and y {y.shape}"
        )
    Wt, yt = Tensor(W), Tensor(y)

    def f(theta: Tensor) -> Tensor:
        if theta.ndim != 2 or theta.shape != (W.shape[0], W.shape[2]):
            raise ValueError(
                f"quadratic_loss: theta must have shape {(W.shape[0], W.shape[2])}, got {tuple(theta.shape)}"
            )
        r = matmul(Wt, theta.unsqueeze(-1)).squeeze(-1) - yt
        return (r * r).sum()

    return f


def detached_grad(f: Callable, theta) -> np.ndarray:
    """grad f at theta's value, computed on a detached leaf copy (no second derivatives; works
    under no_grad too)."""
    data = theta.data if isinstance(theta, Tensor) else np.asarray(theta)
    leaf = Tensor(np.array(data, copy=True), requires_grad=True)
    with enable_grad():
        loss = f(leaf)
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        raise ValueError(f"meta_train: the problem's loss must be a scalar Tensor, got {type(loss).__name__}")
    loss.backward()
    return np.zeros_like(data) if leaf.grad is None else leaf.grad.data


def _check_int(name: str, value, low: int = 1) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"meta_train: {name} must be an int >= {low}, got {value!r}")
    return int(value)


def meta_train(
    net: LSTMOptimizer,
    problem_sampler: Callable,
    steps: int,
    unroll: int = 100,
    truncation: int = 20,
    lr: float = 1e-3,
    meta_optimizer=None,
    callback: Callable | None = None,
) -> list:
    """Meta-train `net` on `steps` sampled problems (module header); returns, per problem, the
    mean optimizee loss over its unroll (f(theta_1) .. f(theta_unroll)).

    Args:
        net: the LSTMOptimizer whose weights are trained in place.
        problem_sampler: i -> (theta_0 array, f) for i = 0 .. steps-1.
        steps: number of sampled problems (each gives ceil(unroll / truncation) meta-updates).
        unroll: optimizee steps per problem; truncation: steps per BPTT window.
        lr: the learning rate of the default meta-optimizer Adam(net.parameters(), lr).
        meta_optimizer: a dlcore optimizer over net.parameters() to use instead of Adam.
        callback: called as callback(i, mean_loss) after each problem.
    """
    if not isinstance(net, LSTMOptimizer):
        raise TypeError(f"meta_train: net must be an LSTMOptimizer, got {type(net).__name__}")
    if not callable(problem_sampler):
        raise TypeError(f"meta_train: problem_sampler must be callable, got {type(problem_sampler).__name__}")
    steps, unroll = _check_int("steps", steps, 0), _check_int("unroll", unroll)
    truncation = _check_int("truncation", truncation)
    check_hyper("lr", lr, low=0.0, owner="meta_train")
    opt = Adam(net.parameters(), lr=lr) if meta_optimizer is None else meta_optimizer
    history = []
    for i in range(steps):
        theta0, f = problem_sampler(i)
        theta = Tensor(np.asarray(theta0, dtype=net.dtype))
        if theta.numel() == 0:
            raise ValueError(f"meta_train: problem {i} has no parameters (theta_0 of shape {theta.shape})")
        state = net.zero_state(theta.numel())
        total = 0.0
        for start in range(0, unroll, truncation):
            window = range(start, min(start + truncation, unroll))
            meta_loss = None
            for _ in window:
                update, state = net(detached_grad(f, theta), state)
                theta = theta + update.reshape(theta.shape)
                loss = f(theta)
                meta_loss = loss if meta_loss is None else meta_loss + loss
            value = meta_loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(f"meta_train: the meta-loss of problem {i} became {value}")
            opt.zero_grad()
            (meta_loss * (1.0 / len(window))).backward()
            opt.step()
            total += value
            theta, state = theta.detach(), tuple(s.detach() for s in state)
        history.append(total / unroll)
        if callback is not None:
            callback(i, history[-1])
    return history
