"""Tests for asiolike.beast.websocket._mask."""

from __future__ import annotations

import os

import pytest

from asiolike.beast.websocket import _mask
from asiolike.beast.websocket._mask import make_key, mask


def slow_mask(data: bytes, key: bytes, offset: int = 0) -> bytes:
    return bytes(b ^ key[(i + offset) % 4] for i, b in enumerate(data))


def test_rfc6455_example() -> None:
    # RFC 6455 section 5.7: a masked "Hello".
    key = bytes.fromhex("37fa213d")
    assert mask(b"Hello", key) == bytes.fromhex("7f9f4d5158")
    assert mask(bytes.fromhex("7f9f4d5158"), key) == b"Hello"


def test_empty() -> None:
    assert mask(b"", b"abcd") == b""
    assert mask(b"", b"abcd", 3) == b""


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 125, 1023, 1024, 1025, 4096, 65536, 70001])
@pytest.mark.parametrize("offset", [0, 1, 2, 3, 6])
def test_matches_bytewise_definition(size: int, offset: int) -> None:
    data = os.urandom(size)
    key = os.urandom(4)
    assert mask(data, key, offset) == slow_mask(data, key, offset)


def test_leading_zero_and_ff_bytes_survive() -> None:
    # Integers drop leading zeros: the length must still be kept.
    key = b"\xff\xff\xff\xff"
    assert mask(b"\xff" * 2000, key) == b"\x00" * 2000
    assert mask(b"\x00" * 7, b"\x00\x00\x00\x00") == b"\x00" * 7


def test_masking_in_pieces_equals_masking_whole() -> None:
    data = os.urandom(300)
    key = os.urandom(4)
    whole = mask(data, key)
    for cut in range(len(data) + 1):
        assert mask(data[:cut], key) + mask(data[cut:], key, cut) == whole
    pieces = b"".join(mask(data[i : i + 1], key, i) for i in range(len(data)))
    assert pieces == whole


def test_accepts_bytearray_and_memoryview() -> None:
    data = os.urandom(2048)
    key = os.urandom(4)
    expected = slow_mask(data, key, 1)
    assert mask(bytearray(data), key, 1) == expected
    assert mask(memoryview(data), key, 1) == expected
    assert mask(memoryview(bytearray(data))[5:], key, 6) == expected[5:]


def test_cache_does_not_leak_between_keys_or_sizes() -> None:
    data = os.urandom(5000)
    key1, key2 = b"\x01\x02\x03\x04", b"\x05\x06\x07\x08"
    assert mask(data, key1) == slow_mask(data, key1)
    assert _mask._cache[:2] == (key1, 5000)
    assert mask(data, key2) == slow_mask(data, key2)
    assert mask(data[:4999], key2) == slow_mask(data[:4999], key2)
    assert mask(data, key2, 1) == slow_mask(data, key2, 1)
    assert mask(data, key1) == slow_mask(data, key1)


def test_matches_websockets_apply_mask() -> None:
    frames = pytest.importorskip("websockets.frames")
    for size in (0, 3, 126, 4096, 65536):
        data = os.urandom(size)
        key = os.urandom(4)
        assert mask(data, key) == frames.apply_mask(data, key)


def test_make_key() -> None:
    keys = {make_key() for _ in range(100)}
    assert all(len(k) == 4 and k != b"\x00\x00\x00\x00" for k in keys)
    assert len(keys) > 90
