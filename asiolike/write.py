"""``async_write`` and ``write``: send whole buffers to a stream (Asio's ``write.hpp``).

Theory of operation. ``async_write`` is a composed operation over the stream's
``async_write_some``: it passes itself as the handler and writes again from where the
last write stopped, until everything is written, the completion condition says stop, or
an error. Data is never copied to be written: each step passes a ``memoryview`` slice of
the caller's buffer (so writing 64 MiB costs views, not copies). The one exception is a
run of *small* buffers in a buffer sequence (an HTTP header block, say): consecutive
buffers under 16 KiB each are joined into one chunk of at most 64 KiB, so that they go out
in one ``write_some`` instead of one each; a buffer of 16 KiB or more is always sent from
the caller's memory.

Asio's steps apply: the condition is asked before the first write (a condition met at once
completes without writing, through the queue) and after each one; a write that transfers
nothing without an error ends the operation. The final handler is delivered through
:meth:`composed_op.complete`, and every step runs on the final handler's associated
executor (the operation exposes it).

A dynamic buffer is written from its ``data()``, and the bytes written are ``consume``\\ d
from it when the operation completes (Asio's dynamic-buffer overload).
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias, overload

from typing_extensions import Buffer

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import AUTO, awaitable, awaitable_op, use_awaitable_t
from asiolike.buffer import DynamicBuffer, _views
from asiolike.completion_condition import (
    _TRANSFER_ALL,
    CompletionCondition,
    _adapt_result,
    _check_condition,
)
from asiolike.detail.read_op import transfer_all_now as _transfer_all_now
from asiolike.detail.read_op import transfer_all_op
from asiolike.detail.scheduler import invokes_directly
from asiolike.detail.write_op import EMPTY as _EMPTY
from asiolike.detail.write_op import cursor as _cursor
from asiolike.detail.write_op import write_op
from asiolike.error import error_code, make_error_code, success, system_error
from asiolike.read import _NO_TOKEN, _is_dynamic_buffer, _split_args, _stream_executor

__all__ = ["async_write", "write"]

WriteHandler = Callable[[error_code, int], object]

#: What :func:`async_write` sends: a bytes-like object, a list of them, or a dynamic buffer.
WriteBuffers: TypeAlias = Buffer | Iterable[Buffer] | DynamicBuffer


def _dynamic_views(dynbuf: DynamicBuffer) -> list[memoryview]:
    """The readable bytes of a dynamic buffer: one view, or one per piece (multi_buffer)."""
    data: Any = dynbuf.data()
    if isinstance(data, (list, tuple)):
        return list(data)
    return [data]


def _source(buffers: object, who: str) -> list[memoryview]:
    t = type(buffers)
    if t is bytes or t is bytearray:
        return [memoryview(buffers)]  # type: ignore[arg-type]
    if t is str:
        raise TypeError(f"{who}: a str is not a buffer; encode it first, e.g. text.encode()")
    return _views(buffers, who)  # type: ignore[arg-type]


@overload
def async_write(
    stream: Any, buffers: WriteBuffers, token: use_awaitable_t, /
) -> awaitable[int]: ...


@overload
def async_write(
    stream: Any, buffers: WriteBuffers, token: use_future_t, /
) -> concurrent.futures.Future[int]: ...


@overload
def async_write(stream: Any, buffers: WriteBuffers, token: AdapterToken, /) -> Any: ...


@overload
def async_write(
    stream: Any, buffers: WriteBuffers, token: Callable[[error_code, int], object], /
) -> None: ...


@overload
def async_write(
    stream: Any,
    buffers: WriteBuffers,
    completion_condition: CompletionCondition,
    token: use_awaitable_t,
    /,
) -> awaitable[int]: ...


@overload
def async_write(
    stream: Any,
    buffers: WriteBuffers,
    completion_condition: CompletionCondition,
    token: use_future_t,
    /,
) -> concurrent.futures.Future[int]: ...


@overload
def async_write(
    stream: Any,
    buffers: WriteBuffers,
    completion_condition: CompletionCondition,
    token: AdapterToken,
    /,
) -> Any: ...


@overload
def async_write(
    stream: Any,
    buffers: WriteBuffers,
    completion_condition: CompletionCondition,
    token: Callable[[error_code, int], object],
    /,
) -> None: ...


def async_write(stream: Any, buffers: Any, a: Any, b: Any = _NO_TOKEN, /) -> Any:
    """Write all of ``buffers`` to ``stream`` (or until the condition is met, or an error).

    Asio's ``async_write``: ``async_write(stream, buffers, token)`` or
    ``async_write(stream, buffers, completion_condition, token)``. This call returns
    immediately; the handler is never invoked from within it, even when everything is
    sent at once.

    It is a composed operation, made of zero or more calls to
    ``stream.async_write_some``: until it completes, the program must start no other
    write on the stream (no ``async_write_some``, ``async_write``, or other operation
    that writes). Queue your messages and start the next write from the handler.

    Args:
        stream: Any stream with ``async_write_some`` and ``get_executor``.
        buffers: A bytes-like object, a list (or tuple) of them written in order, or a
            dynamic buffer (its readable bytes are written, then the bytes written are
            consumed). The memory is not copied: keep it unchanged until completion.
        completion_condition: Optional; ``condition(ec, bytes_transferred) -> int``, see
            :mod:`asiolike.completion_condition`. Default :func:`transfer_all`.
        token: the completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``...).

    Handler:
        ``handler(ec: error_code, bytes_transferred: int)``: the total written, also when
        ``ec`` is an error. It runs through its associated executor (by default the
        stream's), and so does every intermediate step. A handler that cannot take these
        arguments makes this call raise ``TypeError``.

    Returns:
        ``None`` for a handler. With ``use_future``, a ``Future[int]`` whose result is
        ``bytes_transferred``; with ``use_awaitable``, an ``awaitable[int]`` of it. A
        failing ``ec`` raises :class:`~asiolike.error.system_error` from either;
        ``as_tuple(use_future)`` gives ``(ec, bytes_transferred)`` instead.

    Errors:
        Any error of the stream's ``async_write_some``: ``broken_pipe`` or
        ``connection_reset`` (the peer went away), ``operation_aborted`` (cancel/close,
        or a per-operation cancellation).

    Cancellation:
        ``terminal`` and ``partial``, when the stream's ``async_write_some`` supports them
        (a socket's does), through a cancellation slot associated with the handler: the
        pending step is cancelled and the operation completes with ``operation_aborted``
        and the bytes written so far.

    Raises:
        TypeError: ``buffers`` is not bytes-like, a sequence of them or a dynamic buffer
            (a ``str``, say), the condition is not callable, or ``stream`` has no
            ``async_write_some``.

    Example:
        ::

            def on_write(ec, n):
                if ec:
                    return fail(ec, "write")
                print("sent", n, "bytes")  # all of them: len(header) + len(body)

            net.async_write(sock, [header, body], on_write)
    """
    if b is _NO_TOKEN:
        t = type(buffers)
        if (
            t is bytes
            or t is bytearray
            or (t is memoryview and buffers.format == "B" and buffers.c_contiguous)
        ):
            if type(a) is use_awaitable_t:
                return awaitable_op(_write_all_when_awaited, (stream, buffers), AUTO)
            if _transfer_all_now(stream, False, memoryview(buffers), a):
                return None
    condition, token = _split_args("async_write", a, b)
    return async_initiate(_initiate_write, token, stream, buffers, condition)


def _write_all_when_awaited(handler: WriteHandler, stream: Any, buffers: Any) -> None:
    """``use_awaitable``'s initiation of ``async_write(stream, buffers)`` (one buffer).

    As ``asiolike.read``'s: the fast path for the plain handler of a coroutine with
    nothing associated, else the general path.
    """
    if not _transfer_all_now(stream, False, memoryview(buffers), handler):
        _initiate_write(handler, stream, buffers, _TRANSFER_ALL)


def _initiate_write(
    handler: WriteHandler, stream: Any, buffers: Any, condition: CompletionCondition
) -> None:
    io_executor = _stream_executor(stream, "async_write", "async_write_some")
    if _is_dynamic_buffer(buffers):
        dynbuf: DynamicBuffer = buffers
        views = _dynamic_views(dynbuf)
        write_op(handler, io_executor, stream, views, condition, dynbuf).start()
    else:
        views = _source(buffers, "async_write")
        if condition is _TRANSFER_ALL and len(views) == 1:
            direct = invokes_directly(io_executor)
            transfer_all_op(handler, io_executor, direct, stream.async_write_some, views[0])
        else:
            write_op(handler, io_executor, stream, views, condition, None).start()


def write(stream: Any, buffers: Any, completion_condition: Any = None) -> int:
    """Write all of ``buffers`` to ``stream`` (Asio's synchronous ``write``).

    Made of calls to ``stream.write_some``.

    Args:
        stream: Any stream with ``write_some(buffer) -> int``.
        buffers: As :func:`async_write`.
        completion_condition: Optional; default :func:`transfer_all`.

    Returns:
        The number of bytes written.

    Raises:
        system_error: the stream failed.
        TypeError: as :func:`async_write`.
    """
    condition = _check_condition(completion_condition, "write")
    write_some = getattr(stream, "write_some", None)
    if not callable(write_some):
        raise TypeError(f"write: expected a stream with write_some(), not {type(stream).__name__}")
    dynbuf: DynamicBuffer | None = buffers if _is_dynamic_buffer(buffers) else None
    views = _dynamic_views(dynbuf) if dynbuf is not None else _source(buffers, "write")
    size = sum(view.nbytes for view in views)
    cursor = _cursor(views)
    ec = success
    total = 0
    try:
        while total < size:
            limit = _adapt_result(condition(ec, total), "write")
            if limit == 0:
                break
            try:
                n = write_some(cursor.chunk(limit))
            except OSError as exc:
                ec, n = make_error_code(exc), 0
            total += n
            cursor.advance(n)
    finally:
        if cursor.current is not _EMPTY:
            cursor.current.release()
        for view in views:
            view.release()
        if dynbuf is not None:
            dynbuf.consume(total)
    if ec:
        raise system_error(ec, "write")
    return total
