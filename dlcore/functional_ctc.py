"""torch.nn.functional.ctc_loss, and a greedy CTC decoder (a dlcore extension: torch has none),
re-exported by dlcore.nn.functional.

ctc_loss checks every argument here (errors name "ctc_loss"), turns torch's argument forms into
the kernel's (targets padded (N, S) int64, lengths int64 (N,), a batch axis for an unbatched
call) and runs ops.CTCLoss; the reduction is tensor arithmetic on its per-item losses.
"""

from __future__ import annotations

import numpy as np

from . import backend, ops
from . import functional as _f
from .tensor import Tensor, apply

REDUCTIONS = ("none", "mean", "sum")


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _host(t: Tensor) -> np.ndarray:
    return np.asarray(backend.to_device(t.data, "cpu"))


def _lengths(v, name: str, n: int, batched: bool, op: str = "ctc_loss") -> np.ndarray:
    """input_lengths / target_lengths as int64 (n,): an integer tensor (0-d or 1-D) or a
    tuple/list of ints, as torch takes them."""
    if isinstance(v, Tensor):
        if v.dtype.kind not in "iu":
            raise TypeError(f"{op}: {name} must be an integer tensor or a tuple of ints, got {v.dtype}")
        if v.ndim > 1 or (batched and v.ndim == 0):
            raise ValueError(f"{op}: {name} must be 1-D (one length per batch item), got shape {v.shape}")
        out = _host(v).astype(np.int64).reshape(-1)
    elif isinstance(v, (tuple, list)):
        if not all(_is_int(k) for k in v):
            raise TypeError(f"{op}: {name} must hold ints, got {v!r}")
        out = np.array([int(k) for k in v], dtype=np.int64).reshape(-1)
    else:
        raise TypeError(f"{op}: {name} must be a tensor or a tuple of ints, got {type(v).__name__}")
    if out.shape != (n,):
        raise ValueError(f"{op}: {name} must have one entry per batch item ({n}), got {out.size}")
    if (out < 0).any():
        raise ValueError(f"{op}: {name} must be non-negative, got {out.tolist()}")
    return out


def _padded_targets(targets, target_lengths: np.ndarray, n: int) -> np.ndarray:
    """targets as int64 (n, S): torch's padded (N, S) form as it is, the concatenated 1-D form
    (sum(target_lengths) labels; an unbatched call's too, as torch) cut into rows of
    S = max(target_lengths)."""
    op = "ctc_loss"
    if not isinstance(targets, Tensor):
        raise TypeError(f"{op}: targets must be a tensor, got {type(targets).__name__}")
    if targets.dtype.kind not in "iu":
        raise TypeError(f"{op}: targets must be an integer tensor, got {targets.dtype}")
    t = _host(targets).astype(np.int64)
    if t.ndim == 1:
        total = int(target_lengths.sum())
        if t.size != total:
            raise ValueError(
                f"{op}: concatenated targets must hold sum(target_lengths) = {total} labels, got {t.size}"
            )
        padded = np.zeros((n, int(target_lengths.max(initial=0))), dtype=np.int64)
        ends = np.cumsum(target_lengths)
        for i, (end, k) in enumerate(zip(ends, target_lengths)):
            padded[i, :k] = t[end - k : end]
        t = padded
    elif t.ndim != 2 or t.shape[0] != n:
        raise ValueError(
            f"{op}: targets must be (N, S) padded or 1-D concatenated with N = {n}, got {t.shape}"
        )
    if t.shape[1] < target_lengths.max(initial=0):
        raise ValueError(
            f"{op}: target_lengths {target_lengths.tolist()} exceed the padded targets' length {t.shape[1]}"
        )
    return np.ascontiguousarray(t)


def _check_labels(t: np.ndarray, target_lengths: np.ndarray, c: int, blank: int) -> None:
    used = np.arange(t.shape[1])[None, :] < target_lengths[:, None]
    bad = used & ((t < 0) | (t >= c) | (t == blank))
    if bad.any():
        n, s = (int(i) for i in np.argwhere(bad)[0])
        why = "is the blank label" if t[n, s] == blank else f"is out of range for {c} classes"
        raise ValueError(f"ctc_loss: targets[{n}, {s}] = {t[n, s]} {why}")


def ctc_loss(
    log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False
) -> Tensor:
    """torch.nn.functional.ctc_loss: -log p(targets | log_probs) per batch item, summed over every
    alignment. log_probs (T, N, C) (log-softmax output; (T, C) unbatched); targets (N, S) padded
    or 1-D concatenated (sum(target_lengths) labels, unbatched too); the lengths integer tensors
    or tuples of ints. reduction 'mean' divides each loss by its target length (clamped to >= 1) and
    averages over the batch; 'sum' adds; 'none' keeps (N,). +inf where no alignment exists, 0 (and
    a 0 gradient) with zero_infinity."""
    op = "ctc_loss"
    x = _f._tensor(log_probs, op)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: expected float32 or float64 log_probs, got {x.dtype}")
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: log_probs must be (T, N, C) or unbatched (T, C), got shape {x.shape}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    if not _is_int(blank):
        raise TypeError(f"{op}: blank must be an int, got {type(blank).__name__}")
    if x.numel() == 0:
        raise ValueError(f"{op}: log_probs must not be empty, got shape {x.shape}")
    batched = x.ndim == 3
    x3 = x if batched else x.unsqueeze(1)
    t_len, n, c = x3.shape
    if not 0 <= blank < c:
        raise ValueError(f"{op}: blank {blank} must be in the label range [0, {c})")
    il = _lengths(input_lengths, "input_lengths", n, batched)
    tl = _lengths(target_lengths, "target_lengths", n, batched)
    if (il > t_len).any():
        raise ValueError(f"{op}: input_lengths {il.tolist()} must be at most T = {t_len}")
    padded = _padded_targets(targets, tl, n)
    _check_labels(padded, tl, c, blank)
    kw = {"blank": int(blank), "zero_infinity": bool(zero_infinity)}
    loss = apply(ops.CTCLoss, x3, targets=padded, input_lengths=il, target_lengths=tl, **kw)
    if not batched:
        loss = loss.reshape(())
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        divisor = np.maximum(tl, 1).astype(x.dtype).reshape(loss.shape)
        return (loss / Tensor(backend.to_device(divisor, backend.device_of(x.data)))).mean()
    return loss


def ctc_greedy_decode(log_probs, input_lengths=None, blank=0, padding_value=-1) -> Tensor:
    """Best-path CTC decoding (a dlcore extension): per step the most likely class (the first on
    ties), then repeats merged and blanks dropped. log_probs (T, N, C) (or unbatched (T, C)), any
    scores whose argmax picks the class; input_lengths (N,) limits each item's steps (default T).
    Returns int64 (N, L) on log_probs' device, L the longest decoding, shorter rows filled with
    padding_value (unbatched: (L,)); each row's length is (row != padding_value).sum() when
    padding_value is not a class."""
    op = "ctc_greedy_decode"
    x = _f._tensor(log_probs, op)
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: log_probs must be (T, N, C) or unbatched (T, C), got shape {x.shape}")
    if not (_is_int(blank) and _is_int(padding_value)):
        raise TypeError(f"{op}: blank and padding_value must be ints, got {blank!r}, {padding_value!r}")
    if x.dtype.kind not in "fiu":
        raise TypeError(f"{op}: expected a float or integer tensor of scores, got {x.dtype}")
    batched = x.ndim == 3
    t_len, n = x.shape[0], (x.shape[1] if batched else 1)
    lengths = np.full(n, t_len, np.int64)
    if input_lengths is not None:
        lengths = _lengths(input_lengths, "input_lengths", n, batched, op)
        if (lengths > t_len).any():
            raise ValueError(f"{op}: input_lengths {lengths.tolist()} must be at most T = {t_len}")
    if x.shape[-1] == 0:
        raise ValueError(f"{op}: log_probs has no classes, shape {x.shape}")
    best = _host(x.argmax(dim=-1)).reshape(t_len, n)
    rows = []
    for i in range(n):
        path = best[: lengths[i], i]
        keep = (path != blank) & np.concatenate(([True], path[1:] != path[:-1]))
        rows.append(path[keep])
    out = np.full((n, max((len(r) for r in rows), default=0)), padding_value, dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return Tensor(backend.to_device(out if batched else out[0], backend.device_of(x.data)))
