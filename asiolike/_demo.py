"""The ``demo`` command: an echo server and client sharing one io_context on 127.0.0.1.

Written in the shape of Asio's echo examples (a session per connection, one method per step,
one ``fail(ec, what)``), so it doubles as a first example to read.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

import asiolike as net
from asiolike.ip import make_address, tcp

__all__ = ["run_demo"]


class _log:
    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._start = time.perf_counter()
        self.failures = 0

    def __call__(self, who: str, what: str) -> None:
        elapsed = (time.perf_counter() - self._start) * 1000
        print(f"[{elapsed:8.3f} ms] {who:<6} {what}", file=self._out)

    def fail(self, who: str, ec: net.error_code, what: str) -> None:
        self.failures += 1
        self(who, f"{what} failed: {ec.name()} ({ec.message()})")


class _server_session:
    """Echoes everything it reads until the client closes."""

    def __init__(self, sock: tcp.socket, log: _log) -> None:
        self._sock = sock
        self._log = log
        self._buf = bytearray(4096)

    def start(self) -> None:
        self._sock.async_read_some(memoryview(self._buf), self._on_read)

    def _on_read(self, ec: net.error_code, n: int) -> None:
        if ec == net.error.eof:
            self._log("server", "client closed its side; closing")
            self._sock.close()
            return
        if ec:
            return self._log.fail("server", ec, "read")
        self._log("server", f"read {n} bytes, echoing them")
        net.async_write(self._sock, memoryview(self._buf)[:n], self._on_write)

    def _on_write(self, ec: net.error_code, n: int) -> None:
        if ec:
            return self._log.fail("server", ec, "write")
        self.start()


class _client:
    """Connects, sends ``count`` messages, checks each echo, then shuts down."""

    def __init__(self, ioc: net.io_context, endpoint: tcp.endpoint, count: int, log: _log) -> None:
        self._sock = tcp.socket(ioc)
        self._endpoint = endpoint
        self._log = log
        self._left = count
        self._sent = b""
        self._buf = bytearray()

    def start(self) -> None:
        self._log("client", f"connecting to {self._endpoint}")
        self._sock.async_connect(self._endpoint, self._on_connect)

    def _on_connect(self, ec: net.error_code) -> None:
        if ec:
            return self._log.fail("client", ec, "connect")
        self._log("client", "connected")
        self._send()

    def _send(self) -> None:
        self._sent = f"hello #{self._left} from asiolike".encode()
        self._log("client", f"writing {self._sent!r}")
        net.async_write(self._sock, self._sent, self._on_write)

    def _on_write(self, ec: net.error_code, n: int) -> None:
        if ec:
            return self._log.fail("client", ec, "write")
        self._buf = bytearray(len(self._sent))
        net.async_read(self._sock, self._buf, self._on_read)

    def _on_read(self, ec: net.error_code, n: int) -> None:
        if ec:
            return self._log.fail("client", ec, "read")
        if bytes(self._buf) != self._sent:
            self._log.failures += 1
            return self._log("client", f"echo mismatch: {bytes(self._buf)!r}")
        self._log("client", f"echo received: {bytes(self._buf)!r}")
        self._left -= 1
        if self._left:
            self._send()
            return
        self._log("client", "done; shutting down the sending side")
        self._sock.shutdown(net.socket_base.shutdown_send)
        self._sock.async_read_some(memoryview(bytearray(1)), self._on_eof)

    def _on_eof(self, ec: net.error_code, n: int) -> None:
        if ec != net.error.eof:
            return self._log.fail("client", ec, "waiting for the server to close")
        self._log("client", "server closed: clean end")
        self._sock.close()


def run_demo(count: int = 3, out: TextIO | None = None) -> int:
    """Run the demo; returns 0 when every echo came back intact."""
    log = _log(out if out is not None else sys.stdout)
    ioc = net.io_context()
    acceptor = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    endpoint = acceptor.local_endpoint()
    log("server", f"listening on {endpoint}")
    sessions: list[_server_session] = []

    def on_accept(ec: net.error_code, sock: tcp.socket) -> None:
        if ec:
            return log.fail("server", ec, "accept")
        log("server", f"accepted a connection from {sock.remote_endpoint()}")
        acceptor.close()  # one client in this demo
        session = _server_session(sock, log)
        sessions.append(session)
        session.start()

    acceptor.async_accept(on_accept)
    _client(ioc, endpoint, count, log).start()
    handlers = ioc.run_for(10.0)
    if not ioc.stopped():
        log.failures += 1
        log("demo", "timed out after 10 s")
    log("demo", f"io_context ran {handlers} handlers; {log.failures} failure(s)")
    ioc.close()
    return 0 if log.failures == 0 else 1
