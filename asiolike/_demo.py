"""The ``demo`` command: a WebSocket echo server and client sharing one io_context.

Written in the shape of Beast's ``websocket_server_async.cpp`` and
``websocket_client_async.cpp`` (a ``session`` with one method per step, each the
completion handler of the step before, and one ``fail``), so that it doubles as the first
example a Beast user reads. What it shows, step by step and with timings:

* the opening handshake (``async_handshake`` / ``async_accept``);
* text and binary messages echoed back (``ws.text()``, ``ws.got_text()``);
* a ping whose pong shows up in the client's ``control_callback``;
* the closing handshake (``async_close``), with the close code and reason each side saw.

Everything runs on one thread, in one ``io_context.run_for``: the server's and the
client's handlers interleave, which the timings make visible.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

import asiolike as net
from asiolike import beast
from asiolike._cli_ws import describe_close
from asiolike.beast import http, websocket
from asiolike.ip import make_address, tcp

__all__ = ["TIME_CAP", "run_demo"]

#: The demo stops (and fails) if it is still running after this many seconds: a hang would
#: otherwise look like a slow machine.
TIME_CAP = 10.0

_PING_PAYLOAD = b"are you there?"
_CLOSE_REASON = "demo done"


class _log:
    """Prints each step as ``[   1.234 ms] who     what`` and counts the failures."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._start = time.perf_counter()
        self.failures = 0

    def elapsed(self) -> float:
        """Milliseconds since the demo started."""
        return (time.perf_counter() - self._start) * 1000

    def __call__(self, who: str, what: str) -> None:
        print(f"[{self.elapsed():8.3f} ms] {who:<6} {what}", file=self._out)

    def fail(self, who: str, ec: net.error_code, what: str) -> None:
        """Beast's ``fail(ec, what)``, counted."""
        self.failures += 1
        self(who, f"{what} failed: {ec.name()} ({ec.message()})")

    def mismatch(self, who: str, what: str) -> None:
        """A step that completed, but not with what the demo expected."""
        self.failures += 1
        self(who, f"MISMATCH: {what}")


def _describe(reason: websocket.close_reason) -> str:
    return describe_close(reason, prefix="code ")


def _show(data: bytes, text: bool) -> str:
    return repr(data.decode()) if text else f"{data!r} (binary)"


class server_session:
    """Echoes every message back, as text if it came as text (the server's session).

    Args:
        socket: The accepted connection; the session owns it from now on.
        log: Where the steps are reported.
        deflate: Whether to accept permessage-deflate.
    """

    def __init__(self, socket: tcp.socket, log: _log, deflate: bool) -> None:
        self.ws = websocket.stream(beast.tcp_stream(socket))
        self.buffer = beast.flat_buffer()
        self.log = log
        self.deflate = deflate
        self.closed_by_client = websocket.close_reason()

    def run(self) -> None:
        """Set the options and wait for the client's upgrade request."""
        self.ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.server))

        def decorate(res: websocket.response_type) -> None:
            res.set(http.field.server, f"asiolike/{net.__version__} demo")

        self.ws.set_option(websocket.stream_base.decorator(decorate))
        if self.deflate:
            self.ws.set_option(websocket.permessage_deflate(server_enable=True))
        self.ws.control_callback(self.on_control)
        self.ws.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code) -> None:
        if ec:
            return self.log.fail("server", ec, "accept")
        self.log("server", "upgrade request accepted; the WebSocket is open")
        self.do_read()

    def do_read(self) -> None:
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec == websocket.error.closed:
            # The client closed; the stream answered its close frame and closed the TCP
            # connection. reason() holds what the client sent.
            self.closed_by_client = self.ws.reason()
            self.log("server", f"closed by the client: {_describe(self.closed_by_client)}")
            return
        if ec:
            return self.log.fail("server", ec, "read")
        kind = "text" if self.ws.got_text() else "binary"
        self.log("server", f"read a {kind} message of {bytes_transferred} bytes; echoing it")
        self.ws.text(self.ws.got_text())
        self.ws.async_write(self.buffer.data(), self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.log.fail("server", ec, "write")
        self.buffer.consume(self.buffer.size())
        self.do_read()

    def on_control(self, kind: websocket.frame_type, payload: bytes) -> None:
        # Called from within the pending read; the stream answers pings by itself.
        if kind is websocket.frame_type.ping:
            self.log("server", f"ping received ({payload!r}); the stream answers with a pong")
        elif kind is websocket.frame_type.close:
            self.log("server", "close frame received; the stream echoes it")


class listener:
    """Accepts one connection (this is a demo) and starts its session.

    Args:
        ioc: The io_context running everything.
        log: Where the steps are reported.
        deflate: Passed on to the session.
    """

    def __init__(self, ioc: net.io_context, log: _log, deflate: bool) -> None:
        self.acceptor = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
        self.log = log
        self.deflate = deflate
        self.sessions: list[server_session] = []

    def local_endpoint(self) -> tcp.endpoint:
        """Where the listener listens (port 0 was replaced by a free port)."""
        return self.acceptor.local_endpoint()

    def run(self) -> None:
        """Start accepting."""
        self.log("server", f"listening on {self.local_endpoint()}")
        self.acceptor.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code, socket: tcp.socket) -> None:
        if ec:
            return self.log.fail("server", ec, "accept")
        self.log("server", f"TCP connection from {socket.remote_endpoint()}")
        self.acceptor.close()  # one client in this demo
        session = server_session(socket, self.log, self.deflate)
        self.sessions.append(session)
        session.run()


def _messages(count: int) -> list[tuple[bytes, bool]]:
    """``count`` messages, alternately text and binary: ``(payload, is_text)``."""
    out = []
    for i in range(count):
        if i % 2 == 0:
            out.append((f"hello #{i + 1} from asiolike".encode(), True))
        else:
            out.append((bytes([0, 1, 2, 0xFF]) + f" binary #{i + 1}".encode(), False))
    return out


class client_session:
    """Connects, shakes hands, sends the messages, pings, and closes (the client's session).

    Args:
        ioc: The io_context running everything.
        endpoint: The server's endpoint.
        count: How many messages to send (alternately text and binary).
        log: Where the steps are reported.
        deflate: Whether to offer permessage-deflate.
    """

    def __init__(
        self, ioc: net.io_context, endpoint: tcp.endpoint, count: int, log: _log, deflate: bool
    ) -> None:
        self.ws = websocket.stream(beast.tcp_stream(ioc))
        self.buffer = beast.flat_buffer()
        self.res = http.response()
        self.endpoint = endpoint
        self.log = log
        self.deflate = deflate
        self.messages = _messages(count)
        self.next = 0
        self.echoed = 0
        self.ping_sent = 0.0
        self.pong_seen = False
        self.closing = False
        self.closed_cleanly = False

    def run(self) -> None:
        """Start the conversation: connect, handshake, messages, ping, close."""
        self.log("client", f"connecting to {self.endpoint}")
        beast.get_lowest_layer(self.ws).expires_after(30)
        beast.get_lowest_layer(self.ws).async_connect(self.endpoint, self.on_connect)

    def on_connect(self, ec: net.error_code) -> None:
        if ec:
            return self.log.fail("client", ec, "connect")
        self.log("client", "TCP connected; sending the upgrade request")

        # The websocket stream has its own timeouts: switch the tcp_stream's off.
        beast.get_lowest_layer(self.ws).expires_never()
        self.ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.client))

        def decorate(req: websocket.request_type) -> None:
            req.set(http.field.user_agent, f"asiolike/{net.__version__} demo")

        self.ws.set_option(websocket.stream_base.decorator(decorate))
        if self.deflate:
            self.ws.set_option(websocket.permessage_deflate(client_enable=True))
        self.ws.control_callback(self.on_control)
        host = f"{self.endpoint.address()}:{self.endpoint.port()}"
        self.ws.async_handshake(self.res, host, "/", self.on_handshake)

    def on_handshake(self, ec: net.error_code) -> None:
        if ec:
            return self.log.fail("client", ec, "handshake")
        status = f"{self.res.result_int()} {self.res.reason()}"
        extensions = self.res[http.field.sec_websocket_extensions]
        extra = f"; extensions: {extensions}" if extensions else ""
        self.log("client", f"handshake done ({status}{extra})")
        self.do_write()

    def do_write(self) -> None:
        if self.next == len(self.messages):
            return self.do_ping()
        payload, text = self.messages[self.next]
        self.log("client", f"writing {_show(payload, text)}")
        self.ws.text(text)
        self.ws.async_write(payload, self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.log.fail("client", ec, "write")
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec == websocket.error.closed and self.closing:
            # The read that was pending when we closed sees the server's close frame.
            self.log("client", "pending read completed with 'closed', as expected")
            return
        if ec:
            return self.log.fail("client", ec, "read")
        got = bytes(self.buffer.data())
        self.buffer.consume(self.buffer.size())
        sent, text = self.messages[self.next]
        if got != sent or self.ws.got_text() != text:
            self.log.mismatch(
                "client", f"sent {_show(sent, text)}, got back {_show(got, self.ws.got_text())}"
            )
        else:
            self.echoed += 1
            self.log("client", f"echo received: {_show(got, text)}")
        self.next += 1
        self.do_write()

    def do_ping(self) -> None:
        # The pong is seen by a read: keep one pending while the ping goes out.
        self.ws.async_read(self.buffer, self.on_read)
        self.log("client", f"sending a ping ({_PING_PAYLOAD!r}), a read pending for the pong")
        self.ping_sent = self.log.elapsed()
        self.ws.async_ping(_PING_PAYLOAD, self.on_ping)

    def on_ping(self, ec: net.error_code) -> None:
        if ec:
            return self.log.fail("client", ec, "ping")

    def on_control(self, kind: websocket.frame_type, payload: bytes) -> None:
        # Called from within the pending read: no stream operation may start here, so
        # the close is posted.
        if kind is not websocket.frame_type.pong:
            return
        rtt = self.log.elapsed() - self.ping_sent
        if payload != _PING_PAYLOAD:
            self.log.mismatch("client", f"pong carries {payload!r}, not {_PING_PAYLOAD!r}")
        else:
            self.pong_seen = True
            self.log("client", f"pong received ({payload!r}), {rtt:.3f} ms after the ping")
        net.post(self.ws.get_executor(), self.do_close)

    def do_close(self) -> None:
        self.closing = True
        reason = websocket.close_reason(websocket.close_code.normal, _CLOSE_REASON)
        self.log("client", f"closing: {_describe(reason)}")
        self.ws.async_close(reason, self.on_close)

    def on_close(self, ec: net.error_code) -> None:
        if ec:
            return self.log.fail("client", ec, "close")
        self.closed_cleanly = True
        self.log(
            "client", f"closing handshake done; the server answered {_describe(self.ws.reason())}"
        )


def run_demo(count: int = 4, out: TextIO | None = None, deflate: bool = False) -> int:
    """Run the demo and print what happens.

    Args:
        count: How many messages the client sends (alternately text and binary).
        out: Where to print (standard output by default).
        deflate: Whether both sides enable permessage-deflate.

    Returns:
        0 when every echo came back intact, the pong answered the ping, and both sides
        saw the clean close; 1 otherwise.

    Raises:
        ValueError: ``count`` is negative.
    """
    if count < 0:
        raise ValueError("run_demo: count must be 0 or more")
    log = _log(out if out is not None else sys.stdout)
    ioc = net.io_context()
    try:
        server = listener(ioc, log, deflate)
        server.run()
        client = client_session(ioc, server.local_endpoint(), count, log, deflate)
        client.run()
        handlers = ioc.run_for(TIME_CAP)
        if not ioc.stopped():
            log.failures += 1
            log("demo", f"timed out after {TIME_CAP:g} s")
    finally:
        ioc.close()
    seen = server.sessions[0].closed_by_client if server.sessions else websocket.close_reason()
    if client.echoed != count:
        log.mismatch("demo", f"{client.echoed} of {count} messages came back intact")
    if not client.pong_seen:
        log.mismatch("demo", "no pong answered the ping")
    if not client.closed_cleanly:
        log.mismatch("demo", "the client's close did not complete")
    expected = websocket.close_reason(websocket.close_code.normal, _CLOSE_REASON)
    if seen != expected:
        log.mismatch("demo", f"the server saw {_describe(seen)}, not {_describe(expected)}")
    texts = (count + 1) // 2
    verdict = "OK" if log.failures == 0 else f"FAILED ({log.failures} failure(s))"
    log(
        "demo",
        f"{verdict}: {client.echoed}/{count} messages echoed ({texts} text, "
        f"{count - texts} binary), ping {'answered' if client.pong_seen else 'unanswered'}, "
        f"closed with {_describe(seen)}; {handlers} handlers in {log.elapsed():.1f} ms",
    )
    return 0 if log.failures == 0 else 1
