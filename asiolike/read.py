"""``async_read`` and ``read``: fill a buffer from a stream (Asio's ``read.hpp``).

Theory of operation. ``async_read`` is a composed operation: it calls the stream's
``async_read_some`` again and again, passing itself as the handler, until the completion
condition says stop, the buffer is full, or a read transfers nothing. The condition is
asked before the first read too, so a condition that is satisfied at once completes
without reading (still through the queue: rule R1). The operation exposes the final
handler's associated executor, so every intermediate step runs where the final handler
will (inside its strand, say), and it finishes through :meth:`composed_op.complete`. The
operations are in :mod:`asiolike.detail.read_op` (compiled in the compiled build); this
module checks the arguments and starts them.

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
)
from asiolike.detail.completion import Executor
from asiolike.detail.read_op import prepare_size as _prepare_size
from asiolike.detail.read_op import read_dynbuf_op, read_op, transfer_all_op
from asiolike.detail.read_op import transfer_all_now as _transfer_all_now
from asiolike.detail.scheduler import invokes_directly
from asiolike.error import error_code, make_error_code, success, system_error

__all__ = ["async_read", "read"]

ReadHandler = Callable[[error_code, int], object]

#: What :func:`async_read` fills: a writable bytes-like object, a list of them, or a dynamic
#: buffer (a type checker cannot tell writable from read-only; a ``str`` is refused).
ReadBuffers: TypeAlias = Buffer | Iterable[Buffer] | DynamicBuffer


class _no_token_t:
    __slots__ = ()


_NO_TOKEN: Final = _no_token_t()


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
        if t is bytearray or (
            t is memoryview
            and buffers.format == "B"
            and buffers.c_contiguous
            and not buffers.readonly
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
        read_dynbuf_op(handler, io_executor, stream, buffers, condition).start()
    else:
        view = _writable_view(buffers, "async_read")
        if condition is _TRANSFER_ALL:
            direct = invokes_directly(io_executor)
            transfer_all_op(handler, io_executor, direct, stream.async_read_some, view)
        else:
            read_op(handler, io_executor, stream, view, condition).start()


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
