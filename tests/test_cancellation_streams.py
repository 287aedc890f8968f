"""Per-operation cancellation through the layered streams.

A composed operation exposes its final handler's cancellation slot, so the request reaches
the socket operation it is waiting on (``composed_op.plain_steps``): ``beast.tcp_stream``,
``ssl.stream`` and ``http.async_read`` pass terminal and partial on (as Asio's and Beast's
composed operations), a ``websocket.stream`` operation terminal only (as Beast's). Each
cancelled operation completes exactly once with ``operation_aborted``, never inside
``emit``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

import asiolike as net
from asiolike import beast, ssl
from asiolike.beast import http, websocket
from asiolike.error import operation_aborted
from asiolike.ip import make_address, tcp
from tests.ssl.pki import TestPKI, make_test_pki

T = net.cancellation_type
LOOPBACK = make_address("127.0.0.1")


class _rec:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> None:
        self.calls.append(args)


@pytest.fixture(scope="module")
def pki() -> Iterator[TestPKI]:
    with tempfile.TemporaryDirectory() as directory:
        yield make_test_pki(directory)


def _pair(ioc: net.io_context, keep: list[Any]) -> tuple[tcp.socket, tcp.socket]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
    client = tcp.socket(ioc)
    client.connect(acceptor.local_endpoint())
    server = acceptor.accept()
    acceptor.close()
    keep += [client, server]
    return client, server


def _settle(ioc: net.io_context) -> None:
    ioc.run_for(5.0)
    assert ioc.stopped()
    ioc.restart()


def _cancel_and_check(ioc: net.io_context, sig: net.cancellation_signal, rec: _rec) -> None:
    ioc.poll()
    ioc.restart()
    assert rec.calls == [], "the operation was meant to be pending"
    sig.emit(T.terminal)
    assert rec.calls == [], "the handler ran inside emit() (R1)"
    ioc.run_for(5.0)
    assert len(rec.calls) == 1 and rec.calls[0][0] == operation_aborted, rec.calls
    sig.emit(T.terminal)  # after the completion: nothing (R2)
    ioc.restart()
    ioc.poll()
    assert len(rec.calls) == 1


@pytest.mark.parametrize("deadline", [False, True], ids=["no deadline", "deadline"])
def test_tcp_stream_read(ioc: net.io_context, deadline: bool) -> None:
    keep: list[Any] = []
    try:
        _, server = _pair(ioc, keep)
        stream = beast.tcp_stream(server)
        if deadline:
            stream.expires_after(30.0)
        sig, rec = net.cancellation_signal(), _rec()
        stream.async_read_some(bytearray(8), net.bind_cancellation_slot(sig.slot(), rec))
        _cancel_and_check(ioc, sig, rec)
        assert server.is_open()
    finally:
        for obj in keep:
            obj.close()
        ioc.restart()
        ioc.run_for(5.0)


def test_ssl_stream_read(ioc: net.io_context, pki: TestPKI) -> None:
    keep: list[Any] = []
    try:
        client_sock, server_sock = _pair(ioc, keep)
        server_ctx = ssl.context(ssl.context.tls_server)
        server_ctx.use_certificate_chain_file(pki.server_cert)
        server_ctx.use_private_key_file(pki.server_key, ssl.context.pem)
        client_ctx = ssl.context(ssl.context.tls_client)
        client_ctx.load_verify_file(pki.ca)
        client_ctx.set_verify_mode(ssl.verify_peer)
        client = ssl.stream(client_sock, client_ctx)
        server = ssl.stream(server_sock, server_ctx)
        client.async_handshake(ssl.stream_base.client, lambda ec: None)
        server.async_handshake(ssl.stream_base.server, lambda ec: None)
        _settle(ioc)
        sig, rec = net.cancellation_signal(), _rec()
        server.async_read_some(bytearray(8), net.bind_cancellation_slot(sig.slot(), rec))
        _cancel_and_check(ioc, sig, rec)
    finally:
        for obj in keep:
            obj.close()
        ioc.restart()
        ioc.run_for(5.0)


def test_http_read(ioc: net.io_context) -> None:
    keep: list[Any] = []
    try:
        client, server = _pair(ioc, keep)
        client.write_some(b"GET / HTTP/1.1\r\nHo")  # a request that stops half-way
        sig, rec = net.cancellation_signal(), _rec()
        http.async_read(
            server, beast.flat_buffer(), http.request(), net.bind_cancellation_slot(sig.slot(), rec)
        )
        _cancel_and_check(ioc, sig, rec)
    finally:
        for obj in keep:
            obj.close()
        ioc.restart()
        ioc.run_for(5.0)


def test_websocket_read_terminal_only(ioc: net.io_context) -> None:
    keep: list[Any] = []
    try:
        client_sock, server_sock = _pair(ioc, keep)
        client = websocket.stream(beast.tcp_stream(client_sock))
        server = websocket.stream(beast.tcp_stream(server_sock))
        server.async_accept(lambda ec: None)
        client.async_handshake("127.0.0.1", "/", lambda ec: None)
        _settle(ioc)
        sig, rec = net.cancellation_signal(), _rec()
        server.async_read(beast.flat_buffer(), net.bind_cancellation_slot(sig.slot(), rec))
        ioc.poll()
        ioc.restart()
        sig.emit(T.partial)  # not Beast's for a WebSocket read: ignored
        sig.emit(T.total)
        ioc.poll()
        ioc.restart()
        assert rec.calls == []
        _cancel_and_check(ioc, sig, rec)
    finally:
        for obj in keep:
            obj.close()
        ioc.restart()
        ioc.run_for(5.0)
