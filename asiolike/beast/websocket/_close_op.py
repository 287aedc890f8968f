"""The closing handshake started by us (Beast's ``impl/close.hpp``).

``close`` sends the close frame under the write lock (after a message being written), then
needs the peer's close frame. If a read is pending it keeps the read lock: it decodes the
peer's close, tears the transport down and completes with ``websocket.error.closed``;
the close then completes with success. Otherwise the close reads itself, discarding data
frames (pings and pongs are ignored once closing, as in Beast), until the peer's close,
then tears the transport down: the server closes first, the client waits for the
server's end of file (see ``_teardown``).

If the peer's close (or a protocol violation) was decoded before our frame went out, the
read that decoded it sends the answer instead; the close waits for it to finish and
completes with success when that completed the closing handshake.
With a ``handshake_timeout`` the closing handshake is bounded by it
(``beast.error.timeout``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from asiolike.beast.core.error import timeout as _timeout_error
from asiolike.beast.websocket._events import CloseEvent, DataEvent, ErrorEvent
from asiolike.beast.websocket._impl import CLOSED, CLOSING, FAILED, OPEN
from asiolike.beast.websocket._stream_op import stream_op
from asiolike.beast.websocket._teardown import async_teardown, teardown
from asiolike.beast.websocket._timeout import update_timer
from asiolike.beast.websocket.rfc6455 import close_reason
from asiolike.detail.completion import composed_op
from asiolike.detail.handler_check import EC
from asiolike.error import eof, error_code, operation_aborted, success, system_error
from asiolike.write import write

if TYPE_CHECKING:
    from asiolike.beast.websocket._impl import stream_impl
    from asiolike.beast.websocket._protocol import Connection

__all__ = ["close_op", "close_sync"]

_SEND: Final = 0
_WRITE: Final = 1
_READ: Final = 2
_TEARDOWN_WAIT: Final = 3
_TEARDOWN: Final = 4


def _drain(conn: Connection) -> tuple[bool, error_code]:
    """Decode what is buffered, discarding data: ``(done, error)``; done at the peer's close."""
    while True:
        ev = conn.next_event(0)
        if ev is None:
            return False, success
        t = type(ev)
        if t is DataEvent:
            continue
        if t is CloseEvent:
            return True, success
        if t is ErrorEvent:
            assert isinstance(ev, ErrorEvent)
            return True, ev.error
        # Pings and pongs are not reported once closing.


def _begin_closing(ws: stream_impl) -> None:
    if ws._status == OPEN:
        ws._status = CLOSING
    update_timer(ws)


class close_op(stream_op):
    """Send our close frame, wait for the peer's, tear down."""

    handler_signature = EC

    __slots__ = ("_cr", "_result")

    def __init__(self, handler: Any, ws: stream_impl, cr: close_reason) -> None:
        composed_op.__init__(self, handler, ws._executor, ws._plain, ws._user_close)
        self._ws = ws
        self._cr = cr
        self._result = success
        self._step = _SEND

    def start(self) -> None:
        ws = self._ws
        if ws._timed_out or ws._status >= CLOSED:
            self._finish(False, ws._check_stop(success) or operation_aborted)
        elif ws._wr_lock is None:
            ws._wr_lock = self
            self._send_close(False)
        else:
            ws._wr_wait(self, "_wait_close")

    def _on_write_lock(self) -> None:
        ws = self._ws
        if ws._status == CLOSED and not ws._timed_out:
            self._finish(True, success)  # a read answered the peer's close meanwhile
            return
        stop = ws._check_stop(success)
        if stop is not None:
            self._finish(True, stop)
        elif self._step == _TEARDOWN_WAIT:
            self._teardown(True)
        else:
            self._send_close(True)

    def _send_close(self, cont: bool) -> None:
        ws = self._ws
        conn = ws._conn
        assert conn is not None
        if conn.close_sent:
            # A read decoded the peer's close (or failed the connection) and answers it.
            self._await_read(cont)
            return
        frame = conn.close(self._cr)
        _begin_closing(ws)
        self._step = _WRITE
        ws._send(self, frame)

    def _await_read(self, cont: bool) -> None:
        ws = self._ws
        if ws._wr_lock is self:
            ws._wr_release()
        if ws._rd_lock is None:
            ws._rd_lock = self
            self._read(cont)
        else:
            ws._wait_r_close = self

    def _on_read_lock(self) -> None:
        ws = self._ws
        if ws._timed_out:
            ws._timed_out = False
            self._finish(True, _timeout_error)
        elif ws._status == CLOSED:
            self._finish(True, success)  # the read finished the closing handshake
        elif ws._status == FAILED:
            self._finish(True, operation_aborted)
        else:
            self._read(True)

    def _read(self, cont: bool) -> None:
        ws = self._ws
        conn = ws._conn
        assert conn is not None
        done, ec = _drain(conn)
        if not done:
            self._step = _READ
            ws._read(self)
            return
        self._result = ec
        if ws._wr_lock is None:
            ws._wr_lock = self
            self._teardown(cont)
        else:
            self._step = _TEARDOWN_WAIT
            ws._wr_wait(self, "_wait_close")

    def _teardown(self, cont: bool) -> None:
        self._step = _TEARDOWN
        ws = self._ws
        async_teardown(ws, ws._role_server, self)

    def __call__(self, ec: error_code, n: int) -> None:
        ws = self._ws
        step = self._step
        if step == _WRITE:
            if self._more_to_write(ec, n):
                return
            stop = ws._check_stop(ec)
            if stop is not None:
                self._finish(True, stop)
                return
            self._await_read(True)
        elif step == _READ:
            stop = ws._check_stop(ec)
            if stop is not None:
                self._finish(True, stop)
                return
            conn = ws._conn
            assert conn is not None
            conn.feed(ws._received(n))
            self._read(True)
        else:
            if ws._timed_out:
                ws._timed_out = False
                ec = _timeout_error
            elif ec is success or ec == eof or not ec:
                # The transport went down cleanly: the closing handshake's result decides.
                ec = self._result
            ws._set_final(CLOSED if ec is success or not ec else FAILED)
            self._finish(True, ec)

    def _finish(self, cont: bool, ec: error_code) -> None:
        ws = self._ws
        if ws._rd_lock is self:
            ws._rd_release()
        if ws._wr_lock is self:
            ws._wr_release()
        self.complete(cont, ec)


def close_sync(ws: stream_impl, cr: close_reason) -> None:
    """The blocking close.

    Raises:
        system_error: ``operation_aborted`` (already closed), a protocol error seen while
            closing, or the next layer's error.
    """
    stop = ws._check_stop(success)
    if stop is not None:
        raise system_error(stop, "close")
    conn = ws._conn
    assert conn is not None
    if conn.close_sent:
        raise system_error(operation_aborted, "close")
    frame = conn.close(cr)
    _begin_closing(ws)
    try:
        write(ws._next, frame)
        done, result = _drain(conn)
        while not done:
            conn.feed(ws._received(ws._sync_read()))
            done, result = _drain(conn)
    except system_error as exc:
        stop = ws._check_stop(exc.code)
        raise system_error(exc.code if stop is None else stop, "close") from None
    ec = teardown(ws, ws._role_server)
    if ec == eof:
        ec = success
    ec = ec or result
    ws._set_final(FAILED if ec else CLOSED)
    if ec:
        raise system_error(ec, "close")
