"""NumPy references of the optimizer updates (torch.optim's single-tensor formulas) and of Eve,
Algorithm 1 of Koushik & Hayashi 2016 (arXiv 1611.01505). Plain numpy, imports nothing from
dlcore. Each `*_ref` updates the arrays of `state` and `p` in place for one step."""
import numpy as np


def sgd_ref(p, g, state, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
            maximize=False):
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


def adagrad_ref(p, g, state, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                initial_accumulator_value=0.0, eps=1e-10, maximize=False):
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


def rmsprop_ref(p, g, state, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                centered=False, maximize=False):
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


def adam_ref(p, g, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
             amsgrad=False, maximize=False, decoupled=False, lr_divisor=1.0):
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
    m_hat = m / (1 - b1 ** t)
    v_hat = v / (1 - b2 ** t)
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
