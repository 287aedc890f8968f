"""Sending a ping or an unsolicited pong (Beast's ``impl/ping.hpp``).

A ping waits for the write lock (a message being written goes out first), then writes one
control frame. The same operation, without a handler, sends the keep-alive ping of the idle
timeout. After a close frame was sent nothing more may be written: the operation completes
with ``operation_aborted``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from typing_extensions import Buffer

from asiolike.beast.websocket._impl import CLOSED
from asiolike.beast.websocket._stream_op import stream_op
from asiolike.beast.websocket.rfc6455 import ping_data_max
from asiolike.detail.completion import composed_op
from asiolike.detail.handler_check import EC
from asiolike.error import error_code, operation_aborted, success, system_error
from asiolike.write import write

if TYPE_CHECKING:
    from asiolike.beast.websocket._impl import stream_impl

__all__ = ["ping_op", "ping_payload", "ping_sync", "start_idle_ping"]

_EMPTY: Final = b""


def ping_payload(payload: str | Buffer, what: str) -> bytes:
    """Check and convert a ping/pong payload (a ``str`` is sent as UTF-8).

    Raises:
        TypeError: ``payload`` is neither bytes-like nor a ``str``.
        ValueError: it is longer than 125 bytes.
    """
    if isinstance(payload, str):
        data = payload.encode("utf-8")
    else:
        try:
            data = bytes(memoryview(payload))
        except TypeError:
            raise TypeError(
                f"websocket.stream.{what}: the payload is bytes-like or a str, "
                f"not {type(payload).__name__}"
            ) from None
    if len(data) > ping_data_max:
        raise ValueError(
            f"websocket.stream.{what}: a control frame payload is at most {ping_data_max} "
            f"bytes, got {len(data)}"
        )
    return data


class ping_op(stream_op):
    """One ping or pong frame; ``idle`` marks the keep-alive ping (no handler)."""

    handler_signature = EC

    __slots__ = ("_idle", "_payload", "_pong")

    def __init__(
        self, handler: Any, ws: stream_impl, payload: bytes, pong: bool, idle: bool = False
    ) -> None:
        # The keep-alive ping is the stream's own: no user ping is pending for it.
        composed_op.__init__(
            self, handler, ws._executor, ws._plain, None if idle else ws._user_ping
        )
        self._ws = ws
        self._payload = payload
        self._pong = pong
        self._idle = idle

    def start(self) -> None:
        ws = self._ws
        stop = ws._check_stop(success) if not self._idle else None
        if stop is not None:
            self._finish(False, stop)
            return
        if ws._wr_lock is None:
            ws._wr_lock = self
            self._write(False)
        else:
            ws._wr_wait(self, "_wait_idle_ping" if self._idle else "_wait_ping")

    def _on_write_lock(self) -> None:
        ws = self._ws
        if self._idle:
            if ws._status >= CLOSED or ws._timed_out:
                self._finish(True, success)
                return
        else:
            stop = ws._check_stop(success)
            if stop is not None:
                self._finish(True, stop)
                return
        self._write(True)

    def _write(self, cont: bool) -> None:
        ws = self._ws
        conn = ws._conn
        assert conn is not None
        if conn.close_sent:
            self._finish(cont, operation_aborted)
            return
        frame = conn.pong(self._payload) if self._pong else conn.ping(self._payload)
        ws._send(self, frame)

    def __call__(self, ec: error_code, n: int) -> None:
        if self._more_to_write(ec, n):
            return
        if self._idle:
            # A failed keep-alive ping leaves the error to the pending read, which sees it.
            self._finish(True, success)
            return
        stop = self._ws._check_stop(ec)
        self._finish(True, success if stop is None else stop)

    def _finish(self, cont: bool, ec: error_code) -> None:
        ws = self._ws
        if ws._wr_lock is self:
            ws._wr_release()
        if self._idle:
            return
        self.complete(cont, ec)


def start_idle_ping(ws: stream_impl) -> None:
    """Send the idle timeout's keep-alive ping unless one is already waiting to go out."""
    if ws._wait_idle_ping is not None or ws._conn is None:
        return
    ping_op(None, ws, _EMPTY, False, True).start()


def ping_sync(ws: stream_impl, payload: bytes, pong: bool, what: str) -> None:
    """The blocking ping/pong.

    Raises:
        system_error: ``operation_aborted`` (closed, or a close frame was sent), or the
            next layer's error.
    """
    ws._require_open(what)
    stop = ws._check_stop(success)
    if stop is not None:
        raise system_error(stop, what)
    conn = ws._conn
    assert conn is not None
    if conn.close_sent:
        raise system_error(operation_aborted, what)
    frame = conn.pong(payload) if pong else conn.ping(payload)
    try:
        write(ws._next, frame)
    except system_error as exc:
        stop = ws._check_stop(exc.code)
        raise system_error(exc.code if stop is None else stop, what) from None
