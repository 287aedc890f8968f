"""No byte sequence from a peer raises out of ``io_context.run()`` (issue 10, items 3 and 4).

A decoder bug is simulated by making one decoder raise when it meets a marker (``POISON``)
in the peer's data, or, for TLS, on one chosen connection: over real sockets on 127.0.0.1,
two connections share one io_context; the one whose decoder faults fails with an error
code, the other goes on, ``run()`` does not raise, and the fault is logged once at ERROR
with its traceback. The WebSocket accept path is also fed hypothesis-made requests over a
socket: it ends with a documented error code or success, never an exception or a hang.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import asiolike
from asiolike import ssl
from asiolike.beast import http, websocket
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.http import _header
from asiolike.beast.websocket import _handshake, _utf8
from asiolike.beast.websocket._deflate import Inflater
from asiolike.error import error_code
from asiolike.ip import make_address, tcp
from asiolike.ssl._engine import WANT_NOTHING, engine
from asiolike.ssl.error import unexpected_result

BOUND = 5.0
POISON = "POISON"
UPGRADE = (
    "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: {connection}\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


class InjectedFault(RuntimeError):
    """The exception a poisoned decoder raises."""


def _poisoned(value: object) -> bool:
    if isinstance(value, bytes | bytearray | memoryview):
        return POISON.encode() in bytes(value)
    if isinstance(value, str):
        return POISON in value
    return False


def poison(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
    """Make ``owner.name`` raise when an argument holds the marker (else work as before)."""
    original = getattr(owner, name)

    def faulty(*args: Any, **kwargs: Any) -> Any:
        if any(_poisoned(a) for a in args):
            raise InjectedFault(f"injected fault in {name}")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, faulty)


@pytest.fixture
def decoder_errors(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[str], list[Any]]]:
    """``decoder_errors(logger)``: the ERROR records of that logger carrying our fault."""
    with caplog.at_level(logging.ERROR):

        def records(logger: str) -> list[Any]:
            return [
                r
                for r in caplog.records
                if r.name == logger
                and r.levelno == logging.ERROR
                and r.exc_info is not None
                and isinstance(r.exc_info[1], InjectedFault)
            ]

        yield records


def tcp_pair(ioc: asiolike.io_context) -> tuple[tcp.socket, tcp.socket]:
    """Two connected sockets on 127.0.0.1 (client, server), both with ``ioc``."""
    acc = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    client = tcp.socket(ioc)
    client.connect(tcp.endpoint(make_address("127.0.0.1"), acc.local_endpoint().port()))
    server = acc.accept()
    acc.close()
    return client, server


def run(ioc: asiolike.io_context) -> None:
    """Run until no work is left; an exception here is what the tests are about."""
    ioc.run_for(BOUND)
    assert ioc.stopped(), f"io_context still busy after run_for({BOUND}): {ioc!r}"
    ioc.restart()


def _write(ioc: asiolike.io_context, sock: Any, data: bytes) -> None:
    del ioc
    asiolike.async_write(sock, data, lambda ec, n: None)


# -- HTTP --------------------------------------------------------------------------------------


def _serve_requests(ioc: asiolike.io_context, raw: list[bytes]) -> list[tuple[error_code, Any]]:
    """Each raw request on its own connection, read by ``http.async_read`` on one ioc."""
    results: list[tuple[error_code, Any]] = [(asiolike.error_code(), None)] * len(raw)
    sockets = []
    for i, data in enumerate(raw):
        client, server = tcp_pair(ioc)
        sockets += [client, server]
        req = http.request()

        def on_read(ec: error_code, n: int, i: int = i, req: http.request = req) -> None:
            results[i] = (ec, req)

        http.async_read(server, flat_buffer(), req, on_read)
        _write(ioc, client, data)
    run(ioc)
    for s in sockets:
        s.close()
    return results


def test_a_header_decoder_fault_fails_only_that_request(
    ioc: asiolike.io_context,
    monkeypatch: pytest.MonkeyPatch,
    decoder_errors: Callable[[str], list[Any]],
) -> None:
    poison(monkeypatch, _header, "split_fields")
    bad = b"GET / HTTP/1.1\r\nX: POISON\r\n\r\n"
    good = b"GET / HTTP/1.1\r\nX: fine\r\n\r\n"
    (ec_bad, _), (ec_good, req) = _serve_requests(ioc, [bad, good])
    assert ec_bad == http.error.bad_value
    assert not ec_good and req["X"] == "fine"
    assert len(decoder_errors("asiolike.beast.http")) == 1


def test_a_chunk_decoder_fault_fails_only_that_request(
    ioc: asiolike.io_context,
    monkeypatch: pytest.MonkeyPatch,
    decoder_errors: Callable[[str], list[Any]],
) -> None:
    poison(monkeypatch, _header, "parse_chunk_line")
    head = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    bad = head + b"5;POISON\r\nhello\r\n0\r\n\r\n"
    good = head + b"5;ok\r\nhello\r\n0\r\n\r\n"
    (ec_bad, _), (ec_good, req) = _serve_requests(ioc, [bad, good])
    assert ec_bad == http.error.bad_chunk
    assert not ec_good and req.body == b"hello"
    assert len(decoder_errors("asiolike.beast.http")) == 1


def test_a_response_decoder_fault_fails_only_that_response(
    ioc: asiolike.io_context,
    monkeypatch: pytest.MonkeyPatch,
    decoder_errors: Callable[[str], list[Any]],
) -> None:
    poison(monkeypatch, _header, "split_fields")
    results: dict[int, tuple[error_code, http.response]] = {}
    sockets = []
    for i, body in enumerate([b"POISON", b"fine"]):
        client, server = tcp_pair(ioc)
        sockets += [client, server]
        res = http.response()

        def on_read(ec: error_code, n: int, i: int = i, res: http.response = res) -> None:
            results[i] = (ec, res)

        http.async_read(client, flat_buffer(), res, on_read)
        raw = b"HTTP/1.1 200 OK\r\nX: " + body + b"\r\nContent-Length: 2\r\n\r\nok"
        _write(ioc, server, raw)
    run(ioc)
    for s in sockets:
        s.close()
    assert results[0][0] == http.error.bad_value
    assert not results[1][0] and results[1][1].body == b"ok"
    assert len(decoder_errors("asiolike.beast.http")) == 1


# -- WebSocket ---------------------------------------------------------------------------------


def _open(
    ioc: asiolike.io_context, options: list[Any] | None = None
) -> tuple[websocket.stream, websocket.stream]:
    csock, ssock = tcp_pair(ioc)
    client, server = websocket.stream(csock), websocket.stream(ssock)
    for opt in options or []:
        client.set_option(opt)
        server.set_option(opt)
    got: list[error_code] = []
    server.async_accept(got.append)
    client.async_handshake("127.0.0.1", "/", got.append)
    run(ioc)
    assert got == [asiolike.error_code()] * 2 or not any(got), got
    return client, server


def _exchange(
    ioc: asiolike.io_context, pairs: list[tuple[websocket.stream, websocket.stream]]
) -> list[tuple[error_code, bytes, error_code, bytes]]:
    """Each client writes a text message and reads; each server reads it and echoes it.

    Returns per pair ``(server read ec, what the server read, client read ec, echo)``.
    """
    out: list[list[Any]] = [[None, b"", None, b""] for _ in pairs]
    for i, (client, server) in enumerate(pairs):
        sbuf, cbuf = flat_buffer(), flat_buffer()

        def on_server(
            ec: error_code,
            n: int,
            i: int = i,
            buf: flat_buffer = sbuf,
            server: websocket.stream = server,
        ) -> None:
            out[i][0], out[i][1] = ec, bytes(buf.data())
            if not ec:
                server.async_write(out[i][1], lambda ec, n: None)

        def on_client(ec: error_code, n: int, i: int = i, buf: flat_buffer = cbuf) -> None:
            out[i][2], out[i][3] = ec, bytes(buf.data())

        server.async_read(sbuf, on_server)
        client.async_read(cbuf, on_client)
        client.async_write(f"message {i}: {POISON if i == 0 else 'fine'}", lambda ec, n: None)
    run(ioc)
    return [tuple(o) for o in out]  # type: ignore[misc]


def _close_all(ioc: asiolike.io_context, pairs: list[tuple[websocket.stream, ...]]) -> None:
    for pair in pairs:
        for ws in pair:
            sock = ws.next_layer()
            if sock.is_open():
                sock.close()
    run(ioc)


@pytest.mark.parametrize("deflate", [False, True])
def test_a_frame_decoder_fault_fails_only_that_connection(
    deflate: bool,
    ioc: asiolike.io_context,
    monkeypatch: pytest.MonkeyPatch,
    decoder_errors: Callable[[str], list[Any]],
) -> None:
    options = (
        [websocket.permessage_deflate(server_enable=True, client_enable=True)] if deflate else []
    )
    pairs = [_open(ioc, options), _open(ioc, options)]
    if deflate:
        original = Inflater.inflate

        def inflate(self: Inflater, data: bytes, max_length: int) -> bytes:
            out = original(self, data, max_length)
            if POISON.encode() in out:
                raise InjectedFault("injected fault in inflate")
            return out

        monkeypatch.setattr(Inflater, "inflate", inflate)
    else:
        poison(monkeypatch, _utf8.Utf8Checker, "write")
    (bad_ec, _, bad_client, _), (good_ec, good_data, good_client, echo) = _exchange(ioc, pairs)
    assert bad_ec == websocket.error.bad_frame_payload
    # The client of the failed connection got our close frame (1007 or 1002) and echoed it.
    assert bad_client == websocket.error.closed
    assert pairs[0][0].reason().code in (1002, 1007)
    assert not good_ec and good_data == b"message 1: fine"
    assert not good_client and echo == b"message 1: fine"
    assert len(decoder_errors("asiolike.beast.websocket")) == 1
    _close_all(ioc, pairs)


def test_a_handshake_check_fault_fails_only_that_accept(
    ioc: asiolike.io_context,
    monkeypatch: pytest.MonkeyPatch,
    decoder_errors: Callable[[str], list[Any]],
) -> None:
    poison(monkeypatch, _handshake, "token_list_contains")
    results: dict[int, error_code] = {}
    answers: dict[int, bytes] = {}
    sockets: list[Any] = []
    for i, connection in enumerate(["Upgrade, POISON", "Upgrade"]):
        client, server = tcp_pair(ioc)
        ws = websocket.stream(server)
        sockets += [client, ws]
        ws.async_accept(lambda ec, i=i: results.__setitem__(i, ec))
        _write(ioc, client, UPGRADE.format(connection=connection).encode())
        buf = bytearray(4096)

        def on_answer(ec: error_code, n: int, i: int = i, buf: bytearray = buf) -> None:
            answers[i] = bytes(buf[:n])

        client.async_read_some(memoryview(buf), on_answer)
    run(ioc)
    assert results[0] == websocket.error.no_connection_upgrade
    assert answers[0].startswith(b"HTTP/1.1 400 ")
    assert not results[1] and answers[1].startswith(b"HTTP/1.1 101 ")
    assert len(decoder_errors("asiolike.beast.websocket")) == 1
    for s in sockets:
        (s.next_layer() if isinstance(s, websocket.stream) else s).close()


def test_a_deflate_offer_fault_declines_the_extension(
    ioc: asiolike.io_context,
    monkeypatch: pytest.MonkeyPatch,
    decoder_errors: Callable[[str], list[Any]],
) -> None:
    poison(monkeypatch, _handshake, "negotiate")
    client, server = tcp_pair(ioc)
    ws = websocket.stream(server)
    ws.set_option(websocket.permessage_deflate(server_enable=True))
    got: list[error_code] = []
    ws.async_accept(got.append)
    request = UPGRADE.format(connection="Upgrade").replace(
        "\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate; POISON\r\n\r\n"
    )
    _write(ioc, client, request.encode())
    buf = bytearray(4096)
    answer: list[bytes] = []
    client.async_read_some(memoryview(buf), lambda ec, n: answer.append(bytes(buf[:n])))
    run(ioc)
    assert got == [asiolike.error_code()] or not got[0]
    assert answer[0].startswith(b"HTTP/1.1 101 ")
    assert b"permessage-deflate" not in answer[0]
    assert len(decoder_errors("asiolike.beast.websocket")) == 1
    client.close()
    server.close()


# -- TLS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def contexts(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.context, ssl.context]:
    from tests.ssl.pki import make_test_pki

    pki = make_test_pki(str(tmp_path_factory.mktemp("pki")))
    server_ctx = ssl.context(ssl.context.tls_server)
    server_ctx.use_certificate_chain_file(pki.server_cert)
    server_ctx.use_private_key_file(pki.server_key, ssl.context.pem)
    client_ctx = ssl.context(ssl.context.tls_client)
    client_ctx.set_verify_mode(ssl.verify_peer)
    client_ctx.load_verify_file(pki.ca)
    return client_ctx, server_ctx


def _poison_engine(monkeypatch: pytest.MonkeyPatch, victim: Callable[[engine], bool]) -> None:
    original = engine._track

    def track(self: engine, data: memoryview | bytes) -> None:
        if victim(self):
            raise InjectedFault("injected fault in the TLS record tracking")
        original(self, data)

    monkeypatch.setattr(engine, "_track", track)


def test_a_tls_record_fault_fails_only_that_stream(
    ioc: asiolike.io_context,
    contexts: tuple[ssl.context, ssl.context],
    monkeypatch: pytest.MonkeyPatch,
    decoder_errors: Callable[[str], list[Any]],
) -> None:
    client_ctx, server_ctx = contexts
    pairs = []
    handshakes: list[error_code] = []
    for _ in range(2):
        a, b = tcp_pair(ioc)
        client, server = ssl.stream(a, client_ctx), ssl.stream(b, server_ctx)
        client.set_verify_callback(ssl.host_name_verification("localhost"))
        client.async_handshake(ssl.stream_base.client, handshakes.append)
        server.async_handshake(ssl.stream_base.server, handshakes.append)
        pairs.append((client, server))
    run(ioc)
    assert len(handshakes) == 4 and not any(handshakes), handshakes
    victim = pairs[0][1].native_handle()
    _poison_engine(monkeypatch, lambda e: e.sslobj is victim)
    reads: dict[int, tuple[error_code, bytes]] = {}
    for i, (client, server) in enumerate(pairs):
        buf = bytearray(100)

        def on_read(ec: error_code, n: int, i: int = i, buf: bytearray = buf) -> None:
            reads[i] = (ec, bytes(buf[:n]))

        server.async_read_some(memoryview(buf), on_read)
        asiolike.async_write(client, b"hello %d" % i, lambda ec, n: None)
    run(ioc)
    assert reads[0][0] == unexpected_result
    assert reads[1] == (asiolike.error_code(), b"hello 1")
    assert len(decoder_errors("asiolike.ssl")) == 1
    for client, server in pairs:
        client.next_layer().close()
        server.next_layer().close()


def test_a_tls_engine_fault_leaves_it_failed(
    contexts: tuple[ssl.context, ssl.context],
    monkeypatch: pytest.MonkeyPatch,
    decoder_errors: Callable[[str], list[Any]],
) -> None:
    client_ctx, server_ctx = contexts
    c = client_ctx._make_engine(False, None, ssl.host_name_verification("localhost"), None)
    s = server_ctx._make_engine(True, None, None, None)
    _poison_engine(monkeypatch, lambda e: e is s)
    c.handshake()
    s.put_input(c.get_output())  # the ClientHello: the tracking faults
    view = memoryview(bytearray(10))
    for op in (s.handshake, lambda: s.read(view), lambda: s.write(b"x"), s.shutdown):
        assert op() == WANT_NOTHING
        assert s.ec == unexpected_result and s.n == 0
    assert len(decoder_errors("asiolike.ssl")) == 1


# -- item 4: the accept path fed hypothesis-made requests over a socket -----------------------

_REQUEST_PIECES = [
    "GET / HTTP/1.1\r\n",
    "GET / HTTP/1.0\r\n",
    "POST /x HTTP/1.1\r\n",
    "Host: x\r\n",
    "Upgrade: websocket\r\n",
    "Connection: Upgrade\r\n",
    "Connection: keep-alive, Upgrade\r\n",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
    "Sec-WebSocket-Key: short\r\n",
    "Sec-WebSocket-Version: 13\r\n",
    "Sec-WebSocket-Version: 8\r\n",
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n",
    "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=\xb2\r\n",
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=99999\r\n",
    "Content-Length: 3\r\n",
    "Content-Length: " + "9" * 5000 + "\r\n",
    "Transfer-Encoding: chunked\r\n",
    "X: \x00\r\n",
    " folded\r\n",
    "\r\n",
    "\r",
    "abc",
]

_ACCEPT_ERRORS = {
    http.error.end_of_stream,
    http.error.partial_message,
    http.error.unexpected_body,
    http.error.header_limit,
    http.error.body_limit,
} | {getattr(http.error, n) for n in dir(http.error) if n.startswith(("bad_", "multiple_"))}


@st.composite
def upgrade_requests(draw: st.DrawFn) -> bytes:
    pieces = draw(st.lists(st.sampled_from(_REQUEST_PIECES), max_size=10))
    tail = draw(st.binary(max_size=20))
    return "".join(pieces).encode("latin-1") + tail


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=upgrade_requests())
def test_the_accept_path_survives_any_request(data: bytes) -> None:
    check_accept(data)


def check_accept(data: bytes) -> None:
    """A server accepts on 127.0.0.1; a peer sends ``data`` and ends its side."""
    ioc = asiolike.io_context()
    acc = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    peer = socket.create_connection(("127.0.0.1", acc.local_endpoint().port()))
    try:
        server = websocket.stream(acc.accept())
        acc.close()
        server.set_option(websocket.permessage_deflate(server_enable=True))
        peer.sendall(data)
        peer.shutdown(socket.SHUT_WR)  # the request ends here
        got: list[error_code] = []
        server.async_accept(got.append)
        ioc.run_for(BOUND)  # must neither raise nor hang
        assert ioc.stopped(), "the accept did not complete"
        assert len(got) == 1
        ec = got[0]
        assert (
            not ec
            or ec in _ACCEPT_ERRORS
            or ec == websocket.condition.handshake_failed
            or ec.category() is asiolike.error.system_category()
        ), ec
        server.next_layer().close()
    finally:
        peer.close()
        ioc.close()
