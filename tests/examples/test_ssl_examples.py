"""Tests for the TLS examples: https_client_async, websocket_client_async_ssl and
websocket_server_async_ssl.

Peers nobody here wrote: the standard library's ``http.server`` wrapped in TLS (on a
thread) for the HTTPS client, a ``websockets`` server with TLS for the wss client, and a
``websockets`` client for the wss server. The examples also meet each other. Each one
runs in-process (its ``main``, on a thread bounded by a join timeout, since it calls
``ioc.run()`` as the C++ does) and once as a subprocess. The certificates come from the
test PKI (``tests/ssl/pki.py``).
"""

from __future__ import annotations

import asyncio
import http.server as http_server
import os
import ssl as std_ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest

import asiolike as net
from asiolike import ssl
from asiolike.ip import make_address, tcp
from examples import https_client_async, websocket_client_async_ssl, websocket_server_async_ssl
from tests.ssl.pairs import AsyncioThread
from tests.ssl.pki import TestPKI, make_test_pki

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect as ws_connect  # noqa: E402
from websockets.asyncio.server import serve as ws_serve  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
_ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return make_test_pki(str(tmp_path_factory.mktemp("pki")))


def _std_server_ctx(pki: TestPKI) -> std_ssl.SSLContext:
    ctx = std_ssl.SSLContext(std_ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    return ctx


def run_main(main: Callable[[list[str]], int], argv: list[str]) -> int:
    """An example's ``main(argv)`` in a thread, bounded."""
    status: list[int] = []
    thread = threading.Thread(target=lambda: status.append(main(argv)))
    thread.start()
    thread.join(15)
    assert not thread.is_alive(), "the example did not finish"
    return status[0]


# -- https_client_async -----------------------------------------------------------------------


class _Handler(http_server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str, str]]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append((self.path, self.request_version, self.headers.get("Host", "")))
        payload = f"Hello over TLS from {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


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


def test_https_client_prints_the_response(
    https_server: int, pki: TestPKI, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["localhost", str(https_server), "/index.html", "--ca-file", pki.ca]
    assert run_main(https_client_async.main, argv) == 0
    out, err = capsys.readouterr()
    assert err == ""  # a peer that skips close_notify is not reported (as in Beast)
    assert out.startswith("HTTP/1.1 200 OK\r\n")
    assert out.rstrip("\n").endswith("\r\n\r\nHello over TLS from /index.html")
    assert _Handler.seen == [("/index.html", "HTTP/1.1", "localhost")]


def test_https_client_http10(
    https_server: int, pki: TestPKI, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["localhost", str(https_server), "/old", "1.0", "--ca-file", pki.ca]
    assert run_main(https_client_async.main, argv) == 0
    out, err = capsys.readouterr()
    assert err == "" and "Hello over TLS from /old" in out
    assert _Handler.seen == [("/old", "HTTP/1.0", "localhost")]


def test_https_client_reports_an_untrusted_server(
    https_server: int, pki: TestPKI, capsys: pytest.CaptureFixture[str]
) -> None:
    # The client certificate is no CA of the server's: the chain does not verify.
    argv = ["localhost", str(https_server), "/", "--ca-file", pki.client_cert]
    assert run_main(https_client_async.main, argv) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "handshake: certificate verify failed: unable to get local issuer certificate\n"


def test_https_client_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert https_client_async.main(["localhost"]) == 1
    assert https_client_async.main(["a", "1", "/", "--ca-file"]) == 1
    assert capsys.readouterr().err.startswith("Usage: https_client_async.py <host> <port>")


def test_https_client_as_a_script(https_server: int, pki: TestPKI) -> None:
    done = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, "https_client_async.py"), "localhost",
         str(https_server), "/script", "--ca-file", pki.ca],
        capture_output=True, text=True, timeout=30, cwd=ROOT,
        env=_ENV,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert "Hello over TLS from /script" in done.stdout


# -- websocket_client_async_ssl against a websockets server -------------------------------


@pytest.fixture
def loop() -> Iterator[AsyncioThread]:
    t = AsyncioThread()
    try:
        yield t
    finally:
        t.close()


@pytest.fixture
def their_wss_server(loop: AsyncioThread, pki: TestPKI) -> Iterator[int]:
    async def echo(ws: Any) -> None:
        async for msg in ws:
            await ws.send(msg)

    async def start() -> Any:
        return await ws_serve(echo, "127.0.0.1", 0, ssl=_std_server_ctx(pki))

    server = loop.call(start())
    try:
        yield server.sockets[0].getsockname()[1]
    finally:

        async def stop() -> None:
            server.close()
            await server.wait_closed()

        loop.call(stop())


def test_wss_client_with_their_server(
    their_wss_server: int, pki: TestPKI, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["localhost", str(their_wss_server), "Hello, world!", "--ca-file", pki.ca]
    assert run_main(websocket_client_async_ssl.main, argv) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("Hello, world!\n", "")


def test_wss_client_reports_a_certificate_for_another_name(
    loop: AsyncioThread, pki: TestPKI, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = std_ssl.SSLContext(std_ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.client_cert, pki.client_key)  # valid for client.test only

    async def start() -> Any:
        return await ws_serve(lambda ws: ws.wait_closed(), "127.0.0.1", 0, ssl=ctx)

    server = loop.call(start())
    try:
        port = server.sockets[0].getsockname()[1]
        argv = ["localhost", str(port), "x", "--ca-file", pki.ca]
        assert run_main(websocket_client_async_ssl.main, argv) == 0
    finally:

        async def stop() -> None:
            server.close()
            await server.wait_closed()

        loop.call(stop())
    assert capsys.readouterr() == (
        "",
        "ssl_handshake: certificate verify failed: Hostname mismatch, certificate is not "
        "valid for the requested host name\n",
    )


def test_wss_client_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert websocket_client_async_ssl.main(["localhost", "443"]) == 1
    assert capsys.readouterr().err.startswith("Usage: websocket_client_async_ssl.py <host>")


# -- websocket_server_async_ssl -----------------------------------------------------------


class _ServerInProcess:
    """The example's listener on an io_context run by a thread."""

    def __init__(self, pki: TestPKI) -> None:
        self.ioc = net.io_context()
        ctx = ssl.context(ssl.context.tls_server)
        ctx.use_certificate_chain_file(pki.server_cert)
        ctx.use_private_key_file(pki.server_key, ssl.context.pem)
        self.listener = websocket_server_async_ssl.listener(
            self.ioc, ctx, tcp.endpoint(make_address("127.0.0.1"), 0)
        )
        self.port = self.listener.local_endpoint().port()
        self.listener.run()
        self.thread = threading.Thread(target=self.ioc.run_for, args=(20,))
        self.thread.start()

    def stop(self) -> None:
        # Closing the acceptor ends the last pending operation: run_for returns.
        net.post(self.ioc, self.listener.acceptor.close)
        self.thread.join(10)
        assert not self.thread.is_alive(), "the server still had work"
        self.ioc.close()


def test_wss_server_with_their_client_and_ours(
    pki: TestPKI, capsys: pytest.CaptureFixture[str]
) -> None:
    srv = _ServerInProcess(pki)
    try:
        client_ctx = std_ssl.create_default_context(cafile=pki.ca)

        async def their_client() -> list[Any]:
            out: list[Any] = []
            async with ws_connect(
                f"wss://localhost:{srv.port}/", ssl=client_ctx, host="127.0.0.1", port=srv.port
            ) as c:
                for msg in ("text", b"\x00binary\xff", "x" * 100000):
                    await c.send(msg)
                    out.append(await c.recv() == msg)
                assert c.response is not None
                out.append(c.response.headers["Server"])
            return out

        got = asyncio.run(asyncio.wait_for(their_client(), 10))
        assert got[:3] == [True, True, True]
        assert got[3].endswith("websocket-server-async-ssl")
        argv = ["localhost", str(srv.port), "from our client", "--ca-file", pki.ca]
        assert run_main(websocket_client_async_ssl.main, argv) == 0
        assert capsys.readouterr() == ("from our client\n", "")
    finally:
        srv.stop()
    # The listener reports its cancelled accept, as Beast's does.
    assert capsys.readouterr() == ("", "accept: Operation canceled\n")


def test_wss_server_usage_and_bad_certificate(
    pki: TestPKI, capsys: pytest.CaptureFixture[str]
) -> None:
    assert websocket_server_async_ssl.main(["127.0.0.1", "0", "1"]) == 1
    assert capsys.readouterr().err.startswith("Usage: websocket_server_async_ssl.py <address>")
    argv = ["127.0.0.1", "0", "1", pki.server_cert, pki.client_key]
    assert websocket_server_async_ssl.main(argv) == 1
    assert capsys.readouterr().err == "certificate: key values mismatch\n"


def test_wss_server_as_a_script(pki: TestPKI) -> None:
    proc = subprocess.Popen(
        [sys.executable, os.path.join(EXAMPLES, "websocket_server_async_ssl.py"), "127.0.0.1",
         "0", "2", pki.server_cert, pki.server_key],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env=_ENV,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), line
        port = int(line.rsplit(":", 1)[1])

        async def client() -> Any:
            ctx = std_ssl.create_default_context(cafile=pki.ca)
            async with ws_connect(f"wss://127.0.0.1:{port}/", ssl=ctx) as c:
                await c.send("over a real process")
                return await c.recv()

        assert asyncio.run(asyncio.wait_for(client(), 10)) == "over a real process"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert err == ""
