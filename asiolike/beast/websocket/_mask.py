"""Frame masking (RFC 6455 section 5.3) in pure Python.

Theory of operation: XOR-ing every payload byte with ``key[i % 4]`` one byte at a time costs
about a microsecond per ten bytes in CPython. Instead the payload and the key repeated to the
payload's length are read as two little-endian integers, XOR-ed as integers, and written back
with ``int.to_bytes``: three linear passes in C. A payload masked in several pieces (a frame
that arrives over several reads) passes the byte offset of the piece within the frame, which
rotates the key.

The repeated-key integer is the costliest part after the conversions; the last one built is
kept, because a large masked frame usually arrives in equal-sized reads with the same key.

:func:`mask` keeps a signature a C accelerator can implement later (bytes-like in, new
``bytes`` out, key as the 4 bytes sent on the wire).
"""

from __future__ import annotations

import os
from typing import Final

__all__ = ["mask", "make_key"]

# Below this size the cache lookup costs more than building the key integer.
_CACHE_MIN: Final = 1024
# (rotated key, length, repeated-key integer), replaced as one object so that threads
# sharing the module never see a key paired with another key's integer.
_cache: tuple[bytes, int, int] = (b"", -1, 0)


def mask(data: bytes | bytearray | memoryview, key: bytes, offset: int = 0) -> bytes:
    """Mask or unmask ``data`` with a 4-byte masking key.

    Masking is its own inverse. When a frame's payload is handled in pieces, pass each
    piece's byte offset within the payload so the key stays aligned.

    Args:
        data: The payload bytes (any bytes-like object).
        key: The masking key as it appears in the frame header (4 bytes).
        offset: Byte offset of ``data`` within the frame's payload.

    Returns:
        A new ``bytes`` object of the same length.
    """
    global _cache
    n = len(data) if type(data) is not memoryview else data.nbytes
    if n == 0:
        return b""
    rotation = offset & 3
    if rotation:
        key = key[rotation:] + key[:rotation]
    if n < _CACHE_MIN:
        repeated = int.from_bytes((key * ((n >> 2) + 1))[:n], "little")
    else:
        cached_key, cached_n, repeated = _cache
        if cached_n != n or cached_key != key:
            repeated = int.from_bytes((key * ((n >> 2) + 1))[:n], "little")
            _cache = (key, n, repeated)
    return (int.from_bytes(data, "little") ^ repeated).to_bytes(n, "little")


def make_key() -> bytes:
    """A fresh random masking key (never all zero, as Beast's ``create_mask``)."""
    while True:
        key = os.urandom(4)
        if key != b"\x00\x00\x00\x00":
            return key
