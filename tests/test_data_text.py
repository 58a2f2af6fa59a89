"""dlcore.data text and sequence generators: numwords_en_es (F06), two_digit_captions (F08),
reverse_sequences (F07), sort_floats (F55): known words, splits, token encodings, determinism, errors."""

import numpy as np
import pytest

from dlcore.data import (
    CAPTION_VOCAB,
    decode_tokens,
    digits,
    english_words,
    numwords_en_es,
    reverse_sequences,
    sort_floats,
    spanish_words,
    two_digit_captions,
)
from dlcore.data.text import BOS, EOS, PAD

KNOWN = {
    1: ("one", "uno"),
    10: ("ten", "diez"),
    15: ("fifteen", "quince"),
    16: ("sixteen", "dieciséis"),
    20: ("twenty", "veinte"),
    21: ("twenty one", "veintiuno"),
    22: ("twenty two", "veintidós"),
    30: ("thirty", "treinta"),
    31: ("thirty one", "treinta y uno"),
    77: ("seventy seven", "setenta y siete"),
    100: ("one hundred", "cien"),
    101: ("one hundred one", "ciento uno"),
    115: ("one hundred fifteen", "ciento quince"),
    121: ("one hundred twenty one", "ciento veintiuno"),
    200: ("two hundred", "doscientos"),
    500: ("five hundred", "quinientos"),
    555: ("five hundred fifty five", "quinientos cincuenta y cinco"),
    710: ("seven hundred ten", "setecientos diez"),
    999: ("nine hundred ninety nine", "novecientos noventa y nueve"),
}


@pytest.mark.parametrize("n", sorted(KNOWN))
def test_known_translations(n):
    assert (english_words(n), spanish_words(n)) == KNOWN[n]


def test_every_number_has_distinct_words_of_one_to_four_tokens():
    en = [english_words(n) for n in range(1, 1000)]
    es = [spanish_words(n) for n in range(1, 1000)]
    assert len(set(en)) == len(set(es)) == 999
    assert {len(s.split()) for s in en} == {1, 2, 3, 4} and {len(s.split()) for s in es} == {1, 2, 3, 4}
    # Spanish hundreds: "cien" only for 100 itself, "ciento" for 101..199
    assert [s.split()[0] for s in es[100:199]] == ["ciento"] * 99
    assert sum("cien" in s.split() for s in es) == 1


@pytest.mark.parametrize("bad", [0, 1000, -3, 2.0, True, "7"])
def test_words_refuse_numbers_outside_1_to_999(bad):
    with pytest.raises(ValueError, match=r"1\.\.999"):
        english_words(bad)
    with pytest.raises(ValueError, match=r"1\.\.999"):
        spanish_words(bad)


def test_split_is_by_number_seeded_and_disjoint():
    tr, te = numwords_en_es("train"), numwords_en_es("test")
    assert len(tr.numbers) == 799 and len(te.numbers) == 200
    assert not set(tr.numbers) & set(te.numbers)
    assert sorted(set(tr.numbers) | set(te.numbers)) == list(range(1, 1000))
    np.testing.assert_array_equal(te.numbers, numwords_en_es("test", seed=0).numbers)
    assert not np.array_equal(te.numbers, numwords_en_es("test", seed=1).numbers)
    assert len(numwords_en_es("test", test_fraction=0.5).numbers) == 500
    np.testing.assert_array_equal(numwords_en_es("all").numbers, np.arange(1, 1000))


def test_tokens_decode_back_to_the_words():
    d = numwords_en_es("all")
    assert d.src_vocab == numwords_en_es("test", seed=3).src_vocab  # built from all 999 numbers
    assert d.src.shape == d.tgt.shape == (999, 5) and d.src.dtype == d.tgt.dtype == np.int64
    assert d.src_vocab[:3] == d.tgt_vocab[:3] == ("<pad>", "<bos>", "<eos>")
    for i in range(999):
        assert decode_tokens(d.src[i], d.src_vocab) == d.english[i] == english_words(i + 1)
        assert decode_tokens(d.tgt[i], d.tgt_vocab) == d.spanish[i] == spanish_words(i + 1)
        for row, words in ((d.src[i], d.english[i]), (d.tgt[i], d.spanish[i])):
            k = len(words.split())
            assert row[k] == EOS and (row[k + 1 :] == PAD).all() and (row[:k] > EOS).all()
    assert decode_tokens([BOS, 5, EOS, 7], d.tgt_vocab) == d.tgt_vocab[5]


@pytest.mark.parametrize("kw", [{"split": "dev"}, {"test_fraction": 0.0}, {"test_fraction": 1.0}])
def test_numwords_bad_arguments(kw):
    with pytest.raises(ValueError, match="numwords_en_es"):
        numwords_en_es(**kw)


def _rows_of(halves, pool):
    """Index in pool (N, 64) of each half (M, 8, 8), -1 when absent."""
    lut = {row.tobytes(): i for i, row in enumerate(pool)}
    return np.array([lut.get(h.reshape(-1).tobytes(), -1) for h in halves])


@pytest.mark.parametrize("split", ["train", "test"])
def test_captions_are_two_digit_samples_of_the_split(split):
    pytest.importorskip("sklearn")
    c = two_digit_captions(split, n=300, seed=4)
    assert c.images.shape == (300, 1, 8, 16) and c.images.dtype == np.float32
    x, y = digits(split)
    other, _ = digits("test" if split == "train" else "train")
    for half, col in ((c.images[:, 0, :, :8], 0), (c.images[:, 0, :, 8:], 1)):
        idx = _rows_of(half, x)
        assert (idx >= 0).all()
        np.testing.assert_array_equal(y[idx], c.labels[:, col])
        assert (_rows_of(half, other) == -1).all()  # no sample of the other split (none is duplicated)
    np.testing.assert_array_equal(c.tokens[:, 0], 3 + c.labels[:, 0])
    np.testing.assert_array_equal(c.tokens[:, 2], 3 + c.labels[:, 1])
    assert (c.tokens[:, 1] == CAPTION_VOCAB.index("then")).all() and (c.tokens[:, 3] == EOS).all()
    for i in range(5):
        assert decode_tokens(c.tokens[i], CAPTION_VOCAB) == c.captions[i]
        assert c.captions[i].split()[1] == "then"
    assert len(np.unique(c.labels)) == 10


def test_captions_seeded_and_errors():
    pytest.importorskip("sklearn")
    a, b = two_digit_captions("test", n=50, seed=1), two_digit_captions("test", n=50, seed=1)
    np.testing.assert_array_equal(a.images, b.images)
    assert not np.array_equal(a.images, two_digit_captions("test", n=50, seed=2).images)
    with pytest.raises(ValueError, match="split"):
        two_digit_captions("dev")
    with pytest.raises(ValueError, match="positive int"):
        two_digit_captions(n=0)


def test_reverse_sequences():
    x, y = reverse_sequences(7, 11, vocab=4, seed=3)
    assert x.shape == y.shape == (7, 11) and x.dtype == y.dtype == np.int64
    np.testing.assert_array_equal(y, x[:, ::-1])
    assert x.min() >= 0 and x.max() <= 3 and len(np.unique(x)) == 4
    np.testing.assert_array_equal(x, reverse_sequences(7, 11, vocab=4, seed=3)[0])
    with pytest.raises(ValueError, match="length"):
        reverse_sequences(3, 0)


def test_sort_floats():
    x, p = sort_floats(200, 5, seed=2)
    assert x.shape == p.shape == (200, 5) and x.dtype == np.float32 and p.dtype == np.int64
    s = np.take_along_axis(x, p, axis=1)
    assert (np.diff(s, axis=1) >= 0).all() and (np.sort(p, axis=1) == np.arange(5)).all()
    assert x.min() >= 0.0 and x.max() < 1.0
    with pytest.raises(ValueError, match="size"):
        sort_floats(3, size=0)
