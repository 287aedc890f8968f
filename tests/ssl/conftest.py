"""Fixtures for the TLS tests: a PKI made for the session, contexts, connected stream pairs.

The PKI (a CA, a server certificate for ``localhost``/``127.0.0.1``, an expired one, a
client certificate) is generated once per session into a temporary directory, with the
``cryptography`` package if installed, else with the ``openssl`` command line
(``tests/ssl/pki.py``; see ``tests/ssl/README.md``).

Every socket and stream the fixtures make is closed at teardown, before the ``ioc``
fixture checks that no work is left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

import asiolike
from asiolike import ssl, testing
from asiolike.ip import tcp
from tests.ssl.pairs import Closer, Handshaken, handshake_pair
from tests.ssl.pki import TestPKI, make_test_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    """The session's test PKI (paths of PEM files)."""
    return make_test_pki(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def server_ctx(pki: TestPKI) -> ssl.context:
    """A server context with the CA-signed ``localhost`` certificate."""
    ctx = ssl.context(ssl.context.tls_server)
    ctx.use_certificate_chain_file(pki.server_cert)
    ctx.use_private_key_file(pki.server_key, ssl.context.pem)
    return ctx


@pytest.fixture
def client_ctx(pki: TestPKI) -> ssl.context:
    """A client context that verifies the server against the test CA."""
    ctx = ssl.context(ssl.context.tls_client)
    ctx.set_verify_mode(ssl.verify_peer)
    ctx.load_verify_file(pki.ca)
    return ctx


@pytest.fixture
def closer(ioc: asiolike.io_context) -> Iterator[Closer]:
    """``closer(obj)`` registers ``obj`` (returned) to be closed after the test."""
    c = Closer()
    try:
        yield c
    finally:
        c.close_all()


@pytest.fixture
def tcp_pair(
    ioc: asiolike.io_context, closer: Closer
) -> Callable[[], tuple[tcp.socket, tcp.socket]]:
    """``tcp_pair()`` -> ``(client, server)``: connected TCP sockets over 127.0.0.1."""

    def make() -> tuple[tcp.socket, tcp.socket]:
        acceptor = tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0))
        try:
            client = closer(tcp.socket(ioc))
            client.connect(acceptor.local_endpoint())
            server = closer(acceptor.accept())
        finally:
            acceptor.close()
        return client, server

    return make


@pytest.fixture
def mem_pair(
    ioc: asiolike.io_context, closer: Closer
) -> Callable[[], tuple[testing.stream, testing.stream]]:
    """``mem_pair()`` -> ``(client, server)``: connected in-memory test streams."""

    def make() -> tuple[testing.stream, testing.stream]:
        a = closer(testing.stream(ioc))
        b = closer(testing.connect(a))
        return a, b

    return make


@pytest.fixture
def tls_mem(
    ioc: asiolike.io_context,
    mem_pair: Callable[[], tuple[testing.stream, testing.stream]],
    client_ctx: ssl.context,
    server_ctx: ssl.context,
) -> Handshaken:
    """TLS streams over connected test streams, handshakes done (client checks localhost)."""
    a, b = mem_pair()
    client = ssl.stream(a, client_ctx)
    client.set_verify_callback(ssl.host_name_verification("localhost"))
    server = ssl.stream(b, server_ctx)
    cec, sec = handshake_pair(ioc, client, server)
    assert not cec and not sec, (cec, sec)
    return Handshaken(client, server)


@pytest.fixture
def tls_tcp(
    ioc: asiolike.io_context,
    tcp_pair: Callable[[], tuple[tcp.socket, tcp.socket]],
    client_ctx: ssl.context,
    server_ctx: ssl.context,
) -> Handshaken:
    """TLS streams over connected TCP sockets, handshakes done."""
    a, b = tcp_pair()
    client = ssl.stream(a, client_ctx)
    client.set_verify_callback(ssl.host_name_verification("localhost"))
    server = ssl.stream(b, server_ctx)
    cec, sec = handshake_pair(ioc, client, server)
    assert not cec and not sec, (cec, sec)
    return Handshaken(client, server)
