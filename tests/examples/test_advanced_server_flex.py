"""Test of examples/advanced_server_flex.py: plain and TLS, HTTP and WebSocket, one port.

The server runs as a subprocess; its clients are the standard library's ``http.client``
(plain and HTTPS) and raw sockets, and the ``websockets`` library for ``ws://`` and
``wss://``: peers nobody here wrote.
"""

from __future__ import annotations

import http.client
import socket
import ssl as std_ssl
from pathlib import Path

import pytest

from tests.ssl.pki import TestPKI, make_test_pki
from tests.test_examples import BOUND, server

websockets = pytest.importorskip("websockets")
from websockets.sync.client import connect as ws_connect  # noqa: E402


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return make_test_pki(str(tmp_path_factory.mktemp("pki")))


def test_plain_and_tls_http_and_websocket_on_one_port(tmp_path: Path, pki: TestPKI) -> None:
    root = tmp_path / "www"
    root.mkdir()
    (root / "index.html").write_text("<h1>flex</h1>\n")
    big = bytes(range(256)) * 1024  # 256 KiB: sendfile in plain, pieces over TLS
    (root / "big.bin").write_bytes(big)
    client_ctx = std_ssl.create_default_context(cafile=pki.ca)

    with server(
        "advanced_server_flex.py",
        "127.0.0.1",
        "0",
        str(root),
        "2",
        pki.server_cert,
        pki.server_key,
    ) as srv:
        # Plain HTTP, keep-alive.
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=BOUND)
        conn.request("GET", "/")
        res = conn.getresponse()
        assert (res.status, res.read()) == (200, b"<h1>flex</h1>\n")
        conn.request("GET", "/big.bin")
        assert conn.getresponse().read() == big
        conn.close()

        # HTTPS on the same port.
        tls = http.client.HTTPSConnection("localhost", srv.port, timeout=BOUND, context=client_ctx)
        tls.request("GET", "/big.bin")
        res = tls.getresponse()
        assert (res.status, res.read()) == (200, big)
        tls.request("GET", "/missing")
        res = tls.getresponse()
        assert res.status == 404
        res.read()
        tls.close()

        # Pipelining: three requests at once, three responses in order.
        with socket.create_connection(("127.0.0.1", srv.port), timeout=BOUND) as sock:
            sock.sendall(
                b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 2
                + b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        assert data.count(b"HTTP/1.1 200 OK\r\n") == 3

        # WebSocket, plain and TLS.
        with ws_connect(f"ws://127.0.0.1:{srv.port}/", open_timeout=BOUND) as ws:
            ws.send("hello")
            assert ws.recv(timeout=BOUND) == "hello"
        with ws_connect(f"wss://localhost:{srv.port}/", ssl=client_ctx, open_timeout=BOUND) as wss:
            wss.send(b"\x00\x01binary")
            assert wss.recv(timeout=BOUND) == b"\x00\x01binary"


def test_advanced_server_http_and_websocket_on_one_port(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<h1>advanced</h1>\n")
    with server("advanced_server.py", "127.0.0.1", "0", str(tmp_path), "2") as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=BOUND)
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"<h1>advanced</h1>\n"
        conn.request("HEAD", "/index.html")
        res = conn.getresponse()
        assert (res.status, res.getheader("Content-Length"), res.read()) == (200, "18", b"")
        conn.close()
        with ws_connect(f"ws://127.0.0.1:{srv.port}/", open_timeout=BOUND) as ws:
            ws.send("echo me")
            assert ws.recv(timeout=BOUND) == "echo me"
