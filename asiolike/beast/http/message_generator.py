"""Beast's ``http::message_generator``: any response, whatever its body type, as one type.

A request handler that may answer with a string, a file or an empty body returns a
:class:`message_generator`, and the session writes it with :func:`async_write`
(``beast.async_write``), as Beast 1.80's examples do::

    def handle_request(doc_root, req) -> http.message_generator:
        res = http.response[http.file_body](http.status.ok, req.version())
        res.body.open(path, beast.file_mode.scan)
        res.prepare_payload()
        return http.message_generator(res)

    def send_response(self, gen: http.message_generator) -> None:
        keep_alive = gen.keep_alive()
        beast.async_write(self.stream, gen, functools.partial(self.on_write, keep_alive))

The generator owns the message and its serializer: the body streams piece by piece (a
``file_body`` over a plain TCP stream goes out with ``os.sendfile``).
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any, overload

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.beast.http import _write_op as _w
from asiolike.beast.http._serializer_core import consume, next_buffer
from asiolike.beast.http.message import request, response
from asiolike.beast.http.serializer import serializer
from asiolike.error import error_code
from asiolike.read import _stream_executor

__all__ = ["message_generator", "async_write", "write"]


class message_generator:
    """A message of any body type, ready to be written (Beast's ``message_generator``).

    Args:
        msg: An ``http.request`` or ``http.response`` (its framing is checked now: call
            ``prepare_payload()`` or set Content-Length/chunked first). The generator
            takes it over: do not change it afterwards.

    Raises:
        TypeError: ``msg`` is not a message.
        ValueError: The framing fields contradict the body (as ``http.serializer``).
    """

    __slots__ = ("_keep_alive", "_msg", "_sr")

    def __init__(self, msg: request | response) -> None:
        if not isinstance(msg, request | response):
            raise TypeError(
                f"message_generator needs an http.request or http.response, not {msg!r}"
            )
        self._msg = msg
        self._sr: serializer[Any] = serializer(msg)
        self._keep_alive = msg.keep_alive()

    def keep_alive(self) -> bool:
        """Whether the connection stays open after this message (from its header)."""
        return self._keep_alive

    def prepare(self) -> list[bytes | memoryview]:
        """The next octets to write (an empty list once everything was consumed).

        Raises:
            system_error: The body's writer failed (or has no octets yet: ``need_buffer``).
        """
        data = next_buffer(self._sr)  # self._sr.next() without its interpreted frame
        return [] if data is None else [data]

    def consume(self, n: int) -> None:
        """Report that ``n`` octets of the last :meth:`prepare` were written."""
        consume(self._sr, n)

    def is_done(self) -> bool:
        """Whether the whole message was written."""
        return self._sr.is_done()

    def serializer(self) -> serializer[Any]:
        """The serializer that writes the message."""
        return self._sr

    def __repr__(self) -> str:
        return f"<message_generator {self._msg!r} keep_alive={self._keep_alive}>"


def _check(gen: object, who: str) -> message_generator:
    if not isinstance(gen, message_generator):
        raise TypeError(f"{who}: expected an http.message_generator, not {type(gen).__name__}")
    return gen


@overload
def async_write(
    stream: Any, generator: message_generator, token: use_awaitable_t
) -> awaitable[int]: ...


@overload
def async_write(
    stream: Any, generator: message_generator, token: use_future_t
) -> concurrent.futures.Future[int]: ...


@overload
def async_write(stream: Any, generator: message_generator, token: AdapterToken) -> Any: ...


@overload
def async_write(
    stream: Any, generator: message_generator, token: Callable[[error_code, int], object]
) -> None: ...


def async_write(stream: Any, generator: message_generator, token: Any) -> Any:
    """Write a whole :class:`message_generator` (Beast's ``beast::async_write``).

    As :func:`asiolike.beast.http.async_write` of the message, a composed operation of
    writes of ``stream``: the header, then the body piece by piece (``os.sendfile`` for a
    ``file_body`` over a plain TCP stream).

    This call returns immediately; the handler is never invoked from within it, and runs
    through its associated executor (by default the stream's). No other write may be
    started on the stream until it completes.

    Args:
        stream: The stream to write to.
        generator: The message.
        token: The completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter.

    Handler:
        ``handler(ec: error_code, bytes_transferred: int)``

    Returns:
        ``None`` for a handler; a ``Future[int]`` with ``use_future``; an
        ``awaitable[int]`` with ``use_awaitable``, of the bytes written.

    Errors:
        The stream's; a body writer's ``system_error`` code (a file that cannot be read).

    Raises:
        TypeError: the stream or generator is not one.

    Example (Beast's ``http_server_async``)::

        def send_response(self, gen: http.message_generator) -> None:
            keep_alive = gen.keep_alive()
            beast.async_write(
                self.stream, gen, beast.bind_front_handler(self.on_write, keep_alive)
            )
    """
    sr = _check(generator, "async_write").serializer()
    io_executor = _stream_executor(stream, "async_write", "async_write_some")
    return async_initiate(_initiate, token, io_executor, stream, sr)


def _initiate(
    handler: Callable[[error_code, int], object], io_executor: Any, stream: Any, sr: Any
) -> None:
    _w.write_op(handler, io_executor, stream, sr, _w.MESSAGE).start()


def write(stream: Any, generator: message_generator) -> int:
    """Write a whole :class:`message_generator`, blocking (Beast's ``beast::write``).

    Returns:
        The number of bytes written.

    Raises:
        system_error: the stream's error, or a body writer's.
    """
    sr = _check(generator, "write").serializer()
    if not callable(getattr(stream, "write_some", None)):
        raise TypeError(f"write: expected a stream with write_some(), not {type(stream).__name__}")
    return _w.write_sync(stream, sr, _w.MESSAGE, "write")
