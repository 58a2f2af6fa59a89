"""Character-level text for the char language model (F21's char-LSTM, `dlcore bench train-charlm`):
a seeded toy-grammar corpus, its integer coding and next-character windows.

The corpus is a pure function of (lines, seed) (numpy PCG64): lowercase letters, ' ', '.' and
'\\n', 27 distinct characters at the default size.
"""

from __future__ import annotations

import numpy as np

_NOUNS = ["cat", "dog", "bird", "fox", "horse", "child", "farmer", "teacher", "river", "garden"]
_VERBS = ["sees", "likes", "follows", "finds", "hears", "watches", "helps", "chases"]
_ADJS = ["small", "old", "quiet", "brown", "little", "fast", "good"]
_DETS = ["the", "a", "every", "this"]
_ENDS = ["today", "again", "at dawn", "in the garden", "near the river", "with care"]


def toy_grammar(lines: int = 400, seed: int = 1234) -> str:
    """`lines` sentences of a fixed toy grammar, one per line ('\\n' after each):
    det [adj] noun verb det [adj] noun [end] '.' (each adj with probability 1/2, end 0.4)."""
    if isinstance(lines, bool) or not isinstance(lines, (int, np.integer)) or lines < 0:
        raise ValueError(f"toy_grammar: lines must be a non-negative int, got {lines!r}")
    rng = np.random.default_rng(seed)

    def pick(words):
        return words[rng.integers(len(words))]

    def phrase():
        adj = f"{pick(_ADJS)} " if rng.random() < 0.5 else ""
        return f"{pick(_DETS)} {adj}{pick(_NOUNS)}"

    out = []
    for _ in range(lines):
        end = f" {pick(_ENDS)}" if rng.random() < 0.4 else ""
        out.append(f"{phrase()} {pick(_VERBS)} {phrase()}{end}.\n")
    return "".join(out)


def encode_chars(text: str, vocab: str | None = None) -> tuple[np.ndarray, str]:
    """(int64 codes (len(text),), vocab): code i is vocab[i]; vocab defaults to the sorted
    distinct characters of text. A character missing from a given vocab raises ValueError."""
    if not isinstance(text, str):
        raise TypeError(f"encode_chars: text must be a str, got {type(text).__name__}")
    vocab = "".join(sorted(set(text))) if vocab is None else vocab
    lut = {c: i for i, c in enumerate(vocab)}
    missing = sorted(set(text) - lut.keys())
    if missing:
        raise ValueError(f"encode_chars: characters {missing!r} are not in the vocabulary {vocab!r}")
    return np.fromiter((lut[c] for c in text), dtype=np.int64, count=len(text)), vocab


def decode_chars(codes, vocab: str) -> str:
    """The text of integer codes (any shape, flattened) under vocab."""
    codes = np.asarray(codes).reshape(-1)
    if codes.size and (codes.min() < 0 or codes.max() >= len(vocab)):
        raise ValueError(
            f"decode_chars: codes must lie in [0, {len(vocab)}), got [{codes.min()}, {codes.max()}]"
        )
    return "".join(vocab[int(i)] for i in codes)


def char_windows(codes: np.ndarray, starts, length: int) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets), each int64 (len(starts), length): codes[s : s + length] and the next
    characters codes[s + 1 : s + 1 + length]. Every start needs s + length < len(codes)."""
    codes, starts = np.asarray(codes), np.asarray(starts, dtype=np.int64).reshape(-1)
    if length < 1:
        raise ValueError(f"char_windows: length must be >= 1, got {length}")
    if starts.size and (starts.min() < 0 or starts.max() + length >= len(codes)):
        raise ValueError(
            f"char_windows: starts must lie in [0, {len(codes) - length - 1}] for windows of {length} "
            f"over {len(codes)} codes, got [{starts.min()}, {starts.max()}]"
        )
    idx = starts[:, None] + np.arange(length + 1)[None, :]
    w = codes[idx]
    return np.ascontiguousarray(w[:, :-1]), np.ascontiguousarray(w[:, 1:])


def char_batches(codes: np.ndarray, length: int, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """All non-overlapping windows of `length` over codes, as char_windows (N, length) pairs with
    N = (len(codes) - 1) // length, in an order shuffled by `seed` (None: in text order)."""
    n = (len(codes) - 1) // length
    starts = np.arange(n, dtype=np.int64) * length
    if seed is not None:
        starts = starts[np.random.default_rng(seed).permutation(n)]
    return char_windows(codes, starts, length)
