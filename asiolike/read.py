"""``async_read`` and ``read``: fill a buffer from a stream (Asio's ``read.hpp``).

Theory of operation. ``async_read`` is a composed operation: it calls the stream's
``async_read_some`` again and again, passing itself as the handler, until the completion
condition says stop, the buffer is full, or a read transfers nothing. The condition is
asked before the first read too, so a condition that is satisfied at once completes
without reading (still through the queue: rule R1). The operation exposes the final
handler's associated executor, so every intermediate step runs where the final handler
will (inside its strand, say), and it finishes through :meth:`composed_op.complete`.

Two kinds of target, as Asio's two overload families:

* a writable bytes-like object (``bytearray``, writable ``memoryview``): filled from the
  front; each step reads into a slice of it, never through a copy;
* a dynamic buffer (:class:`~asiolike.buffer.DynamicBuffer`: ``streambuf``,
  ``dynamic_buffer(bytearray)``, Beast's ``flat_buffer``): each step ``prepare``\\ s
  ``min(max(512, capacity() - size()), min(condition, max_size() - size()))`` bytes and
  ``commit``\\ s what arrived; reading stops when the buffer is at ``max_size()``. The view
  from ``prepare`` is released before ``commit``, so a ``dynamic_buffer`` over a
  ``bytearray`` can resize it.

The stream only needs ``async_read_some(buffer, handler)`` and ``get_executor()`` (and
``read_some(buffer)`` for the synchronous ``read``): a ``tcp.socket``, Beast's
``tcp_stream``, :class:`asiolike.testing.stream`...
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeAlias, overload

from typing_extensions import Buffer

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import AUTO, awaitable, awaitable_op, use_awaitable_t
from asiolike.buffer import DynamicBuffer
from asiolike.buffer import buffer as _as_view
from asiolike.completion_condition import (
    _TRANSFER_ALL,
    CompletionCondition,
    _adapt_result,
    _check_condition,
    default_max_transfer_size,
)
from asiolike.detail.completion import Executor, composed_op
from asiolike.detail.handler_check import EC_BYTES
from asiolike.detail.scheduler import fast_handlers, invokes_directly
from asiolike.error import error_code, make_error_code, success, system_error

__all__ = ["async_read", "read"]

ReadHandler = Callable[[error_code, int], object]

#: What :func:`async_read` fills: a writable bytes-like object, a list of them, or a dynamic
#: buffer (a type checker cannot tell writable from read-only; a ``str`` is refused).
ReadBuffers: TypeAlias = Buffer | Iterable[Buffer] | DynamicBuffer


class _no_token_t:
    __slots__ = ()


_NO_TOKEN: Final = _no_token_t()

_MIN_PREPARE: Final = 512


def _stream_executor(stream: object, who: str, method: str) -> Executor:
    """The stream's executor; raises at once if ``stream`` is not an async stream."""
    try:
        getattr(stream, method)
        return stream.get_executor()  # type: ignore[attr-defined, no-any-return]
    except AttributeError:
        raise TypeError(
            f"{who}: expected a stream with {method}() and get_executor() (a tcp.socket, "
            f"beast.tcp_stream, asiolike.testing.stream...), not {type(stream).__name__}"
        ) from None


def _split_args(who: str, a: object, b: object) -> tuple[CompletionCondition, object]:
    """``(condition, token)`` from the trailing arguments ``token`` or ``condition, token``."""
    if b is _NO_TOKEN:
        return _TRANSFER_ALL, a
    return _check_condition(a, who), b


def _is_dynamic_buffer(obj: object) -> bool:
    return (
        type(obj) is not bytearray
        and type(obj) is not memoryview
        and hasattr(obj, "prepare")
        and hasattr(obj, "commit")
        and hasattr(obj, "max_size")
    )


def _writable_view(buffers: object, who: str) -> memoryview:
    """A writable byte view of ``buffers``; raises at once for anything else."""
    if isinstance(buffers, (bytes, str)) or (type(buffers) is memoryview and buffers.readonly):
        raise TypeError(
            f"{who}: the buffer is read-only; pass a bytearray, a writable memoryview or a "
            "dynamic buffer (streambuf, dynamic_buffer(bytearray), flat_buffer)"
        )
    try:
        view = _as_view(buffers)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{who}: expected a writable bytes-like object or a dynamic buffer, "
            f"not {type(buffers).__name__}"
        ) from None
    if view.readonly:
        raise TypeError(f"{who}: the buffer is read-only; pass a bytearray or memoryview of one")
    return view


def _prepare_size(dynbuf: DynamicBuffer, limit: int) -> int:
    """Asio's step size for dynamic buffers: at least 512, capped by both limits."""
    size = dynbuf.size()
    room = dynbuf.max_size() - size
    if limit > room:
        limit = room
    spare = dynbuf.capacity() - size
    want = spare if spare > _MIN_PREPARE else _MIN_PREPARE
    return want if want < limit else limit


class _read_op(composed_op):
    """Fills a fixed buffer."""

    handler_signature = EC_BYTES

    __slots__ = ("_condition", "_size", "_slice", "_stream", "_total", "_view")

    def __init__(
        self,
        handler: ReadHandler,
        io_executor: Executor,
        stream: Any,
        view: memoryview,
        condition: CompletionCondition,
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
            limit = (
                result
                if type(result) is int and result > 0
                else _adapt_result(result, "async_read")
            )
        if limit == 0:
            self._finish(True, ec, total)
            return
        end = total + limit
        view = self._slice = self._view[total : end if end < size else size]
        self._stream.async_read_some(view, self)


class _transfer_all_op(composed_op):
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
        handler: ReadHandler,
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


def _transfer_all_now(stream: Any, reading: bool, view: memoryview, token: object) -> bool:
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
    _transfer_all_op(token, ex, True, some, view)  # type: ignore[arg-type]
    return True


class _read_dynbuf_op(composed_op):
    """Reads into a dynamic buffer until the condition stops it or the buffer is full."""

    handler_signature = EC_BYTES

    __slots__ = ("_condition", "_dynbuf", "_prepared", "_stream", "_total")

    def __init__(
        self,
        handler: ReadHandler,
        io_executor: Executor,
        stream: Any,
        dynbuf: DynamicBuffer,
        condition: CompletionCondition,
    ) -> None:
        super().__init__(handler, io_executor)
        self._stream = stream
        self._dynbuf = dynbuf
        self._condition = condition
        self._total = 0
        self._prepared: memoryview | None = None

    def start(self) -> None:
        limit = _adapt_result(self._condition(success, 0), "async_read")
        n = _prepare_size(self._dynbuf, limit)
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
        step = _prepare_size(self._dynbuf, limit)
        if step == 0 or (n == 0 and not ec):
            self.complete(True, ec, total)
            return
        self._read(step)


@overload
def async_read(stream: Any, buffers: ReadBuffers, token: use_awaitable_t, /) -> awaitable[int]: ...


@overload
def async_read(
    stream: Any, buffers: ReadBuffers, token: use_future_t, /
) -> concurrent.futures.Future[int]: ...


@overload
def async_read(stream: Any, buffers: ReadBuffers, token: AdapterToken, /) -> Any: ...


@overload
def async_read(
    stream: Any, buffers: ReadBuffers, token: Callable[[error_code, int], object], /
) -> None: ...


@overload
def async_read(
    stream: Any,
    buffers: ReadBuffers,
    completion_condition: CompletionCondition,
    token: use_awaitable_t,
    /,
) -> awaitable[int]: ...


@overload
def async_read(
    stream: Any,
    buffers: ReadBuffers,
    completion_condition: CompletionCondition,
    token: use_future_t,
    /,
) -> concurrent.futures.Future[int]: ...


@overload
def async_read(
    stream: Any,
    buffers: ReadBuffers,
    completion_condition: CompletionCondition,
    token: AdapterToken,
    /,
) -> Any: ...


@overload
def async_read(
    stream: Any,
    buffers: ReadBuffers,
    completion_condition: CompletionCondition,
    token: Callable[[error_code, int], object],
    /,
) -> None: ...


def async_read(stream: Any, buffers: Any, a: Any, b: Any = _NO_TOKEN, /) -> Any:
    """Read from ``stream`` until ``buffers`` is full, the condition is met, or an error.

    Asio's ``async_read``: ``async_read(stream, buffers, token)`` or
    ``async_read(stream, buffers, completion_condition, token)``. This call returns
    immediately; the handler is never invoked from within it (a condition met before any
    read completes through the queue).

    It is a composed operation, made of zero or more calls to ``stream.async_read_some``:
    until it completes, the program must start no other read on the stream (no
    ``async_read_some``, ``async_read``, ``async_read_until``, or other operation that
    reads).

    Args:
        stream: Any stream with ``async_read_some`` and ``get_executor``.
        buffers: A writable bytes-like object to fill, or a dynamic buffer (read into
            until the condition stops, the buffer reaches its ``max_size()``, or an error;
            with the default condition that is until ``eof``). Must stay valid, and
            untouched, until completion.
        completion_condition: Optional; ``condition(ec, bytes_transferred) -> int``, see
            :mod:`asiolike.completion_condition`. Default :func:`transfer_all`.
        token: the completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``...).

    Handler:
        ``handler(ec: error_code, bytes_transferred: int)``: the total read, also when
        ``ec`` is an error (the bytes are in the buffer). It runs through its associated
        executor (by default the stream's), and so does every intermediate step. A handler
        that cannot take these arguments makes this call raise ``TypeError``.

    Returns:
        ``None`` for a handler. With ``use_future``, a ``Future[int]`` whose result is
        ``bytes_transferred``; with ``use_awaitable``, an ``awaitable[int]`` of it. A
        failing ``ec`` (``eof`` included) raises :class:`~asiolike.error.system_error`
        from either; ``as_tuple(use_future)`` gives ``(ec, bytes_transferred)`` instead.

    Errors:
        ``eof``: the stream ended first (``bytes_transferred`` says how much was read;
        reading into a dynamic buffer until ``eof`` reports it too). Any error of the
        stream's ``async_read_some`` (``operation_aborted`` after cancel/close,
        ``connection_reset``...).

    Cancellation:
        ``terminal`` and ``partial``, when the stream's ``async_read_some`` supports them
        (a socket's does), through a cancellation slot associated with the handler: the
        pending step is cancelled and the operation completes with ``operation_aborted``
        and the bytes read so far.

    Raises:
        TypeError: ``buffers`` is read-only or not a buffer, the condition is not
            callable, or ``stream`` has no ``async_read_some``.

    Example:
        ::

            header = bytearray(4)

            def on_header(ec, n):
                if ec:
                    return fail(ec, "read")
                size = int.from_bytes(header, "big")
                ...

            net.async_read(sock, header, on_header)
    """
    if b is _NO_TOKEN:
        t = type(buffers)
        if (
            t is bytearray
            or (
                t is memoryview
                and buffers.format == "B"
                and buffers.c_contiguous
                and not buffers.readonly
            )
        ):
            if type(a) is use_awaitable_t:
                return awaitable_op(_read_all_when_awaited, (stream, buffers), AUTO)
            if _transfer_all_now(stream, True, memoryview(buffers), a):
                return None
    condition, token = _split_args("async_read", a, b)
    return async_initiate(_initiate_read, token, stream, buffers, condition)


def _read_all_when_awaited(handler: ReadHandler, stream: Any, buffers: Any) -> None:
    """``use_awaitable``'s initiation of ``async_read(stream, buffers)`` (one buffer).

    A coroutine with nothing associated resumes through a plain handler (see
    :class:`asiolike.awaitable.coro_thread`), which takes the fast path as any plain
    handler does; anything else takes the general path and its checks.
    """
    if not _transfer_all_now(stream, True, memoryview(buffers), handler):
        _initiate_read(handler, stream, buffers, _TRANSFER_ALL)


def _initiate_read(
    handler: ReadHandler, stream: Any, buffers: Any, condition: CompletionCondition
) -> None:
    io_executor = _stream_executor(stream, "async_read", "async_read_some")
    if _is_dynamic_buffer(buffers):
        _read_dynbuf_op(handler, io_executor, stream, buffers, condition).start()
    else:
        view = _writable_view(buffers, "async_read")
        if condition is _TRANSFER_ALL:
            direct = invokes_directly(io_executor)
            _transfer_all_op(handler, io_executor, direct, stream.async_read_some, view)
        else:
            _read_op(handler, io_executor, stream, view, condition).start()


def read(stream: Any, buffers: Any, completion_condition: Any = None) -> int:
    """Read from ``stream`` until ``buffers`` is full, the condition is met, or an error.

    Asio's synchronous ``read``, made of calls to ``stream.read_some``.

    Args:
        stream: Any stream with ``read_some(buffer) -> int``.
        buffers: A writable bytes-like object, or a dynamic buffer (see
            :func:`async_read`).
        completion_condition: Optional; default :func:`transfer_all`.

    Returns:
        The number of bytes read.

    Raises:
        system_error: the stream failed (``eof`` included); the bytes read before are in
            the buffer.
        TypeError: as :func:`async_read`.
    """
    condition = _check_condition(completion_condition, "read")
    read_some = getattr(stream, "read_some", None)
    if not callable(read_some):
        raise TypeError(f"read: expected a stream with read_some(), not {type(stream).__name__}")
    ec = success
    total = 0
    if _is_dynamic_buffer(buffers):
        dynbuf: DynamicBuffer = buffers
        step = _prepare_size(dynbuf, _adapt_result(condition(ec, total), "read"))
        while step > 0:
            with dynbuf.prepare(step) as view:
                try:
                    n = read_some(view)
                except OSError as exc:
                    ec, n = make_error_code(exc), 0
            dynbuf.commit(n)
            total += n
            step = _prepare_size(dynbuf, _adapt_result(condition(ec, total), "read"))
    else:
        with _writable_view(buffers, "read") as target:
            size = target.nbytes
            while total < size:
                limit = _adapt_result(condition(ec, total), "read")
                if limit == 0:
                    break
                end = min(total + limit, size)
                try:
                    with target[total:end] as part:
                        total += read_some(part)
                except OSError as exc:
                    ec = make_error_code(exc)
    if ec:
        raise system_error(ec, "read")
    return total
