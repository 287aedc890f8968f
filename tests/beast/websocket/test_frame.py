"""Tests for asiolike.beast.websocket._frame: headers, their checks, close payloads."""

from __future__ import annotations

import struct

import pytest

from asiolike.beast.websocket import error
from asiolike.beast.websocket._frame import (
    MAX_HEADER,
    FrameHeader,
    build_header,
    check_header,
    close_payload,
    is_valid_close_code,
    parse_close,
    parse_header,
)
from asiolike.beast.websocket.rfc6455 import close_code, close_reason
from asiolike.error import error_code, success

from ._split import variants

KEY = b"\x11\x22\x33\x44"


def fields(fh: FrameHeader) -> tuple[object, ...]:
    return (
        fh.fin,
        fh.rsv1,
        fh.rsv2,
        fh.rsv3,
        fh.op,
        fh.masked,
        fh.len7,
        fh.length,
        fh.key,
        fh.size,
    )


@pytest.mark.parametrize(
    ("length", "len7", "size"),
    [
        (0, 0, 2),
        (1, 1, 2),
        (125, 125, 2),
        (126, 126, 4),
        (65535, 126, 4),
        (65536, 127, 10),
        ((1 << 63) - 1, 127, 10),
    ],
)
@pytest.mark.parametrize("key", [b"", KEY])
def test_parse_every_length_form_and_prefix(length: int, len7: int, size: int, key: bytes) -> None:
    head = build_header(True, 2, length, key)
    total = size + len(key)
    assert len(head) == total
    data = b"\xaa" + head + b"payload"
    for cut in range(1, 1 + total):
        assert parse_header(data[:cut], 1) is None, cut
    fh = parse_header(data, 1)
    assert fh is not None
    assert fields(fh) == (True, False, False, False, 2, bool(key), len7, length, key, total)
    assert fh.size <= MAX_HEADER
    fh = parse_header(bytearray(head))
    assert fh is not None and fh.length == length
    assert "length=" in repr(fh)


def test_parse_flags() -> None:
    fh = parse_header(b"\x79\x00")  # rsv1, rsv2, rsv3, op 9, no FIN
    assert fh is not None
    assert (fh.fin, fh.rsv1, fh.rsv2, fh.rsv3, fh.op) == (False, True, True, True, 9)


def check(
    raw: bytes, server: bool = False, deflate: bool = False, continuing: bool = False
) -> error_code:
    fh = parse_header(raw)
    assert fh is not None
    return check_header(fh, server, deflate, continuing)


def hdr(b0: int, length: int = 0, key: bytes = b"") -> bytes:
    if length < 126:
        b1 = length
        ext = b""
    elif length < 65536:
        b1, ext = 126, struct.pack("!H", length)
    else:
        b1, ext = 127, struct.pack("!Q", length)
    return bytes([b0, b1 | (0x80 if key else 0)]) + ext + key


CASES = [
    # (header, server, deflate, continuing, expected)
    (hdr(0x81, 5), False, False, False, success),
    (hdr(0x82, 5, KEY), True, False, False, success),
    (hdr(0x00, 5), False, False, True, success),
    (hdr(0x81, 5), False, False, True, error.bad_data_frame),
    (hdr(0x02, 5), False, False, True, error.bad_data_frame),
    (hdr(0xC1, 5), False, False, False, error.bad_reserved_bits),
    (hdr(0xC1, 5), False, True, False, success),
    (hdr(0xA1, 5), False, True, False, error.bad_reserved_bits),
    (hdr(0x91, 5), False, True, False, error.bad_reserved_bits),
    (hdr(0x80, 5), False, False, False, error.bad_continuation),
    (hdr(0xC0, 5), False, True, True, error.bad_reserved_bits),
    (hdr(0x83), False, False, False, error.bad_opcode),
    (hdr(0x87), False, False, False, error.bad_opcode),
    (hdr(0x8B), False, False, False, error.bad_opcode),
    (hdr(0x8F), False, False, False, error.bad_opcode),
    (hdr(0x09, 1), False, False, False, error.bad_control_fragment),
    (hdr(0x89, 126), False, False, False, error.bad_control_size),
    (hdr(0x88, 126), False, False, False, error.bad_control_size),
    (hdr(0xC9), False, True, False, error.bad_reserved_bits),
    (hdr(0x89, 125), False, False, False, success),
    (hdr(0x81, 5), True, False, False, error.bad_unmasked_frame),
    (hdr(0x89, 0), True, False, False, error.bad_unmasked_frame),
    (hdr(0x81, 5, KEY), False, False, False, error.bad_masked_frame),
    (hdr(0x82, 0)[:1] + bytes([126]) + struct.pack("!H", 125), False, False, False, error.bad_size),
    (bytes([0x82, 127]) + struct.pack("!Q", 65535), False, False, False, error.bad_size),
    (bytes([0x82, 127]) + struct.pack("!Q", 1 << 63), False, False, False, error.bad_size),
    (bytes([0x82, 127]) + struct.pack("!Q", (1 << 64) - 1), False, False, False, error.bad_size),
    (bytes([0x82, 127]) + struct.pack("!Q", (1 << 63) - 1), False, False, False, success),
    (bytes([0x82, 126]) + struct.pack("!H", 126), False, False, False, success),
    # Beast's order: the opcode rules come before the mask rule, which comes before size.
    (hdr(0x83, 0, KEY), False, False, False, error.bad_opcode),
    (
        bytes([0x82, 126 | 0x80]) + struct.pack("!H", 5) + KEY,
        False,
        False,
        False,
        error.bad_masked_frame,
    ),
]


@pytest.mark.parametrize(("raw", "server", "deflate", "continuing", "expected"), CASES)
def test_check_header(
    raw: bytes, server: bool, deflate: bool, continuing: bool, expected: error_code
) -> None:
    for label, chunks in variants(raw):
        buf = b""
        fh = None
        for chunk in chunks:
            assert fh is None, label
            buf += chunk
            fh = parse_header(buf)
        assert fh is not None, label
        assert check_header(fh, server, deflate, continuing) == expected, label


def test_build_header_encodings() -> None:
    assert build_header(True, 1, 5) == b"\x81\x05"
    assert build_header(False, 0, 0) == b"\x00\x00"
    assert build_header(True, 2, 126) == b"\x82\x7e\x00\x7e"
    assert build_header(True, 2, 65536) == b"\x82\x7f" + struct.pack("!Q", 65536)
    assert build_header(True, 1, 3, KEY, rsv1=True) == b"\xc1\x83" + KEY
    assert build_header(True, 9, 0, KEY) == b"\x89\x80" + KEY


@pytest.mark.parametrize(("length", "key"), [(-1, b""), (1 << 63, b""), (5, b"abc")])
def test_build_header_refuses(length: int, key: bytes) -> None:
    with pytest.raises(ValueError):
        build_header(True, 2, length, key)


VALID_CODES = [*range(1000, 1004), *range(1007, 1015), *range(3000, 5000)]


def test_close_codes_as_autobahn_section_7_lists_them() -> None:
    valid = set(VALID_CODES)
    for code in range(0, 70000):
        assert is_valid_close_code(code) == (code in valid), code
    for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535):
        assert not is_valid_close_code(code)


def test_parse_close() -> None:
    assert parse_close(b"") == (close_reason(), success)
    assert parse_close(b"\x03") == (close_reason(), error.bad_close_size)
    assert parse_close(b"\x03\xe8") == (close_reason(close_code.normal), success)
    assert parse_close(b"\x0f\xa0bye") == (close_reason(4000, "bye"), success)
    assert parse_close(b"\x03\xe8\xce\xba") == (close_reason(1000, "κ"), success)
    assert parse_close(b"\x03\xed") == (close_reason(), error.bad_close_code)
    assert parse_close(b"\x00\x00") == (close_reason(), error.bad_close_code)
    assert parse_close(b"\x13\x88") == (close_reason(), error.bad_close_code)  # 5000
    assert parse_close(b"\x03\xe8\xff") == (close_reason(), error.bad_close_payload)
    assert parse_close(b"\x03\xe8\xce") == (close_reason(), error.bad_close_payload)
    cr, _ = parse_close(b"\x03\xe9")
    assert cr.code is close_code.going_away


def test_close_payload() -> None:
    assert close_payload(close_reason()) == b""
    assert close_payload(close_reason(close_code.too_big)) == b"\x03\xf1"
    assert close_payload(close_reason(1000, "κ")) == b"\x03\xe8\xce\xba"
    cr = close_reason(4001, "x" * 123)
    assert parse_close(close_payload(cr)) == (cr, success)
