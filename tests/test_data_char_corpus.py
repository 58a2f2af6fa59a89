"""dlcore.data char corpus helpers: the toy grammar is seeded and well formed, the coding round-trips,
windows and batches line up with their targets, bad arguments are refused."""

import re

import numpy as np
import pytest

from dlcore.data import char_batches, char_windows, decode_chars, encode_chars, toy_grammar

SENTENCE = re.compile(
    r"^(the|a|every|this) ([a-z]+ )?[a-z]+ [a-z]+ (the|a|every|this) ([a-z]+ )?[a-z]+( [a-z ]+)?\.$"
)


def test_toy_grammar_is_seeded_and_follows_the_grammar():
    text = toy_grammar()
    assert text == toy_grammar() and text != toy_grammar(seed=1)
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == 401
    assert all(SENTENCE.match(s) for s in lines[:-1])
    assert toy_grammar(0) == "" and toy_grammar(3) == toy_grammar(5)[: len(toy_grammar(3))]


def test_encode_decode_round_trip_and_vocabulary():
    text = toy_grammar()
    codes, vocab = encode_chars(text)
    assert codes.dtype == np.int64 and codes.shape == (len(text),)
    assert vocab == "".join(sorted(set(text))) and len(vocab) == 27
    assert decode_chars(codes, vocab) == text
    again, _ = encode_chars("cab", vocab="abc")
    np.testing.assert_array_equal(again, [2, 0, 1])


def test_windows_targets_are_the_next_characters():
    codes = np.arange(100, dtype=np.int64) * 3
    x, y = char_windows(codes, [0, 17, 75], 24)
    assert x.shape == y.shape == (3, 24) and x.flags.c_contiguous and y.flags.c_contiguous
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    np.testing.assert_array_equal(x[1], codes[17:41])
    np.testing.assert_array_equal(y[2], codes[76:100])


def test_batches_cover_the_text_once_without_overlap():
    codes = np.arange(1001, dtype=np.int64)
    x, y = char_batches(codes, 10, seed=None)
    assert x.shape == (100, 10)
    np.testing.assert_array_equal(x.reshape(-1), codes[:1000])
    np.testing.assert_array_equal(y.reshape(-1), codes[1:1001])
    xs, ys = char_batches(codes, 10, seed=3)
    order = np.argsort(xs[:, 0])
    np.testing.assert_array_equal(xs[order], x)
    np.testing.assert_array_equal(ys[order], y)
    assert not np.array_equal(xs, x)
    np.testing.assert_array_equal(char_batches(codes, 10, seed=3)[0], xs)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: toy_grammar(-1), "lines"),
        (lambda: toy_grammar(2.5), "lines"),
        (lambda: encode_chars("abz", vocab="ab"), "not in the vocabulary"),
        (lambda: decode_chars([0, 5], "abc"), r"\[0, 3\)"),
        (lambda: char_windows(np.arange(10), [0], 10), "starts"),
        (lambda: char_windows(np.arange(10), [-1], 2), "starts"),
        (lambda: char_windows(np.arange(10), [0], 0), "length"),
    ],
)
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_encode_needs_a_string():
    with pytest.raises(TypeError, match="encode_chars"):
        encode_chars(["a", "b"])
