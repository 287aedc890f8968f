"""Writing a message or a piece of one (Beast's ``impl/write.hpp``).

The core turns the payload into frames (fragmented by ``auto_fragment`` and
``write_buffer_bytes``, masked on the client, compressed with permessage-deflate); this
operation takes the write lock and sends them in one go: small messages as one buffer, large
ones as one gathered ``async_write``. Frames are built only once the lock is held, so they
go out in the order the core made them. Unlike Beast, the lock is not given up between the
fragments of one message: a control frame waiting meanwhile goes out right after it.

After a close frame was sent (by ``close``, or as the answer to the peer's close) nothing
more may be written: the operation completes with ``operation_aborted``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typing_extensions import Buffer

from asiolike.beast.websocket._stream_op import CLOSED, OPEN, send, stream_op
from asiolike.detail.completion import composed_op
from asiolike.detail.handler_check import EC_BYTES
from asiolike.error import error_code, operation_aborted, success, system_error
from asiolike.write import write

if TYPE_CHECKING:
    from asiolike.beast.websocket._impl import stream_impl

__all__ = ["write_op", "write_payload", "write_sync"]


def write_payload(data: str | Buffer, what: str) -> bytes | bytearray | memoryview:
    """Check the payload of a write at once (a ``str`` is encoded as UTF-8).

    Raises:
        TypeError: ``data`` is neither bytes-like nor a ``str``.
    """
    t = type(data)
    if t is bytes or t is bytearray:
        return data  # type: ignore[return-value]
    if t is str:
        return data.encode("utf-8")  # type: ignore[union-attr]
    try:
        view = memoryview(data)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"websocket.stream.{what}: the payload is bytes-like or a str, not {t.__name__}"
        ) from None
    return view if view.format == "B" and view.ndim == 1 else view.cast("B")


class write_op(stream_op):
    """Frames one message (or a piece of it) and writes them."""

    handler_signature = EC_BYTES

    __slots__ = ("_data", "_fin", "_size")

    def __init__(
        self, handler: Any, ws: stream_impl, data: bytes | bytearray | memoryview, fin: bool
    ) -> None:
        composed_op.__init__(self, handler, ws._executor, ws._plain, ws._user_wr)
        self._ws = ws
        self._data = data
        self._fin = fin
        self._size = len(data)

    def start(self, cont: bool = False) -> None:
        """Begin (from the initiating function), or go on once the write lock is ours.

        One method for both, so that the usual write (the lock is free) costs one call.
        """
        ws = self._ws
        if not cont:
            if ws._timed_out or ws._status >= CLOSED:
                self._finish(False, ws._check_stop(success) or operation_aborted)
                return
            if ws._wr_lock is not None:
                ws._wr_wait(self, "_wait_wr")
                return
            ws._wr_lock = self
        conn = ws._conn
        assert conn is not None
        # A close frame goes out only after the status left OPEN (close, or the answer to
        # the peer's close): the core is asked only then.
        if ws._status != OPEN and conn.close_sent:
            self._finish(cont, operation_aborted)
            return
        if send(ws, self, conn.write(self._data, self._fin), True):
            self._finish(cont, success)  # the kernel took it all at once

    def _on_write_lock(self) -> None:
        stop = self._ws._check_stop(success)
        if stop is not None:
            self._finish(True, stop)
        else:
            self.start(True)

    def __call__(self, ec: error_code, n: int) -> None:
        off = self._off + n
        if off < self._total and not ec:
            self._off = off
            self._ws._next.async_write_some(
                memoryview(self._out)[off:],
                self.__call__ if self.plain_steps else self,
            )
            return
        ws = self._ws
        # ``is not success`` first: success is the shared constant, and its __bool__ is a
        # Python call (on every write).
        if (ec is not success and ec) or ws._timed_out or ws._status >= CLOSED:
            stop = ws._check_stop(ec)
            if stop is not None:
                self._finish(True, stop)
                return
        self._finish(True, success)

    def _finish(self, cont: bool, ec: error_code) -> None:
        ws = self._ws
        if ws._wr_lock is self:
            if ws._wr_waiters:
                ws._wr_release()
            else:
                ws._wr_lock = None  # what _wr_release does when nobody waits
        self.complete(cont, ec, self._size if ec is success or not ec else 0)


def write_sync(ws: stream_impl, data: bytes | bytearray | memoryview, fin: bool) -> int:
    """The blocking write; returns the payload size.

    Raises:
        system_error: ``operation_aborted`` (closed, or a close frame was sent), or the
            next layer's error.
    """
    stop = ws._check_stop(success)
    if stop is not None:
        raise system_error(stop, "write")
    conn = ws._conn
    assert conn is not None
    if conn.close_sent:
        raise system_error(operation_aborted, "write")
    try:
        write(ws._next, conn.write(data, fin))
    except system_error as exc:
        stop = ws._check_stop(exc.code)
        raise system_error(exc.code if stop is None else stop, "write") from None
    return len(data)
