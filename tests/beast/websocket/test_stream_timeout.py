"""``websocket.stream`` timeouts (``stream_base.timeout``): handshake, idle, keep-alive, close."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest

import asiolike
from asiolike import testing
from asiolike.beast.core import error as beast_error
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.core.role import role_type
from asiolike.beast.core.tcp_stream import tcp_stream
from asiolike.beast.websocket import (
    close_code,
    error,
    frame_type,
    permessage_deflate,
    stream,
    stream_base,
)
from asiolike.error import operation_aborted

from .test_stream_support import Rec, run, tcp_pair, ws_pair

T = stream_base.timeout


def _open(ioc: asiolike.io_context) -> tuple[stream, stream, Any, Any]:
    client, server, a, b = ws_pair(ioc)
    h1, h2 = Rec(), Rec()
    server.async_accept(h1)
    client.async_handshake("localhost", "/", h2)
    run(ioc)
    assert not h1.ec and not h2.ec
    return client, server, a, b


def test_options() -> None:
    assert T.suggested(role_type.client) == T(30, None, False)
    assert T.suggested(role_type.server) == T(30, 300, True)
    assert stream_base.none() is None
    t = T(datetime.timedelta(milliseconds=1500), stream_base.none(), True)
    assert t.handshake_timeout == 1.5 and t.idle_timeout is None and t.keep_alive_pings
    with pytest.raises(ValueError, match=">= 0"):
        T(-1)
    with pytest.raises(TypeError, match="seconds"):
        T("5")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="role_type"):
        T.suggested("server")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="callable"):
        stream_base.decorator(3)  # type: ignore[arg-type]


def test_set_and_get_option(ioc: asiolike.io_context) -> None:
    ws = stream(testing.stream(ioc))
    assert ws.get_option(T) == T(None, None, False)
    opt = T(1, 2, True)
    ws.set_option(opt)
    got = ws.get_option(stream.timeout)
    assert got == opt and got is not opt
    ws.set_option(permessage_deflate(client_enable=True, comp_level=3))
    p = ws.get_option(permessage_deflate)
    assert p.client_enable and p.comp_level == 3
    with pytest.raises(TypeError, match="set_option"):
        ws.set_option(42)
    with pytest.raises(TypeError, match="get_option"):
        ws.get_option(stream_base.decorator)


def test_handshake_timeout_client(ioc: asiolike.io_context) -> None:
    client, _, _a, _ = ws_pair(ioc)
    client.set_option(T(0.1, None, False))
    h = Rec()
    t0 = time.monotonic()
    client.async_handshake("localhost", "/", h)
    run(ioc)
    assert h.ec == beast_error.timeout
    assert 0.09 <= time.monotonic() - t0 < 2
    assert not client.is_open()


def test_handshake_timeout_server(ioc: asiolike.io_context) -> None:
    _, server, _, _ = ws_pair(ioc)
    server.set_option(T.suggested(role_type.server))
    server.set_option(T(0.1, 300, True))
    h = Rec()
    server.async_accept(h)
    run(ioc)
    assert h.ec == beast_error.timeout


def test_idle_timeout_on_silence(ioc: asiolike.io_context) -> None:
    client, server, _, _ = _open(ioc)
    server.set_option(T(None, 0.3, False))
    timer = asiolike.steady_timer(ioc)
    got: list[Any] = []
    buf = flat_buffer()

    def on_read(ec: Any, n: int) -> None:
        got.append((ec, time.monotonic()))
        if not ec:
            buf.consume(n)
            server.async_read(buf, on_read)

    sent = [0]

    def tick(ec: Any) -> None:
        if sent[0] < 4:
            sent[0] += 1
            client.async_write(b"tick", lambda ec, n: None)
            timer.expires_after(0.1)
            timer.async_wait(tick)

    t0 = time.monotonic()
    server.async_read(buf, on_read)
    timer.expires_after(0.1)
    timer.async_wait(tick)
    run(ioc)
    assert [ec for ec, _ in got] == [asiolike.error.success] * 4 + [beast_error.timeout]
    # Data every 0.1 s kept it alive for 0.4 s; then 0.3 s of silence ended it.
    assert got[-1][1] - got[-2][1] >= 0.29
    assert got[-1][1] - t0 < 2
    again = Rec()
    server.async_read(buf, again)
    run(ioc)
    assert again.ec == operation_aborted


def test_keep_alive_pings_keep_a_responsive_peer(ioc: asiolike.io_context) -> None:
    client, server, _, _ = _open(ioc)
    server.set_option(T(None, 0.2, True))
    pings: list[frame_type] = []
    client.control_callback(lambda kind, payload: pings.append(kind))
    rs, rc = Rec(), Rec()
    server.async_read(flat_buffer(), rs)
    client.async_read(flat_buffer(), rc)  # a pending read answers the pings
    timer = asiolike.steady_timer(ioc, 0.55)
    timer.async_wait(lambda ec: client.async_close(close_code.normal, Rec()))
    run(ioc)
    assert rs.ec == error.closed and rc.ec == error.closed
    assert pings.count(frame_type.ping) >= 3


def test_keep_alive_pings_give_up_on_a_silent_peer(ioc: asiolike.io_context) -> None:
    _, server, a, _ = _open(ioc)
    server.set_option(T(None, 0.2, True))
    r = Rec()
    t0 = time.monotonic()
    server.async_read(flat_buffer(), r)
    run(ioc)
    assert r.ec == beast_error.timeout
    assert 0.19 <= time.monotonic() - t0 < 2
    assert a.bytes() == b"\x89\x00"  # the one keep-alive ping


def test_closing_timeout(ioc: asiolike.io_context) -> None:
    client, _, _, _ = _open(ioc)
    client.set_option(T(0.1, None, False))
    c = Rec()
    client.async_close(close_code.normal, c)  # the server never answers
    run(ioc)
    assert c.ec == beast_error.timeout


def test_idle_timeout_over_tcp_stream(ioc: asiolike.io_context) -> None:
    csock, ssock = tcp_pair(ioc)
    server = stream(tcp_stream(ssock))
    client = stream(tcp_stream(csock))
    server.next_layer().expires_never()
    h1, h2 = Rec(), Rec()
    server.async_accept(h1)
    client.async_handshake("127.0.0.1", "/", h2)
    run(ioc)
    assert not h1.ec and not h2.ec
    server.set_option(T(None, 0.15, False))
    r = Rec()
    server.async_read(flat_buffer(), r)
    run(ioc)
    assert r.ec == beast_error.timeout
    assert not ssock.is_open()
    csock.close()


def test_disabling_timeouts_releases_the_context(ioc: asiolike.io_context) -> None:
    _client, server, _, _ = _open(ioc)
    server.set_option(T(None, 60, True))
    assert ioc.has_outstanding_work()  # the idle timer waits
    server.set_option(T(None, None, False))
    run(ioc)
    assert not ioc.has_outstanding_work()
