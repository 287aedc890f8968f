"""Tests for asiolike.beast.core.ssl_stream: TLS over a beast.tcp_stream.

The point of the class: the tcp_stream's expiry bounds every step of the TLS handshake,
so a peer that accepts the connection and then says nothing ends the handshake with
``beast.error.timeout``. Real sockets on 127.0.0.1; the silent peer is a plain Python
socket; the talking peer is an ``ssl.stream`` on the same io_context.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

import asiolike
from asiolike import beast, error, ssl
from asiolike.beast.core.ssl_stream import ssl_stream
from asiolike.ip import tcp
from tests.ssl.pki import TestPKI, make_test_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return make_test_pki(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.create_server(("127.0.0.1", 0))
    try:
        yield sock
    finally:
        sock.close()


def _contexts(pki: TestPKI) -> tuple[ssl.context, ssl.context]:
    server = ssl.context(ssl.context.tls_server)
    server.use_certificate_chain_file(pki.server_cert)
    server.use_private_key_file(pki.server_key, ssl.context.pem)
    client = ssl.context(ssl.context.tls_client)
    client.set_verify_mode(ssl.verify_peer)
    client.load_verify_file(pki.ca)
    return server, client


def _endpoint(sock: socket.socket) -> tcp.endpoint:
    return tcp.endpoint("127.0.0.1", sock.getsockname()[1])


def test_made_from_an_executor_over_a_tcp_stream(ioc: asiolike.io_context, pki: TestPKI) -> None:
    _, cctx = _contexts(pki)
    strand = asiolike.make_strand(ioc)
    s = ssl_stream(strand, cctx)
    assert isinstance(s, ssl.stream)
    assert isinstance(s.next_layer(), beast.tcp_stream)
    assert beast.get_lowest_layer(s) is s.next_layer()
    assert s.lowest_layer() is s.next_layer()
    assert s.get_executor() is strand
    assert repr(s).startswith("<asiolike.beast.ssl_stream not started over <beast.tcp_stream")
    inner = beast.tcp_stream(ioc)
    assert ssl_stream(inner, cctx).next_layer() is inner


def test_handshake_timeout_from_the_tcp_stream(
    ioc: asiolike.io_context, pki: TestPKI, listener: socket.socket
) -> None:
    _, cctx = _contexts(pki)
    s = ssl_stream(ioc, cctx)
    s.set_server_name("localhost")
    results: list[Any] = []

    def on_handshake(ec: asiolike.error_code) -> None:
        results.append(ec)

    def on_connect(ec: asiolike.error_code) -> None:
        assert not ec
        # The peer accepted (in the kernel) but never answers the ClientHello.
        beast.get_lowest_layer(s).expires_after(0.1)
        s.async_handshake(ssl.stream_base.client, on_handshake)

    beast.get_lowest_layer(s).async_connect(_endpoint(listener), on_connect)
    ioc.run_for(5)
    assert results == [beast.error.timeout]
    assert not s.next_layer().socket().is_open()  # the timeout closed it


def test_handshake_without_timeout_waits_until_the_peer_closes(
    ioc: asiolike.io_context, pki: TestPKI, listener: socket.socket
) -> None:
    _, cctx = _contexts(pki)
    s = ssl_stream(ioc, cctx)
    results: list[Any] = []
    s.next_layer().connect(_endpoint(listener))
    peer, _ = listener.accept()
    try:
        s.async_handshake(ssl.stream_base.client, results.append)
        ioc.run_for(0.1)
        assert results == [] and ioc.has_outstanding_work()
        ioc.restart()
        hello = peer.recv(5)
        assert hello[:1] == b"\x16"  # the ClientHello arrived: a handshake record
        left = int.from_bytes(hello[3:5], "big")
        while left:  # read all of it, so that closing sends FIN rather than RST
            left -= len(peer.recv(left))
        peer.close()  # and the peer leaves without a word
        ioc.run_for(5)
    finally:
        peer.close()
    assert results == [ssl.error.stream_truncated]
    s.next_layer().close()


def test_full_exchange_with_expiry_on_every_step(ioc: asiolike.io_context, pki: TestPKI) -> None:
    sctx, cctx = _contexts(pki)
    acceptor = tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0))
    client = ssl_stream(ioc, cctx)
    client.set_verify_callback(ssl.host_name_verification("localhost"))
    results: dict[str, Any] = {}
    server_box: list[ssl.stream] = []
    buf = bytearray(5)

    def on_accept(ec: asiolike.error_code, sock: tcp.socket) -> None:
        acceptor.close()
        server = ssl_stream(beast.tcp_stream(sock), sctx)
        server_box.append(server)
        beast.get_lowest_layer(server).expires_after(5)
        server.async_handshake(ssl.stream_base.server, on_server_handshake)

    def on_server_handshake(ec: asiolike.error_code) -> None:
        results["server handshake"] = ec
        asiolike.async_read(server_box[0], buf, on_server_read)

    def on_server_read(ec: asiolike.error_code, n: int) -> None:
        results["server read"] = (ec, bytes(buf))
        server_box[0].async_shutdown(lambda ec: results.__setitem__("server shutdown", ec))

    def on_connect(ec: asiolike.error_code) -> None:
        beast.get_lowest_layer(client).expires_after(5)
        client.async_handshake(ssl.stream_base.client, on_client_handshake)

    def on_client_handshake(ec: asiolike.error_code) -> None:
        results["client handshake"] = ec
        asiolike.async_write(client, b"hello", on_client_write)

    def on_client_write(ec: asiolike.error_code, n: int) -> None:
        client.async_shutdown(on_client_shutdown)

    def on_client_shutdown(ec: asiolike.error_code) -> None:
        results["client shutdown"] = ec
        beast.get_lowest_layer(client).close()

    acceptor.async_accept(on_accept)
    beast.get_lowest_layer(client).async_connect(acceptor.local_endpoint(), on_connect)
    ioc.run_for(5)
    assert results == {
        "server handshake": error.success,
        "client handshake": error.success,
        "server read": (error.success, b"hello"),
        "server shutdown": error.success,
        "client shutdown": error.success,
    }
    beast.get_lowest_layer(server_box[0]).close()
