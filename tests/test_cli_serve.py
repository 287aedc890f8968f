"""Tests for ``python -m asiolike serve`` (asiolike/_cli_serve.py).

The server runs as a process (SIGINT is about the process); its clients are the
``websockets`` library, raw sockets (a client that never answers the close) and our own
``ws`` command. ``asiolike.signal_set`` itself is tested in tests/test_signal_set.py.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK
from websockets.sync.client import connect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOUND = 5.0


class served:
    """A running ``serve`` process and the port it listens on."""

    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.port = port
        self.url = f"ws://127.0.0.1:{port}/"

        self._stderr = ""

    def wait_for_stderr(self, text: str) -> None:
        """Read the server's stderr until ``text`` appears (bounded by ``BOUND``).

        For lines the server prints after a connection ends: interrupting it before that
        would race with the line.
        """
        assert self.proc.stderr is not None
        fd = self.proc.stderr.fileno()
        deadline = time.monotonic() + BOUND
        while text not in self._stderr:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"the server never printed {text!r}: {self._stderr!r}"
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 4096)
                assert chunk, f"the server closed stderr before {text!r}: {self._stderr!r}"
                self._stderr += chunk.decode()

    def interrupt(self) -> tuple[int, str, str]:
        """Send SIGINT and wait: ``(exit status, rest of stdout, all of stderr)``."""
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=BOUND)
        return self.proc.returncode, out, self._stderr + err


@contextmanager
def serve(*args: str) -> Iterator[served]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "asiolike", "serve", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), line
        yield served(proc, int(line.rsplit(":", 1)[1]))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=BOUND)


HANDSHAKE = (
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)
CLOSE_1001 = b"\x88\x02\x03\xe9"  # an unmasked close frame from the server, code 1001


def read_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, f"EOF after {data!r}"
        data += chunk
    return data


@contextmanager
def raw_client(port: int) -> Iterator[socket.socket]:
    """A WebSocket client by hand, after its handshake: it never answers anything."""
    with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as sock:
        sock.sendall(HANDSHAKE.encode())
        response = b""
        while not response.endswith(b"\r\n\r\n"):
            response += read_exactly(sock, 1)
        assert response.startswith(b"HTTP/1.1 101 ")
        yield sock


def test_sigint_closes_every_connection_with_1001_and_exits_0() -> None:
    with serve() as server, connect(server.url) as a, connect(server.url) as b:
        a.send("hello")
        assert a.recv(timeout=BOUND) == "hello"
        b.send(b"\x00\x01")
        assert b.recv(timeout=BOUND) == b"\x00\x01"
        status, out, err = server.interrupt()
        for client in (a, b):
            with pytest.raises(ConnectionClosedOK):
                client.recv(timeout=BOUND)
            assert client.protocol.close_rcvd is not None
            assert client.protocol.close_rcvd.code == 1001
    assert (status, out) == (0, "")
    assert err == "stopping: closing 2 connection(s) with 1001 (going_away)\n"


def test_sigint_with_no_connection() -> None:
    with serve() as server:
        assert server.interrupt() == (
            0,
            "",
            "stopping: closing 0 connection(s) with 1001 (going_away)\n",
        )


def test_sigterm_stops_too() -> None:
    with serve() as server:
        server.proc.send_signal(signal.SIGTERM)
        out, err = server.proc.communicate(timeout=BOUND)
        assert (server.proc.returncode, out) == (0, "")
        assert err.startswith("stopping: ")


def test_a_client_that_does_not_answer_is_cut_off_after_the_grace() -> None:
    with serve("--grace", "0.1") as server, raw_client(server.port) as sock:
        server.proc.send_signal(signal.SIGINT)
        assert read_exactly(sock, 4) == CLOSE_1001
        _, err = server.proc.communicate(timeout=BOUND)
        assert sock.recv(1) == b""
    assert server.proc.returncode == 0
    assert err.splitlines() == [
        "stopping: closing 1 connection(s) with 1001 (going_away)",
        "1 connection(s) did not finish closing; cutting them off",
    ]


def test_a_second_sigint_does_not_wait() -> None:
    with serve("--grace", "60") as server, raw_client(server.port) as sock:
        server.proc.send_signal(signal.SIGINT)
        assert read_exactly(sock, 4) == CLOSE_1001
        status, _, err = server.interrupt()
    assert status == 0
    assert err.splitlines() == [
        "stopping: closing 1 connection(s) with 1001 (going_away)",
        "stopping now",
    ]


def test_a_connection_still_in_its_handshake_is_aborted() -> None:
    with (
        serve("--grace", "60") as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=BOUND) as sock,
    ):
        status, _, err = server.interrupt()
        try:
            assert sock.recv(1) == b""
        except ConnectionResetError:
            pass  # SIGINT came before the accept: the kernel reset it
    assert status == 0
    assert err.startswith("stopping: closing ")


def test_echo_keeps_the_message_type_and_deflate_is_off_by_default() -> None:
    with serve() as server:
        with connect(server.url) as client:
            for message in ("text é", b"\x00\xffbinary", "", b""):
                client.send(message)
                assert client.recv(timeout=BOUND) == message
            assert client.response is not None
            assert "Sec-WebSocket-Extensions" not in client.response.headers
            assert client.response.headers["Server"].startswith("asiolike/")
        server.interrupt()


def test_deflate() -> None:
    with serve("--deflate") as server:
        with connect(server.url) as client:
            assert client.response is not None
            assert client.response.headers["Sec-WebSocket-Extensions"].startswith(
                "permessage-deflate"
            )
            # websockets' zlib settings on our side: a 12-bit window (a quarter of the memory).
            assert (
                "server_max_window_bits=12" in client.response.headers["Sec-WebSocket-Extensions"]
            )
            client.send("z" * 10000)
            assert client.recv(timeout=BOUND) == "z" * 10000
        server.interrupt()


def test_max_message_closes_with_1009() -> None:
    with serve("--max-message", "10") as server:
        with connect(server.url) as client:
            client.send("0123456789")
            assert client.recv(timeout=BOUND) == "0123456789"
            client.send("0123456789A")
            with pytest.raises(ConnectionClosedError):
                client.recv(timeout=BOUND)
            assert client.protocol.close_rcvd is not None
            assert client.protocol.close_rcvd.code == 1009
        server.wait_for_stderr("read: message_too_big")
        status, _, err = server.interrupt()
    assert status == 0
    assert "read: message_too_big" in err


def test_verbose_reports_connections() -> None:
    with serve("-v") as server:
        with connect(server.url) as client:
            client.send("x")
            client.recv(timeout=BOUND)
            peer = "{}:{}".format(*client.socket.getsockname())
        status, _, err = server.interrupt()
    assert status == 0
    assert err.splitlines() == [
        f"{peer}: connected",
        f"{peer}: closed by the client: 1000 ''",
        "stopping: closing 0 connection(s) with 1001 (going_away)",
    ]


def test_address_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "asiolike", "serve", "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=BOUND,
        )
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr.startswith(f"error: address_in_use (listen on 127.0.0.1:{port}: ")


def test_the_ws_command_sees_the_shutdown() -> None:
    with serve() as server:
        ws = subprocess.Popen(
            [sys.executable, "-m", "asiolike", "ws", server.url],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert ws.stdin is not None and ws.stdout is not None
            ws.stdin.write(b"ping me\n")
            ws.stdin.flush()
            assert ws.stdout.readline() == b"ping me\n"
            status, _, _ = server.interrupt()
            out, err = ws.communicate(timeout=BOUND)
        finally:
            if ws.poll() is None:
                ws.kill()
                ws.communicate(timeout=BOUND)
    assert status == 0
    assert (ws.returncode, out, err) == (0, b"", b"closed by the server: 1001 (going_away)\n")


def _fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_a_client_that_stops_reading_is_cut_off_at_the_idle_timeout() -> None:
    # Issue 10, item 9: the echo of a 16 MiB message to a client that reads nothing
    # holds the message's buffers until the idle timeout gives up on the connection.
    with serve("--idle-timeout", "1") as server:
        before = _fd_count(server.proc.pid)
        with raw_client(server.port) as sock:
            size = 16 << 20
            # One masked binary frame; a zero key leaves the payload as it is.
            sock.sendall(b"\x82\xff" + size.to_bytes(8, "big") + b"\0\0\0\0")
            sock.sendall(bytes(size))
            sent = time.monotonic()
            server.wait_for_stderr(": write: timeout")
            assert time.monotonic() - sent < 3.0
            # The timeout closed the socket before the failed write was reported.
            assert _fd_count(server.proc.pid) == before
        status, _, err = server.interrupt()
    assert status == 0
    assert "stopping: closing 0 connection(s)" in err


def test_the_idle_timeout_is_short_by_default_and_can_be_changed() -> None:
    from asiolike._cli_serve import IDLE_TIMEOUT, serve_options

    assert serve_options().idle_timeout == IDLE_TIMEOUT == 20.0
    shown = subprocess.run(
        [sys.executable, "-m", "asiolike", "serve", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BOUND,
        check=True,
    ).stdout
    assert "--idle-timeout SECONDS" in shown
    assert "(default: 20)" in " ".join(shown.split())
    # 0 switches it off: a quiet client stays connected (and is not pinged).
    with serve("--idle-timeout", "0") as server, connect(server.url, ping_interval=None) as c:
        c.send("still")
        assert c.recv(timeout=BOUND) == "still"
        server.interrupt()


# -- every failure path of a connection closes its socket at once (issue 15) -----------------


def test_failing_connections_are_closed_at_once_and_serving_goes_on() -> None:
    """In this process, with the cyclic GC off and every session in a reference cycle.

    A client reset while it waited in the backlog (``remote_endpoint`` then fails with
    ``not_connected``: it used to raise out of ``run()`` and end the server), a request
    that is not an upgrade, and an upgrade cut inside a frame: each must be closed by the
    server at once, and an honest client be served after them.
    """
    import io
    import weakref

    import asiolike as net
    from asiolike import _cli_serve
    from asiolike.ip import make_address, tcp
    from tests.examples.test_fail_closes import (
        NOT_AN_UPGRADE,
        _closed_by_the_example,
        _in_a_cycle,
        _run_beside,
        _upgrades_then_cuts,
    )
    from tests.support.lifetimes import gc_disabled

    alive: list[weakref.ref[object]] = []
    monkeypatch = pytest.MonkeyPatch()
    err = io.StringIO()
    closed: list[bool] = []
    echoed: list[str] = []
    try:
        _in_a_cycle(monkeypatch, [_cli_serve.session], alive)
        with gc_disabled():
            ioc = net.io_context()
            endpoint = tcp.endpoint(make_address("127.0.0.1"), 0)
            srv = _cli_serve.server(ioc, endpoint, _cli_serve.serve_options(), err)
            port = srv.local_endpoint().port()
            # Reset (SO_LINGER 0) before the server runs, so that it is still unaccepted.
            reset = socket.create_connection(("127.0.0.1", port), timeout=BOUND)
            reset.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            reset.close()
            srv.run(None)

            def clients() -> None:
                with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as sock:
                    sock.sendall(NOT_AN_UPGRADE)
                    closed.append(_closed_by_the_example(sock))
                with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as sock:
                    _upgrades_then_cuts(sock)
                    closed.append(_closed_by_the_example(sock))
                with connect(f"ws://127.0.0.1:{port}/", open_timeout=BOUND) as ws:
                    ws.send("still here")
                    echoed.append(str(ws.recv(timeout=BOUND)))

            _run_beside(ioc, clients)
            assert any(ref() is not None for ref in alive), "no session was kept by its cycle"
            srv.stop()
            ioc.run_for(BOUND)
            assert ioc.stopped()
            ioc.close()
    finally:
        monkeypatch.undo()
    report = err.getvalue()
    assert closed == [True, True], report
    assert echoed == ["still here"]
    assert "accept: not_connected" in report
    assert ": accept: " in report and ": read: " in report, report
