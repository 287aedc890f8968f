"""``ssl.stream``: TLS over any asiolike stream (Asio's ``ssl::stream``).

The stream drives the standard library's sans-I/O TLS (``ssl.SSLObject`` between two
``ssl.MemoryBIO``\\ s, see ``_engine``) over its *next layer*: anything with
``async_read_some``, ``async_write_some`` and ``get_executor`` (a ``tcp.socket``, a
``beast.tcp_stream``, an in-memory ``testing.stream``). Every operation is a composed
operation over the next layer (``_io_op``), so the next layer's timeouts apply to each of
its steps, and the composed algorithms (``async_read``, ``http.async_read``,
``websocket.stream``) work over this stream unchanged.

Rules kept, as every asiolike I/O object: a handler never runs inside its initiating call;
it runs exactly once; a pending operation is outstanding work; handlers run on their
associated executor. At most one read, one write, one handshake and one shutdown may be
pending at a time (starting a second raises ``RuntimeError``); a read and a write may be
pending together, and a read that must send (a key update) waits for the write in
progress rather than mixing bytes with it.

There is no ``cancel()``/``close()`` here, as in Asio: cancel or close the lowest layer
(``stream.lowest_layer().close()``, or ``beast.get_lowest_layer(stream)``); pending
operations then complete with ``operation_aborted`` or ``bad_descriptor``.

The ``SSLObject`` is made when the first handshake starts (the ``ssl`` module needs the
server name at that point), so the settings of one connection (:meth:`stream.set_server_name`,
:meth:`stream.set_verify_callback`, :meth:`stream.set_verify_mode`) are made before it, and
:meth:`stream.native_handle` is ``None`` until then.
"""

from __future__ import annotations

import concurrent.futures
import enum
import ssl as _ssl
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final, Generic, TypeAlias, overload

from typing_extensions import Buffer, TypeVar

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.buffer import _is_buffer, _views, buffer
from asiolike.detail.completion import composed_op
from asiolike.detail.scheduler import invokes_directly
from asiolike.error import error_code, system_error
from asiolike.ip import tcp
from asiolike.ssl._io_op import HANDSHAKE, READ, SHUTDOWN, WRITE, io_op, stream_core, sync_io
from asiolike.ssl.context import _check_verify_callback, _check_verify_mode, context
from asiolike.ssl.host_name_verification import _check_host, host_name_verification

if TYPE_CHECKING:
    from asiolike.io_context import io_context, io_context_executor
    from asiolike.strand import strand
    from asiolike.thread_pool import thread_pool

__all__ = ["stream", "stream_base"]

#: The next layer's type, for type checkers: ``ssl.stream[tcp.socket]`` (the default, and
#: what ``ssl.stream(ioc, ctx)`` makes), ``ssl.stream[beast.tcp_stream]``...
_NextLayer = TypeVar("_NextLayer", default=tcp.socket)

_Buffers: TypeAlias = Buffer | Iterable[Buffer]
_Handler: TypeAlias = Callable[[error_code], object]
_IoHandler: TypeAlias = Callable[[error_code, int], object]

# One write_some encrypts at most this much: bounds the output held per operation while
# keeping the per-call overhead low for bulk transfers.
_MAX_WRITE: Final = 256 * 1024
# A buffer sequence's leading small buffers are joined into one TLS write (Beast's
# flat_stream) up to _GATHER_MAX bytes; a buffer of _GATHER_MIN or more goes alone.
_GATHER_MIN: Final = 16384
_GATHER_MAX: Final = 65536
_EMPTY: Final = memoryview(bytearray())
# Handlers that take async_initiate's plain-callable path (besides plain functions): the
# composed operations above this stream (async_write, http, websocket) and bound handlers.


class stream_base:
    """Asio's ``ssl::stream_base``: the handshake types."""

    __slots__ = ()

    class handshake_type(enum.IntEnum):
        """Which side of the handshake to perform (Asio's ``stream_base::handshake_type``)."""

        client = 0
        server = 1

    client = handshake_type.client
    server = handshake_type.server


_handshake_type = stream_base.handshake_type


class stream(stream_base, Generic[_NextLayer]):
    """A TLS stream over a next layer (Asio's ``ssl::stream<NextLayer>``).

    Args:
        next_layer: the stream TLS runs over (``tcp.socket``, ``beast.tcp_stream``,
            ``testing.stream``...), or an io_context/executor/strand, from which a new
            ``tcp.socket`` is made (as ``ssl::stream<tcp::socket> s(ioc, ctx)``).
        ctx: the :class:`~asiolike.ssl.context` (or an ``ssl.SSLContext``, wrapped). Its
            settings are read when the handshake starts.

    Raises:
        TypeError: ``next_layer`` is not a stream or an executor, or ``ctx`` is not a
            context.

    Not thread-safe, as Asio's: use one stream from one thread at a time, or a strand.

    For type checkers the class is generic in its next layer, as Asio's template:
    ``ssl.stream(beast.tcp_stream(ioc), ctx)`` is an ``ssl.stream[beast.tcp_stream]``,
    ``ssl.stream(ioc, ctx)`` an ``ssl.stream[tcp.socket]``; :meth:`next_layer` has that
    type.
    """

    __slots__ = (
        "__weakref__",
        "_context",
        "_core",
        "_executor",
        "_next",
        "_server_name",
        "_verify_host",
        "_verify_mode",
    )

    @overload
    def __init__(
        self: stream[tcp.socket],
        next_layer: io_context | thread_pool | strand | io_context_executor,
        ctx: context | _ssl.SSLContext,
    ) -> None: ...

    @overload
    def __init__(self, next_layer: _NextLayer, ctx: context | _ssl.SSLContext) -> None: ...

    def __init__(self, next_layer: Any, ctx: context | _ssl.SSLContext) -> None:
        if isinstance(ctx, _ssl.SSLContext):
            ctx = context.from_native(ctx)
        elif not isinstance(ctx, context):
            raise TypeError(
                f"ssl.stream(next_layer, ctx): ctx must be an asiolike.ssl.context, not {ctx!r}"
            )
        if not callable(getattr(next_layer, "async_read_some", None)):
            if not callable(getattr(next_layer, "get_executor", None)) and not callable(
                getattr(next_layer, "dispatch", None)
            ):
                raise TypeError(
                    "ssl.stream(next_layer, ctx): next_layer must be a stream (async_read_some, "
                    "async_write_some, get_executor) or an io_context/executor, not "
                    f"{type(next_layer).__name__}"
                )
            next_layer = tcp.socket(next_layer)
        for method in ("async_write_some", "get_executor"):
            if not callable(getattr(next_layer, method, None)):
                raise TypeError(
                    f"ssl.stream: the next layer {type(next_layer).__name__} has no {method}()"
                )
        self._next = next_layer
        self._executor = next_layer.get_executor()
        self._context = ctx
        self._core = stream_core(next_layer, self._executor)
        self._server_name: str | None = None
        self._verify_host: host_name_verification | None = None
        self._verify_mode: int | None = None

    # -- access -----------------------------------------------------------------------------

    def get_executor(self) -> Any:
        """The executor handlers run on by default (the next layer's)."""
        return self._executor

    def next_layer(self) -> _NextLayer:
        """The stream TLS runs over."""
        return self._next  # type: ignore[no-any-return]

    def lowest_layer(self) -> Any:
        """The innermost stream: follows ``next_layer()`` down (a socket, a tcp_stream)."""
        layer = self._next
        while True:
            down = getattr(layer, "next_layer", None)
            if down is None:
                return layer
            layer = down()

    def native_handle(self) -> _ssl.SSLObject | None:
        """The ``ssl.SSLObject`` (Asio's ``SSL*``); ``None`` before the first handshake.

        Use it for what the connection negotiated: ``version()``, ``cipher()``,
        ``getpeercert()``, ``selected_alpn_protocol()``, ``session_reused``...
        """
        eng = self._core.engine
        return None if eng is None else eng.sslobj

    # -- settings of this connection --------------------------------------------------------

    def set_server_name(self, host: str) -> None:
        """Send ``host`` as the TLS server name (SNI), as Beast's examples do with
        ``SSL_set_tlsext_host_name``. Client side; call it before the handshake.

        It does not verify the certificate's name: use
        ``set_verify_callback(ssl.host_name_verification(host))`` for that (the ``ssl``
        module sends and checks one name, so both must be the same host). An IP address
        is not sent (SNI carries names only).

        Raises:
            TypeError: ``host`` is not a str.
            ValueError: ``host`` is empty or not a valid host name.
            RuntimeError: the handshake has already started.
        """
        self._before_handshake("set_server_name")
        self._server_name = _check_host(host, "set_server_name")

    def set_verify_callback(self, callback: host_name_verification) -> None:
        """Check the peer's certificate name: ``ssl.host_name_verification(host)``.

        Only :class:`~asiolike.ssl.host_name_verification` is supported: the ``ssl``
        module runs no Python code during verification. The check applies when the peer
        is verified at all (``verify_peer`` on the context or this stream); the handshake
        then fails with a ``certificate verify failed: Hostname mismatch`` error. The name
        is also sent as SNI. Call it before the handshake.

        Raises:
            TypeError: ``callback`` is not a ``host_name_verification``.
            RuntimeError: the handshake has already started.
        """
        self._before_handshake("set_verify_callback")
        self._verify_host = _check_verify_callback(callback, "set_verify_callback")

    def set_verify_mode(self, mode: int) -> None:
        """Verify this connection's peer as ``mode`` says, whatever the context's mode.

        ``ssl.verify_none`` also turns off the context's host-name check for this
        connection. Call it before the handshake.

        Raises:
            TypeError: ``mode`` is not an int.
            ValueError: unknown bits are set.
            RuntimeError: the handshake has already started.
        """
        self._before_handshake("set_verify_mode")
        self._verify_mode = _check_verify_mode(mode, "set_verify_mode")

    def _before_handshake(self, who: str) -> None:
        if self._core.engine is not None:
            raise RuntimeError(
                f"ssl.stream.{who}: the handshake has already started; configure the "
                "connection before async_handshake"
            )

    def _engine_for(self, server: bool) -> None:
        core = self._core
        eng = core.engine
        if eng is None:
            core.engine = self._context._make_engine(
                server, self._server_name, self._verify_host, self._verify_mode
            )
        elif eng.sslobj.server_side != server:
            raise RuntimeError(
                "async_handshake: this stream already started a "
                f"{'server' if eng.sslobj.server_side else 'client'} handshake"
            )

    def _require_engine(self, who: str) -> None:
        if self._core.engine is None:
            raise RuntimeError(
                f"ssl.stream.{who}: no handshake was started; call async_handshake "
                "(or handshake) first"
            )

    def _claim(self, kind: int, who: str) -> None:
        if self._core.marks[kind].busy:
            raise RuntimeError(
                f"ssl.stream.{who}: another {who} is pending (until its handler has run); "
                "start the next one from the handler of the previous one"
            )

    # -- handshake --------------------------------------------------------------------------

    @overload
    def async_handshake(
        self, type: _handshake_type | int, token: use_awaitable_t, /
    ) -> awaitable[None]: ...

    @overload
    def async_handshake(
        self, type: _handshake_type | int, token: use_future_t, /
    ) -> concurrent.futures.Future[None]: ...

    @overload
    def async_handshake(self, type: _handshake_type | int, token: AdapterToken, /) -> Any: ...

    @overload
    def async_handshake(self, type: _handshake_type | int, token: _Handler, /) -> None: ...

    @overload
    def async_handshake(
        self, type: _handshake_type | int, buffers: _Buffers, token: use_awaitable_t, /
    ) -> awaitable[int]: ...

    @overload
    def async_handshake(
        self, type: _handshake_type | int, buffers: _Buffers, token: use_future_t, /
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_handshake(
        self, type: _handshake_type | int, buffers: _Buffers, token: AdapterToken, /
    ) -> Any: ...

    @overload
    def async_handshake(
        self, type: _handshake_type | int, buffers: _Buffers, token: _IoHandler, /
    ) -> None: ...

    def async_handshake(
        self, type: _handshake_type | int, token: Any, buffered_token: Any = None
    ) -> Any:
        """Start the TLS handshake as ``ssl.stream_base.client`` or ``server``.

        On the client, the server's certificate is verified as the context (and
        :meth:`set_verify_mode`, :meth:`set_verify_callback`) say; the server name is sent
        if :meth:`set_server_name` was called. With a ``beast.tcp_stream`` below, its
        expiry bounds every read and write of the handshake.

        A composed operation of reads and writes of the next layer. This call returns
        immediately; the handler is never invoked from within it, and runs through its
        associated executor (by default the next layer's). No other handshake may be
        started until it completes (a second one raises ``RuntimeError``), and no read or
        write before it succeeded.

        Handler:
            ``handler(ec: error_code)``

        Returns:
            ``None`` for a handler; a ``Future[None]`` with ``use_future``; an
            ``awaitable[None]`` with ``use_awaitable`` (the buffered form: ``Future[int]``
            and ``awaitable[int]``, the bytes used). A failure raises
            :class:`~asiolike.error.system_error` from ``result()`` or ``await``.

        Errors:
            An ``asio.ssl`` code: the certificate did not verify (the message says why:
            ``certificate has expired``, ``unable to get local issuer certificate``,
            ``Hostname mismatch``...), the peer does not speak TLS (``wrong version
            number``), the peer sent an alert. ``ssl.error.stream_truncated``: the peer
            closed the connection during the handshake. The next layer's errors
            (``beast.error.timeout``, ``connection_reset``, ``operation_aborted``...).

        Buffered form (Asio's ``async_handshake(type, buffers, handler)``):
        ``async_handshake(type, buffers, handler)`` starts from octets of the peer already
        read from the next layer (by ``beast.async_detect_ssl``, say); the handler is
        ``handler(ec, bytes_used)``, and the caller consumes ``bytes_used`` octets from
        its buffer (all of ``buffers``: the engine takes them whole).

        Raises:
            ValueError: ``type`` is not client or server; the context checks host names
                and no server name was set.
            RuntimeError: a handshake is already pending, or the context is for the
                other role.

        Example::

            stream.set_server_name(host)
            beast.get_lowest_layer(stream).expires_after(30)
            stream.async_handshake(ssl.stream_base.client, self.on_handshake)  # (ec)
        """
        server = _check_type(type)
        if buffered_token is not None:
            views = _views(token, "async_handshake")
            self._claim(HANDSHAKE, "async_handshake")
            return async_initiate(self._initiate_buffered, buffered_token, server, views)
        self._claim(HANDSHAKE, "async_handshake")
        return async_initiate(self._initiate, token, HANDSHAKE, server)

    def _initiate_buffered(
        self, handler: Callable[..., object], server: bool, views: list[memoryview]
    ) -> None:
        self._engine_for(server)
        eng = self._core.engine
        assert eng is not None
        used = 0
        for view in views:
            if view.nbytes:
                eng.put_input(view)
                used += view.nbytes
        io_op(_buffered_done(self, handler, used), self._core, HANDSHAKE, None).start()

    @overload
    def handshake(self, type: _handshake_type | int) -> None: ...
    @overload
    def handshake(self, type: _handshake_type | int, buffers: Any) -> int: ...
    def handshake(self, type: _handshake_type | int, buffers: Any = None) -> int | None:
        """Perform the TLS handshake, blocking (see :meth:`async_handshake`).

        ``handshake(type, buffers)`` is the buffered form: it starts from octets of the
        peer already read and returns how many of them were used (all).

        Raises:
            system_error: as the errors of :meth:`async_handshake`.
        """
        server = _check_type(type)
        views = None if buffers is None else _views(buffers, "handshake")
        self._claim(HANDSHAKE, "handshake")
        self._engine_for(server)
        used = 0
        if views is not None:
            eng = self._core.engine
            assert eng is not None
            for view in views:
                if view.nbytes:
                    eng.put_input(view)
                    used += view.nbytes
        sync_io(self._core, HANDSHAKE, None)
        return None if views is None else used

    # -- reading and writing ----------------------------------------------------------------

    @overload
    def async_read_some(self, buffers: _Buffers, token: use_awaitable_t) -> awaitable[int]: ...

    @overload
    def async_read_some(
        self, buffers: _Buffers, token: use_future_t
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_read_some(self, buffers: _Buffers, token: AdapterToken) -> Any: ...

    @overload
    def async_read_some(self, buffers: _Buffers, token: _IoHandler) -> None: ...

    def async_read_some(self, buffers: Any, token: Any) -> Any:
        """Start reading decrypted data into ``buffers`` (at least one byte).

        A composed operation of reads (and, for a key update, writes) of the next layer.
        This call returns immediately; the handler is never invoked from within it, and
        runs through its associated executor (by default the next layer's). No other read
        may be started until it completes (a second one raises ``RuntimeError``).

        Args:
            buffers: a writable bytes-like object, or a list of them (the first non-empty
                one is filled, as in Asio); untouched until the handler runs.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``. An empty buffer completes
            with success and 0.

        Returns:
            ``None`` for a handler; a ``Future[int]`` with ``use_future``; an
            ``awaitable[int]`` with ``use_awaitable``.

        Errors:
            ``asiolike.error.eof``: the peer shut TLS down (``close_notify``).
            ``ssl.error.stream_truncated``: the peer closed the connection without it.
            An ``asio.ssl`` code (a corrupted record, an alert), or the next layer's error.

        Raises:
            TypeError: ``buffers`` is not writable.
            RuntimeError: a read is already pending, or no handshake was started.

        Example::

            n: int = await stream.async_read_some(buf, net.use_awaitable)
        """
        return self._start_io(READ, _read_view(buffers), token, "async_read_some")

    def read_some(self, buffers: Any) -> int:
        """Read at least one byte of decrypted data, blocking.

        Returns:
            The number of bytes read (0 only for an empty buffer).

        Raises:
            system_error: ``eof`` (clean TLS shutdown), ``stream_truncated``, ...
        """
        view = _read_view(buffers)
        self._require_engine("read_some")
        return sync_io(self._core, READ, view)

    @overload
    def async_write_some(self, buffers: _Buffers, token: use_awaitable_t) -> awaitable[int]: ...

    @overload
    def async_write_some(
        self, buffers: _Buffers, token: use_future_t
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_write_some(self, buffers: _Buffers, token: AdapterToken) -> Any: ...

    @overload
    def async_write_some(self, buffers: _Buffers, token: _IoHandler) -> None: ...

    def async_write_some(self, buffers: Any, token: Any) -> Any:
        """Start encrypting and sending some of ``buffers`` (at least one byte).

        At most 256 KiB are taken per call; use ``asiolike.async_write`` to send
        everything. Small leading buffers of a sequence are joined into one record.

        A composed operation of writes of the next layer. This call returns immediately;
        the handler is never invoked from within it, and runs through its associated
        executor (by default the next layer's). No other write may be started until it
        completes (a second one raises ``RuntimeError``).

        Args:
            buffers: a bytes-like object, or a list of them; unchanged until the handler
                runs.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``. Empty data completes with
            success and 0.

        Returns:
            ``None`` for a handler; a ``Future[int]`` with ``use_future``; an
            ``awaitable[int]`` with ``use_awaitable``.

        Errors:
            The next layer's (``broken_pipe``, ``connection_reset``, ``timeout``...), or
            an ``asio.ssl`` code (writing after a shutdown...).

        Raises:
            TypeError: ``buffers`` is not bytes-like.
            RuntimeError: a write is already pending, or no handshake was started.

        Example::

            # all of it, in as many write_some calls as it takes:
            net.async_write(stream, self.request_bytes, self.on_write)
        """
        return self._start_io(WRITE, _write_view(buffers), token, "async_write_some")

    def _start_io(self, direction: int, view: memoryview | bytes, token: Any, what: str) -> Any:
        """The initiation ``async_read_some`` and ``async_write_some`` share (R6 first)."""
        core = self._core
        if core.engine is None or core.marks[direction].busy:
            self._require_engine(what)
            self._claim(direction, what)
        if type(token) in core.fast:
            # The fast path (see asiolike.detail.completion): what async_initiate does for
            # a plain handler, without the calls; never on a tracked context (every
            # handler gets its id).
            io_op(token, core, direction, view).start()
            return None
        return async_initiate(self._initiate, token, direction, view)

    def write_some(self, buffers: Any) -> int:
        """Encrypt and send some of ``buffers``, blocking.

        Returns:
            The number of bytes of ``buffers`` written.

        Raises:
            system_error: the next layer's error, or an ``asio.ssl`` code.
        """
        view = _write_view(buffers)
        self._require_engine("write_some")
        return sync_io(self._core, WRITE, view)

    # -- shutting down ----------------------------------------------------------------------

    @overload
    def async_shutdown(self, token: use_awaitable_t) -> awaitable[None]: ...

    @overload
    def async_shutdown(self, token: use_future_t) -> concurrent.futures.Future[None]: ...

    @overload
    def async_shutdown(self, token: AdapterToken) -> Any: ...

    @overload
    def async_shutdown(self, token: _Handler) -> None: ...

    def async_shutdown(self, token: Any) -> Any:
        """Shut TLS down: send ``close_notify``, then wait for the peer's.

        The transport stays open (close the lowest layer afterwards). A pending read
        meanwhile completes with ``eof`` when the peer's ``close_notify`` arrives.

        A composed operation of writes and reads of the next layer. This call returns
        immediately; the handler is never invoked from within it, and runs through its
        associated executor (by default the next layer's). No other shutdown may be
        started until it completes.

        Handler:
            ``handler(ec: error_code)``

        Returns:
            ``None`` for a handler; a ``Future[None]`` with ``use_future``; an
            ``awaitable[None]`` with ``use_awaitable``.

        Errors:
            ``ssl.error.stream_truncated``: the peer closed the connection without
            answering. The next layer's errors (``timeout``...), an ``asio.ssl`` code.

        Raises:
            RuntimeError: a shutdown is already pending, or no handshake was started.

        Example (Beast's ``http_client_async_ssl``)::

            def on_shutdown(self, ec: beast.error_code) -> None:
                if ec == net.error.eof or ec == ssl.error.stream_truncated:
                    ec = beast.error_code()  # the peer did not answer: not an error here
                if ec:
                    return fail(ec, "shutdown")

            stream.async_shutdown(self.on_shutdown)
        """
        self._require_engine("async_shutdown")
        self._claim(SHUTDOWN, "async_shutdown")
        return async_initiate(self._initiate, token, SHUTDOWN, None)

    def shutdown(self) -> None:
        """Shut TLS down, blocking (see :meth:`async_shutdown`).

        Raises:
            system_error: ``stream_truncated``, the next layer's error...
        """
        self._require_engine("shutdown")
        sync_io(self._core, SHUTDOWN, None)

    def _initiate(self, handler: Callable[..., object], kind: int, arg: Any) -> None:
        core = self._core
        if kind == HANDSHAKE:
            self._engine_for(arg)
            arg = None
        io_op(handler, core, kind, arg).start()

    # -- Beast's teardown (used by websocket.stream when it closes) -------------------------

    def async_teardown(self, role: Any, handler: Callable[[error_code], object]) -> None:
        """Tear the connection down after a WebSocket close (Beast's ``async_teardown``).

        Shuts TLS down (:meth:`async_shutdown`), then closes the lowest layer, as the
        plain TCP teardown closes its socket. The role does not matter for TLS.

        Handler:
            ``handler(ec)``: the shutdown's result; never invoked inside this call.
        """
        self.async_shutdown(_teardown_done(self, handler))

    def teardown(self, role: Any) -> None:
        """The blocking :meth:`async_teardown`.

        Raises:
            system_error: the shutdown's error (the lowest layer is closed anyway).
        """
        try:
            self.shutdown()
        finally:
            _close_quietly(self.lowest_layer())

    def __repr__(self) -> str:
        eng = self._core.engine
        state = "not started" if eng is None else (eng.sslobj.version() or "handshaking")
        return f"<asiolike.ssl.stream {state} over {self._next!r}>"


class _buffered_done(composed_op):
    """Completes a buffered handshake with ``(ec, bytes_used)``."""

    __slots__ = ("_used",)

    def __init__(self, s: stream[Any], handler: Callable[..., object], used: int) -> None:
        ex = s.get_executor()
        composed_op.__init__(self, handler, ex, invokes_directly(ex))
        self._used = used

    def __call__(self, ec: error_code) -> None:
        self.complete(True, ec, self._used)


class _teardown_done(composed_op):
    """Closes the lowest layer once the shutdown finished, then completes the teardown."""

    __slots__ = ("_stream",)

    def __init__(self, s: stream[Any], handler: Callable[[error_code], object]) -> None:
        ex = s.get_executor()
        composed_op.__init__(self, handler, ex, invokes_directly(ex))
        self._stream = s

    def __call__(self, ec: error_code) -> None:
        _close_quietly(self._stream.lowest_layer())
        self.complete(True, ec)


def _close_quietly(layer: Any) -> None:
    try:
        layer.close()
    except system_error:
        pass


def _check_type(type: object) -> bool:
    if isinstance(type, int) and not isinstance(type, bool) and type in (0, 1):
        return type == 1
    raise ValueError(
        f"async_handshake: type must be ssl.stream_base.client or ssl.stream_base.server, "
        f"not {type!r}"
    )


def _read_view(buffers: Any) -> memoryview:
    t = type(buffers)
    if t is bytearray:
        return memoryview(buffers)
    if (
        t is memoryview
        and not buffers.readonly
        and buffers.ndim == 1
        and buffers.format == "B"
        and buffers.c_contiguous
    ):
        return buffers  # type: ignore[no-any-return]
    if t is list or t is tuple:
        for item in buffers:
            view = _one_read_view(item)
            if len(view):
                return view
        return _EMPTY
    return _one_read_view(buffers)


def _one_read_view(item: object) -> memoryview:
    if not _is_buffer(item):
        raise TypeError(
            "ssl.stream: read into a writable buffer (bytearray, writable memoryview) or a "
            f"list of them, not {type(item).__name__}"
        )
    view = buffer(item)  # type: ignore[arg-type]
    if view.readonly:
        raise TypeError(
            f"ssl.stream: cannot read into a read-only {type(item).__name__}; use a bytearray"
        )
    return view


def _write_view(buffers: Any) -> memoryview | bytes:
    t = type(buffers)
    if t is bytes or t is bytearray:
        view = memoryview(buffers)
    elif t is memoryview and buffers.ndim == 1 and buffers.format == "B":
        view = buffers
    elif t is list or t is tuple:
        return _gather(_views(buffers, "ssl.stream: the data to write"))
    else:
        if not _is_buffer(buffers):
            raise TypeError(
                "ssl.stream: write a bytes-like object or a list of them, not "
                f"{type(buffers).__name__}"
            )
        view = buffer(buffers)
    return view if len(view) <= _MAX_WRITE else view[:_MAX_WRITE]


def _gather(views: list[memoryview]) -> memoryview | bytes:
    """The first non-empty buffer, joined with the small ones after it (flat_stream)."""
    parts: list[memoryview] = []
    total = 0
    for view in views:
        size = len(view)
        if not size:
            continue
        if not parts and (size >= _GATHER_MIN):
            return view if size <= _MAX_WRITE else view[:_MAX_WRITE]
        if size >= _GATHER_MIN or total + size > _GATHER_MAX:
            break
        parts.append(view)
        total += size
    if not parts:
        return _EMPTY
    if len(parts) == 1:
        return parts[0]
    return b"".join(parts)
