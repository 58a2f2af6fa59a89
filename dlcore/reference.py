"""float64 numpy references that tests, the tour and the bench check dlcore against.

Kernels: log_softmax (+ backward), softmax, cross_entropy (+ backward) and the rel_err measure;
conv2d and its two gradients (conv2d_backward_input, conv2d_backward_weight; NCHW, groups).
Optimizers: one step of torch.optim's single-tensor formulas (sgd_ref, adagrad_ref, rmsprop_ref,
adam_ref; AdamW is adam_ref(decoupled=True)), Eve's Algorithm 1 (Koushik & Hayashi 2016, arXiv
1611.01505: eve_feedback_ref, eve_ref), and optimizer_ref(name, ...) dispatching by the
dlcore/torch class name. Each `*_ref` updates p and the arrays of the dict `state` in place.
Plain numpy: imports nothing from dlcore, so it can never share a bug with what it checks.
"""

import numpy as np

# ---- kernels ------------------------------------------------------------------------------------


def log_softmax(x, axis=-1):
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def log_softmax_backward(dy, y):
    dy, y = np.asarray(dy, np.float64), np.asarray(y, np.float64)
    return dy - np.exp(y) * dy.sum(axis=-1, keepdims=True)


def softmax(x, axis=-1):
    return np.exp(log_softmax(x, axis))


def cross_entropy(logits, targets):
    """Per-row losses (n,) and log-probabilities (n, c)."""
    lp = log_softmax(logits)
    return -lp[np.arange(lp.shape[0]), targets], lp


def cross_entropy_backward(log_probs, targets, dloss):
    d = np.exp(np.asarray(log_probs, np.float64)) * np.asarray(dloss, np.float64)[:, None]
    d[np.arange(d.shape[0]), targets] -= dloss
    return d


def rel_err(out, ref, scale=None):
    """max |out - ref| / max(|ref|, scale, 1) elementwise; equal infinities count as exact."""
    out, ref = np.asarray(out, np.float64), np.asarray(ref, np.float64)
    same = (out == ref) | (np.isnan(out) & np.isnan(ref))
    denom = np.maximum(np.abs(ref), 1.0 if scale is None else np.maximum(scale, 1.0))
    with np.errstate(invalid="ignore"):
        err = np.where(same, 0.0, np.abs(out - ref) / np.where(np.isfinite(denom), denom, 1.0))
    return float(err.max()) if err.size else 0.0


# ---- optimizers (torch.optim semantics, one step, in place) -------------------------------------


def sgd_ref(p, g, state, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    if momentum:
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = g.copy()
        else:
            state["momentum_buffer"] = momentum * state["momentum_buffer"] + (1 - dampening) * g
        buf = state["momentum_buffer"]
        g = g + momentum * buf if nesterov else buf
    p -= lr * g


def adagrad_ref(
    p,
    g,
    state,
    lr=1e-2,
    lr_decay=0.0,
    weight_decay=0.0,
    initial_accumulator_value=0.0,
    eps=1e-10,
    maximize=False,
):
    if "sum" not in state:
        state["sum"] = np.full_like(p, initial_accumulator_value)
        state["step"] = 0
    state["step"] += 1
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    clr = lr / (1 + (state["step"] - 1) * lr_decay)
    state["sum"] += g * g
    p -= clr * g / (np.sqrt(state["sum"]) + eps)


def rmsprop_ref(
    p, g, state, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False
):
    if "square_avg" not in state:
        state["square_avg"] = np.zeros_like(p)
        state["grad_avg"] = np.zeros_like(p)
        state["momentum_buffer"] = np.zeros_like(p)
    g = -g if maximize else g
    if weight_decay:
        g = g + weight_decay * p
    sq = state["square_avg"] = alpha * state["square_avg"] + (1 - alpha) * g * g
    if centered:
        ga = state["grad_avg"] = alpha * state["grad_avg"] + (1 - alpha) * g
        avg = np.sqrt(sq - ga * ga) + eps
    else:
        avg = np.sqrt(sq) + eps
    if momentum > 0:
        buf = state["momentum_buffer"] = momentum * state["momentum_buffer"] + g / avg
        p -= lr * buf
    else:
        p -= lr * g / avg


def adam_ref(
    p,
    g,
    state,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    maximize=False,
    decoupled=False,
    lr_divisor=1.0,
):
    """Adam; decoupled=True is AdamW; the step is lr / lr_divisor (Eve's d_t)."""
    b1, b2 = betas
    if "exp_avg" not in state:
        state["exp_avg"] = np.zeros_like(p)
        state["exp_avg_sq"] = np.zeros_like(p)
        state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] = 0
    state["step"] += 1
    t = state["step"]
    lr_t = lr / lr_divisor
    g = -g if maximize else g
    if decoupled:
        p *= 1 - lr_t * weight_decay
    elif weight_decay:
        g = g + weight_decay * p
    m = state["exp_avg"] = b1 * state["exp_avg"] + (1 - b1) * g
    v = state["exp_avg_sq"] = b2 * state["exp_avg_sq"] + (1 - b2) * g * g
    if amsgrad:
        v = state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v)
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    p -= lr_t * m_hat / (np.sqrt(v_hat) + eps)


def eve_feedback_ref(state, loss, beta3=0.999, k=0.1, K=10.0):
    """Algorithm 1's d_t from f(theta_{t-1}) = loss; updates state["f_hat"], state["d"]."""
    if "d" not in state:
        state["f_hat"] = loss
        state["d"] = 1.0
        return 1.0
    f_prev = state["f_hat"]
    if loss >= f_prev:
        lo, hi = k + 1, K + 1
    else:
        lo, hi = 1 / (K + 1), 1 / (k + 1)
    c = min(max(lo, loss / f_prev), hi)
    f_hat = c * f_prev
    r = abs(f_hat - f_prev) / min(f_hat, f_prev)
    state["d"] = beta3 * state["d"] + (1 - beta3) * r
    state["f_hat"] = f_hat
    return state["d"]


def eve_ref(p, g, state, loss, lr=1e-3, betas=(0.9, 0.999, 0.999), eps=1e-8, k=0.1, K=10.0):
    """One step of Algorithm 1: theta -= lr * m_hat / (d_t * (sqrt(v_hat) + eps))."""
    fb = state.setdefault("feedback", {})
    d = eve_feedback_ref(fb, loss, betas[2], k, K)
    adam_ref(p, g, state, lr=lr, betas=betas[:2], eps=eps, lr_divisor=d)


def optimizer_ref(name, p, g, state, **cfg):
    """One step of the optimizer class `name` ("SGD", "Adagrad", "RMSprop", "Adam", "AdamW")
    with the constructor's keyword arguments `cfg`; AdamW's weight_decay defaults to 1e-2."""
    if name == "SGD":
        sgd_ref(p, g, state, **cfg)
    elif name == "Adagrad":
        adagrad_ref(p, g, state, **cfg)
    elif name == "RMSprop":
        rmsprop_ref(p, g, state, **cfg)
    elif name == "Adam":
        adam_ref(p, g, state, **cfg)
    elif name == "AdamW":
        adam_ref(p, g, state, decoupled=True, **{"weight_decay": 1e-2, **cfg})
    else:
        raise ValueError(
            f"optimizer_ref: no reference for optimizer {name!r}; expected one of "
            "SGD, Adagrad, RMSprop, Adam, AdamW"
        )


# ---- convolution (NCHW, torch's cross-correlation; padding (top, bottom, left, right)) ----------


def conv_out_size(h, w, r, s, stride, padding, dilation):
    ho = (h + padding[0] + padding[1] - dilation[0] * (r - 1) - 1) // stride[0] + 1
    wo = (w + padding[2] + padding[3] - dilation[1] * (s - 1) - 1) // stride[1] + 1
    return ho, wo


def _big(*arrays):
    """einsum's BLAS path pays off on large operands only (its path search costs ~50 us)."""
    return sum(a.size for a in arrays) > 1 << 16


def _conv_windows(ho, wo, r, s, stride, dilation):
    """(i, j, row slice, column slice) of the padded input read by kernel tap (i, j)."""
    for i in range(r):
        for j in range(s):
            rows = slice(i * dilation[0], i * dilation[0] + stride[0] * (ho - 1) + 1, stride[0])
            cols = slice(j * dilation[1], j * dilation[1] + stride[1] * (wo - 1) + 1, stride[1])
            yield i, j, rows, cols


def _conv_padded(x, padding):
    t, b, left, right = padding
    return np.pad(np.asarray(x, np.float64), ((0, 0), (0, 0), (t, b), (left, right)))


def _conv_padded_hw(h, w, padding):
    return h + padding[0] + padding[1], w + padding[2] + padding[3]


def conv2d(x, w, bias, stride, padding, dilation, groups, relu=False):
    n, _, h, wd = x.shape
    k, cg, r, s = w.shape
    ho, wo = conv_out_size(h, wd, r, s, stride, padding, dilation)
    xp = _conv_padded(x, padding).reshape(n, groups, cg, *_conv_padded_hw(h, wd, padding))
    wg = np.asarray(w, np.float64).reshape(groups, k // groups, cg, r, s)
    y = np.zeros((n, groups, k // groups, ho, wo))
    for i, j, rows, cols in _conv_windows(ho, wo, r, s, stride, dilation):
        y += np.einsum("ngchw,gkc->ngkhw", xp[:, :, :, rows, cols], wg[:, :, :, i, j], optimize=_big(xp, y))
    y = y.reshape(n, k, ho, wo)
    if bias is not None:
        y += np.asarray(bias, np.float64)[None, :, None, None]
    return np.maximum(y, 0) if relu else y


def conv2d_backward_input(dy, w, x_shape, stride, padding, dilation, groups):
    n, c, h, wd = x_shape
    k, cg, r, s = w.shape
    ho, wo = dy.shape[2:]
    dxp = np.zeros((n, groups, cg, h + padding[0] + padding[1], wd + padding[2] + padding[3]))
    dyg = np.asarray(dy, np.float64).reshape(n, groups, k // groups, ho, wo)
    wg = np.asarray(w, np.float64).reshape(groups, k // groups, cg, r, s)
    for i, j, rows, cols in _conv_windows(ho, wo, r, s, stride, dilation):
        dxp[:, :, :, rows, cols] += np.einsum(
            "ngkhw,gkc->ngchw", dyg, wg[:, :, :, i, j], optimize=_big(dxp, dyg)
        )
    dxp = dxp.reshape(n, c, dxp.shape[3], dxp.shape[4])
    return dxp[:, :, padding[0] : padding[0] + h, padding[2] : padding[2] + wd]


def conv2d_backward_weight(dy, x, w_shape, stride, padding, dilation, groups):
    n, _, h, wd = x.shape
    k, cg, r, s = w_shape
    ho, wo = dy.shape[2:]
    xp = _conv_padded(x, padding).reshape(n, groups, cg, *_conv_padded_hw(h, wd, padding))
    dyg = np.asarray(dy, np.float64).reshape(n, groups, k // groups, ho, wo)
    dw = np.zeros((groups, k // groups, cg, r, s))
    for i, j, rows, cols in _conv_windows(ho, wo, r, s, stride, dilation):
        dw[:, :, :, i, j] = np.einsum(
            "ngkhw,ngchw->gkc", dyg, xp[:, :, :, rows, cols], optimize=_big(xp, dyg)
        )
    return dw.reshape(k, cg, r, s), np.asarray(dy, np.float64).sum(axis=(0, 2, 3))
