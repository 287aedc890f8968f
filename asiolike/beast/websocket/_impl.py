"""The state every WebSocket operation shares (Beast's ``stream::impl_type``).

Theory of operation
-------------------
``websocket.stream`` derives from :class:`stream_impl`; the operations (``_read_op``,
``_write_op``...) reach into it directly, as Beast's operations use ``impl``. The protocol
itself (frames, masking, UTF-8, deflate, close codes) lives in the sans-I/O
:class:`~asiolike.beast.websocket._protocol.Connection`; this layer only moves bytes and
coordinates the operations that may be pending at once.

*Status* follows Beast: ``handshake`` while the upgrade runs, ``open``, ``closing`` once a
close frame was sent, then ``closed`` (cleanly) or ``failed``. A stream that never shook
hands is ``init`` (operations on it are a usage error and raise).

*Locks.* At most one operation writes to the next layer at a time (the *write lock*) and
at most one reads from it (the *read lock*), as Beast's ``soft_mutex``. An operation that
finds a lock taken parks itself in a slot and is resumed, by a post to where its handler
runs, when the owner releases the lock. The write lock goes to the waiters in Beast's
order: close, idle ping, a read that must answer (pong, close echo), ping/pong, write.
A parked operation is not work by itself, but the lock's owner has I/O pending and hands
the lock over (queueing the waiter) before it completes, so ``run()`` never returns while
an operation waits.

*Who closes.* Whoever holds the read lock decodes the peer's close frame, so it also
finishes the connection: it writes the echo (if we had not sent a close yet), tears the
transport down and sets the final status. A ``close`` that waits for the read lock then
completes with what that operation found.

*Pending operations* (rule R6): each kind of user operation (read, write, ping or pong,
close, handshake or accept) has a :class:`~asiolike.detail.completion.pending_mark` on the
stream (``_user_rd``...), busy from the initiating call until the handler is invoked: the
operation hands it to :class:`~asiolike.detail.completion.composed_op`, whose ``complete``
clears it right before the upcall, on every path. A second read or write in that window
raises, whatever the size of the message and whether it completed at once.

*Errors* are delivered once, as Beast's ``check_stop_now``: the first failure of a next
layer operation goes to the operation that saw it and fails the stream; every later or
still pending operation gets ``operation_aborted``. A timeout is delivered first as
``beast.error.timeout``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from asiolike.beast.core.error import timeout as _timeout_error
from asiolike.beast.websocket._deflate import permessage_deflate
from asiolike.beast.websocket._options import frame_type, stream_base
from asiolike.beast.websocket._protocol import READ_MESSAGE_MAX, WRITE_BUFFER_BYTES, Connection
from asiolike.beast.websocket._stream_op import (
    _RECV_MIN,
    CLOSED,
    CLOSING,
    FAILED,
    HANDSHAKE,
    INIT,
    OPEN,
    received,
    send,
    start_read,
)
from asiolike.detail.completion import pending_mark
from asiolike.detail.scheduler import fast_handlers
from asiolike.error import error_code, operation_aborted

if TYPE_CHECKING:
    from asiolike.beast.websocket._stream_op import stream_op
    from asiolike.detail.completion import Executor
    from asiolike.io_context import io_context
    from asiolike.steady_timer import steady_timer

__all__ = [
    "INIT",
    "HANDSHAKE",
    "OPEN",
    "CLOSING",
    "CLOSED",
    "FAILED",
    "stream_impl",
    "ControlCallback",
]

ControlCallback = Callable[[frame_type, bytes], object]

_WRITE_SLOTS: Final = ("_wait_close", "_wait_idle_ping", "_wait_rd", "_wait_ping", "_wait_wr")


# Shared defaults: set_option replaces these objects and nothing changes them in place,
# so every stream can start from the same two.
_DEFAULT_PMD: Final = permessage_deflate()
_DEFAULT_TIMEOUT: Final = stream_base.timeout()


class stream_impl(stream_base):
    """The shared state of a ``websocket.stream``; see the module's theory of operation."""

    __slots__ = (
        "__weakref__",
        "_auto_frag",
        "_conn",
        "_ctrl_cb",
        "_ctx",
        "_decorator",
        "_ec_delivered",
        "_executor",
        "_fast",
        "_idle",
        "_idle_counter",
        "_last_rx",
        "_next",
        "_pending",
        "_ping_at",
        "_plain",
        "_pmd",
        "_rbuf",
        "_rd_lock",
        "_rd_msg_max",
        "_role_server",
        "_rview",
        "_send_now",
        "_status",
        "_text",
        "_timed_out",
        "_timeout_opt",
        "_timer",
        "_timer_gen",
        "_user_close",
        "_user_hs",
        "_user_ping",
        "_user_rd",
        "_user_wr",
        "_wait_close",
        "_wait_idle_ping",
        "_wait_ping",
        "_wait_r_close",
        "_wait_r_rd",
        "_wait_rd",
        "_wait_wr",
        "_wr_buf_size",
        "_wr_lock",
        "_wr_waiters",
    )

    def __init__(self, next_layer: Any) -> None:
        for method in ("async_read_some", "async_write_some", "get_executor"):
            if not callable(getattr(next_layer, method, None)):
                raise TypeError(
                    f"websocket.stream needs a next layer with async_read_some, "
                    f"async_write_some and get_executor (a tcp.socket, beast.tcp_stream, "
                    f"testing.stream...), not {type(next_layer).__name__}"
                )
        ex: Executor = next_layer.get_executor()
        self._next: Any = next_layer
        self._executor = ex
        self._ctx: io_context = ex.context()
        # The fast path, decided once (see asiolike.detail.completion); with handler
        # tracking on, completions keep the standard (tracked) path.
        self._fast = fast_handlers(ex)
        self._plain = bool(self._fast)
        # A next layer that can write at once (tcp_stream, tcp.socket: their documented
        # ``_send_now``) lets a message's write skip the next layer's operation when the
        # kernel takes it all (see _send).
        self._send_now: Callable[[Any], int] | None = (
            getattr(next_layer, "_send_now", None) if self._plain else None
        )
        self._status = INIT
        self._conn: Connection | None = None
        self._role_server = False
        self._rbuf = bytearray(_RECV_MIN)
        self._rview = memoryview(self._rbuf)
        self._pending = b""
        self._rd_lock: stream_op | None = None
        self._wr_lock: stream_op | None = None
        self._wr_waiters = 0
        self._wait_close: stream_op | None = None
        self._wait_idle_ping: stream_op | None = None
        self._wait_rd: stream_op | None = None
        self._wait_ping: stream_op | None = None
        self._wait_wr: stream_op | None = None
        self._wait_r_close: stream_op | None = None
        self._wait_r_rd: stream_op | None = None
        # R6: which user operations are pending, until their handlers run (see above).
        self._user_rd = pending_mark()
        self._user_wr = pending_mark()
        self._user_ping = pending_mark()
        self._user_close = pending_mark()
        self._user_hs = pending_mark()
        self._ec_delivered = False
        self._timed_out = False
        self._ctrl_cb: ControlCallback | None = None
        self._decorator: Callable[[Any], object] | None = None
        self._pmd = _DEFAULT_PMD
        self._timeout_opt = _DEFAULT_TIMEOUT
        self._rd_msg_max = READ_MESSAGE_MAX
        self._auto_frag = True
        self._wr_buf_size = WRITE_BUFFER_BYTES
        self._text = True
        self._timer: steady_timer | None = None
        self._timer_gen = 0
        self._idle = False
        self._idle_counter = 0
        self._last_rx = 0.0
        self._ping_at = 0.0

    def __del__(self) -> None:
        # The timer's wait holds the stream weakly (see _timeout): a stream dropped with a
        # timeout armed ends that wait now, so that it is not outstanding work until it
        # expires. (getattr: __init__ may have raised before the timer slot was set.)
        timer = getattr(self, "_timer", None)
        if timer is not None:
            timer.cancel()

    # -- status -----------------------------------------------------------------------------

    def _check_stop(self, ec: error_code) -> error_code | None:
        """Beast's ``check_stop_now``: the error to finish with, or None to go on."""
        if self._timed_out:
            self._timed_out = False
            return _timeout_error
        if self._status >= CLOSED:
            return operation_aborted
        if not ec:
            return None
        if self._ec_delivered:
            return operation_aborted
        self._ec_delivered = True
        self._set_final(FAILED)
        return ec

    def _set_final(self, status: int) -> None:
        """Enter ``closed`` or ``failed``: no timer may outlive the connection."""
        self._status = status
        self._idle = False
        if self._timer is not None:
            self._timer_gen += 1
            self._timer.cancel()
        if len(self._rbuf) > _RECV_MIN:
            self._shrink_recv()  # an ended stream may be kept long: not its large buffer

    def _require_open(self, what: str) -> None:
        """Raise for an operation started before the handshake finished (R6)."""
        status = self._status
        if status == INIT:
            raise RuntimeError(
                f"websocket.stream.{what}: the stream is not open; complete handshake() "
                "(client) or accept() (server) first"
            )
        if status == HANDSHAKE:
            raise RuntimeError(
                f"websocket.stream.{what}: the handshake is still in progress; start "
                "it from the handshake's completion handler"
            )

    def _begin_handshake(self, what: str) -> None:
        """Reset the per-connection state for a new opening handshake (Beast's ``reset``)."""
        if self._user_hs.busy:
            raise RuntimeError(f"websocket.stream.{what}: a handshake is already in progress")
        status = self._status
        if status in (OPEN, CLOSING):
            raise RuntimeError(
                f"websocket.stream.{what}: the stream is already open; close it first"
            )
        if (
            self._rd_lock is not None
            or self._wr_lock is not None
            or self._user_rd.busy
            or self._user_wr.busy
            or self._user_close.busy
        ):
            raise RuntimeError(
                f"websocket.stream.{what}: operations of the previous connection are "
                "still pending; wait for their handlers first"
            )
        self._status = HANDSHAKE
        self._conn = None
        self._pending = b""
        self._ec_delivered = False
        self._timed_out = False

    def _open(self, server: bool, deflate: Any) -> None:
        """Enter ``open`` with a new protocol state; bytes read past the handshake go in."""
        conn = Connection(
            server,
            deflate,
            self._pmd,
            read_message_max=self._rd_msg_max,
            auto_fragment=self._auto_frag,
            write_buffer_bytes=self._wr_buf_size,
        )
        conn.text(self._text)
        self._conn = conn
        self._role_server = server
        self._status = OPEN
        if self._pending:
            conn.feed(self._pending)
            self._pending = b""

    # -- I/O helpers --------------------------------------------------------------------------

    def _send(self, op: stream_op, out: Any, now: bool = False) -> bool:
        """:func:`~asiolike.beast.websocket._stream_op.send` (for the operations of the
        handshake, close and ping; the message path calls the function)."""
        return send(self, op, out, now)

    def _read(self, op: Any) -> None:
        """:func:`~asiolike.beast.websocket._stream_op.start_read` (as ``_send``)."""
        start_read(self, op)

    def _received(self, n: int) -> memoryview:
        """:func:`~asiolike.beast.websocket._stream_op.received` (as ``_send``)."""
        return received(self, n)

    def _message_read(self) -> None:
        """A read operation finished: a message read whole needs no large buffer any more.

        The caller may take long before it reads again (writing the echo to a slow peer,
        say), so the buffer shrinks now rather than at the next read.
        """
        conn = self._conn
        if len(self._rbuf) > _RECV_MIN and conn is not None and conn.is_message_done():
            self._shrink_recv()

    def _buffer_bytes(self) -> int:
        """The bytes the stream's own receive-side buffers hold (for tests and debugging).

        The receive buffer, the undecoded input the core keeps (a view lent by
        :meth:`_received` is the receive buffer itself, not counted twice) and bytes read
        past the opening handshake.
        """
        conn = self._conn
        held = 0 if conn is None or type(conn._buf) is memoryview else len(conn._buf)
        return len(self._rbuf) + held + len(self._pending)

    def _shrink_recv(self) -> None:
        """Go back to a receive buffer of ``_RECV_MIN`` bytes (the core copies what it borrowed
        before the next read, see :meth:`_read`, so the old buffer is freed then at the latest).
        """
        self._rbuf = bytearray(_RECV_MIN)
        self._rview = memoryview(self._rbuf)

    # -- locks --------------------------------------------------------------------------------

    def _wr_release(self) -> None:
        """Give up the write lock, handing it to the first waiter in Beast's order."""
        self._wr_lock = None
        if not self._wr_waiters:
            return
        for slot in _WRITE_SLOTS:
            op: stream_op | None = getattr(self, slot)
            if op is not None:
                setattr(self, slot, None)
                self._wr_waiters -= 1
                self._wr_lock = op
                op._post(op._on_write_lock)  # type: ignore[attr-defined]
                return

    def _rd_release(self) -> None:
        """Give up the read lock, handing it to a waiting close (or read)."""
        self._rd_lock = None
        op = self._wait_r_close
        if op is not None:
            self._wait_r_close = None
        else:
            op = self._wait_r_rd
            if op is None:
                return
            self._wait_r_rd = None
        self._rd_lock = op
        op._post(op._on_read_lock)  # type: ignore[attr-defined]

    def _wr_wait(self, op: stream_op, slot: str) -> None:
        """Park ``op`` until the write lock is free (see ``_WRITE_SLOTS``)."""
        setattr(self, slot, op)
        self._wr_waiters += 1

    # -- used by the synchronous operations ----------------------------------------------------

    def _sync_read(self) -> int:
        """Block until some bytes arrive in the receive buffer; returns how many.

        Raises:
            system_error: the next layer's error (``eof``...).
        """
        conn = self._conn
        if conn is not None:
            conn.own_input()
            if len(self._rbuf) > _RECV_MIN and conn.is_message_done():
                self._shrink_recv()
        return int(self._next.read_some(self._rview))
