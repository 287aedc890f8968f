"""Reading messages, and answering control frames meanwhile (Beast's ``impl/read.hpp``).

Theory of operation. A read holds the read lock, feeds what the next layer delivers into
the receive buffer to the core, and drains the core's events:

* data: appended to the caller's dynamic buffer (or copied into its buffer). ``read``
  goes on until the message's last piece; ``read_some`` returns after the first piece;
* pong: reported to the control callback;
* ping: reported, then the core's pong is written under the write lock (after a message
  being written, as Beast does); not at all once a close frame was sent;
* the peer's close: reported, the core's echo (if we had not sent a close) is written,
  the transport is torn down, and the read completes with ``websocket.error.closed``;
* a protocol violation or a limit: the core's failing close frame (1002, 1007 or 1009) is
  written, the transport torn down, and the read completes with the core's error.

The control callback never runs inside the initiating call: an event that needs it on the
first step is handed to a posted continuation. A whole small message read costs the core's
decoding plus a handful of calls: one ``feed``, one ``next_event``, ``prepare``/``commit``
and the completion.

The caller's dynamic buffer bounds what is read: past its ``max_size`` the read fails with
``websocket.error.buffer_overflow`` (and the stream with it), as in Beast;
``read_message_max`` is the core's limit (``message_too_big``, close code 1009).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, Final

from asiolike.beast.core.error import timeout as _timeout_error
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.websocket import error
from asiolike.beast.websocket._events import (
    CloseEvent,
    DataEvent,
    ErrorEvent,
    Event,
    PingEvent,
    PongEvent,
)
from asiolike.beast.websocket._options import frame_type
from asiolike.beast.websocket._stream_op import (
    _DEBUG,
    _RECV_MIN,
    CLOSED,
    CLOSING,
    FAILED,
    OPEN,
    _log,
    received,
    send,
    start_read,
    stream_op,
)
from asiolike.beast.websocket._teardown import async_teardown, teardown
from asiolike.beast.websocket._timeout import update_timer
from asiolike.buffer import DynamicBuffer, buffer_overflow_error
from asiolike.detail.completion import composed_op
from asiolike.detail.handler_check import EC_BYTES
from asiolike.error import eof, error_code, operation_aborted, success, system_error
from asiolike.write import write

if TYPE_CHECKING:
    from asiolike.beast.websocket._impl import stream_impl
    from asiolike.beast.websocket._protocol import Connection

__all__ = ["read_op", "read_sync"]

_READ: Final = 0
_REPLY: Final = 1
_TEARDOWN: Final = 2
_UNLIMITED: Final = sys.maxsize
_monotonic = time.monotonic


def _enter_closing(ws: stream_impl) -> None:
    """The peer's close (or a failure) starts the closing handshake on our side."""
    if ws._status == OPEN:
        ws._status = CLOSING
        update_timer(ws)


class read_op(stream_op):
    """``async_read`` (a whole message) and ``async_read_some`` (some of one)."""

    handler_signature = EC_BYTES

    __slots__ = (
        "_buf",
        "_event",
        "_limit",
        "_max",
        "_n",
        "_pong",
        "_reply",
        "_result",
        "_some",
        "_view",
        "_whole",
    )

    def __init__(
        self,
        handler: Any,
        ws: stream_impl,
        buf: DynamicBuffer | None,
        view: memoryview | None,
        limit: int,
        some: bool,
    ) -> None:
        composed_op.__init__(self, handler, ws._executor, ws._plain, ws._user_rd)
        self._ws = ws
        self._step = _READ
        self._buf = buf
        self._view = view
        self._limit = limit
        self._some = some
        self._max = buf.max_size() if buf is not None else 0
        # A whole message into a buffer without a size limit: ``_read_message``.
        self._whole = buf is not None and not some and self._max == _UNLIMITED
        self._n = 0
        self._event: Event | None = None
        self._reply = b""
        self._pong = False
        self._result = success

    def start(self) -> None:
        ws = self._ws
        if ws._timed_out or ws._status >= CLOSED:
            self._finish(False, ws._check_stop(success) or operation_aborted)
        elif ws._rd_lock is not None:
            ws._wait_r_rd = self  # a close is reading: this read ends when it does
        else:
            ws._rd_lock = self
            if self._whole:
                assert self._buf is not None and ws._conn is not None
                self._read_message(False, ws._conn, self._buf)
            else:
                self._loop(False)

    def _on_read_lock(self) -> None:
        # Only a finished close hands the read lock to a read: nothing is left to read.
        self._finish(True, self._ws._check_stop(success) or operation_aborted)

    def _loop(self, cont: bool) -> None:
        ws = self._ws
        conn = ws._conn
        assert conn is not None
        buf = self._buf
        if self._whole:
            assert buf is not None
            self._read_message(cont, conn, buf)
            return
        while True:
            if buf is not None:
                lim = self._limit
                if self._max != _UNLIMITED:
                    space = self._max - buf.size()
                    if space <= 0:
                        self._overflow(cont)
                        return
                    if not lim or space < lim:
                        lim = space
            else:
                assert self._view is not None
                lim = len(self._view)
            ev = conn.next_event(lim)
            if ev is None:
                start_read(ws, self)
                return
            if type(ev) is DataEvent:
                data = ev.data
                k = len(data)
                if k:
                    if buf is not None:
                        try:
                            buf.prepare(k)[:k] = data
                        except buffer_overflow_error:
                            self._overflow(cont)
                            return
                        buf.commit(k)
                    else:
                        assert self._view is not None
                        self._view[:k] = data
                    self._n += k
                if ev.fin or self._some:
                    self._finish(cont, success)
                    return
                continue
            if not self._control(ev, cont):
                return

    def _read_message(self, cont: bool, conn: Connection, buf: DynamicBuffer) -> None:
        """``_loop`` for ``async_read`` into a buffer without a size limit (the usual case).

        The pieces of the message (one per frame, Beast's 4 KiB fragments by default) are
        appended to the buffer in one go: when the message ends, before waiting for more
        input and before a control frame, so that the buffer holds the same bytes as
        ``_loop`` would leave at every point where anything else can look at it.
        """
        pieces: list[bytes | memoryview] = []
        while True:
            ev = conn.next_event(0)
            if type(ev) is DataEvent:
                if ev.fin and not pieces and type(buf) is flat_buffer:
                    # A message in one frame into a flat_buffer (the usual case): no list,
                    # one append (flat_buffer's documented one-call prepare/copy/commit).
                    data = ev.data
                    try:
                        buf._append(data)
                    except buffer_overflow_error:
                        self._overflow(cont)
                        return
                    self._n += len(data)
                    self._finish(cont, success)
                    return
                if ev.data:
                    pieces.append(ev.data)
                if ev.fin:
                    if not pieces or self._append(pieces, buf, cont):
                        self._finish(cont, success)
                    return
                continue
            if pieces:
                if not self._append(pieces, buf, cont):
                    return
                pieces = []
            if ev is None:
                start_read(self._ws, self)
                return
            if not self._control(ev, cont):
                return

    def _append(self, pieces: list[bytes | memoryview], buf: DynamicBuffer, cont: bool) -> bool:
        """Append payload pieces to the buffer; False when it overflowed (op finished)."""
        data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        k = len(data)
        try:
            if type(buf) is flat_buffer:
                buf._append(data)
            else:
                buf.prepare(k)[:k] = data
                buf.commit(k)
        except buffer_overflow_error:
            self._overflow(cont)
            return False
        self._n += k
        return True

    def _control(self, ev: Event, cont: bool) -> bool:
        """Act on a control event; True to keep decoding, False when the op waits."""
        ws = self._ws
        cb = ws._ctrl_cb
        t = type(ev)
        if _log.isEnabledFor(_DEBUG):
            _log.debug("read control event %r", ev)
        if cb is not None and not cont and t is not ErrorEvent:
            self._event = ev  # the callback must not run inside the initiating call
            self._post(self._resume)
            return False
        if t is PongEvent:
            assert isinstance(ev, PongEvent)
            if cb is not None:
                cb(frame_type.pong, ev.payload)
            return True
        if t is PingEvent:
            assert isinstance(ev, PingEvent)
            if cb is not None:
                cb(frame_type.ping, ev.payload)
            self._answer(ev.reply, True, cont)
            return False
        if t is CloseEvent:
            assert isinstance(ev, CloseEvent)
            if cb is not None:
                cb(frame_type.close, ev.reason.reason.encode("utf-8"))
            self._result = error.closed
        else:
            assert isinstance(ev, ErrorEvent)
            self._result = ev.error
        _enter_closing(ws)
        self._answer(ev.reply, False, cont)
        return False

    def _resume(self) -> None:
        ev = self._event
        assert ev is not None
        self._event = None
        if self._control(ev, True):
            self._loop(True)

    def _answer(self, reply: bytes, pong: bool, cont: bool) -> None:
        """Write ``reply`` under the write lock; a close reply is followed by the teardown."""
        self._reply = reply
        self._pong = pong
        ws = self._ws
        if ws._wr_lock is None:
            ws._wr_lock = self
            self._write_reply(cont)
        else:
            ws._wr_wait(self, "_wait_rd")

    def _on_write_lock(self) -> None:
        self._write_reply(True)

    def _write_reply(self, cont: bool) -> None:
        ws = self._ws
        stop = ws._check_stop(success)
        if stop is not None:
            self._finish(cont, stop)
            return
        reply = self._reply
        conn = ws._conn
        assert conn is not None
        if self._pong and conn.close_sent:
            reply = b""  # a close frame went out while we waited: no pong after it
        if reply:
            self._step = _REPLY
            send(ws, self, reply)
        else:
            self._after_reply(cont)

    def _after_reply(self, cont: bool) -> None:
        ws = self._ws
        if self._pong:
            self._step = _READ
            ws._wr_release()
            self._loop(cont)
        else:
            self._step = _TEARDOWN
            async_teardown(ws, ws._role_server, self)

    def __call__(self, ec: error_code, n: int) -> None:
        ws = self._ws
        step = self._step
        if step == _READ:
            # ``is not success`` first: success is the shared constant, and its __bool__
            # is a Python call (on every read).
            if (ec is not success and ec) or ws._timed_out or ws._status >= CLOSED:
                stop = ws._check_stop(ec)
                if stop is not None:
                    self._finish(True, stop)
                    return
            if ws._idle:
                ws._last_rx = _monotonic()
            conn = ws._conn
            assert conn is not None
            conn.feed(received(ws, n), True)
            if self._whole:
                assert self._buf is not None
                self._read_message(True, conn, self._buf)
            else:
                self._loop(True)
        elif step == _REPLY:
            if self._more_to_write(ec, n):
                return
            stop = ws._check_stop(ec)
            if stop is not None:
                self._finish(True, stop)
                return
            self._after_reply(True)
        else:
            if ws._timed_out:
                ws._timed_out = False
                ec = _timeout_error
            elif ec == eof:
                ec = success
            if not ec:
                ec = self._result
            ws._set_final(CLOSED if not ec or ec == error.closed else FAILED)
            self._finish(True, ec)

    def _overflow(self, cont: bool) -> None:
        self._finish(cont, self._ws._check_stop(error.buffer_overflow) or operation_aborted)

    def _finish(self, cont: bool, ec: error_code) -> None:
        ws = self._ws
        if ws._rd_lock is self:
            if ws._wait_r_close is None and ws._wait_r_rd is None:
                ws._rd_lock = None  # what _rd_release does when nobody waits
            else:
                ws._rd_release()
        if ws._wr_lock is self:
            ws._wr_release()
        if len(ws._rbuf) > _RECV_MIN:
            ws._message_read()  # let go of a large receive buffer (see _stream_op._RECV_MIN)
        if _log.isEnabledFor(_DEBUG):
            _log.debug("read done: %d bytes, ec=%s", self._n, ec.name())
        self.complete(cont, ec, self._n)


def read_sync(
    ws: stream_impl, buf: DynamicBuffer | None, view: memoryview | None, limit: int, some: bool
) -> int:
    """The blocking read; returns the number of payload bytes delivered.

    Raises:
        system_error: ``websocket.error.closed`` after the closing handshake, a protocol
            error, ``buffer_overflow``, or the next layer's error.
    """
    stop = ws._check_stop(success)
    if stop is not None:
        raise system_error(stop, "read")
    conn = ws._conn
    assert conn is not None
    maxs = buf.max_size() if buf is not None else 0
    n = 0
    while True:
        if buf is not None:
            lim = limit
            if maxs != _UNLIMITED:
                space = maxs - buf.size()
                if space <= 0:
                    _raise(ws, error.buffer_overflow)
                if not lim or space < lim:
                    lim = space
        else:
            assert view is not None
            lim = len(view)
        ev = conn.next_event(lim)
        if ev is None:
            try:
                k = ws._sync_read()
            except system_error as exc:
                _raise(ws, exc.code)
            conn.feed(received(ws, k), True)
            continue
        if type(ev) is DataEvent:
            assert isinstance(ev, DataEvent)
            k = len(ev.data)
            if k:
                if buf is not None:
                    try:
                        buf.prepare(k)[:k] = ev.data
                    except buffer_overflow_error:
                        _raise(ws, error.buffer_overflow)
                    buf.commit(k)
                else:
                    assert view is not None
                    view[:k] = ev.data
                n += k
            if ev.fin or some:
                return n
            continue
        _sync_control(ws, ev)


def _sync_control(ws: stream_impl, ev: Event) -> None:
    cb = ws._ctrl_cb
    conn = ws._conn
    assert conn is not None
    if isinstance(ev, PongEvent):
        if cb is not None:
            cb(frame_type.pong, ev.payload)
        return
    if isinstance(ev, PingEvent):
        if cb is not None:
            cb(frame_type.ping, ev.payload)
        try:
            write(ws._next, ev.reply)
        except system_error as exc:
            _raise(ws, exc.code)
        return
    if isinstance(ev, CloseEvent):
        if cb is not None:
            cb(frame_type.close, ev.reason.reason.encode("utf-8"))
        result = error.closed
    else:
        assert isinstance(ev, ErrorEvent)
        result = ev.error
    _enter_closing(ws)
    if ev.reply:
        try:
            write(ws._next, ev.reply)
        except system_error as exc:
            _raise(ws, exc.code)
    ec = teardown(ws, ws._role_server)
    if ec == eof:
        ec = success
    ec = ec or result
    ws._set_final(CLOSED if ec == error.closed else FAILED)
    raise system_error(ec, "read")


def _raise(ws: stream_impl, ec: error_code) -> Any:
    stop = ws._check_stop(ec)
    raise system_error(ec if stop is None else stop, "read")
