"""Generated image captions (F08): two 8x8 digits side by side in an 8x16 image, captioned
"three then seven" (left digit, then right digit).

The digits come from scikit-learn's bundled set, split as `digits(split, test_fraction, seed=0)`,
so "test" images are made only of digit samples that no "train" image uses. Pure function of its
arguments (numpy PCG64 seeded by `seed`), independent of `dlcore.manual_seed`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .datasets import SPLITS, digits
from .text import EOS, SPECIALS

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
CAPTION_VOCAB = SPECIALS + DIGIT_WORDS + ("then",)  # ids: specials 0..2, digit d is 3 + d, "then" 13
_THEN = CAPTION_VOCAB.index("then")


@dataclass(frozen=True)
class TwoDigitCaptions:
    """images float32 (N, 1, 8, 16) in [0, 1]; labels int64 (N, 2) (left, right digit); tokens int64
    (N, 4) = [3 + left, "then", 3 + right, EOS] indexing CAPTION_VOCAB; captions the words."""

    images: np.ndarray
    labels: np.ndarray
    tokens: np.ndarray
    captions: tuple[str, ...]
    vocab: tuple[str, ...] = CAPTION_VOCAB


def two_digit_captions(
    split: str = "train", n: int = 4000, seed: int = 0, test_fraction: float = 0.2
) -> TwoDigitCaptions:
    """n images, each two digit samples of `split` drawn uniformly with replacement (by sample, so
    the classes are about uniform) and pasted side by side.

    Args:
        split: "train", "test" or "all" (which digit samples: `digits(split, test_fraction, seed=0)`).
        n: number of images.
        seed: seeds the draws.
        test_fraction: share of each digit class held out for "test".
    """
    if split not in SPLITS:
        raise ValueError(f"two_digit_captions: split must be one of {SPLITS}, got {split!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"two_digit_captions: n must be a positive int, got {n!r}")
    src, y = digits(split, test_fraction=test_fraction, seed=0, images=True)
    pick = np.random.default_rng(seed).integers(0, len(src), size=(n, 2))
    images = np.concatenate([src[pick[:, 0]], src[pick[:, 1]]], axis=3)
    labels = y[pick]
    tokens = np.stack(
        [3 + labels[:, 0], np.full(n, _THEN), 3 + labels[:, 1], np.full(n, EOS)], axis=1
    ).astype(np.int64)
    captions = tuple(f"{DIGIT_WORDS[a]} then {DIGIT_WORDS[b]}" for a, b in labels)
    return TwoDigitCaptions(np.ascontiguousarray(images), labels, tokens, captions)
