"""The ``serve`` command: a WebSocket echo server that stops cleanly on Ctrl-C.

Theory of operation
-------------------
A :class:`server` (Beast's ``listener``) and one :class:`session` per connection, in
the shape of Beast's ``websocket_server_async.cpp``, all on one io_context in the main
thread.

Ctrl-C must become a handler in the loop, so that the shutdown runs like any other
handler: stop accepting, close every open connection with 1001 (going away), let the
closing handshakes finish (at most ``grace`` seconds, :data:`SHUTDOWN_GRACE` by default,
or until a second Ctrl-C), and let ``run()`` return when no work is left.

Python's default SIGINT handler raises ``KeyboardInterrupt`` wherever the main thread
happens to be. The server holds SIGINT and SIGTERM in an :class:`asiolike.signal_set`
instead (Asio's, built on ``signal.set_wakeup_fd``: no asiolike code runs in a Python
signal handler), so each Ctrl-C completes a wait in the loop.

Staying up under load and abuse
-------------------------------
*Descriptors, buffers or memory run out* (``accept`` fails with ``no_descriptors``,
``no_buffer_space`` or ``no_memory``): retrying at once would fail at once, forever, at
100% CPU and with a log line each time. The server waits instead, 0.1 s doubling to 1 s
(:data:`ACCEPT_BACKOFF`), with one log line per wait, so that a client is served within
about a second of descriptors being free again. Beast's examples stop accepting on any
error; an error that concerns one connection only (``connection_aborted``...) is retried
at once here.

*A peer that stops reading* keeps its echo, and with it the message's buffers, pending
until the idle timeout gives up on it: :data:`IDLE_TIMEOUT` by default (a ping after half
of it without a byte received, then the end), much shorter than Beast's suggested 300 s.

*A connection that fails* is closed at once, on every path: each failure goes through
``session.fail``, which ends the session and closes its socket (not when the session is
collected, which for one caught in a reference cycle would wait for the garbage
collector); a client that resets while it waits in the backlog is closed and reported as
a failed accept of that connection.

*Buffers* are given back when a session has handled a large message (its
``flat_buffer`` keeps at most :data:`BUFFER_KEEP` bytes between messages) and when it
ends (its socket is closed at once rather than when the session is collected). With
``--deflate`` the compressor's state is fixed for the connection's life: it uses
websockets' zlib settings (12-bit window, memory level 5), a quarter of Beast's.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
from typing import Final, TextIO

import asiolike as net
from asiolike import beast
from asiolike.beast import http, websocket
from asiolike.ip import tcp
from asiolike.signal_set import signal_set

__all__ = [
    "ACCEPT_BACKOFF",
    "BUFFER_KEEP",
    "HANDSHAKE_TIMEOUT",
    "IDLE_TIMEOUT",
    "SHUTDOWN_GRACE",
    "serve_options",
    "run_serve",
]

#: How long the closing handshakes may take once Ctrl-C was pressed, by default, in seconds.
SHUTDOWN_GRACE: Final = 2.0

#: The idle timeout by default, in seconds: a connection that received nothing for half of
#: it is pinged, and given up when the other half passes without a byte too (a peer that
#: stopped reading, or vanished, holds its buffers no longer than this).
IDLE_TIMEOUT: Final = 20.0

#: The opening and closing handshakes' timeout, in seconds (Beast's suggestion).
HANDSHAKE_TIMEOUT: Final = 30.0

#: Waits between two accepts that failed for want of descriptors, buffers or memory:
#: the first, and the most (each wait doubles the last).
ACCEPT_BACKOFF: Final = (0.1, 1.0)

#: The most capacity a session's message buffer keeps between messages, in bytes; a larger
#: one is released after the echo (the next message allocates what it needs).
BUFFER_KEEP: Final = 16384

# permessage-deflate with the zlib settings websockets uses by default: our compressor
# then holds about 38 KiB for the connection's whole life, instead of 142 KiB with
# Beast's defaults (15-bit window). The client's window is its own choice: a server that
# asks for a smaller one refuses every client that did not offer to change it.
_DEFLATE: Final = websocket.permessage_deflate(
    server_enable=True, server_max_window_bits=12, comp_level=6, mem_level=5
)

# Accept errors that say the process (or the system) is out of something: retrying at
# once fails at once. Any other error concerns the one connection being accepted.
_OUT_OF_RESOURCES: Final = frozenset(
    (net.error.no_descriptors, net.error.no_buffer_space, net.error.no_memory)
)

_SERVER = f"asiolike/{net.__version__} serve"


@dataclasses.dataclass(frozen=True)
class serve_options:
    """The ``serve`` command's options (see ``python -m asiolike serve --help``)."""

    deflate: bool = False
    max_message: int | None = None
    verbose: bool = False
    grace: float = SHUTDOWN_GRACE
    #: Seconds without a byte received before the connection is given up (with a ping at
    #: half time); None for no idle timeout (Beast's default).
    idle_timeout: float | None = IDLE_TIMEOUT


class session:
    """Echoes every message back, as text if it came as text.

    Args:
        socket: The accepted connection; the session owns it from now on.
        owner: The server, told when the session ends.
        peer: The client's endpoint, as the reports name it.
    """

    def __init__(self, socket: tcp.socket, owner: server, peer: tcp.endpoint) -> None:
        self.peer = str(peer)
        self.ws = websocket.stream(beast.tcp_stream(socket))
        self.buffer = beast.flat_buffer()
        self.owner = owner
        self.closing = False
        self.ended = False

    def run(self) -> None:
        """Set the options and wait for the upgrade request."""
        options = self.owner.options
        self.ws.set_option(
            websocket.stream_base.timeout(
                handshake_timeout=HANDSHAKE_TIMEOUT,
                idle_timeout=options.idle_timeout,
                keep_alive_pings=options.idle_timeout is not None,
            )
        )

        def decorate(res: websocket.response_type) -> None:
            res.set(http.field.server, _SERVER)

        self.ws.set_option(websocket.stream_base.decorator(decorate))
        if options.deflate:
            self.ws.set_option(_DEFLATE)
        if options.max_message is not None:
            self.ws.read_message_max(options.max_message)
        self.ws.async_accept(self.on_accept)

    def fail(self, ec: net.error_code, what: str) -> None:
        # A connection that the shutdown cut off is no news.
        if not (self.owner.stopping and ec == net.error.operation_aborted):
            print(f"{self.peer}: {what}: {ec.name()} ({ec.message()})", file=self.owner.err)
        self.end()

    def on_accept(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "accept")
        self.owner.note(f"{self.peer}: connected")
        if self.owner.stopping:  # the shutdown began while the handshake ran
            return self.shutdown()
        self.do_read()

    def do_read(self) -> None:
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec == websocket.error.closed:
            reason = self.ws.reason()
            who = "closed" if self.closing else "closed by the client"
            self.owner.note(f"{self.peer}: {who}: {reason.code} {reason.reason!r}")
            return self.end()
        if ec:
            return self.fail(ec, "read")
        self.ws.text(self.ws.got_text())
        self.ws.async_write(self.buffer.data(), self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.fail(ec, "write")
        self.buffer.consume(self.buffer.size())
        if self.buffer.capacity() > BUFFER_KEEP:
            self.buffer.shrink_to_fit()  # one large message must not cost memory for life
        if self.closing:
            return  # the close reads the client's answer
        self.do_read()

    def shutdown(self) -> None:
        """Close with 1001 (going away); abort a connection that is not open yet."""
        if self.ended or self.closing:
            return
        self.closing = True
        if self.ws.is_open():
            self.ws.async_close(websocket.close_code.going_away, self.on_close)
        else:
            self.abort()

    def on_close(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "close")
        self.end()

    def abort(self) -> None:
        """Close the connection at once; pending operations complete with operation_aborted."""
        beast.get_lowest_layer(self.ws).close()

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            # The descriptor goes now, not whenever the last reference to the stream does
            # (a timer's handler may hold one for a while).
            self.abort()
            self.owner.forget(self)


class server:
    """Accepts connections, runs their sessions, and stops on SIGINT or SIGTERM.

    Args:
        ioc: The io_context everything runs on (in the main thread).
        endpoint: Where to listen (port 0: a free port).
        options: The command's options.
        err: Where errors and, with ``verbose``, connections are reported.

    Raises:
        asiolike.system_error: the endpoint cannot be listened on.
    """

    def __init__(
        self, ioc: net.io_context, endpoint: tcp.endpoint, options: serve_options, err: TextIO
    ) -> None:
        self.ioc = ioc
        self.options = options
        self.err = err
        self.acceptor = tcp.acceptor(ioc, endpoint)
        self.sessions: set[session] = set()
        self.stopping = False
        self.timer = net.steady_timer(ioc)
        self.signals: signal_set | None = None
        self.accept_timer = net.steady_timer(ioc)
        self.backoff = 0.0  # the last wait after a failed accept; 0 after a success

    def local_endpoint(self) -> tcp.endpoint:
        """Where the server listens."""
        return self.acceptor.local_endpoint()

    def note(self, what: str) -> None:
        if self.options.verbose:
            print(what, file=self.err, flush=True)

    def run(self, signals: signal_set | None) -> None:
        """Start accepting, and wait for the signals (if any) to stop."""
        self.signals = signals
        if signals is not None:
            signals.async_wait(self.on_signal)
        self.do_accept()

    def do_accept(self) -> None:
        self.acceptor.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code, socket: tcp.socket) -> None:
        if self.stopping:
            if not ec:
                socket.close()
            return
        if not ec:
            try:
                peer = socket.remote_endpoint()
            except net.system_error as exc:
                # The client reset the connection while it waited in the backlog
                # (not_connected): a failed accept of that one connection.
                socket.close()
                ec = exc.code
        if ec:
            if ec in _OUT_OF_RESOURCES:
                return self.back_off(ec)
            print(f"accept: {ec.name()} ({ec.message()})", file=self.err, flush=True)
        else:
            self.backoff = 0.0
            s = session(socket, self, peer)
            self.sessions.add(s)
            s.run()
        self.do_accept()

    def back_off(self, ec: net.error_code) -> None:
        """Accept again after a wait that doubles while the resource stays exhausted."""
        first, most = ACCEPT_BACKOFF
        self.backoff = min(most, self.backoff * 2) if self.backoff else first
        print(
            f"accept: {ec.name()} ({ec.message()}); {len(self.sessions)} connection(s) open; "
            f"retrying in {self.backoff:g} s",
            file=self.err,
            flush=True,
        )
        self.accept_timer.expires_after(self.backoff)
        self.accept_timer.async_wait(self.on_backoff_over)

    def on_backoff_over(self, ec: net.error_code) -> None:
        if ec or self.stopping:
            return
        self.do_accept()

    def on_signal(self, ec: net.error_code, signum: int) -> None:
        if ec:
            return
        if self.stopping:
            # A second Ctrl-C: do not wait for the closing handshakes.
            print("stopping now", file=self.err, flush=True)
            return self.force()
        assert self.signals is not None
        self.signals.async_wait(self.on_signal)
        self.stop()

    def stop(self) -> None:
        """Stop accepting and close every connection with 1001, for at most ``grace`` s."""
        if self.stopping:
            return
        self.stopping = True
        self.acceptor.close()
        self.accept_timer.cancel()
        count = len(self.sessions)
        print(
            f"stopping: closing {count} connection(s) with 1001 (going_away)",
            file=self.err,
            flush=True,
        )
        for s in list(self.sessions):
            s.shutdown()
        if self.sessions:
            self.timer.expires_after(self.options.grace)
            self.timer.async_wait(self.on_grace_over)
        else:
            self.finish()

    def on_grace_over(self, ec: net.error_code) -> None:
        if ec:
            return
        print(
            f"{len(self.sessions)} connection(s) did not finish closing; cutting them off",
            file=self.err,
            flush=True,
        )
        self.force()

    def force(self) -> None:
        for s in list(self.sessions):
            s.abort()
        self.finish()

    def forget(self, s: session) -> None:
        """A session ended."""
        self.sessions.discard(s)
        if self.stopping and not self.sessions:
            self.finish()

    def finish(self) -> None:
        """Nothing is left to wait for: let ``run()`` return."""
        self.timer.cancel()
        if self.signals is not None:
            self.signals.close()
            self.signals = None


def run_serve(
    host: str,
    port: int,
    options: serve_options,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the ``serve`` command until SIGINT or SIGTERM.

    Args:
        host: The address (or name) to listen on.
        port: The port; 0 picks a free one (printed).
        options: The command's options.
        stdout: Where ``listening on HOST:PORT`` is printed.
        stderr: Where errors and the shutdown are reported.

    Returns:
        0 after a clean stop; 1 when the address cannot be listened on.
    """
    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    ioc = net.io_context()
    signals: signal_set | None = None
    try:
        try:
            results = tcp.resolver(ioc).resolve(host, str(port))
            endpoint = next(iter(results)).endpoint()
            srv = server(ioc, endpoint, options, err)
        except net.system_error as exc:
            print(
                f"error: {exc.code.name()} (listen on {host}:{port}: {exc.code.message()})",
                file=err,
                flush=True,
            )
            return 1
        signals = signal_set(ioc, signal.SIGINT, signal.SIGTERM)
        srv.run(signals)
        print(f"listening on {srv.local_endpoint()}", file=out, flush=True)
        ioc.run()
        return 0
    finally:
        if signals is not None:
            signals.close()
        ioc.close()
