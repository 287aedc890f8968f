"""The HTTP writers: a serializer drained into a stream (Beast's ``write.hpp``).

Theory of operation. One loop serves ``write_some``, ``write_header`` and ``write``,
which differ only in when they stop: after one ``write_some`` of the stream, once the
header is written, or once the whole message is. Each turn hands the serializer's next
buffer to the stream and reports what was written with ``consume``. The serializer makes
the buffers: the header and a body of up to 16 KiB come as one buffer (one system call);
a larger body is written from the message's own memory, never copied. ``n`` in the
result is the number of bytes written.

Writing never reports ``end_of_stream``: as in Beast since version 1.70, the caller
decides from ``msg.need_eof()`` (or ``keep_alive()``) whether to close the connection
after the message.

The asynchronous form is a :class:`~asiolike.detail.completion.composed_op` over the
stream's ``async_write_some``; a serializer that is already done completes at once,
through the queue (rule R1). As the reader, it gives the stream its bound ``__call__``
when ``plain_steps`` (no associated executor, no cancellation slot), and calls a plain
handler directly at the
end when the stream's executor :func:`~asiolike.detail.scheduler.invokes_directly`.

Each write, and the end of the operation, is logged at DEBUG on ``asiolike.beast.http``
(the data cut short), as the readers do.

Bodies streamed by a writer: the serializer raises ``system_error`` when the body's writer
fails or has no octets yet (``need_buffer``, a ``buffer_body``); the operation completes
with that code, the bytes written so far in ``n``.

``os.sendfile``: when the stream is a plain ``tcp.socket`` or a ``beast.tcp_stream`` and
the rest of the message is a file's range (``serializer.sendfile_source``: a ``file_body``
sent whole), the file goes from the kernel's page cache to the socket without passing
through Python. The socket is non-blocking: when it is full (``EAGAIN``), the next
:data:`WAIT_PIECE` octets of the file are written through the stream's ``async_write_some``
instead, which waits for room under the stream's own rules (its deadline, its
cancellation), and sendfile resumes after it: a slow reader costs one small copy per
wait, not the whole file through Python. TLS and other streams get the serializer's
pieces through ``async_write_some`` only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, Final

from asiolike.beast.core.tcp_stream import basic_stream
from asiolike.beast.http import error
from asiolike.beast.http._read_op import log, preview
from asiolike.beast.http._serializer_core import consume, next_buffer
from asiolike.beast.http.serializer import serializer
from asiolike.detail.completion import Executor, composed_op
from asiolike.detail.handler_check import EC_BYTES
from asiolike.detail.scheduler import invokes_directly
from asiolike.detail.stream_socket import basic_stream_socket
from asiolike.error import error_code, make_error_code, success, system_error

__all__ = ["SOME", "HEADER", "MESSAGE", "write_op", "write_sync", "check_serializer"]

SOME: Final = 0
"""Stop after one write of the stream (``write_some``)."""
HEADER: Final = 1
"""Stop once the header is written (``write_header``)."""
MESSAGE: Final = 2
"""Stop once the message is written (``write``)."""

WriteHandler = Callable[[error_code, int], object]

_DEBUG: Final = logging.DEBUG
_NAMES: Final = ("async_write_some", "async_write_header", "async_write")


def check_serializer(sr: object, who: str) -> serializer[Any]:
    """Raise TypeError unless ``sr`` is an ``http.serializer``; returns it."""
    if not isinstance(sr, serializer):
        raise TypeError(
            f"{who}: expected an http.serializer (or, for write, a message), "
            f"not {type(sr).__name__}"
        )
    return sr


def _reached(sr: serializer[Any], until: int) -> bool:
    return sr.is_done() if until != HEADER else sr.is_header_done()


_SENDFILE_STEP: Final = 1 << 30

WAIT_PIECE: Final = 4096
"""How much of a file goes through the stream's write while the socket is full."""


def sendfile_fd(stream: Any, sr: serializer[Any], until: int) -> int:
    """The socket descriptor to ``os.sendfile`` the body to, or -1 (see the module)."""
    if until == HEADER or not sr.can_sendfile() or not hasattr(os, "sendfile"):
        return -1
    if isinstance(stream, basic_stream):
        stream = stream.socket()
    if not isinstance(stream, basic_stream_socket) or not stream.is_open():
        return -1
    try:
        return int(stream.native_handle())
    except OSError:
        return -1


def try_sendfile(out: int, sr: serializer[Any], until: int) -> tuple[int, error_code | None]:
    """Send the file range the serializer offers until the socket is full.

    Returns:
        ``(n, ec)``: the octets sent and ``None`` to go on with a write of the stream
        (the socket is full, or there is no file range now), or an error code (success
        when the operation is done).
    """
    total = 0
    while True:
        source = sr.sendfile_source()
        if source is None:
            return total, None
        fd, offset, count = source
        try:
            n = os.sendfile(out, fd, offset, min(count, _SENDFILE_STEP))
        except BlockingIOError:
            return total, None
        except OSError as exc:
            return total, make_error_code(exc)
        if n == 0:
            return total, error.short_read  # the file got shorter than its Content-Length
        sr.sendfile_consume(n)
        total += n
        if until == SOME or sr.is_done():
            return total, success


def wait_piece(sr: serializer[Any]) -> tuple[bytes | None, error_code]:
    """After ``EAGAIN``: the next octets of the file range, to write through the stream.

    Returns:
        ``(piece, success)``, ``(None, success)`` when no file range is pending (the
        serializer has pieces of its own), or ``(None, ec)`` when the file cannot be read.
    """
    source = sr.sendfile_source()
    if source is None:
        return None, success
    fd, offset, count = source
    try:
        piece = os.pread(fd, min(count, WAIT_PIECE), offset)
    except OSError as exc:
        return None, make_error_code(exc)
    return (piece, success) if piece else (None, error.short_read)


class write_op(composed_op):
    """``async_write_some`` / ``async_write_header`` / ``async_write`` with a serializer."""

    handler_signature = EC_BYTES

    __slots__ = ("_out", "_range", "_sr", "_stream", "_total", "_until")

    def __init__(
        self,
        handler: WriteHandler,
        io_executor: Executor,
        stream: Any,
        sr: serializer[Any],
        until: int,
    ) -> None:
        composed_op.__init__(self, handler, io_executor, invokes_directly(io_executor))
        self._stream = stream
        self._sr = sr
        self._until = until
        self._total = 0
        self._out = sendfile_fd(stream, sr, until)
        # Whether the write in flight is a piece of the file range (see wait_piece).
        self._range = False

    def start(self) -> None:
        """Begin: complete at once (posted) if nothing is left to write."""
        if _reached(self._sr, self._until):
            self._done(False, success)
            return
        self._step(False)

    def _step(self, cont: bool) -> None:
        sr = self._sr
        if self._out >= 0:
            n, ec = try_sendfile(self._out, sr, self._until)
            self._total += n
            if ec is not None:
                self._done(cont, ec)
                return
            piece, ec = wait_piece(sr)
            if ec:
                self._done(cont, ec)
                return
            if piece is not None:
                self._range = True
                self._write(piece)
                return
        try:
            data = next_buffer(sr)
        except system_error as exc:
            # The body's writer failed, or has nothing yet (need_buffer).
            self._done(cont, exc.code)
            return
        if data is None:
            self._done(cont, success)
            return
        self._write(data)

    def _write(self, data: Any) -> None:
        if log.isEnabledFor(_DEBUG):
            log.debug("writing %d bytes %s", memoryview(data).nbytes, preview(data))
        self._stream.async_write_some(data, self.__call__ if self.plain_steps else self)

    def _done(self, cont: bool, ec: error_code) -> None:
        if log.isEnabledFor(_DEBUG):
            log.debug("%s: %d bytes written, ec=%s", _NAMES[self._until], self._total, ec.name())
        self.complete(cont, ec, self._total)

    def __call__(self, ec: error_code, n: int) -> None:
        sr = self._sr
        if not ec:
            if self._range:
                sr.sendfile_consume(n)
            else:
                consume(sr, n)
        self._range = False
        self._total += n
        # A write that moves nothing without an error would loop forever: stop, as
        # Asio's async_write does.
        if ec or n == 0 or self._until == SOME or _reached(sr, self._until):
            self._done(True, ec)
            return
        self._step(True)


def write_sync(stream: Any, sr: serializer[Any], until: int, who: str) -> int:
    """The synchronous loop of ``write_some`` / ``write_header`` / ``write``.

    Returns:
        The number of bytes written.

    Raises:
        system_error: the stream's error.
    """
    write_some = stream.write_some
    total = 0
    out = sendfile_fd(stream, sr, until)
    while not _reached(sr, until):
        if out >= 0:
            n, ec = try_sendfile(out, sr, until)
            total += n
            if ec is not None:
                if ec:
                    raise system_error(ec, who)
                return total
            piece, ec = wait_piece(sr)
            if ec:
                raise system_error(ec, who)
            if piece is not None:
                # The socket is full: write_some waits for room.
                try:
                    n = write_some(piece)
                except OSError as exc:
                    raise system_error(make_error_code(exc), who) from None
                sr.sendfile_consume(n)
                total += n
                if n == 0 or until == SOME:
                    break
                continue
        data = next_buffer(sr)  # raises the writer's system_error (need_buffer...)
        if data is None:
            break
        if log.isEnabledFor(_DEBUG):
            log.debug("%s: writing %d bytes %s", who, memoryview(data).nbytes, preview(data))
        try:
            n = write_some(data)
        except OSError as exc:
            raise system_error(make_error_code(exc), who) from None
        consume(sr, n)
        total += n
        if n == 0 or until == SOME:
            break
    return total
