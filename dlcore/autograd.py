"""gradcheck: compare autograd's backward with float64 central finite differences.

Defaults follow torch.autograd.gradcheck (eps=1e-6, atol=1e-5, rtol=1e-3, inputs in float64).
fast_mode compares one random projection v^T J u instead of the full Jacobian. `Function` (the base
for user-defined differentiable functions) is re-exported here, as torch.autograd.Function, and
`queue_callback` (run a function when the backward in progress ends; torch's engine callback).
"""

from __future__ import annotations

import numpy as np

from . import backend
from .graph import RemovableHandle, queue_callback
from .random import generator
from .tensor import Function, Tensor, no_grad

__all__ = ["Function", "GradcheckError", "RemovableHandle", "gradcheck", "queue_callback"]


class GradcheckError(RuntimeError):
    pass


def _outputs(fn, inputs) -> list:
    out = fn(*inputs)
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _flat_out(fn, inputs) -> np.ndarray:
    with no_grad():
        return np.concatenate([np.asarray(o.numpy(), dtype=np.float64).ravel() for o in _outputs(fn, inputs)])


def _analytic_vjp(fn, inputs, v: np.ndarray) -> list:
    """sum_j v_j * d out_j / d input, per differentiable input."""
    for t in inputs:
        t.grad = None
    outs = _outputs(fn, inputs)
    total, off = None, 0
    for o in outs:
        k = o.numel()
        if o.requires_grad:
            w = v[off : off + k].reshape(o.shape).astype(o.dtype)
            term = (o * Tensor(backend.to_device(w, o.device))).sum()
            total = term if total is None else total + term
        off += k
    if total is not None:
        total.backward()
    return [np.zeros(t.shape) if t.grad is None else t.grad.numpy().astype(np.float64) for t in inputs]


def _numeric_jvp(fn, inputs, direction: list, eps: float) -> np.ndarray:
    """(f(x + eps u) - f(x - eps u)) / (2 eps) for a direction u given per input."""
    saved = [t.data.copy() for t in inputs]
    direction = [backend.to_device(u, t.device) for t, u in zip(inputs, direction)]
    try:
        for t, s, u in zip(inputs, saved, direction):
            t.data[...] = s + eps * u
        plus = _flat_out(fn, inputs)
        for t, s, u in zip(inputs, saved, direction):
            t.data[...] = s - eps * u
        minus = _flat_out(fn, inputs)
    finally:
        for t, s in zip(inputs, saved):
            t.data[...] = s
    return (plus - minus) / (2 * eps)


def gradcheck(
    fn,
    inputs,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
    raise_exception: bool = True,
) -> bool:
    """Check fn's gradients w.r.t. every input Tensor that requires grad (use float64 inputs)."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input requires grad")
    for t in diff:
        if t.dtype != np.float64:
            raise TypeError(f"gradcheck: inputs must be float64 for a meaningful check, got {t.dtype}")
    call = lambda *_: fn(*inputs)  # noqa: E731  (inputs are perturbed in place)
    n_out = _flat_out(call, diff).size
    zeros = [np.zeros(t.shape) for t in diff]
    if fast_mode:
        rng = generator()
        v = rng.standard_normal(n_out)
        u = [rng.standard_normal(t.shape) for t in diff]
        analytic = sum(float((g * ui).sum()) for g, ui in zip(_analytic_vjp(call, diff, v), u))
        numeric = float(v @ _numeric_jvp(call, diff, u, eps))
        ok = bool(abs(analytic - numeric) <= atol + rtol * abs(numeric))
        msg = f"gradcheck (fast): v^T J u analytic {analytic!r} vs numeric {numeric!r}"
    else:
        ana = [np.empty((n_out, t.numel())) for t in diff]  # full Jacobians, one backward per output
        for j in range(n_out):
            v = np.zeros(n_out)
            v[j] = 1.0
            for a, g in zip(ana, _analytic_vjp(call, diff, v)):
                a[j] = g.ravel()
        ok, msg = True, ""
        for k, t in enumerate(diff):
            num = np.empty((n_out, t.numel()))
            for i in range(t.numel()):
                u = [z.copy() for z in zeros]
                u[k].reshape(-1)[i] = 1.0
                num[:, i] = _numeric_jvp(call, diff, u, eps)
            bad = ~(np.abs(ana[k] - num) <= atol + rtol * np.abs(num))  # NaN counts as a mismatch
            if bad.any():
                j, i = np.argwhere(bad)[0]
                ok = False
                msg = (
                    f"gradcheck: Jacobian mismatch for input {k} (shape {t.shape}) at output {j}, "
                    f"element {i}: analytic {ana[k][j, i]!r} vs numeric {num[j, i]!r}; "
                    f"max abs diff {np.abs(ana[k] - num).max():.3e}"
                )
                break
    for t in diff:
        t.grad = None
    if not ok and raise_exception:
        raise GradcheckError(msg)
    return ok
