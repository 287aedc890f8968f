"""The composed operation of ``async_write`` over a buffer sequence, and its cursor.

Theory of operation: see :mod:`asiolike.write`, whose public functions check their
arguments and start this (one contiguous buffer with ``transfer_all`` takes
:class:`asiolike.detail.read_op.transfer_all_op` instead). It lives here, apart from the
public functions, so that the compiled build compiles it (as
:mod:`asiolike.detail.read_op`, whose docstring says why a completion condition is
called as returning ``object``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from asiolike.buffer import DynamicBuffer
from asiolike.completion_condition import _TRANSFER_ALL, _adapt_result, default_max_transfer_size
from asiolike.detail.completion import Executor, composed_op
from asiolike.detail.handler_check import EC_BYTES
from asiolike.detail.read_op import Condition
from asiolike.error import error_code, success

__all__ = ["EMPTY", "GATHER_MAX", "GATHER_MIN", "cursor", "write_op"]

# Buffers smaller than this, followed by more buffers, are joined (up to GATHER_MAX bytes).
GATHER_MIN: Final = 16384
GATHER_MAX: Final = 65536
EMPTY: Final = memoryview(b"")


class cursor:
    """The unwritten part of a buffer sequence: the current chunk, then the rest."""

    __slots__ = ("current", "following", "next")

    def __init__(self, views: list[memoryview]) -> None:
        self.following = views
        self.next = 0
        self.current = EMPTY
        self.load()

    def load(self) -> None:
        """Make ``current`` the next non-empty chunk (``EMPTY`` at the end)."""
        views = self.following
        count = len(views)
        i = self.next
        while i < count and views[i].nbytes == 0:
            i += 1
        if i == count:
            self.next = i
            self.current = EMPTY
            return
        first = views[i]
        i += 1
        if first.nbytes >= GATHER_MIN or i == count or views[i].nbytes >= GATHER_MIN:
            self.next = i
            self.current = first
            return
        parts = [first]
        total = first.nbytes
        while i < count:
            view = views[i]
            if view.nbytes >= GATHER_MIN or total + view.nbytes > GATHER_MAX:
                break
            parts.append(view)
            total += view.nbytes
            i += 1
        self.next = i
        self.current = memoryview(b"".join(parts)) if len(parts) > 1 else first

    def chunk(self, limit: int) -> memoryview:
        """What the next step writes: at most ``limit`` bytes of ``current``."""
        current = self.current
        return current if current.nbytes <= limit else current[:limit]

    def advance(self, n: int) -> None:
        """``n`` bytes of the last chunk were written."""
        current = self.current
        if n < current.nbytes:
            self.current = current[n:]
        else:
            self.load()


class write_op(composed_op):
    """Writes a buffer sequence (and, for a dynamic buffer, consumes what was written)."""

    handler_signature = EC_BYTES

    __slots__ = ("_chunk", "_condition", "_cursor", "_dynbuf", "_size", "_stream", "_total")

    def __init__(
        self,
        handler: Callable[[error_code, int], object],
        io_executor: Executor,
        stream: Any,
        views: list[memoryview],
        condition: Condition,
        dynbuf: DynamicBuffer | None,
    ) -> None:
        super().__init__(handler, io_executor)
        self._stream = stream
        self._size = sum(view.nbytes for view in views)
        self._cursor = cursor(views)
        self._condition = condition
        self._total = 0
        self._dynbuf = dynbuf
        self._chunk: memoryview | None = None

    def start(self) -> None:
        limit = _adapt_result(self._condition(success, 0), "async_write")
        if limit == 0 or self._size == 0:
            self._finish(False, success)
            return
        self._send(self._cursor.chunk(limit))

    def __call__(self, ec: error_code, n: int) -> None:
        total = self._total = self._total + n
        if total >= self._size or (n == 0 and not ec):
            self._finish(True, ec)
            return
        condition = self._condition
        if condition is _TRANSFER_ALL:
            limit = 0 if ec else default_max_transfer_size
        else:
            result = condition(ec, total)
            if type(result) is int and result > 0:
                limit = result
            else:
                limit = _adapt_result(result, "async_write")
        if limit == 0:
            self._finish(True, ec)
            return
        cursor = self._cursor
        cursor.advance(n)
        self._send(cursor.chunk(limit))

    def _send(self, chunk: memoryview) -> None:
        self._chunk = chunk
        self._stream.async_write_some(chunk, self)

    def _finish(self, cont: bool, ec: error_code) -> None:
        # Release every view of the caller's memory this operation made (the stream may
        # still hold the last chunk): the handler may then resize or clear its bytearray,
        # and a dynamic_buffer can consume.
        cursor = self._cursor
        chunk = self._chunk
        if chunk is not None:
            self._chunk = None
            chunk.release()
        if cursor.current is not EMPTY:
            cursor.current.release()
        for view in cursor.following:
            view.release()
        dynbuf = self._dynbuf
        if dynbuf is not None:
            self._dynbuf = None
            dynbuf.consume(self._total)
        self.complete(cont, ec, self._total)
