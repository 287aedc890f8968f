"""Tests for the ported Asio and Beast examples in ``examples/``.

Covered here: the Asio tutorial timers, the echo server and client, the chat server and
client, the HTTP file server, the WebSocket chat server, the ``echo_op`` composed
operation and the two timeout examples. (The HTTP client has its own test file; the
WebSocket client/server and TLS examples are tested beside them.)

How they run:

* demos and clients run in-process through their ``main(argv)``, in a thread bounded by
  a join timeout (they call ``ioc.run()`` as the C++ does), with ``capsys`` capturing
  what they print;
* servers, and clients that read standard input, run as subprocesses with
  ``PYTHONPATH`` set to the repository; a server prints ``listening on HOST:PORT``
  (port 0 picks a free one), is given ``--connections N`` so that it exits on its own
  once the test's N connections have ended, and must then exit with status 0 and an
  empty stderr. A process still alive after its bound is killed and fails the test.

The peers on the test side are the standard library (``socket``, ``http.client``) and
the ``websockets`` library, so the examples are checked against code nobody here wrote.
"""

from __future__ import annotations

import http.client
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import IO

import pytest
from websockets.sync.client import connect as ws_connect

import asiolike as net
from asiolike import beast, testing
from asiolike.beast import http as bhttp
from examples import (
    chat_client,
    chat_server,
    echo_client_async,
    echo_op,
    echo_server_async,
    http_server_async,
    timeout_tcp_stream,
    timeout_timer,
    timer1_sync,
    timer2_async,
    timer3_arguments,
    timer4_member,
    timer5_strand,
    websocket_server_chat,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ENV = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")

#: Bound on any single wait in these tests (a process line, a thread, a socket read).
BOUND = 10.0


# -- helpers ---------------------------------------------------------------------------------


def run_main(main: Callable[[list[str]], int], argv: list[str]) -> int:
    """``main(argv)`` in a thread, bounded: the examples call ``ioc.run()`` unbounded."""
    status: list[int] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            status.append(main(argv))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(BOUND)
    assert not thread.is_alive(), f"{main.__module__}.main{argv} did not finish"
    if errors:
        raise errors[0]
    return status[0]


def _read_line(stream: IO[bytes] | None, what: str) -> bytes:
    """One line from an unbuffered pipe, waiting at most BOUND seconds."""
    assert stream is not None
    fd = stream.fileno()
    line = b""
    deadline = time.monotonic() + BOUND
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            pytest.fail(f"{what}: no complete line within {BOUND} s (got {line!r})")
        byte = os.read(fd, 1)
        if not byte:
            pytest.fail(f"{what}: output ended before a complete line (got {line!r})")
        line += byte
    return line


class Server:
    """A server example running as a subprocess."""

    def __init__(self, proc: subprocess.Popen[bytes], ports: list[int]) -> None:
        self.proc = proc
        self.ports = ports
        self.port = ports[0]

    def finish(self) -> tuple[int, bytes, bytes]:
        """Wait for the process to exit on its own; its status, the rest of stdout, stderr."""
        try:
            out, err = self.proc.communicate(timeout=BOUND)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            pytest.fail("the server did not exit once its connections had ended")
        return self.proc.returncode, out, err


@contextmanager
def server(script: str, *args: str, listeners: int = 1) -> Iterator[Server]:
    """Start ``examples/<script>`` and wait for its ``listening on HOST:PORT`` line(s)."""
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / script), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
        env=ENV,
    )
    try:
        ports = []
        for _ in range(listeners):
            line = _read_line(proc.stdout, script)
            m = re.fullmatch(rb"listening on 127\.0\.0\.1:(\d+)\n", line)
            assert m is not None, line
            ports.append(int(m.group(1)))
        yield Server(proc, ports)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def recv_exactly(sock: socket.socket, n: int) -> bytes:
    """Exactly ``n`` bytes from ``sock`` (fails the test on a premature end)."""
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, f"connection ended after {data!r}"
        data += chunk
    return data


def recv_all(sock: socket.socket) -> bytes:
    """Everything until the peer closes."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def connect(port: int) -> socket.socket:
    """A TCP connection to 127.0.0.1:port with the test's bound as timeout."""
    return socket.create_connection(("127.0.0.1", port), timeout=BOUND)


def refused_port() -> tuple[socket.socket, int]:
    """A bound socket that does not listen: connecting to its port is refused."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    return holder, holder.getsockname()[1]


# -- Asio tutorial timers ----------------------------------------------------------------------


@pytest.mark.parametrize("example", [timer1_sync, timer2_async])
def test_timer_prints_hello_once_expired(
    example: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    start = time.monotonic()
    assert run_main(example.main, []) == 0
    assert time.monotonic() - start >= example.WAIT
    assert capsys.readouterr() == ("Hello, world!\n", "")


@pytest.mark.parametrize("example", [timer3_arguments, timer4_member])
def test_timer_counts_to_five(example: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    start = time.monotonic()
    assert run_main(example.main, []) == 0
    # Five waits that print, a sixth that finds the count at 5: six periods.
    assert time.monotonic() - start >= 6 * example.PERIOD
    assert capsys.readouterr() == ("0\n1\n2\n3\n4\nFinal count is 5\n", "")


def test_timer5_strand_serialises_two_timers_on_two_threads(
    capsys: pytest.CaptureFixture[str],
) -> None:
    start = time.monotonic()
    assert run_main(timer5_strand.main, []) == 0
    assert time.monotonic() - start >= 6 * timer5_strand.PERIOD
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[-1] == "Final count is 10"
    parsed = [re.fullmatch(r"Timer ([12]): (\d+)", line) for line in lines[:-1]]
    assert all(parsed), lines
    # Which timer runs first within a period varies; the count never skips or repeats.
    assert [int(m.group(2)) for m in parsed if m] == list(range(10))
    assert sorted(m.group(1) for m in parsed if m) == ["1"] * 5 + ["2"] * 5


@pytest.mark.parametrize(
    "example", [timer1_sync, timer2_async, timer3_arguments, timer4_member, timer5_strand]
)
def test_timer_takes_no_arguments(example: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert example.main(["extra"]) == 1
    assert capsys.readouterr().err.startswith("Usage: timer")


# -- echo server and client --------------------------------------------------------------------


def test_echo_server_echoes_to_clients(capsys: pytest.CaptureFixture[str]) -> None:
    with server("echo_server_async.py", "0", "--connections", "3") as srv:
        # 1. The async client, in-process, message from the command line.
        assert run_main(echo_client_async.main, ["127.0.0.1", str(srv.port), "hello world"]) == 0
        assert capsys.readouterr() == ("Reply is: hello world\n", "")

        # 2. The client script, message from standard input (as the blocking C++ client).
        done = subprocess.run(
            [sys.executable, str(EXAMPLES / "echo_client_async.py"), "127.0.0.1", str(srv.port)],
            input="héllo, écho\n".encode(),
            capture_output=True,
            timeout=BOUND,
            env=ENV,
            check=False,
        )
        assert (done.returncode, done.stderr) == (0, b"")
        assert done.stdout.decode() == "Enter message: Reply is: héllo, écho\n"

        # 3. More than the session's 1024-byte buffer, in one go: several read/write turns.
        payload = bytes(range(256)) * 20
        with connect(srv.port) as sock:
            sock.sendall(payload)
            assert recv_exactly(sock, len(payload)) == payload
            sock.shutdown(socket.SHUT_WR)
            assert recv_all(sock) == b""  # the session closed once it read eof

        assert srv.finish() == (0, b"", b"")


def test_echo_client_reports_a_refused_connection(capsys: pytest.CaptureFixture[str]) -> None:
    holder, port = refused_port()
    with holder:
        assert run_main(echo_client_async.main, ["127.0.0.1", str(port), "x"]) == 0
    assert capsys.readouterr() == ("", "connect: Connection refused\n")


# -- chat server and client --------------------------------------------------------------------


@pytest.mark.parametrize("module", [chat_server, chat_client])
def test_chat_message_framing(module: ModuleType) -> None:
    chat_message = module.chat_message
    msg = chat_message()
    body = b"hello"
    msg.body_length(len(body))
    msg.body()[: len(body)] = body
    msg.encode_header()
    assert bytes(msg.data()[: msg.length()]) == b"   5hello"

    msg.body_length(10_000)  # capped, as the C++ setter does
    assert msg.body_length() == 512

    for header, ok, length in [
        (b"  12", True, 12),
        (b" 512", True, 512),
        (b" 513", False, 0),
        (b"9999", False, 0),
        (b"  -1", False, 0),
        (b"abcd", False, 0),
    ]:
        msg = chat_message()
        msg.data()[:4] = header
        assert msg.decode_header() is ok, header
        assert msg.body_length() == length


def frame(text: str) -> bytes:
    body = text.encode()
    return b"%4d" % len(body) + body


def read_frame(sock: socket.socket) -> bytes:
    header = recv_exactly(sock, 4)
    return recv_exactly(sock, int(header))


def test_chat_room_broadcasts_and_keeps_history() -> None:
    with server("chat_server.py", "0", "0", "--connections", "3", listeners=2) as srv:
        # Participant A: a raw socket speaking the framing. The room sends each message
        # to every participant, the sender included.
        with connect(srv.ports[0]) as a:
            a.sendall(frame("hello from A"))
            assert read_frame(a) == b"hello from A"

            # The client script joins: it prints the history, then what the room says.
            client = subprocess.Popen(
                [sys.executable, str(EXAMPLES / "chat_client.py"), "127.0.0.1", str(srv.port)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                bufsize=0,
                env=ENV,
            )
            try:
                assert _read_line(client.stdout, "chat client") == b"hello from A\n"
                assert client.stdin is not None
                client.stdin.write("hi from the client, ça va?\n".encode())
                client.stdin.flush()
                assert read_frame(a) == "hi from the client, ça va?".encode()
                assert _read_line(client.stdout, "chat client") == (
                    "hi from the client, ça va?\n".encode()
                )
                # End of input: the client closes the connection and exits.
                out, err = client.communicate(timeout=BOUND)
            finally:
                if client.poll() is None:
                    client.kill()
                    client.communicate()
            assert (client.returncode, out, err) == (0, b"", b"")

            # A new participant gets the history; a header announcing more than 512
            # bytes then makes the server drop it.
            with connect(srv.port) as bad:
                history = read_frame(bad), read_frame(bad)
                assert history == (b"hello from A", "hi from the client, ça va?".encode())
                bad.sendall(b"9999")
                assert recv_all(bad) == b""

        # The second port has a server and a room of its own, with no history.
        for _ in range(3):
            with connect(srv.ports[1]) as c:
                c.sendall(frame("alone"))
                assert read_frame(c) == b"alone"

        assert srv.finish() == (0, b"", b"")


# -- HTTP server -------------------------------------------------------------------------------


def make_doc_root(tmp_path: Path) -> Path:
    root = tmp_path / "www"
    (root / "sub").mkdir(parents=True)
    (root / "index.html").write_text("<h1>home</h1>\n")
    (root / "notes.txt").write_text("some notes\n")
    (root / "sub" / "data.JSON").write_text('{"a": 1}')
    (tmp_path / "secret.txt").write_text("outside the document root\n")
    return root


def test_mime_type_and_path_cat() -> None:
    mime_type, path_cat = http_server_async.mime_type, http_server_async.path_cat
    assert mime_type("/a/index.HTML") == "text/html"
    assert mime_type("x.svgz") == "image/svg+xml"
    assert mime_type("archive.tar.gz") == "application/text"
    assert mime_type("README") == "application/text"
    assert path_cat("/srv/www/", "/a.txt") == "/srv/www/a.txt"
    assert path_cat("/srv/www", "/a.txt") == "/srv/www/a.txt"
    assert path_cat("", "/a.txt") == "/a.txt"


@pytest.mark.parametrize(
    "handle_request",
    [
        http_server_async.handle_request,
        websocket_server_chat.handle_request,
    ],
)
def test_handle_request(tmp_path: Path, handle_request: Callable[..., bhttp.response]) -> None:
    root = str(make_doc_root(tmp_path))

    def respond(req: bhttp.request) -> bhttp.response:
        res = handle_request(root, req)
        if isinstance(res, bhttp.message_generator):
            # Beast's current handle_request returns a generator: parse what it writes.
            wire = bytearray()
            while not res.is_done():
                for piece in res.prepare():
                    wire += piece
                    res.consume(len(piece))
            p = bhttp.response_parser()
            p.skip(req.method() == bhttp.verb.head)
            p.eager(True)
            assert p.put(bytes(wire)) == (len(wire), net.error_code())
            return p.release()
        return res  # type: ignore[no-any-return]

    def ask(target: str, method: bhttp.verb = bhttp.verb.get) -> tuple[int, str | None, bytes]:
        res = respond(bhttp.request(method, target, 11))
        body = res.body if isinstance(res.body, bytes) else res.body.encode()
        if method == bhttp.verb.get:
            assert res.content_length() == len(body)
        assert res.keep_alive()
        return res.result_int(), res.find("content-type"), body

    assert ask("/") == (200, "text/html", b"<h1>home</h1>\n")
    assert ask("/sub/data.JSON") == (200, "application/json", b'{"a": 1}')
    assert ask("/notes.txt", bhttp.verb.head) == (200, "text/plain", b"")
    res = respond(bhttp.request(bhttp.verb.head, "/notes.txt", 11))
    assert res.content_length() == len("some notes\n")  # the size of the file not sent
    assert ask("/nope.txt") == (404, "text/html", b"The resource '/nope.txt' was not found.")
    assert ask("/sub") == (500, "text/html", b"An error occurred: 'Is a directory'")
    assert ask("/", bhttp.verb.post) == (400, "text/html", b"Unknown HTTP-method")
    # The path-traversal guard: no "..", and the target must start with "/".
    illegal = (400, "text/html", b"Illegal request-target")
    assert ask("/../secret.txt") == illegal
    assert ask("/sub/../../secret.txt") == illegal
    assert ask("secret.txt") == illegal
    assert ask("http://host/index.html") == illegal

    res = respond(bhttp.request(bhttp.verb.get, "/", 10))
    assert (res.version(), res.keep_alive()) == (10, False)
    assert res.find("server") == f"asiolike/{net.__version__}"


def test_http_server_serves_files(tmp_path: Path) -> None:
    root = make_doc_root(tmp_path)
    with server(
        "http_server_async.py", "127.0.0.1", "0", str(root), "2", "--connections", "3"
    ) as srv:
        # 1. Keep-alive: several requests on one connection, errors included.
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=BOUND)
        try:
            for method, target, status, ctype, body in [
                ("GET", "/", 200, "text/html", b"<h1>home</h1>\n"),
                ("GET", "/sub/data.JSON", 200, "application/json", b'{"a": 1}'),
                ("HEAD", "/notes.txt", 200, "text/plain", b""),
                ("GET", "/missing", 404, "text/html", b"The resource '/missing' was not found."),
                ("GET", "/../secret.txt", 400, "text/html", b"Illegal request-target"),
                ("POST", "/", 400, "text/html", b"Unknown HTTP-method"),
                ("GET", "/notes.txt", 200, "text/plain", b"some notes\n"),
            ]:
                conn.request(method, target)
                res = conn.getresponse()
                assert (res.status, res.getheader("Content-Type"), res.read()) == (
                    status,
                    ctype,
                    body,
                ), (method, target)
                assert res.getheader("Server") == f"asiolike/{net.__version__}"
            assert res.getheader("Content-Length") == "11"
        finally:
            conn.close()

        # 2. A target that does not start with "/", raw (and "Connection: close": the
        # server shuts its side down after the response).
        with connect(srv.port) as sock:
            sock.sendall(b"GET secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            reply = recv_all(sock)
            assert reply.startswith(b"HTTP/1.1 400 Bad Request\r\n")
            assert reply.endswith(b"\r\n\r\nIllegal request-target")

        # 3. HTTP/1.0 without keep-alive: the server closes after the response.
        with connect(srv.port) as sock:
            sock.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
            reply = recv_all(sock)
            assert reply.startswith(b"HTTP/1.0 200 OK\r\n")
            assert reply.endswith(b"\r\n\r\n<h1>home</h1>\n")

        assert srv.finish() == (0, b"", b"")


# -- WebSocket chat server ---------------------------------------------------------------------


def test_websocket_chat_broadcasts_and_serves_http(tmp_path: Path) -> None:
    root = make_doc_root(tmp_path)
    with server(
        "websocket_server_chat.py", "127.0.0.1", "0", str(root), "2", "--connections", "3"
    ) as srv:
        # Plain HTTP on the same port.
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=BOUND)
        try:
            conn.request("GET", "/")
            res = conn.getresponse()
            assert (res.status, res.read()) == (200, b"<h1>home</h1>\n")
            conn.request("GET", "/../secret.txt")
            res = conn.getresponse()
            assert (res.status, res.read()) == (400, b"Illegal request-target")
        finally:
            conn.close()

        url = f"ws://127.0.0.1:{srv.port}/"
        with ws_connect(url, open_timeout=BOUND) as a, ws_connect(url, open_timeout=BOUND) as b:
            assert a.response is not None
            server_field = a.response.headers["Server"]
            assert server_field == f"asiolike/{net.__version__} websocket-chat-multi"

            # B joined before its first read, and A long before: both get B's message.
            b.send("hello from B")
            assert b.recv(timeout=BOUND) == "hello from B"
            assert a.recv(timeout=BOUND) == "hello from B"

            # Several messages in a row: each session's write queue keeps their order.
            for i in range(5):
                a.send(f"message {i} from A, ünïcode")
            for ws in (a, b):
                got = [ws.recv(timeout=BOUND) for _ in range(5)]
                assert got == [f"message {i} from A, ünïcode" for i in range(5)]

        assert srv.finish() == (0, b"", b"")


# -- echo_op: a composed operation -------------------------------------------------------------


@pytest.mark.parametrize(("read_size", "write_size"), [(None, None), (1, 1), (3, 2)])
def test_async_echo_over_a_test_stream(
    ioc: net.io_context, run_ioc: Callable[..., int], read_size: int | None, write_size: int | None
) -> None:
    ts = testing.stream(ioc, b"first line\nsecond")
    remote = testing.connect(ts)
    if read_size is not None:
        ts.read_size(read_size)
    if write_size is not None:
        ts.write_size(write_size)
    buffer = beast.flat_buffer()
    results: list[tuple[net.error_code, bool]] = []
    initiated = False

    def handler(ec: net.error_code) -> None:
        results.append((ec, initiated))

    echo_op.async_echo(ts, buffer, handler)
    initiated = True
    run_ioc(ioc)

    assert results == [(net.error.success, True)]  # once, and never inline
    assert remote.str() == "first line\n"  # only the line went back
    assert beast.buffers_to_string(buffer.data()) == "second"[: buffer.size()]


def test_async_echo_reports_eof_and_writes_nothing(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    ts = testing.stream(ioc, b"no newline")
    remote = testing.connect(ts)
    ts.close_remote()
    results: list[net.error_code] = []
    echo_op.async_echo(ts, beast.flat_buffer(), results.append)
    run_ioc(ioc)
    assert results == [net.error.eof]
    assert remote.str() == ""


def test_async_echo_runs_its_handler_in_the_bound_strand(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    ts = testing.stream(ioc, b"line\n")
    remote = testing.connect(ts)
    strand = net.make_strand(ioc)
    seen: list[bool] = []
    echo_op.async_echo(
        ts,
        beast.flat_buffer(),
        net.bind_executor(strand, lambda ec: seen.append(strand.running_in_this_thread())),
    )
    run_ioc(ioc)
    assert seen == [True]
    assert remote.str() == "line\n"


def test_async_echo_with_use_future(ioc: net.io_context, run_ioc: Callable[..., int]) -> None:
    ts = testing.stream(ioc, b"via a future\n")
    remote = testing.connect(ts)
    future = echo_op.async_echo(ts, beast.flat_buffer(), net.use_future)
    assert future is not None and not future.done()
    run_ioc(ioc)
    assert future.result(0) is None
    assert remote.str() == "via a future\n"


def test_echo_op_program_echoes_one_line_over_a_socket() -> None:
    with server("echo_op.py", "127.0.0.1", "0") as srv:
        with connect(srv.port) as sock:
            sock.sendall(b"ping\nnot echoed")
            assert recv_all(sock) == b"ping\n"  # one line, then the program exits
        assert srv.finish() == (0, b"", b"")


def test_echo_op_program_reports_eof() -> None:
    with server("echo_op.py", "127.0.0.1", "0") as srv:
        with connect(srv.port) as sock:
            sock.sendall(b"no newline")
            sock.shutdown(socket.SHUT_WR)
            assert recv_all(sock) == b""
        assert srv.finish() == (0, b"", b"echo: End of file\n")


# -- timeouts ----------------------------------------------------------------------------------


def test_timeout_tcp_stream_against_its_silent_server(capsys: pytest.CaptureFixture[str]) -> None:
    start = time.monotonic()
    assert run_main(timeout_tcp_stream.main, []) == 0
    assert time.monotonic() - start >= timeout_tcp_stream.TIMEOUT
    out, err = capsys.readouterr()
    assert re.fullmatch(
        r"connected to 127\.0\.0\.1:\d+\nrequest sent; waiting 0\.2 s for the response\n", out
    ), out
    assert err == "read: The socket was closed due to a timeout\n"


def test_timeout_tcp_stream_against_a_peer_that_never_accepts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The kernel completes the connection from the listen backlog; nobody ever reads.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        start = time.monotonic()
        argv = ["127.0.0.1", str(port), "--timeout", "0.1"]
        assert run_main(timeout_tcp_stream.main, argv) == 0
        assert time.monotonic() - start >= 0.1
    assert capsys.readouterr() == (
        f"connected to 127.0.0.1:{port}\nrequest sent; waiting 0.1 s for the response\n",
        "read: The socket was closed due to a timeout\n",
    )


def test_timeout_timer_against_its_quiet_server(capsys: pytest.CaptureFixture[str]) -> None:
    start = time.monotonic()
    assert run_main(timeout_timer.main, []) == 0
    assert time.monotonic() - start >= timeout_timer.READ_TIMEOUT
    out, err = capsys.readouterr()
    assert err == ""
    m = re.fullmatch(
        r"Trying 127\.0\.0\.1:(\d+)\.\.\.\n"
        r"Connected to 127\.0\.0\.1:(\d+)\n"
        r"Received: hello\n"
        r"Error on receive: Operation canceled\n",
        out,
    )
    assert m is not None, out
    assert m.group(1) == m.group(2)


def test_timeout_timer_reports_a_refused_connection(capsys: pytest.CaptureFixture[str]) -> None:
    holder, port = refused_port()
    with holder:
        assert run_main(timeout_timer.main, ["127.0.0.1", str(port)]) == 0
    assert capsys.readouterr() == (
        f"Trying 127.0.0.1:{port}...\nConnect error: Connection refused\n",
        "",
    )


# -- command lines -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "example",
    [echo_server_async, chat_server, http_server_async, websocket_server_chat, timeout_tcp_stream],
)
def test_help_and_bad_command_lines(
    example: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    main = example.main
    assert main(["--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: ")
    assert main(["--no-such-option"]) == 1
    assert "error: " in capsys.readouterr().err


@pytest.mark.parametrize(
    ("example", "argv"),
    [
        (echo_client_async, ["127.0.0.1"]),
        (chat_client, ["127.0.0.1"]),
        (echo_op, ["127.0.0.1"]),
        (timeout_timer, ["127.0.0.1"]),
    ],
)
def test_usage(example: ModuleType, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert example.main(argv) == 1
    assert capsys.readouterr().err.startswith("Usage: ")
