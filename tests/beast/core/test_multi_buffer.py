"""Tests for asiolike.beast.core.multi_buffer: Beast's interface and use by the algorithms."""

from __future__ import annotations

from typing import Any

import pytest

import asiolike as net
from asiolike import beast
from asiolike.beast import websocket
from asiolike.beast.core.multi_buffer import multi_buffer
from asiolike.buffer import DynamicBuffer, buffer_overflow_error
from tests.beast.websocket.test_stream_support import run, tcp_pair


def fill(b: multi_buffer, payload: bytes) -> None:
    view = b.prepare(len(payload))
    view[:] = payload
    view.release()
    b.commit(len(payload))


def readable(b: multi_buffer) -> bytes:
    views = b.data()
    try:
        return b"".join(views)
    finally:
        for view in views:
            view.release()


def test_new_buffer_is_empty_and_a_dynamic_buffer() -> None:
    b = beast.multi_buffer()
    assert b is not None and type(b) is multi_buffer
    assert (b.size(), b.capacity(), b.data(), b.cdata()) == (0, 0, [], [])
    assert b.max_size() > 1 << 60
    assert isinstance(b, DynamicBuffer)
    assert multi_buffer(10).max_size() == 10
    with pytest.raises(ValueError, match="max_size must be >= 0"):
        multi_buffer(-1)


def test_data_is_a_sequence_of_pieces_and_growing_never_moves_bytes() -> None:
    b = multi_buffer()
    fill(b, b"a" * 512)  # fills the first piece exactly
    first = b.data()[0]
    fill(b, b"b" * 100)
    views = b.data()
    assert len(views) == 2, "a second piece, not a copy into larger storage"
    assert [bytes(v) for v in views] == [b"a" * 512, b"b" * 100]
    # The first piece is the same memory as before: nothing was copied.
    first[0] = ord("z")
    assert bytes(b.data()[0][:1]) == b"z"
    assert readable(b) == b"z" + b"a" * 511 + b"b" * 100
    assert b.size() == 612


def test_cdata_is_read_only() -> None:
    b = multi_buffer()
    fill(b, b"xy")
    (view,) = b.cdata()
    assert view.readonly and bytes(view) == b"xy"
    assert not b.data()[0].readonly


def test_commit_is_capped_by_what_was_prepared_and_prepare_discards() -> None:
    b = multi_buffer()
    b.prepare(4)[:2] = b"ab"
    b.commit(100)
    assert b.size() == 4  # committed all 4 prepared bytes (two of them unwritten zeros)
    b.consume(4)
    b.prepare(3)
    b.prepare(2)[:] = b"cd"  # the later prepare replaces the earlier one
    b.commit(2)
    b.commit(5)  # nothing prepared any more
    assert readable(b) == b"cd"


def test_consume_across_pieces_releases_them() -> None:
    b = multi_buffer()
    for chunk in (b"1" * 512, b"2" * 600, b"3" * 10):
        fill(b, chunk)
    assert len(b.data()) >= 2
    b.consume(500)
    assert readable(b) == b"1" * 12 + b"2" * 600 + b"3" * 10
    b.consume(12 + 600)
    assert readable(b) == b"3" * 10 and len(b.data()) == 1
    b.consume(10**9)
    assert b.size() == 0 and b.data() == []


def test_an_emptied_piece_is_reused_only_when_no_view_shows_it() -> None:
    b = multi_buffer()
    fill(b, b"x" * 600)
    b.consume(600)
    capacity = b.capacity()
    fill(b, b"y" * 600)  # no view alive: the piece starts over, nothing allocated
    assert b.capacity() == capacity and len(b.data()) == 1
    kept = b.data()[0]
    b.consume(600)
    fill(b, b"z" * 600)
    assert bytes(kept) == b"y" * 600, "a live view's bytes were overwritten"
    assert readable(b) == b"z" * 600


def test_max_size_limits_prepare() -> None:
    b = multi_buffer(10)
    fill(b, b"12345")
    with pytest.raises(buffer_overflow_error, match="max_size") as info:
        b.prepare(6)
    assert (info.value.requested, info.value.limit) == (11, 10)
    assert len(b.prepare(5)) == 5
    b.max_size(5)
    assert b.max_size() == 5
    with pytest.raises(buffer_overflow_error):
        b.prepare(1)
    with pytest.raises(ValueError, match="byte count must be >= 0"):
        b.prepare(-1)


def test_clear_reserve_shrink_to_fit() -> None:
    b = multi_buffer()
    fill(b, b"a" * 512)
    fill(b, b"b" * 700)
    b.clear()
    assert b.size() == 0 and b.data() == [] and b.capacity() == 700
    b.reserve(5000)
    assert b.capacity() >= 5000
    b.reserve(10)
    assert b.capacity() >= 5000
    b.max_size(100)
    b.reserve(200)  # as in Beast, asking for more than the limit raises the limit
    assert b.max_size() == 200
    fill(b, b"hello")
    b.shrink_to_fit()
    assert b.capacity() == 5 and readable(b) == b"hello"
    b.consume(5)
    b.shrink_to_fit()
    assert b.capacity() == 0 and b.size() == 0


def test_buffers_to_string_of_data() -> None:
    b = multi_buffer()
    fill(b, b"x" * 508 + b"caf\xc3")  # fills the first piece: a UTF-8 character split
    fill(b, b"\xa9")
    b.consume(508)
    assert len(b.data()) == 2
    assert beast.buffers_to_string(b.data()) == "café"
    assert beast.make_printable(b.cdata()) == "café"


def test_random_operations_match_a_bytes_model() -> None:
    # A long run of mixed operations, checked against plain bytes after each step.
    import random

    rng = random.Random(15)
    b = multi_buffer()
    model = b""
    for step in range(3000):
        op = rng.randrange(4)
        if op < 2:
            n = rng.choice((1, 7, 100, 511, 512, 513, 3000))
            payload = rng.randbytes(n)
            view = b.prepare(n)
            k = rng.randrange(n + 1)
            view[:k] = payload[:k]
            del view
            b.commit(k)
            model += payload[:k]
        elif op == 2:
            k = rng.randrange(len(model) + 2)
            b.consume(k)
            model = model[k:]
        elif step % 97 == 0:
            b.shrink_to_fit()
        assert b.size() == len(model)
        assert readable(b) == model
        assert b.capacity() >= b.size()


# -- with the algorithms and streams -----------------------------------------------------------


def test_async_read_fills_several_pieces(ioc: net.io_context) -> None:
    client, server = tcp_pair(ioc)
    payload = bytes(range(256)) * 400  # 100 KiB: many prepare/commit steps
    client.write_some(payload[:1])
    net.write(client, payload[1:])
    client.close()
    b = multi_buffer()
    got: list[Any] = []
    net.async_read(server, b, lambda ec, n: got.append((ec, n)))
    run(ioc)
    assert got == [(net.error.eof, len(payload))]
    assert len(b.data()) > 1
    assert readable(b) == payload
    server.close()


def test_async_read_stops_at_max_size(ioc: net.io_context) -> None:
    client, server = tcp_pair(ioc)
    net.write(client, b"x" * 3000)
    b = multi_buffer(1000)
    got: list[Any] = []
    net.async_read(server, b, lambda ec, n: got.append((ec, n)))
    run(ioc)
    assert got == [(net.error_code(), 1000)]
    assert b.size() == 1000
    client.close()
    server.close()


def test_async_write_of_data_then_consume(ioc: net.io_context) -> None:
    # Beast's idiom: net::async_write(stream, b.data(), ...), then b.consume(n).
    client, server = tcp_pair(ioc)
    b = multi_buffer()
    fill(b, b"a" * 512)
    fill(b, b"b" * 2000)
    assert len(b.data()) == 2
    got: list[Any] = []

    def on_write(ec: net.error_code, n: int) -> None:
        got.append((ec, n))
        b.consume(n)

    net.async_write(client, b.data(), on_write)
    run(ioc)
    assert got == [(net.error_code(), 2512)] and b.size() == 0
    assert net.read(server, bytearray(2512)) == 2512
    client.close()
    server.close()


def test_websocket_reads_a_message_into_a_multi_buffer(ioc: net.io_context) -> None:
    a, b_sock = tcp_pair(ioc)
    client, server = websocket.stream(a), websocket.stream(b_sock)
    done: list[Any] = []
    server.async_accept(done.append)
    client.async_handshake("localhost", "/", done.append)
    run(ioc)
    assert done == [net.error_code(), net.error_code()]
    message = bytes(range(256)) * 300
    buf = multi_buffer()
    client.binary(True)
    client.async_write(message, lambda ec, n: done.append(ec))
    server.async_read(buf, lambda ec, n: done.append((ec, n)))
    run(ioc)
    assert done[2:] == [net.error_code(), (net.error_code(), len(message))] or done[2:] == [
        (net.error_code(), len(message)),
        net.error_code(),
    ]
    assert readable(buf) == message and len(buf.data()) > 1
    a.close()
    b_sock.close()


def test_async_write_of_the_dynamic_buffer(ioc: net.io_context) -> None:
    client, server = tcp_pair(ioc)
    b = multi_buffer()
    fill(b, b"a" * 512)
    fill(b, b"b" * 100)
    got: list[Any] = []
    try:
        net.async_write(client, b, lambda ec, n: got.append((ec, n)))
        run(ioc)
        assert got == [(net.error_code(), 612)] and b.size() == 0
    finally:
        client.close()
        server.close()
        ioc.restart()
        ioc.poll()


def test_async_read_until_into_a_multi_buffer(ioc: net.io_context) -> None:
    client, server = tcp_pair(ioc)
    net.write(client, b"hello\r\nrest")
    b = multi_buffer()
    got: list[Any] = []
    try:
        net.async_read_until(server, b, b"\r\n", lambda ec, n: got.append((ec, n)))
        run(ioc)
        assert got == [(net.error_code(), 7)]
    finally:
        client.close()
        server.close()
        ioc.restart()
        ioc.poll()
