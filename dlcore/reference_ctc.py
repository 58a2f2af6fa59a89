"""float64 numpy references of the CTC loss (Graves et al. 2006) that the kernels are checked against.

ctc_loss_ref: the alpha recursion, vectorized over the extended label sequence, per batch item;
returns the losses (N,) and log alpha (N, T, 2S+1) (-inf outside t < input_lengths[n],
s <= 2 target_lengths[n]), the kernel contract's outputs. ctc_grad_ref: the gradient of the
losses with respect to log_probs by the alpha-beta posteriors, the kernel's `grad` for dloss = 1.
ctc_brute_force: one item, every path of length T over the C classes collapsed (repeats merged,
blanks dropped) and the probabilities of those that give the target summed: the loss and the
posterior gradient with no recursion at all (C^T paths: for T <= 6 or so).
Plain numpy: imports nothing from dlcore.
"""

import itertools

import numpy as np

NEG_INF = -np.inf


def _extended(labels, blank) -> np.ndarray:
    """blank, l1, blank, l2, ..., blank."""
    ext = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    ext[1::2] = labels
    return ext


def _skip_mask(ext) -> np.ndarray:
    """Positions s that may be entered from s - 2: a label differing from the label before it."""
    mask = np.zeros(len(ext), dtype=bool)
    mask[3::2] = ext[3::2] != ext[1:-2:2]
    return mask


def _shift(v, k) -> np.ndarray:
    """v moved k places up the positions (k > 0: out[s] = v[s - k]) or down (k < 0), -inf filled."""
    out = np.full_like(v, NEG_INF)
    if k > 0:
        out[k:] = v[: len(v) - k]
    else:
        out[: len(v) + k] = v[-k:]
    return out


def _item_alpha(lp, ext, length) -> np.ndarray:
    """log alpha (length, E) for one item; lp (T, C)."""
    e = len(ext)
    skip = _skip_mask(ext)
    alpha = np.full((length, e), NEG_INF)
    if length == 0:
        return alpha
    alpha[0, 0] = lp[0, ext[0]]
    if e > 1:
        alpha[0, 1] = lp[0, ext[1]]
    for t in range(1, length):
        prev = alpha[t - 1]
        one, two = _shift(prev, 1), np.where(skip, _shift(prev, 2), NEG_INF)
        with np.errstate(divide="ignore"):
            alpha[t] = np.logaddexp(np.logaddexp(prev, one), two) + lp[t, ext]
    return alpha


def _item_beta(lp, ext, length) -> np.ndarray:
    """log beta (length, E) for one item (beta_t including y_t, as alpha)."""
    e = len(ext)
    skip = _skip_mask(ext)
    beta = np.full((length, e), NEG_INF)
    if length == 0:
        return beta
    beta[-1, -1] = lp[length - 1, ext[-1]]
    if e > 1:
        beta[-1, -2] = lp[length - 1, ext[-2]]
    for t in range(length - 2, -1, -1):
        nxt = beta[t + 1]
        one, from_two = _shift(nxt, -1), _shift(np.where(skip, nxt, NEG_INF), -2)
        with np.errstate(divide="ignore"):
            beta[t] = np.logaddexp(np.logaddexp(nxt, one), from_two) + lp[t, ext]
    return beta


def _items(log_probs, targets, input_lengths, target_lengths, blank):
    lp = np.asarray(log_probs, np.float64)
    targets = np.asarray(targets, np.int64)
    for n in range(lp.shape[1]):
        labels = targets[n, : int(target_lengths[n])]
        yield n, lp[:, n], _extended(labels, blank), int(input_lengths[n])


def ctc_loss_ref(log_probs, targets, input_lengths, target_lengths, blank=0):
    """(loss (N,), log_alpha (N, T, 2S+1)); log_probs (T, N, C), targets (N, S) padded."""
    lp = np.asarray(log_probs, np.float64)
    t_max, n_items = lp.shape[:2]
    s_max = np.asarray(targets).shape[1]
    loss = np.empty(n_items)
    log_alpha = np.full((n_items, t_max, 2 * s_max + 1), NEG_INF)
    for n, lp_n, ext, length in _items(log_probs, targets, input_lengths, target_lengths, blank):
        alpha = _item_alpha(lp_n, ext, length)
        log_alpha[n, :length, : len(ext)] = alpha
        if length == 0:
            loss[n] = 0.0 if len(ext) == 1 else np.inf
        else:
            loss[n] = -np.logaddexp(alpha[-1, -1], alpha[-1, -2] if len(ext) > 1 else NEG_INF)
    return loss, log_alpha


def ctc_grad_ref(log_probs, targets, input_lengths, target_lengths, blank=0) -> np.ndarray:
    """d loss[n] / d log_probs[t, n, c] (T, N, C): minus the posterior of class c at step t;
    0 at t >= input_lengths[n]; nan at t < input_lengths[n] where the loss is +inf."""
    lp = np.asarray(log_probs, np.float64)
    loss, _ = ctc_loss_ref(log_probs, targets, input_lengths, target_lengths, blank)
    grad = np.zeros_like(lp)
    for n, lp_n, ext, length in _items(log_probs, targets, input_lengths, target_lengths, blank):
        if np.isinf(loss[n]):
            grad[:length, n] = np.nan
            continue
        ab = _item_alpha(lp_n, ext, length) + _item_beta(lp_n, ext, length)
        for k in range(lp.shape[2]):
            at_k = ab[:, ext == k]
            if at_k.shape[1]:
                with np.errstate(divide="ignore", invalid="ignore"):
                    post = np.logaddexp.reduce(at_k, axis=1) - lp_n[:length, k] + loss[n]
                grad[:length, n, k] = np.where(np.isneginf(post), 0.0, -np.exp(post))
    return grad


def collapse(path, blank=0) -> tuple:
    """The labelling of a path: repeats merged, then blanks dropped."""
    out = []
    prev = None
    for k in path:
        if k != prev and k != blank:
            out.append(int(k))
        prev = k
    return tuple(out)


def ctc_brute_force(log_probs, labels, blank=0):
    """(loss, grad (T, C)) for one item, log_probs (T, C), by summing over every path of length T
    whose collapse is `labels`: loss = -log sum p(path), grad = -posterior of each class."""
    lp = np.asarray(log_probs, np.float64)
    t_len, c = lp.shape
    labels = tuple(int(k) for k in labels)
    weights, counts = [], []
    for path in itertools.product(range(c), repeat=t_len):
        if collapse(path, blank) == labels:
            weights.append(lp[np.arange(t_len), path].sum())
            one_hot = np.zeros((t_len, c))
            one_hot[np.arange(t_len), path] = 1.0
            counts.append(one_hot)
    if not weights:
        return np.inf, np.full((t_len, c), np.nan)
    weights = np.asarray(weights)
    logp = np.logaddexp.reduce(weights)
    post = np.tensordot(np.exp(weights - logp), np.asarray(counts), axes=1)
    return -logp, -post
