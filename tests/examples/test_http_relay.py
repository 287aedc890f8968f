"""Test of examples/http_relay.py: Beast's relay with buffer_body, between two real peers.

The upstream server is the standard library's ``http.server`` on a thread and the client is
``http.client``: bodies far larger than the relay's 2 KiB piece cross it both ways.
"""

from __future__ import annotations

import hashlib
import http.client
import http.server as http_server
import os
import threading
from collections.abc import Iterator

import pytest

from tests.test_examples import BOUND, server

BIG = os.urandom(300_000)


class _Upstream(http_server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(BIG)))
        self.send_header("X-Via-Seen", self.headers.get("Via", ""))
        self.end_headers()
        self.wfile.write(BIG)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        digest = hashlib.sha256(body).hexdigest().encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(digest)))
        self.end_headers()
        self.wfile.write(digest)


@pytest.fixture
def upstream() -> Iterator[int]:
    srv = http_server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


def test_relay_carries_large_bodies_both_ways(upstream: int) -> None:
    with server(
        "http_relay.py", "127.0.0.1", "0", "127.0.0.1", str(upstream), "--connections", "2"
    ) as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=BOUND)
        conn.request("GET", "/big")
        res = conn.getresponse()
        assert res.read() == BIG
        assert res.getheader("X-Via-Seen").startswith("1.1 asiolike/")
        assert res.getheader("Via").startswith("1.1 asiolike/")
        conn.close()

        upload = os.urandom(250_000)
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=BOUND)
        conn.request("POST", "/echo", body=upload)
        assert conn.getresponse().read() == hashlib.sha256(upload).hexdigest().encode()
        conn.close()
        status, _, err = srv.finish()
        assert status == 0, err
