"""``async_read_until`` and ``read_until``: read until a delimiter (Asio's ``read_until.hpp``).

Theory of operation. The operation works on a dynamic buffer. It first searches what the
buffer already holds; if the delimiter is there it completes without reading (through
the queue). Otherwise it ``prepare``\\ s ``min(max(512, capacity() - size()), min(65536,
max_size() - size()))`` bytes, reads some, ``commit``\\ s them and searches again, until a
match, an error, or a full buffer. The result ``n`` counts the bytes up to and including
the delimiter; bytes received after it stay in the buffer for the next operation (consume
``n`` bytes once handled, then call again: the next call finds its data at once).

The search resumes where it left off: a bytes delimiter is looked for from ``len(delim) -
1`` bytes before the end of what was already searched, so every byte is examined about
once. A match function (the *match condition*, below) decides itself where to resume. A
regular expression is searched again from the start of the buffer after each read: Python's
``re`` cannot report a partial match, so an earlier position may still begin a match that
the new bytes complete. Prefer a bytes delimiter or a match function for long inputs.

When the buffer reaches ``max_size()`` without a match the operation completes with
``asio.misc.not_found`` (Asio's behaviour) and the bytes stay in the buffer. On ``eof``
(or any read error) it completes with that error, ``n`` = 0, and the bytes read so far in
the buffer.

The match condition protocol (Asio's ``match_condition``, adapted):
``match(data: memoryview, start: int) -> tuple[int, bool]``. ``data`` is a read-only view of
all the readable bytes; ``start`` is where the search should begin (0 on the first call;
later the position returned last time). Return ``(end, True)`` for a match, ``end`` being
the index just past it (``n`` will be ``end``); or ``(resume, False)`` for no match yet,
``resume`` being where the next search should begin (``len(data)`` if no byte seen so far
can start a match, the start of a possible partial match otherwise). Both values must lie
in ``[start, len(data)]``. The view is released after the call: do not keep it, copy what
you need.
"""

from __future__ import annotations

import concurrent.futures
import re
from collections.abc import Callable
from typing import Any, overload

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.buffer import DynamicBuffer, buffer_overflow_error
from asiolike.detail.read_until_op import read_size as _read_size
from asiolike.detail.read_until_op import read_until_op
from asiolike.detail.read_until_op import search as _search
from asiolike.detail.read_until_op import searcher as _searcher
from asiolike.error import (
    eof,
    error_code,
    make_error_code,
    not_found,
    system_error,
)
from asiolike.read import _is_dynamic_buffer, _stream_executor

__all__ = ["async_read_until", "read_until", "MatchCondition"]

ReadHandler = Callable[[error_code, int], object]

MatchCondition = Callable[[memoryview, int], tuple[int, bool]]
"""``match(data, start) -> (end, True)`` on a match, ``(resume, False)`` otherwise."""

Delimiter = bytes | bytearray | str | re.Pattern[bytes] | MatchCondition


@overload
def async_read_until(
    stream: Any, buffers: DynamicBuffer, delim: Delimiter, token: use_awaitable_t
) -> awaitable[int]: ...


@overload
def async_read_until(
    stream: Any, buffers: DynamicBuffer, delim: Delimiter, token: use_future_t
) -> concurrent.futures.Future[int]: ...


@overload
def async_read_until(
    stream: Any, buffers: DynamicBuffer, delim: Delimiter, token: AdapterToken
) -> Any: ...


@overload
def async_read_until(
    stream: Any,
    buffers: DynamicBuffer,
    delim: Delimiter,
    token: Callable[[error_code, int], object],
) -> None: ...


def async_read_until(stream: Any, buffers: DynamicBuffer, delim: Delimiter, token: Any) -> Any:
    """Read into a dynamic buffer until it contains ``delim``.

    Asio's ``async_read_until``. This call returns immediately; the handler is never
    invoked from within it (a delimiter already in the buffer completes through the
    queue).

    It is a composed operation, made of zero or more calls to ``stream.async_read_some``:
    until it completes, the program must start no other read on the stream (no
    ``async_read_some``, ``async_read``, ``async_read_until``, or other operation that
    reads).

    Args:
        stream: Any stream with ``async_read_some`` and ``get_executor``.
        buffers: A dynamic buffer (``streambuf``, ``dynamic_buffer(bytearray)``, Beast's
            ``flat_buffer``); its ``max_size()`` bounds the search.
        delim: One of: ``bytes`` (one or more bytes; an ASCII ``str`` is encoded); a
            compiled bytes regular expression (``re.compile(rb"\\r\\n\\r\\n")``), the match
            ending where the regex match ends; a match function following the match
            condition protocol of this module.
        token: the completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``...).

    Handler:
        ``handler(ec: error_code, n: int)``: ``n`` is the number of bytes at the front of
        the buffer up to and including the delimiter (0 on error). Bytes after it stay in
        the buffer. It runs through its associated executor (by default the stream's), and
        so does every intermediate step. A handler that cannot take these arguments makes
        this call raise ``TypeError``.

    Returns:
        ``None`` for a handler. With ``use_future``, a ``Future[int]`` whose result is
        ``n``; with ``use_awaitable``, an ``awaitable[int]`` of it. A failing ``ec``
        raises :class:`~asiolike.error.system_error` from either.

    Errors:
        ``not_found``: the buffer reached ``max_size()`` without the delimiter (its bytes
        stay). ``eof``: the stream ended first (the bytes read stay). Any error of the
        stream's ``async_read_some`` (``operation_aborted`` after cancel/close or a
        per-operation cancellation).

    Cancellation:
        ``terminal`` and ``partial``, when the stream's ``async_read_some`` supports them
        (a socket's does), through a cancellation slot associated with the handler: the
        pending read is cancelled and the operation completes with ``operation_aborted``;
        the bytes read so far stay in the buffer.

    Raises:
        TypeError: ``buffers`` is not a dynamic buffer, ``delim`` is of another type (a
            str regex...), or ``stream`` has no ``async_read_some``.
        ValueError: ``delim`` is empty, or a non-ASCII str.

    Example:
        ::

            buf = net.streambuf(65536)

            def on_line(ec, n):
                if ec:
                    return fail(ec, "read_until")
                line = bytes(buf.data()[:n])  # up to and including b"\\r\\n"
                buf.consume(n)

            net.async_read_until(sock, buf, b"\\r\\n", on_line)
    """
    searcher = _checked_args(buffers, delim, "async_read_until")
    return async_initiate(_initiate_read_until, token, stream, buffers, searcher)


def _checked_args(buffers: object, delim: object, who: str) -> _searcher:
    if not _is_dynamic_buffer(buffers):
        raise TypeError(
            f"{who}: the buffer must be a dynamic buffer (streambuf, "
            f"dynamic_buffer(bytearray), flat_buffer), not {type(buffers).__name__}"
        )
    return _searcher(delim, who)


def _initiate_read_until(
    handler: ReadHandler, stream: Any, buffers: DynamicBuffer, searcher: _searcher
) -> None:
    io_executor = _stream_executor(stream, "async_read_until", "async_read_some")
    read_until_op(handler, io_executor, stream, buffers, searcher).step(False)


def read_until(stream: Any, buffers: DynamicBuffer, delim: Delimiter) -> int:
    """Read into a dynamic buffer until it contains ``delim`` (Asio's sync ``read_until``).

    Made of calls to ``stream.read_some``.

    Args:
        stream: Any stream with ``read_some(buffer) -> int``.
        buffers: A dynamic buffer.
        delim: As :func:`async_read_until`.

    Returns:
        The number of bytes up to and including the delimiter; bytes after it stay in the
        buffer.

    Raises:
        system_error: ``not_found`` (the buffer is full without a match), ``eof`` or
            another error of the stream; the bytes read stay in the buffer.
        TypeError, ValueError: as :func:`async_read_until`.
    """
    searcher = _checked_args(buffers, delim, "read_until")
    read_some = getattr(stream, "read_some", None)
    if not callable(read_some):
        raise TypeError(
            f"read_until: expected a stream with read_some(), not {type(stream).__name__}"
        )
    start = 0
    while True:
        end, matched = _search(buffers, searcher, start)
        if matched:
            return end
        start = end
        size = _read_size(buffers)
        if size <= 0:
            raise system_error(not_found, "read_until")
        try:
            view = buffers.prepare(size)
        except buffer_overflow_error:
            raise system_error(not_found, "read_until") from None
        try:
            with view:
                n = read_some(view)
        except OSError as exc:
            buffers.commit(0)
            raise system_error(make_error_code(exc), "read_until") from None
        buffers.commit(n)
        if n == 0:
            raise system_error(eof, "read_until")
