"""Synthetic sequence tasks for the recurrent-network demos: long-lag recall (F33), running
counters with per-step targets (F58) and CTC "speech" (F37).

Everything is a pure function of its seeds (numpy PCG64). Arrays are batch-major: (N, T, ...);
the tour entries transpose to time-major where a layer wants it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


def _check_n_length(op: str, n: int, length: int) -> None:
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"{op}: n must be an int >= 0, got {n!r}")
    if not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"{op}: length must be an int >= 1, got {length!r}")


def first_symbol_recall(n: int, length: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The long-lag recall task: `length` uniform random bits; the label is the first one, the
    other length - 1 bits are distractors drawn from the same alphabet.

    Returns:
        (symbols int64 (n, length) in {0, 1}, labels int64 (n,) = symbols[:, 0]).
    """
    _check_n_length("first_symbol_recall", n, length)
    symbols = np.random.default_rng(seed).integers(0, 2, size=(n, length), dtype=np.int64)
    return symbols, symbols[:, 0].copy()


def running_count_mod(n: int, length: int, modulus: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per-step targets of a counter: uniform random bits, target[t] = (bits[0] + ... + bits[t])
    mod `modulus` (modulus 2: running parity; 3: a mod-3 counter of the ones seen so far).

    Returns:
        (bits int64 (n, length) in {0, 1}, targets int64 (n, length) in [0, modulus)).
    """
    _check_n_length("running_count_mod", n, length)
    if not isinstance(modulus, (int, np.integer)) or modulus < 2:
        raise ValueError(f"running_count_mod: modulus must be an int >= 2, got {modulus!r}")
    bits = np.random.default_rng(seed).integers(0, 2, size=(n, length), dtype=np.int64)
    return bits, np.cumsum(bits, axis=1) % modulus


def running_parity(n: int, length: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """running_count_mod with modulus 2: target[t] = XOR of bits[0..t]."""
    return running_count_mod(n, length, 2, seed)


def mod3_counter(n: int, length: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """running_count_mod with modulus 3: target[t] = number of ones in bits[0..t] mod 3."""
    return running_count_mod(n, length, 3, seed)


class CtcSpeech(NamedTuple):
    """features float32 (N, T_max, dim), zero past each utterance's end; feature_lengths int64
    (N,); targets int64 (N, S_max) with labels 1..symbols (0 = the CTC blank, also the padding);
    target_lengths int64 (N,); durations int64 (N, S_max): frames emitted by each label (0 in the
    padding); prototypes float32 (symbols, dim): row k - 1 is the mean frame of label k."""

    features: np.ndarray
    feature_lengths: np.ndarray
    targets: np.ndarray
    target_lengths: np.ndarray
    durations: np.ndarray
    prototypes: np.ndarray


def speech_prototypes(symbols: int = 10, dim: int = 13, seed: int = 0) -> np.ndarray:
    """The mean frame of each symbol: float32 (symbols, dim), i.i.d. N(0, 1)."""
    if symbols < 1 or dim < 1:
        raise ValueError(f"speech_prototypes: symbols and dim must be >= 1, got {symbols}, {dim}")
    return np.random.default_rng(seed).standard_normal((symbols, dim)).astype(np.float32)


def _check_range(name: str, lo_hi, lowest: int) -> tuple[int, int]:
    lo, hi = lo_hi
    if not lowest <= lo <= hi:
        raise ValueError(
            f"ctc_speech: {name} must be a range (lo, hi) with {lowest} <= lo <= hi, got {lo_hi}"
        )
    return int(lo), int(hi)


def ctc_speech(
    n: int,
    seed: int = 0,
    prototype_seed: int = 0,
    symbols: int = 10,
    dim: int = 13,
    label_lengths: tuple[int, int] = (3, 8),
    frames: tuple[int, int] = (2, 5),
    noise: float = 0.8,
) -> CtcSpeech:
    """Synthetic "speech": each utterance is a string of labels 1..symbols, length uniform in
    `label_lengths`, in which no label follows itself (a repeat would be indistinguishable from
    one longer label); each label emits a uniform number of frames in `frames` (inclusive), each
    frame its prototype plus i.i.d. N(0, noise^2) per dimension. Prototypes come from
    `prototype_seed` alone (speech_prototypes), so sets drawn with different `seed`s share them.
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"ctc_speech: n must be an int >= 0, got {n!r}")
    if symbols < 2:
        raise ValueError(f"ctc_speech: need symbols >= 2 (no label may follow itself), got {symbols}")
    if not noise >= 0:
        raise ValueError(f"ctc_speech: noise must be >= 0, got {noise}")
    s_lo, s_hi = _check_range("label_lengths", label_lengths, 1)
    f_lo, f_hi = _check_range("frames", frames, 1)
    protos = speech_prototypes(symbols, dim, prototype_seed)
    rng = np.random.default_rng(seed)
    target_lengths = rng.integers(s_lo, s_hi + 1, size=n)
    targets = np.zeros((n, s_hi), np.int64)
    durations = np.zeros((n, s_hi), np.int64)
    for i, s in enumerate(target_lengths):
        # first label uniform over 1..symbols, each next one uniform over the other symbols - 1
        steps = np.concatenate([rng.integers(0, symbols, 1), rng.integers(1, symbols, s - 1)])
        targets[i, :s] = np.cumsum(steps) % symbols + 1
        durations[i, :s] = rng.integers(f_lo, f_hi + 1, size=s)
    feature_lengths = durations.sum(1)
    features = np.zeros((n, s_hi * f_hi, dim), np.float32)
    for i in range(n):
        labels = np.repeat(targets[i, : target_lengths[i]], durations[i, : target_lengths[i]])
        frames_i = protos[labels - 1] + noise * rng.standard_normal((len(labels), dim))
        features[i, : len(labels)] = frames_i
    t_max = int(feature_lengths.max()) if n else 0
    return CtcSpeech(
        features[:, :t_max],
        feature_lengths.astype(np.int64),
        targets,
        target_lengths.astype(np.int64),
        durations,
        protos,
    )


def edit_distance(a, b) -> int:
    """Levenshtein distance between two sequences (unit cost insert, delete, substitute)."""
    a, b = list(a), list(b)
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]
