"""A generated parallel corpus for translation (F06): the integers 1..999 as English and Spanish words.

English is written without "and" or hyphens ("three hundred twenty one"), Spanish as the RAE
writes it (words as tokens, with accents: "trescientos veintiuno", "cien", "ciento uno").
`numwords_en_es` tokenizes both sides into int64 id arrays over vocabularies built from all 999
numbers, so train and test share ids. Pure functions of their arguments (numpy PCG64 seeded by
`seed`), independent of `dlcore.manual_seed`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPLITS = ("train", "test", "all")
PAD, BOS, EOS = 0, 1, 2  # special token ids, the same in both vocabularies
SPECIALS = ("<pad>", "<bos>", "<eos>")

# fmt: off
_EN_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ES_ONES = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez",
            "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho",
            "diecinueve", "veinte", "veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco",
            "veintiséis", "veintisiete", "veintiocho", "veintinueve"]  # 0..29 are single words
_ES_TENS = ["_", "_", "_", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"]
_ES_HUNDREDS = ["_", "ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos", "seiscientos",
                "setecientos", "ochocientos", "novecientos"]
# fmt: on


def _check_number(fn: str, n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 999:
        raise ValueError(f"{fn}: n must be an int in 1..999, got {n!r}")
    return int(n)


def english_words(n: int) -> str:
    """n in 1..999 in English words: 21 "twenty one", 100 "one hundred", 305 "three hundred five"."""
    n = _check_number("english_words", n)
    hundreds, rest = divmod(n, 100)
    words = [_EN_ONES[hundreds], "hundred"] if hundreds else []
    if rest >= 20:
        words.append(_EN_TENS[rest // 10])
        if rest % 10:
            words.append(_EN_ONES[rest % 10])
    elif rest:
        words.append(_EN_ONES[rest])
    return " ".join(words)


def spanish_words(n: int) -> str:
    """n in 1..999 in Spanish words: 21 "veintiuno", 100 "cien", 101 "ciento uno", 999 "novecientos
    noventa y nueve"."""
    n = _check_number("spanish_words", n)
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        words.append("cien" if n == 100 else _ES_HUNDREDS[hundreds])
    if rest >= 30:
        words.append(_ES_TENS[rest // 10])
        if rest % 10:
            words += ["y", _ES_ONES[rest % 10]]
    elif rest:
        words.append(_ES_ONES[rest])
    return " ".join(words)


@dataclass(frozen=True)
class NumWords:
    """One split of the corpus. src/tgt: int64 (N, L) token ids, each row the sentence's words then
    EOS, padded with PAD to the longest sentence of all 999 (L = 5 on both sides); ids index
    src_vocab / tgt_vocab, whose first entries are SPECIALS."""

    numbers: np.ndarray
    english: tuple[str, ...]
    spanish: tuple[str, ...]
    src: np.ndarray
    tgt: np.ndarray
    src_vocab: tuple[str, ...]
    tgt_vocab: tuple[str, ...]


def _vocab(sentences) -> tuple[str, ...]:
    return SPECIALS + tuple(sorted({w for s in sentences for w in s.split()}))


def _encode(sentences, vocab: tuple[str, ...], width: int) -> np.ndarray:
    lut = {w: i for i, w in enumerate(vocab)}
    out = np.full((len(sentences), width), PAD, np.int64)
    for i, s in enumerate(sentences):
        ids = [lut[w] for w in s.split()] + [EOS]
        out[i, : len(ids)] = ids
    return out


def decode_tokens(ids, vocab: tuple[str, ...]) -> str:
    """The words of ids up to the first EOS (PAD and BOS skipped), joined by spaces."""
    words = []
    for i in np.asarray(ids).reshape(-1):
        if i == EOS:
            break
        if i not in (PAD, BOS):
            words.append(vocab[int(i)])
    return " ".join(words)


def numwords_en_es(split: str = "train", test_fraction: float = 0.2, seed: int = 0) -> NumWords:
    """English -> Spanish number words, split by number: a seeded permutation of 1..999 whose first
    round(test_fraction * 999) numbers are "test" (sorted ascending in each split).

    Args:
        split: "train", "test" or "all".
        test_fraction: share of the numbers held out, in (0, 1).
        seed: seeds the split (the same seed always gives the same split).
    Returns:
        NumWords (see its docstring); vocabularies and widths come from all 999 numbers.
    """
    if split not in SPLITS:
        raise ValueError(f"numwords_en_es: split must be one of {SPLITS}, got {split!r}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"numwords_en_es: test_fraction must be in (0, 1), got {test_fraction!r}")
    every = np.arange(1, 1000)
    en_all = [english_words(int(n)) for n in every]
    es_all = [spanish_words(int(n)) for n in every]
    perm = np.random.default_rng(seed).permutation(every)
    k = round(float(test_fraction) * len(every))
    numbers = {"train": np.sort(perm[k:]), "test": np.sort(perm[:k]), "all": every}[split]
    en = tuple(en_all[n - 1] for n in numbers)
    es = tuple(es_all[n - 1] for n in numbers)
    src_vocab, tgt_vocab = _vocab(en_all), _vocab(es_all)
    width = 1 + max(len(s.split()) for s in en_all + es_all)
    return NumWords(
        numbers.astype(np.int64),
        en,
        es,
        _encode(en, src_vocab, width),
        _encode(es, tgt_vocab, width),
        src_vocab,
        tgt_vocab,
    )
