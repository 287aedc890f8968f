"""``websocket.stream``: WebSocket messages over any stream (Beast's ``websocket::stream``).

The facade: option accessors, argument checks and the initiating functions. The
operations live in one private module each (``_handshake_op``, ``_accept_op``,
``_read_op``, ``_write_op``, ``_ping_op``, ``_close_op``, ``_teardown``, ``_timeout``),
the shared state in ``_impl`` and the protocol in the sans-I/O core.

Which operations may be pending at once (anything else raises ``RuntimeError`` at once):
one read (``read``/``read_some``), one write (``write``/``write_some``), one ping or pong
and one close; ping, pong and close wait for a write in progress, and a close may be
pending while a read is. The handshake runs alone. Once the stream is closed or failed,
every new operation completes with ``operation_aborted``, as in Beast.

Errors, and who caused them:

==========================================  =====================================================
``websocket.error.closed``                   the closing handshake completed (peer's or ours)
``condition.handshake_failed`` codes         the upgrade was refused (either side)
``condition.protocol_violation`` codes       the peer broke RFC 6455; we sent 1002/1007 and closed
``message_too_big``                          a message passed ``read_message_max`` (we sent 1009)
``buffer_overflow``                          the caller's dynamic buffer was full
``beast.error.timeout``                      a timeout of the ``stream_base.timeout`` option
``operation_aborted``                        the stream was closed or failed before or meanwhile
``eof``, ``connection_reset``, ...           the transport, as the next layer reports it
``http.error.*``                             the upgrade request/response was malformed
==========================================  =====================================================
"""

from __future__ import annotations

import concurrent.futures
from typing import Any, ClassVar

from typing_extensions import Buffer

from asiolike.async_result import async_initiate
from asiolike.beast import http
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.websocket._accept_op import accept_op, accept_sync
from asiolike.beast.websocket._args import (
    NO_ARG,
    SECOND_READ,
    SECOND_WRITE,
    check_limit,
    check_token,
    close_reason_arg,
    initial_bytes,
    is_dynamic,
    writable,
)
from asiolike.beast.websocket._close_op import close_op, close_sync
from asiolike.beast.websocket._deflate import permessage_deflate
from asiolike.beast.websocket._handshake_op import handshake_op, handshake_sync, make_request
from asiolike.beast.websocket._impl import OPEN, ControlCallback, stream_impl
from asiolike.beast.websocket._options import stream_base
from asiolike.beast.websocket._ping_op import ping_op, ping_payload, ping_sync
from asiolike.beast.websocket._read_op import read_op, read_sync
from asiolike.beast.websocket._timeout import disarm, update_timer
from asiolike.beast.websocket._write_op import write_op, write_payload, write_sync
from asiolike.beast.websocket.rfc6455 import close_reason
from asiolike.buffer import DynamicBuffer
from asiolike.error import success

__all__ = ["stream"]

Future = concurrent.futures.Future[Any] | None


class stream(stream_impl):
    """Message-oriented WebSocket on top of a stream (Beast's ``websocket::stream``).

    Args:
        next_layer: The stream it runs over: a ``tcp.socket``, a ``beast.tcp_stream``, an
            ``asiolike.testing.stream``... (anything with ``async_read_some``,
            ``async_write_some`` and ``get_executor``; the blocking functions also use
            ``read_some``/``write_some``). Handlers run on its executor by default.
            An io_context, thread_pool or executor (``net.make_strand(ioc)``) makes a new
            ``beast.tcp_stream`` on it, as ``websocket::stream<beast::tcp_stream> ws{ioc}``.

    Raises:
        TypeError: ``next_layer`` lacks one of those methods.

    Every asynchronous operation calls its handler exactly once, never from inside the
    initiating call, on the handler's associated executor (``bind_executor``), else the
    next layer's; a pending operation keeps ``run()`` busy. See the module for the table
    of error codes.
    """

    __slots__ = ()
    # How handler tracking names it (Asio-style "websocket_stream@0x...").
    _tracking_type: ClassVar[str] = "websocket_stream"

    def __init__(self, next_layer: Any) -> None:
        if not hasattr(next_layer, "async_read_some"):
            # Beast's websocket::stream<beast::tcp_stream> ws{ioc} (or {make_strand(ioc)})
            # forwards its argument to the tcp_stream it owns: the same here. Imported
            # here, as the stream itself works over any next layer.
            from asiolike.beast.core.tcp_stream import tcp_stream
            from asiolike.io_context import io_context
            from asiolike.thread_pool import thread_pool

            if isinstance(next_layer, (io_context, thread_pool)) or (
                hasattr(next_layer, "dispatch") and hasattr(next_layer, "running_in_this_thread")
            ):
                next_layer = tcp_stream(next_layer)
        stream_impl.__init__(self, next_layer)

    # -- observers and options ---------------------------------------------------------------

    def next_layer(self) -> Any:
        """The stream this WebSocket runs over."""
        return self._next

    def get_executor(self) -> Any:
        """The next layer's executor, on which handlers run by default."""
        return self._executor

    def is_open(self) -> bool:
        """Whether the handshake succeeded and the connection is neither closing nor closed."""
        return self._status == OPEN

    def got_text(self) -> bool:
        """Whether the message being (or last) read is text."""
        conn = self._conn
        return True if conn is None else conn.got_text()

    def got_binary(self) -> bool:
        """Whether the message being (or last) read is binary."""
        conn = self._conn
        return False if conn is None else conn.got_binary()

    def is_message_done(self) -> bool:
        """Whether the last read delivered the end of its message."""
        conn = self._conn
        return True if conn is None else conn.is_message_done()

    def reason(self) -> close_reason:
        """The close code and reason the peer sent (falsy until its close frame arrived)."""
        conn = self._conn
        return close_reason() if conn is None else conn.reason()

    def text(self, value: bool | None = None) -> bool:
        """Get, or set, whether the next message written is text (else binary)."""
        if value is not None:
            self._text = bool(value)
            if self._conn is not None:
                self._conn.text(self._text)
        return self._text

    def binary(self, value: bool | None = None) -> bool:
        """Get, or set, whether the next message written is binary (else text)."""
        if value is not None:
            self.text(not value)
        return not self._text

    def auto_fragment(self, value: bool | None = None) -> bool:
        """Get, or set, whether messages are split into ``write_buffer_bytes`` frames."""
        if value is not None:
            self._auto_frag = bool(value)
            if self._conn is not None:
                self._conn.auto_fragment(self._auto_frag)
        return self._auto_frag

    def write_buffer_bytes(self, amount: int | None = None) -> int:
        """Get, or set, the size of outgoing fragments (Beast's default 4096).

        Raises:
            ValueError: ``amount`` is below 8.
        """
        if amount is not None:
            if amount < 8:
                raise ValueError("websocket.stream.write_buffer_bytes: use at least 8")
            self._wr_buf_size = amount
            if self._conn is not None:
                self._conn.write_buffer_bytes(amount)
        return self._wr_buf_size

    def read_message_max(self, amount: int | None = None) -> int:
        """Get, or set, the largest message accepted, in bytes (16 MiB; 0 for no limit).

        A larger message fails the connection with close code 1009 and the read with
        ``websocket.error.message_too_big``.

        Raises:
            ValueError: ``amount`` is negative.
        """
        if amount is not None:
            if amount < 0:
                raise ValueError("websocket.stream.read_message_max: use 0 (no limit) or more")
            self._rd_msg_max = amount
            if self._conn is not None:
                self._conn.read_message_max(amount)
        return self._rd_msg_max

    def control_callback(self, cb: ControlCallback | None = None) -> None:
        """Set (or, without argument, remove) the control frame callback.

        ``cb(kind, payload)`` is called from within a read, as Beast does: ``kind`` is a
        :class:`frame_type`; ``payload`` the ping or pong payload, or the close reason as
        UTF-8 bytes. It is never called from inside an initiating function. Pings are
        answered automatically; the callback must not start a read or write itself.

        Raises:
            TypeError: ``cb`` is not callable.
        """
        if cb is not None and not callable(cb):
            raise TypeError(f"control_callback needs a callable, not {cb!r}")
        self._ctrl_cb = cb

    def set_option(self, opt: Any) -> None:
        """Set a ``stream_base.timeout``, a ``stream_base.decorator`` or ``permessage_deflate``.

        A timeout applies at once (an open stream re-arms its idle timer); the decorator
        and the deflate options apply to the next handshake.

        Raises:
            TypeError: ``opt`` is none of those.
        """
        if isinstance(opt, stream_base.timeout):
            self._timeout_opt = stream_base.timeout(
                opt.handshake_timeout, opt.idle_timeout, opt.keep_alive_pings
            )
            if opt.handshake_timeout is None and opt.idle_timeout is None:
                disarm(self)
            elif self._status == OPEN:
                update_timer(self)
        elif isinstance(opt, stream_base.decorator):
            self._decorator = opt.fn
        elif isinstance(opt, permessage_deflate):
            self._pmd = opt
        else:
            raise TypeError(
                "set_option takes a stream_base.timeout, a stream_base.decorator or a "
                f"permessage_deflate, not {opt!r}"
            )

    def get_option(self, opt: Any) -> Any:
        """The current ``stream_base.timeout`` or ``permessage_deflate`` (pass the type).

        Returns:
            A copy of the setting.

        Raises:
            TypeError: ``opt`` is neither (Beast offers no getter for the decorator).
        """
        kind = opt if isinstance(opt, type) else type(opt)
        if issubclass(kind, stream_base.timeout):
            t = self._timeout_opt
            return stream_base.timeout(t.handshake_timeout, t.idle_timeout, t.keep_alive_pings)
        if issubclass(kind, permessage_deflate):
            p = self._pmd
            return permessage_deflate(
                p.server_enable,
                p.client_enable,
                p.server_max_window_bits,
                p.client_max_window_bits,
                p.server_no_context_takeover,
                p.client_no_context_takeover,
                p.comp_level,
                p.mem_level,
                p.msg_size_threshold,
            )
        raise TypeError(f"get_option takes stream_base.timeout or permessage_deflate, not {opt!r}")

    # -- opening handshake ----------------------------------------------------------------------

    def async_handshake(self, *args: Any) -> Future:
        """Send the upgrade request and read the response (client).

        ``async_handshake(host, target, token)`` or ``async_handshake(res, host, target,
        token)``. Completes when a ``101`` response passed every check (the stream is then
        open) or on the first error. ``res``, an ``http.response``, receives the response
        whenever one was read, also when it was refused. Octets after the response are
        kept as the first frames.

        Args:
            res: Optional; receives the server's response.
            host: The Host field, e.g. ``"example.com:8080"``.
            target: The request target, e.g. ``"/chat"``.
            token: ``handler(ec)`` or ``use_future``.

        Handler:
            ``handler(ec: error_code)``

        Errors:
            ``condition.handshake_failed`` codes (``upgrade_declined`` for a status other
            than 101, ``bad_http_version``, ``no_connection``... ``bad_extension``,
            ``bad_subprotocol``), ``http.error.*`` (``end_of_stream``: the server closed
            without answering; ``header_limit``...), ``beast.error.timeout``, transport
            errors.

        Raises:
            ValueError: an empty target, or a host or target holding a space or CR/LF.
            TypeError: wrong argument types.
            RuntimeError: the stream is open or a handshake is already in progress.
        """
        res, host, target, token = self._handshake_args(args, "async_handshake", 1)
        check_token(token, "async_handshake")
        req, key = make_request(self, host, target)
        self._begin_handshake("async_handshake")
        return async_initiate(self._start_handshake, token, req, key, res)

    def _start_handshake(self, handler: Any, req: http.request, key: str, res: Any) -> None:
        handshake_op(handler, self, req, key, res).start()

    def handshake(self, *args: Any) -> None:
        """The blocking :meth:`async_handshake`: ``handshake(host, target)`` or
        ``handshake(res, host, target)``.

        Raises:
            system_error: with the codes of :meth:`async_handshake`.
            ValueError, TypeError, RuntimeError: as :meth:`async_handshake`.
        """
        res, host, target, _ = self._handshake_args((*args, None), "handshake", 0)
        handshake_sync(self, res, host, target)

    @staticmethod
    def _handshake_args(
        args: tuple[Any, ...], what: str, tokens: int
    ) -> tuple[http.response | None, str, str, Any]:
        if len(args) == 3:
            return None, args[0], args[1], args[2]
        if len(args) == 4:
            if not isinstance(args[0], http.response):
                raise TypeError(f"websocket.stream.{what}: res must be an http.response")
            return args[0], args[1], args[2], args[3]
        form = "(host, target, token)" if tokens else "(host, target)"
        raise TypeError(f"websocket.stream.{what}{form} or with a leading http.response")

    def async_accept(self, *args: Any) -> Future:
        """Read the upgrade request, answer it, and open the stream (server).

        ``async_accept(token)`` reads the request; ``async_accept(buffer, token)`` starts
        with octets already read (a bytes-like object, or a dynamic buffer whose data is
        consumed); ``async_accept(req, token)`` answers an ``http.request`` already read
        (check it with :func:`is_upgrade`). A refused request is answered with 400 (426
        for a wrong version) before the handler gets the error. The decorator sees every
        response.

        Handler:
            ``handler(ec: error_code)``

        Errors:
            ``condition.handshake_failed`` codes (``bad_method``, ``no_host``,
            ``no_sec_key``, ``bad_sec_version``...), ``http.error.*`` (malformed request,
            ``header_limit``, ``unexpected_body``, ``end_of_stream``),
            ``beast.error.timeout``, transport errors.

        Raises:
            TypeError: wrong argument types.
            RuntimeError: the stream is open or a handshake is already in progress.
        """
        req, initial, token = self._accept_args(args, "async_accept", True)
        check_token(token, "async_accept")
        self._begin_handshake("async_accept")
        return async_initiate(self._start_accept, token, req, initial)

    def _start_accept(self, handler: Any, req: http.request | None, initial: bytes) -> None:
        accept_op(handler, self, req, initial).start()

    def accept(self, *args: Any) -> None:
        """The blocking :meth:`async_accept`: ``accept()``, ``accept(buffer)``, ``accept(req)``.

        Raises:
            system_error: with the codes of :meth:`async_accept`.
        """
        req, initial, _ = self._accept_args(args, "accept", False)
        self._begin_handshake("accept")
        accept_sync(self, req, initial)

    @staticmethod
    def _accept_args(
        args: tuple[Any, ...], what: str, has_token: bool
    ) -> tuple[http.request | None, bytes, Any]:
        token = args[-1] if has_token and args else None
        rest = args[:-1] if has_token else args
        if (has_token and not args) or len(rest) > 1:
            raise TypeError(f"websocket.stream.{what}: takes ([buffer or request,] token)")
        if not rest:
            return None, b"", token
        if isinstance(rest[0], http.request):
            return rest[0], b"", token
        return None, initial_bytes(rest[0]), token

    # -- messages ---------------------------------------------------------------------------------

    def async_read(self, buffer: DynamicBuffer, token: Any) -> Future:
        """Read one whole message, appended to a dynamic buffer (``beast.flat_buffer``).

        Pings are answered and control frames reported meanwhile. When the peer closes,
        its close is answered, the transport torn down, and the read completes with
        ``websocket.error.closed``. :meth:`got_text` tells the message's type.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``: the payload size.

        Errors:
            ``closed``, ``condition.protocol_violation`` codes, ``message_too_big``,
            ``buffer_overflow`` (the buffer's ``max_size``), ``beast.error.timeout``,
            ``operation_aborted``, transport errors (``eof``...).

        Raises:
            TypeError: ``buffer`` is not a dynamic buffer.
            RuntimeError: another read is pending, or the stream is not open yet.
        """
        if (
            type(buffer) is flat_buffer
            and type(token) in self._fast
            and self._status == OPEN
            and not self._user_rd.busy
        ):
            # The common case, checked in one go: a whole small read costs little more
            # than the core's decoding.
            read_op(token, self, buffer, None, 0, False).start()
            return None
        if not is_dynamic(buffer):
            raise TypeError(
                "websocket.stream.async_read: pass a dynamic buffer "
                "(beast.flat_buffer, ...); use async_read_some for a plain buffer"
            )
        self._check_read("async_read")
        check_token(token, "async_read")
        return async_initiate(self._start_read, token, buffer, None, 0, False)

    def async_read_some(self, buffer: Any, a: Any, b: Any = NO_ARG) -> Future:
        """Read some of a message: ``(dynbuf, limit, token)`` or ``(mutable_buffer, token)``.

        Completes once some payload was read (possibly the whole rest of the message; an
        empty message gives 0). ``limit`` caps the bytes appended to a dynamic buffer (0:
        no cap); a plain buffer is filled at most. :meth:`is_message_done` tells whether
        the message ended.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``

        Errors:
            As :meth:`async_read`.

        Raises:
            TypeError: ``buffer`` is neither a dynamic nor a writable buffer.
            ValueError: a negative ``limit``.
            RuntimeError: another read is pending, or the stream is not open yet.
        """
        token = a if b is NO_ARG else b
        limit = 0 if b is NO_ARG else a
        view = None
        if is_dynamic(buffer):
            check_limit(limit, "async_read_some")
        else:
            if b is not NO_ARG:
                raise TypeError(
                    "websocket.stream.async_read_some(buffer, limit, token) needs a "
                    "dynamic buffer; pass a plain buffer as (buffer, token)"
                )
            view = writable(buffer, "async_read_some")
            buffer = None
        self._check_read("async_read_some")
        check_token(token, "async_read_some")
        return async_initiate(self._start_read, token, buffer, view, limit, True)

    def _check_read(self, what: str) -> None:
        self._require_open(what)
        if self._user_rd.busy:
            raise RuntimeError(SECOND_READ.format(what))

    def _start_read(
        self, handler: Any, buf: Any, view: memoryview | None, limit: int, some: bool
    ) -> None:
        op = read_op(handler, self, buf, view, limit, some)
        if view is not None and not len(view):
            op.complete(False, success, 0)
            return
        op.start()

    def read(self, buffer: DynamicBuffer) -> int:
        """The blocking :meth:`async_read`; returns the payload size.

        Raises:
            system_error: with the codes of :meth:`async_read` (``closed`` included).
        """
        if not is_dynamic(buffer):
            raise TypeError("websocket.stream.read: pass a dynamic buffer (beast.flat_buffer)")
        self._check_read("read")
        return read_sync(self, buffer, None, 0, False)

    def read_some(self, buffer: Any, limit: int = 0) -> int:
        """The blocking :meth:`async_read_some`: ``(dynbuf, limit)`` or ``(mutable_buffer)``.

        Raises:
            system_error: with the codes of :meth:`async_read`.
        """
        self._check_read("read_some")
        if is_dynamic(buffer):
            check_limit(limit, "read_some")
            return read_sync(self, buffer, None, limit, True)
        view = writable(buffer, "read_some")
        if not len(view):
            return 0
        return read_sync(self, None, view, 0, True)

    def async_write(self, data: str | Buffer, token: Any) -> Future:
        """Write one whole message.

        The message is text or binary as :meth:`text`/:meth:`binary` say (a ``str`` is
        encoded as UTF-8 either way). It is fragmented per :meth:`auto_fragment`, masked
        by a client and compressed when permessage-deflate was negotiated. Keep the data
        unchanged until the handler runs.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``: the payload size.

        Errors:
            ``operation_aborted`` (closed, failed, or a close frame was already sent),
            ``beast.error.timeout``, transport errors.

        Raises:
            TypeError: ``data`` is not bytes-like or a str.
            RuntimeError: another write is pending (queue your messages), or the stream is
                not open yet.
        """
        t = type(data)
        if (
            (
                t is bytes
                or t is bytearray
                # What a ported echo writes: a flat_buffer's data().
                or (t is memoryview and data.ndim == 1 and data.format == "B")  # type: ignore[union-attr]
            )
            and type(token) in self._fast
            and self._status == OPEN
            and not self._user_wr.busy
        ):
            write_op(token, self, data, True).start()  # type: ignore[arg-type]
            return None
        payload = write_payload(data, "async_write")
        self._check_write("async_write")
        check_token(token, "async_write")
        return async_initiate(self._start_write, token, payload, True)

    def async_write_some(self, fin: bool, data: str | Buffer, token: Any) -> Future:
        """Write a piece of a message; ``fin`` says whether it is the last piece.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``

        Errors / Raises:
            As :meth:`async_write`.
        """
        payload = write_payload(data, "async_write_some")
        self._check_write("async_write_some")
        check_token(token, "async_write_some")
        return async_initiate(self._start_write, token, payload, bool(fin))

    def _check_write(self, what: str) -> None:
        self._require_open(what)
        if self._user_wr.busy:
            raise RuntimeError(SECOND_WRITE.format(what))

    def _start_write(self, handler: Any, payload: Any, fin: bool) -> None:
        write_op(handler, self, payload, fin).start()

    def write(self, data: str | Buffer) -> int:
        """The blocking :meth:`async_write`; returns the payload size.

        Raises:
            system_error: with the codes of :meth:`async_write`.
        """
        payload = write_payload(data, "write")
        self._check_write("write")
        return write_sync(self, payload, True)

    def write_some(self, fin: bool, data: str | Buffer) -> int:
        """The blocking :meth:`async_write_some`; returns the payload size."""
        payload = write_payload(data, "write_some")
        self._check_write("write_some")
        return write_sync(self, payload, bool(fin))

    # -- control frames and closing ------------------------------------------------------------

    def async_ping(self, payload: str | Buffer, token: Any) -> Future:
        """Send a ping (after a message being written, if any).

        Handler:
            ``handler(ec: error_code)``

        Errors:
            ``operation_aborted`` (closed, or a close frame was sent), transport errors.

        Raises:
            ValueError: the payload is longer than 125 bytes.
            RuntimeError: a ping or pong is already pending, or the stream is not open yet.
        """
        return self._control(payload, token, False, "async_ping")

    def async_pong(self, payload: str | Buffer, token: Any) -> Future:
        """Send an unsolicited pong (a heartbeat; pings are answered automatically).

        Handler, Errors, Raises: as :meth:`async_ping`.
        """
        return self._control(payload, token, True, "async_pong")

    def _control(self, payload: str | Buffer, token: Any, pong: bool, what: str) -> Future:
        data = ping_payload(payload, what)
        self._require_open(what)
        if self._user_ping.busy:
            raise RuntimeError(
                f"websocket.stream.{what}: a ping or pong is already pending; "
                "send the next one from its handler"
            )
        check_token(token, what)
        return async_initiate(self._start_ping, token, data, pong)

    def _start_ping(self, handler: Any, data: bytes, pong: bool) -> None:
        ping_op(handler, self, data, pong).start()

    def ping(self, payload: str | Buffer = b"") -> None:
        """The blocking :meth:`async_ping`."""
        ping_sync(self, ping_payload(payload, "ping"), False, "ping")

    def pong(self, payload: str | Buffer = b"") -> None:
        """The blocking :meth:`async_pong`."""
        ping_sync(self, ping_payload(payload, "pong"), True, "pong")

    def async_close(self, cr: close_reason | int | str, token: Any) -> Future:
        """Start (or finish) the closing handshake.

        Sends our close frame (after a message being written), waits for the peer's, and
        tears the transport down. A pending read sees the peer's close and completes with
        ``websocket.error.closed``; otherwise the close reads, discarding messages.

        Args:
            cr: A ``close_reason``, a ``close_code`` or code, or a reason string (code
                1000). ``close_reason()`` sends no code.
            token: ``handler(ec)`` or ``use_future``.

        Handler:
            ``handler(ec: error_code)``: success once the closing handshake completed.

        Errors:
            ``operation_aborted`` (already closed or failed), a protocol error seen while
            closing, ``beast.error.timeout`` (``handshake_timeout``), transport errors.

        Raises:
            ValueError: the code may not be sent (1005, 1006, 1015...).
            RuntimeError: a close is already pending, or the stream is not open yet.
        """
        reason = close_reason_arg(cr)
        self._require_open("async_close")
        if self._user_close.busy:
            raise RuntimeError("websocket.stream.async_close: a close is already pending")
        check_token(token, "async_close")
        return async_initiate(self._start_close, token, reason)

    def _start_close(self, handler: Any, reason: close_reason) -> None:
        close_op(handler, self, reason).start()

    def close(self, cr: close_reason | int | str | None = None) -> None:
        """The blocking :meth:`async_close` (default: no close code).

        Raises:
            system_error: with the codes of :meth:`async_close`.
        """
        reason = close_reason() if cr is None else close_reason_arg(cr)
        self._require_open("close")
        close_sync(self, reason)

    def __repr__(self) -> str:
        names = ("init", "handshake", "open", "closing", "closed", "failed")
        return f"<websocket.stream {names[self._status]} over {self._next!r}>"
