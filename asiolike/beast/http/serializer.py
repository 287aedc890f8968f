"""Sans-I/O message serialization, as Beast's ``http::serializer``.

Theory of operation: the serializer turns a message into a short list of buffers (header,
chunk framing, body) the first time :meth:`serializer.next` is called, and hands them out one
at a time: the caller writes what it can and reports it with :meth:`serializer.consume`::

    sr = http.serializer(res)
    while not sr.is_done():
        buf = sr.next()
        n = sock.send(buf)
        sr.consume(n)

The body is never copied into a bigger buffer unless it is small: a header and a body of up
to 16 KiB come out as one buffer (one system call), a larger body as a view of itself.

Bodies held in memory (``string_body``, ``vector_body``, ``empty_body``) are sized and
framed at once. Any other body type (:mod:`~asiolike.beast.http.body`) is pulled from its
``writer`` one piece at a time as the previous one is consumed, framed as a chunk when the
message is chunked: memory stays at one piece whatever the body's size. A writer that has
no octets yet (a ``buffer_body`` waiting for its next piece) makes :meth:`serializer.next`
raise ``system_error`` with ``http.error.need_buffer``; a writer's own failure raises its
``system_error``. The serializer opens nothing: a file body's file is the user's.

For the I/O layer: :meth:`serializer.sendfile_source` tells when the rest of the message is
a range of a file (a ``file_body`` sent whole, not chunked), so that ``http.write`` can hand
it to ``os.sendfile``, and :meth:`serializer.sendfile_consume` records what went out.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

from asiolike.beast.http._serializer_core import (
    build_pieces,
    can_sendfile,
    checked_body,
    consume,
    header_text,
    next_buffer,
    serializer_core,
)
from asiolike.beast.http.message import _UNSET, IN_MEMORY_BODIES, _Unset, request, response

__all__ = ["serializer", "request_serializer", "response_serializer", "to_bytes"]

_M = TypeVar("_M", request, response)


class serializer(serializer_core, Generic[_M]):
    """Produces the octets of one message, piece by piece (Beast's ``serializer``).

    Args:
        msg: The request or response. It must not change until the serializer is done.

    Raises:
        ValueError: The framing fields contradict the body (e.g. Content-Length differs from
            the body size, a request body without Content-Length or chunked coding, both
            Content-Length and chunked): call ``msg.prepare_payload()``. For a body type
            streamed by a writer (not held in memory), the framing is checked at the first
            :meth:`next` instead, as a relay builds the serializer before the header is
            read.
        TypeError: The body is not ``bytes``-like or ``str``.
    """

    # The state is serializer_core's (every slot); the message is the serializer's kind.
    __slots__ = ()
    _msg: _M

    def get(self) -> _M:
        """The message being serialized."""
        return self._msg

    @overload
    def split(self) -> bool: ...
    @overload
    def split(self, value: bool) -> None: ...
    def split(self, value: bool | None = None) -> bool | None:
        """Get or set whether the header comes out as a buffer of its own.

        With ``split(True)``, :meth:`next` returns only header octets until
        :meth:`is_header_done`: write the header, look at the result, then go on with the
        body (or write chunks yourself). Set it before the first :meth:`next`.
        """
        if value is None:
            return self._split
        self._split = bool(value)
        return None

    @overload
    def limit(self) -> int | None: ...
    @overload
    def limit(self, value: int | None) -> None: ...
    def limit(self, value: int | _Unset | None = _UNSET) -> int | None:
        """Get or set the most octets one :meth:`next` returns (``None``: no limit)."""
        if value is _UNSET:
            return self._limit
        bad = isinstance(value, bool) or not isinstance(value, int) or value < 1
        if value is not None and bad:
            raise ValueError(f"limit must be an int >= 1 or None, not {value!r}")
        self._limit = value
        return None

    def is_header_done(self) -> bool:
        """Whether every header octet was consumed."""
        return self._pieces is not None and self._consumed >= self._header_size

    def is_done(self) -> bool:
        """Whether every octet of the message was consumed."""
        return self._pieces is not None and not self._pieces and not self._more

    def next(self) -> bytes | memoryview | None:
        """The next octets to write, or ``None`` when the message is done.

        The same octets are returned until :meth:`consume` reports them written. A buffer
        may be a view of the message body: do not change the body meanwhile.

        Raises:
            system_error: ``http.error.need_buffer`` when the body's writer has no octets
                yet (a ``buffer_body`` whose piece went out while ``more`` is true: give it
                the next piece and call again), or the writer's own error.
        """
        return next_buffer(self)

    def consume(self, n: int) -> None:
        """Report that ``n`` octets of the last :meth:`next` buffer were written.

        Raises:
            ValueError: ``n`` is negative or more than that buffer holds.
        """
        consume(self, n)

    def can_sendfile(self) -> bool:
        """Whether the body's writer can give its octets as a file range (``file_body``
        not chunked): the I/O layer may then use :meth:`sendfile_source`."""
        return can_sendfile(self)

    def sendfile_source(self) -> tuple[int, int, int] | None:
        """``(fd, offset, count)`` when the rest of the message is that range of a file.

        Only between pieces (every octet handed out so far consumed), for a body whose
        writer offers it (:meth:`can_sendfile`); else ``None``. Send the range (all or
        part) with ``os.sendfile`` and report it with :meth:`sendfile_consume`.
        """
        if self._pieces or self._pieces is None or not self._more or not self.can_sendfile():
            return None
        source: tuple[int, int, int] = self._writer.sendfile_source()
        if source[2] <= 0:
            self._more = False
            return None
        return source

    def sendfile_consume(self, n: int) -> None:
        """Report that ``n`` octets of the :meth:`sendfile_source` range were sent."""
        source = self.sendfile_source()
        if source is None or not 0 <= n <= source[2]:
            raise ValueError(f"sendfile_consume({n!r}): no file range of that size is pending")
        self._writer.sendfile_advance(n)
        self._consumed += n
        if n == source[2]:
            self._more = False


class request_serializer(serializer[request]):
    """A :class:`serializer` for requests (Beast's ``request_serializer``)."""

    __slots__ = ()


class response_serializer(serializer[response]):
    """A :class:`serializer` for responses (Beast's ``response_serializer``)."""

    __slots__ = ()


def to_bytes(msg: request | response) -> bytes:
    """The whole message as one ``bytes`` object (header, framing and body).

    Convenient for small messages and tests; for large bodies use :class:`serializer`, which
    does not copy the body.

    Raises:
        ValueError: As :class:`serializer`, when the framing contradicts the body.
    """
    if not isinstance(msg, request | response):
        raise TypeError(f"to_bytes needs an http.request or http.response, not {msg!r}")
    if msg._body_type not in IN_MEMORY_BODIES:
        sr: serializer[Any] = serializer(msg)
        out = bytearray()
        while (data := sr.next()) is not None:
            out += data
            sr.consume(memoryview(data).nbytes)
        return bytes(out)
    keys = msg._keys
    if (
        type(msg.body) is bytes
        and not msg.body
        and "content-length" not in keys
        and "transfer-encoding" not in keys
    ):
        # No body and no framing field: nothing checked_body could refuse, and the header
        # is the whole message (every WebSocket handshake request and 101 response).
        return header_text(msg).encode("latin-1")
    body, chunked = checked_body(msg)
    pieces, _ = build_pieces(msg, body, chunked, False)
    if len(pieces) == 1 and type(pieces[0]) is bytes:
        return pieces[0]
    return b"".join(pieces)
