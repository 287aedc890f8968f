"""``websocket.stream`` control frames: automatic pongs, ping/pong, the control callback."""

from __future__ import annotations

import struct
from typing import Any

import pytest

import asiolike
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.websocket import close_code, close_reason, error, frame_type, stream
from asiolike.error import operation_aborted

from .test_stream_support import Rec, frame, run, settle, ws_pair


def _open(ioc: asiolike.io_context) -> tuple[stream, stream, Any, Any]:
    client, server, a, b = ws_pair(ioc)
    h1, h2 = Rec(), Rec()
    server.async_accept(h1)
    client.async_handshake("localhost", "/", h2)
    run(ioc)
    assert not h1.ec and not h2.ec
    return client, server, a, b


def test_ping_is_answered_and_the_read_goes_on(ioc: asiolike.io_context) -> None:
    _, server, a, b = _open(ioc)
    buf = flat_buffer()
    r = Rec()
    server.async_read(buf, r)
    b.append(frame(9, b"hi", masked=True))
    settle(ioc)
    assert a.bytes() == frame(10, b"hi")  # the pong, unmasked from a server
    assert r.calls == []  # still waiting for a message
    b.append(frame(2, b"data", masked=True))
    run(ioc)
    assert r.once[1] == 4 and bytes(buf.data()) == b"data"


def test_control_callback_reports_every_kind(ioc: asiolike.io_context) -> None:
    client, server, _, _ = _open(ioc)
    seen: list[tuple[str, frame_type, bytes]] = []
    server.control_callback(lambda kind, payload: seen.append(("server", kind, payload)))
    client.control_callback(lambda kind, payload: seen.append(("client", kind, payload)))
    rs, rc, p = Rec(), Rec(), Rec()
    server.async_read(flat_buffer(), rs)
    client.async_read(flat_buffer(), rc)
    client.async_ping(b"p1", p)
    settle(ioc)
    assert not p.ec
    assert seen == [("server", frame_type.ping, b"p1"), ("client", frame_type.pong, b"p1")]
    c = Rec()
    server.async_pong("hb", Rec())
    settle(ioc)
    client.async_close(close_reason(close_code.going_away, "bye"), c)
    run(ioc)
    assert seen[2:] == [
        ("client", frame_type.pong, b"hb"),
        ("server", frame_type.close, b"bye"),
        ("client", frame_type.close, b""),  # the echo carries the code only
    ]
    assert not c.ec and rs.ec == error.closed and rc.ec == error.closed
    client.control_callback()
    assert client._ctrl_cb is None
    with pytest.raises(TypeError, match="callable"):
        client.control_callback(42)  # type: ignore[arg-type]


def test_control_callback_never_runs_inside_the_initiating_call(
    ioc: asiolike.io_context,
) -> None:
    _, server, _, b = _open(ioc)
    state = {"returned": False}
    seen: list[bool] = []
    server.control_callback(lambda kind, payload: seen.append(state["returned"]))
    b.append(frame(10, b"pong", masked=True) + frame(2, b"x", masked=True))
    r = Rec(r1=True)
    server.async_read(flat_buffer(), r)
    state["returned"] = True
    r.started()
    run(ioc)
    assert seen == [True]
    assert r.once[1] == 1


def test_ping_waits_for_the_message_being_written(ioc: asiolike.io_context) -> None:
    client, _, a, b = _open(ioc)
    a.write_size(3)  # the message goes out 3 bytes per step: the write stays pending
    order: list[str] = []
    client.binary(True)
    client.async_write(b"0123456789" * 3, lambda ec, n: order.append("write"))
    client.async_ping(b"pp", lambda ec: order.append(f"ping {ec.name()}"))
    run(ioc)
    assert order == ["write", "ping success"]
    wire = b.bytes()
    message_len = 2 + 4 + 30
    assert wire[0] == 0x82 and (wire[message_len] & 0x0F) == 9  # message first, then ping
    assert len(wire) == message_len + 2 + 4 + 2


def test_unsolicited_pong_and_payload_rules(ioc: asiolike.io_context) -> None:
    _, server, a, _ = _open(ioc)
    h = Rec()
    server.async_pong("beat", h)
    run(ioc)
    assert not h.ec and a.bytes() == frame(10, b"beat")
    with pytest.raises(ValueError, match="at most 125"):
        server.async_ping(b"x" * 126, Rec())
    with pytest.raises(TypeError, match="bytes-like or a str"):
        server.async_ping(12, Rec())  # type: ignore[arg-type]
    p1 = Rec()
    server.async_ping(b"x" * 125, p1)
    with pytest.raises(RuntimeError, match="already pending"):
        server.async_pong(b"", Rec())
    run(ioc)
    assert not p1.ec


def test_pings_are_ignored_while_closing(ioc: asiolike.io_context) -> None:
    client, _, a, b = _open(ioc)
    seen: list[Any] = []
    client.control_callback(lambda kind, payload: seen.append(kind))
    a.append(frame(9, b"late") + frame(8, struct.pack("!H", 1000)))
    c = Rec()
    client.async_close(close_code.normal, c)
    run(ioc)
    assert not c.ec
    assert seen == []
    assert b.bytes()[0] == 0x88 and len(b.bytes()) == 2 + 4 + 2  # our close, no pong


def test_ping_after_close_is_aborted(ioc: asiolike.io_context) -> None:
    client, server, _, _ = _open(ioc)
    c, r = Rec(), Rec()
    server.async_read(flat_buffer(), r)
    client.async_close(close_code.normal, c)
    run(ioc)
    p = Rec(r1=True)
    client.async_ping(b"", p)
    p.started()
    run(ioc)
    assert p.ec == operation_aborted
    with pytest.raises(asiolike.system_error) as info:
        client.ping()
    assert info.value.code == operation_aborted


def test_automatic_pong_waits_for_the_message_being_written(ioc: asiolike.io_context) -> None:
    _, server, a, b = _open(ioc)
    b.write_size(5)  # the server's message goes out 5 bytes per step
    server.binary(True)
    w, r = Rec(), Rec()
    server.async_write(b"m" * 40, w)
    server.async_read(flat_buffer(), r)
    b.append(frame(9, b"pi", masked=True))
    settle(ioc)
    assert w.once[1] == 40
    wire = a.bytes()
    assert wire == frame(2, b"m" * 40) + frame(10, b"pi")  # the pong after the message
    assert r.calls == []
    b.append(frame(2, b"!", masked=True))
    run(ioc)
    assert r.once[1] == 1


def test_sync_read_answers_pings(ioc: asiolike.io_context) -> None:
    _, server, a, b = _open(ioc)
    seen: list[Any] = []
    server.control_callback(lambda kind, payload: seen.append((kind, payload)))
    b.append(frame(9, b"q", masked=True) + frame(1, b"abcdef", masked=True))
    buf = flat_buffer()
    assert server.read_some(buf, 4) == 4
    assert not server.is_message_done()
    assert server.read_some(buf) == 2 and server.is_message_done()
    assert bytes(buf.data()) == b"abcdef"
    assert a.bytes() == frame(10, b"q")
    assert seen == [(frame_type.ping, b"q")]
    b.append(frame(1, b"xyz", masked=True))
    target = bytearray(2)
    assert server.read_some(target) == 2 and target == b"xy"
    assert server.read_some(bytearray(0)) == 0
    server.pong(b"z")
    assert a.bytes().endswith(frame(10, b"z"))
