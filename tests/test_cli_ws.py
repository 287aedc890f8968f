"""Tests for ``python -m asiolike ws`` (asiolike/_cli_ws.py).

The peer is the ``websockets`` library (its threaded server), the stdlib's HTTP server for
a refused upgrade, and our own ``serve`` for the pipe test, run as processes.
"""

from __future__ import annotations

import argparse
import http.server
import io
import itertools
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.sync.server import ServerConnection, serve

from asiolike._cli_ws import LINE_MAX, parse_header, parse_url, read_lines, run_ws, ws_options

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOUND = 5.0


@contextmanager
def ws_server(
    handler: Callable[[ServerConnection], None], **kwargs: Any
) -> Iterator[tuple[int, list[ServerConnection]]]:
    """A ``websockets`` server on 127.0.0.1 in a thread; yields its port and connections."""
    conns: list[ServerConnection] = []

    def wrapped(conn: ServerConnection) -> None:
        conns.append(conn)
        handler(conn)

    server = serve(wrapped, "127.0.0.1", 0, **kwargs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.socket.getsockname()[1], conns
    finally:
        server.shutdown()
        thread.join(BOUND)


def echo(conn: ServerConnection) -> None:
    for message in conn:
        conn.send(message)


def run(port: int, data: bytes, path: str = "/", **options: Any) -> tuple[int, bytes, str]:
    out = io.BytesIO()
    err = io.StringIO()
    url = parse_url(f"ws://127.0.0.1:{port}{path}")
    status = run_ws(url, ws_options(**options), io.BytesIO(data), out, err, run_for=BOUND)
    return status, out.getvalue(), err.getvalue()


# -- the command line's values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secure", "host", "port", "host_header", "target"),
    [
        ("ws://127.0.0.1:8765/", False, "127.0.0.1", 8765, "127.0.0.1:8765", "/"),
        ("ws://example.com", False, "example.com", 80, "example.com", "/"),
        (
            "WSS://Example.com/chat?room=1&x=2",
            True,
            "example.com",
            443,
            "Example.com",
            "/chat?room=1&x=2",
        ),
        ("ws://[::1]:9000/a/b", False, "::1", 9000, "[::1]:9000", "/a/b"),
        ("ws://h:81?q", False, "h", 81, "h:81", "/?q"),
        ("wss://h:443/%20x", True, "h", 443, "h:443", "/%20x"),
    ],
)
def test_parse_url(
    text: str, secure: bool, host: str, port: int, host_header: str, target: str
) -> None:
    url = parse_url(text)
    assert (url.secure, url.host, url.port, url.host_header, url.target) == (
        secure,
        host,
        port,
        host_header,
        target,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http://h/", "use a ws:// or wss:// URL"),
        ("127.0.0.1:8765", "use a ws:// or wss:// URL"),
        ("ws:///path", "has no host"),
        ("ws://h:99999/", "out of range"),
        ("ws://h:x/", "Port could not be cast"),
        ("ws://user:pw@h/", "credentials in the URL"),
        ("ws://h/#frag", "no fragment"),
        ("ws://h/a b", "percent-encode"),
    ],
)
def test_parse_url_refuses(text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse_url(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("X-Token: abc", ("X-Token", "abc")),
        ("X-Token:abc", ("X-Token", "abc")),
        ("Authorization:  Bearer a:b ", ("Authorization", "Bearer a:b")),
        ("X-Empty:", ("X-Empty", "")),
    ],
)
def test_parse_header(text: str, expected: tuple[str, str]) -> None:
    assert parse_header(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("X-Token abc", "NAME:VALUE"),
        ("Bad Name: x", "invalid field name"),
        (": x", "invalid field name"),
        ("X: a\rb", "CR, LF and NUL"),
    ],
)
def test_parse_header_refuses(text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse_header(text)


# -- the reader thread's line splitting --------------------------------------------------------


class sink:
    """Collects what the reader thread hands over (stands in for the session)."""

    def __init__(self) -> None:
        self.slots = threading.Semaphore(1000)
        self.stop_input = threading.Event()
        self.events: list[object] = []

    def on_line(self, line: bytes) -> None:
        self.events.append(line)

    def on_input_end(self) -> None:
        self.events.append("end")

    def on_input_error(self, message: str) -> None:
        self.events.append(("error", message))


def split_reads(data: bytes, cuts: list[int]) -> Callable[[int], bytes]:
    """A ``read(n)`` that returns ``data`` in the pieces the cut positions make."""
    bounds = [0, *cuts, len(data)]
    pieces = [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    pieces.append(b"")

    def read(n: int) -> bytes:
        return pieces.pop(0)

    return read


def lines_of(read: Callable[[int], bytes]) -> list[object]:
    target = sink()
    read_lines(read, lambda f: f(), target)
    return target.events


INPUT = b"one\ntwo\r\n\nthree \xff\nlast"
LINES: list[object] = [b"one", b"two", b"", b"three \xff", b"last", "end"]


def test_read_lines_whole() -> None:
    assert lines_of(split_reads(INPUT, [])) == LINES


def test_read_lines_byte_by_byte() -> None:
    assert lines_of(split_reads(INPUT, list(range(1, len(INPUT))))) == LINES


@pytest.mark.parametrize("cut", range(1, len(INPUT)))
def test_read_lines_split(cut: int) -> None:
    assert lines_of(split_reads(INPUT, [cut])) == LINES


def test_read_lines_empty_input_and_final_newline() -> None:
    assert lines_of(split_reads(b"", [])) == ["end"]
    assert lines_of(split_reads(b"a\n", [])) == [b"a", "end"]


def test_read_lines_too_long() -> None:
    data = b"x" * (LINE_MAX + 1)
    assert lines_of(split_reads(data, [LINE_MAX // 2])) == [
        ("error", f"a line longer than {LINE_MAX} bytes")
    ]


def test_read_lines_stops_when_the_session_ended() -> None:
    target = sink()
    target.stop_input.set()
    read_lines(split_reads(b"a\nb\n", []), lambda f: f(), target)
    assert target.events == []


def test_read_lines_reports_a_read_error() -> None:
    def read(n: int) -> bytes:
        raise OSError(5, "Input/output error")

    assert lines_of(read) == [("error", "[Errno 5] Input/output error")]


# -- against a websockets server ---------------------------------------------------------------


def test_text_lines_are_echoed_and_closed_with_1000() -> None:
    closes: list[int] = []

    def handler(conn: ServerConnection) -> None:
        echo(conn)
        assert conn.protocol.close_rcvd is not None
        closes.append(conn.protocol.close_rcvd.code)

    with ws_server(handler) as (port, _conns):
        status, out, err = run(port, "a\nb\r\nhé\n\nlast".encode())
    assert (status, out, err) == (0, "a\nb\nhé\n\nlast\n".encode(), "")
    assert closes == [1000]


def test_binary_lines_and_binary_output() -> None:
    got: list[object] = []

    def handler(conn: ServerConnection) -> None:
        for message in conn:
            got.append(message)
            conn.send(message)

    with ws_server(handler) as (port, _):
        status, out, err = run(port, b"\x00\x01abc\n\xff\n", binary=True)
    assert got == [b"\x00\x01abc", b"\xff"]
    assert (status, out, err) == (0, b"b'\\x00\\x01abc'\nb'\\xff'\n", "")


def test_text_and_binary_messages_from_the_server() -> None:
    def handler(conn: ServerConnection) -> None:
        for message in conn:
            conn.send("héllo" if message == "go" else b"\x00\xffz")

    with ws_server(handler) as (port, _):
        status, out, err = run(port, b"go\nmore\n")
    assert (status, out, err) == (0, "héllo\nb'\\x00\\xffz'\n".encode(), "")


def test_input_that_is_not_utf8_is_replaced_with_a_warning() -> None:
    got: list[object] = []

    def handler(conn: ServerConnection) -> None:
        for message in conn:
            got.append(message)
            conn.send(message)

    with ws_server(handler) as (port, _):
        status, out, err = run(port, b"a\xffb\n")
    assert got == ["a\ufffdb"]
    assert status == 0
    assert out == "a\ufffdb\n".encode()
    assert err.startswith("warning: the input is not UTF-8")


def test_headers_host_and_target_reach_the_server() -> None:
    with ws_server(echo) as (port, conns):
        status, _, err = run(
            port,
            b"",
            path="/chat?room=1",
            headers=[("X-Test", "one"), ("x-test", "two"), ("User-Agent", "custom/1")],
        )
    assert (status, err) == (0, "")
    request = conns[0].request
    assert request is not None
    assert request.path == "/chat?room=1"
    assert request.headers["Host"] == f"127.0.0.1:{port}"
    assert request.headers.get_all("X-Test") == ["one", "two"]
    assert request.headers.get_all("User-Agent") == ["custom/1"]


def test_default_user_agent_and_no_deflate_offer() -> None:
    with ws_server(echo) as (port, conns):
        status, _, _ = run(port, b"")
    request = conns[0].request
    assert request is not None
    assert status == 0
    assert request.headers["User-Agent"].startswith("asiolike/")
    assert "Sec-WebSocket-Extensions" not in request.headers


def test_deflate_negotiates() -> None:
    with ws_server(echo, compression="deflate") as (port, conns):
        status, out, err = run(port, b"x" * 1000 + b"\n", deflate=True, verbose=True)
    assert status == 0
    assert out == b"x" * 1000 + b"\n"
    response = conns[0].response
    assert response is not None
    assert response.headers["Sec-WebSocket-Extensions"].startswith("permessage-deflate")
    assert "(extensions: permessage-deflate" in err


def test_verbose_steps_and_pongs() -> None:
    def silent(conn: ServerConnection) -> None:
        for _ in conn:
            pass  # never answers: ws lingers, pinging meanwhile

    with ws_server(silent) as (port, _):
        status, out, err = run(port, b"hello\n", ping_interval=0.02, linger=0.2, verbose=True)
    assert (status, out) == (0, b"")
    # "end of input" comes whenever the reader thread gets there.
    lines = err.splitlines()
    assert lines.count("end of input") == 1
    lines.remove("end of input")
    assert lines[0] == f"connected to 127.0.0.1:{port}"
    assert lines[1] == "handshake done: 101 Switching Protocols"
    assert any(line.startswith("pong b'1'") for line in lines)
    assert "no answer for 0.2 s" in lines
    assert lines[-2:] == ["closing with 1000 (normal)", "closed; the server answered 1000 (normal)"]


def test_linger_zero_closes_after_the_last_write() -> None:
    def silent(conn: ServerConnection) -> None:
        for _ in conn:
            pass

    with ws_server(silent) as (port, _):
        status, out, err = run(port, b"a\n", linger=0)
    assert (status, out, err) == (0, b"", "")


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        (1000, 0, "closed by the server: 1000 (normal), reason 'bye'\n"),
        (1001, 0, "closed by the server: 1001 (going_away), reason 'bye'\n"),
        (1011, 1, "error: closed (the server closed with 1011 (internal_error), reason 'bye')\n"),
    ],
)
def test_server_closes(code: int, status: int, message: str) -> None:
    def handler(conn: ServerConnection) -> None:
        conn.recv()
        conn.close(code, "bye")

    with ws_server(handler) as (port, _):
        assert run(port, b"x\n") == (status, b"", message)


def test_max_message() -> None:
    def handler(conn: ServerConnection) -> None:
        conn.recv()
        conn.send("y" * 11)
        for _ in conn:
            pass

    with ws_server(handler) as (port, conns):
        status, out, err = run(port, b"x\n", max_message=10)
    assert (status, out) == (1, b"")
    assert err.startswith("error: message_too_big (read: ")
    assert conns[0].protocol.close_rcvd is not None
    assert conns[0].protocol.close_rcvd.code == 1009


def free_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused() -> None:
    status, out, err = run(free_port(), b"hi\n")
    assert (status, out) == (1, b"")
    assert err == "error: connection_refused (connect: Connection refused)\n"


def test_upgrade_declined_by_a_plain_http_server() -> None:
    class handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"no websockets here\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        status, out, err = run(server.server_address[1], b"hi\n")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(BOUND)
    assert (status, out) == (1, b"")
    assert err == (
        "error: upgrade_declined (handshake: The WebSocket handshake was declined by the "
        "remote peer; the server answered 200 OK)\n"
    )


@pytest.mark.parametrize(
    ("options", "status", "out", "err"),
    [
        ({"cacert": True}, 0, b"hi\n", ""),
        ({"insecure": True}, 0, b"hi\n", ""),
        ({}, 1, b"", "error: certificate_verify_failed (TLS handshake: certificate verify "),
    ],
)
def test_wss(tmp_path: Any, options: dict[str, Any], status: int, out: bytes, err: str) -> None:
    pki = pytest.importorskip("tests.ssl.pki").make_test_pki(str(tmp_path))
    if options.get("cacert"):
        options["cacert"] = pki.ca
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(pki.server_cert, pki.server_key)
    with ws_server(echo, ssl=server_ctx) as (port, _):
        got_out, got_err = io.BytesIO(), io.StringIO()
        got = run_ws(
            parse_url(f"wss://localhost:{port}/"),
            ws_options(**options),
            io.BytesIO(b"hi\n"),
            got_out,
            got_err,
            run_for=BOUND,
        )
    assert (got, got_out.getvalue()) == (status, out)
    assert got_err.getvalue().startswith(err)
    if not err:
        assert got_err.getvalue() == ""


# -- as a process ------------------------------------------------------------------------------


def python_m(*args: str) -> list[str]:
    return [sys.executable, "-m", "asiolike", *args]


@pytest.fixture
def serve_port() -> Iterator[int]:
    """``python -m asiolike serve --port 0``, stopped with SIGINT afterwards."""
    proc = subprocess.Popen(
        python_m("serve", "--port", "0"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), line
        yield int(line.rsplit(":", 1)[1])
    finally:
        proc.send_signal(2)
        proc.communicate(timeout=BOUND)


def test_pipe_into_ws_against_serve(serve_port: int) -> None:
    proc = subprocess.run(
        python_m("ws", f"ws://127.0.0.1:{serve_port}/"),
        cwd=ROOT,
        input=b"hi\n",
        capture_output=True,
        timeout=BOUND,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"hi\n", b"")


def test_ws_process_to_a_closed_port() -> None:
    proc = subprocess.run(
        python_m("ws", f"ws://127.0.0.1:{free_port()}/"),
        cwd=ROOT,
        input=b"hi\n",
        capture_output=True,
        timeout=BOUND,
    )
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert proc.stderr.startswith(b"error: connection_refused (connect: ")


# -- verbose, TLS hint -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server_compression", "offer", "said"),
    [
        ("deflate", True, "permessage-deflate: negotiated"),
        (None, True, "permessage-deflate: offered, not accepted by the server"),
        ("deflate", False, "permessage-deflate: not offered (--deflate offers it)"),
    ],
)
def test_verbose_says_whether_deflate_was_negotiated(
    server_compression: str | None, offer: bool, said: str
) -> None:
    with ws_server(echo, compression=server_compression) as (port, _):
        status, out, err = run(port, b"hi\n", deflate=offer, verbose=True)
    assert (status, out) == (0, b"hi\n")
    lines = err.splitlines()
    assert said in lines
    assert lines.index(said) == lines.index(next(x for x in lines if x.startswith("handshake"))) + 1
    status, _, quiet = run_quiet_against_echo(offer)
    assert status == 0 and "permessage-deflate" not in quiet


def run_quiet_against_echo(offer: bool) -> tuple[int, bytes, str]:
    with ws_server(echo, compression="deflate") as (port, _):
        return run(port, b"hi\n", deflate=offer)


def test_tls_against_a_plain_server_hints_at_ws() -> None:
    with ws_server(echo) as (port, _):
        out, err = io.BytesIO(), io.StringIO()
        url = parse_url(f"wss://127.0.0.1:{port}/chat?x=1")
        status = run_ws(url, ws_options(insecure=True), io.BytesIO(b"hi\n"), out, err, BOUND)
    assert (status, out.getvalue()) == (1, b"")
    first, hint = err.getvalue().splitlines()
    assert first.startswith("error: ") and "(TLS handshake: " in first
    assert hint == f"hint: is the server speaking plain ws://? try ws://127.0.0.1:{port}/chat?x=1"


def test_a_certificate_failure_gives_no_plain_ws_hint(tmp_path: Any) -> None:
    pki = pytest.importorskip("tests.ssl.pki").make_test_pki(str(tmp_path))
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(pki.server_cert, pki.server_key)
    with ws_server(echo, ssl=server_ctx) as (port, _):
        err = io.StringIO()
        url = parse_url(f"wss://localhost:{port}/")
        status = run_ws(url, ws_options(), io.BytesIO(b""), io.BytesIO(), err, BOUND)
    assert status == 1
    assert "certificate_verify_failed" in err.getvalue() and "hint:" not in err.getvalue()


# -- Ctrl-C and the terminal (processes) -------------------------------------------------------


#: The bound on waits for a process (its start-up on a busy machine included).
PROCESS_BOUND = 15.0


class closes:
    """An echo handler that records the close code each connection ended with."""

    def __init__(self) -> None:
        self.codes: list[int | None] = []
        self.ended = threading.Event()

    def __call__(self, conn: ServerConnection) -> None:
        try:
            for message in conn:
                conn.send(message)
        finally:
            self.codes.append(conn.close_code)
            self.ended.set()


def read_until(fd: int, wanted: bytes, seen: bytearray) -> bytes:
    """Read ``fd`` into ``seen`` until ``wanted`` shows up (bounded; select, no sleeps)."""
    import select
    import time

    deadline = time.monotonic() + PROCESS_BOUND
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{wanted!r} not seen in {bytes(seen)!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # a pty whose other end closed
                chunk = b""
            assert chunk, f"end of output before {wanted!r}: {bytes(seen)!r}"
            seen += chunk
    return bytes(seen)


@contextmanager
def ws_process(*args: str, **kwargs: Any) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m asiolike ws ARGS``; killed (if still running) and its pipes closed after."""
    proc = subprocess.Popen(python_m("ws", *args), cwd=ROOT, **kwargs)
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(PROCESS_BOUND)
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


PIPES: dict[str, Any] = {
    "stdin": subprocess.PIPE,
    "stdout": subprocess.PIPE,
    "stderr": subprocess.PIPE,
}


def test_ctrl_c_closes_with_1001_and_exits_130() -> None:
    handler = closes()
    with ws_server(handler) as (port, _), ws_process(f"ws://127.0.0.1:{port}/", **PIPES) as proc:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.write(b"hi\n")
        proc.stdin.flush()
        read_until(proc.stdout.fileno(), b"hi\n", bytearray())  # open, and echoing
        # The input stays open: the close must come from Ctrl-C, not from its end.
        proc.send_signal(signal.SIGINT)
        assert proc.wait(PROCESS_BOUND) == 130
        assert proc.stderr.read() == b"interrupted\n"
        assert handler.ended.wait(PROCESS_BOUND)
    assert handler.codes == [1001]


def test_ctrl_c_before_the_handshake_exits_130_at_once() -> None:
    # A listener that never answers: the handshake waits, Ctrl-C must not.
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with ws_process("-v", f"ws://127.0.0.1:{port}/", **PIPES) as proc:
            assert proc.stderr is not None and proc.stdout is not None
            read_until(proc.stderr.fileno(), b"connected to", bytearray())
            proc.send_signal(signal.SIGINT)
            assert proc.wait(PROCESS_BOUND) == 130
            assert proc.stdout.read() == b""


def test_on_a_terminal_lines_are_marked() -> None:
    # Standard input and output are a pseudo-terminal, as in an interactive shell.
    import pty

    handler = closes()
    controller, terminal = pty.openpty()
    try:
        with (
            ws_server(handler) as (port, _),
            ws_process(
                f"ws://127.0.0.1:{port}/", stdin=terminal, stdout=terminal, stderr=subprocess.PIPE
            ) as proc,
        ):
            os.close(terminal)
            terminal = -1
            seen = bytearray()
            read_until(controller, b"> ", seen)  # the prompt, once connected
            os.write(controller, "héllo\x07\n".encode())
            text = read_until(controller, "< héllo\\x07".encode(), seen)
            proc.send_signal(signal.SIGINT)
            assert proc.wait(PROCESS_BOUND) == 130
            assert handler.ended.wait(PROCESS_BOUND)
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    assert handler.codes == [1001]
    # The message is inserted above the line being typed (websockets' escape sequence);
    # the terminal turns each \n into \r\n.
    inserted = "\x1b7\n\x1b[A\x1b[L< héllo\\x07\n\x1b8\x1b[B".encode()
    assert inserted in text.replace(b"\r\n", b"\n")


def test_on_a_terminal_with_piped_input_sent_lines_are_shown() -> None:
    import pty

    controller, terminal = pty.openpty()
    try:
        with (
            ws_server(echo) as (port, _),
            ws_process(
                f"ws://127.0.0.1:{port}/",
                stdin=subprocess.PIPE,
                stdout=terminal,
                stderr=subprocess.PIPE,
            ) as proc,
        ):
            os.close(terminal)
            terminal = -1
            assert proc.stdin is not None
            proc.stdin.write(b"one\ntwo\n")
            proc.stdin.close()
            text = read_until(controller, b"< two", bytearray())
            assert proc.wait(PROCESS_BOUND) == 0
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    # The terminal turns \n into \r\n.
    assert text.replace(b"\r\n", b"\n") == b"> one\n> two\n< one\n< two\n" or (
        text.replace(b"\r\n", b"\n") == b"> one\n< one\n> two\n< two\n"
    )
