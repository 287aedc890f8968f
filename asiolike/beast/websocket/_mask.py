"""Frame masking (RFC 6455 section 5.3) and masking keys.

Theory of operation: XOR-ing every payload byte with ``key[i % 4]`` one byte at a time costs
about a microsecond per ten bytes in CPython, so the pure-Python :func:`mask` never loops
over bytes:

* a short payload (under ``_TRANSLATE_MIN`` bytes) and the key repeated to its length are
  read as two little-endian integers, XOR-ed, and written back with ``int.to_bytes``;
* a longer one is copied into a ``bytearray`` whose four interleaved lanes (the bytes at
  ``i % 4 == j``) are each XOR-ed with their key byte by ``bytes.translate`` with a
  precomputed 256-byte table: a handful of linear passes in C, about 1 ns per byte, twice
  as fast as the integer conversions.

A payload masked in several pieces (a frame that arrives over several reads) passes the
byte offset of the piece within the frame, which rotates the key.

The optional C accelerator ``_speedups`` (built when a compiler is available at install
time, see ``_speedups.c``) replaces :func:`mask` with the same signature: bytes-like in,
new ``bytes`` out, key as the 4 bytes sent on the wire. :func:`py_mask` stays the
reference and the fallback.

Masking keys come from ``os.urandom``, fetched 256 keys at a time: one system call per
key was a visible part of writing a small message. The pool is dropped in a forked child,
which must not reuse its parent's keys.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import Final, Protocol

__all__ = ["mask", "make_key", "py_mask", "accelerated"]

# From this size on the translate lanes beat the integer conversions.
_TRANSLATE_MIN: Final = 512
_IDENTITY: Final = int.from_bytes(bytes(range(256)), "big")
# _XOR[k] maps every byte b to b ^ k (for bytes.translate).
_XOR: Final = tuple(
    (_IDENTITY ^ int.from_bytes(bytes((k,)) * 256, "big")).to_bytes(256, "big")
    for k in range(256)
)


def py_mask(data: bytes | bytearray | memoryview, key: bytes, offset: int = 0) -> bytes:
    """Mask or unmask ``data`` with a 4-byte masking key (the pure-Python implementation).

    Masking is its own inverse. When a frame's payload is handled in pieces, pass each
    piece's byte offset within the payload so the key stays aligned.

    Args:
        data: The payload bytes (any bytes-like object).
        key: The masking key as it appears in the frame header (4 bytes).
        offset: Byte offset of ``data`` within the frame's payload.

    Returns:
        A new ``bytes`` object of the same length.
    """
    n = len(data) if type(data) is not memoryview else data.nbytes
    if n == 0:
        return b""
    rotation = offset & 3
    if rotation:
        key = key[rotation:] + key[:rotation]
    if n < _TRANSLATE_MIN:
        repeated = int.from_bytes((key * ((n >> 2) + 1))[:n], "little")
        return (int.from_bytes(data, "little") ^ repeated).to_bytes(n, "little")
    out = bytearray(data)
    xor = _XOR
    out[0::4] = out[0::4].translate(xor[key[0]])
    out[1::4] = out[1::4].translate(xor[key[1]])
    out[2::4] = out[2::4].translate(xor[key[2]])
    out[3::4] = out[3::4].translate(xor[key[3]])
    return bytes(out)


class _MaskFunction(Protocol):
    def __call__(
        self, data: bytes | bytearray | memoryview, key: bytes, offset: int = 0, /
    ) -> bytes: ...


def _accelerated() -> _MaskFunction | None:
    try:
        from asiolike.beast.websocket._speedups import mask as c_mask
    except ImportError:
        return None
    return c_mask


_c_mask = _accelerated()
accelerated: Final = _c_mask is not None
"""Whether the C accelerator is in use."""

mask: Final[_MaskFunction] = py_mask if _c_mask is None else _c_mask
"""Mask or unmask ``data`` with a 4-byte key: ``mask(data, key, offset=0)``.

See :func:`py_mask` (the same contract, whichever implementation is in use).
"""

# -- masking keys ---------------------------------------------------------------------------

_POOL: Final = 1024  # bytes of randomness fetched at once: 256 keys
_unpack_keys: Final = struct.Struct("4s").iter_unpack
_keys: Iterator[tuple[bytes]] = iter(())


def _drop_pool() -> None:
    global _keys
    _keys = iter(())


os.register_at_fork(after_in_child=_drop_pool)


def make_key() -> bytes:
    """A fresh random masking key (never all zero, as Beast's ``create_mask``).

    Thread-safe: the pool's iterator hands each key out once.
    """
    global _keys
    while True:
        try:
            (key,) = next(_keys)
        except StopIteration:
            _keys = _unpack_keys(os.urandom(_POOL))
            continue
        if key != b"\x00\x00\x00\x00":
            return key
