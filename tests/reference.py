"""float64 numpy references for dlcore's kernels and ops. Imports nothing from dlcore."""
import numpy as np


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
