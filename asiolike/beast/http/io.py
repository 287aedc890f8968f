"""Reading and writing HTTP messages on a stream (Beast's ``http::read`` / ``http::write``).

These work over any stream with ``async_read_some``/``async_write_some`` and
``get_executor()`` (``beast.tcp_stream``, ``tcp.socket``, ``asiolike.testing.stream``,
later an SSL stream), and for the synchronous forms ``read_some``/``write_some``.
Ported code reads as in C++::

    buffer = beast.flat_buffer()          # one per connection: it keeps extra bytes
    res = http.response()
    http.async_read(stream, buffer, res, self.on_read)
    ...
    http.async_write(stream, req, self.on_write)

Errors reported by the readers (the handler's ``ec``):

========================  ============================================================
``end_of_stream``         the peer closed before the first byte of a message (between
                          messages): a clean end, not a failure
``partial_message``       the peer closed in the middle of a message
``header_limit``          the header is longer than the parser's ``header_limit()``
``body_limit``            the body is longer than the parser's ``body_limit()``
                          (a Content-Length above it fails before any body byte)
``buffer_overflow``       the dynamic buffer reached its ``max_size()`` first
``bad_*``...              the peer broke the protocol (see :mod:`~.error`)
stream errors             ``operation_aborted`` (cancel/close), ``beast.error.timeout``
                          (``tcp_stream`` deadline), ``connection_reset``...
========================  ============================================================

The writers report the stream's errors only; they never report ``end_of_stream``: check
``msg.need_eof()`` after writing (as Beast's examples do) to know whether to close.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any, TypeAlias, overload

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.beast.http import _read_op as _r
from asiolike.beast.http import _write_op as _w
from asiolike.beast.http.message import request, response
from asiolike.beast.http.parser import basic_parser
from asiolike.beast.http.serializer import serializer
from asiolike.buffer import DynamicBuffer
from asiolike.error import error_code
from asiolike.read import _stream_executor

__all__ = [
    "async_read",
    "async_read_header",
    "async_read_some",
    "async_write",
    "async_write_header",
    "async_write_some",
    "read",
    "read_header",
    "read_some",
    "write",
    "write_header",
    "write_some",
]

Handler = Callable[[error_code, int], object]
Future = concurrent.futures.Future[Any]

# The argument types of the overloads. The stream is any object with async_read_some /
# async_write_some and get_executor (checked at the call).
_Parser: TypeAlias = basic_parser[Any]
_Message: TypeAlias = "request[Any] | response[Any]"
_Serializer: TypeAlias = serializer[Any]


# -- reading ------------------------------------------------------------------------------


@overload
def async_read_some(
    stream: Any, buffer: DynamicBuffer, parser: _Parser, token: use_awaitable_t
) -> awaitable[int]: ...


@overload
def async_read_some(
    stream: Any, buffer: DynamicBuffer, parser: _Parser, token: use_future_t
) -> concurrent.futures.Future[int]: ...


@overload
def async_read_some(
    stream: Any, buffer: DynamicBuffer, parser: _Parser, token: AdapterToken
) -> Any: ...


@overload
def async_read_some(
    stream: Any, buffer: DynamicBuffer, parser: _Parser, token: Handler
) -> None: ...


def async_read_some(stream: Any, buffer: Any, parser: Any, token: Any) -> Any:
    """Read some of a message: at least one step of the parser (Beast's ``async_read_some``).

    Parses what ``buffer`` already holds, reading from ``stream`` only when the parser
    needs more bytes, and completes after the first step that succeeds (the header, a
    piece of the body...) or on an error. A composed operation of zero or more calls of
    ``stream.async_read_some``. Bytes read past the message stay in ``buffer``.

    This call returns immediately; the handler is never invoked from within it, and runs
    through its associated executor (by default the stream's). No other read may be
    started on the stream until it completes.

    Args:
        stream: The stream to read from.
        buffer: A dynamic buffer (``beast.flat_buffer()``) holding the bytes already read
            and not parsed; use the same one for every read of the connection.
        parser: An ``http.request_parser`` or ``http.response_parser``.
        token: The completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter (``as_tuple``, ``cancel_after``...).

    Handler:
        ``handler(ec: error_code, bytes_transferred: int)``: the bytes the parser consumed.

    Returns:
        ``None`` for a handler. With ``use_future``, a ``Future[int]`` of the bytes
        the parser consumed; with ``use_awaitable``, an ``awaitable[int]``. A failure raises
        :class:`~asiolike.error.system_error` from ``result()`` or ``await``.

    Errors:
        See the module table. ``stale_parser`` if the parser was already done.

    Raises:
        TypeError: the stream, buffer or parser is not one.
        ValueError: the parser released its message.

    Example (a body read piece by piece)::

        def on_read(self, ec: beast.error_code, n: int) -> None:
            if ec:
                return fail(ec, "read")
            if not self.parser.is_done():
                http.async_read_some(self.stream, self.buffer, self.parser, self.on_read)
    """
    return _start_read(stream, buffer, parser, token, _r.SOME, "async_read_some")


@overload
def async_read_header(
    stream: Any, buffer: DynamicBuffer, parser: _Parser, token: use_awaitable_t
) -> awaitable[int]: ...


@overload
def async_read_header(
    stream: Any, buffer: DynamicBuffer, parser: _Parser, token: use_future_t
) -> concurrent.futures.Future[int]: ...


@overload
def async_read_header(
    stream: Any, buffer: DynamicBuffer, parser: _Parser, token: AdapterToken
) -> Any: ...


@overload
def async_read_header(
    stream: Any, buffer: DynamicBuffer, parser: _Parser, token: Handler
) -> None: ...


def async_read_header(stream: Any, buffer: Any, parser: Any, token: Any) -> Any:
    """Read until the parser has the whole header (Beast's ``async_read_header``).

    Sets ``parser.eager(False)`` so that no body byte is parsed: look at the header
    (``parser.get()``, ``content_length()``...), then go on with :func:`async_read` on
    the same parser and buffer. Completes at once (through the queue) if the header is
    already done.

    This call returns immediately; the handler is never invoked from within it, and runs
    through its associated executor (by default the stream's). No other read may be
    started on the stream until it completes.

    Args:
        stream: The stream to read from.
        buffer: The connection's dynamic buffer.
        parser: An ``http.request_parser`` or ``http.response_parser``.
        token: The completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter (``as_tuple``, ``cancel_after``...).

    Handler:
        ``handler(ec: error_code, bytes_transferred: int)``: the bytes the parser consumed.

    Returns:
        ``None`` for a handler. With ``use_future``, a ``Future[int]`` of the bytes
        the parser consumed; with ``use_awaitable``, an ``awaitable[int]``. A failure raises
        :class:`~asiolike.error.system_error` from ``result()`` or ``await``.

    Errors:
        See the module table.

    Raises:
        TypeError: the stream, buffer or parser is not one.
        ValueError: the parser released its message.

    Example (decide on the body from the header)::

        self.parser = http.request_parser()
        self.parser.body_limit(10 * 1024 * 1024)
        http.async_read_header(self.stream, self.buffer, self.parser, self.on_header)
    """
    _r.check_parser(parser, "async_read_header").eager(False)
    return _start_read(stream, buffer, parser, token, _r.HEADER, "async_read_header")


@overload
def async_read(
    stream: Any, buffer: DynamicBuffer, msg_or_parser: _Message | _Parser, token: use_awaitable_t
) -> awaitable[int]: ...


@overload
def async_read(
    stream: Any, buffer: DynamicBuffer, msg_or_parser: _Message | _Parser, token: use_future_t
) -> concurrent.futures.Future[int]: ...


@overload
def async_read(
    stream: Any, buffer: DynamicBuffer, msg_or_parser: _Message | _Parser, token: AdapterToken
) -> Any: ...


@overload
def async_read(
    stream: Any, buffer: DynamicBuffer, msg_or_parser: _Message | _Parser, token: Handler
) -> None: ...


def async_read(stream: Any, buffer: Any, msg_or_parser: Any, token: Any) -> Any:
    """Read a whole message (Beast's ``async_read``).

    With a parser, it is set eager and fed until it is done (at once, through the queue,
    if it already is). With a message (``http.request()``/``http.response()``), a new
    parser is made for it (default limits: 1 MiB request bodies, 8 MiB response bodies)
    and on success the message becomes what was read: start line, fields and body; on
    failure it is left as it was. As :func:`async_read_some` otherwise.

    After a message whose end is the end of the connection (``need_eof()``: a response
    without Content-Length or chunked coding), the read succeeds at the peer's close, and
    the next read reports ``end_of_stream``.

    A composed operation of calls of ``stream.async_read_some``. This call returns
    immediately; the handler is never invoked from within it, and runs through its
    associated executor (by default the stream's). No other read may be started on the
    stream until it completes.

    Args:
        stream: The stream to read from.
        buffer: The connection's dynamic buffer.
        msg_or_parser: An ``http.request``/``http.response`` to fill, or a parser.
        token: The completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter (``as_tuple``, ``cancel_after``...).

    Handler:
        ``handler(ec: error_code, bytes_transferred: int)``: the bytes the parser consumed.

    Returns:
        ``None`` for a handler. With ``use_future``, a ``Future[int]`` of the bytes
        the parser consumed; with ``use_awaitable``, an ``awaitable[int]``. A failure raises
        :class:`~asiolike.error.system_error` from ``result()`` or ``await``.

    Errors:
        See the module table.

    Raises:
        TypeError: the stream, buffer or message/parser is not one.
        ValueError: the parser released its message.

    Example (Beast's ``http_client_async``)::

        def on_write(self, ec: beast.error_code, bytes_transferred: int) -> None:
            if ec:
                return fail(ec, "write")
            http.async_read(self.stream, self.buffer, self.res, self.on_read)

        def on_read(self, ec: beast.error_code, bytes_transferred: int) -> None:
            if ec:
                return fail(ec, "read")
            print(self.res)
    """
    if isinstance(msg_or_parser, basic_parser):
        parser, msg = msg_or_parser, None
    else:
        parser, msg = _r.parser_for(msg_or_parser, "async_read"), msg_or_parser
    _r.check_parser(parser, "async_read").eager(True)
    return _start_read(stream, buffer, parser, token, _r.MESSAGE, "async_read", msg)


def _start_read(
    stream: Any,
    buffer: Any,
    parser: Any,
    token: Any,
    until: int,
    who: str,
    msg: request | response | None = None,
) -> Future | None:
    io_executor = _stream_executor(stream, who, "async_read_some")
    _r.check_buffer(buffer, who)
    _r.check_parser(parser, who)
    return async_initiate(_initiate_read, token, io_executor, stream, buffer, parser, until, msg)


def _initiate_read(
    handler: Handler,
    io_executor: Any,
    stream: Any,
    buffer: Any,
    parser: Any,
    until: int,
    msg: request | response | None,
) -> None:
    _r.read_op(handler, io_executor, stream, buffer, parser, until, msg).start()


def read_some(stream: Any, buffer: Any, parser: Any) -> int:
    """Read some of a message, blocking: as :func:`async_read_some`.

    Returns:
        The bytes the parser consumed.

    Raises:
        system_error: carrying the error :func:`async_read_some` would report.
        TypeError: the stream, buffer or parser is not one.
    """
    return _read_sync(stream, buffer, parser, _r.SOME, "read_some")


def read_header(stream: Any, buffer: Any, parser: Any) -> int:
    """Read until the header is done, blocking: as :func:`async_read_header`.

    Returns:
        The bytes the parser consumed.

    Raises:
        system_error: carrying the error :func:`async_read_header` would report.
        TypeError: the stream, buffer or parser is not one.
    """
    _r.check_parser(parser, "read_header").eager(False)
    return _read_sync(stream, buffer, parser, _r.HEADER, "read_header")


def read(stream: Any, buffer: Any, msg_or_parser: Any) -> int:
    """Read a whole message, blocking: as :func:`async_read`.

    Returns:
        The bytes the parser consumed.

    Raises:
        system_error: carrying the error :func:`async_read` would report
            (``end_of_stream`` when the peer closed between messages).
        TypeError: the stream, buffer or message/parser is not one.
    """
    if isinstance(msg_or_parser, basic_parser):
        parser = msg_or_parser
        _r.check_parser(parser, "read").eager(True)
        return _read_sync(stream, buffer, parser, _r.MESSAGE, "read")
    parser = _r.parser_for(msg_or_parser, "read")
    parser.eager(True)
    n = _read_sync(stream, buffer, parser, _r.MESSAGE, "read")
    _r.move_message(parser.release(), msg_or_parser)
    return n


def _read_sync(stream: Any, buffer: Any, parser: Any, until: int, who: str) -> int:
    if not callable(getattr(stream, "read_some", None)):
        raise TypeError(f"{who}: expected a stream with read_some(), not {type(stream).__name__}")
    _r.check_buffer(buffer, who)
    return _r.read_sync(stream, buffer, _r.check_parser(parser, who), until, who)


# -- writing ------------------------------------------------------------------------------


@overload
def async_write_some(stream: Any, sr: _Serializer, token: use_awaitable_t) -> awaitable[int]: ...


@overload
def async_write_some(
    stream: Any, sr: _Serializer, token: use_future_t
) -> concurrent.futures.Future[int]: ...


@overload
def async_write_some(stream: Any, sr: _Serializer, token: AdapterToken) -> Any: ...


@overload
def async_write_some(stream: Any, sr: _Serializer, token: Handler) -> None: ...


def async_write_some(stream: Any, sr: Any, token: Any) -> Any:
    """Write some of a message: one ``async_write_some`` of the stream.

    Completes at once (through the queue) with 0 if the serializer is done. Call it
    again until ``sr.is_done()``.

    This call returns immediately; the handler is never invoked from within it, and runs
    through its associated executor (by default the stream's). No other write may be
    started on the stream until it completes.

    Args:
        stream: The stream to write to.
        sr: An ``http.serializer`` of the message.
        token: The completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter (``as_tuple``, ``cancel_after``...).

    Handler:
        ``handler(ec: error_code, bytes_transferred: int)``

    Returns:
        ``None`` for a handler. With ``use_future``, a ``Future[int]`` of the bytes
        written; with ``use_awaitable``, an ``awaitable[int]``. A failure raises
        :class:`~asiolike.error.system_error` from ``result()`` or ``await``.

    Errors:
        The stream's: ``broken_pipe``, ``connection_reset``, ``operation_aborted``,
        ``beast.error.timeout``...

    Raises:
        TypeError: the stream or serializer is not one.

    Example::

        def on_write(self, ec: beast.error_code, n: int) -> None:
            if not ec and not self.sr.is_done():
                http.async_write_some(self.stream, self.sr, self.on_write)
    """
    return _start_write(stream, _w.check_serializer(sr, "async_write_some"), token, _w.SOME)


@overload
def async_write_header(stream: Any, sr: _Serializer, token: use_awaitable_t) -> awaitable[int]: ...


@overload
def async_write_header(
    stream: Any, sr: _Serializer, token: use_future_t
) -> concurrent.futures.Future[int]: ...


@overload
def async_write_header(stream: Any, sr: _Serializer, token: AdapterToken) -> Any: ...


@overload
def async_write_header(stream: Any, sr: _Serializer, token: Handler) -> None: ...


def async_write_header(stream: Any, sr: Any, token: Any) -> Any:
    """Write the header of a message (Beast's ``async_write_header``).

    Sets ``sr.split(True)`` so that the header goes out on its own; continue with
    :func:`async_write` on the same serializer for the body. A composed operation of
    calls of ``stream.async_write_some``.

    This call returns immediately; the handler is never invoked from within it, and runs
    through its associated executor (by default the stream's). No other write may be
    started on the stream until it completes.

    Args:
        stream: The stream to write to.
        sr: An ``http.serializer`` of the message.
        token: The completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter (``as_tuple``, ``cancel_after``...).

    Handler:
        ``handler(ec: error_code, bytes_transferred: int)``

    Returns:
        ``None`` for a handler. With ``use_future``, a ``Future[int]`` of the bytes
        written; with ``use_awaitable``, an ``awaitable[int]``. A failure raises
        :class:`~asiolike.error.system_error` from ``result()`` or ``await``.

    Errors:
        The stream's.

    Raises:
        TypeError: the stream or serializer is not one.

    Example::

        self.sr = http.serializer(self.res)
        http.async_write_header(self.stream, self.sr, self.on_header)
        # on_header: http.async_write(self.stream, self.sr, self.on_write)
    """
    check = _w.check_serializer(sr, "async_write_header")
    check.split(True)
    return _start_write(stream, check, token, _w.HEADER)


@overload
def async_write(
    stream: Any, msg_or_sr: _Message | _Serializer, token: use_awaitable_t
) -> awaitable[int]: ...


@overload
def async_write(
    stream: Any, msg_or_sr: _Message | _Serializer, token: use_future_t
) -> concurrent.futures.Future[int]: ...


@overload
def async_write(stream: Any, msg_or_sr: _Message | _Serializer, token: AdapterToken) -> Any: ...


@overload
def async_write(stream: Any, msg_or_sr: _Message | _Serializer, token: Handler) -> None: ...


def async_write(stream: Any, msg_or_sr: Any, token: Any) -> Any:
    """Write a whole message (Beast's ``async_write``).

    A composed operation of calls of ``stream.async_write_some``: the header, then the
    body. This call returns immediately; the handler is never invoked from within it, and
    runs through its associated executor (by default the stream's). No other write may be
    started on the stream until it completes.

    Args:
        stream: The stream to write to.
        msg_or_sr: An ``http.request``/``http.response`` (its framing is checked now:
            call ``prepare_payload()`` first), or a serializer.
        token: The completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter (``as_tuple``, ``cancel_after``...).

    Handler:
        ``handler(ec: error_code, bytes_transferred: int)``

    Returns:
        ``None`` for a handler. With ``use_future``, a ``Future[int]`` of the bytes
        written; with ``use_awaitable``, an ``awaitable[int]``. A failure raises
        :class:`~asiolike.error.system_error` from ``result()`` or ``await``.

    Errors:
        The stream's. Never ``end_of_stream``: check ``msg.need_eof()`` to know whether
        to close the connection afterwards.

    Raises:
        TypeError: the stream or message is not one.
        ValueError: the message's framing fields contradict its body.

    Example (Beast's ``http_client_async``)::

        def on_connect(self, ec: beast.error_code, ep: tcp.endpoint) -> None:
            if ec:
                return fail(ec, "connect")
            self.stream.expires_after(30)
            http.async_write(self.stream, self.req, self.on_write)
    """
    if isinstance(msg_or_sr, request | response):
        sr: serializer[Any] = serializer(msg_or_sr)
    else:
        sr = _w.check_serializer(msg_or_sr, "async_write")
    return _start_write(stream, sr, token, _w.MESSAGE)


def _start_write(stream: Any, sr: serializer[Any], token: Any, until: int) -> Future | None:
    io_executor = _stream_executor(stream, "async_write", "async_write_some")
    return async_initiate(_initiate_write, token, io_executor, stream, sr, until)


def _initiate_write(
    handler: Handler, io_executor: Any, stream: Any, sr: serializer[Any], until: int
) -> None:
    _w.write_op(handler, io_executor, stream, sr, until).start()


def write_some(stream: Any, sr: Any) -> int:
    """Write some of a message, blocking: as :func:`async_write_some`.

    Raises:
        system_error: the stream's error.
    """
    return _write_sync(stream, _w.check_serializer(sr, "write_some"), _w.SOME, "write_some")


def write_header(stream: Any, sr: Any) -> int:
    """Write the header, blocking: as :func:`async_write_header`.

    Raises:
        system_error: the stream's error.
    """
    check = _w.check_serializer(sr, "write_header")
    check.split(True)
    return _write_sync(stream, check, _w.HEADER, "write_header")


def write(stream: Any, msg_or_sr: Any) -> int:
    """Write a whole message, blocking: as :func:`async_write`.

    Returns:
        The number of bytes written.

    Raises:
        system_error: the stream's error.
        ValueError: the message's framing fields contradict its body.
    """
    if isinstance(msg_or_sr, request | response):
        sr: serializer[Any] = serializer(msg_or_sr)
    else:
        sr = _w.check_serializer(msg_or_sr, "write")
    return _write_sync(stream, sr, _w.MESSAGE, "write")


def _write_sync(stream: Any, sr: serializer[Any], until: int, who: str) -> int:
    if not callable(getattr(stream, "write_some", None)):
        raise TypeError(f"{who}: expected a stream with write_some(), not {type(stream).__name__}")
    return _w.write_sync(stream, sr, until, who)
