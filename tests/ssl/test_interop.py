"""Interoperability of ``ssl.stream`` with TLS peers nobody here wrote.

* ``wss://``: our ``websocket.stream(ssl.stream(...))`` client against a ``websockets``
  server with TLS, and a ``websockets`` client against our server; messages both ways,
  closes from either side, the TLS teardown that follows.
* ``https://``: our client (``http.async_write``/``async_read`` over ``ssl.stream``)
  against the standard library's ``http.server`` wrapped in TLS, on a thread.
* A bare asyncio TLS peer for the shutdown rules (``close_notify`` both ways).

The peers run in threads (an asyncio loop, an HTTP server); our side runs in the test's
io_context, bounded.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.server as http_server
import os
import re
import socket
import ssl as std_ssl
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

import asiolike
from asiolike import beast, error, ssl
from asiolike.beast import http, websocket
from asiolike.beast.core.ssl_stream import ssl_stream
from asiolike.ip import tcp
from tests.ssl.pairs import AsyncioThread, Calls, Closer
from tests.ssl.pki import TestPKI

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect as ws_connect  # noqa: E402
from websockets.asyncio.server import serve as ws_serve  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

BIG = os.urandom(1 << 20)


def _run(ioc: asiolike.io_context, timeout: float = 10.0) -> None:
    ioc.run_for(timeout)
    assert ioc.stopped(), f"work left after run_for({timeout}): {ioc!r}"
    ioc.restart()


def _drive(ioc: asiolike.io_context, fut: Any, timeout: float = 10.0) -> Any:
    """Run our side in slices until the peer's coroutine is done."""
    deadline = time.monotonic() + timeout
    while not fut.done() and time.monotonic() < deadline:
        ioc.run_for(0.02)
        ioc.restart()
    return fut.result(0)


@pytest.fixture
def loop() -> Iterator[AsyncioThread]:
    t = AsyncioThread()
    try:
        yield t
    finally:
        t.close()


def _std_server_ctx(pki: TestPKI) -> std_ssl.SSLContext:
    ctx = std_ssl.SSLContext(std_ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    return ctx


def _std_client_ctx(pki: TestPKI) -> std_ssl.SSLContext:
    return std_ssl.create_default_context(cafile=pki.ca)  # verifies the host name too


# -- our wss client, their server ---------------------------------------------------------


async def _echo(ws: Any, log: list[Any]) -> None:
    try:
        async for msg in ws:
            if msg == "close please":
                await ws.close(4001, "as you wish")
            else:
                await ws.send(msg)
    except ConnectionClosed:
        pass
    log.append((ws.close_code, ws.close_reason))


class TheirServer:
    def __init__(self, loop: AsyncioThread, pki: TestPKI) -> None:
        self.loop = loop
        self.log: list[Any] = []

        async def start() -> Any:
            return await ws_serve(
                lambda ws: _echo(ws, self.log),
                "127.0.0.1",
                0,
                ssl=_std_server_ctx(pki),
                max_size=4 << 20,
            )

        self.server = loop.call(start())
        self.port = self.server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        self.loop.call(stop())


def _our_wss_client(
    ioc: asiolike.io_context, port: int, client_ctx: ssl.context
) -> websocket.stream:
    sock = tcp.socket(ioc)
    sock.connect(tcp.endpoint("127.0.0.1", port))
    tls = ssl.stream(sock, client_ctx)
    tls.set_server_name("localhost")
    tls.set_verify_callback(ssl.host_name_verification("localhost"))
    ws = websocket.stream(tls)
    ws.read_message_max(4 << 20)
    hs, ws_hs = Calls(), Calls()
    tls.async_handshake(ssl.stream_base.client, hs)
    _run(ioc)
    assert hs.once() == (error.success,)
    ws.async_handshake(f"localhost:{port}", "/", ws_hs)
    _run(ioc)
    assert ws_hs.once() == (error.success,)
    return ws


def _roundtrip(ioc: asiolike.io_context, ws: websocket.stream, data: Any) -> bytes:
    ws.binary(isinstance(data, bytes))
    buf = beast.flat_buffer()
    w, r = Calls(), Calls()
    ws.async_write(data, w)
    ws.async_read(buf, r)
    _run(ioc)
    assert not w.once()[0] and not r.once()[0], (w.calls, r.calls)
    return bytes(buf.data())


def test_our_wss_client_with_their_server_we_close(
    ioc: asiolike.io_context, loop: AsyncioThread, pki: TestPKI, client_ctx: ssl.context
) -> None:
    srv = TheirServer(loop, pki)
    try:
        ws = _our_wss_client(ioc, srv.port, client_ctx)
        assert _roundtrip(ioc, ws, "héllo") == "héllo".encode()
        assert _roundtrip(ioc, ws, BIG) == BIG
        c = Calls()
        ws.async_close(websocket.close_reason(4000, "client done"), c)
        _run(ioc)
        # The closing handshake, then TLS's (close_notify both ways), then the socket.
        assert c.once() == (error.success,)
        assert not ws.next_layer().lowest_layer().is_open()
    finally:
        srv.stop()
    assert srv.log == [(4000, "client done")]


def test_our_wss_client_with_their_server_they_close(
    ioc: asiolike.io_context, loop: AsyncioThread, pki: TestPKI, client_ctx: ssl.context
) -> None:
    srv = TheirServer(loop, pki)
    try:
        ws = _our_wss_client(ioc, srv.port, client_ctx)
        w, r = Calls(), Calls()
        ws.async_write("close please", w)
        ws.async_read(beast.flat_buffer(), r)
        _run(ioc)
        assert r.once() == (websocket.error.closed, 0)
        assert ws.reason() == websocket.close_reason(4001, "as you wish")
        assert not ws.next_layer().lowest_layer().is_open()
    finally:
        srv.stop()
    assert srv.log == [(4001, "")]  # what they received: our echo carries the code only


def test_wss_close_is_bounded_when_the_peer_never_shuts_tls_down(
    ioc: asiolike.io_context, pki: TestPKI, client_ctx: ssl.context, closer: Closer
) -> None:
    # A hand-written peer: it upgrades, answers our close frame, then neither sends
    # close_notify nor closes the connection. Beast's rule: the closing handshake (TLS
    # shutdown included) is bounded by the WebSocket's handshake timeout.
    listener = closer(socket.create_server(("127.0.0.1", 0)))
    port = listener.getsockname()[1]
    release = threading.Event()
    peer_errors: list[BaseException] = []

    def peer() -> None:
        try:
            conn, _ = listener.accept()
            with _std_server_ctx(pki).wrap_socket(conn, server_side=True) as tls:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += tls.recv(4096)
                key = re.search(rb"Sec-WebSocket-Key: *(\S+)", request, re.I)
                assert key is not None
                digest = hashlib.sha1(key.group(1) + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                tls.sendall(
                    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\nSec-WebSocket-Accept: "
                    + base64.b64encode(digest.digest())
                    + b"\r\n\r\n"
                )
                tls.recv(4096)  # our close frame
                tls.sendall(b"\x88\x02\x03\xe8")  # their close frame: 1000
                release.wait(10)  # and then silence
        except BaseException as exc:  # pragma: no cover - reported below
            peer_errors.append(exc)

    thread = threading.Thread(target=peer)
    thread.start()
    try:
        sock = tcp.socket(ioc)
        sock.connect(tcp.endpoint("127.0.0.1", port))
        tls = ssl.stream(sock, client_ctx)
        tls.set_verify_callback(ssl.host_name_verification("localhost"))
        ws = websocket.stream(tls)
        ws.set_option(websocket.stream_base.timeout(handshake_timeout=0.2))
        steps = Calls()
        tls.async_handshake(
            ssl.stream_base.client,
            lambda ec: ws.async_handshake(
                f"localhost:{port}",
                "/",
                lambda ec: ws.async_close(websocket.close_code.normal, steps),
            ),
        )
        started = time.monotonic()
        _run(ioc)
        assert steps.once() == (beast.error.timeout,)
        assert 0.15 < time.monotonic() - started < 3
        assert not sock.is_open()
    finally:
        release.set()
        thread.join(10)
    assert not peer_errors


# -- their wss client, our server ---------------------------------------------------------


class OurServer:
    """Accepts wss connections; echoes, and closes on request."""

    def __init__(self, ioc: asiolike.io_context, ctx: ssl.context, closer: Closer) -> None:
        self.acc = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
        self.port = self.acc.local_endpoint().port()
        self.ctx = ctx
        self.results: list[Any] = []
        self.acc.async_accept(self.on_accept)

    def on_accept(self, ec: asiolike.error_code, sock: Any = None) -> None:
        if ec:
            return
        _Session(self, sock)
        self.acc.async_accept(self.on_accept)


class _Session:
    def __init__(self, server: OurServer, sock: tcp.socket) -> None:
        self.server = server
        self.ws = websocket.stream(ssl_stream(sock, server.ctx))
        self.ws.read_message_max(4 << 20)
        self.buf = beast.flat_buffer()
        self.ws.next_layer().async_handshake(ssl.stream_base.server, self.on_handshake)

    def on_handshake(self, ec: asiolike.error_code) -> None:
        if ec:
            self.server.results.append(("tls handshake", ec))
            return
        self.ws.async_accept(self.on_accept)

    def on_accept(self, ec: asiolike.error_code) -> None:
        assert not ec, ec
        self.ws.async_read(self.buf, self.on_read)

    def on_read(self, ec: asiolike.error_code, n: int) -> None:
        if ec:
            self.server.results.append((ec, self.ws.reason()))
            return
        data = bytes(self.buf.data())
        self.buf.consume(n)
        if data == b"close please":
            self.ws.async_close(websocket.close_reason(4002, "bye"), self.on_close)
            return
        self.ws.text(self.ws.got_text())
        self.ws.async_write(data, lambda ec, n: None)
        self.ws.async_read(self.buf, self.on_read)

    def on_close(self, ec: asiolike.error_code) -> None:
        self.server.results.append(("closed by us", ec, self.ws.next_layer().lowest_layer()))


def test_their_wss_client_with_our_server(
    ioc: asiolike.io_context,
    loop: AsyncioThread,
    pki: TestPKI,
    server_ctx: ssl.context,
    closer: Closer,
) -> None:
    srv = OurServer(ioc, server_ctx, closer)

    async def client() -> Any:
        out: list[Any] = []
        async with ws_connect(
            f"wss://localhost:{srv.port}/",
            ssl=_std_client_ctx(pki),
            max_size=4 << 20,
            host="127.0.0.1",
            port=srv.port,
        ) as c:
            for msg in ("héllo", b"\x00\xff", BIG):
                await c.send(msg)
                out.append(await c.recv() == msg)
            await c.close(4000, "client done")
            out.append((c.close_code, c.close_reason))
        return out

    out = _drive(ioc, loop.submit(client()))
    srv.acc.close()
    _run(ioc)
    assert out == [True, True, True, (4000, "")]
    assert srv.results == [(websocket.error.closed, websocket.close_reason(4000, "client done"))]


def test_our_wss_server_closes(
    ioc: asiolike.io_context,
    loop: AsyncioThread,
    pki: TestPKI,
    server_ctx: ssl.context,
    closer: Closer,
) -> None:
    srv = OurServer(ioc, server_ctx, closer)

    async def client() -> Any:
        async with ws_connect(
            f"wss://127.0.0.1:{srv.port}/", ssl=_std_client_ctx(pki)
        ) as c:  # the certificate is valid for 127.0.0.1 too
            await c.send("close please")
            try:
                await c.recv()
            except ConnectionClosed as exc:
                assert exc.rcvd is not None
                return exc.rcvd.code, exc.rcvd.reason
        return None

    got = _drive(ioc, loop.submit(client()))
    srv.acc.close()
    _run(ioc)
    assert got == (4002, "bye")
    ((what, ec, lowest),) = srv.results
    assert (what, ec) == ("closed by us", error.success)
    assert not lowest.socket().is_open()


def test_their_client_rejects_our_certificate_for_another_name(
    ioc: asiolike.io_context,
    loop: AsyncioThread,
    pki: TestPKI,
    server_ctx: ssl.context,
    closer: Closer,
) -> None:
    srv = OurServer(ioc, server_ctx, closer)

    async def client() -> Any:
        try:
            async with ws_connect(
                f"wss://other.example:{srv.port}/",
                ssl=_std_client_ctx(pki),
                host="127.0.0.1",
                port=srv.port,
            ):
                return "connected"
        except std_ssl.SSLCertVerificationError as exc:
            return exc.verify_code

    assert _drive(ioc, loop.submit(client())) == 62  # X509_V_ERR_HOSTNAME_MISMATCH
    srv.acc.close()
    _run(ioc)
    ((what, ec),) = srv.results
    # asyncio drops the connection without sending its alert: a truncated handshake.
    assert what == "tls handshake"
    assert ec == ssl.error.stream_truncated or "alert" in ec.message()


# -- https: our client, the standard library's server --------------------------------------


class _Handler(http_server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str]]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Host", "")))
        body = f"secret {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def https_server(pki: TestPKI) -> Iterator[int]:
    _Handler.seen.clear()
    httpd = http_server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.socket = _std_server_ctx(pki).wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_our_https_client_with_the_stdlib_server(
    ioc: asiolike.io_context, https_server: int, client_ctx: ssl.context
) -> None:
    stream = ssl_stream(ioc, client_ctx)
    stream.set_server_name("localhost")
    stream.set_verify_callback(ssl.host_name_verification("localhost"))
    results: dict[str, Any] = {}
    res: list[http.response] = []
    buf = beast.flat_buffer()

    def on_connect(ec: asiolike.error_code) -> None:
        results["connect"] = ec
        beast.get_lowest_layer(stream).expires_after(5)
        stream.async_handshake(ssl.stream_base.client, on_handshake)

    def on_handshake(ec: asiolike.error_code) -> None:
        results["handshake"] = ec
        req = http.request(http.verb.get, "/a", 11)
        req.set(http.field.host, "localhost")
        http.async_write(stream, req, on_write)

    def on_write(ec: asiolike.error_code, n: int) -> None:
        results["write"] = ec
        res.append(http.response())
        http.async_read(stream, buf, res[-1], on_read)

    def on_read(ec: asiolike.error_code, n: int) -> None:
        results.setdefault("reads", []).append(ec)
        if len(res) == 1:  # a second request on the same (kept-alive) connection
            req = http.request(http.verb.get, "/b", 11)
            req.set(http.field.host, "localhost")
            http.async_write(stream, req, on_write)
            return
        stream.async_shutdown(on_shutdown)

    def on_shutdown(ec: asiolike.error_code) -> None:
        results["shutdown"] = ec
        beast.get_lowest_layer(stream).close()

    beast.get_lowest_layer(stream).async_connect(
        tcp.endpoint("127.0.0.1", https_server), on_connect
    )
    _run(ioc)
    assert results["handshake"] == error.success
    assert results["reads"] == [error.success, error.success]
    assert [r.body for r in res] == [b"secret /a", b"secret /b"]
    assert [r.result_int() for r in res] == [200, 200]
    assert _Handler.seen == [("/a", "localhost"), ("/b", "localhost")]
    # http.server closes the connection without close_notify after our close_notify:
    # what Beast's https example deliberately ignores.
    assert results["shutdown"] in (error.success, ssl.error.stream_truncated)


# -- an asyncio TLS peer and the shutdown rules -------------------------------------------


def test_asyncio_peer_shutting_down_gives_eof_then_our_shutdown_succeeds(
    ioc: asiolike.io_context, loop: AsyncioThread, pki: TestPKI, client_ctx: ssl.context
) -> None:
    async def start() -> Any:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"hello and goodbye")
            await writer.drain()
            writer.close()  # asyncio sends close_notify, and waits for ours
            await writer.wait_closed()

        return await asyncio.start_server(handle, "127.0.0.1", 0, ssl=_std_server_ctx(pki))

    server = loop.call(start())
    try:
        sock = tcp.socket(ioc)
        sock.connect(tcp.endpoint("127.0.0.1", server.sockets[0].getsockname()[1]))
        tls = ssl.stream(sock, client_ctx)
        tls.set_verify_callback(ssl.host_name_verification("localhost"))
        tls.handshake(ssl.stream_base.client)
        buf = bytearray(100)
        reads: list[Any] = []
        sd = Calls()

        def on_read(ec: asiolike.error_code, n: int) -> None:
            reads.append((ec, bytes(buf[:n])))
            if ec:
                tls.async_shutdown(sd)
            else:
                tls.async_read_some(buf, on_read)

        tls.async_read_some(buf, on_read)
        _run(ioc)
        assert reads == [(error.success, b"hello and goodbye"), (error.eof, b"")]
        assert sd.once() == (error.success,)
        sock.close()
    finally:

        async def stop() -> None:
            server.close()
            await server.wait_closed()

        loop.call(stop())
