"""Sans-I/O HTTP/1 parsers, as Beast's ``http::basic_parser`` / ``http::parser``.

Theory of operation: :meth:`basic_parser.put` is offered the unconsumed octets of a
contiguous buffer and answers how many it used. A driver keeps a dynamic buffer::

    p = http.request_parser()
    p.eager(True)
    while not p.is_done():
        used, ec = p.put(buf.data())
        buf.consume(used)
        if ec == http.error.need_more:
            ...  # read more octets into buf (at EOF: ec = p.put_eof())
        elif ec:
            return fail(ec)
    req = p.release()

The header (and, later, each chunk-size line and the trailer section) must be whole in one
call: until it is, ``put`` consumes nothing and returns ``need_more``, and the driver calls
again with the same octets followed by more. Body octets are consumed as they come.

``need_more`` means the parser stopped because the input ran out in the middle of something
it cannot take piecemeal; the count may be non-zero when earlier pieces were consumed in the
same call (eager mode). ``(n, success)`` with the message not done means "call again with
the rest": a non-eager parser stops after each step (after the header, after a chunk).

Refused, because they let two parties disagree on where a message ends (request smuggling):
differing Content-Length values, Content-Length with Transfer-Encoding, a repeated
``chunked`` or anything after it, a request whose Transfer-Encoding does not end in
``chunked``, Transfer-Encoding in HTTP/1.0, a bare CR, whitespace before a colon, obs-fold,
and framing fields in trailers.

Line endings are CRLF only, as in Beast: a bare LF does not end a line but is an invalid
character of the part it falls in (``bad_version`` right after a request line, ``bad_reason``
after a status line, ``bad_value`` inside a field value, ``bad_field`` as the empty line).
Errors are named after the first offending octet, so the code never depends on how the
input was split. An unfinished header is checked as it arrives, each octet once (see
``_header.HeaderScanner``): a header dribbled in one octet per call costs linear work.

Defence in depth: an unexpected exception of the parser's own while decoding the peer's
octets fails the message like any malformed one (``bad_value``; ``bad_chunk`` in a chunked
body), is logged once at ERROR on ``asiolike.beast.http`` with its traceback, and leaves the
parser failed. Exceptions raised by the user's chunk callbacks are theirs and propagate.

Bodies. A ``string_body`` parser collects body octets itself (the common path). Any other
body type (:mod:`~asiolike.beast.http.body`) gets its octets through its ``reader``, made
when the header is done and the message has a body, piece by piece as they arrive: memory
stays bounded by what one ``put`` offers. A reader that raises ``system_error`` fails the
message with that code (the reader's exceptions are the user's, as the callbacks'). A
reader that takes fewer octets than offered (a full ``buffer_body``) makes ``put`` return
``need_buffer``, which, like ``need_more``, does not fail the parser: give the body room
and call again.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

from asiolike.beast.http import error
from asiolike.beast.http._parser_core import (
    _BODY,
    _BODY_TO_EOF,
    _CLOSE,
    _COMPLETE,
    _HEADER,
    _KEEP_ALIVE,
    _NOTHING_YET,
    _UPGRADE,
    _UPGRADE_FIELD,
    ChunkBodyCallback,
    ChunkHeaderCallback,
    _Buffer,
    finish,
    parser_core,
    put,
)
from asiolike.beast.http.message import _UNSET, _Unset, request, response, string_body
from asiolike.error import error_code, success

__all__ = ["basic_parser", "request_parser", "response_parser"]

_M = TypeVar("_M", request, response)


class basic_parser(parser_core, Generic[_M]):
    """The HTTP/1 parser common to requests and responses (Beast's ``basic_parser``).

    Use :class:`request_parser` or :class:`response_parser`. A parser reads one message:
    create a new one for the next message on the connection.
    """

    # The state is parser_core's (every slot); the message is the parser's kind of message.
    __slots__ = ()
    _msg: _M

    # -- options ------------------------------------------------------------------------

    @overload
    def eager(self) -> bool: ...
    @overload
    def eager(self, value: bool) -> None: ...
    def eager(self, value: bool | None = None) -> bool | None:
        """Get or set eager mode (default off).

        Off, ``put`` stops after each step: after the header (so the caller can look at it
        before the body is read), after each chunk. On, it goes on as far as the input goes.
        """
        if value is None:
            return self._eager
        self._eager = bool(value)
        return None

    @overload
    def skip(self) -> bool: ...
    @overload
    def skip(self, value: bool) -> None: ...
    def skip(self, value: bool | None = None) -> bool | None:
        """Get or set whether the message has no body whatever its header says.

        Set it on a response parser reading the answer to a HEAD request (or a 2xx answer
        to CONNECT): its Content-Length describes a body that is not sent.

        Raises:
            ValueError: Setting it after the first octet was parsed.
        """
        if value is None:
            return self._skip
        if self._state != _NOTHING_YET:
            raise ValueError("skip() must be set before the first put()")
        self._skip = bool(value)
        return None

    @overload
    def header_limit(self) -> int: ...
    @overload
    def header_limit(self, value: int) -> None: ...
    def header_limit(self, value: int | None = None) -> int | None:
        """Get or set the most octets the header may take, final CRLF included (8192).

        The same limit bounds each chunk-size line and the trailer section. Exceeding it
        gives ``http.error.header_limit`` as soon as that many octets are buffered without
        the end in sight.

        Raises:
            ValueError: A limit below 1.
        """
        if value is None:
            return self._header_limit
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"header_limit must be an int >= 1, not {value!r}")
        self._header_limit = value
        return None

    @overload
    def body_limit(self) -> int | None: ...
    @overload
    def body_limit(self, value: int | None) -> None: ...
    def body_limit(self, value: int | _Unset | None = _UNSET) -> int | None:
        """Get or set the most octets the body may have, or ``None`` for no limit.

        Defaults: 1 MiB for requests, 8 MiB for responses. A Content-Length above the limit
        fails at once with ``http.error.body_limit``; chunked and close-delimited bodies
        fail when the octets announced or received go past it.

        Raises:
            ValueError: A negative limit.
        """
        if value is _UNSET:
            return self._body_limit
        bad = isinstance(value, bool) or not isinstance(value, int) or value < 0
        if value is not None and bad:
            raise ValueError(f"body_limit must be an int >= 0 or None, not {value!r}")
        self._body_limit = value
        return None

    def on_chunk_header(self, callback: ChunkHeaderCallback | None) -> None:
        """Call ``callback(size, extensions)`` for each chunk-size line of a chunked body.

        ``extensions`` is the raw chunk-ext text (``";name=value"``, already validated;
        parse it with :meth:`~asiolike.beast.http.chunk_extensions.parse`). The last chunk
        has size 0. Returning an error code stops parsing with that error.
        """
        self._on_chunk_header = callback

    def on_chunk_body(self, callback: ChunkBodyCallback | None) -> None:
        """Hand chunk data to ``callback(remain, data)`` instead of storing it in the body.

        ``remain`` is how many octets of the chunk are left including ``data``; the callback
        returns how many of ``data`` it used (the rest is offered again by the next
        ``put``). ``data`` is a view of the caller's buffer: copy what you keep.
        """
        self._on_chunk_body = callback

    # -- state --------------------------------------------------------------------------

    def got_some(self) -> bool:
        """Whether at least one octet of the message was offered."""
        return self._state != _NOTHING_YET

    def is_header_done(self) -> bool:
        """Whether the whole header was parsed."""
        return self._state > _HEADER

    def is_done(self) -> bool:
        """Whether the whole message was parsed."""
        return self._state == _COMPLETE

    def get(self) -> _M:
        """The message being built (its header is filled in once the header is done)."""
        if self._released:
            raise ValueError("the message was released: get() is not available any more")
        return self._msg

    def release(self) -> _M:
        """Hand the message over; the parser cannot be used afterwards."""
        msg = self.get()
        self._released = True
        return msg

    def _require_header(self, what: str) -> None:
        if self._state <= _HEADER:
            raise ValueError(f"{what}() needs the header: call it once is_header_done() is true")

    def content_length(self) -> int | None:
        """The Content-Length of the message, or ``None`` if it has none."""
        self._require_header("content_length")
        return self._content_length

    def content_length_remaining(self) -> int | None:
        """How many body octets are still to come, if the message has a Content-Length."""
        self._require_header("content_length_remaining")
        if self._content_length is None:
            return None
        return self._remain if self._state == _BODY else 0

    def chunked(self) -> bool:
        """Whether the body uses the chunked transfer coding."""
        self._require_header("chunked")
        return self._chunked

    def keep_alive(self) -> bool:
        """Whether the connection can carry another message after this one."""
        self._require_header("keep_alive")
        if self._http11:
            if self._conn & _CLOSE:
                return False
        elif not self._conn & _KEEP_ALIVE:
            return False
        return not self._need_eof

    def need_eof(self) -> bool:
        """Whether the body ends when the connection closes (a response with no length)."""
        self._require_header("need_eof")
        return self._need_eof

    def upgrade(self) -> bool:
        """Whether the message asks for a protocol upgrade (Connection: upgrade + Upgrade)."""
        self._require_header("upgrade")
        both = _UPGRADE | _UPGRADE_FIELD
        return (self._conn & both) == both

    # -- input --------------------------------------------------------------------------

    def put(self, data: _Buffer) -> tuple[int, error_code]:
        """Parse octets from the front of ``data``.

        Args:
            data: The unconsumed input, contiguous: ``bytes``, ``bytearray`` or a
                ``memoryview`` of octets. Until the header is complete, pass the same
                octets again with more appended.

        Returns:
            ``(used, ec)``: how many octets were consumed (remove them from the buffer), and
            ``need_more`` (append more input and call again), an error (the parser stays
            failed: later calls return it again), or success. ``stale_parser`` after the
            message is done.
        """
        return put(self, data)

    def put_eof(self) -> error_code:
        """Tell the parser the input ended (the peer closed the connection).

        Returns:
            Success when that completes the message (a close-delimited body) or it was
            complete; ``end_of_stream`` if no octet was received; ``partial_message`` if the
            message was cut short. An error stays, as for :meth:`put`.
        """
        if self._ec:
            return self._ec
        state = self._state
        if state == _COMPLETE:
            return success
        if state == _BODY_TO_EOF:
            ec = finish(self)
            if ec:
                self._ec = ec
            return ec
        self._ec = error.end_of_stream if state == _NOTHING_YET else error.partial_message
        return self._ec


class request_parser(basic_parser[request]):
    """A parser for one HTTP request (Beast's ``request_parser``).

    Args:
        body_type: :class:`~asiolike.beast.http.string_body` (default: the body is stored
            in ``get().body`` as ``bytes``), :class:`~asiolike.beast.http.empty_body`
            (body octets are an error: ``unexpected_body``), or any body type with a
            reader (``vector_body``, ``dynamic_body``, ``buffer_body``, ``file_body``, your
            own): ``get().body`` is then a new ``body_type.value_type()``, e.g. a
            ``file_body`` whose file you open once the header is read.

    The body limit defaults to 1 MiB. A request without Content-Length or chunked coding
    has no body.
    """

    __slots__ = ()

    def __init__(self, body_type: Any = string_body) -> None:
        super().__init__(request._blank(), body_type, 1 << 20)


class response_parser(basic_parser[response]):
    """A parser for one HTTP response (Beast's ``response_parser``).

    Args:
        body_type: :class:`~asiolike.beast.http.string_body` (default), or any body
            type with a reader, as for :class:`request_parser`.

    The body limit defaults to 8 MiB. 1xx, 204 and 304 responses (and any response after
    ``skip(True)``) have no body; a response with neither Content-Length nor chunked coding
    ends when the connection closes (call :meth:`~basic_parser.put_eof`).
    """

    __slots__ = ()

    def __init__(self, body_type: Any = string_body) -> None:
        super().__init__(response._blank(), body_type, 8 << 20)
