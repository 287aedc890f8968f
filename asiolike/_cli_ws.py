"""The ``ws`` command: an interactive WebSocket client, in the spirit of wscat and websocat.

Theory of operation
-------------------
One :class:`session` in Beast's client shape (``on_resolve``, ``on_connect``,
``on_handshake``, ``on_read``, ``on_write``, ``on_close``, one ``fail``) runs on the
io_context in the main thread. Standard input is read in that loop too, through a
``posix.stream_descriptor`` (an :class:`input_reader`; no thread), and each line goes to
the session's outgoing queue; the session keeps one write in flight at a time (a
websocket stream allows one pending write). At most ``_READ_AHEAD`` lines are read ahead
of the writes (the reader stops reading until a write frees a slot), so a large file
piped in does not pile up in memory.

At the end of the input the session closes with 1000, but not at once: Beast's close
discards the messages that arrive after our close frame (only a read already pending sees
one more), so the answers to the last lines would be lost. It waits until as many
messages came in as went out (an echo server's answers), or until none arrived for
``linger`` seconds, then closes.

Ctrl-C (SIGINT, held in an :class:`asiolike.signal_set` so that it arrives as a handler
rather than as ``KeyboardInterrupt`` somewhere in the loop) closes with 1001 (going away)
and exits with 130 once the closing handshake is done; a second Ctrl-C does not wait.

On a terminal, received messages are marked ``< `` and sent lines ``> `` as in the
``websockets`` command line: when both standard input and output are the terminal, each
input line is typed after a ``> `` prompt and received messages are inserted above it;
when only the output is, sent lines are echoed as ``> line``. In a pipe the output is the
bare messages, for scripts.

``wss://`` URLs use ``asiolike.ssl`` when it is installed (see :func:`_tls_layer`).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO, Final, Protocol, TextIO
from urllib.parse import urlsplit

import asiolike as net
from asiolike import beast, posix
from asiolike import ssl as tls
from asiolike.beast import http, websocket
from asiolike.ip import tcp
from asiolike.signal_set import signal_set

__all__ = [
    "describe_close",
    "line_sink",
    "ws_options",
    "ws_url",
    "parse_header",
    "parse_url",
    "input_reader",
    "read_lines",
    "run_ws",
]

#: The longest line read from the input (one message); a longer line is an error.
LINE_MAX: Final = 16 * 1024 * 1024
#: Lines read ahead of the writes (the reader waits beyond that).
_READ_AHEAD: Final = 64
#: The bound on the closing handshake once it started.
_CLOSE_TIMEOUT: Final = 5.0
#: The exit status after Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED: Final = 130

# Control characters shown escaped on a terminal (as the websockets CLI does): a message
# must not move the cursor or change the terminal's state.
_TERMINAL_ESCAPES: Final = str.maketrans(
    {i: repr(chr(i))[1:-1] for i in (*range(32), *range(127, 160))}
)

_TARGET_OK = re.compile(r"[\x21-\x7e]+")


class cli_error(Exception):
    """A failure before any I/O (``wss://`` without ``asiolike.ssl``): message, exit 1."""


@dataclasses.dataclass(frozen=True)
class ws_url:
    """What a ``ws://`` or ``wss://`` URL says: where to connect and what to ask for."""

    secure: bool
    host: str
    """The host to resolve (brackets of an IPv6 literal removed)."""
    port: int
    host_header: str
    """The Host field: the URL's authority as written (``example.com:8080``)."""
    target: str
    """The request target: path and query (``/chat?room=1``)."""


def parse_url(text: str) -> ws_url:
    """Split a WebSocket URL (an argparse ``type``).

    Raises:
        argparse.ArgumentTypeError: not a ``ws://`` or ``wss://`` URL with a host, a bad
            port, credentials or a fragment, or a target with spaces.
    """
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("ws", "wss"):
        raise argparse.ArgumentTypeError(
            f"{text!r}: use a ws:// or wss:// URL, e.g. ws://127.0.0.1:8765/"
        )
    if not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r}: the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise argparse.ArgumentTypeError(
            f"{text!r}: credentials in the URL are not sent; "
            "use --header 'Authorization: ...' instead"
        )
    if parts.fragment or text.endswith("#"):
        raise argparse.ArgumentTypeError(
            f"{text!r}: a WebSocket URL has no fragment (RFC 6455 section 3); remove '#...'"
        )
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if not _TARGET_OK.fullmatch(target):
        raise argparse.ArgumentTypeError(
            f"{text!r}: the path holds spaces or control characters; percent-encode them"
        )
    secure = scheme == "wss"
    return ws_url(
        secure=secure,
        host=parts.hostname,
        port=port if port is not None else (443 if secure else 80),
        host_header=parts.netloc,
        target=target,
    )


def parse_header(text: str) -> tuple[str, str]:
    """Split ``NAME:VALUE`` and check both as HTTP would (an argparse ``type``).

    Raises:
        argparse.ArgumentTypeError: no colon, a name that is not a token, or a value
            with CR, LF or NUL.
    """
    name, colon, value = text.partition(":")
    name = name.strip()
    if not colon:
        raise argparse.ArgumentTypeError(f"{text!r}: write NAME:VALUE, e.g. 'X-Token: abc'")
    value = value.strip(" \t")
    try:
        http.request().set(name, value)  # the same checks the handshake will make
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return name, value


@dataclasses.dataclass(frozen=True)
class ws_options:
    """The ``ws`` command's options (see ``python -m asiolike ws --help``)."""

    binary: bool = False
    headers: Sequence[tuple[str, str]] = ()
    deflate: bool = False
    ping_interval: float = 0.0
    max_message: int | None = None
    verbose: bool = False
    linger: float = 1.0
    insecure: bool = False
    cacert: str | None = None


def describe_close(reason: websocket.close_reason, prefix: str = "") -> str:
    """``reason`` for people: ``1000 (normal), reason 'bye'`` (after ``prefix``)."""
    if not reason:
        return "no close code"
    try:
        name = websocket.close_code(reason.code).name
    except ValueError:
        name = "unknown"
    text = f"{prefix}{reason.code} ({name})"
    return f"{text}, reason {reason.reason!r}" if reason.reason else text


def _tls_layer(ioc: net.io_context, host: str, options: ws_options) -> Any:
    """A TLS client stream over a ``beast.tcp_stream``, as Beast's SSL client examples.

    Uses Asio's names: ``ssl.context(ssl.context.tls_client)``,
    ``set_default_verify_paths()``, ``load_verify_file(cacert)``,
    ``set_verify_mode(ssl.verify_peer)``, ``ssl.stream(next_layer, ctx)``,
    ``set_verify_callback(ssl.host_name_verification(host))``; the server name (SNI) is
    set in :meth:`session.on_connect`.

    Raises:
        cli_error: the CA file cannot be loaded.
    """
    ctx = tls.context(tls.context.tls_client)
    if options.insecure:
        ctx.set_verify_mode(tls.verify_none)
    else:
        ctx.set_default_verify_paths()
        if options.cacert is not None:
            try:
                ctx.load_verify_file(options.cacert)
            except (OSError, ValueError) as exc:
                raise cli_error(f"--cacert {options.cacert}: {exc}") from None
        ctx.set_verify_mode(tls.verify_peer)
    stream = tls.stream(beast.tcp_stream(ioc), ctx)
    if not options.insecure:
        stream.set_verify_callback(tls.host_name_verification(host))
    return stream


class session:
    """One WebSocket connection: input lines out as messages, messages in to the output.

    Args:
        ioc: The io_context it runs on (in the main thread).
        url: Where to connect.
        options: The command's options.
        out: Where received messages go (binary: text messages are written as UTF-8).
        err: Where errors and, with ``verbose``, the steps go.

    Raises:
        cli_error: a ``wss://`` URL without ``asiolike.ssl``.
    """

    def __init__(
        self,
        ioc: net.io_context,
        url: ws_url,
        options: ws_options,
        out: BinaryIO,
        err: TextIO,
    ) -> None:
        self.ioc = ioc
        self.url = url
        self.options = options
        self.out = out
        self.err = err
        self.resolver = tcp.resolver(ioc)
        layer = _tls_layer(ioc, url.host, options) if url.secure else beast.tcp_stream(ioc)
        self.ws: websocket.stream[Any] = websocket.stream(layer)  # TLS or plain
        self.buffer = beast.flat_buffer()
        self.res = http.response()
        self.queue: deque[bytes] = deque()
        self.writing = False
        self.open = False
        self.input_done = False
        self.closing = False
        self.close_received = False
        self.done = False
        self.sent = 0
        self.received = 0
        self.status = 0
        self.warned_utf8 = False
        self.ping_timer = net.steady_timer(ioc)
        self.linger_timer = net.steady_timer(ioc)
        self.ping_pending = False
        self.ping_seq = 0
        self.ping_times: dict[bytes, float] = {}
        #: Read-ahead slots for the reader thread (released as lines are written).
        self.slots = threading.Semaphore(_READ_AHEAD)
        self.stop_input = threading.Event()
        #: Set once the connection is open or the session is over (the prompt waits).
        self.ready = threading.Event()
        #: ``"< "``/``"> "`` marks on a terminal; ``interactive``: input typed there too.
        self.marks = False
        self.interactive = False
        self.signals: signal_set | None = None
        self.interrupted = False
        #: The input reader's hook: called when the connection is ready, when a write
        #: frees a read-ahead slot and when the session ends (see :class:`input_reader`).
        self.wake_input: Callable[[], None] | None = None

    def _wake_input(self) -> None:
        if self.wake_input is not None:
            self.wake_input()

    # -- reporting ------------------------------------------------------------------------------

    def note(self, what: str) -> None:
        """A step, on the error stream with ``--verbose``."""
        if self.options.verbose:
            print(what, file=self.err, flush=True)

    def fail(self, ec: net.error_code, what: str, hint: str = "") -> None:
        """Report ``error: NAME (what: message)`` once and end the session with status 1.

        ``hint``, when given, follows on a line of its own: what to try.
        """
        if self.done:
            return
        detail = ec.message()
        if what == "handshake" and self.res.result_int():
            detail += f"; the server answered {self.res.result_int()} {self.res.reason()}"
        print(f"error: {ec.name()} ({what}: {detail})", file=self.err, flush=True)
        if hint:
            print(f"hint: {hint}", file=self.err, flush=True)
        self.status = 1
        self.finish()
        # Cancels whatever is still pending (a write, the read): their handlers see
        # operation_aborted and do nothing more, as the session is done.
        beast.get_lowest_layer(self.ws).close()

    def finish(self) -> None:
        """The session is over: stop the timers and the reader thread."""
        if self.done:
            return
        self.done = True
        self.ping_timer.cancel()
        self.linger_timer.cancel()
        if self.signals is not None:
            self.signals.cancel()  # its pending wait is work: run() returns once it goes
        self.stop_input.set()
        self.ready.set()
        self.slots.release()  # a reader thread waiting for a slot sees stop_input
        self._wake_input()  # the reader lets its descriptor go: run() can return

    def emit(self, data: bytes) -> bool:
        """Write a received message; False when the output is gone (the session ends)."""
        try:
            if self.interactive:
                # As websockets' print_during_input: save the cursor, open a line above
                # the one being typed, print there, restore the cursor.
                data = b"\x1b7\n\x1b[A\x1b[L" + data + b"\x1b8\x1b[B"
            self.out.write(data)
            self.out.flush()
        except BrokenPipeError:
            # The reader of our output went away (``| head -1``): nothing left to do.
            self.status = 1
            self.finish()
            beast.get_lowest_layer(self.ws).close()
            return False
        return True

    # -- connecting -------------------------------------------------------------------------------

    def run(self) -> None:
        """Start: resolve, connect, handshake; then messages until the input ends."""
        self.resolver.async_resolve(self.url.host, str(self.url.port), self.on_resolve)

    def on_resolve(self, ec: net.error_code, results: tcp.resolver.results_type) -> None:
        if ec:
            return self.fail(ec, "resolve")
        beast.get_lowest_layer(self.ws).expires_after(30)
        beast.get_lowest_layer(self.ws).async_connect(results, self.on_connect)

    def on_connect(self, ec: net.error_code, ep: tcp.endpoint | None) -> None:
        if ec:
            return self.fail(ec, "connect")
        self.note(f"connected to {ep}")
        if not self.url.secure:
            return self.do_handshake()
        layer = self.ws.next_layer()
        # Server Name Indication: the C++ calls SSL_set_tlsext_host_name on native_handle().
        layer.set_server_name(self.url.host)
        layer.async_handshake(tls.stream_base.client, self.on_tls_handshake)

    def on_tls_handshake(self, ec: net.error_code) -> None:
        if ec:
            hint = ""
            if ec != net.error.operation_aborted and "certificate" not in ec.message().lower():
                # A plain server answers the ClientHello with HTTP (or closes): the TLS
                # layer reports a protocol error that says nothing of the cause.
                plain = f"ws://{self.url.host_header}{self.url.target}"
                hint = f"is the server speaking plain ws://? try {plain}"
            return self.fail(ec, "TLS handshake", hint)
        self.note("TLS handshake done")
        self.do_handshake()

    def do_handshake(self) -> None:
        # The websocket stream has its own timeouts: switch the tcp_stream's off.
        beast.get_lowest_layer(self.ws).expires_never()
        self.ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.client))
        headers = self.options.headers

        def decorate(req: websocket.request_type) -> None:
            req.set(http.field.user_agent, f"asiolike/{net.__version__} ws")
            seen: set[str] = set()
            for name, value in headers:
                # The first --header of a name replaces ours, the next ones add to it.
                if name.lower() in seen:
                    req.insert(name, value)
                else:
                    req.set(name, value)
                    seen.add(name.lower())

        self.ws.set_option(websocket.stream_base.decorator(decorate))
        if self.options.deflate:
            self.ws.set_option(websocket.permessage_deflate(client_enable=True))
        if self.options.max_message is not None:
            self.ws.read_message_max(self.options.max_message)
        self.ws.control_callback(self.on_control)
        self.ws.binary(self.options.binary)
        self.ws.async_handshake(self.res, self.url.host_header, self.url.target, self.on_handshake)

    def on_handshake(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "handshake")
        self.open = True
        extensions = self.res[http.field.sec_websocket_extensions]
        self.note(
            f"handshake done: {self.res.result_int()} {self.res.reason()}"
            + (f" (extensions: {extensions})" if extensions else "")
        )
        if not self.options.deflate:
            self.note("permessage-deflate: not offered (--deflate offers it)")
        elif "permessage-deflate" in extensions.lower():
            self.note("permessage-deflate: negotiated")
        else:
            self.note("permessage-deflate: offered, not accepted by the server")
        self.ready.set()
        self._wake_input()  # the prompt waited for this
        self.do_read()
        if self.options.ping_interval > 0:
            self.arm_ping_timer()
        self.do_write()

    # -- reading ------------------------------------------------------------------------------

    def do_read(self) -> None:
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        if self.done:
            return
        if ec == websocket.error.closed:
            return self.on_peer_closed()
        if ec and self.after_close_frames(ec):
            return self.on_peer_closed()
        if ec == net.error.operation_aborted and self.closing:
            # A read started after our close frame went out waits behind the close, which
            # discards what comes in (as in Beast) and completes it this way.
            return
        if ec:
            return self.fail(ec, "read")
        data = bytes(self.buffer.data())
        self.buffer.consume(self.buffer.size())
        self.received += 1
        line = data if self.ws.got_text() else repr(data).encode("ascii")
        if self.marks:
            line = b"< " + (_escape(data) if self.ws.got_text() else line)
        if not self.emit(line + b"\n"):
            return
        self.do_read()
        if self.input_done and not self.closing:
            self.maybe_close()

    def after_close_frames(self, ec: net.error_code) -> bool:
        """Whether ``ec`` is only the teardown failing once both close frames were sent.

        Many TLS servers close the TCP connection after the closing handshake without
        sending TLS close_notify; the TLS layer reports that (``stream_truncated``), but
        the WebSocket closing handshake is complete all the same.
        """
        if not self.close_received or ec == net.error.operation_aborted:
            return False
        self.note(f"after the closing handshake: {ec.name()} ({ec.message()})")
        return True

    def on_peer_closed(self) -> None:
        reason = self.ws.reason()
        if self.closing:
            self.note(f"closed; the server answered {describe_close(reason)}")
            return self.finish()
        # The server closed first; the stream answered and closed the connection.
        if reason.code in (websocket.close_code.normal, websocket.close_code.going_away) or (
            not reason
        ):
            print(f"closed by the server: {describe_close(reason)}", file=self.err, flush=True)
        else:
            print(
                f"error: closed (the server closed with {describe_close(reason)})",
                file=self.err,
                flush=True,
            )
            self.status = 1
        self.finish()

    def on_control(self, kind: websocket.frame_type, payload: bytes) -> None:
        # Called from within the pending read: no stream operation may start here.
        if kind is websocket.frame_type.close:
            self.close_received = True
        elif kind is websocket.frame_type.pong:
            sent = self.ping_times.pop(payload, None)
            rtt = "" if sent is None else f", {(time.perf_counter() - sent) * 1000:.1f} ms"
            self.note(f"pong {payload!r}{rtt}")
        elif kind is websocket.frame_type.ping:
            self.note(f"ping {payload!r} (answered)")

    # -- writing ------------------------------------------------------------------------------

    def on_line(self, line: bytes) -> None:
        """A line from the reader thread (posted; runs in the loop)."""
        if self.done or self.closing:
            return
        self.queue.append(line)
        if self.open and not self.writing:
            self.do_write()

    def on_input_end(self) -> None:
        """The input ended (posted by the reader thread)."""
        if self.done:
            return
        self.input_done = True
        self.note("end of input")
        if self.open and not self.writing:
            self.maybe_close()

    def on_input_error(self, message: str) -> None:
        """The input could not be read (posted by the reader thread)."""
        if self.done:
            return
        print(f"error: input ({message})", file=self.err, flush=True)
        self.status = 1
        self.input_done = True
        if self.open and not self.writing:
            self.maybe_close()
        elif not self.open:
            self.finish()
            beast.get_lowest_layer(self.ws).close()

    def do_write(self) -> None:
        if self.done or self.closing:
            return
        if not self.queue:
            if self.input_done:
                self.maybe_close()
            return
        line = self.queue.popleft()
        self.writing = True
        # Input typed on the terminal is already shown after the prompt; piped input is
        # shown here, so that the output reads as a conversation.
        if self.marks and not self.interactive and not self.emit(b"> " + _escape(line) + b"\n"):
            return
        if self.options.binary:
            self.ws.async_write(line, self.on_write)
            return
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            text = line.decode("utf-8", errors="replace")
            if not self.warned_utf8:
                self.warned_utf8 = True
                print(
                    "warning: the input is not UTF-8; invalid bytes are sent as U+FFFD "
                    "(use --binary to send bytes as they are)",
                    file=self.err,
                    flush=True,
                )
        self.ws.async_write(text, self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        self.writing = False
        if self.done:
            return
        if ec:
            return self.fail(ec, "write")
        self.sent += 1
        self.slots.release()
        self.do_write()
        self._wake_input()  # a slot is free: the reader may go on

    # -- pings --------------------------------------------------------------------------------

    def arm_ping_timer(self) -> None:
        self.ping_timer.expires_after(self.options.ping_interval)
        self.ping_timer.async_wait(self.on_ping_timer)

    def on_ping_timer(self, ec: net.error_code) -> None:
        if ec or self.done or self.closing:
            return
        if not self.ping_pending:
            self.ping_seq += 1
            payload = str(self.ping_seq).encode()
            self.ping_times[payload] = time.perf_counter()
            self.ping_pending = True
            self.ws.async_ping(payload, self.on_ping)
        self.arm_ping_timer()

    def on_ping(self, ec: net.error_code) -> None:
        self.ping_pending = False
        if ec and ec != net.error.operation_aborted:
            self.fail(ec, "ping")

    # -- closing ------------------------------------------------------------------------------

    def maybe_close(self) -> None:
        """Close once the answers came (or stopped coming): see the module."""
        if self.done or self.closing or self.writing or self.queue:
            return
        if self.received >= self.sent or self.options.linger <= 0:
            return self.do_close()
        # Re-armed by every message received: close after `linger` seconds of silence.
        self.linger_timer.expires_after(self.options.linger)
        self.linger_timer.async_wait(self.on_linger)

    def on_linger(self, ec: net.error_code) -> None:
        if ec or self.done or self.closing:
            return
        self.note(f"no answer for {self.options.linger} s")
        self.do_close()

    def do_close(self) -> None:
        self.closing = True
        self.ping_timer.cancel()
        self.linger_timer.cancel()
        self.note("closing with 1000 (normal)")
        self.ws.set_option(websocket.stream_base.timeout(_CLOSE_TIMEOUT, None))
        self.ws.async_close(websocket.close_code.normal, self.on_close)

    def on_close(self, ec: net.error_code) -> None:
        if ec and not self.after_close_frames(ec):
            return self.fail(ec, "close")
        self.finish()

    # -- Ctrl-C -------------------------------------------------------------------------------

    def on_interrupt(self, ec: net.error_code, signum: int) -> None:
        """Ctrl-C: close with 1001 (going away), then exit 130; a second one stops at once."""
        if ec or self.done:
            return
        print("interrupted", file=self.err, flush=True)
        if self.interrupted or not self.open or self.closing:
            # Not open yet, already closing, or the second Ctrl-C: do not wait.
            self.interrupted = True
            self.finish()
            beast.get_lowest_layer(self.ws).close()
            return
        self.interrupted = True
        self.closing = True
        self.ping_timer.cancel()
        self.linger_timer.cancel()
        self.stop_input.set()
        self._wake_input()
        self.note("closing with 1001 (going_away)")
        self.ws.set_option(websocket.stream_base.timeout(_CLOSE_TIMEOUT, None))
        self.ws.async_close(websocket.close_code.going_away, self.on_close)
        assert self.signals is not None
        self.signals.async_wait(self.on_interrupt)

    # -- the terminal -------------------------------------------------------------------------

    def prompt(self) -> None:
        """Before each input line in interactive mode: ``> `` (called by the reader thread)."""
        self.ready.wait()
        if not self.done and not self.closing:
            self.out.write(b"> ")
            self.out.flush()


def _escape(data: bytes) -> bytes:
    """A text message for a terminal: control characters shown as escapes, UTF-8 out."""
    return data.decode("utf-8", "replace").translate(_TERMINAL_ESCAPES).encode("utf-8")


class line_sink(Protocol):
    """What the reader thread hands its lines to (a :class:`session`)."""

    slots: threading.Semaphore
    stop_input: threading.Event

    def on_line(self, line: bytes) -> None: ...
    def on_input_end(self) -> None: ...
    def on_input_error(self, message: str) -> None: ...


def read_lines(
    read: Callable[[int], bytes],
    post: Callable[[Callable[[], object]], object],
    target: line_sink,
    prompt: Callable[[], None] | None = None,
) -> None:
    """Split a blocking input into lines and post each to the session, on a thread.

    The thread-based form of :class:`input_reader` (which ``run_ws`` uses), for a caller
    whose source can only be read by blocking.

    Reads raw chunks (``os.read`` on standard input) rather than through
    ``sys.stdin.buffer``: a daemon thread blocked inside the buffered reader holds its lock,
    which can abort the interpreter's shutdown. One trailing ``\\n`` (or ``\\r\\n``) is
    removed from each line; a last line without one is sent too. ``prompt``, if given, is
    called before each read (a terminal delivers one line per read).
    """
    pending = b""
    try:
        while True:
            if prompt is not None:
                prompt()
            chunk = read(65536)
            if not chunk:
                break
            lines, pending = _take_lines(pending + chunk)
            for line in lines:
                if not _hand_over(line, post, target):
                    return
            if len(pending) > LINE_MAX:
                post(
                    functools.partial(target.on_input_error, f"a line longer than {LINE_MAX} bytes")
                )
                return
    except OSError as exc:
        post(functools.partial(target.on_input_error, str(exc)))
        return
    if pending and not _hand_over(pending, post, target):
        return
    post(target.on_input_end)


def _take_lines(data: bytes) -> tuple[list[bytes], bytes]:
    """The complete lines in ``data`` (without ``\n`` or ``\r\n``) and the rest."""
    lines = data.split(b"\n")
    rest = lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines], rest


class _memory_input:
    """An input without a descriptor (an in-memory file): read in the loop, never blocks.

    Has the ``async_read_some``/``close`` a :class:`input_reader` uses; each read's
    result is posted (never delivered inline).
    """

    def __init__(self, ioc: net.io_context, read: Callable[[int], bytes]) -> None:
        self.ioc = ioc
        self.read = read
        self.open = True

    def is_open(self) -> bool:
        return self.open

    def async_read_some(self, buf: bytearray, handler: Callable[..., object]) -> None:
        try:
            chunk = self.read(len(buf))
        except OSError as exc:
            net.post(self.ioc, functools.partial(handler, net.error.make_error_code(exc), 0))
            return
        buf[: len(chunk)] = chunk
        ec = net.error.success if chunk else net.error.eof
        net.post(self.ioc, functools.partial(handler, ec, len(chunk)))

    def close(self) -> None:
        self.open = False


def _reading_copy(fd: int) -> int:
    """A descriptor to read ``fd``'s input from, for a ``posix.stream_descriptor``.

    The descriptor is made non-blocking while it is read, and that mode belongs to the open
    file description, which ``dup`` shares: on a terminal, standard output and error
    usually share standard input's, and writing to them would then fail with
    ``BlockingIOError`` when the terminal is slow. A terminal is therefore opened again by
    name (a description of its own); anything else is duplicated.
    """
    if os.isatty(fd):
        try:
            return os.open(os.ttyname(fd), os.O_RDONLY | os.O_NOCTTY)
        except OSError:
            pass
    return os.dup(fd)


class input_reader:
    """Reads the input in the io_context's loop and hands each line to the session.

    Standard input (anything with a descriptor: a terminal, a pipe, a file) is read
    through a ``posix.stream_descriptor`` on a copy of the descriptor (see
    :func:`_reading_copy`); an in-memory file
    is read a chunk per handler. The contract is :func:`read_lines`': one trailing
    ``\n``/``\r\n`` removed from each line, a last line without one sent too, at most
    ``_READ_AHEAD`` lines ahead of the writes (one read-ahead slot per line; the session
    wakes the reader when a write frees one), ``stop_input`` ends it, and in interactive
    mode a ``> `` prompt before each read once the connection is open. The session calls
    :meth:`wake` (its ``wake_input`` hook) on those events; when the session ends the
    reader closes its descriptor, which ends a pending read, so ``run()`` can return.

    Args:
        ioc: The session's io_context.
        stdin: The input.
        target: The session.
        interactive: Whether to prompt before each read.
    """

    def __init__(
        self, ioc: net.io_context, stdin: BinaryIO, target: session, interactive: bool
    ) -> None:
        self.target = target
        self.interactive = interactive
        try:
            fd = stdin.fileno()
        except (AttributeError, OSError, ValueError):
            self.input: Any = _memory_input(ioc, stdin.read)
        else:
            self.input = posix.stream_descriptor(ioc, _reading_copy(fd))
        self.buffer = bytearray(65536)
        self.pending = b""
        self.lines: deque[bytes] = deque()
        self.reading = False
        self.end: str | None = None  # "" at the end of the input, else the error
        self.ended = False  # the end (or the error) was handed over
        target.wake_input = self.wake

    def start(self) -> None:
        """Start reading."""
        self.do_read()

    def wake(self) -> None:
        """The session is ready, a slot is free, or the session ended: go on or stop."""
        if self.target.stop_input.is_set():
            self.stop()
        elif not self.reading and not self.ended:
            self.hand_over()

    def stop(self) -> None:
        if self.input.is_open():
            self.input.close()  # a pending read completes with operation_aborted

    def hand_over(self) -> None:
        target = self.target
        while self.lines:
            if target.stop_input.is_set():
                return self.stop()
            if not target.slots.acquire(blocking=False):
                return  # wake() goes on once a write frees a slot
            target.on_line(self.lines.popleft())
        if self.end is None:
            return self.do_read()
        self.ended = True
        self.stop()
        if self.end:
            target.on_input_error(self.end)
        else:
            target.on_input_end()

    def do_read(self) -> None:
        target = self.target
        if self.reading or target.stop_input.is_set():
            return
        if self.interactive:
            if not target.ready.is_set():
                return  # wake() prompts once the connection is open
            target.prompt()
        self.reading = True
        self.input.async_read_some(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, n: int) -> None:
        self.reading = False
        if self.target.stop_input.is_set() or ec == net.error.operation_aborted:
            return self.stop()
        if ec == net.error.eof:
            if self.pending:
                self.lines.append(self.pending)
                self.pending = b""
            self.end = ""
        elif ec:
            self.end = ec.message()
        else:
            lines, self.pending = _take_lines(self.pending + bytes(self.buffer[:n]))
            self.lines.extend(lines)
            if len(self.pending) > LINE_MAX:
                self.end = f"a line longer than {LINE_MAX} bytes"
        self.hand_over()


def _hand_over(
    line: bytes, post: Callable[[Callable[[], object]], object], target: line_sink
) -> bool:
    target.slots.acquire()  # backpressure: at most _READ_AHEAD lines ahead of the writes
    if target.stop_input.is_set():
        return False
    post(functools.partial(target.on_line, line))
    return True


def run_ws(
    url: ws_url,
    options: ws_options,
    stdin: BinaryIO,
    stdout: BinaryIO,
    stderr: TextIO,
    run_for: float | None = None,
) -> int:
    """Run the ``ws`` command.

    Args:
        url: Where to connect (:func:`parse_url`).
        options: The command's options.
        stdin: The input, one message per line (a real file is read with ``os.read``).
        stdout: Where received messages are written.
        stderr: Where errors (and with ``verbose``, the steps) are written.
        run_for: A bound on the whole run in seconds (tests); ``None`` runs until done.

    Returns:
        0 after a clean close (ours at the end of the input, or the server's with 1000 or
        1001); 1 after an error, reported as ``error: NAME (...)``; 130 on Ctrl-C (after
        the closing handshake with 1001, when the connection was open).
    """
    ioc = net.io_context()
    signals: signal_set | None = None
    reader: input_reader | None = None
    try:
        try:
            s = session(ioc, url, options, stdout, stderr)
        except cli_error as exc:
            print(f"error: {exc}", file=stderr, flush=True)
            return 1
        s.marks = _isatty(stdout)
        s.interactive = s.marks and _isatty(stdin)
        if threading.current_thread() is threading.main_thread():
            # Only the main thread may take over SIGINT (Python's rule).
            signals = s.signals = signal_set(ioc, signal.SIGINT)
            signals.async_wait(s.on_interrupt)
        reader = input_reader(ioc, stdin, s, s.interactive)
        reader.start()
        s.run()
        try:
            if run_for is None:
                ioc.run()
            else:
                ioc.run_for(run_for)
                if not ioc.stopped():
                    print(f"error: timed_out (still running after {run_for} s)", file=stderr)
                    return 1
        except KeyboardInterrupt:
            print("interrupted", file=stderr, flush=True)
            return INTERRUPTED
        return INTERRUPTED if s.interrupted else s.status
    finally:
        if signals is not None:
            signals.close()
        if reader is not None:
            reader.stop()  # puts standard input's blocking mode back
        ioc.close()


def _isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):
        return False
