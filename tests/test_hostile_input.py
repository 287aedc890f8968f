"""Hostile input against real servers: no single request may stop a server process.

Each server runs as its own process (the examples and ``python -m asiolike serve``), is sent
one malicious request over a real socket, and must then still serve an honest client. The
sans-I/O rules behind each case have their own unit tests beside the parser and the
permessage-deflate code; these tests are about the process surviving.
"""

from __future__ import annotations

import os
import socket
import ssl as ssl_module
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
    """Send ``request``; read up to the end of the response header (an upgrade stays open)."""
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
            _, err = proc.communicate(timeout=BOUND)
    finally:
        listener.close()
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=BOUND)
    # A failed handshake is reported as such, not as a Python traceback.
    assert "Traceback" not in err, err
    assert proc.returncode != 0
    assert "handshake" in err.lower(), err


# -- ended sessions free everything (issue 10 item 4; Core v2's lifetimes) -------------------


def _fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _wait_for_fds(pid: int, target: int, bound: float = 3.0) -> int:
    """Wait (on a steady_timer, bounded) until the process holds ``target`` descriptors."""
    import asiolike as net

    seen = [_fd_count(pid)]
    with net.io_context() as ioc:
        timer = net.steady_timer(ioc)
        deadline = time.monotonic() + bound

        def check(ec: net.error_code) -> None:
            seen.append(_fd_count(pid))
            if seen[-1] > target and time.monotonic() < deadline:
                timer.expires_after(0.05)
                timer.async_wait(check)

        timer.expires_after(0.0)
        timer.async_wait(check)
        ioc.run_for(bound + 1.0)
    return seen[-1]


def _upgraded(port: int, tls: ssl_module.SSLContext | None = None) -> socket.socket:
    sock: socket.socket = socket.create_connection(("127.0.0.1", port), timeout=BOUND)
    if tls is not None:
        sock = tls.wrap_socket(sock, server_hostname="localhost")
    sock.sendall(_upgrade())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        assert chunk, answer
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 101"), answer[:200]
    return sock


@pytest.mark.parametrize(
    "server",
    ["serve", "serve --idle-timeout 0", "websocket_server_async"],
)
def test_ended_sessions_leave_no_descriptor_behind(server: str) -> None:
    argv = {
        "serve": _WS_SERVERS["serve"],
        "serve --idle-timeout 0": [*_WS_SERVERS["serve"], "--idle-timeout", "0"],
        # Beast's suggested timeouts: a 30 s handshake timeout, a 300 s idle timeout.
        "websocket_server_async": _WS_SERVERS["websocket_server_async"],
    }[server]
    with _process(argv) as (proc, port):
        baseline = _fd_count(proc.pid)
        live = [_upgraded(port) for _ in range(100)]
        ended = [_upgraded(port) for _ in range(200)]
        # Half vanish after their handshake, half before finishing their request.
        for sock in ended[:100]:
            sock.close()
        for _ in range(100):
            half = socket.create_connection(("127.0.0.1", port), timeout=BOUND)
            half.sendall(_upgrade()[:40])
            half.close()
        for sock in ended[100:]:
            sock.close()
        try:
            left = _wait_for_fds(proc.pid, baseline + len(live))
            assert left <= baseline + len(live), (
                f"{left - baseline - len(live)} descriptors of ended sessions still open"
            )
        finally:
            for sock in live:
                sock.close()
        assert proc.poll() is None


def test_failed_tls_handshakes_leave_no_descriptor_behind(tmp_path: Any) -> None:
    from tests.ssl.pki import make_test_pki

    pki = make_test_pki(str(tmp_path))
    argv = [
        "examples/websocket_server_async_ssl.py",
        "127.0.0.1",
        "0",
        "1",
        pki.server_cert,
        pki.server_key,
    ]
    with _process(argv) as (proc, port):
        baseline = _fd_count(proc.pid)
        for i in range(250):
            sock = socket.create_connection(("127.0.0.1", port), timeout=BOUND)
            # Garbage instead of a ClientHello, a truncated ClientHello, or nothing.
            sock.sendall([b"GET / HTTP/1.1\r\n\r\n", b"\x16\x03\x01\x02\x00\x01", b""][i % 3])
            sock.close()
        left = _wait_for_fds(proc.pid, baseline)
        assert left <= baseline, f"{left - baseline} descriptors of failed handshakes still open"
        # And the server still serves.
        tls = ssl_module.create_default_context(cafile=pki.ca)
        _upgraded(port, tls).close()
        assert proc.poll() is None
