"""Beast's ``detect_ssl``: does a connection start with a TLS ClientHello?

A server that takes plain and TLS clients on one port (Beast's ``advanced_server_flex``)
reads the first octets of a connection into its buffer and looks at them: a TLS client
speaks first, with a handshake record (content type 22) holding a ClientHello (handshake
type 1). The octets read stay in the buffer: a plain session parses them as the start of
an HTTP request, a TLS session hands them to ``ssl.stream.async_handshake(type, buffers,
handler)``, which starts from them.

Only as many octets as needed are looked at: one octet tells a non-TLS client (anything
but 22), six tell a ClientHello (record type 22, a major version of 3, a record length of
at least 34 octets, handshake type 1).
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any, Final, overload

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.buffer import DynamicBuffer
from asiolike.detail.completion import Executor, composed_op
from asiolike.detail.handler_check import EC_IS_TLS
from asiolike.detail.scheduler import invokes_directly
from asiolike.error import eof, error_code, make_error_code, success, system_error
from asiolike.read import _stream_executor

__all__ = ["is_tls_client_hello", "async_detect_ssl", "detect_ssl"]

_READ_SIZE: Final = 1536


def is_tls_client_hello(data: Any) -> bool | None:
    """Whether ``data`` starts with a TLS ClientHello: True, False, or None (need more).

    Args:
        data: A bytes-like object (the start of what the peer sent).
    """
    view = memoryview(data).cast("B")
    n = view.nbytes
    if n < 1:
        return None
    if view[0] != 0x16:
        return False
    if n < 2:
        return None
    if view[1] != 3:
        return False
    if n < 5:
        return None
    if (view[3] << 8 | view[4]) < 34:
        return False
    if n < 6:
        return None
    return bool(view[5] == 1)


def _verdict(buffer: Any) -> bool | None:
    view = buffer.data()
    try:
        return is_tls_client_hello(view)
    finally:
        view.release()


def _room(buffer: Any) -> int:
    size: int = buffer.size()
    return int(min(_READ_SIZE, buffer.max_size() - size))


class _detect_op(composed_op):

    handler_signature = EC_IS_TLS
    __slots__ = ("_buffer", "_stream", "_view")

    def __init__(
        self, handler: Callable[..., object], io_executor: Executor, stream: Any, buffer: Any
    ) -> None:
        composed_op.__init__(self, handler, io_executor, invokes_directly(io_executor))
        self._stream = stream
        self._buffer = buffer
        self._view: memoryview | None = None

    def start(self) -> None:
        self._step(False)

    def _step(self, cont: bool) -> None:
        result = _verdict(self._buffer)
        if result is not None:
            self.complete(cont, success, result)
            return
        n = _room(self._buffer)
        if n <= 0:
            # The buffer is full and still undecided: not a TLS client we can take.
            self.complete(cont, success, False)
            return
        view = self._view = self._buffer.prepare(n)
        self._stream.async_read_some(
            view, self.__call__ if self.plain_steps else self
        )

    def __call__(self, ec: error_code, n: int) -> None:
        view = self._view
        if view is not None:
            self._view = None
            view.release()
        self._buffer.commit(n)
        if ec:
            self.complete(True, ec, False)
            return
        self._step(True)


@overload
def async_detect_ssl(
    stream: Any, buffer: DynamicBuffer, token: use_awaitable_t
) -> awaitable[bool]: ...


@overload
def async_detect_ssl(
    stream: Any, buffer: DynamicBuffer, token: use_future_t
) -> concurrent.futures.Future[bool]: ...


@overload
def async_detect_ssl(stream: Any, buffer: DynamicBuffer, token: AdapterToken) -> Any: ...


@overload
def async_detect_ssl(
    stream: Any, buffer: DynamicBuffer, token: Callable[[error_code, bool], object]
) -> None: ...


def async_detect_ssl(stream: Any, buffer: Any, token: Any) -> Any:
    """Read until the first octets tell whether the peer starts a TLS handshake.

    Beast's ``async_detect_ssl``, a composed operation of reads of ``stream``: it reads
    into ``buffer`` only while the octets buffered cannot tell (at most six are needed),
    so a plain client that speaks first is answered at once. Every octet read stays in
    ``buffer`` (hand it to ``async_handshake`` or ``http.async_read`` next). Completes at
    once (through the queue) when the buffer already tells.

    This call returns immediately; the handler is never invoked from within it, and runs
    through its associated executor (by default the stream's). No other read may be
    started on the stream until it completes.

    Args:
        stream: The stream to read from (a ``beast.tcp_stream`` for a deadline).
        buffer: A dynamic buffer (``beast.flat_buffer()``); keep it for the session.
        token: The completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter.

    Handler:
        ``handler(ec: error_code, result: bool)``: ``True`` for a TLS ClientHello.

    Returns:
        ``None`` for a handler; a ``Future[bool]`` with ``use_future``; an
        ``awaitable[bool]`` with ``use_awaitable``.

    Errors:
        The stream's: ``eof`` (the peer closed before it could tell),
        ``beast.error.timeout``, ``operation_aborted``...

    Raises:
        TypeError: ``stream`` has no ``async_read_some``/``get_executor``, or ``buffer``
            is not a dynamic buffer.

    Example (Beast's ``advanced_server_flex``)::

        def run(self) -> None:
            self.stream.expires_after(30)
            beast.async_detect_ssl(self.stream, self.buffer, self.on_detect)

        def on_detect(self, ec: beast.error_code, is_tls: bool) -> None:
            if ec:
                return fail(ec, "detect")
            ...  # TLS: ssl_stream + async_handshake(server, self.buffer.data(), ...)
    """
    io_executor = _stream_executor(stream, "async_detect_ssl", "async_read_some")
    _check_buffer(buffer, "async_detect_ssl")
    return async_initiate(_initiate, token, io_executor, stream, buffer)


def _initiate(
    handler: Callable[[error_code, bool], object], io_executor: Any, stream: Any, buffer: Any
) -> None:
    _detect_op(handler, io_executor, stream, buffer).start()


def _check_buffer(buffer: Any, who: str) -> None:
    for name in ("data", "prepare", "commit", "size", "max_size"):
        if not callable(getattr(buffer, name, None)):
            raise TypeError(
                f"{who}: the buffer must be a dynamic buffer such as beast.flat_buffer(), "
                f"not {type(buffer).__name__}"
            )


def detect_ssl(stream: Any, buffer: Any) -> bool:
    """Blocking form of :func:`async_detect_ssl`: whether the peer starts a TLS handshake.

    Raises:
        system_error: the stream's error (``eof`` if the peer closed first).
    """
    _check_buffer(buffer, "detect_ssl")
    while True:
        result = _verdict(buffer)
        if result is not None:
            return result
        n = _room(buffer)
        if n <= 0:
            return False
        view = buffer.prepare(n)
        try:
            got = stream.read_some(view)
        except OSError as exc:
            view.release()
            buffer.commit(0)
            raise system_error(make_error_code(exc), "detect_ssl") from None
        view.release()
        buffer.commit(got)
        if got == 0:
            raise system_error(eof, "detect_ssl")
