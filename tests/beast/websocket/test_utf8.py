"""Tests for asiolike.beast.websocket._utf8: incremental validation that fails fast."""

from __future__ import annotations

import pytest

from asiolike.beast.websocket._utf8 import Utf8Checker, check_utf8

from ._split import variants

VALID = [
    b"",
    b"Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!",
    "κόσμε".encode(),
    b"\x00",
    b"\xc2\x80",
    b"\xe0\xa0\x80",
    b"\xf0\x90\x80\x80",
    b"\x7f",
    b"\xdf\xbf",
    b"\xef\xbf\xbf",
    b"\xf4\x8f\xbf\xbf",  # U+10FFFF
    b"\xed\x9f\xbf",  # U+D7FF, just below the surrogates
    b"\xee\x80\x80",  # U+E000, just above
    b"\xef\xbf\xbd",
]

# (bytes, index of the first byte after which the text can no longer be valid)
INVALID = [
    (b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80\x65\x64\x69\x74\x65\x64", 12),
    (b"\x80", 0),
    (b"\xbf", 0),
    (b"\xc0\xaf", 0),
    (b"\xc1\xbf", 0),
    (b"\xe0\x80\xaf", 1),
    (b"\xf0\x80\x80\xaf", 1),
    (b"\xf8\x88\x80\x80\x80", 0),
    (b"\xf5\x80\x80\x80", 0),
    (b"\xfe", 0),
    (b"\xff", 0),
    (b"\xed\xa0\x80", 1),  # U+D800
    (b"\xed\xbf\xbf", 1),  # U+DFFF
    (b"\xed\xa0\x80\xed\xb0\x80", 1),  # a surrogate pair
    (b"\xf4\x90\x80\x80", 1),  # U+110000
    (b"\xc2\x41", 1),
    (b"\xe1\x80\x41", 2),
    (b"ab\xf0\x90\x80\x41", 5),
]

TRUNCATED = [b"\xc2", b"\xe0\xa0", b"\xf0\x90\x80", b"ok\xce", "κόσμε".encode()[:-1]]


@pytest.mark.parametrize("text", VALID)
def test_valid_in_every_split(text: bytes) -> None:
    for label, chunks in variants(text):
        checker = Utf8Checker()
        assert all(checker.write(c) for c in chunks), label
        assert checker.finish(), label
    assert check_utf8(text)


@pytest.mark.parametrize(("text", "fail_at"), INVALID)
def test_invalid_fails_on_the_first_impossible_byte(text: bytes, fail_at: int) -> None:
    checker = Utf8Checker()
    for i in range(len(text)):
        ok = checker.write(text[i : i + 1])
        assert ok == (i < fail_at), f"byte {i}"
        if not ok:
            break
    assert not check_utf8(text)
    for label, chunks in variants(text):
        checker = Utf8Checker()
        assert not (all(checker.write(c) for c in chunks) and checker.finish()), label


@pytest.mark.parametrize("text", TRUNCATED)
def test_truncated_text_fails_only_at_finish(text: bytes) -> None:
    checker = Utf8Checker()
    assert checker.write(text)
    assert not checker.finish()
    assert not check_utf8(text)


def test_finish_and_reset_start_a_new_text() -> None:
    checker = Utf8Checker()
    assert checker.write(b"\xe2\x82")
    checker.reset()
    assert checker.write(b"abc")
    assert checker.finish()
    assert not checker.write(b"\xe2\x82") or not checker.finish()
    assert checker.write(b"\xe2\x82\xac")  # the checker was reset by finish()
    assert checker.finish()


def test_accepts_memoryview() -> None:
    checker = Utf8Checker()
    data = memoryview("€uro".encode())
    assert checker.write(data[:2])
    assert checker.write(data[2:])
    assert checker.finish()
