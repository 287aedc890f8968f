"""Hostile input against real servers: no single request may stop a server process.

Each server runs as its own process (the examples and ``python -m asiolike serve``), is sent
one malicious request over a real socket, and must then still serve an honest client. The
sans-I/O rules behind each case have their own unit tests beside the parser and the
permessage-deflate code; these tests are about the process surviving.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from websockets.sync.client import connect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOUND = 5.0

# Over Python's 4300-digit limit for int(str): int() raises ValueError on it.
_HUGE_LENGTH = "9" * 4301


@contextmanager
def _process(argv: list[str]) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """Start a server that prints ``listening on ADDRESS:PORT``; yield it and its port."""
    proc = subprocess.Popen(
        [sys.executable, *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on "), (line, proc.stderr and proc.stderr.read())
        yield proc, int(line.rsplit(":", 1)[1])
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=BOUND)


def _exchange(port: int, request: bytes) -> bytes:
    """Send ``request``, return everything the server sends until it closes (bounded)."""
    with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as sock:
        sock.sendall(request)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk


def _upgrade(extra: str = "", extensions: str | None = None) -> bytes:
    lines = [
        "GET / HTTP/1.1",
        "Host: 127.0.0.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    if extensions is not None:
        lines.append(f"Sec-WebSocket-Extensions: {extensions}")
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _still_echoes(proc: subprocess.Popen[str], port: int) -> None:
    assert proc.poll() is None, f"the server exited: {proc.communicate(timeout=BOUND)}"
    with connect(f"ws://127.0.0.1:{port}/", open_timeout=BOUND, close_timeout=BOUND) as ws:
        ws.send("still here")
        assert ws.recv(timeout=BOUND) == "still here"
    assert proc.poll() is None


_WS_SERVERS = {
    "serve": ["-m", "asiolike", "serve", "--port", "0"],
    "serve --deflate": ["-m", "asiolike", "serve", "--port", "0", "--deflate"],
    "websocket_server_async": ["examples/websocket_server_async.py", "127.0.0.1", "0", "1"],
}


@pytest.mark.parametrize("server", list(_WS_SERVERS))
def test_huge_content_length_on_an_upgrade_is_refused(server: str) -> None:
    with _process(_WS_SERVERS[server]) as (proc, port):
        # Beast's accept fails with bad_content_length before any answer; the session
        # ends and its socket closes at once.
        answer = _exchange(port, _upgrade(f"Content-Length: {_HUGE_LENGTH}"))
        assert not answer.startswith(b"HTTP/1.1 101"), answer[:200]
        _still_echoes(proc, port)


def test_huge_content_length_to_the_http_server(tmp_path: object) -> None:
    argv = ["examples/http_server_async.py", "127.0.0.1", "0", ROOT, "1"]
    with _process(argv) as (proc, port):
        request = f"GET /README.md HTTP/1.1\r\nHost: x\r\nContent-Length: {_HUGE_LENGTH}\r\n\r\n"
        answer = _exchange(port, request.encode())
        assert not answer.startswith(b"HTTP/1.1 200"), answer[:200]
        assert proc.poll() is None
        honest = _exchange(port, b"GET /README.md HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert honest.startswith(b"HTTP/1.1 200"), honest[:200]


@pytest.mark.parametrize(
    "offer",
    [
        "permessage-deflate; client_max_window_bits=\u00b2",
        "permessage-deflate; server_max_window_bits=\u00b9\u00b2",
        "permessage-deflate; client_max_window_bits=\u0661\u0665",  # Arabic-Indic 1, 5
    ],
)
def test_non_ascii_digits_in_a_deflate_offer(offer: str) -> None:
    with _process(_WS_SERVERS["serve --deflate"]) as (proc, port):
        # Latin-1 carries U+00B2 as one octet; the Arabic-Indic digits go as UTF-8 octets.
        data = _upgrade(extensions=offer.encode("utf-8").decode("latin-1"))
        answer = _exchange_first_response(port, data)
        # Declined or refused, never taken as a window size, and the process lives on.
        assert b"max_window_bits" not in answer, answer
        _still_echoes(proc, port)


def _exchange_first_response(port: int, request: bytes) -> bytes:
    """Send ``request`` and read up to the end of the response header (the upgrade may stay open)."""
    with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as sock:
        sock.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def test_a_client_survives_a_huge_content_length_in_the_101() -> None:
    """``python -m asiolike ws`` against a server that answers 101 with a huge length."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "asiolike", "ws", f"ws://127.0.0.1:{port}/"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        listener.settimeout(BOUND)
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(BOUND)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                assert chunk
                request += chunk
            conn.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: x\r\n"
                b"Content-Length: " + _HUGE_LENGTH.encode() + b"\r\n\r\n"
            )
            out, err = proc.communicate(timeout=BOUND)
    finally:
        listener.close()
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=BOUND)
    # A failed handshake is reported as such, not as a Python traceback.
    assert "Traceback" not in err, err
    assert proc.returncode != 0
    assert "handshake" in err.lower(), err
