"""Frame headers and close payloads (RFC 6455 section 5), as Beast's ``detail/frame.hpp``.

Reading is split in two steps: :func:`parse_header` decodes the 2 to 14 header bytes once
they are all buffered (``None`` means "need more"), and :func:`check_header` applies the
rules that depend on the connection (role, negotiated extension, whether a fragmented
message is in progress) in Beast's order, so the first rule broken decides the error code.
The message-size limit is the caller's, because it depends on the bytes already received.
"""

from __future__ import annotations

import struct
from typing import Final

from asiolike.beast.websocket import error
from asiolike.beast.websocket._utf8 import check_utf8
from asiolike.beast.websocket.rfc6455 import close_code, close_reason
from asiolike.error import error_code, success

__all__ = [
    "FrameHeader",
    "parse_header",
    "check_header",
    "build_header",
    "is_valid_close_code",
    "parse_close",
    "close_payload",
    "MAX_HEADER",
]

MAX_HEADER: Final = 14
"""The largest frame header: 2 bytes, an 8-byte length and a 4-byte masking key."""

_U16: Final = struct.Struct("!H")
_U64: Final = struct.Struct("!Q")
_unpack_key: Final = struct.Struct("4s").unpack_from
_unpack_u16_key: Final = struct.Struct("!H4s").unpack_from
_unpack_u64_key: Final = struct.Struct("!Q4s").unpack_from
_pack_small: Final = struct.Struct("!BB").pack
_pack_medium: Final = struct.Struct("!BBH").pack
_pack_large: Final = struct.Struct("!BBQ").pack

# Control opcodes are 8..15; the ones RFC 6455 leaves reserved are 3..7 and 11..15.
_RESERVED_OPCODES: Final = frozenset((3, 4, 5, 6, 7, 11, 12, 13, 14, 15))


class FrameHeader:
    """A decoded frame header.

    Attributes:
        fin: The FIN bit: this frame ends its message.
        rsv1: The RSV1 bit (set on the first frame of a compressed message).
        rsv2: The RSV2 bit.
        rsv3: The RSV3 bit.
        op: The opcode (0..15).
        masked: Whether a masking key follows the length.
        len7: The 7-bit length code as sent (126 and 127 announce longer encodings).
        length: The payload length.
        key: The 4-byte masking key, or ``b""`` when the frame is not masked.
        size: The header's size in bytes (2 to 14).
    """

    __slots__ = ("fin", "key", "len7", "length", "masked", "op", "rsv1", "rsv2", "rsv3", "size")

    def __init__(self, b0: int, b1: int, length: int, key: bytes, size: int) -> None:
        # Comparisons rather than bool(): this runs for every frame received.
        self.fin = b0 > 0x7F
        self.rsv1 = (b0 & 0x40) != 0
        self.rsv2 = (b0 & 0x20) != 0
        self.rsv3 = (b0 & 0x10) != 0
        self.op = b0 & 0x0F
        self.masked = b1 > 0x7F
        self.len7 = b1 & 0x7F
        self.length = length
        self.key = key
        self.size = size

    def __repr__(self) -> str:
        return (
            f"FrameHeader(op={self.op}, fin={self.fin}, rsv1={self.rsv1}, "
            f"length={self.length}, masked={self.masked})"
        )


def parse_header(buf: bytes | bytearray | memoryview, pos: int = 0) -> FrameHeader | None:
    """Decode the frame header that starts at ``buf[pos]``.

    Returns:
        The header, or ``None`` when ``buf`` does not yet hold all of it.
    """
    avail = len(buf) - pos
    if avail < 2:
        return None
    b1 = buf[pos + 1]
    len7 = b1 & 0x7F
    # One unpack per header: the length and the masking key together (every frame).
    if b1 & 0x80:
        if len7 < 126:
            if avail < 6:
                return None
            return FrameHeader(buf[pos], b1, len7, _unpack_key(buf, pos + 2)[0], 6)
        if len7 == 126:
            if avail < 8:
                return None
            length, key = _unpack_u16_key(buf, pos + 2)
            return FrameHeader(buf[pos], b1, length, key, 8)
        if avail < 14:
            return None
        length, key = _unpack_u64_key(buf, pos + 2)
        return FrameHeader(buf[pos], b1, length, key, 14)
    if len7 < 126:
        return FrameHeader(buf[pos], b1, len7, b"", 2)
    if len7 == 126:
        if avail < 4:
            return None
        return FrameHeader(buf[pos], b1, _U16.unpack_from(buf, pos + 2)[0], b"", 4)
    if avail < 10:
        return None
    return FrameHeader(buf[pos], b1, _U64.unpack_from(buf, pos + 2)[0], b"", 10)


def check_header(fh: FrameHeader, server: bool, deflate: bool, continuing: bool) -> error_code:
    """Apply RFC 6455's rules to a received header, in Beast's order.

    Args:
        fh: The header.
        server: True when the receiver is the server (frames must be masked), False for
            the client (frames must not be).
        deflate: True when permessage-deflate was negotiated (RSV1 may start a message).
        continuing: True when a fragmented message is in progress.

    Returns:
        ``success``, or the ``websocket.error`` code of the first rule broken.
    """
    op = fh.op
    if op == 1 or op == 2:
        if continuing:
            return error.bad_data_frame
        if fh.rsv2 or fh.rsv3 or (fh.rsv1 and not deflate):
            return error.bad_reserved_bits
    elif op == 0:
        if not continuing:
            return error.bad_continuation
        if fh.rsv1 or fh.rsv2 or fh.rsv3:
            return error.bad_reserved_bits
    else:
        if op in _RESERVED_OPCODES:
            return error.bad_opcode
        if not fh.fin:
            return error.bad_control_fragment
        if fh.len7 > 125:
            return error.bad_control_size
        if fh.rsv1 or fh.rsv2 or fh.rsv3:
            return error.bad_reserved_bits
    if fh.masked != server:
        return error.bad_unmasked_frame if server else error.bad_masked_frame
    if fh.len7 == 126:
        if fh.length < 126:
            return error.bad_size
    elif fh.len7 == 127 and (fh.length < 0x10000 or fh.length >> 63):
        return error.bad_size
    return success


def build_header(fin: bool, op: int, length: int, key: bytes = b"", rsv1: bool = False) -> bytes:
    """Encode a frame header with the shortest length encoding.

    Args:
        fin: Set FIN (the last frame of its message).
        op: The opcode.
        length: The payload length (0 to 2**63 - 1).
        key: The 4-byte masking key, or ``b""`` for an unmasked frame.
        rsv1: Set RSV1 (the first frame of a compressed message).

    Raises:
        ValueError: ``length`` or ``key`` is out of range.
    """
    b0 = op | (0x80 if fin else 0) | (0x40 if rsv1 else 0)
    mask_bit = 0x80 if key else 0
    if length < 126:
        if length < 0:
            raise ValueError(f"frame length {length} is negative")
        head = _pack_small(b0, mask_bit | length)
    elif length < 0x10000:
        head = _pack_medium(b0, mask_bit | 126, length)
    elif length < 1 << 63:
        head = _pack_large(b0, mask_bit | 127, length)
    else:
        raise ValueError(f"frame length {length} does not fit in 63 bits")
    if key:
        if len(key) != 4:
            raise ValueError("a masking key is exactly 4 bytes")
        return head + key
    return head


def is_valid_close_code(code: int) -> bool:
    """Whether ``code`` may appear in a close frame (RFC 6455 7.4, IANA registry).

    Valid: 1000-1003, 1007-1014 and 3000-4999. Invalid: 0-999, 1004-1006, 1015,
    1016-2999 and 5000 or more (Beast accepts 5000 and above; RFC 6455 defines no meaning
    for them and Autobahn's case 7.9 lists them as invalid).
    """
    if 1000 <= code <= 1014:
        return code not in (1004, 1005, 1006)
    return 3000 <= code <= 4999


def parse_close(payload: bytes) -> tuple[close_reason, error_code]:
    """Decode a received close frame's payload, as Beast's ``read_close``.

    Returns:
        ``(reason, success)``, or ``(close_reason(), error)`` with ``bad_close_size`` (one
        byte of payload), ``bad_close_code`` or ``bad_close_payload`` (reason not UTF-8).
    """
    n = len(payload)
    if n == 0:
        return close_reason(), success
    if n == 1:
        return close_reason(), error.bad_close_size
    code = _U16.unpack_from(payload)[0]
    if not is_valid_close_code(code):
        return close_reason(), error.bad_close_code
    if n == 2:
        return _close_reason(code), success
    raw = payload[2:]
    if not check_utf8(raw):
        return close_reason(), error.bad_close_payload
    return _close_reason(code, raw.decode("utf-8")), success


def _close_reason(code: int, reason: str = "") -> close_reason:
    """``close_reason`` with the ``close_code`` member for ``code`` when there is one.

    No helper returns the member typed ``int`` (nor ``close_code | int``, which mypy
    simplifies to ``int``): compiled, an ``int`` result is unboxed and the member would
    reach the reason as a plain int.
    """
    try:
        member = close_code(code)
    except ValueError:
        return close_reason(code, reason)
    return close_reason(member, reason)


def close_payload(cr: close_reason) -> bytes:
    """Encode a close frame's payload: empty without a code, else code and UTF-8 reason."""
    if cr.code == close_code.none:
        return b""
    return _U16.pack(cr.code) + cr.reason.encode("utf-8")
