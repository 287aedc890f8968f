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

from typing import Any, Final, Generic, TypeVar, overload

from asiolike.beast.http import error
from asiolike.beast.http.body import body_size
from asiolike.beast.http.message import _UNSET, IN_MEMORY_BODIES, _Unset, request, response
from asiolike.beast.http.status import obsolete_reason
from asiolike.error import system_error

__all__ = ["serializer", "request_serializer", "response_serializer", "to_bytes"]

_COALESCE: Final = 16384

_M = TypeVar("_M", request, response)


def _header_text(msg: request | response) -> str:
    version = msg._version
    # The start line reads the attributes the accessors read (method_string(), reason()):
    # a verb member is its own text, and an unknown one keeps its text in _method_string.
    if isinstance(msg, request):
        method = msg._method_string or msg._method
        first = f"{method} {msg._target} HTTP/{version // 10}.{version % 10}\r\n"
    else:
        reason = msg._reason or obsolete_reason(msg._result)
        first = f"HTTP/{version // 10}.{version % 10} {msg._result:03d} {reason}\r\n"
    if not msg._names:
        return first + "\r\n"
    lines = "\r\n".join(map(": ".join, zip(msg._names, msg._values, strict=True)))
    return first + lines + "\r\n\r\n"


def _checked_body(msg: request | response) -> tuple[bytes | bytearray | memoryview, bool]:
    # The body as octets and whether it is chunked, after checking that the framing fields
    # describe it: a message whose framing lies would desynchronize the connection.
    body = msg.body
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError(f"the body must be bytes or str, not {type(body).__name__}")
    size = len(body) if type(body) is bytes else memoryview(body).nbytes
    return body, _checked_framing(msg, size)


def _checked_framing(msg: request | response, size: int | None) -> bool:
    # Whether the body is chunked, after checking the framing fields against its size
    # (None: a body type that cannot tell; without framing fields, a request or a 1xx,
    # 204 or 304 response then has no body, see _no_body).
    keys = msg._keys
    chunked = "transfer-encoding" in keys and msg.chunked()
    if "content-length" not in keys:
        length = None
    else:
        length = msg.content_length()
        if length is None:
            raise ValueError(
                f"Content-Length {msg['content-length']!r} is not a number: set it with "
                "content_length() or prepare_payload()"
            )
        if chunked:
            raise ValueError(
                "the message has both Content-Length and chunked Transfer-Encoding, which "
                "recipients may read differently: call content_length() or chunked() to pick one"
            )
    has_body = size is not None and size > 0
    if isinstance(msg, request):
        if has_body and not chunked and length is None:
            raise ValueError(
                "the request has a body but neither Content-Length nor chunked coding, so the "
                "server would not read it: call prepare_payload()"
            )
    elif (100 <= msg._result < 200 or msg._result in (204, 304)) and (has_body or chunked):
        raise ValueError(f"a {msg._result} response has no body: clear body and chunked()")
    if length is not None and size and length != size:
        raise ValueError(
            f"Content-Length is {length} but the body has {size} octets: call prepare_payload()"
        )
    return chunked


def _build_pieces(
    msg: request | response, body: bytes | bytearray | memoryview, chunked: bool, split: bool
) -> tuple[list[bytes | bytearray | memoryview], int]:
    head = _header_text(msg).encode("latin-1")
    size = len(body) if type(body) is bytes else memoryview(body).nbytes
    if chunked:
        before = f"{size:x}\r\n".encode() if size else b""
        after = b"\r\n0\r\n\r\n" if size else b"0\r\n\r\n"
    elif not size:
        return [head], len(head)
    else:
        before = after = b""
    if split:
        pieces = [head, before, body, after]
    elif size <= _COALESCE:
        pieces = [b"".join((head, before, body, after))]
    else:
        pieces = [head + before, body, after]
    return [piece for piece in pieces if len(piece)], len(head)


def _no_body(msg: request | response) -> bool:
    # Whether a message without Content-Length and chunked coding has no body: a request,
    # or a 1xx, 204 or 304 response (any other response's body ends at the close).
    if isinstance(msg, request):
        return True
    return 100 <= msg._result < 200 or msg._result in (204, 304)


class serializer(Generic[_M]):
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

    __slots__ = (
        "_body",
        "_chunked",
        "_consumed",
        "_generic",
        "_header_size",
        "_limit",
        "_more",
        "_msg",
        "_offset",
        "_pieces",
        "_split",
        "_writer",
    )

    def __init__(self, msg: _M) -> None:
        if not isinstance(msg, request | response):
            raise TypeError(f"serializer needs an http.request or http.response, not {msg!r}")
        self._msg: _M = msg
        body_type = msg._body_type
        self._writer: Any = None
        if body_type in IN_MEMORY_BODIES:
            self._body, self._chunked = _checked_body(msg)
            self._more = self._generic = False
        else:
            # Checked and started at the first next(), as Beast's serializer: a relay
            # makes it before the parser has read the header (see the module).
            if not hasattr(body_type, "writer"):
                raise TypeError(f"the body type {body_type.__name__} has no writer")
            self._chunked = False
            self._body = b""
            self._more = self._generic = True
        self._split = False
        self._limit: int | None = None
        self._pieces: list[bytes | bytearray | memoryview] | None = None
        self._offset = 0
        self._header_size = 0
        self._consumed = 0

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
        pieces = self._pieces
        if pieces is None:
            pieces = self._pieces = self._build()
        while not pieces:
            if not self._more:
                return None
            pieces += self._pull()
        piece = pieces[0]
        offset = self._offset
        limit = self._limit
        if offset == 0 and type(piece) is bytes and (limit is None or len(piece) <= limit):
            return piece
        view = memoryview(piece)[offset:]
        return view if limit is None else view[:limit]

    def consume(self, n: int) -> None:
        """Report that ``n`` octets of the last :meth:`next` buffer were written.

        Raises:
            ValueError: ``n`` is negative or more than that buffer holds.
        """
        pieces = self._pieces
        if pieces is None or not pieces:
            if n == 0:
                return
            raise ValueError("consume() before next() returned octets, or after the end")
        left = memoryview(pieces[0]).nbytes - self._offset
        if self._limit is not None:
            left = min(left, self._limit)
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= left:
            raise ValueError(f"consume({n!r}): the last next() returned {left} octets")
        self._consumed += n
        self._offset += n
        if self._offset == memoryview(pieces[0]).nbytes:
            del pieces[0]
            self._offset = 0

    def _build(self) -> list[bytes | bytearray | memoryview]:
        if not self._generic:
            pieces, self._header_size = _build_pieces(
                self._msg, self._body, self._chunked, self._split
            )
            return pieces
        msg = self._msg
        body_type = msg._body_type
        self._chunked = _checked_framing(msg, body_size(body_type, msg.body))
        head = _header_text(msg).encode("latin-1")
        self._header_size = len(head)
        if not self._chunked and "content-length" not in msg._keys and _no_body(msg):
            # Nothing says a body follows (a relayed GET): the header is the message.
            self._more = False
            return [head]
        writer = self._writer = body_type.writer(msg, msg.body)
        writer.init()
        if self._split or (self.can_sendfile() and writer.sendfile_source()[2] > _COALESCE):
            # A large file goes out with sendfile after the header; a small one is read
            # and joins the header below (one system call).
            return [head]
        # The header and a small first piece go out as one buffer (one system call).
        try:
            first: list[bytes | bytearray | memoryview] = self._pull()
        except system_error as exc:
            if exc.code != error.need_buffer:
                raise
            return [head]
        if sum(memoryview(p).nbytes for p in first) <= _COALESCE:
            return [b"".join((head, *first))]
        return [head, *first]

    def _pull(self) -> list[bytes | bytearray | memoryview]:
        # The writer's next piece, framed.
        got = self._writer.get()
        if got is None:
            raise system_error(error.need_buffer, "serializer")
        data, more = got
        self._more = more = bool(more)
        n = len(data) if type(data) is bytes else memoryview(data).nbytes
        if not self._chunked:
            return [data] if n else []
        out: list[bytes | bytearray | memoryview] = []
        if n:
            size_line = b"%x\r\n" % n
            if n <= _COALESCE:
                out.append(b"".join((size_line, data, b"\r\n")))
            else:
                out += (size_line, data, b"\r\n")
        if not more:
            out.append(b"0\r\n\r\n")
        return out

    def can_sendfile(self) -> bool:
        """Whether the body's writer can give its octets as a file range (``file_body``
        not chunked): the I/O layer may then use :meth:`sendfile_source`."""
        if not self._generic:
            return False
        chunked = self._chunked if self._pieces is not None else self._msg.chunked()
        return not chunked and hasattr(self._msg._body_type.writer, "sendfile_source")

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
        # No body and no framing field: nothing _checked_body could refuse, and the header
        # is the whole message (every WebSocket handshake request and 101 response).
        return _header_text(msg).encode("latin-1")
    body, chunked = _checked_body(msg)
    pieces, _ = _build_pieces(msg, body, chunked, False)
    if len(pieces) == 1 and type(pieces[0]) is bytes:
        return pieces[0]
    return b"".join(pieces)
