"""The composed operations of ``async_read`` (and the one-buffer path ``async_write`` shares).

Theory of operation: see :mod:`asiolike.read`, whose public functions check their
arguments and start these. They live here, apart from the public functions, so that the
compiled build compiles them (docs/explanation/compiled.rst): mypyc keeps no docstrings
and registers no ``@overload`` variants, which the public functions need.

A completion condition is called here as returning ``object``, not ``int``: compiled, an
``int`` result is unboxed, and a condition returning ``True`` (done, in Asio) would read as
``1``. Its result goes through :func:`~asiolike.completion_condition._adapt_result` unless
it is a positive ``int``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from asiolike.buffer import DynamicBuffer
from asiolike.completion_condition import _TRANSFER_ALL, _adapt_result, default_max_transfer_size
from asiolike.detail.completion import Executor, composed_op
from asiolike.detail.handler_check import EC_BYTES
from asiolike.detail.scheduler import fast_handlers
from asiolike.error import error_code, success

__all__ = [
    "MIN_PREPARE",
    "Condition",
    "prepare_size",
    "read_dynbuf_op",
    "read_op",
    "transfer_all_now",
    "transfer_all_op",
]

#: A completion condition as these operations call it (see the module's docstring).
Condition = Callable[[error_code, int], object]

#: The least a step into a dynamic buffer prepares (Asio's value).
MIN_PREPARE: Final = 512


def prepare_size(dynbuf: DynamicBuffer, limit: int) -> int:
    """Asio's step size for dynamic buffers: at least 512, capped by both limits."""
    size = dynbuf.size()
    room = dynbuf.max_size() - size
    if limit > room:
        limit = room
    spare = dynbuf.capacity() - size
    want = spare if spare > MIN_PREPARE else MIN_PREPARE
    return want if want < limit else limit


class read_op(composed_op):
    """Fills a fixed buffer; ``start()`` asks the condition and makes the first read."""

    handler_signature = EC_BYTES

    __slots__ = ("_condition", "_size", "_slice", "_stream", "_total", "_view")

    def __init__(
        self,
        handler: Callable[[error_code, int], object],
        io_executor: Executor,
        stream: Any,
        view: memoryview,
        condition: Condition,
    ) -> None:
        super().__init__(handler, io_executor)
        self._stream = stream
        self._view = view
        self._size = view.nbytes
        self._condition = condition
        self._total = 0
        self._slice = view

    def start(self) -> None:
        limit = _adapt_result(self._condition(success, 0), "async_read")
        if limit == 0 or self._size == 0:
            self._finish(False, success, 0)
            return
        view = self._slice = self._view[: min(limit, self._size)]
        self._stream.async_read_some(view, self)

    def _finish(self, cont: bool, ec: error_code, total: int) -> None:
        # Release the views of the caller's buffer (the stream may still hold the last
        # one), so that the handler may resize its bytearray.
        self._slice.release()
        self._view.release()
        self.complete(cont, ec, total)

    def __call__(self, ec: error_code, n: int) -> None:
        total = self._total + n
        self._total = total
        size = self._size
        if total >= size or (n == 0 and not ec):
            self._finish(True, ec, total)
            return
        condition = self._condition
        if condition is _TRANSFER_ALL:
            limit = 0 if ec else default_max_transfer_size
        else:
            result = condition(ec, total)
            if type(result) is int and result > 0:
                limit = result
            else:
                limit = _adapt_result(result, "async_read")
        if limit == 0:
            self._finish(True, ec, total)
            return
        end = total + limit
        view = self._slice = self._view[total : end if end < size else size]
        self._stream.async_read_some(view, self)


class transfer_all_op(composed_op):
    """The common case of ``async_read`` and ``async_write``: one contiguous buffer,
    ``transfer_all``, no cursor and no condition calls.

    ``some`` is the stream's bound ``async_read_some`` or ``async_write_some``: the two
    directions differ in nothing else. Each step passes the stream this op's bound
    ``__call__`` when the final handler has no associated executor (a plain callable: the
    stream completes it by its fast path), else the op itself (whose association the
    stream then honours for the step). Constructing the op starts it, as Beast's
    operations start in their constructor.
    """

    handler_signature = EC_BYTES

    __slots__ = ("_piece", "_some", "_total", "_view")

    def __init__(
        self,
        handler: Callable[[error_code, int], object],
        io_executor: Executor,
        direct: bool,
        some: Callable[[memoryview, Any], object],
        view: memoryview,
    ) -> None:
        composed_op.__init__(self, handler, io_executor, direct)
        self._some = some
        self._view = view
        self._total = 0
        size = view.nbytes
        if size == 0:
            view.release()
            self.complete(False, success, 0)
            return
        cap = default_max_transfer_size
        piece = self._piece = view if size <= cap else view[:cap]
        some(piece, self.__call__ if self.plain_steps else self)

    def __call__(self, ec: error_code, n: int) -> None:
        total = self._total = self._total + n
        view = self._view
        size = view.nbytes
        # ``success`` by identity first: no error_code call on the common path.
        if total >= size or n == 0 or (ec is not success and ec):
            # Release the views of the caller's buffer (the stream may still hold the
            # last one), so that the handler may resize its bytearray.
            piece = self._piece
            if piece is not view:
                piece.release()
            view.release()
            self.complete(True, ec, total)
            return
        end = total + default_max_transfer_size
        self._piece = view[total : end if end < size else size]
        self._some(self._piece, self.__call__ if self.plain_steps else self)


def transfer_all_now(stream: Any, reading: bool, view: memoryview, token: object) -> bool:
    """The fast path of ``async_read``/``async_write`` (one buffer, ``transfer_all``).

    Taken when ``token`` is a plain handler and the stream's executor allows the fast path
    (:func:`~asiolike.detail.scheduler.fast_handlers`, the one query every I/O object
    asks): then ``async_initiate`` has nothing to do. Returns False (nothing started) for
    everything else, which takes the general path and its checks.
    """
    try:
        some = stream.async_read_some if reading else stream.async_write_some
        ex = stream.get_executor()
    except AttributeError:
        return False
    if type(token) not in fast_handlers(ex):
        return False
    transfer_all_op(token, ex, True, some, view)  # type: ignore[arg-type]
    return True


class read_dynbuf_op(composed_op):
    """Reads into a dynamic buffer until the condition stops it or the buffer is full."""

    handler_signature = EC_BYTES

    __slots__ = ("_condition", "_dynbuf", "_prepared", "_stream", "_total")

    def __init__(
        self,
        handler: Callable[[error_code, int], object],
        io_executor: Executor,
        stream: Any,
        dynbuf: DynamicBuffer,
        condition: Condition,
    ) -> None:
        super().__init__(handler, io_executor)
        self._stream = stream
        self._dynbuf = dynbuf
        self._condition = condition
        self._total = 0
        self._prepared: memoryview | None = None

    def start(self) -> None:
        limit = _adapt_result(self._condition(success, 0), "async_read")
        n = prepare_size(self._dynbuf, limit)
        if n == 0:
            self.complete(False, success, 0)
            return
        self._read(n)

    def _read(self, n: int) -> None:
        view = self._prepared = self._dynbuf.prepare(n)
        self._stream.async_read_some(view, self)

    def __call__(self, ec: error_code, n: int) -> None:
        view = self._prepared
        if view is not None:
            self._prepared = None
            view.release()
        self._dynbuf.commit(n)
        total = self._total = self._total + n
        limit = _adapt_result(self._condition(ec, total), "async_read")
        step = prepare_size(self._dynbuf, limit)
        if step == 0 or (n == 0 and not ec):
            self.complete(True, ec, total)
            return
        self._read(step)
