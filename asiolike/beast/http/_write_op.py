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
for a handler without an associated executor, and calls such a handler directly at the
end when the stream's executor :func:`~asiolike.detail.scheduler.invokes_directly`.

Each write, and the end of the operation, is logged at DEBUG on ``asiolike.beast.http``
(the data cut short), as the readers do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final

from asiolike.beast.http._read_op import log, preview
from asiolike.beast.http.serializer import serializer
from asiolike.detail.completion import Executor, composed_op
from asiolike.detail.scheduler import invokes_directly
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


class write_op(composed_op):
    """``async_write_some`` / ``async_write_header`` / ``async_write`` with a serializer."""

    __slots__ = ("_sr", "_stream", "_total", "_until")

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

    def start(self) -> None:
        """Begin: complete at once (posted) if nothing is left to write."""
        if _reached(self._sr, self._until):
            self._done(False, success)
            return
        self._write(self._sr.next())

    def _write(self, data: Any) -> None:
        if log.isEnabledFor(_DEBUG):
            log.debug("writing %d bytes %s", memoryview(data).nbytes, preview(data))
        self._stream.async_write_some(
            data, self.__call__ if self.associated_executor is None else self
        )

    def _done(self, cont: bool, ec: error_code) -> None:
        if log.isEnabledFor(_DEBUG):
            log.debug("%s: %d bytes written, ec=%s", _NAMES[self._until], self._total, ec.name())
        self.complete(cont, ec, self._total)

    def __call__(self, ec: error_code, n: int) -> None:
        sr = self._sr
        if not ec:
            sr.consume(n)
        self._total += n
        # A write that moves nothing without an error would loop forever: stop, as
        # Asio's async_write does.
        if ec or n == 0 or self._until == SOME or _reached(sr, self._until):
            self._done(True, ec)
            return
        self._write(sr.next())


def write_sync(stream: Any, sr: serializer[Any], until: int, who: str) -> int:
    """The synchronous loop of ``write_some`` / ``write_header`` / ``write``.

    Returns:
        The number of bytes written.

    Raises:
        system_error: the stream's error.
    """
    write_some = stream.write_some
    total = 0
    while not _reached(sr, until):
        data = sr.next()
        assert data is not None  # not done, so there are octets to write
        if log.isEnabledFor(_DEBUG):
            log.debug("%s: writing %d bytes %s", who, memoryview(data).nbytes, preview(data))
        try:
            n = write_some(data)
        except OSError as exc:
            raise system_error(make_error_code(exc), who) from None
        sr.consume(n)
        total += n
        if n == 0 or until == SOME:
            break
    return total
