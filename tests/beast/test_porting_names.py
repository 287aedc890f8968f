"""The names a port of Beast's examples meets first (issue 15): each was a first error once.

``beast.error_code``, ``beast.bind_front_handler``, ``beast.version_string``,
``websocket.stream(ioc)`` / ``websocket.stream(net.make_strand(ioc))``, and the
``TypeError`` of ``net.async_connect`` on a stream that connects through another call.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest

import asiolike as net
from asiolike import beast
from asiolike.beast import websocket
from asiolike.ip import make_address, tcp

BOUND = 5.0


def test_error_code_is_the_one_class() -> None:
    assert beast.error_code is net.error_code
    assert not beast.error_code()
    assert beast.error_code() == net.error_code()
    assert "error_code" in beast.__all__


def test_version_string_follows_the_package_version() -> None:
    major_minor = ".".join(net.__version__.split(".")[:2])
    assert beast.version_string == f"asiolike/{major_minor}"
    assert re.fullmatch(r"asiolike/\d+\.\d+", beast.version_string)


def test_bind_front_handler_is_partial() -> None:
    calls: list[tuple[Any, ...]] = []

    def on_read(conn: str, ec: net.error_code, n: int) -> None:
        calls.append((conn, ec, n))

    handler = beast.bind_front_handler(on_read, "c1")
    assert isinstance(handler, functools.partial)
    handler(net.error_code(), 3)
    assert calls == [("c1", net.error_code(), 3)]


def test_bind_front_handler_as_a_completion_handler(ioc: net.io_context) -> None:
    # The session shape of Beast's examples: the bound front arguments come first.
    acc = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    got: list[Any] = []

    class session:
        def __init__(self) -> None:
            self.stream = beast.tcp_stream(ioc)

        def on_connect(self, tag: str, ec: net.error_code, ep: Any) -> None:
            got.append((tag, ec, ep.port()))

    s = session()
    s.stream.async_connect([acc.local_endpoint()], beast.bind_front_handler(s.on_connect, "first"))
    ioc.run_for(BOUND)
    assert ioc.stopped()
    assert got == [("first", net.error_code(), acc.local_endpoint().port())]
    s.stream.close()
    acc.close()


@pytest.mark.parametrize("make", [lambda ioc: ioc, net.make_strand, lambda ioc: ioc.get_executor()])
def test_websocket_stream_from_a_context_or_executor(make: Any) -> None:
    ioc = net.io_context()
    try:
        arg = make(ioc)
        ws = websocket.stream(arg)
        layer = ws.next_layer()
        assert type(layer) is beast.tcp_stream
        assert beast.get_lowest_layer(ws) is layer
        expected = arg if arg is not ioc else ioc.get_executor()
        assert ws.get_executor() == expected
        assert layer.get_executor() == expected
    finally:
        ioc.close()


def test_websocket_stream_from_a_context_connects_and_handshakes(ioc: net.io_context) -> None:
    server_ws = None
    acc = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    got: list[Any] = []

    def on_accept(ec: net.error_code, sock: tcp.socket) -> None:
        nonlocal server_ws
        server_ws = websocket.stream(sock)
        server_ws.async_accept(lambda ec: got.append(("accept", ec)))

    acc.async_accept(on_accept)
    ws = websocket.stream(ioc)

    def on_connect(ec: net.error_code, ep: Any) -> None:
        got.append(("connect", ec))
        ws.async_handshake("localhost", "/", lambda ec: got.append(("handshake", ec)))

    beast.get_lowest_layer(ws).async_connect([acc.local_endpoint()], on_connect)
    ioc.run_for(BOUND)
    assert ioc.stopped()
    assert sorted(got) == [
        ("accept", net.error_code()),
        ("connect", net.error_code()),
        ("handshake", net.error_code()),
    ]
    beast.get_lowest_layer(ws).close()
    assert server_ws is not None
    server_ws.next_layer().close()
    acc.close()


def test_websocket_stream_of_something_else_is_refused() -> None:
    with pytest.raises(TypeError, match=r"websocket\.stream needs a next layer"):
        websocket.stream(object())


@pytest.mark.parametrize("call", ["async_connect", "connect"])
def test_connect_on_a_stream_names_the_fix(call: str) -> None:
    ioc = net.io_context()
    try:
        ws = websocket.stream(ioc)
        args: tuple[Any, ...] = ([],) if call == "connect" else ([], print)
        with pytest.raises(TypeError, match=rf"get_lowest_layer\(stream\)\.{call}\("):
            getattr(net, call)(ws, *args)
        with pytest.raises(TypeError, match=rf"tcp_stream connects itself: stream\.{call}\("):
            getattr(net, call)(beast.get_lowest_layer(ws), *args)
        with pytest.raises(TypeError, match=r"\(a tcp.socket\), not object$"):
            getattr(net, call)(object(), *args)
    finally:
        ioc.close()
