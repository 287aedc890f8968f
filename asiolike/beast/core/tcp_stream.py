"""``beast.tcp_stream``: a TCP stream with timeouts (Beast's ``basic_stream<tcp>``).

Theory of operation. The stream owns a ``tcp.socket`` and one *expiry*: a
``time.monotonic()`` deadline, or none. :meth:`tcp_stream.expires_after` and its siblings
only store it; each asynchronous operation takes the expiry in force when it starts and
keeps it until it completes, so the usual pattern ::

    stream.expires_after(30)
    http.async_write(stream, req, on_write)

gives every ``async_read_some``/``async_write_some`` of that write 30 seconds from the
``expires_after`` call. A read and a write may be pending at once, each with the
deadline it started with; when either deadline passes, the whole stream times out.

*One read and one write* may be pending at a time, with or without an expiry (rule R6,
Beast's ``pending_guard``): each direction is a
:class:`~asiolike.detail.completion.pending_mark`, busy from the initiating call until the
handler is invoked (whether the operation completed at once or later), and a second
operation in that window raises ``RuntimeError``. A connect counts as a write.

*Without an expiry* an operation is a relay (:class:`_relay_op`): a
:class:`~asiolike.detail.completion.composed_op` whose
:meth:`~asiolike.detail.completion.composed_op.forward` is the socket operation's handler,
so the socket's result is delivered as is, through the one completion path that clears the
mark. The cost over a bare ``tcp.socket`` is the relay's two calls.

*With an expiry* one operation object sits between the socket and the handler. The
stream has one ``steady_timer``, armed for the earliest deadline of its pending
operations; it is not re-armed for each operation. An operation that completes leaves
the wait in place when other timed operations are pending, or when its handler starts
the next one (the usual chain: read, write, read...); the wait is cancelled only once
the stream has no timed operation left, so that ``run()`` can return. When the wait
fires, the stream looks at the pending operations: if no deadline has passed (the wait
was armed for an operation that completed since), it waits again for the earliest one;
otherwise the stream *times out*: every pending operation that has a deadline is
marked, and the socket is closed. The socket then completes those operations
(``operation_aborted``), and the mark turns that into ``beast.error.timeout``. An
operation started without a deadline that is pending at that moment gets
``operation_aborted``, as in Beast. Each handler runs once: the mark is only read by the
operation's own completion, and a wait that fires after its operations completed is
recognized as stale (each arming has a generation number) and does nothing. If an
operation's completion was already queued when the stream timed out, it still reports
``timeout`` (the stream is closed by then) with the bytes it transferred, as in Beast.

An operation started after its deadline completes with ``timeout`` and closes the socket
(Beast arms a timer that fires at once; here the outcome does not depend on whether data
happens to be waiting). An operation on a closed stream fails with the socket's
``bad_descriptor``, whatever the expiry.

The timer's handler runs on the associated executor of the operation that armed it (a
strand, typically), else on the stream's executor.

Synchronous operations are not timed (as in Beast).

*Interface for the layers above.* :meth:`tcp_stream._send_now` is the documented internal
method a composed operation over this stream (the WebSocket write) may use: one
non-blocking send through the socket's own ``_send_now`` (documented there), declined
(-1) while a deadline is set or a write is pending, so that no timing and no R6 check is
bypassed.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeAlias, overload

from typing_extensions import Buffer

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.beast.core import error as beast_error
from asiolike.connect import ConnectCondition
from asiolike.connect import async_connect as _range_connect
from asiolike.connect import connect as _range_connect_sync
from asiolike.detail.completion import Executor, composed_op, pending_mark
from asiolike.detail.scheduler import fast_handlers, invokes_directly
from asiolike.detail.socket_ops import const_size, mutable_size
from asiolike.error import error_code, system_error
from asiolike.executor import as_executor
from asiolike.ip import tcp
from asiolike.ip.basic_resolver import basic_resolver_results
from asiolike.steady_timer import Duration, _seconds, steady_timer

__all__ = ["tcp_stream", "basic_stream"]

# The argument and handler types of the overloads (as tcp.socket's).
_Endpoints: TypeAlias = Iterable[tcp.endpoint] | basic_resolver_results[tcp.endpoint]
_MutableBuffers: TypeAlias = Buffer | Iterable[Buffer]
_ConstBuffers: TypeAlias = Buffer | Iterable[Buffer]
_IoHandler: TypeAlias = Callable[[error_code, int], object]

_monotonic = time.monotonic
_NO_CONDITION: Final[Any] = object()


class _direction(pending_mark):
    """One direction (reads, or writes and connects): its R6 mark and its timing state."""

    __slots__ = ("op", "timed_out")

    def __init__(self) -> None:
        pending_mark.__init__(self)
        self.op: _timed_op | None = None  # the pending operation that has a deadline
        self.timed_out = False  # set by the timeout, read by ``op``'s completion


class _relay_op(composed_op):
    """A read, write or connect without a deadline: the socket's result is the result.

    The socket completes :meth:`forward` (a plain bound method, the socket's fast path)
    or, for a handler bound to an executor, the op itself (its ``associated_executor``
    then tells the socket where to run it).
    """

    __slots__ = ()

    __call__ = composed_op.forward


class _timed_op(composed_op):
    """One read or write with a deadline: the socket's handler in place of the user's."""

    __slots__ = ("_direction", "_stream", "deadline")

    def __init__(
        self,
        handler: Callable[..., object],
        stream: tcp_stream,
        direction: _direction,
        deadline: float,
    ) -> None:
        composed_op.__init__(self, handler, stream._executor, stream._direct, direction)
        self._stream = stream
        self._direction = direction
        self.deadline = deadline

    def _result(self, ec: error_code) -> error_code:
        d = self._direction
        if d.op is self:
            d.op = None
        if d.timed_out:
            d.timed_out = False
            return beast_error.timeout
        return ec

    def __call__(self, ec: error_code, n: int) -> None:
        ec = self._result(ec)
        stream = self._stream
        try:
            # A handler that starts the next timed operation does it inside this call, so
            # the armed timer wait serves that operation too.
            self.complete(True, ec, n)
        finally:
            if stream._armed and stream._read.op is None and stream._write.op is None:
                stream._disarm()


class _timed_connect_op(_timed_op):
    """A connect with a deadline: ``handler(ec)``, or ``handler(ec, endpoint)`` for a range."""

    __slots__ = ()

    def __call__(self, ec: error_code, *endpoint: Any) -> None:
        ec = self._result(ec)
        stream = self._stream
        try:
            self.complete(True, ec, *endpoint)
        finally:
            if stream._armed and stream._read.op is None and stream._write.op is None:
                stream._disarm()


class _timeout_handler:
    """The handler of one timer wait; runs where the operation that armed it runs."""

    __slots__ = ("associated_executor", "generation", "stream")

    def __init__(self, stream: tcp_stream, op: _timed_op, generation: int) -> None:
        self.associated_executor = op.associated_executor
        self.stream = stream
        self.generation = generation

    def __call__(self, ec: error_code) -> None:
        stream = self.stream
        if not ec and self.generation == stream._generation:
            stream._on_timer()


class tcp_stream:
    """A TCP stream whose asynchronous operations can time out (Beast's ``tcp_stream``).

    Beast's ``basic_stream<tcp, any_io_executor, unlimited_rate_policy>``. It is the lowest
    layer of a stream stack (``websocket.stream(beast.tcp_stream(ioc))``): it has no
    ``next_layer()``, and :func:`~asiolike.beast.get_lowest_layer` returns it.

    Args:
        ctx_or_ex: the io_context, executor or strand that runs the handlers (a new
            closed ``tcp.socket`` is made on it); or a ``tcp.socket`` to take over, as
            Beast's ``tcp_stream(std::move(socket))`` (the stream then uses the socket's
            executor, and owns the socket).

    As Beast's destructor, dropping the stream closes its socket.

    Not thread-safe, as Asio's sockets: use one stream from one thread at a time, or from
    a strand. At most one read and one write (or connect) may be pending at a time.
    """

    __slots__ = (
        "__weakref__",
        "_armed",
        "_armed_at",
        "_ctx",
        "_direct",
        "_executor",
        "_expiry",
        "_fast",
        "_generation",
        "_read",
        "_socket",
        "_timer",
        "_write",
    )

    def __init__(self, ctx_or_ex: Any) -> None:
        if isinstance(ctx_or_ex, tcp.socket):
            self._socket = ctx_or_ex
            self._executor: Executor = ctx_or_ex.get_executor()
        else:
            self._executor = as_executor(ctx_or_ex)
            self._socket = tcp.socket(self._executor)
        self._ctx = self._executor.context()
        self._direct = invokes_directly(self._executor)
        self._fast = fast_handlers(self._executor)
        self._expiry: float | None = None
        self._read = _direction()
        self._write = _direction()
        self._timer: steady_timer | None = None  # made for the first timed operation
        self._armed = False  # whether a wait on _timer is pending (for _armed_at)
        self._armed_at = 0.0
        self._generation = 0  # which wait is current: stale ones are ignored

    # -- access -----------------------------------------------------------------------------

    def get_executor(self) -> Executor:
        """The executor handlers run on by default."""
        return self._executor

    def socket(self) -> tcp.socket:
        """The underlying ``tcp.socket`` (for options, ``shutdown``, endpoints...)."""
        return self._socket

    def release_socket(self) -> tcp.socket:
        """Give up the socket: pending operations are cancelled, the stream gets a new one.

        Returns:
            The socket, still open. The stream is left with a closed socket, as a
            moved-from Beast stream.
        """
        self.cancel()
        sock = self._socket
        self._socket = tcp.socket(self._executor)
        return sock

    # -- timeouts ---------------------------------------------------------------------------

    def expires_after(self, duration: Duration) -> None:
        """Set the deadline of the operations started from now on to ``duration`` from now.

        It applies to every asynchronous read, write and connect started afterwards, until
        the expiry is set again; operations already pending keep the deadline they started
        with.

        Args:
            duration: seconds (``int``/``float``) or a ``datetime.timedelta``.

        Raises:
            TypeError: ``duration`` is not a number of seconds or a timedelta.
        """
        if type(duration) is float or type(duration) is int:
            self._expiry = _monotonic() + duration
        else:
            self._expiry = _monotonic() + _seconds(duration)

    def expires_at(self, deadline: float) -> None:
        """Set the deadline of the operations started from now on to a monotonic time.

        Args:
            deadline: a ``time.monotonic()`` value.
        """
        if isinstance(deadline, bool) or not isinstance(deadline, (int, float)):
            raise TypeError(f"expires_at() takes a time.monotonic() value, not {deadline!r}")
        self._expiry = float(deadline)

    def expires_never(self) -> None:
        """Operations started from now on have no deadline (the default)."""
        self._expiry = None

    # -- closing ----------------------------------------------------------------------------

    def cancel(self) -> None:
        """Complete every pending operation with ``operation_aborted`` (the socket stays open)."""
        try:
            self._socket.cancel()
        except system_error:
            pass  # not open: nothing is pending

    def close(self) -> None:
        """Close the socket; pending operations complete with ``operation_aborted``.

        Errors from closing are ignored, as Beast's ``close()`` does.
        """
        try:
            self._socket.close()
        except system_error:
            pass

    def __del__(self) -> None:
        # As Beast's destructor: a stream that is dropped closes its socket (the stream
        # owns it; release_socket() takes it back).
        sock = getattr(self, "_socket", None)
        if sock is not None:
            try:
                sock.close()
            except Exception:
                pass

    def _time_out(self) -> None:
        # A deadline passed: mark every operation that has one, then close.
        for d in (self._read, self._write):
            if d.op is not None:
                d.timed_out = True
        self.close()

    def _on_timer(self) -> None:
        self._armed = False
        now = _monotonic()
        first: _timed_op | None = None
        for d in (self._read, self._write):
            op = d.op
            if op is not None and (first is None or op.deadline < first.deadline):
                first = op
        if first is None:
            return
        if first.deadline <= now:
            self._time_out()
        else:
            # Armed for an earlier operation that completed: wait for the next deadline.
            self._arm(first)

    def _arm(self, op: _timed_op) -> None:
        timer = self._timer
        if timer is None:
            timer = self._timer = steady_timer(self._executor)
        elif self._armed:
            timer.cancel()
        self._generation += 1
        self._armed = True
        self._armed_at = op.deadline
        timer.expires_at(op.deadline)
        timer.async_wait(_timeout_handler(self, op, self._generation))

    def _disarm(self) -> None:
        self._armed = False
        self._generation += 1
        timer = self._timer
        assert timer is not None
        timer.cancel()

    # -- connecting -------------------------------------------------------------------------

    def connect(self, endpoints: Any, connect_condition: Any = None) -> Any:
        """Connect, blocking: to one endpoint, or to the first of a range that accepts.

        Not timed. Opens the socket as needed.

        Args:
            endpoints: a ``tcp.endpoint``, or a resolver's results / iterable of endpoints.
            connect_condition: optional, for a range: as :func:`asiolike.connect`.

        Returns:
            ``None`` for one endpoint; the endpoint connected to for a range.

        Raises:
            system_error: ``connection_refused``, ``not_found`` (empty range)...
        """
        if isinstance(endpoints, tcp.endpoint):
            self._socket.connect(endpoints)
            return None
        return _range_connect_sync(self._socket, endpoints, connect_condition)

    @overload
    def async_connect(
        self, endpoint: tcp.endpoint, token: use_awaitable_t, /
    ) -> awaitable[None]: ...

    @overload
    def async_connect(
        self, endpoint: tcp.endpoint, token: use_future_t, /
    ) -> concurrent.futures.Future[None]: ...

    @overload
    def async_connect(self, endpoint: tcp.endpoint, token: AdapterToken, /) -> Any: ...

    @overload
    def async_connect(
        self, endpoint: tcp.endpoint, token: Callable[[error_code], object], /
    ) -> None: ...

    @overload
    def async_connect(
        self, endpoints: _Endpoints, token: use_awaitable_t, /
    ) -> awaitable[tcp.endpoint]: ...

    @overload
    def async_connect(
        self, endpoints: _Endpoints, token: use_future_t, /
    ) -> concurrent.futures.Future[tcp.endpoint]: ...

    @overload
    def async_connect(self, endpoints: _Endpoints, token: AdapterToken, /) -> Any: ...

    @overload
    def async_connect(
        self, endpoints: _Endpoints, token: Callable[[error_code, tcp.endpoint], object], /
    ) -> None: ...

    @overload
    def async_connect(
        self,
        endpoints: _Endpoints,
        connect_condition: ConnectCondition,
        token: use_awaitable_t,
        /,
    ) -> awaitable[tcp.endpoint]: ...

    @overload
    def async_connect(
        self, endpoints: _Endpoints, connect_condition: ConnectCondition, token: use_future_t, /
    ) -> concurrent.futures.Future[tcp.endpoint]: ...

    @overload
    def async_connect(
        self, endpoints: _Endpoints, connect_condition: ConnectCondition, token: AdapterToken, /
    ) -> Any: ...

    @overload
    def async_connect(
        self,
        endpoints: _Endpoints,
        connect_condition: ConnectCondition,
        token: Callable[[error_code, tcp.endpoint], object],
        /,
    ) -> None: ...

    def async_connect(
        self, endpoints: Any, condition_or_token: Any, token: Any = _NO_CONDITION
    ) -> Any:
        """Start connecting to one endpoint, or to the first of a range that accepts.

        Beast's three overloads: ``async_connect(endpoint, token)``,
        ``async_connect(results, token)`` and ``async_connect(results, connect_condition,
        token)``. The socket is opened as needed (for a range, closed and reopened before
        each attempt). The expiry (:meth:`expires_after`) applies to the whole connect.

        This call returns immediately; the handler is never invoked from within it, and
        runs through its associated executor (by default the stream's). A connect counts
        as a write: no write or other connect may be started until it completes (a second
        one raises ``RuntimeError``).

        Args:
            endpoint: One ``tcp.endpoint``.
            endpoints: A resolver's results, or an iterable of endpoints, tried in turn.
            connect_condition: Optional: ``condition(ec, endpoint) -> bool``, asked
                before each attempt (as :func:`asiolike.async_connect`).
            token: The completion token: a handler, ``use_future``, ``use_awaitable``,
                or an adapter.

        Handler:
            ``handler(ec: error_code)`` for one endpoint; ``handler(ec: error_code,
            endpoint: tcp.endpoint)`` for a range: the endpoint connected to.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[None]`` (one endpoint)
            or ``Future[tcp.endpoint]`` (a range); with ``use_awaitable``, an
            ``awaitable`` of the same. A failure raises
            :class:`~asiolike.error.system_error` from ``result()`` or ``await``.

        Errors:
            ``beast.error.timeout`` (the deadline passed; the socket is closed),
            ``connection_refused``, ``not_found`` (empty range), ``operation_aborted``
            (``cancel()``/``close()``)...

        Raises:
            TypeError: ``endpoints`` is neither an endpoint nor an iterable of them, or the
                condition is not callable.
            RuntimeError: a write or connect is already pending.

        Example (Beast's ``websocket_client_async``)::

            def on_resolve(self, ec: beast.error_code, results: tcp.resolver.results_type):
                if ec:
                    return fail(ec, "resolve")
                beast.get_lowest_layer(self.ws).expires_after(30)
                beast.get_lowest_layer(self.ws).async_connect(results, self.on_connect)

            def on_connect(self, ec: beast.error_code, ep: tcp.endpoint) -> None: ...
        """
        if token is _NO_CONDITION:
            condition, token = None, condition_or_token
        else:
            condition = condition_or_token
            if not callable(condition):
                raise TypeError(
                    "async_connect(endpoints, connect_condition, token): the condition "
                    f"must be callable as condition(ec, endpoint) -> bool, not {condition!r}"
                )
        single = isinstance(endpoints, tcp.endpoint)
        if not single:
            if isinstance(endpoints, (str, bytes)) or not isinstance(endpoints, Iterable):
                raise TypeError(
                    "async_connect: expected a tcp.endpoint or a range of them (resolver "
                    f"results), not {type(endpoints).__name__}"
                )
        elif condition is not None:
            raise TypeError("async_connect: a connect condition needs a range of endpoints")
        if self._write.busy:
            raise RuntimeError(_busy("async_connect", "write or connect"))
        return async_initiate(self._initiate_connect, token, endpoints, condition, single)

    def _initiate_connect(
        self, handler: Callable[..., object], endpoints: Any, condition: Any, single: bool
    ) -> None:
        expiry = self._expiry
        d = self._write
        if expiry is None:
            relay = _relay_op(handler, self._executor, self._direct, d)
            inner = relay.forward if relay.plain_steps else relay
            try:
                if single:
                    self._socket.async_connect(endpoints, inner)
                elif condition is None:
                    _range_connect(self._socket, endpoints, inner)
                else:
                    _range_connect(self._socket, endpoints, condition, inner)
            except BaseException:
                d.busy = False
                raise
            return
        op = _timed_connect_op(handler, self, d, expiry)
        if expiry <= _monotonic():
            self._time_out()
            if single:
                op.complete(False, beast_error.timeout)
            else:
                op.complete(False, beast_error.timeout, None)
            return
        d.op = op
        try:
            if single:
                self._socket.async_connect(endpoints, op)
            elif condition is None:
                _range_connect(self._socket, endpoints, op)
            else:
                _range_connect(self._socket, endpoints, condition, op)
        except BaseException:
            d.op = None
            d.busy = False
            raise
        if not self._armed or expiry < self._armed_at:
            self._arm(op)

    # -- reading and writing ----------------------------------------------------------------

    def read_some(self, buffers: Any) -> int:
        """Read at least one byte, blocking (not timed). See ``tcp.socket.read_some``.

        Raises:
            system_error: ``eof``, ``connection_reset``, ``bad_descriptor``...
        """
        return self._socket.read_some(buffers)

    def write_some(self, buffers: Any) -> int:
        """Write some bytes, blocking (not timed). See ``tcp.socket.write_some``.

        Raises:
            system_error: ``broken_pipe``, ``connection_reset``, ``bad_descriptor``...
        """
        return self._socket.write_some(buffers)

    @overload
    def async_read_some(
        self, buffers: _MutableBuffers, token: use_awaitable_t
    ) -> awaitable[int]: ...

    @overload
    def async_read_some(
        self, buffers: _MutableBuffers, token: use_future_t
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_read_some(self, buffers: _MutableBuffers, token: AdapterToken) -> Any: ...

    @overload
    def async_read_some(self, buffers: _MutableBuffers, token: _IoHandler) -> None: ...

    def async_read_some(self, buffers: Any, token: Any) -> Any:
        """Start reading at least one byte into ``buffers``.

        This call returns immediately; the handler is never invoked from within it, and
        runs through its associated executor (by default the stream's). No other read may
        be started until it completes (a second one raises ``RuntimeError``). The expiry
        in force now bounds it.

        Args:
            buffers: a writable bytes-like object, or a list of them; untouched until the
                handler runs.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``

        Returns:
            ``None`` for a handler; a ``Future[int]`` with ``use_future``; an
            ``awaitable[int]`` with ``use_awaitable``.

        Errors:
            ``beast.error.timeout``: the deadline passed (the socket is now closed).
            ``eof``: the peer closed. ``operation_aborted``: ``cancel()``/``close()``, or
            the stream timed out while this read had no deadline. ``bad_descriptor``: the
            stream is closed. ``connection_reset``...

        Raises:
            TypeError: ``buffers`` is not writable.
            RuntimeError: a read is already pending (until its handler has run).

        Example::

            stream.expires_after(30)
            stream.async_read_some(self.data, self.on_read)  # on_read(ec, n)
        """
        d = self._read
        if d.busy:
            raise RuntimeError(_busy("async_read_some", "read"))
        if type(token) in self._fast and self._expiry is None:
            # The fast path (see asiolike.detail.completion): a plain handler, no deadline.
            op = _relay_op(token, self._executor, self._direct, d)
            try:
                self._socket.async_read_some(buffers, op.forward)
            except BaseException:
                d.busy = False
                raise
            return None
        return async_initiate(self._initiate_io, token, buffers, d)

    @overload
    def async_write_some(
        self, buffers: _ConstBuffers, token: use_awaitable_t
    ) -> awaitable[int]: ...

    @overload
    def async_write_some(
        self, buffers: _ConstBuffers, token: use_future_t
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_write_some(self, buffers: _ConstBuffers, token: AdapterToken) -> Any: ...

    @overload
    def async_write_some(self, buffers: _ConstBuffers, token: _IoHandler) -> None: ...

    def async_write_some(self, buffers: Any, token: Any) -> Any:
        """Start writing some of ``buffers`` (at least one byte).

        This call returns immediately; the handler is never invoked from within it, and
        runs through its associated executor (by default the stream's). No other write
        (or connect) may be started until it completes (a second one raises
        ``RuntimeError``); use ``asiolike.async_write`` to send everything.

        Args:
            buffers: a bytes-like object, or a list of them; unchanged until the handler
                runs.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``

        Returns:
            ``None`` for a handler; a ``Future[int]`` with ``use_future``; an
            ``awaitable[int]`` with ``use_awaitable``.

        Errors:
            ``beast.error.timeout``: the deadline passed (the socket is now closed).
            ``broken_pipe``/``connection_reset``: the peer is gone.
            ``operation_aborted``: ``cancel()``/``close()``, or the stream timed out while
            this write had no deadline. ``bad_descriptor``: the stream is closed.

        Raises:
            TypeError: ``buffers`` is not bytes-like.
            RuntimeError: a write (or connect) is already pending (until its handler has
                run).

        Example::

            n: int = stream.async_write_some(b"ping", net.use_future).result()
        """
        d = self._write
        if d.busy:
            raise RuntimeError(_busy("async_write_some", "write or connect"))
        if type(token) in self._fast and self._expiry is None:
            op = _relay_op(token, self._executor, self._direct, d)
            try:
                self._socket.async_write_some(buffers, op.forward)
            except BaseException:
                d.busy = False
                raise
            return None
        return async_initiate(self._initiate_io, token, buffers, d)

    def _send_now(self, data: bytes | bytearray | memoryview | list[Any]) -> int:
        """One non-blocking send now; the bytes sent, or -1 when not done now.

        Part of the interface for the layers above (see the module): the socket's
        ``_send_now`` while no deadline is set and no write is pending; else -1.
        """
        if self._expiry is not None or self._write.busy:
            return -1
        return self._socket._send_now(data)

    def _initiate_io(
        self, handler: Callable[[error_code, int], object], buffers: Any, d: _direction
    ) -> None:
        sock = self._socket
        expiry = self._expiry
        start = sock.async_read_some if d is self._read else sock.async_write_some
        if expiry is None or not sock.is_open():
            # A closed stream fails with the socket's bad_descriptor, without a timer.
            relay = _relay_op(handler, self._executor, self._direct, d)
            try:
                start(buffers, relay.forward if relay.plain_steps else relay)
            except BaseException:
                d.busy = False
                raise
            return
        op = _timed_op(handler, self, d, expiry)
        if expiry <= _monotonic():
            try:
                if d is self._read:
                    mutable_size(buffers)
                else:
                    const_size(buffers)
            except BaseException:
                d.busy = False
                raise
            self._time_out()
            op.complete(False, beast_error.timeout, 0)
            return
        d.op = op
        try:
            # A bound method takes the socket's fast path for plain handlers; an op whose
            # handler has an association or a cancellation slot is passed itself, so that
            # its step runs there and honours the slot (composed_op.plain_steps).
            start(buffers, op.__call__ if op.plain_steps else op)
        except BaseException:
            d.op = None
            d.busy = False
            raise
        if not self._armed or expiry < self._armed_at:
            self._arm(op)

    def __repr__(self) -> str:
        expiry = "never" if self._expiry is None else f"{self._expiry - _monotonic():+.3f}s"
        return f"<beast.tcp_stream open={self._socket.is_open()} expiry={expiry}>"


def _busy(what: str, kind: str) -> str:
    return (
        f"tcp_stream.{what}: a {kind} is already pending (until its handler has run); "
        "start the next one from the handler of the previous one"
    )


basic_stream = tcp_stream
"""Beast's ``basic_stream``; here always TCP with the unlimited rate policy."""
