"""Every ``fail()`` path of the examples' sessions closes the connection at once (issue 15).

A Beast session that fails reports it and returns; its last ``shared_ptr`` goes and the
destructor closes the socket. A Python session dropped so is freed by reference counting
(rule R10), but one that sits in a reference cycle (an attribute that names the session, a
closure, a traceback) waits for the cyclic garbage collector, and its descriptor with it.
So the examples close the connection explicitly on every failure path.

Each case here runs an example's listener, or client session, in this process with the
cyclic collector off and every session class of the example patched to refer to itself
(a cycle); a peer on a plain blocking socket, in a thread, makes a session fail at one
step (garbage, a refused upgrade, a connection cut in the middle of a message) and then
waits for the example to close its side. A session that only returned would keep the
connection open for as long as the collector stays off: the peer's read times out and the
case fails. Each case also checks that the failure was reported as the example's
``fail(ec, what)`` does (so the path tested is the one named), and that the session
objects were still alive at the end (so the close came from the session, not from
reference counting).
"""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import asiolike as net
from asiolike import beast, ssl
from asiolike.beast import websocket
from asiolike.ip import make_address, tcp
from examples import (
    advanced_server_flex,
    echo_client_async,
    http_client_async,
    http_client_awaitable,
    http_server_async,
    http_server_awaitable,
    https_client_async,
    timeout_tcp_stream,
    websocket_client_async,
    websocket_client_async_ssl,
    websocket_client_awaitable,
    websocket_server_async,
    websocket_server_async_ssl,
    websocket_server_awaitable,
    websocket_server_chat,
)
from tests.ssl.pki import TestPKI, make_test_pki
from tests.support.lifetimes import gc_disabled

#: How long a peer waits for the example to close the connection (and any other wait).
BOUND = 5.0

_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
UPGRADE = (
    "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    f"Sec-WebSocket-Key: {_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
).encode()
# An upgrade request without its Sec-WebSocket-Key: the WebSocket accept refuses it.
UPGRADE_WITHOUT_KEY = (
    b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Version: 13\r\n\r\n"
)
NOT_AN_UPGRADE = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
NOT_HTTP = b"\x01\x02 this is not HTTP\r\n\r\n"
# What async_detect_ssl looks at (a handshake record, a ClientHello's type), then garbage.
NOT_A_CLIENT_HELLO = b"\x16\x03\x01\x00\x30\x01\x00\x00\x2c" + b"\xff" * 44
# Answers to a client: a bad Content-Length, and a refused upgrade.
NOT_A_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"
NOT_A_101 = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
# A masked binary frame cut inside its extended length.
CUT_FRAME = b"\x82\xfe\x10"

Peer = Callable[[socket.socket], None]


def _params(cases: list[tuple[str, str, Peer, str]]) -> list[Any]:
    """``(example, peer, expected)`` parameters, each named ``example: what the peer does``."""
    return [pytest.param(e, p, x, id=f"{e}: {case}") for e, case, p, x in cases]


# -- the peers ------------------------------------------------------------------------------


def _read_header(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"the connection ended in the middle of a header: {data!r}"
        data += chunk
    return data


def _sends(data: bytes, half_close: bool = False) -> Peer:
    """A peer that sends ``data`` (then, with ``half_close``, shuts its sending side)."""

    def peer(sock: socket.socket) -> None:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)

    return peer


def _upgrades_then_cuts(sock: socket.socket) -> None:
    """Complete the WebSocket handshake, then end the connection inside a frame."""
    sock.sendall(UPGRADE)
    assert _read_header(sock).startswith(b"HTTP/1.1 101"), "the upgrade was refused"
    sock.sendall(CUT_FRAME)
    sock.shutdown(socket.SHUT_WR)


def _answers(data: bytes, half_close: bool = False) -> Peer:
    """A server-side peer: read the request's header (or TLS hello), answer ``data``."""

    def peer(sock: socket.socket) -> None:
        sock.recv(4096)
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)

    return peer


def _accepts_the_upgrade_then_cuts(sock: socket.socket) -> None:
    """Answer a client's upgrade with a valid 101, then end the connection."""
    request = _read_header(sock).decode("latin-1")
    key = next(
        line.split(":", 1)[1].strip()
        for line in request.split("\r\n")
        if line.lower().startswith("sec-websocket-key:")
    )
    guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    accept = base64.b64encode(hashlib.sha1((key + guid).encode()).digest()).decode()
    sock.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
    )
    sock.shutdown(socket.SHUT_WR)


def _closed_by_the_example(sock: socket.socket) -> bool:
    """Read until the example closes the connection: False if it stays open for BOUND."""
    sock.settimeout(BOUND)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass  # closed with our bytes unread: the kernel resets
    except TimeoutError:
        return False
    return True


def _connects(port: int, peer: Peer, closed: list[bool]) -> Callable[[], None]:
    """A server's other side: connect, play ``peer``, note whether the server closed."""

    def other_side() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as sock:
            peer(sock)
            closed.append(_closed_by_the_example(sock))

    return other_side


def _accepts(listening: socket.socket, peer: Peer, closed: list[bool]) -> Callable[[], None]:
    """A client's other side: accept on ``listening``, play ``peer``, note the close."""

    def other_side() -> None:
        listening.settimeout(BOUND)
        with listening:
            sock, _ = listening.accept()
        with sock:
            sock.settimeout(BOUND)
            peer(sock)
            closed.append(_closed_by_the_example(sock))

    return other_side


# -- running an example in this process -----------------------------------------------------


def _in_a_cycle(monkeypatch: pytest.MonkeyPatch, classes: list[type], alive: list[Any]) -> None:
    """Make every instance of ``classes`` refer to itself; keep a weak reference to it."""
    for cls in classes:
        init = cls.__init__

        def cyclic_init(self: Any, *args: Any, __init: Any = init, **kwargs: Any) -> None:
            __init(self, *args, **kwargs)
            self.test_cycle = self
            alive.append(weakref.ref(self))

        monkeypatch.setattr(cls, "__init__", cyclic_init)


def _run_beside(ioc: net.io_context, peer: Callable[[], None]) -> None:
    """Run ``ioc`` until ``peer`` (in a thread) has returned; re-raise what it raised."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            peer()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    deadline = time.monotonic() + 2 * BOUND
    while thread.is_alive():
        assert time.monotonic() < deadline, "the peer did not finish"
        if ioc.stopped():
            ioc.restart()
        ioc.run_for(0.02)
        if ioc.stopped():  # no work left: let the peer finish its read
            thread.join(0.02)
    if errors:
        raise errors[0]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return make_test_pki(str(tmp_path_factory.mktemp("pki")))


def _server_ctx(pki: TestPKI) -> ssl.context:
    ctx = ssl.context(ssl.context.tls_server)
    ctx.use_certificate_chain_file(pki.server_cert)
    ctx.use_private_key_file(pki.server_key, ssl.context.pem)
    return ctx


def _client_ctx(pki: TestPKI) -> ssl.context:
    ctx = ssl.context(ssl.context.tls_client)
    ctx.load_verify_file(pki.ca)
    ctx.set_verify_mode(ssl.verify_peer)
    return ctx


# -- the servers ----------------------------------------------------------------------------

_ANY = make_address("127.0.0.1")


def _listener(name: str, ioc: net.io_context, pki: TestPKI, root: str) -> Any:
    ep = tcp.endpoint(_ANY, 0)
    if name == "websocket_server_async":
        return websocket_server_async.listener(ioc, ep)
    if name == "http_server_async":
        return http_server_async.listener(ioc, ep, root)
    if name == "websocket_server_async_ssl":
        return websocket_server_async_ssl.listener(ioc, _server_ctx(pki), ep)
    if name == "advanced_server_flex":
        return advanced_server_flex.listener(ioc, _server_ctx(pki), ep, root)
    assert name == "websocket_server_chat"
    return websocket_server_chat.listener(ioc, ep, websocket_server_chat.shared_state(root))


_SESSIONS: dict[str, list[type]] = {
    "websocket_server_async": [websocket_server_async.session],
    "http_server_async": [http_server_async.session],
    "websocket_server_async_ssl": [websocket_server_async_ssl.session],
    "advanced_server_flex": [
        advanced_server_flex.detect_session,
        advanced_server_flex.http_session,
        advanced_server_flex.websocket_session,
    ],
    "websocket_server_chat": [
        websocket_server_chat.http_session,
        websocket_server_chat.websocket_session,
    ],
}

#: (example, what the peer does, the ``what`` its failure is reported with)
SERVER_CASES: list[tuple[str, str, Peer, str]] = [
    ("websocket_server_async", "not an upgrade", _sends(NOT_AN_UPGRADE), "accept"),
    ("websocket_server_async", "cut in a frame", _upgrades_then_cuts, "read"),
    ("http_server_async", "not HTTP", _sends(NOT_HTTP), "read"),
    ("http_server_async", "cut in a request", _sends(NOT_AN_UPGRADE[:20], True), "read"),
    ("websocket_server_async_ssl", "not TLS", _sends(NOT_HTTP), "handshake"),
    ("advanced_server_flex", "cut before detection", _sends(b"", True), "detect"),
    ("advanced_server_flex", "not HTTP", _sends(NOT_HTTP), "read"),
    ("advanced_server_flex", "not a ClientHello", _sends(NOT_A_CLIENT_HELLO), "handshake"),
    ("advanced_server_flex", "upgrade without key", _sends(UPGRADE_WITHOUT_KEY), "accept"),
    ("advanced_server_flex", "cut in a frame", _upgrades_then_cuts, "read"),
    ("websocket_server_chat", "not HTTP", _sends(NOT_HTTP), "read"),
    ("websocket_server_chat", "upgrade without key", _sends(UPGRADE_WITHOUT_KEY), "accept"),
    ("websocket_server_chat", "cut in a frame", _upgrades_then_cuts, "read"),
]


@pytest.mark.parametrize(
    ("example", "peer", "what"),
    _params(SERVER_CASES),
)
def test_a_failing_server_session_closes_its_connection(
    example: str,
    peer: Peer,
    what: str,
    pki: TestPKI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    alive: list[Any] = []
    _in_a_cycle(monkeypatch, _SESSIONS[example], alive)
    closed: list[bool] = []
    with gc_disabled():
        ioc = net.io_context()
        lst = _listener(example, ioc, pki, str(tmp_path))
        lst.run()
        _run_beside(ioc, _connects(lst.local_endpoint().port(), peer, closed))
        err = capsys.readouterr().err  # before the listener reports its aborted accept
        assert any(ref() is not None for ref in alive), "no session was kept by its cycle"
        lst.acceptor.close()
        ioc.run_for(0.1)
    ioc.close()
    assert closed == [True], f"the session kept its connection open after failing:\n{err}"
    assert f"{what}: " in err, err


# -- the clients ----------------------------------------------------------------------------


def _start_client(name: str, ioc: net.io_context, port: int, pki: TestPKI) -> None:
    host, service = "127.0.0.1", str(port)
    if name == "websocket_client_async":
        websocket_client_async.session(ioc).run(host, service, "hello")
    elif name == "http_client_async":
        http_client_async.session(ioc).run(host, service, "/", 11)
    elif name == "timeout_tcp_stream":
        timeout_tcp_stream.session(ioc, BOUND).run(host, service)
    elif name == "echo_client_async":
        echo_client_async.client(ioc).run(host, service, b"hello")
    elif name == "https_client_async":
        https_client_async.session(ioc, _client_ctx(pki)).run("localhost", service, "/", 11)
    else:
        assert name == "websocket_client_async_ssl"
        websocket_client_async_ssl.session(ioc, _client_ctx(pki)).run("localhost", service, "hi")


_CLIENT_SESSIONS: dict[str, type] = {
    "websocket_client_async": websocket_client_async.session,
    "http_client_async": http_client_async.session,
    "timeout_tcp_stream": timeout_tcp_stream.session,
    "echo_client_async": echo_client_async.client,
    "https_client_async": https_client_async.session,
    "websocket_client_async_ssl": websocket_client_async_ssl.session,
}


CLIENT_CASES: list[tuple[str, str, Peer, str]] = [
    ("websocket_client_async", "no 101", _answers(NOT_A_101), "handshake"),
    ("websocket_client_async", "cut after the 101", _accepts_the_upgrade_then_cuts, "read"),
    ("http_client_async", "not a response", _answers(NOT_A_RESPONSE), "read"),
    ("timeout_tcp_stream", "not a response", _answers(NOT_A_RESPONSE), "read"),
    ("echo_client_async", "a short echo", _answers(b"he", True), "read"),
    ("https_client_async", "not TLS", _answers(NOT_HTTP), "handshake"),
    ("websocket_client_async_ssl", "not TLS", _answers(NOT_HTTP), "ssl_handshake"),
]


@pytest.mark.parametrize(
    ("example", "peer", "what"),
    _params(CLIENT_CASES),
)
def test_a_failing_client_session_closes_its_connection(
    example: str,
    peer: Peer,
    what: str,
    pki: TestPKI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    alive: list[Any] = []
    _in_a_cycle(monkeypatch, [_CLIENT_SESSIONS[example]], alive)
    closed: list[bool] = []
    with gc_disabled():
        listening = socket.create_server(("127.0.0.1", 0))
        ioc = net.io_context()
        _start_client(example, ioc, listening.getsockname()[1], pki)
        _run_beside(ioc, _accepts(listening, peer, closed))
        assert any(ref() is not None for ref in alive), "no session was kept by its cycle"
        ioc.run_for(0.1)
    ioc.close()
    err = capsys.readouterr().err
    assert closed == [True], f"the session kept its connection open after failing:\n{err}"
    assert f"{what}: " in err, err


# -- the coroutine sessions -----------------------------------------------------------------
#
# Their failures are exceptions. Whoever keeps the exception (here the test's completion
# handler; in the library, a traceback that may sit in a cycle) keeps the coroutine's frame
# and its stream with it: the stream must have been closed by the session itself.


def _spawn(name: str, ioc: net.io_context, port: int, kept: list[BaseException]) -> int:
    """Spawn the example's ``do_session``; a server's on the first connection accepted.

    Args:
        port: Where a client connects (a server listens on a free port).

    Returns:
        The port a server listens on (``port`` for a client).
    """

    def done(error: BaseException | None, result: None = None) -> None:
        if error is not None:
            kept.append(error)

    if name == "websocket_client_awaitable":
        net.co_spawn(ioc, websocket_client_awaitable.do_session("127.0.0.1", str(port), "hi"), done)
        return port
    if name == "http_client_awaitable":
        net.co_spawn(ioc, http_client_awaitable.do_session("127.0.0.1", str(port), "/", 11), done)
        return port
    acceptor = tcp.acceptor(ioc, tcp.endpoint(_ANY, 0))

    def on_accept(ec: net.error_code, sock: tcp.socket) -> None:
        acceptor.close()
        assert not ec, ec
        if name == "websocket_server_awaitable":
            ws = websocket.stream(beast.tcp_stream(sock))
            net.co_spawn(ioc, websocket_server_awaitable.do_session(ws), done)
        else:
            stream = beast.tcp_stream(sock)
            net.co_spawn(ioc, http_server_awaitable.do_session(stream, "."), done)

    acceptor.async_accept(on_accept)
    return acceptor.local_endpoint().port()


#: (example, what the peer does, the error the session raises)
COROUTINE_CASES: list[tuple[str, str, Peer, str]] = [
    ("websocket_server_awaitable", "not an upgrade", _sends(NOT_AN_UPGRADE), "no_connection"),
    ("websocket_server_awaitable", "cut in a frame", _upgrades_then_cuts, "eof"),
    ("http_server_awaitable", "not HTTP", _sends(NOT_HTTP), "bad_method"),
    ("websocket_client_awaitable", "no 101", _answers(NOT_A_101), "upgrade_declined"),
    ("http_client_awaitable", "not a response", _answers(NOT_A_RESPONSE), "bad_content_length"),
]


@pytest.mark.parametrize(
    ("example", "peer", "error"),
    _params(COROUTINE_CASES),
)
def test_a_failing_coroutine_session_closes_its_connection(
    example: str, peer: Peer, error: str
) -> None:
    kept: list[BaseException] = []
    closed: list[bool] = []
    with gc_disabled():
        ioc = net.io_context()
        if "server" in example:
            other_side = _connects(_spawn(example, ioc, 0, kept), peer, closed)
        else:
            listening = socket.create_server(("127.0.0.1", 0))
            _spawn(example, ioc, listening.getsockname()[1], kept)
            other_side = _accepts(listening, peer, closed)
        _run_beside(ioc, other_side)
        ioc.run_for(0.1)
        ioc.close()
    assert len(kept) == 1 and isinstance(kept[0], net.system_error), kept
    assert kept[0].code.name() == error, kept[0]
    assert closed == [True], f"the session kept its connection open after {kept[0]!r}"
