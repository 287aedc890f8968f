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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeAlias, overload

from typing_extensions import Buffer, TypeVar

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.beast import http
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.core.multi_buffer import multi_buffer
from asiolike.beast.core.tcp_stream import tcp_stream
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
from asiolike.error import error_code, success

if TYPE_CHECKING:
    from asiolike.io_context import io_context, io_context_executor
    from asiolike.strand import strand
    from asiolike.thread_pool import thread_pool

__all__ = ["stream"]

#: The stream a ``websocket.stream`` runs over, for type checkers: ``websocket.stream[
#: beast.tcp_stream]`` (the default, also what ``websocket.stream(ioc)`` makes),
#: ``websocket.stream[beast.ssl_stream[beast.tcp_stream]]``, ``websocket.stream[tcp.socket]``...
_NextLayer = TypeVar("_NextLayer", default=tcp_stream)

Handler: TypeAlias = Callable[[error_code], object]
"""The handler of the handshake, accept, ping, pong and close: ``handler(ec)``."""

IoHandler: TypeAlias = Callable[[error_code, int], object]
"""The handler of the reads and writes: ``handler(ec, bytes_transferred)``."""

# What the reads append to: any dynamic buffer (only prepare/commit are used), Beast's
# multi_buffer included.
_Dynamic: TypeAlias = DynamicBuffer | multi_buffer


class stream(stream_impl, Generic[_NextLayer]):
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

    For type checkers the class is generic in its next layer, as Beast's
    ``websocket::stream<NextLayer>``: ``websocket.stream(beast.tcp_stream(ioc))`` is a
    ``websocket.stream[beast.tcp_stream]`` (whose :meth:`next_layer` is the
    ``tcp_stream``), and so is ``websocket.stream(ioc)``. Annotate an attribute as
    ``self.ws: websocket.stream[beast.tcp_stream]``; a bare ``websocket.stream`` means
    the same.

    Every asynchronous operation calls its handler exactly once, never from inside the
    initiating call, on the handler's associated executor (``bind_executor``), else the
    next layer's; a pending operation keeps ``run()`` busy. See the module for the table
    of error codes.
    """

    __slots__ = ()
    # How handler tracking names it (Asio-style "websocket_stream@0x...").
    _tracking_type: ClassVar[str] = "websocket_stream"

    @overload
    def __init__(
        self: stream[tcp_stream],
        next_layer: io_context | thread_pool | strand | io_context_executor,
    ) -> None: ...

    @overload
    def __init__(self, next_layer: _NextLayer) -> None: ...

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

    def next_layer(self) -> _NextLayer:
        """The stream this WebSocket runs over."""
        return self._next  # type: ignore[no-any-return]

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

    @overload
    def async_handshake(
        self, host: str, target: str, token: use_awaitable_t, /
    ) -> awaitable[None]: ...

    @overload
    def async_handshake(
        self, host: str, target: str, token: use_future_t, /
    ) -> concurrent.futures.Future[None]: ...

    @overload
    def async_handshake(self, host: str, target: str, token: AdapterToken, /) -> Any: ...

    @overload
    def async_handshake(self, host: str, target: str, token: Handler, /) -> None: ...

    @overload
    def async_handshake(
        self, res: http.response[Any], host: str, target: str, token: use_awaitable_t, /
    ) -> awaitable[None]: ...

    @overload
    def async_handshake(
        self, res: http.response[Any], host: str, target: str, token: use_future_t, /
    ) -> concurrent.futures.Future[None]: ...

    @overload
    def async_handshake(
        self, res: http.response[Any], host: str, target: str, token: AdapterToken, /
    ) -> Any: ...

    @overload
    def async_handshake(
        self, res: http.response[Any], host: str, target: str, token: Handler, /
    ) -> None: ...

    def async_handshake(self, *args: Any) -> Any:
        """Send the HTTP upgrade request and read the response (client side).

        Beast's ``async_handshake``, both forms: ``async_handshake(host, target, token)``,
        and ``async_handshake(res, host, target, token)`` which also hands back the
        server's response. The operation is composed of writes and reads of the next
        layer: it completes when a ``101 Switching Protocols`` response passed every
        check of RFC 6455 (the stream is then open), or at the first error.

        This call returns immediately; the handler is never invoked from within it, and
        runs through its associated executor (by default the next layer's). No other
        operation may be started on the stream until the handshake completes (rule R6:
        a second one raises). Bytes the server sent after its response are kept and read
        as the first frames.

        Args:
            res: Optional; an ``http.response`` that receives the server's response
                whenever one was read, a refusal included (its status and body say why).
            host: The Host field, e.g. ``"example.com"`` or ``"example.com:8080"``.
            target: The request target, e.g. ``"/"`` or ``"/chat?room=1"``.
            token: The completion token: a handler, ``use_future``, ``use_awaitable``,
                or an adapter (``as_tuple``, ``cancel_after``...).

        Handler:
            ``handler(ec: error_code)``; ``ec`` is falsy once the stream is open.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[None]`` whose
            ``result()`` raises :class:`~asiolike.error.system_error` on failure; with
            ``use_awaitable``, an ``awaitable[None]`` that raises it when awaited.

        Errors:
            ``condition.handshake_failed`` codes: ``upgrade_declined`` (a status other
            than 101: see ``res``), ``bad_http_version``, ``no_connection``,
            ``no_upgrade``, ``bad_sec_accept``, ``bad_extension``, ``bad_subprotocol``...;
            ``http.error.*`` (``end_of_stream``: the server closed without answering;
            ``header_limit``...); ``beast.error.timeout`` (the ``handshake_timeout`` of
            ``stream_base.timeout``, or the ``tcp_stream``'s expiry); the next layer's
            errors (``connection_reset``, ``operation_aborted``...).

        Raises:
            ValueError: an empty target, or a host or target holding a space or CR/LF.
            TypeError: a missing or extra argument, or ``res`` is not an
                ``http.response``.
            RuntimeError: the stream is open or a handshake is already in progress.

        Example (Beast's ``websocket_client_async``)::

            def on_connect(self, ec: beast.error_code, ep: tcp.endpoint) -> None:
                if ec:
                    return fail(ec, "connect")
                beast.get_lowest_layer(self.ws).expires_never()
                self.ws.set_option(
                    websocket.stream_base.timeout.suggested(beast.role_type.client)
                )
                self.ws.async_handshake(f"{self.host}:{ep.port()}", "/", self.on_handshake)

            def on_handshake(self, ec: beast.error_code) -> None:
                if ec:
                    return fail(ec, "handshake")
                self.ws.async_write(self.text, self.on_write)

        With a future (``ioc.run()`` in another thread)::

            ws.async_handshake("localhost", "/", net.use_future).result()
        """
        res, host, target, token = self._handshake_args(args, "async_handshake", 1)
        check_token(token, "async_handshake")
        req, key = make_request(self, host, target)
        self._begin_handshake("async_handshake")
        return async_initiate(self._start_handshake, token, req, key, res)

    def _start_handshake(self, handler: Any, req: http.request, key: str, res: Any) -> None:
        handshake_op(handler, self, req, key, res).start()

    @overload
    def handshake(self, host: str, target: str, /) -> None: ...

    @overload
    def handshake(self, res: http.response[Any], host: str, target: str, /) -> None: ...

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

    @overload
    def async_accept(self, token: use_awaitable_t, /) -> awaitable[None]: ...

    @overload
    def async_accept(self, token: use_future_t, /) -> concurrent.futures.Future[None]: ...

    @overload
    def async_accept(self, token: AdapterToken, /) -> Any: ...

    @overload
    def async_accept(self, token: Handler, /) -> None: ...

    @overload
    def async_accept(
        self, buffers: Buffer | DynamicBuffer, token: use_awaitable_t, /
    ) -> awaitable[None]: ...

    @overload
    def async_accept(
        self, buffers: Buffer | DynamicBuffer, token: use_future_t, /
    ) -> concurrent.futures.Future[None]: ...

    @overload
    def async_accept(self, buffers: Buffer | DynamicBuffer, token: AdapterToken, /) -> Any: ...

    @overload
    def async_accept(self, buffers: Buffer | DynamicBuffer, token: Handler, /) -> None: ...

    @overload
    def async_accept(
        self, req: http.request[Any], token: use_awaitable_t, /
    ) -> awaitable[None]: ...

    @overload
    def async_accept(
        self, req: http.request[Any], token: use_future_t, /
    ) -> concurrent.futures.Future[None]: ...

    @overload
    def async_accept(self, req: http.request[Any], token: AdapterToken, /) -> Any: ...

    @overload
    def async_accept(self, req: http.request[Any], token: Handler, /) -> None: ...

    def async_accept(self, *args: Any) -> Any:
        """Read the HTTP upgrade request, answer it, and open the stream (server side).

        Beast's ``async_accept``, three forms: ``async_accept(token)`` reads the request
        from the next layer; ``async_accept(buffers, token)`` starts with octets already
        read from it (bytes-like, or a dynamic buffer whose data is consumed), as after
        :func:`~asiolike.beast.async_detect_ssl`; ``async_accept(req, token)`` answers an
        ``http.request`` already read (check it with :func:`is_upgrade`), as a server
        that reads HTTP first does. The operation is composed of reads and writes of the
        next layer. A refused request is answered (400, or 426 for a wrong
        ``Sec-WebSocket-Version``) before the handler gets the error; the
        ``stream_base.decorator`` option sees every response.

        This call returns immediately; the handler is never invoked from within it, and
        runs through its associated executor (by default the next layer's). No other
        operation may be started on the stream until the accept completes (rule R6).

        Args:
            buffers: Optional; octets of the request already read.
            req: Optional; the request already read.
            token: The completion token: a handler, ``use_future``, ``use_awaitable``,
                or an adapter.

        Handler:
            ``handler(ec: error_code)``; ``ec`` is falsy once the stream is open.

        Returns:
            ``None`` for a handler; a ``Future[None]`` with ``use_future``; an
            ``awaitable[None]`` with ``use_awaitable`` (a failure raises
            :class:`~asiolike.error.system_error` from ``result()`` or ``await``).

        Errors:
            ``condition.handshake_failed`` codes (``bad_method``, ``no_host``,
            ``no_connection``, ``no_upgrade``, ``no_sec_key``, ``bad_sec_version``...),
            ``http.error.*`` (a malformed request, ``header_limit``, ``unexpected_body``,
            ``end_of_stream``: the client closed first), ``beast.error.timeout``, the
            next layer's errors.

        Raises:
            TypeError: a missing or extra argument, or of the wrong type.
            RuntimeError: the stream is open or a handshake is already in progress.

        Example (Beast's ``websocket_server_async``)::

            def run(self) -> None:
                self.ws.set_option(
                    websocket.stream_base.timeout.suggested(beast.role_type.server)
                )
                self.ws.async_accept(self.on_accept)

            def on_accept(self, ec: beast.error_code) -> None:
                if ec:
                    return fail(ec, "accept")
                self.ws.async_read(self.buffer, self.on_read)
        """
        req, initial, token = self._accept_args(args, "async_accept", True)
        check_token(token, "async_accept")
        self._begin_handshake("async_accept")
        return async_initiate(self._start_accept, token, req, initial)

    def _start_accept(self, handler: Any, req: http.request | None, initial: bytes) -> None:
        accept_op(handler, self, req, initial).start()

    @overload
    def accept(self, /) -> None: ...

    @overload
    def accept(self, buffers: Buffer | DynamicBuffer, /) -> None: ...

    @overload
    def accept(self, req: http.request[Any], /) -> None: ...

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

    @overload
    def async_read(self, buffer: _Dynamic, token: use_awaitable_t) -> awaitable[int]: ...

    @overload
    def async_read(
        self, buffer: _Dynamic, token: use_future_t
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_read(self, buffer: _Dynamic, token: AdapterToken) -> Any: ...

    @overload
    def async_read(self, buffer: _Dynamic, token: IoHandler) -> None: ...

    def async_read(self, buffer: _Dynamic, token: Any) -> Any:
        """Read one whole message, appended to a dynamic buffer (``beast.flat_buffer``).

        Beast's ``async_read``: a composed operation of reads of the next layer that
        completes when the last frame of a message arrived, or on an error. Pings are
        answered and control frames reported (:meth:`control_callback`) meanwhile. When
        the peer closes, its close is answered, the transport torn down, and the read
        completes with ``websocket.error.closed``. :meth:`got_text` tells the message's
        type.

        This call returns immediately; the handler is never invoked from within it, and
        runs through its associated executor (by default the next layer's). No other read
        (``async_read``, ``async_read_some``) may be started until it completes: a second
        one raises ``RuntimeError``. A write, a ping and a close may be pending meanwhile.

        Args:
            buffer: A dynamic buffer; the message is appended to its readable bytes.
                Consume them (``buffer.consume(buffer.size())``) before the next read.
            token: The completion token: a handler, ``use_future``, ``use_awaitable``,
                or an adapter.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``: the payload size.

        Returns:
            ``None`` for a handler; with ``use_future`` a ``Future[int]``, with
            ``use_awaitable`` an ``awaitable[int]``, of the payload size (a failure
            raises :class:`~asiolike.error.system_error` instead).

        Errors:
            ``websocket.error.closed`` (the closing handshake completed: the normal end),
            ``condition.protocol_violation`` codes (the peer broke RFC 6455),
            ``message_too_big`` (:meth:`read_message_max`), ``buffer_overflow`` (the
            buffer's ``max_size``), ``beast.error.timeout``, ``operation_aborted`` (the
            stream was closed or failed), the next layer's errors (``eof``...).

        Raises:
            TypeError: ``buffer`` is not a dynamic buffer.
            RuntimeError: another read is pending, or the stream is not open yet.

        Example::

            def on_write(self, ec: beast.error_code, bytes_transferred: int) -> None:
                if ec:
                    return fail(ec, "write")
                self.ws.async_read(self.buffer, self.on_read)

            def on_read(self, ec: beast.error_code, bytes_transferred: int) -> None:
                if ec == websocket.error.closed:
                    return
                if ec:
                    return fail(ec, "read")
                print(beast.make_printable(self.buffer.data()))
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

    @overload
    def async_read_some(
        self, buffer: _Dynamic, limit: int, token: use_awaitable_t, /
    ) -> awaitable[int]: ...

    @overload
    def async_read_some(
        self, buffer: _Dynamic, limit: int, token: use_future_t, /
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_read_some(self, buffer: _Dynamic, limit: int, token: AdapterToken, /) -> Any: ...

    @overload
    def async_read_some(self, buffer: _Dynamic, limit: int, token: IoHandler, /) -> None: ...

    @overload
    def async_read_some(
        self, buffer: Buffer | _Dynamic, token: use_awaitable_t, /
    ) -> awaitable[int]: ...

    @overload
    def async_read_some(
        self, buffer: Buffer | _Dynamic, token: use_future_t, /
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_read_some(self, buffer: Buffer | _Dynamic, token: AdapterToken, /) -> Any: ...

    @overload
    def async_read_some(self, buffer: Buffer | _Dynamic, token: IoHandler, /) -> None: ...

    def async_read_some(self, buffer: Any, a: Any, b: Any = NO_ARG) -> Any:
        """Read some of a message: ``(dynamic_buffer, limit, token)`` or ``(buffer, token)``.

        Beast's two ``async_read_some``: completes once some payload was read (perhaps the
        whole rest of the message; an empty message gives 0), or on an error. ``limit``
        caps the bytes appended to a dynamic buffer (0: no cap); a plain writable buffer
        (``bytearray``, ``memoryview``) is filled at most. :meth:`is_message_done` tells
        whether the message ended, :meth:`got_text` its type.

        This call returns immediately; the handler is never invoked from within it, and
        runs through its associated executor (by default the next layer's). No other read
        may be started until it completes (a second one raises ``RuntimeError``).

        Args:
            buffer: A dynamic buffer (appended to), or a writable bytes-like object
                (filled from its start).
            limit: With a dynamic buffer: the most bytes to append (0: no limit).
            token: The completion token: a handler, ``use_future``, ``use_awaitable``,
                or an adapter.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``: the payload bytes read.

        Returns:
            ``None`` for a handler; a ``Future[int]`` with ``use_future``; an
            ``awaitable[int]`` with ``use_awaitable``.

        Errors:
            As :meth:`async_read`.

        Raises:
            TypeError: ``buffer`` is neither a dynamic nor a writable buffer, or a limit
                was given with a plain buffer.
            ValueError: a negative ``limit``.
            RuntimeError: another read is pending, or the stream is not open yet.

        Example (a message read in pieces of at most 4 KiB)::

            def on_read(self, ec: beast.error_code, n: int) -> None:
                if ec:
                    return fail(ec, "read")
                if not self.ws.is_message_done():
                    self.ws.async_read_some(self.buffer, 4096, self.on_read)
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

    def read(self, buffer: _Dynamic) -> int:
        """The blocking :meth:`async_read`; returns the payload size.

        Raises:
            system_error: with the codes of :meth:`async_read` (``closed`` included).
        """
        if not is_dynamic(buffer):
            raise TypeError("websocket.stream.read: pass a dynamic buffer (beast.flat_buffer)")
        self._check_read("read")
        # A multi_buffer too: the read uses prepare/commit only.
        return read_sync(self, buffer, None, 0, False)  # type: ignore[arg-type]

    @overload
    def read_some(self, buffer: _Dynamic, limit: int) -> int: ...

    @overload
    def read_some(self, buffer: Buffer | _Dynamic) -> int: ...

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

    @overload
    def async_write(self, data: str | Buffer, token: use_awaitable_t) -> awaitable[int]: ...

    @overload
    def async_write(
        self, data: str | Buffer, token: use_future_t
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_write(self, data: str | Buffer, token: AdapterToken) -> Any: ...

    @overload
    def async_write(self, data: str | Buffer, token: IoHandler) -> None: ...

    def async_write(self, data: str | Buffer, token: Any) -> Any:
        """Write one whole message.

        Beast's ``async_write``: a composed operation of writes of the next layer that
        completes when the whole message was handed to it, or on an error. The message
        is text or binary as :meth:`text`/:meth:`binary` say (a ``str`` is encoded as
        UTF-8 either way). It is fragmented per :meth:`auto_fragment`, masked by a
        client and compressed when permessage-deflate was negotiated. Keep the data
        unchanged until the handler runs.

        This call returns immediately; the handler is never invoked from within it, and
        runs through its associated executor (by default the next layer's). No other
        write (``async_write``, ``async_write_some``) may be started until it completes:
        a second one raises ``RuntimeError`` (queue your messages, and send the next one
        from the handler). A read may be pending meanwhile.

        Args:
            data: The message: bytes-like, or a ``str``.
            token: The completion token: a handler, ``use_future``, ``use_awaitable``,
                or an adapter.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``: the payload size.

        Returns:
            ``None`` for a handler; with ``use_future`` a ``Future[int]``, with
            ``use_awaitable`` an ``awaitable[int]``, of the payload size (a failure
            raises :class:`~asiolike.error.system_error` instead).

        Errors:
            ``operation_aborted`` (the stream is closed or failed, or a close frame was
            already sent), ``beast.error.timeout``, the next layer's errors
            (``broken_pipe``, ``connection_reset``...).

        Raises:
            TypeError: ``data`` is not bytes-like or a str.
            RuntimeError: another write is pending, or the stream is not open yet.

        Example::

            def on_handshake(self, ec: beast.error_code) -> None:
                if ec:
                    return fail(ec, "handshake")
                self.ws.text(True)
                self.ws.async_write("hello", self.on_write)

            def on_write(self, ec: beast.error_code, bytes_transferred: int) -> None:
                if ec:
                    return fail(ec, "write")
                self.ws.async_read(self.buffer, self.on_read)
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

    @overload
    def async_write_some(
        self, fin: bool, data: str | Buffer, token: use_awaitable_t
    ) -> awaitable[int]: ...

    @overload
    def async_write_some(
        self, fin: bool, data: str | Buffer, token: use_future_t
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_write_some(self, fin: bool, data: str | Buffer, token: AdapterToken) -> Any: ...

    @overload
    def async_write_some(self, fin: bool, data: str | Buffer, token: IoHandler) -> None: ...

    def async_write_some(self, fin: bool, data: str | Buffer, token: Any) -> Any:
        """Write a piece of a message; ``fin`` says whether it is the last piece.

        Beast's ``async_write_some``: sends ``data`` as one or more frames of the current
        message (the first piece decides text or binary), and completes when they were
        handed to the next layer, or on an error. Until a piece with ``fin`` true, no
        other message may be written.

        This call returns immediately; the handler is never invoked from within it. No
        other write may be started until it completes (a second one raises
        ``RuntimeError``).

        Args:
            fin: Whether this piece ends the message.
            data: The piece: bytes-like, or a ``str`` (UTF-8; a text message's pieces
                together must be valid UTF-8).
            token: The completion token: a handler, ``use_future``, ``use_awaitable``,
                or an adapter.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``: the piece's size.

        Returns:
            ``None`` for a handler; a ``Future[int]`` with ``use_future``; an
            ``awaitable[int]`` with ``use_awaitable``.

        Errors / Raises:
            As :meth:`async_write`.

        Example (a message in two pieces)::

            ws.async_write_some(False, b"first half, ", on_first)
            # in on_first: ws.async_write_some(True, b"second half", on_done)
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

    @overload
    def async_ping(self, payload: str | Buffer, token: use_awaitable_t) -> awaitable[None]: ...

    @overload
    def async_ping(
        self, payload: str | Buffer, token: use_future_t
    ) -> concurrent.futures.Future[None]: ...

    @overload
    def async_ping(self, payload: str | Buffer, token: AdapterToken) -> Any: ...

    @overload
    def async_ping(self, payload: str | Buffer, token: Handler) -> None: ...

    def async_ping(self, payload: str | Buffer, token: Any) -> Any:
        """Send a ping (Beast's ``async_ping``); the peer answers with a pong.

        The ping goes out after the message being written, if any (a composed operation
        that waits for the write lock), and the operation completes once it was handed to
        the next layer; the pong arrives later, through a read, as a
        :meth:`control_callback` call.

        This call returns immediately; the handler is never invoked from within it, and
        runs through its associated executor (by default the next layer's). No other
        ping or pong may be started until it completes (a second one raises
        ``RuntimeError``); reads and writes may be pending meanwhile.

        Args:
            payload: At most 125 bytes (a ``str`` is encoded as UTF-8).
            token: The completion token: a handler, ``use_future``, ``use_awaitable``,
                or an adapter.

        Handler:
            ``handler(ec: error_code)``

        Returns:
            ``None`` for a handler; a ``Future[None]`` with ``use_future``; an
            ``awaitable[None]`` with ``use_awaitable``.

        Errors:
            ``operation_aborted`` (the stream is closed or failed, or a close frame was
            sent), ``beast.error.timeout``, the next layer's errors.

        Raises:
            ValueError: the payload is longer than 125 bytes.
            RuntimeError: a ping or pong is already pending, or the stream is not open yet.

        Example::

            ws.async_ping(b"are you there?", lambda ec: fail(ec, "ping") if ec else None)
        """
        return self._control(payload, token, False, "async_ping")

    @overload
    def async_pong(self, payload: str | Buffer, token: use_awaitable_t) -> awaitable[None]: ...

    @overload
    def async_pong(
        self, payload: str | Buffer, token: use_future_t
    ) -> concurrent.futures.Future[None]: ...

    @overload
    def async_pong(self, payload: str | Buffer, token: AdapterToken) -> Any: ...

    @overload
    def async_pong(self, payload: str | Buffer, token: Handler) -> None: ...

    def async_pong(self, payload: str | Buffer, token: Any) -> Any:
        """Send an unsolicited pong (Beast's ``async_pong``): a one-way heartbeat.

        Pings from the peer are answered automatically; this is for a pong nobody asked
        for. As :meth:`async_ping` otherwise: this call returns immediately, the handler
        is never invoked from within it, and no other ping or pong may be started until
        it completes.

        Handler:
            ``handler(ec: error_code)``

        Returns:
            ``None`` for a handler; a ``Future[None]`` with ``use_future``; an
            ``awaitable[None]`` with ``use_awaitable``.

        Errors / Raises:
            As :meth:`async_ping`.

        Example::

            ws.async_pong(b"", on_pong)
        """
        return self._control(payload, token, True, "async_pong")

    def _control(self, payload: str | Buffer, token: Any, pong: bool, what: str) -> Any:
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

    @overload
    def async_close(
        self, cr: close_reason | int | str, token: use_awaitable_t
    ) -> awaitable[None]: ...

    @overload
    def async_close(
        self, cr: close_reason | int | str, token: use_future_t
    ) -> concurrent.futures.Future[None]: ...

    @overload
    def async_close(self, cr: close_reason | int | str, token: AdapterToken) -> Any: ...

    @overload
    def async_close(self, cr: close_reason | int | str, token: Handler) -> None: ...

    def async_close(self, cr: close_reason | int | str, token: Any) -> Any:
        """Start (or finish) the closing handshake (Beast's ``async_close``).

        A composed operation: sends our close frame (after a message being written),
        waits for the peer's, and tears the transport down (TCP: shutdown and close;
        TLS: ``close_notify`` first). A pending read sees the peer's close and completes
        with ``websocket.error.closed``; without one, the close reads on its own,
        discarding messages, until the peer's close frame arrives.

        This call returns immediately; the handler is never invoked from within it, and
        runs through its associated executor (by default the next layer's). No other
        close may be started until it completes (a second one raises
        ``RuntimeError``); after it, every operation completes with
        ``operation_aborted``.

        Args:
            cr: A ``close_reason``, a ``close_code`` or code, or a reason string (code
                1000). ``close_reason()`` sends no code.
            token: The completion token: a handler, ``use_future``, ``use_awaitable``,
                or an adapter.

        Handler:
            ``handler(ec: error_code)``: success once the closing handshake completed.

        Returns:
            ``None`` for a handler; a ``Future[None]`` with ``use_future``; an
            ``awaitable[None]`` with ``use_awaitable``.

        Errors:
            ``operation_aborted`` (already closed or failed), a protocol error seen while
            closing, ``beast.error.timeout`` (the ``handshake_timeout`` of
            ``stream_base.timeout``), the next layer's errors.

        Raises:
            ValueError: the code may not be sent (1005, 1006, 1015...).
            RuntimeError: a close is already pending, or the stream is not open yet.

        Example::

            def on_read(self, ec: beast.error_code, bytes_transferred: int) -> None:
                if ec:
                    return fail(ec, "read")
                self.ws.async_close(websocket.close_code.normal, self.on_close)

            def on_close(self, ec: beast.error_code) -> None:
                if ec:
                    return fail(ec, "close")
                print(beast.make_printable(self.buffer.data()))
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
