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

import logging
import re
from collections.abc import Callable
from typing import Any, Final, Generic, TypeVar, overload

from asiolike.beast.http import _grammar, _header, error
from asiolike.beast.http.body import is_body_type
from asiolike.beast.http.fields import fields
from asiolike.beast.http.message import _UNSET, _Unset, empty_body, request, response, string_body
from asiolike.beast.http.verb import string_to_verb, verb
from asiolike.error import error_code, success, system_error

__all__ = ["basic_parser", "request_parser", "response_parser"]

_NOTHING_YET: Final = 0
_HEADER: Final = 1
_BODY: Final = 2
_BODY_TO_EOF: Final = 3
_CHUNK_HEADER: Final = 4
_CHUNK_BODY: Final = 5
_TRAILERS: Final = 6
_COMPLETE: Final = 7

_DEFAULT_HEADER_LIMIT: Final = 8192

log: Final = logging.getLogger("asiolike.beast.http")

# The Connection tokens the parser acts on, and the Upgrade field, as bits of _conn.
_CLOSE: Final = 1
_KEEP_ALIVE: Final = 2
_UPGRADE: Final = 4
_UPGRADE_FIELD: Final = 8
_CONNECTION_TOKENS: Final = {"close": _CLOSE, "keep-alive": _KEEP_ALIVE, "upgrade": _UPGRADE}
_FRAMING_KEYS: Final = frozenset(
    ("content-length", "transfer-encoding", "connection", "proxy-connection", "upgrade")
)
_Buffer = bytes | bytearray | memoryview
ChunkHeaderCallback = Callable[[int, str], "error_code | None"]
ChunkBodyCallback = Callable[[int, memoryview], int]

_M = TypeVar("_M", request, response)


_NEEDLES: Final = {b"\r\n": re.compile(b"\r\n"), b"\r\n\r\n": re.compile(b"\r\n\r\n")}


def _find(data: _Buffer, needle: bytes, start: int, end: int) -> int:
    if type(data) is memoryview:
        # memoryview has no find(), but re searches any buffer without copying it.
        match = _NEEDLES[needle].search(data, start, end)
        return -1 if match is None else match.start()
    return data.find(needle, start, end)


def _copy(data: _Buffer, start: int, end: int) -> bytes:
    if type(data) is bytes:
        return data[start:end]
    return bytes(memoryview(data)[start:end])


def _text(data: _Buffer, start: int, end: int) -> str:
    return str(data[start:end], "latin-1")


class basic_parser(Generic[_M]):
    """The HTTP/1 parser common to requests and responses (Beast's ``basic_parser``).

    Use :class:`request_parser` or :class:`response_parser`. A parser reads one message:
    create a new one for the next message on the connection.
    """

    __slots__ = (
        "_body_init",
        "_body_limit",
        "_body_size",
        "_body_type",
        "_chunked",
        "_conn",
        "_content_length",
        "_eager",
        "_ec",
        "_empty",
        "_expect_crlf",
        "_header_limit",
        "_http11",
        "_in_callback",
        "_is_request",
        "_msg",
        "_need_eof",
        "_on_chunk_body",
        "_on_chunk_header",
        "_pieces",
        "_reader",
        "_released",
        "_remain",
        "_scan",
        "_scanner",
        "_seen",
        "_skip",
        "_state",
        "_te_seen",
    )

    def __init__(self, msg: _M, body_type: Any, body_limit: int) -> None:
        if body_type is not string_body and body_type is not empty_body:
            if not is_body_type(body_type) or not hasattr(body_type, "reader"):
                raise TypeError(
                    "body_type must be a body type with a reader, such as http.string_body, "
                    f"http.empty_body or http.file_body (the class itself), not {body_type!r}"
                )
            msg._body_type = body_type
            msg.body = body_type.value_type()
        self._body_type = body_type
        self._reader: Any = None
        self._body_init = False
        self._msg: _M = msg
        self._is_request = msg.is_request
        self._ec: error_code = success
        self._state = _NOTHING_YET
        self._eager = False
        self._skip = False
        self._empty = body_type is empty_body
        self._released = False
        self._header_limit = _DEFAULT_HEADER_LIMIT
        self._body_limit: int | None = body_limit
        self._scan = 0
        self._seen = 0
        self._scanner: _header.HeaderScanner | None = None
        self._remain = 0
        self._pieces: list[bytes] = []
        self._body_size = 0
        self._expect_crlf = False
        self._http11 = True
        self._content_length: int | None = None
        self._te_seen = False
        self._chunked = False
        self._conn = 0  # _CLOSE | _KEEP_ALIVE | _UPGRADE | _UPGRADE_FIELD
        self._need_eof = False
        self._on_chunk_header: ChunkHeaderCallback | None = None
        self._on_chunk_body: ChunkBodyCallback | None = None
        # True while the user's chunk callbacks run: their exceptions are theirs (they
        # propagate), unlike a fault of the parser's own decoding (see _fault).
        self._in_callback = False

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
        ec = self._ec
        if ec is not success:
            return 0, ec
        if self._released:
            raise ValueError("the parser released its message: use a new parser")
        state = self._state
        if state == _COMPLETE:
            return 0, error.stale_parser
        if type(data) is memoryview and data.format != "B":
            data = data.cast("B")
        n = len(data)
        if n == 0:
            return 0, error.need_more
        used = 0
        try:
            while True:
                if state <= _HEADER:
                    used, ec = self._put_header(data, n)
                elif state == _BODY:
                    used, ec = self._put_body(data, used, n)
                elif state == _CHUNK_BODY:
                    used, ec = self._put_chunk_body(data, used, n)
                elif state == _CHUNK_HEADER:
                    used, ec = self._put_chunk_header(data, used, n)
                elif state == _TRAILERS:
                    used, ec = self._put_trailers(data, used, n)
                else:
                    used, ec = self._put_body_to_eof(data, used, n)
                state = self._state
                if ec is not success or state == _COMPLETE or used >= n or not self._eager:
                    break
        except Exception:
            if self._in_callback:
                # The user's chunk callback raised (or misused its return value): theirs.
                self._in_callback = False
                raise
            ec = self._fault(self._state)
        if ec is not success and ec is not error.need_more and ec is not error.need_buffer:
            self._ec = ec
        return used, ec

    def _fault(self, state: int) -> error_code:
        # Defence in depth: whatever octets a peer sends, a bug of ours while decoding them
        # fails this message (the caller answers it like any malformed message) instead of
        # raising out of the caller's io_context.run() and stopping every connection.
        ec = error.bad_chunk if _CHUNK_HEADER <= state <= _CHUNK_BODY else error.bad_value
        log.error(
            "http parser: unexpected exception while decoding the peer's octets; "
            "this message fails with %s",
            ec.name(),
            exc_info=True,
        )
        return ec

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
            ec = self._finish()
            if ec:
                self._ec = ec
            return ec
        self._ec = error.end_of_stream if state == _NOTHING_YET else error.partial_message
        return self._ec

    # -- header -------------------------------------------------------------------------

    def _put_header(self, data: _Buffer, n: int) -> tuple[int, error_code]:
        limit = self._header_limit
        window = n if n < limit else limit
        scanner = self._scanner
        if n < self._seen:
            # Not the previous octets plus more: start over.
            self._scan = 0
            scanner = self._scanner = None
        self._seen = n
        self._state = _HEADER
        end = _find(data, b"\r\n\r\n", self._scan, window)
        if end < 0:
            # Only the octets not checked before are looked at: linear in the header size
            # however it is dribbled in. (A header that comes whole never needs a scanner.)
            if scanner is None:
                scanner = self._scanner = _header.HeaderScanner(self._is_request)
            ec = scanner.scan(data, window)
            if ec is not success:
                return 0, ec
            if n >= limit:
                return 0, error.header_limit
            self._scan = window - 3 if window > 3 else 0
            return 0, error.need_more
        self._scan = 0
        self._scanner = None
        ec = self._on_header(data, end)
        return (0, ec) if ec is not success else (end + 4, ec)

    def _on_header(self, data: _Buffer, end: int) -> error_code:
        # The common path: one regex for the start line, one pass over every field line (see
        # _header.split_fields); whatever they refuse, _header.diagnose names octet by octet.
        text = str(data[: end + 2], "latin-1")
        is_request = self._is_request
        start = (_header.REQUEST_START if is_request else _header.STATUS_START).match(text)
        parsed = _header.split_fields(text[start.end() :]) if start is not None else None
        if start is None or parsed is None:
            return _header.diagnose(data[: end + 4], is_request)
        msg = self._msg
        names, keys, values = parsed
        msg._names, msg._keys, msg._values = names, keys, values
        code = 0
        if isinstance(msg, request):
            method, msg._target, minor = start.groups()
            msg._method = method_verb = string_to_verb(method)
            msg._method_string = method if method_verb is verb.unknown else ""
        else:
            minor, status_code, msg._reason = start.groups()
            msg._result = code = int(status_code)
        http11 = self._http11 = minor == "1"
        msg._version = 11 if http11 else 10
        present = _FRAMING_KEYS.intersection(keys)
        if present:
            key = next(iter(present))
            if len(present) == 1 and keys.count(key) == 1:
                # The usual case (one Connection or Content-Length): no loop over the fields,
                # and a lone Connection token (keep-alive, close) without another call.
                value = values[keys.index(key)]
                bit = _CONNECTION_TOKENS.get(value.lower()) if key == "connection" else None
                if bit is not None:
                    self._conn = bit
                else:
                    ec = self._do_field(key, value)
                    if ec is not success:
                        return ec
            else:
                # In order: which of Content-Length / Transfer-Encoding came first picks the
                # error, as in Beast.
                for key, value in zip(keys, values, strict=True):
                    if key in present:
                        ec = self._do_field(key, value)
                        if ec is not success:
                            return ec
            if self._te_seen and (not http11 or (is_request and not self._chunked)):
                return error.bad_transfer_encoding
        return self._finish_header(code)

    def _do_field(self, key: str, value: str) -> error_code:
        if key == "connection" or key == "proxy-connection":
            value = value.lower()
            bit = _CONNECTION_TOKENS.get(value)
            if bit is None:
                tokens = _grammar.token_list(value)
                if tokens is None:
                    return error.bad_value
                for token in tokens:
                    self._conn |= _CONNECTION_TOKENS.get(token, 0)
            else:
                self._conn |= bit
        elif key == "content-length":
            if self._te_seen:
                return error.bad_content_length
            parsed = _grammar.uint64(value)
            if parsed is not None:
                length = parsed
            else:
                # A list of equal lengths ("42, 42") is what a proxy makes of repeated fields.
                lengths: set[int] = set()
                for item in value.split(","):
                    item_length = _grammar.uint64(item.strip(" \t"))
                    if item_length is None:
                        return error.bad_content_length
                    lengths.add(item_length)
                if len(lengths) > 1:
                    return error.multiple_content_length
                length = lengths.pop()
            if self._content_length is not None and self._content_length != length:
                return error.multiple_content_length
            self._content_length = length
        elif key == "transfer-encoding":
            if self._chunked or self._content_length is not None:
                return error.bad_transfer_encoding
            codings = _grammar.transfer_codings(value)
            if not codings or "chunked" in codings[:-1]:
                return error.bad_transfer_encoding
            self._te_seen = True
            self._chunked = codings[-1] == "chunked"
        else:  # upgrade
            self._conn |= _UPGRADE_FIELD
        return success

    def _finish_header(self, code: int) -> error_code:
        # code: the status code of a response, 0 for a request. A message without a body
        # completes here, and that is only the state: no body octet was collected and no
        # reader made yet (that waits for the body's first step), so _finish() has no work.
        length = self._content_length
        if self._skip or 100 <= code < 200 or code == 204 or code == 304 or length == 0:
            self._state = _COMPLETE
            return success
        if length is not None:
            limit = self._body_limit
            if limit is not None and length > limit:
                return error.body_limit
            self._remain = length
            self._state = _BODY
        elif self._chunked:
            self._state = _CHUNK_HEADER
        elif self._is_request:
            self._state = _COMPLETE
            return success
        else:
            self._need_eof = True
            self._state = _BODY_TO_EOF
        if self._body_type is not string_body and not self._empty:
            # As Beast's body0 state: the reader is made when the body's first step runs,
            # so that a caller of read_header can prepare the body (open the file) first.
            self._body_init = True
        return success

    def _init_reader(self) -> error_code:
        # The body type's reader takes the body from here (see the module docstring).
        self._body_init = False
        msg = self._msg
        self._in_callback = True
        try:
            reader = msg._body_type.reader(msg, msg.body)
            reader.init(self._content_length)
        except system_error as exc:
            return exc.code
        finally:
            self._in_callback = False
        self._reader = reader
        return success

    def _to_reader(self, data: _Buffer, p: int, end: int) -> tuple[int, error_code]:
        # Offer data[p:end] to the reader: (octets it took, success or its error).
        self._in_callback = True
        try:
            with memoryview(data) as whole, whole[p:end] as view:
                used = self._reader.put(view)
        except system_error as exc:
            return 0, exc.code
        finally:
            self._in_callback = False
        if isinstance(used, bool) or not isinstance(used, int) or not 0 <= used <= end - p:
            raise ValueError(
                f"the body reader's put() must return how many octets it took "
                f"(0 to {end - p}), not {used!r}"
            )
        return used, success if used == end - p else error.need_buffer

    def _finish(self) -> error_code:
        pieces = self._pieces
        if pieces:
            self._msg.body = pieces[0] if len(pieces) == 1 else b"".join(pieces)
            self._pieces = []
        self._state = _COMPLETE
        reader = self._reader
        if reader is not None:
            self._reader = None
            self._in_callback = True
            try:
                reader.finish()
            except system_error as exc:
                return exc.code
            finally:
                self._in_callback = False
        return success

    # -- body ---------------------------------------------------------------------------

    def _put_body(self, data: _Buffer, p: int, n: int) -> tuple[int, error_code]:
        if self._empty:
            return p, error.unexpected_body
        if self._body_init:
            ec = self._init_reader()
            if ec is not success:
                return p, ec
        remain = self._remain
        end = n if n - p < remain else p + remain
        if self._reader is None:
            self._pieces.append(_copy(data, p, end))
            ec = success
        else:
            used, ec = self._to_reader(data, p, end)
            if ec is not success and ec is not error.need_buffer:
                return p, ec
            end = p + used
        self._remain = remain - (end - p)
        if self._remain == 0:
            ec = self._finish()
        return end, ec

    def _put_body_to_eof(self, data: _Buffer, p: int, n: int) -> tuple[int, error_code]:
        if self._empty:
            return p, error.unexpected_body
        size = self._body_size + n - p
        if self._body_limit is not None and size > self._body_limit:
            return p, error.body_limit
        if self._body_init:
            ec = self._init_reader()
            if ec is not success:
                return p, ec
        if self._reader is None:
            self._pieces.append(_copy(data, p, n))
            self._body_size = size
            return n, success
        used, ec = self._to_reader(data, p, n)
        if ec is not success and ec is not error.need_buffer:
            return p, ec
        self._body_size += used
        return p + used, ec

    def _put_chunk_header(self, data: _Buffer, p: int, n: int) -> tuple[int, error_code]:
        if self._body_init:
            ec = self._init_reader()
            if ec is not success:
                return p, ec
        q = p
        if self._expect_crlf:
            # The CRLF that ends the previous chunk's data is checked with the next line.
            if n - q < 2:
                return p, error.bad_chunk if data[q] != 13 else error.need_more
            if data[q] != 13 or data[q + 1] != 10:
                return p, error.bad_chunk
            q += 2
        limit = self._header_limit
        stop = n if n - q < limit else q + limit
        # Resume the search where the last call left it (the line arrives piecemeal).
        scan = self._scan if self._scan <= n - q else 0
        end = _find(data, b"\r\n", q + scan, stop)
        if end < 0:
            if n - q >= limit:
                return p, error.header_limit
            self._scan = stop - q - 1 if stop - q > 1 else 0
            return p, error.need_more
        self._scan = 0
        ec, size, extensions = _header.parse_chunk_line(_text(data, q, end))
        if ec is not success:
            return p, ec
        total = self._body_size + size
        if self._body_limit is not None and total > self._body_limit:
            return p, error.body_limit
        self._body_size = total
        if self._on_chunk_header is not None:
            self._in_callback = True
            ec = self._on_chunk_header(size, extensions) or success
            self._in_callback = False
            if ec:
                return p, ec
        self._expect_crlf = True
        if size:
            self._remain = size
            self._state = _CHUNK_BODY
            return end + 2, success
        self._state = _TRAILERS
        return self._put_trailers(data, end + 2, n)

    def _put_chunk_body(self, data: _Buffer, p: int, n: int) -> tuple[int, error_code]:
        remain = self._remain
        end = n if n - p < remain else p + remain
        callback = self._on_chunk_body
        if callback is not None:
            self._in_callback = True
            used = callback(remain, memoryview(data)[p:end])
            if isinstance(used, bool) or not isinstance(used, int) or not 0 <= used <= end - p:
                raise ValueError(
                    f"the on_chunk_body callback must return how many octets it used "
                    f"(0 to {end - p}), not {used!r}"
                )
            self._in_callback = False
            end = p + used
        elif self._empty:
            return p, error.unexpected_body
        elif self._reader is None:
            self._pieces.append(_copy(data, p, end))
        else:
            used, ec = self._to_reader(data, p, end)
            if ec is not success and ec is not error.need_buffer:
                return p, ec
            self._remain = remain - used
            if self._remain == 0:
                self._state = _CHUNK_HEADER
            return p + used, ec
        self._remain = remain - (end - p)
        if self._remain == 0:
            self._state = _CHUNK_HEADER
        return end, success

    def _put_trailers(self, data: _Buffer, p: int, n: int) -> tuple[int, error_code]:
        if n - p < 2:
            return p, error.need_more
        if data[p] == 13:
            if data[p + 1] != 10:
                return p, error.bad_line_ending
            ec = self._finish()
            return (p + 2, ec) if ec is success else (p, ec)
        limit = self._header_limit
        stop = n if n - p < limit else p + limit
        scan = self._scan if self._scan <= n - p else 0
        end = _find(data, b"\r\n\r\n", p + scan, stop)
        if end < 0:
            if n - p >= limit:
                return p, error.header_limit
            self._scan = stop - p - 3 if stop - p > 3 else 0
            return p, error.need_more
        self._scan = 0
        text = _text(data, p, end + 2)
        parsed = _header.split_fields(text)
        if parsed is None:
            return p, _header.diagnose(data[p : end + 4], None)
        names, keys, values = parsed
        if not _grammar.FORBIDDEN_TRAILERS.isdisjoint(keys):
            return p, error.bad_field
        msg: fields = self._msg
        msg._append_trusted(names, keys, values)
        ec = self._finish()
        return (end + 4, ec) if ec is success else (p, ec)


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
