"""Rule R10 end to end: a session dropped by its last handler is freed, its socket closed.

With the cyclic garbage collector off, a WebSocket server on one io_context fails 1000
sessions in four ways (a request that is not an upgrade, a header past ``header_limit``, a
reset in the middle of a frame, a peer gone in the middle of the handshake). Each session
object drops itself by starting nothing in its last handler, as a Beast session does; the
process's descriptor count must come back to where it started and no session may remain.
A peer that waits for the server's close (the first two kinds) fails the test if the
server's socket stays open. The command line server (``python -m asiolike serve``) is
checked from outside: a failed accept closes the connection at once, and a TLS client
against it fails fast.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asiolike as net
from asiolike import beast
from asiolike.beast import websocket
from asiolike.ip import make_address, tcp
from tests.support.lifetimes import descriptor_count, gc_disabled

ROOT = str(Path(__file__).resolve().parent.parent)
BOUND = 5.0
SESSIONS = 1000

UPGRADE = (
    b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)
NOT_AN_UPGRADE = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
# One header line longer than the parser's default header_limit (8192 octets).
TOO_LONG = UPGRADE + b"X-Big: " + b"a" * 9000 + b"\r\n\r\n"


# -- the server: Beast's websocket_server_async session, one per connection ------------------


class session:
    """Echoes messages; every handler that fails returns, which drops the session."""

    def __init__(self, sock: tcp.socket, outcomes: list[str], alive: weakref.WeakSet[Any]) -> None:
        self.ws = websocket.stream(beast.tcp_stream(sock))
        self.buffer = beast.flat_buffer()
        self.outcomes = outcomes
        alive.add(self)

    def run(self) -> None:
        self.ws.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code) -> None:
        if ec:
            self.outcomes.append("accept: " + ec.name())
            return
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, n: int) -> None:
        if ec:
            self.outcomes.append("read: " + ec.name())
            return
        self.ws.async_write(self.buffer.data(), self.on_write)

    def on_write(self, ec: net.error_code, n: int) -> None:
        if ec:
            self.outcomes.append("write: " + ec.name())
            return
        self.buffer.consume(self.buffer.size())
        self.ws.async_read(self.buffer, self.on_read)


class listener:
    def __init__(
        self, ioc: net.io_context, outcomes: list[str], alive: weakref.WeakSet[Any]
    ) -> None:
        self.acceptor = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
        self.port = self.acceptor.local_endpoint().port()
        self.outcomes = outcomes
        self.alive = alive
        self.left = SESSIONS

    def accept(self) -> None:
        self.acceptor.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code, sock: tcp.socket) -> None:
        if ec:
            return  # the acceptor was closed (a peer failed): the server stops accepting
        session(sock, self.outcomes, self.alive).run()
        self.left -= 1
        if self.left:
            self.accept()
        else:
            self.acceptor.close()


# -- the failing peers (plain blocking sockets, in a thread) ----------------------------------


def _until_closed(sock: socket.socket) -> bytes:
    """Read until the server closes; a server that keeps the socket open times out here.

    A server that closes with our bytes still unread in its buffer resets the connection
    (the kernel's rule): closed too.
    """
    got = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return got
        if not chunk:
            return got
        got += chunk


def _reset(sock: socket.socket) -> None:
    # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()


def fail_one(kind: int, port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as sock:
        if kind == 0:  # not an upgrade: answered (400), then closed at once
            sock.sendall(NOT_AN_UPGRADE)
            answer = _until_closed(sock)
            assert answer.startswith(b"HTTP/1.1 400"), answer[:80]
        elif kind == 1:  # header_limit: closed at once
            sock.sendall(TOO_LONG)
            _until_closed(sock)
        elif kind == 2:  # the handshake succeeds, then a reset in the middle of a frame
            sock.sendall(UPGRADE + b"\r\n")
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(4096)
                assert chunk, answer
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 101"), answer[:80]
            sock.sendall(b"\x82\xfe\x10")  # a masked binary frame, cut inside its length
            _reset(sock)
        else:  # gone in the middle of the upgrade request
            sock.sendall(UPGRADE[:40])
            _reset(sock)


def test_a_thousand_failing_sessions_leave_no_descriptor_behind() -> None:
    ioc = net.io_context()
    net.post(ioc, lambda: None)
    ioc.run()  # the context's own descriptors exist from here on
    ioc.restart()
    outcomes: list[str] = []
    errors: list[str] = []
    alive: weakref.WeakSet[Any] = weakref.WeakSet()
    with gc_disabled():
        before = descriptor_count()
        server = listener(ioc, outcomes, alive)
        server.accept()
        port, stop = server.port, server.acceptor.close

        def peers() -> None:
            try:  # the server stops after SESSIONS connections, or when a peer fails
                for i in range(SESSIONS):
                    try:
                        fail_one(i % 4, port)
                    except Exception as exc:  # recorded: a handler thread must not die
                        errors.append(f"session {i} (kind {i % 4}): {exc!r}")
                        net.post(ioc, stop)
                        return
            except BaseException:
                net.post(ioc, stop)
                raise

        thread = threading.Thread(target=peers)
        thread.start()
        ioc.run_for(60)
        thread.join(BOUND)
        assert ioc.stopped(), f"work left: {ioc!r}"
        assert errors == []
        assert len(alive) == 0, f"{len(alive)} sessions outlived their last handler"
        assert len(outcomes) == SESSIONS
        after = descriptor_count()
    assert after == before
    # Each kind failed where it should: the accept (a refused or cut request), or the
    # first read (the reset after the handshake).
    assert {o.split(": ")[0] for o in outcomes} == {"accept", "read"}
    assert outcomes.count("accept: no_connection") == SESSIONS // 4  # not an upgrade
    assert outcomes.count("accept: header_limit") == SESSIONS // 4


# -- the command line server ------------------------------------------------------------------


@contextmanager
def serve() -> Iterator[int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "asiolike", "serve", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r":(\d+)\s*$", line)
        assert match is not None, line
        yield int(match.group(1))
    finally:
        proc.terminate()
        proc.wait(BOUND)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def test_serve_closes_a_failed_accept_at_once() -> None:
    with serve() as port:
        for request in (NOT_AN_UPGRADE, TOO_LONG):
            with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as sock:
                sock.sendall(request)
                start = time.monotonic()
                _until_closed(sock)  # times out (fails) if the session's socket stays open
                assert time.monotonic() - start < BOUND


def test_a_tls_client_against_plain_serve_fails_fast() -> None:
    with serve() as port:
        start = time.monotonic()
        res = subprocess.run(
            [sys.executable, "-m", "asiolike", "ws", f"wss://127.0.0.1:{port}/"],
            cwd=ROOT,
            input="hi\n",
            capture_output=True,
            text=True,
            timeout=30,
        )
        elapsed = time.monotonic() - start
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert "TLS handshake" in res.stderr and f"try ws://127.0.0.1:{port}/" in res.stderr
    assert elapsed < 10, f"took {elapsed:.1f} s"
