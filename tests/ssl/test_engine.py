"""Tests for asiolike/ssl/_engine.py: the sans-I/O TLS engine (no sockets, no io_context).

Two engines, a client and a server, are connected by moving bytes between them by hand.
The record tracker (which spares OpenSSL reads that can only fail) is a parser of the
byte stream, so records are fed whole, one byte at a time, and split at every position.
"""

from __future__ import annotations

import pytest

from asiolike import error, ssl
from asiolike.ssl._engine import (
    WANT_INPUT_AND_RETRY,
    WANT_NOTHING,
    WANT_OUTPUT,
    WANT_OUTPUT_AND_RETRY,
    engine,
)


def _engines(client_ctx: ssl.context, server_ctx: ssl.context) -> tuple[engine, engine]:
    c = client_ctx._make_engine(False, None, ssl.host_name_verification("localhost"), None)
    s = server_ctx._make_engine(True, None, None, None)
    return c, s


def _handshake(c: engine, s: engine) -> None:
    assert c.handshake() == WANT_OUTPUT_AND_RETRY  # the ClientHello
    for _ in range(10):
        if c.has_output():
            s.put_input(c.get_output())
        if s.has_output():
            c.put_input(s.get_output())
        cw = c.handshake()
        sw = s.handshake()
        assert not c.ec and not s.ec, (c.ec, s.ec)
        if cw in (WANT_NOTHING, WANT_OUTPUT) and sw in (WANT_NOTHING, WANT_OUTPUT):
            if c.has_output():
                s.put_input(c.get_output())
            if s.has_output():
                c.put_input(s.get_output())
            return
    pytest.fail("the handshake did not finish")


@pytest.fixture
def pair(client_ctx: ssl.context, server_ctx: ssl.context) -> tuple[engine, engine]:
    c, s = _engines(client_ctx, server_ctx)
    _handshake(c, s)
    # The server's session tickets (TLS 1.3) reach the client with its first read.
    view = memoryview(bytearray(10))
    assert c.read(view) == WANT_INPUT_AND_RETRY
    return c, s


def _records(c: engine, messages: list[bytes]) -> bytes:
    for m in messages:
        assert c.write(memoryview(m)) == (WANT_OUTPUT if m else WANT_NOTHING)
        assert c.n == len(m)
    return c.get_output()


def _drain(s: engine, buf: memoryview) -> bytes:
    out = b""
    while True:
        want = s.read(buf)
        if want == WANT_INPUT_AND_RETRY:
            return out
        assert want == WANT_NOTHING and not s.ec, (want, s.ec)
        out += bytes(buf[: s.n])


MESSAGES = [b"first", b"x" * 1000, b"", b"third record"]
EXPECTED = b"".join(MESSAGES)


def test_records_fed_whole(pair: tuple[engine, engine]) -> None:
    c, s = pair
    data = _records(c, MESSAGES)
    assert data[:3] == b"\x17\x03\x03"  # TLS 1.3 application data record
    s.put_input(data)
    assert _drain(s, memoryview(bytearray(5000))) == EXPECTED


def test_records_fed_one_byte_at_a_time(pair: tuple[engine, engine]) -> None:
    c, s = pair
    data = _records(c, MESSAGES)
    buf = memoryview(bytearray(5000))
    got = b""
    for i in range(len(data)):
        s.put_input(data[i : i + 1])
        got += _drain(s, buf)
    assert got == EXPECTED


def test_records_split_at_every_position(pair: tuple[engine, engine]) -> None:
    c, s = pair
    buf = memoryview(bytearray(5000))
    first = _records(c, MESSAGES)  # every round's records have these lengths
    size = len(first)
    s.put_input(first)
    assert _drain(s, buf) == EXPECTED
    for cut in range(size + 1):
        data = _records(c, MESSAGES)
        assert len(data) == size
        s.put_input(data[:cut])
        got = _drain(s, buf)
        s.put_input(data[cut:])
        got += _drain(s, buf)
        assert got == EXPECTED, cut


def test_small_buffers_take_a_record_in_pieces(pair: tuple[engine, engine]) -> None:
    c, s = pair
    s.put_input(_records(c, [b"abcdefgh"]))
    buf = memoryview(bytearray(3))
    pieces = []
    while s.read(buf) == WANT_NOTHING:
        pieces.append(bytes(buf[: s.n]))
    assert pieces == [b"abc", b"def", b"gh"]


def test_an_empty_buffer_wants_nothing(pair: tuple[engine, engine]) -> None:
    _, s = pair
    assert s.read(memoryview(bytearray())) == WANT_NOTHING and s.n == 0 and not s.ec
    assert s.write(memoryview(b"")) == WANT_NOTHING and s.n == 0


def test_an_error_after_data_is_reported_by_the_next_read(pair: tuple[engine, engine]) -> None:
    c, s = pair
    good = _records(c, [b"good"])
    bad = bytearray(_records(c, [b"bad!"]))
    bad[-1] ^= 0xFF  # break the authentication tag
    s.put_input(good + bytes(bad))
    buf = memoryview(bytearray(100))
    want = s.read(buf)
    assert (want, s.ec, bytes(buf[: s.n])) in (
        (WANT_NOTHING, error.success, b"good"),
        (WANT_OUTPUT, error.success, b"good"),
    )
    want = s.read(buf)
    assert s.n == 0 and s.ec.name() == "decryption_failed_or_bad_record_mac"
    assert s.ec.message() == "decryption failed or bad record mac"


def test_close_notify_is_eof_and_no_truncation(pair: tuple[engine, engine]) -> None:
    c, s = pair
    assert c.shutdown() == WANT_OUTPUT_AND_RETRY
    s.put_input(c.get_output())
    buf = memoryview(bytearray(10))
    assert s.read(buf) == WANT_NOTHING and s.ec == error.eof
    assert s.map_error_code(error.eof) == error.eof
    assert s.shutdown() == WANT_OUTPUT  # our close_notify answers; nothing more to wait for
    c.put_input(s.get_output())
    assert c.shutdown() == WANT_NOTHING and not c.ec


def test_eof_without_close_notify_is_a_truncation(pair: tuple[engine, engine]) -> None:
    c, s = pair
    assert s.map_error_code(error.eof) == ssl.error.stream_truncated
    assert s.map_error_code(error.connection_reset) == error.connection_reset
    # Half a record pending, then the end: also truncated.
    s.put_input(_records(c, [b"data"])[:7])
    assert s.map_error_code(error.eof) == ssl.error.stream_truncated


def test_plain_text_turns_tracking_off_and_fails_in_openssl(
    client_ctx: ssl.context, server_ctx: ssl.context
) -> None:
    c, s = _engines(client_ctx, server_ctx)
    assert c.handshake() == WANT_OUTPUT_AND_RETRY
    c.get_output()
    assert c.handshake() == WANT_INPUT_AND_RETRY
    c.put_input(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    assert c.handshake() in (WANT_NOTHING, WANT_OUTPUT)
    assert c.ec.name() == "wrong_version_number"
    assert s.handshake() == WANT_INPUT_AND_RETRY  # a server without input waits


def test_engine_exposes_the_ssl_object(pair: tuple[engine, engine]) -> None:
    c, s = pair
    assert c.sslobj.server_side is False and s.sslobj.server_side is True
    assert c.sslobj.version() == "TLSv1.3"
