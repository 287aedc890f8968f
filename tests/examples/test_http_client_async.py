"""Tests for examples/http_client_async.py against the standard library's HTTP server.

The server is ``http.server.ThreadingHTTPServer`` on 127.0.0.1 (port 0), serving from a
thread; the example runs in-process (its ``main``, bounded by a join timeout since it
calls ``ioc.run()`` as the C++ does) and once as a subprocess.
"""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

from examples import http_client_async

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "examples", "http_client_async.py")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str, str, str]]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append(
            (self.command, self.path, self.request_version, self.headers.get("User-Agent", ""))
        )
        payload = f"Hello from {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def server() -> Iterator[int]:
    _Handler.seen.clear()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def run_main(argv: list[str]) -> int:
    """``http_client_async.main(argv)`` in a thread, bounded."""
    status: list[int] = []
    thread = threading.Thread(target=lambda: status.append(http_client_async.main(argv)))
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "the example did not finish"
    return status[0]


@pytest.mark.parametrize(("version", "expected"), [(None, "HTTP/1.1"), ("1.0", "HTTP/1.0")])
def test_main_prints_the_response(
    server: int, capsys: pytest.CaptureFixture[str], version: str | None, expected: str
) -> None:
    argv = ["127.0.0.1", str(server), "/index.html"]
    if version is not None:
        argv.append(version)
    assert run_main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("HTTP/1.1 200 OK\r\n")
    assert "Content-Length: 22\r\n" in out
    assert out.endswith("\r\n\r\nHello from /index.html\n")
    assert len(_Handler.seen) == 1
    method, path, request_version, agent = _Handler.seen[0]
    assert (method, path, request_version) == ("GET", "/index.html", expected)
    assert agent.startswith("asiolike/")


def test_main_reports_a_failed_connect(capsys: pytest.CaptureFixture[str]) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    try:
        assert run_main(["127.0.0.1", str(holder.getsockname()[1]), "/"]) == 0
    finally:
        holder.close()
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "connect: Connection refused\n"


def test_main_checks_its_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert http_client_async.main(["127.0.0.1", "80"]) == 1
    assert "Usage: http_client_async.py <host> <port> <target>" in capsys.readouterr().err


def test_the_script_runs(server: int) -> None:
    env = dict(os.environ, PYTHONPATH=ROOT)
    done = subprocess.run(
        [sys.executable, SCRIPT, "127.0.0.1", str(server), "/from/a/process"],
        capture_output=True,
        timeout=30,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert done.stdout.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Length: 26\r\n" in done.stdout
    assert done.stdout.endswith(b"\r\n\r\nHello from /from/a/process\n")
