"""``websocket.stream`` closing handshake: codes, reasons, who tears down, use after close."""

from __future__ import annotations

import struct
from typing import Any

import pytest

import asiolike
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.websocket import close_code, close_reason, error, stream
from asiolike.error import eof, operation_aborted, system_error

from .test_stream_support import Rec, frame, run, settle, tcp_pair, ws_pair


def _open(ioc: asiolike.io_context) -> tuple[stream, stream, Any, Any]:
    client, server, a, b = ws_pair(ioc)
    h1, h2 = Rec(), Rec()
    server.async_accept(h1)
    client.async_handshake("localhost", "/", h2)
    run(ioc)
    assert not h1.ec and not h2.ec
    return client, server, a, b


@pytest.mark.parametrize("initiator", ["client", "server"])
@pytest.mark.parametrize(
    "cr",
    [
        close_reason(close_code.normal),
        close_reason(close_code.going_away),
        close_reason(4000, "done here"),
    ],
)
def test_close_codes_from_either_side(
    ioc: asiolike.io_context, initiator: str, cr: close_reason
) -> None:
    client, server, _, _ = _open(ioc)
    closer, other = (client, server) if initiator == "client" else (server, client)
    c, r = Rec(), Rec()
    other.async_read(flat_buffer(), r)
    closer.async_close(cr, c)
    run(ioc)
    assert c.ec == asiolike.error.success
    assert r.once == (error.closed, 0)
    assert other.reason() == cr
    assert closer.reason() == close_reason(cr.code)  # the echo carries the code
    assert not closer.is_open() and not other.is_open()


def test_close_frames_on_the_wire(ioc: asiolike.io_context) -> None:
    client, _, a, b = _open(ioc)
    a.append(frame(8, struct.pack("!H", 4000) + b"later"))  # the server's answer, early
    c = Rec()
    client.async_close(close_reason(4000, "bye"), c)
    run(ioc)
    assert not c.ec
    wire = b.bytes()
    assert wire[:2] == b"\x88\x85"  # masked close, 5 bytes of payload
    assert client.reason() == close_reason(4000, "later")


def test_close_without_a_code(ioc: asiolike.io_context) -> None:
    client, server, _, b = _open(ioc)
    r, c = Rec(), Rec()
    client.async_close(close_reason(), c)
    ioc.poll()
    assert b.bytes()[:2] == b"\x88\x80"  # empty payload
    server.async_read(flat_buffer(), r)
    run(ioc)
    assert not c.ec and r.ec == error.closed
    assert not server.reason()
    assert client.reason() == close_reason(close_code.normal)


def test_close_while_a_read_is_pending(ioc: asiolike.io_context) -> None:
    client, server, _, _ = _open(ioc)
    order: list[tuple[str, Any]] = []
    client.async_read(flat_buffer(), lambda ec, n: order.append(("read", ec)))
    server.async_read(flat_buffer(), lambda ec, n: order.append(("server read", ec)))
    client.async_close(close_code.normal, lambda ec: order.append(("close", ec)))
    run(ioc)
    assert sorted(order, key=lambda x: x[0]) == [
        ("close", asiolike.error.success),
        ("read", error.closed),
        ("server read", error.closed),
    ]


def test_messages_before_the_peers_close_are_still_read(ioc: asiolike.io_context) -> None:
    client, server, _, _ = _open(ioc)
    w = Rec()
    server.async_write(b"last words", w)
    settle(ioc)
    c = Rec()
    client.async_close(close_code.normal, c)  # no read pending: close reads and discards
    buf = flat_buffer()
    r = Rec()
    server.async_read(buf, r)
    run(ioc)
    assert not c.ec and r.ec == error.closed


def test_every_operation_after_close_gets_operation_aborted(ioc: asiolike.io_context) -> None:
    client, server, _, _ = _open(ioc)
    c, r = Rec(), Rec()
    server.async_read(flat_buffer(), r)
    client.async_close(close_code.normal, c)
    run(ioc)
    for ws in (client, server):
        calls: list[tuple[Any, tuple[Any, ...]]] = [
            (ws.async_read, (flat_buffer(),)),
            (ws.async_write, (b"x",)),
            (ws.async_ping, (b"",)),
            (ws.async_close, (close_code.normal,)),
        ]
        for fn, args in calls:
            h = Rec(r1=True)
            fn(*args, h)
            h.started()
            run(ioc)
            assert h.ec == operation_aborted, fn
        with pytest.raises(system_error) as info:
            ws.read(flat_buffer())
        assert info.value.code == operation_aborted
        with pytest.raises(system_error):
            ws.write(b"x")


def test_write_after_our_close_frame_is_aborted(ioc: asiolike.io_context) -> None:
    client, _, a, _ = _open(ioc)
    c = Rec()
    client.async_close(close_code.normal, c)
    settle(ioc)  # the close frame went out; the close waits for the answer
    w = Rec()
    client.async_write(b"too late", w)
    a.append(frame(8, struct.pack("!H", 1000)))
    run(ioc)
    assert w.once == (operation_aborted, 0)
    assert not c.ec


def test_close_argument_checks(ioc: asiolike.io_context) -> None:
    client, server, _, _ = _open(ioc)
    for code in (999, 1004, 1005, 1006, 1015, 2999, 5000):
        with pytest.raises(ValueError, match="may not be sent"):
            client.async_close(code, Rec())
    with pytest.raises(TypeError, match="close_reason"):
        client.async_close(1.5, Rec())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="123 bytes"):
        close_reason(1000, "x" * 124)
    c1 = Rec()
    r = Rec()
    server.async_read(flat_buffer(), r)
    client.async_close("bye", c1)  # a str means code 1000 with that reason
    with pytest.raises(RuntimeError, match="close is already pending"):
        client.async_close(close_code.normal, Rec())
    run(ioc)
    assert not c1.ec and server.reason() == close_reason(1000, "bye")


def test_peer_dropping_the_connection_while_closing(ioc: asiolike.io_context) -> None:
    client, _, _a, b = _open(ioc)
    c = Rec()
    client.async_close(close_code.normal, c)
    settle(ioc)
    b.close()
    run(ioc)
    assert c.ec == eof


def test_sync_close(ioc: asiolike.io_context) -> None:
    client, _, a, _b = _open(ioc)
    a.append(frame(8, struct.pack("!H", 1001)))
    client.close(close_code.normal)
    assert client.reason() == close_reason(close_code.going_away)
    assert not client.is_open()
    with pytest.raises(system_error) as info:
        client.close()
    assert info.value.code == operation_aborted


def test_tcp_teardown_closes_both_sockets(ioc: asiolike.io_context) -> None:
    csock, ssock = tcp_pair(ioc)
    client, server = stream(csock), stream(ssock)
    h1, h2 = Rec(), Rec()
    server.async_accept(h1)
    client.async_handshake("127.0.0.1", "/", h2)
    run(ioc)
    assert not h1.ec and not h2.ec
    c, r = Rec(), Rec()
    server.async_read(flat_buffer(), r)
    client.async_close(close_code.normal, c)
    run(ioc)
    assert not c.ec and r.ec == error.closed
    assert not csock.is_open() and not ssock.is_open()


def test_close_echo_waits_for_the_message_being_written(ioc: asiolike.io_context) -> None:
    client, server, _a, b = _open(ioc)
    b.write_size(5)
    server.binary(True)
    w, r, c = Rec(), Rec(), Rec()
    server.async_write(b"m" * 40, w)
    server.async_read(flat_buffer(), r)
    client.async_close(close_reason(4001, "x"), c)
    run(ioc)
    assert w.once[1] == 40 and r.ec == error.closed and not c.ec
    assert client.reason() == close_reason(4001)


def test_our_close_waits_for_the_message_being_written(ioc: asiolike.io_context) -> None:
    client, server, _, _b = _open(ioc)
    client.next_layer().write_size(5)
    client.binary(True)
    order: list[str] = []
    client.async_write(b"m" * 40, lambda ec, n: order.append("write"))
    client.async_close(close_code.normal, lambda ec: order.append(f"close {ec.name()}"))
    buf = flat_buffer()
    r1 = Rec()
    server.async_read(buf, r1)
    settle(ioc)  # the close stays pending: it waits for the server's answer
    assert r1.once[1] == 40  # the whole message arrived before the close frame
    r2 = Rec()
    server.async_read(buf, r2)
    run(ioc)
    assert r2.ec == error.closed
    assert order == ["write", "close success"]


def test_read_started_while_close_reads_is_aborted(ioc: asiolike.io_context) -> None:
    client, server, _, _ = _open(ioc)
    c, r, sr = Rec(), Rec(), Rec()
    client.async_close(close_code.normal, c)  # no read pending: the close reads
    settle(ioc)
    client.async_read(flat_buffer(), r)  # waits for the close, then has nothing to read
    server.async_read(flat_buffer(), sr)
    run(ioc)
    assert not c.ec and r.ec == operation_aborted and sr.ec == error.closed


def test_close_started_while_the_peers_close_is_answered(ioc: asiolike.io_context) -> None:
    client, server, _, b = _open(ioc)
    b.write_size(1)  # our echo goes out one byte per step
    c1, r, c2 = Rec(), Rec(), Rec()
    server.async_read(flat_buffer(), r)
    client.async_close(close_code.normal, c1)
    while server.is_open():
        ioc.run_one()
    server.async_close(close_code.going_away, c2)  # waits for the echo being written
    run(ioc)
    assert r.ec == error.closed and not c1.ec and not c2.ec
    assert client.reason() == close_reason(close_code.normal)  # our echo, not a second close
