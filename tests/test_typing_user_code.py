"""Users' code under ``mypy --strict``: a ported session passes, typical mistakes are caught.

Issue 15 ("Types"): with every completion token typed ``Any``, ``mypy --strict`` caught 5 of
11 deliberate mistakes in a user script, and each ``use_future`` result needed an
``assert``. The initiating functions (the core's, Beast's HTTP and WebSocket I/O, the
``tcp_stream``'s and ``ssl.stream``'s) now have overloads on the token (a handler of
the operation's shape returns ``None``, ``use_future`` a ``concurrent.futures.Future[T]``,
``use_awaitable`` an ``awaitable[T]``, the adapters ``Any``); sockets and acceptors are
generic in their endpoint type. Two scripts and the examples are checked, one mypy run
each (the later runs reuse the first's cache, under ``tmp_path``), against this checkout's
``asiolike`` (``MYPYPATH``), whatever is installed:

* :data:`SESSION` must pass: a Beast-style session class (resolve, range connect, write,
  read_until, read_some, a timeout timer), ``use_future`` results used as their types
  without a cast or an assert (accept, connect, read, write, resolve, post, a signal),
  and a coroutine awaiting ``use_awaitable`` operations (with ``cancel_after`` and
  ``as_tuple`` around it).
* :data:`MISTAKES` holds one mistake per line marked ``# E:``; each marked line, and no
  other, must be reported. The mistakes, for the core APIs:

  1. a read handler without ``bytes_transferred`` (wrong arity, ``async_read_some``);
  2. a connect handler taking ``(ec, n)`` (wrong arity, ``socket.async_connect``);
  3. an accept handler without the new socket (wrong arity, ``async_accept``);
  4. a lambda of one parameter for the composed ``async_read``;
  5. a ``use_future`` result (an ``int``) used as a ``str``;
  6. a missing argument (``async_resolve(host, handler)``: no service);
  7. a resolve handler expecting ``list[str]`` instead of ``results_type``;
  8. a ``str`` where the type says bytes-like (``async_write``);
  9. something that is not a completion token (``timer.async_wait("use_future")``);
  10. a handler taking ``ec`` given to ``post`` (which calls it with no argument);
  11. ``acceptor.local_endpoint().port()`` (an ``int``) used as a ``str`` (it was ``Any``);
  12. a range-connect handler expecting ``int`` where the endpoint comes;
  13. ``await`` on a ``use_future`` result (a ``Future`` is not awaitable);
  14. the ``None`` of an awaited timer wait used as an ``int``;
  15. a TCP resolver's endpoint (``results[0].endpoint()``) used as a ``udp.endpoint``.

  And for Beast's WebSocket and HTTP I/O (their initiating functions have the same
  overloads; ``websocket.stream`` and ``ssl.stream`` are generic in their next layer):

  16. a missing handshake target (``ws.async_handshake(host, handler)``);
  17. a WebSocket read handler without ``bytes_transferred`` (wrong arity);
  18. a WebSocket write handler taking ``(ec)`` only;
  19. a ``use_future`` read result (an ``int``) used as a ``str``;
  20. ``http.async_read`` without its buffer;
  21. ``next_layer()`` misused: a TLS handshake on the ``tcp_stream`` of a
      ``websocket.stream[beast.tcp_stream]``;
  22. ``beast.get_lowest_layer(ws)`` taken for the WebSocket stream itself;
  23. a close handler taking ``(ec, n)``;
  24. an ``http.async_write`` handler taking ``(ec)`` only;
  25. an accept handler taking ``(ec, n)`` (``async_accept(buffers, handler)``).

  The WebSocket client that must pass is ``examples/websocket_client_async.py`` itself
  (Beast's ``websocket_client_async.cpp`` ported line by line: resolve,
  ``get_lowest_layer(ws).async_connect``, handshake, write, read, close), checked with
  every other example in ``examples/`` in one run, as a user would check them
  (``mypy --strict examples/``); :data:`SESSION` adds the same calls with ``use_future`` and
  ``use_awaitable``, ``websocket.stream(ioc)`` and its ``tcp_stream``, and the HTTP reads
  and writes.

Of the issue's 11 mistakes, it names three: "a handler with the wrong arity", "a missing
handshake target" and ``websocket.stream(ioc)`` (which is now correct code: the session
builds its stream so).

Skipped, with the reason, only when mypy is not importable.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Each mypy run's bound (a cold run checks the part of asiolike the script imports:
#: about 5 s on a quiet two-core machine; the later runs reuse the cache, and the whole
#: test takes about 10 s).
TIMEOUT = 60

SESSION = textwrap.dedent(
    '''
    """A typical ported session: must pass mypy --strict as it is."""

    from __future__ import annotations

    import concurrent.futures

    import asiolike as net
    from asiolike import beast
    from asiolike.beast import http, websocket
    from asiolike.error import error_code
    from asiolike.ip import tcp


    class session:
        def __init__(self, ioc: net.io_context) -> None:
            self.resolver = tcp.resolver(ioc)
            self.socket = tcp.socket(ioc)
            self.timer = net.steady_timer(ioc)
            self.buffer = bytearray(1024)
            self.streambuf = net.streambuf()

        def run(self, host: str, port: str) -> None:
            self.timer.expires_after(5)
            self.timer.async_wait(self.on_timeout)
            self.resolver.async_resolve(host, port, self.on_resolve)

        def on_timeout(self, ec: error_code) -> None:
            if not ec:
                self.socket.close()

        def on_resolve(self, ec: error_code, results: tcp.resolver.results_type) -> None:
            if ec:
                return
            net.async_connect(self.socket, results, self.on_connect)

        def on_connect(self, ec: error_code, endpoint: tcp.endpoint) -> None:
            if ec:
                return
            print("connected to", endpoint.address(), endpoint.port())
            net.async_write(self.socket, b"GET / HTTP/1.0\\r\\n\\r\\n", self.on_write)

        def on_write(self, ec: error_code, bytes_transferred: int) -> None:
            net.async_read_until(self.socket, self.streambuf, b"\\r\\n", self.on_line)

        def on_line(self, ec: error_code, n: int) -> None:
            self.socket.async_read_some(self.buffer, self.on_read)

        def on_read(self, ec: error_code, n: int) -> None:
            self.timer.cancel()


    def on_accept(ec: error_code, peer: tcp.socket) -> None:
        peer.close()


    def futures(ioc: net.io_context) -> None:
        acceptor = tcp.acceptor(ioc, tcp.endpoint(tcp.v4(), 0))
        port: int = acceptor.local_endpoint().port()
        accepted: concurrent.futures.Future[tcp.socket] = acceptor.async_accept(net.use_future)
        client = tcp.socket(ioc)
        connected = client.async_connect(tcp.endpoint(tcp.v4(), port), net.use_future)
        ioc.run()
        connected.result()
        server: tcp.socket = accepted.result()
        n: int = net.async_write(client, b"hello", net.use_future).result()
        data = bytearray(n)
        got: int = net.async_read(server, data, net.use_future).result()
        some: int = server.async_read_some(memoryview(data), net.use_future).result()
        sent: int = client.async_write_some([b"a", b"b"], net.use_future).result()
        results = tcp.resolver(ioc).async_resolve("localhost", "80", net.use_future).result()
        first: tcp.resolver.endpoint_type = results[0].endpoint()
        protocol: tcp.socket.protocol_type = first.protocol()
        ep: tcp.endpoint = net.async_connect(client, results, net.use_future).result()
        net.post(ioc, lambda: None)
        done: None = net.post(ioc, net.use_future).result()
        acceptor.async_accept(on_accept)
        acceptor.async_accept(tcp.socket(ioc), lambda ec: None)
        signals = net.signal_set(ioc)
        number: int = signals.async_wait(net.use_future).result()
        print(got, some, sent, first, ep, done, number, client.remote_endpoint().port(), protocol)


    async def coro(ioc: net.io_context) -> int:
        sock = tcp.socket(ioc)
        results = await tcp.resolver(ioc).async_resolve("localhost", "80", net.use_awaitable)
        endpoint: tcp.endpoint = await net.async_connect(sock, results, net.use_awaitable)
        await sock.async_connect(endpoint, net.use_awaitable)
        buf = bytearray(512)
        n: int = await sock.async_read_some(buf, net.use_awaitable)
        n += await net.async_write(sock, buf[:n], net.use_awaitable)
        n += await net.async_read(sock, buf, net.transfer_at_least(1), net.use_awaitable)
        timer = net.steady_timer(ioc)
        timer.expires_after(1)
        await timer.async_wait(net.use_awaitable)
        await sock.async_read_some(buf, net.cancel_after(5, net.use_awaitable))
        ec, more = await sock.async_read_some(buf, net.as_tuple(net.use_awaitable))
        await net.post(ioc, net.use_awaitable)
        print(ec, more)
        return n


    def ws_futures(ioc: net.io_context, results: tcp.resolver.results_type) -> None:
        ws: websocket.stream[beast.tcp_stream] = websocket.stream(beast.tcp_stream(ioc))
        lowest: beast.tcp_stream = beast.get_lowest_layer(ws)
        ep: tcp.endpoint = lowest.async_connect(results, net.use_future).result()
        res = http.response()
        none: None = ws.async_handshake(res, "localhost", "/", net.use_future).result()
        n: int = ws.async_write(b"hello", net.use_future).result()
        buffer = beast.flat_buffer()
        got: int = ws.async_read(buffer, net.use_future).result()
        some: int = ws.async_read_some(buffer, 512, net.use_future).result()
        some += ws.async_read_some(bytearray(16), net.use_future).result()
        ws.async_ping(b"", net.use_future).result()
        ws.async_close(websocket.close_code.normal, net.use_future).result()
        same: beast.tcp_stream = websocket.stream(ioc).next_layer()
        stream = beast.tcp_stream(ioc)
        req = http.request(http.verb.get, "/", 11)
        written: int = http.async_write(stream, req, net.use_future).result()
        read: int = http.async_read(stream, buffer, res, net.use_future).result()
        parser = http.response_parser()
        header: int = http.async_read_header(stream, buffer, parser, net.use_future).result()
        tls: bool = beast.async_detect_ssl(stream, buffer, net.use_future).result()
        print(ep, none, n, got, some, same, written, read, header, tls)


    async def ws_coro(ws: websocket.stream[beast.tcp_stream]) -> int:
        await ws.async_handshake("localhost", "/", net.use_awaitable)
        buffer = beast.flat_buffer()
        n: int = await ws.async_read(buffer, net.use_awaitable)
        await ws.async_close(websocket.close_reason(), net.use_awaitable)
        return n


    def main() -> None:
        ioc = net.io_context()
        session(ioc).run("localhost", "80")
        net.co_spawn(ioc, coro(ioc), net.detached)
        futures(ioc)
        ioc.run()
    '''
).lstrip()

MISTAKES = textwrap.dedent(
    '''
    """Typical mistakes: each line marked E must be reported, and no other."""

    from __future__ import annotations

    import asiolike as net
    from asiolike import beast, ssl
    from asiolike.beast import http, websocket
    from asiolike.error import error_code
    from asiolike.ip import tcp, udp


    def on_wait(ec: error_code) -> None: ...


    def on_io(ec: error_code, n: int) -> None: ...


    def on_names(ec: error_code, names: list[str]) -> None: ...


    def mistakes(ioc: net.io_context, buf: bytearray) -> None:
        sock = tcp.socket(ioc)
        acceptor = tcp.acceptor(ioc, tcp.endpoint(tcp.v4(), 0))
        resolver = tcp.resolver(ioc)
        timer = net.steady_timer(ioc)
        sock.async_read_some(buf, on_wait)  # E: arg-type
        sock.async_connect(acceptor.local_endpoint(), on_io)  # E: arg-type
        acceptor.async_accept(on_wait)  # E: arg-type
        net.async_read(sock, buf, lambda ec: None)  # E: arg-type
        name: str = sock.async_read_some(buf, net.use_future).result()  # E: assignment
        resolver.async_resolve("example.com", on_names)  # E: call-overload
        resolver.async_resolve("example.com", "80", on_names)  # E: arg-type
        net.async_write(sock, "GET / HTTP/1.1\\r\\n", on_io)  # E: arg-type
        timer.async_wait("use_future")  # E: call-overload
        net.post(ioc, on_wait)  # E: arg-type
        port: str = acceptor.local_endpoint().port()  # E: assignment
        net.async_connect(sock, resolver.resolve("example.com", "80"), on_io)  # E: arg-type
        peer: udp.endpoint = resolver.resolve("example.com", "80")[0].endpoint()  # E: assignment
        print(name, port, peer)


    async def coro(sock: tcp.socket, buf: bytearray) -> None:
        n = await sock.async_read_some(buf, net.use_future)  # E: misc
        timer = net.steady_timer(sock.get_executor())
        done: int = await timer.async_wait(net.use_awaitable)  # E: assignment
        print(n, done)


    def ws_mistakes(ioc: net.io_context) -> None:
        ws = websocket.stream(beast.tcp_stream(ioc))
        buffer = beast.flat_buffer()
        stream = beast.tcp_stream(ioc)
        res = http.response()
        ws.async_handshake("example.com", on_wait)  # E: call-overload
        ws.async_read(buffer, on_wait)  # E: arg-type
        ws.async_write(b"hello", on_wait)  # E: arg-type
        text: str = ws.async_read(buffer, net.use_future).result()  # E: assignment
        http.async_read(stream, res, on_io)  # E: call-overload
        ws.next_layer().async_handshake(ssl.stream_base.client, on_wait)  # E: attr-defined
        layer: websocket.stream = beast.get_lowest_layer(ws)  # E: arg-type
        ws.async_close(websocket.close_code.normal, on_io)  # E: arg-type
        http.async_write(stream, res, on_wait)  # E: arg-type
        ws.async_accept(b"GET / HTTP/1.1\\r\\n", on_io)  # E: arg-type
        print(text, layer)
    '''
).lstrip()

_ERROR = re.compile(
    r"^(?P<file>[\w.]+):(?P<line>\d+): error: (?P<msg>.*?)(?:  \[(?P<code>[\w-]+)\])?$"
)


def _mypy(tmp_path: Path, name: str, source: str) -> list[str]:
    """Run mypy --strict on ``source`` as ``name``; its output lines."""
    script = tmp_path / name
    script.write_text(source)
    return _run_mypy(tmp_path, [name])


def _run_mypy(tmp_path: Path, targets: list[str]) -> list[str]:
    """Run mypy --strict on ``targets`` (files or folders) from ``tmp_path``; its output."""
    pytest.importorskip("mypy", reason="mypy is not installed (it comes with the dev extra)")
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n")
    env = dict(os.environ, MYPYPATH=str(ROOT))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(config),
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "--no-error-summary",
            "--hide-error-context",
            "--no-pretty",
            "--show-error-codes",
            *targets,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode in (0, 1), proc.stderr + proc.stdout
    return proc.stdout.splitlines()


def _errors(lines: list[str], name: str) -> dict[int, set[str]]:
    """Error codes by line of ``name``, from mypy's output (notes left out)."""
    found: dict[int, set[str]] = {}
    for line in lines:
        match = _ERROR.match(line)
        if match is not None and match["file"] == name:
            found.setdefault(int(match["line"]), set()).add(match["code"] or "")
    return found


def test_typing_user_code(tmp_path: Path) -> None:
    session = _mypy(tmp_path, "session.py", SESSION)
    assert session == [], "a correct session must pass mypy --strict:\n" + "\n".join(session)

    examples = sorted((ROOT / "examples").glob("*.py"))
    assert ROOT / "examples" / "websocket_client_async.py" in examples
    ported = _run_mypy(tmp_path, [str(ROOT / "examples")])
    assert ported == [], "every example must pass mypy --strict:\n" + "\n".join(ported)

    output = _mypy(tmp_path, "mistakes.py", MISTAKES)
    expected = {
        number: match.group(1)
        for number, text in enumerate(MISTAKES.splitlines(), start=1)
        if (match := re.search(r"# E: ([\w-]+)$", text))
    }
    assert len(expected) >= 25
    found = _errors(output, "mistakes.py")
    report = "\n".join(output)
    missed = {n: code for n, code in expected.items() if code not in found.get(n, set())}
    assert not missed, f"mistakes not reported as expected (line: code): {missed}\n{report}"
    unexpected = sorted(set(found) - set(expected))
    assert not unexpected, f"errors on lines without a mistake: {unexpected}\n{report}"
