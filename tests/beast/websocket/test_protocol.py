"""Tests for asiolike.beast.websocket._protocol: the connection state machine."""

from __future__ import annotations

import os
import struct
import tracemalloc
import zlib
from typing import Any

import pytest

from asiolike.beast.websocket import error
from asiolike.beast.websocket._deflate import DeflateParams, permessage_deflate
from asiolike.beast.websocket._protocol import (
    READ_MESSAGE_MAX,
    WRITE_BUFFER_BYTES,
    CloseEvent,
    Connection,
    DataEvent,
    ErrorEvent,
    Event,
    PingEvent,
    PongEvent,
)
from asiolike.beast.websocket.rfc6455 import close_code, close_reason
from asiolike.error import error_code

from ._split import same_for_all_splits

KEY = b"\x0a\x1b\x2c\x3d"


def frame(
    op: int,
    payload: bytes = b"",
    fin: bool = True,
    key: bytes | None = KEY,
    rsv1: bool = False,
    rsv: int = 0,
) -> bytes:
    """A frame built independently of the code under test (masked unless key is None)."""
    b0 = op | (0x80 if fin else 0) | (0x40 if rsv1 else 0) | rsv
    n = len(payload)
    mbit = 0x80 if key is not None else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if key is None:
        return head + payload
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return head + key + masked


def server_frame(op: int, payload: bytes = b"", fin: bool = True, rsv1: bool = False) -> bytes:
    return frame(op, payload, fin, None, rsv1)


def decode(raw: bytes) -> tuple[int, bool, bytes]:
    """One complete frame -> (opcode, fin, unmasked payload)."""
    b0, b1 = raw[0], raw[1]
    n = b1 & 0x7F
    pos = 2
    if n == 126:
        n = struct.unpack_from("!H", raw, 2)[0]
        pos = 4
    elif n == 127:
        n = struct.unpack_from("!Q", raw, 2)[0]
        pos = 10
    if b1 & 0x80:
        key = raw[pos : pos + 4]
        pos += 4
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(raw[pos : pos + n]))
    else:
        payload = raw[pos : pos + n]
    assert len(payload) == n
    return b0 & 0x0F, bool(b0 & 0x80), payload


def decode_all(data: bytes) -> list[tuple[int, bool, bytes]]:
    frames = []
    while data:
        b1 = data[1]
        n = b1 & 0x7F
        size = 2 + {126: 2, 127: 8}.get(n, 0) + (4 if b1 & 0x80 else 0)
        if n == 126:
            n = struct.unpack_from("!H", data, 2)[0]
        elif n == 127:
            n = struct.unpack_from("!Q", data, 2)[0]
        frames.append(decode(data[: size + n]))
        data = data[size + n :]
    return frames


Summary = tuple[object, ...]


def summarize(events: list[tuple[Event, bool]], partial: list[bytes]) -> list[Summary]:
    """Merge data pieces into messages; ``events`` pairs each event with ``got_text()``."""
    out: list[Summary] = []
    for ev, got_text in events:
        if isinstance(ev, DataEvent):
            partial.append(ev.data)
            if ev.fin:
                kind = "text" if got_text else "binary"
                out.append((kind, b"".join(partial)))
                partial.clear()
        elif isinstance(ev, PingEvent):
            out.append(("ping", ev.payload, decode(ev.reply)))
        elif isinstance(ev, PongEvent):
            out.append(("pong", ev.payload))
        elif isinstance(ev, CloseEvent):
            out.append(
                ("close", ev.reason.code, ev.reason.reason, decode(ev.reply) if ev.reply else None)
            )
        else:
            out.append(("error", ev.error, ev.code, decode(ev.reply) if ev.reply else None))
    return out


def run(chunks: list[bytes], server: bool = True, limit: int = 0, **kwargs: Any) -> list[Summary]:
    conn = Connection(server, **kwargs)
    events: list[tuple[Event, bool]] = []
    for chunk in chunks:
        conn.feed(chunk)
        while (ev := conn.next_event(limit)) is not None:
            events.append((ev, conn.got_text()))
    partial: list[bytes] = []
    out = summarize(events, partial)
    if partial:
        out.append(("partial", b"".join(partial)))
    return out


def close_frame(code: int, reason: bytes = b"") -> tuple[int, bool, bytes]:
    return (8, True, struct.pack("!H", code) + reason)


def test_defaults_are_beasts() -> None:
    conn = Connection(True)
    assert conn.read_message_max() == READ_MESSAGE_MAX == 16 * 1024 * 1024
    assert conn.write_buffer_bytes() == WRITE_BUFFER_BYTES == 4096
    assert conn.auto_fragment() is True
    assert conn.text() and not conn.binary()
    assert conn.got_text() and conn.is_message_done()
    assert conn.is_open() and conn.server and conn.deflate is None
    assert not conn.reason()


def test_option_setters() -> None:
    conn = Connection(False)
    assert conn.read_message_max(10) == 10
    assert conn.write_buffer_bytes(8) == 8
    assert conn.auto_fragment(False) is False
    assert conn.binary(True) and not conn.text()
    assert conn.text(True) and not conn.binary()
    assert conn.binary(False) is False and conn.text()
    with pytest.raises(ValueError, match="at least 8"):
        conn.write_buffer_bytes(7)
    with pytest.raises(ValueError):
        conn.read_message_max(-1)


# A conversation the way Autobahn's sections 1-5 exercise it: every split must read the same.
CODE_POINT = "κόσμε€𝄞".encode()
CONVERSATION = (
    frame(1, b"Hello")
    + frame(1, CODE_POINT[:3], fin=False)  # a code point split across frames
    + frame(9, b"ping between fragments")
    + frame(0, CODE_POINT[3:10], fin=False, key=b"\x00\x00\x00\x00")
    + frame(0, b"", fin=False)
    + frame(10, b"unsolicited")
    + frame(0, CODE_POINT[10:])
    + frame(2, bytes(range(200)) * 2)
    + frame(1, b"")
    + frame(9, b"")
    + frame(8, struct.pack("!H", 1000) + b"bye")
    + frame(1, b"ignored after close")
)
CONVERSATION_EVENTS = [
    ("text", b"Hello"),
    ("ping", b"ping between fragments", (10, True, b"ping between fragments")),
    ("pong", b"unsolicited"),
    ("text", CODE_POINT),
    ("binary", bytes(range(200)) * 2),
    ("text", b""),
    ("ping", b"", (10, True, b"")),
    ("close", 1000, "bye", close_frame(1000)),
]


def test_conversation_in_every_split() -> None:
    assert same_for_all_splits(CONVERSATION, run) == CONVERSATION_EVENTS


def test_conversation_with_a_read_limit() -> None:
    assert same_for_all_splits(CONVERSATION, lambda c: run(c, limit=3)) == CONVERSATION_EVENTS


def test_client_reads_unmasked_frames_and_masks_replies() -> None:
    data = server_frame(2, b"abc") + server_frame(9, b"hi") + server_frame(8)
    events = same_for_all_splits(data, lambda c: run(c, server=False))
    assert events == [
        ("binary", b"abc"),
        ("ping", b"hi", (10, True, b"hi")),
        ("close", close_code.none, "", close_frame(1000)),
    ]
    conn = Connection(False)
    conn.feed(server_frame(9, b"hi"))
    ev = conn.next_event()
    assert isinstance(ev, PingEvent)
    assert ev.reply[1] & 0x80  # the client masks its pong


def test_data_events_stream_a_large_frame_as_it_arrives() -> None:
    payload = os.urandom(70000)
    raw = frame(2, payload)
    conn = Connection(True)
    conn.feed(raw[: 14 + 1000])
    ev = conn.next_event()
    assert isinstance(ev, DataEvent) and ev.data == payload[:1000] and not ev.fin
    assert conn.next_event() is None
    assert not conn.is_message_done()
    conn.feed(raw[14 + 1000 :])
    ev = conn.next_event()
    assert isinstance(ev, DataEvent) and ev.data == payload[1000:] and ev.fin
    assert conn.is_message_done() and conn.got_binary()
    assert same_for_all_splits(raw, run, every_split=False) == [("binary", payload)]


def test_unmasked_whole_frame_is_not_copied() -> None:
    payload = os.urandom(4096)
    raw = server_frame(2, payload)
    conn = Connection(False)
    conn.feed(raw[:4])
    conn.feed(raw[4:])
    ev = conn.next_event()
    assert isinstance(ev, DataEvent) and ev.data == payload


def expect_error(
    chunks_source: bytes,
    ec: error_code,
    code: close_code | None,
    server: bool = True,
    **kwargs: Any,
) -> list[Summary]:
    def check(chunks: list[bytes]) -> list[Summary]:
        # Pieces of the failing message may or may not be delivered first, depending on
        # where the input was cut: only whole events are compared.
        events = [e for e in run(chunks, server, **kwargs) if e[0] != "partial"]
        assert events[-1][:3] == ("error", ec, code), events
        reply = events[-1][3]
        assert reply == (close_frame(code) if code is not None else None)
        return events

    return same_for_all_splits(chunks_source, check)


PROTOCOL_ERRORS = [
    (frame(3), error.bad_opcode),
    (frame(11), error.bad_opcode),
    (frame(1, b"a", fin=False) + frame(1, b"b"), error.bad_data_frame),
    (frame(1, b"a", fin=False) + frame(2, b"b"), error.bad_data_frame),
    (frame(0, b"a"), error.bad_continuation),
    (frame(1, b"a") + frame(0, b"b"), error.bad_continuation),
    (frame(1, b"a", rsv1=True), error.bad_reserved_bits),
    (frame(1, b"a", rsv=0x20), error.bad_reserved_bits),
    (frame(2, b"a", rsv=0x10), error.bad_reserved_bits),
    (frame(9, b"", rsv=0x20), error.bad_reserved_bits),
    (frame(9, b"x", fin=False), error.bad_control_fragment),
    (frame(8, b"", fin=False), error.bad_control_fragment),
    (frame(9, b"x" * 126), error.bad_control_size),
    (frame(10, b"x" * 126), error.bad_control_size),
    (frame(1, b"a", key=None), error.bad_unmasked_frame),
    (bytes([0x82, 0x80 | 126, 0, 5]) + KEY + b"12345", error.bad_size),
    (bytes([0x82, 0x80 | 127]) + struct.pack("!Q", 200) + KEY + b"x" * 200, error.bad_size),
    (bytes([0x82, 0x80 | 127]) + struct.pack("!Q", 1 << 63) + KEY, error.bad_size),
    (frame(8, b"\x03"), error.bad_close_size),
    (frame(8, b"\x03\xed"), error.bad_close_code),
    (frame(8, b"\x03\xe8\xff"), error.bad_close_payload),
    (frame(8, b"\x03\xe8\xce"), error.bad_close_payload),
]


@pytest.mark.parametrize(("data", "ec"), PROTOCOL_ERRORS)
def test_protocol_errors_send_1002(data: bytes, ec: error_code) -> None:
    expect_error(data, ec, close_code.protocol_error)


def test_masked_frame_at_the_client() -> None:
    expect_error(frame(2, b"abc"), error.bad_masked_frame, close_code.protocol_error, server=False)


def test_frames_after_an_error_are_ignored() -> None:
    events = expect_error(
        frame(3) + frame(1, b"after"), error.bad_opcode, close_code.protocol_error
    )
    assert len(events) == 1


def test_invalid_utf8_sends_1007() -> None:
    events = expect_error(
        frame(1, b"ok" + b"\xff"), error.bad_frame_payload, close_code.bad_payload
    )
    assert events == [("error", error.bad_frame_payload, close_code.bad_payload, close_frame(1007))]


def test_invalid_utf8_fails_fast_before_the_message_ends() -> None:
    # Autobahn 6.4.1: the first fragment is already invalid; the rest never arrives.
    bad = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80"
    expect_error(frame(1, bad, fin=False), error.bad_frame_payload, close_code.bad_payload)
    # Autobahn 6.4.3/6.4.4: the invalid byte is inside a frame that is only partly received.
    raw = frame(1, bad + b"edited")
    conn = Connection(True)
    conn.feed(raw[: 6 + 13])  # header, key, then up to and including the 0x90 byte
    ev = conn.next_event()
    assert isinstance(ev, ErrorEvent) and ev.error == error.bad_frame_payload
    # A truncated code point at the end of the message fails when the message ends.
    events = expect_error(
        frame(1, b"ok\xce", fin=False) + frame(0, b""),
        error.bad_frame_payload,
        close_code.bad_payload,
    )
    assert events == [("error", error.bad_frame_payload, close_code.bad_payload, close_frame(1007))]


def test_binary_is_not_utf8_checked() -> None:
    assert run([frame(2, b"\xff\xfe")]) == [("binary", b"\xff\xfe")]


def test_message_too_big_from_the_header() -> None:
    expect_error(
        frame(2, b"x" * 11), error.message_too_big, close_code.too_big, read_message_max=10
    )
    assert run([frame(2, b"x" * 10)], read_message_max=10) == [("binary", b"x" * 10)]
    # The limit applies to the whole message, across fragments.
    expect_error(
        frame(2, b"x" * 6, fin=False) + frame(0, b"x" * 5),
        error.message_too_big,
        close_code.too_big,
        read_message_max=10,
    )
    # 0 means no limit.
    assert run([frame(2, b"x" * 100)], read_message_max=0) == [("binary", b"x" * 100)]


def test_huge_length_allocates_nothing() -> None:
    header = bytes([0x82, 0x80 | 127]) + struct.pack("!Q", (1 << 63) - 1) + KEY
    tracemalloc.start()
    try:
        conn = Connection(True)
        conn.feed(header)
        ev = conn.next_event()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(ev, ErrorEvent)
    assert (ev.error, ev.code) == (error.message_too_big, close_code.too_big)
    assert peak < 64 * 1024
    expect_error(header, error.message_too_big, close_code.too_big)


VALID_CLOSE_CODES = [
    1000,
    1001,
    1002,
    1003,
    1007,
    1008,
    1009,
    1010,
    1011,
    1012,
    1013,
    1014,
    3000,
    3999,
    4000,
    4999,
]
INVALID_CLOSE_CODES = [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]


@pytest.mark.parametrize("code", VALID_CLOSE_CODES)
def test_valid_close_codes_are_echoed(code: int) -> None:
    data = frame(8, struct.pack("!H", code) + b"why")
    assert same_for_all_splits(data, run) == [("close", code, "why", close_frame(code))]


@pytest.mark.parametrize("code", INVALID_CLOSE_CODES)
def test_invalid_close_codes_fail_with_1002(code: int) -> None:
    expect_error(frame(8, struct.pack("!H", code)), error.bad_close_code, close_code.protocol_error)


def test_close_without_code_is_answered_with_normal() -> None:
    conn = Connection(True)
    conn.feed(frame(8) + frame(1, b"late"))
    ev = conn.next_event()
    assert isinstance(ev, CloseEvent)
    assert not ev.reason
    assert decode(ev.reply) == close_frame(1000)
    assert conn.close_received and conn.close_sent and not conn.is_open() and not conn.failed
    assert conn.next_event() is None
    conn.feed(frame(1, b"more"))
    assert conn.next_event() is None
    assert not conn.reason()


def test_reason_is_kept() -> None:
    conn = Connection(True)
    conn.feed(frame(8, struct.pack("!H", 1001) + "adiós".encode()))
    ev = conn.next_event()
    assert isinstance(ev, CloseEvent)
    assert conn.reason() == close_reason(close_code.going_away, "adiós")


def test_we_close_first() -> None:
    conn = Connection(True)
    raw = conn.close(close_reason(close_code.going_away, "shutdown"))
    assert decode(raw) == close_frame(1001, b"shutdown")
    assert conn.close_sent and not conn.is_open()
    # While closing: data is still delivered, pings and pongs are dropped (as Beast does).
    conn.feed(
        frame(1, b"in flight")
        + frame(9, b"p")
        + frame(10, b"q")
        + frame(8, struct.pack("!H", 1001))
    )
    events = [conn.next_event(), conn.next_event()]
    assert isinstance(events[0], DataEvent) and events[0].data == b"in flight"
    assert isinstance(events[1], CloseEvent) and events[1].reply == b""
    assert events[1].reason.code == 1001
    assert conn.next_event() is None
    with pytest.raises(RuntimeError, match="close frame was sent"):
        conn.close()
    with pytest.raises(RuntimeError):
        conn.write(b"x")
    with pytest.raises(RuntimeError):
        conn.ping()


def test_error_after_we_sent_close_has_no_reply() -> None:
    conn = Connection(True)
    conn.close()
    conn.feed(frame(3))
    ev = conn.next_event()
    assert isinstance(ev, ErrorEvent)
    assert (ev.error, ev.code, ev.reply) == (error.bad_opcode, None, b"")
    assert conn.failed


def test_close_refuses_codes_that_may_not_be_sent() -> None:
    conn = Connection(False)
    for code in (close_code.no_status, close_code.abnormal, close_code.reserved3, 999, 5000):
        with pytest.raises(ValueError, match="may not be sent"):
            conn.close(close_reason(code))
    assert conn.is_open()
    raw = conn.close()
    assert raw[1] & 0x80
    assert decode(raw) == (8, True, b"")


def test_ping_and_pong_frames() -> None:
    conn = Connection(True)
    assert decode(conn.ping(b"abc")) == (9, True, b"abc")
    assert decode(conn.ping("é")) == (9, True, "é".encode())
    assert decode(conn.pong()) == (10, True, b"")
    assert decode(conn.ping(b"x" * 125)) == (9, True, b"x" * 125)
    with pytest.raises(ValueError, match="at most 125"):
        conn.ping(b"x" * 126)
    with pytest.raises(ValueError):
        conn.pong("é" * 63)


# -- writing --------------------------------------------------------------------------------


def written(conn: Connection, *args: object) -> list[tuple[int, bool, bytes]]:
    return decode_all(b"".join(conn.write(*args)))  # type: ignore[arg-type]


def test_write_whole_messages() -> None:
    conn = Connection(True)
    assert written(conn, "héllo") == [(1, True, "héllo".encode())]
    conn.binary(True)
    assert written(conn, b"\x00\x01") == [(2, True, b"\x00\x01")]
    assert written(conn, b"") == [(2, True, b"")]
    assert written(conn, bytearray(b"ba")) == [(2, True, b"ba")]
    assert written(conn, memoryview(b"mv")) == [(2, True, b"mv")]


def test_auto_fragment_uses_write_buffer_bytes() -> None:
    conn = Connection(True)
    conn.binary(True)
    payload = os.urandom(10000)
    frames = written(conn, payload)
    assert [(op, fin, len(p)) for op, fin, p in frames] == [
        (2, False, 4096),
        (0, False, 4096),
        (0, True, 1808),
    ]
    assert b"".join(p for *_, p in frames) == payload
    conn.write_buffer_bytes(5000)
    assert [len(p) for *_, p in written(conn, payload)] == [5000, 5000]
    conn.auto_fragment(False)
    assert written(conn, payload) == [(2, True, payload)]


def test_write_some_streams_one_message() -> None:
    conn = Connection(False)
    assert written(conn, b"ab", False) == [(1, False, b"ab")]
    conn.binary(True)  # applies to the next message only
    assert written(conn, b"cd", False) == [(0, False, b"cd")]
    assert written(conn, b"", True) == [(0, True, b"")]
    assert written(conn, b"ef") == [(2, True, b"ef")]


def test_client_masks_every_frame_with_a_fresh_key() -> None:
    conn = Connection(False)
    conn.binary(True)
    payload = b"\x00" * 9000
    parts = conn.write(payload)
    raw = b"".join(parts)
    keys = set()
    pos = 0
    for _ in range(3):
        assert raw[pos + 1] & 0x80
        size = 4 if raw[pos + 1] & 0x7F == 126 else 2
        keys.add(raw[pos + size : pos + size + 4])
        n = struct.unpack_from("!H", raw, pos + 2)[0] if size == 4 else raw[pos + 1] & 0x7F
        pos += size + 4 + n
    assert pos == len(raw)
    assert len(keys) == 3
    assert b"".join(p for *_, p in decode_all(raw)) == payload


@pytest.mark.parametrize("server", [True, False])
def test_written_frames_read_back_in_every_split(server: bool) -> None:
    writer = Connection(server)
    data = b"".join(
        [
            *writer.write("κόσμε" * 3),
            writer.ping(b"p"),
            *writer.write(b"x" * 300, False),
            *writer.write(b"y", True),
            writer.close(close_reason(4000, "done")),
        ]
    )
    events = same_for_all_splits(data, lambda c: run(c, server=not server))
    assert events == [
        ("text", "κόσμε".encode() * 3),
        ("ping", b"p", (10, True, b"p")),
        ("text", b"x" * 300 + b"y"),
        ("close", 4000, "done", close_frame(4000)),
    ]


# -- permessage-deflate ---------------------------------------------------------------------

PARAMS = [
    DeflateParams(),
    DeflateParams(15, 15, True, True),
    DeflateParams(9, 9, False, False),
    DeflateParams(10, 12, True, False),
]


def pair(
    params: DeflateParams, opts: permessage_deflate | None = None, **kwargs: Any
) -> tuple[Connection, Connection]:
    client = Connection(False, params, opts, **kwargs)
    server = Connection(True, params, opts, **kwargs)
    return client, server


def exchange(writer: Connection, reader: Connection, payload: bytes | str) -> list[bytes]:
    parts = writer.write(payload)
    reader.feed(b"".join(parts))
    pieces = []
    while (ev := reader.next_event()) is not None:
        assert isinstance(ev, DataEvent), ev
        pieces.append(ev.data)
    assert reader.is_message_done()
    return pieces


@pytest.mark.parametrize("params", PARAMS)
def test_deflate_round_trips(params: DeflateParams) -> None:
    client, server = pair(params)
    messages = [b"", b"a", b"hello " * 1000, os.urandom(5000), "κόσμε".encode() * 700]
    for _ in range(2):
        for msg in messages:
            for writer, reader in ((client, server), (server, client)):
                writer.binary(True)
                assert b"".join(exchange(writer, reader, msg)) == msg
                assert reader.got_binary()
    text = "ünïcödé " * 2000
    client.text(True)
    assert b"".join(exchange(client, server, text)) == text.encode()
    assert server.got_text()


def test_compressed_frames_have_rsv1_on_the_first_frame_only() -> None:
    client = Connection(False, DeflateParams())
    client.binary(True)
    raw = b"".join(client.write(os.urandom(10000)))
    heads = []
    pos = 0
    while pos < len(raw):
        heads.append(raw[pos])
        n = raw[pos + 1] & 0x7F
        size = 2 + (2 if n == 126 else 0) + 4
        if n == 126:
            n = struct.unpack_from("!H", raw, pos + 2)[0]
        pos += size + n
    assert heads[0] == 0x42  # RSV1, binary, not final
    assert all(h & 0x40 == 0 for h in heads[1:])
    assert heads[-1] & 0x80


def test_compressed_message_split_everywhere() -> None:
    client = Connection(False, DeflateParams())
    data = b"".join(
        [*client.write("compress me " * 20), *client.write("and me " * 5), client.ping(b"!")]
    )
    events = same_for_all_splits(data, lambda c: run(c, deflate=DeflateParams()))
    assert events == [
        ("text", ("compress me " * 20).encode()),
        ("text", ("and me " * 5).encode()),
        ("ping", b"!", (10, True, b"!")),
    ]


def test_small_messages_below_threshold_are_not_compressed() -> None:
    opts = permessage_deflate(client_enable=True, msg_size_threshold=100)
    client, server = pair(DeflateParams(), opts)
    raw = b"".join(client.write(b"x" * 99))
    assert raw[0] == 0x81  # no RSV1
    raw = b"".join(client.write(b"x" * 100))
    assert raw[0] == 0xC1
    server.feed(raw)
    ev = server.next_event()
    assert isinstance(ev, DataEvent) and ev.data == b"x" * 100


def test_window_of_8_bits_sends_uncompressed() -> None:
    server = Connection(True, DeflateParams(8, 15))
    assert server.write(b"y" * 1000)[0][0] == 0x81  # FIN + text, no RSV1
    # The other way, a peer limited to a small window is inflated with a larger one.
    z = zlib.compressobj(wbits=-9)
    payload = (z.compress(b"zz" * 300) + z.flush(zlib.Z_SYNC_FLUSH))[:-4]
    client = Connection(False, DeflateParams(8, 15))
    client.feed(server_frame(1, payload, rsv1=True))
    ev = client.next_event()
    assert isinstance(ev, DataEvent)
    assert (ev.data, ev.fin) == (b"zz" * 300, True)


def test_deflate_bomb_is_stopped_by_read_message_max() -> None:
    client = Connection(False, DeflateParams())
    client.binary(True)
    client.auto_fragment(False)
    bomb = b"".join(client.write(b"\x00" * 20_000_000))
    assert len(bomb) < 30_000
    tracemalloc.start()
    try:
        server = Connection(True, DeflateParams(), read_message_max=1_000_000)
        server.feed(bomb)
        total = 0
        while True:
            ev = server.next_event()
            if not isinstance(ev, DataEvent):
                break
            total += len(ev.data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(ev, ErrorEvent)
    assert (ev.error, ev.code) == (error.message_too_big, close_code.too_big)
    assert decode(ev.reply) == close_frame(1009)
    assert total <= 1_000_000
    assert peak < 2_000_000


def test_deflate_output_is_chunked_without_limit() -> None:
    client = Connection(False, DeflateParams())
    server = Connection(True, DeflateParams(), read_message_max=0)
    server.feed(b"".join(client.write(b"a" * 300_000)))
    sizes = []
    while (ev := server.next_event(limit=50_000)) is not None:
        assert isinstance(ev, DataEvent)
        sizes.append(len(ev.data))
    assert sum(sizes) == 300_000
    assert max(sizes) <= 50_000


def test_corrupt_compressed_data_sends_1007() -> None:
    expect_error(
        frame(2, b"\xff\xff\xff\xff\xff", rsv1=True),
        error.bad_frame_payload,
        close_code.bad_payload,
        deflate=DeflateParams(),
    )


def test_rsv1_rules_with_deflate() -> None:
    expect_error(frame(1, b"a", rsv1=True), error.bad_reserved_bits, close_code.protocol_error)
    expect_error(
        frame(1, b"a", fin=False) + frame(0, b"b", rsv1=True),
        error.bad_reserved_bits,
        close_code.protocol_error,
        deflate=DeflateParams(),
    )
    expect_error(
        frame(9, b"", rsv1=True),
        error.bad_reserved_bits,
        close_code.protocol_error,
        deflate=DeflateParams(),
    )


def test_compressed_invalid_utf8_fails() -> None:
    z = zlib.compressobj(wbits=-15)
    payload = (z.compress(b"ok\xff") + z.flush(zlib.Z_SYNC_FLUSH))[:-4]
    expect_error(
        frame(1, payload, rsv1=True),
        error.bad_frame_payload,
        close_code.bad_payload,
        deflate=DeflateParams(),
    )


# -- interoperability with the websockets library's frames ----------------------------------


def their_frames(
    data: bytes, mask_expected: bool, exts: list[object] | None = None
) -> list[object]:
    frames_mod = pytest.importorskip("websockets.frames")
    streams = pytest.importorskip("websockets.streams")
    reader = streams.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    out = []
    while reader.buffer:
        parser = frames_mod.Frame.parse(reader.read_exact, mask=mask_expected, extensions=exts)
        try:
            next(parser)
        except StopIteration as stop:
            out.append(stop.value)
        else:  # pragma: no cover - a complete input never needs more
            raise AssertionError("websockets wanted more data")
    return out


@pytest.mark.parametrize("server", [True, False])
def test_our_frames_parse_in_websockets(server: bool) -> None:
    conn = Connection(server)
    payload = os.urandom(70000)
    conn.binary(True)
    conn.auto_fragment(False)
    data = b"".join(
        [
            *conn.write(payload),
            *conn.write(b"x" * 200),
            conn.ping(b"p"),
            conn.close(close_reason(1000, "bye")),
        ]
    )
    frames = their_frames(data, mask_expected=not server)
    assert [(f.opcode.value, f.fin, bytes(f.data)) for f in frames] == [  # type: ignore[attr-defined]
        (2, True, payload),
        (2, True, b"x" * 200),
        (9, True, b"p"),
        (8, True, b"\x03\xe8bye"),
    ]


@pytest.mark.parametrize("server", [True, False])
def test_websockets_frames_parse_here(server: bool) -> None:
    frames_mod = pytest.importorskip("websockets.frames")
    Frame, Opcode = frames_mod.Frame, frames_mod.Opcode
    payload = os.urandom(70000)
    parts = [
        Frame(Opcode.TEXT, "κόσ".encode()[:3], fin=False),
        Frame(Opcode.PING, b"pp"),
        Frame(Opcode.CONT, "κόσ".encode()[3:]),
        Frame(Opcode.BINARY, payload),
        Frame(Opcode.CLOSE, frames_mod.Close(4001, "done").serialize()),
    ]
    data = b"".join(f.serialize(mask=server) for f in parts)
    events = run([data], server=server)
    assert events == [
        ("ping", b"pp", (10, True, b"pp")),
        ("text", "κόσ".encode()),
        ("binary", payload),
        ("close", 4001, "done", close_frame(4001)),
    ]


@pytest.mark.parametrize("takeover", [True, False])
def test_compressed_frames_interoperate_with_websockets(takeover: bool) -> None:
    frames_mod = pytest.importorskip("websockets.frames")
    pmd = pytest.importorskip("websockets.extensions.permessage_deflate")
    params = DeflateParams(15, 15, not takeover, not takeover)
    # We are the server; websockets plays the client.
    theirs = pmd.PerMessageDeflate(not takeover, not takeover, 15, 15)
    ours = Connection(True, params)
    messages = [b"hello " * 100, os.urandom(2000), b"", "κόσμε".encode() * 50]
    for msg in messages * 2:
        wire = frames_mod.Frame(frames_mod.Opcode.BINARY, msg).serialize(
            mask=True, extensions=[theirs]
        )
        ours.feed(wire)
        got = b""
        while (ev := ours.next_event()) is not None:
            assert isinstance(ev, DataEvent)
            got += ev.data
        assert got == msg
        ours.binary(True)
        data = b"".join(ours.write(msg))
        [frame_back] = their_frames(data, mask_expected=False, exts=[theirs])
        assert bytes(frame_back.data) == msg  # type: ignore[attr-defined]


def test_compressed_message_written_in_pieces() -> None:
    client = Connection(False, DeflateParams())
    data = b"".join(
        [
            *client.write(b"abc" * 100, False),
            *client.write(b"def" * 100, False),
            *client.write(b"", True),
        ]
    )
    assert data[0] == 0x41  # RSV1 + text, not final
    events = same_for_all_splits(data, lambda c: run(c, deflate=DeflateParams()))
    assert events == [("text", b"abc" * 100 + b"def" * 100)]
