"""``websocket.stream`` reading and writing messages, over in-memory test streams.

Our client and our server talk to each other; where the bytes on the wire matter, the test
looks at (or injects into) the transport directly: ``b`` is the server's end, so
``b.bytes()`` is what the client wrote and the server has not read, and ``b.append(...)``
feeds the server crafted input.
"""

from __future__ import annotations

import os
import struct
import tracemalloc

import pytest

import asiolike
from asiolike import testing
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.websocket import close_code, condition, error, permessage_deflate, stream
from asiolike.beast.websocket._frame import parse_header
from asiolike.buffer import dynamic_buffer
from asiolike.error import eof, operation_aborted

from .test_stream_support import Rec, frame, open_pair, run, ws_pair


def _open(ioc: asiolike.io_context) -> tuple[stream, stream, testing.stream, testing.stream]:
    client, server, a, b = ws_pair(ioc)
    h1, h2 = Rec(), Rec()
    server.async_accept(h1)
    client.async_handshake("localhost", "/", h2)
    run(ioc)
    assert not h1.ec and not h2.ec
    return client, server, a, b


def _frames(wire: bytes) -> list[tuple[bool, int, int]]:
    """``(fin, opcode, length)`` of each frame in ``wire``."""
    out = []
    pos = 0
    while pos < len(wire):
        fh = parse_header(wire, pos)
        assert fh is not None
        out.append((fh.fin, fh.op, fh.length))
        pos += fh.size + fh.length
    return out


def _exchange(
    ioc: asiolike.io_context,
    writer: stream,
    reader: stream,
    data: str | bytes | bytearray | memoryview,
) -> bytes:
    buf = flat_buffer()
    hw, hr = Rec(), Rec()
    writer.async_write(data, hw)
    reader.async_read(buf, hr)
    run(ioc)
    assert not hw.ec and not hr.ec
    assert hr.once[1] == buf.size()
    return bytes(buf.data())


def test_text_and_binary_messages(ioc: asiolike.io_context) -> None:
    client, server = open_pair(ioc)
    assert _exchange(ioc, client, server, "héllo") == "héllo".encode()
    assert server.got_text() and not server.got_binary() and server.is_message_done()
    server.binary(True)
    assert server.binary() and not server.text()
    assert _exchange(ioc, server, client, b"\x00\xff\x10") == b"\x00\xff\x10"
    assert client.got_binary() and not client.got_text()
    assert _exchange(ioc, client, server, bytearray(b"abc")) == b"abc"
    assert _exchange(ioc, client, server, memoryview(b"xyz")) == b"xyz"


def test_write_handler_gets_payload_size(ioc: asiolike.io_context) -> None:
    client, server = open_pair(ioc)
    h = Rec()
    client.async_write("€uro", h)  # 3 + 3 bytes of UTF-8
    server.async_read(flat_buffer(), Rec())
    run(ioc)
    assert h.once[1] == 6


def test_empty_message(ioc: asiolike.io_context) -> None:
    client, server = open_pair(ioc)
    assert _exchange(ioc, client, server, b"") == b""
    assert server.is_message_done()


def test_write_some_pieces_make_one_message(ioc: asiolike.io_context) -> None:
    client, server, _, b = _open(ioc)
    client.binary(True)
    for fin, piece in ((False, b"ab"), (False, b"cd"), (True, b"ef")):
        h = Rec()
        client.async_write_some(fin, piece, h)
        run(ioc)
        assert h.once[1] == 2 and not h.ec
    assert _frames(b.bytes()) == [(False, 2, 2), (False, 0, 2), (True, 0, 2)]
    buf = flat_buffer()
    h = Rec()
    server.async_read(buf, h)
    run(ioc)
    assert h.once[1] == 6 and bytes(buf.data()) == b"abcdef" and server.got_binary()


def test_read_some_with_limit(ioc: asiolike.io_context) -> None:
    client, server = open_pair(ioc)
    client.auto_fragment(False)
    client.binary(True)
    payload = os.urandom(10000)
    h = Rec()
    client.async_write(payload, h)
    run(ioc)
    buf = flat_buffer()
    sizes: list[int] = []
    done: list[bool] = []
    while not sizes or not done[-1]:
        r = Rec()
        server.async_read_some(buf, 3000, r)
        run(ioc)
        assert not r.ec
        sizes.append(r.once[1])
        done.append(server.is_message_done())
    # Each piece is what one read gave, capped by the limit.
    assert all(0 < n <= 3000 for n in sizes) and sum(sizes) == 10000 and len(sizes) >= 4
    assert done == [False] * (len(sizes) - 1) + [True]
    assert bytes(buf.data()) == payload


def test_read_some_into_plain_buffer(ioc: asiolike.io_context) -> None:
    client, server = open_pair(ioc)
    h = Rec()
    client.async_write(b"0123456789", h)
    run(ioc)
    target = bytearray(4)
    got = b""
    while True:
        r = Rec()
        server.async_read_some(target, r)
        run(ioc)
        n = r.once[1]
        got += target[:n]
        if server.is_message_done():
            break
    assert got == b"0123456789"
    r = Rec(r1=True)
    server.async_read_some(bytearray(0), r)  # an empty buffer completes at once, posted
    r.started()
    run(ioc)
    assert r.once == (asiolike.error.success, 0)


def test_large_message_with_short_transfers(ioc: asiolike.io_context) -> None:
    client, server, a, b = _open(ioc)
    a.write_size(7001)
    b.read_size(999)
    client.binary(True)
    server.binary(True)
    payload = os.urandom(1 << 20)
    assert _exchange(ioc, client, server, payload) == payload
    b.read_size(1 << 30)
    a.read_size(4096)
    b.write_size(65537)
    assert _exchange(ioc, server, client, payload) == payload


def test_auto_fragment_splits_at_write_buffer_bytes(ioc: asiolike.io_context) -> None:
    client, _, _, b = _open(ioc)
    assert client.write_buffer_bytes() == 4096
    client.write_buffer_bytes(8)
    h = Rec()
    client.async_write(b"x" * 20, h)
    run(ioc)
    assert _frames(b.bytes()) == [(False, 1, 8), (False, 0, 8), (True, 0, 4)]
    b.clear()
    client.auto_fragment(False)
    assert not client.auto_fragment()
    h = Rec()
    client.async_write(b"x" * 20, h)
    run(ioc)
    assert _frames(b.bytes()) == [(True, 1, 20)]
    with pytest.raises(ValueError, match="at least 8"):
        client.write_buffer_bytes(7)


def test_argument_errors_raise_at_once(ioc: asiolike.io_context) -> None:
    client, server = open_pair(ioc)
    with pytest.raises(TypeError, match="bytes-like or a str"):
        client.async_write(123, Rec())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dynamic buffer"):
        server.async_read(bytearray(10), Rec())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="read-only"):
        server.async_read_some(b"abc", Rec())
    with pytest.raises(TypeError, match="needs a dynamic buffer"):
        server.async_read_some(bytearray(3), 2, Rec())
    with pytest.raises(ValueError, match="limit must be an int"):
        server.async_read_some(flat_buffer(), -1, Rec())
    with pytest.raises(TypeError, match="completion handler"):
        client.async_write(b"x", 42)
    with pytest.raises(ValueError, match="or more"):
        server.read_message_max(-1)
    assert not ioc.has_outstanding_work()


def test_second_read_or_write_raises(ioc: asiolike.io_context) -> None:
    client, server = open_pair(ioc)
    r1 = Rec()
    server.async_read(flat_buffer(), r1)
    with pytest.raises(RuntimeError, match="a read is already pending"):
        server.async_read(flat_buffer(), Rec())
    with pytest.raises(RuntimeError, match="a read is already pending"):
        server.async_read_some(bytearray(5), Rec())
    w1 = Rec()
    client.async_write(b"one", w1)
    with pytest.raises(RuntimeError, match="queue outgoing messages"):
        client.async_write(b"two", Rec())
    with pytest.raises(RuntimeError, match="a write is already pending"):
        client.async_write_some(True, b"two", Rec())
    run(ioc)
    assert not r1.ec and not w1.ec


def test_operations_before_the_handshake_raise(ioc: asiolike.io_context) -> None:
    ws = stream(testing.stream(ioc))
    assert not ws.is_open()
    for call in (
        lambda: ws.async_read(flat_buffer(), Rec()),
        lambda: ws.async_write(b"x", Rec()),
        lambda: ws.async_ping(b"", Rec()),
        lambda: ws.async_close(close_code.normal, Rec()),
        lambda: ws.read(flat_buffer()),
        lambda: ws.write(b"x"),
    ):
        with pytest.raises(RuntimeError, match="handshake"):
            call()
    with pytest.raises(TypeError, match="async_read_some"):
        stream(object())


def test_message_too_big_fails_with_1009(ioc: asiolike.io_context) -> None:
    client, server = open_pair(ioc)
    assert server.read_message_max() == 16 * 1024 * 1024
    server.read_message_max(10)
    rs, rc, w = Rec(), Rec(), Rec()
    client.async_write(b"x" * 11, w)
    server.async_read(flat_buffer(), rs)
    client.async_read(flat_buffer(), rc)
    run(ioc)
    assert rs.ec == error.message_too_big
    assert rc.ec == error.closed
    assert client.reason().code == close_code.too_big
    assert not server.is_open() and not client.is_open()


def test_buffer_max_size_gives_buffer_overflow(ioc: asiolike.io_context) -> None:
    client, server = open_pair(ioc)
    w = Rec()
    client.async_write(b"123456", w)
    r = Rec()
    server.async_read(flat_buffer(4), r)
    run(ioc)
    assert r.once == (error.buffer_overflow, 4)
    again = Rec()
    server.async_read(flat_buffer(), again)
    run(ioc)
    assert again.ec == operation_aborted
    target = bytearray()
    ok = Rec()
    client2, server2 = open_pair(ioc)
    client2.async_write(b"123456", Rec())
    server2.async_read(dynamic_buffer(target, 6), ok)
    run(ioc)
    assert ok.once[1] == 6 and target == b"123456"


def test_huge_announced_length_allocates_nothing(ioc: asiolike.io_context) -> None:
    _, server, a, b = _open(ioc)
    header = b"\x82\xff" + struct.pack("!Q", (1 << 63) - 1) + b"\x01\x02\x03\x04"
    b.append(header + b"abc")
    r = Rec()
    tracemalloc.start()
    try:
        server.async_read(flat_buffer(), r)
        run(ioc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.ec == error.message_too_big
    assert peak < 1 << 20
    assert a.bytes() == frame(8, struct.pack("!H", 1009))  # the failing close frame


def test_length_with_top_bit_is_bad_size(ioc: asiolike.io_context) -> None:
    _, server, a, b = _open(ioc)
    b.append(b"\x82\xff" + struct.pack("!Q", 1 << 63) + b"\x01\x02\x03\x04")
    r = Rec()
    server.async_read(flat_buffer(), r)
    run(ioc)
    assert r.ec == error.bad_size
    assert r.ec == condition.protocol_violation
    assert a.bytes() == frame(8, struct.pack("!H", 1002))


@pytest.mark.parametrize("seed", range(5))
def test_garbage_is_a_protocol_error(ioc: asiolike.io_context, seed: int) -> None:
    import random

    rng = random.Random(seed)
    _, server, a, b = _open(ioc)
    b.append(bytes(rng.randrange(256) for _ in range(300)))
    r = Rec()
    server.async_read(flat_buffer(), r)
    run(ioc)
    ec = r.ec
    assert ec == condition.protocol_violation or ec == error.message_too_big, ec
    code = 1009 if ec == error.message_too_big else 1002
    assert a.bytes() == frame(8, struct.pack("!H", code))
    assert not server.is_open()


def test_invalid_utf8_text_fails_with_1007(ioc: asiolike.io_context) -> None:
    _, server, a, b = _open(ioc)
    b.append(frame(1, b"ok\xff", masked=True))
    r = Rec()
    server.async_read(flat_buffer(), r)
    run(ioc)
    assert r.ec == error.bad_frame_payload
    assert a.bytes() == frame(8, struct.pack("!H", 1007))


def test_unmasked_client_frame_is_refused(ioc: asiolike.io_context) -> None:
    _, server, _a, b = _open(ioc)
    b.append(frame(2, b"abc"))
    r = Rec()
    server.async_read(flat_buffer(), r)
    run(ioc)
    assert r.ec == error.bad_unmasked_frame


def test_peer_vanishing_mid_frame_gives_eof(ioc: asiolike.io_context) -> None:
    _, server, a, _b = _open(ioc)
    whole = frame(2, b"0123456789", masked=True)
    a.write_some(whole[:7])
    buf = flat_buffer()
    r = Rec()
    server.async_read(buf, r)
    a.close()
    run(ioc)
    assert r.ec == eof
    assert not server.is_open()


def test_data_after_the_upgrade_is_the_first_message(ioc: asiolike.io_context) -> None:
    client, server, _a, b = ws_pair(ioc)
    h = Rec()
    client.async_handshake("localhost", "/", h)
    ioc.poll()  # the request is written; the response is awaited
    request = b.bytes()
    b.clear()
    acc = Rec()
    server.async_accept(request + frame(1, b"early", masked=True), acc)
    run(ioc)
    assert not acc.ec and not h.ec
    buf = flat_buffer()
    r = Rec()
    server.async_read(buf, r)
    run(ioc)
    assert bytes(buf.data()) == b"early"


def test_permessage_deflate_between_our_streams(ioc: asiolike.io_context) -> None:
    client, server, _a, b = ws_pair(ioc)
    client.set_option(permessage_deflate(client_enable=True))
    server.set_option(permessage_deflate(server_enable=True))
    h1, h2 = Rec(), Rec()
    server.async_accept(h1)
    client.async_handshake("localhost", "/", h2)
    run(ioc)
    assert not h1.ec and not h2.ec
    text = ("all work and no play " * 5000).encode()
    w = Rec()
    client.async_write(text, w)
    run(ioc)
    wire = b.bytes()
    assert len(wire) < len(text) // 20
    assert wire[0] & 0x40  # RSV1: compressed
    buf = flat_buffer()
    r = Rec()
    server.async_read(buf, r)
    run(ioc)
    assert bytes(buf.data()) == text
    assert _exchange(ioc, server, client, text) == text
