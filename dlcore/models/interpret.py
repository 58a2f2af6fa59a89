"""Interpretability by input gradients: saliency maps and activation maximisation (F49 deepdream).

Both work on any nn.Module whose output is (N, C) (class logits) or (N, C, *spatial) (feature
maps; the objective is then a channel's mean activation), with the model's parameters frozen while
they run (their requires_grad flags and .grad are restored) and the model in eval mode (its mode
is restored). Inputs and results are numpy arrays.

- saliency (Simonyan et al. 2013): d out[i, target_i] / d x_i, the input gradient of each
  sample's target score.
- activation_maximization (DeepDream-style, Mordvintsev et al. 2015): gradient ascent on the input
  from small noise, maximising out[i, target_i] - l2 * ||x_i||^2, each step taken on a randomly
  shifted (rolled, by up to `jitter` pixels along the last two axes) copy of the image, with the
  step normalised by the gradient's mean absolute value per image.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .. import nn
from ..creation import from_numpy


@contextlib.contextmanager
def _frozen(model):
    """model in eval mode with parameters not requiring grad; the caller's state is restored."""
    params = list(model.parameters())
    flags, grads, training = [p.requires_grad for p in params], [p.grad for p in params], model.training
    model.eval()
    for p in params:
        p.requires_grad = False
    try:
        yield
    finally:
        for p, flag, g in zip(params, flags, grads):
            p.requires_grad, p.grad = flag, g
        model.train(training)


def _targets(fn: str, target, n: int | None) -> np.ndarray:
    t = np.atleast_1d(np.asarray(target))
    if t.ndim != 1 or t.size == 0 or t.dtype.kind not in "iu":
        raise ValueError(f"{fn}: target must be an int or a 1-D sequence of ints, got {target!r}")
    if n is not None and t.size == 1:
        t = np.repeat(t, n)
    if n is not None and t.size != n:
        raise ValueError(f"{fn}: target has {t.size} entries for a batch of {n}")
    return t.astype(np.int64)


def _scores(fn: str, out, target: np.ndarray):
    """out[i, target_i] (averaged over spatial positions for feature maps): a Tensor (N,)."""
    shape = tuple(out.shape)
    if len(shape) < 2:
        raise ValueError(f"{fn}: the model must output (N, C) or (N, C, ...), got shape {shape}")
    if target.min() < 0 or target.max() >= shape[1]:
        raise ValueError(f"{fn}: target must lie in [0, {shape[1]}) (the model's channels), got {target}")
    picked = out[np.arange(shape[0]), target]
    return picked.reshape(shape[0], -1).mean(1) if len(shape) > 2 else picked


def saliency(model: nn.Module, x, target, abs: bool = False) -> np.ndarray:
    """Input gradient of each sample's target score.

    Args:
        model: maps x (N, ...) to (N, C) or (N, C, ...).
        x: input batch (numpy or Tensor), float.
        target: an int (the same for every sample) or N ints: the class / channel per sample.
        abs: return |gradient| (the usual saliency map) instead of the signed gradient.
    Returns:
        float numpy array of x's shape: d score_i / d x_i.
    """
    arr = np.array(x.detach().numpy() if hasattr(x, "detach") else x)
    if arr.ndim < 2 or arr.dtype.kind != "f":
        raise ValueError(f"saliency: x must be a float batch (N, ...), got {arr.dtype} of shape {arr.shape}")
    t = _targets("saliency", target, len(arr))
    with _frozen(model):
        xt = from_numpy(arr).requires_grad_()
        _scores("saliency", model(xt), t).sum().backward()
        g = np.array(xt.grad.numpy())
    return np.abs(g) if abs else g


def activation_maximization(
    model: nn.Module,
    target,
    shape: tuple[int, ...],
    steps: int = 200,
    lr: float = 0.05,
    l2: float = 1e-2,
    jitter: int = 1,
    seed: int = 0,
    init_scale: float = 0.01,
    dtype=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs that maximise a class logit or a channel's mean activation (module docstring).

    Args:
        model: maps (N, *shape) to (N, C) or (N, C, ...).
        target: an int or a 1-D sequence of ints; one image is optimised per entry, in one batch.
        shape: one input's shape, e.g. (1, 8, 8).
        steps: gradient-ascent steps.
        lr: step size, in units of the gradient's mean absolute value (per image).
        l2: weight of the penalty l2 * ||x||^2 (sum over the image's elements).
        jitter: largest random shift in pixels along the last two axes per step (0: none).
        seed: seeds the initial noise and the shifts.
        init_scale: standard deviation of the initial Gaussian noise.
        dtype: the images' dtype; default the dtype of the model's first parameter (else float32).
    Returns:
        (images (T, *shape), objective (steps, T) float64: each image's penalised
        objective at each step, measured on the shifted image the step was taken on).
    """
    fn = "activation_maximization"
    t = _targets(fn, target, None)
    shape = tuple(int(s) for s in shape)
    if not shape or min(shape) < 1:
        raise ValueError(f"{fn}: shape must be a non-empty tuple of positive sizes, got {shape}")
    for name, v, lo in (("steps", steps, 0), ("jitter", jitter, 0)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(f"{fn}: {name} must be an int >= {lo}, got {v!r}")
    if not (lr > 0 and l2 >= 0 and init_scale >= 0):
        raise ValueError(f"{fn}: need lr > 0, l2 >= 0, init_scale >= 0; got {lr}, {l2}, {init_scale}")
    if dtype is None:
        dtype = next((p.dtype for p in model.parameters()), np.float32)
    rng = np.random.default_rng(seed)
    x = (init_scale * rng.standard_normal((len(t), *shape))).astype(dtype)
    axes = tuple(range(-min(2, len(shape)), 0))
    history = np.zeros((steps, len(t)))
    with _frozen(model):
        for step in range(steps):
            shift = tuple(int(s) for s in rng.integers(-jitter, jitter + 1, size=len(axes)))
            xs = from_numpy(np.roll(x, shift, axis=axes)).requires_grad_()
            flat = xs.reshape(len(t), -1)
            objective = _scores(fn, model(xs), t) - l2 * (flat * flat).sum(1)
            objective.sum().backward()
            history[step] = objective.detach().numpy()
            g = np.roll(xs.grad.numpy(), tuple(-s for s in shift), axis=axes)
            x = (x + lr * g).astype(dtype)
    return x, history
