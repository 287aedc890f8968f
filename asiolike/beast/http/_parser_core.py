"""The HTTP/1 parser's state and decoding steps, under ``http.basic_parser``.

Theory of operation: ``parser.py`` documents the parser (its ``put`` contract, what it
refuses, how bodies are handed over); this module holds what every ``put`` runs through:
the parser's state as one class, :class:`parser_core`, and the steps that decode the
header, the body, chunks and trailers. It is compiled with mypyc in the compiled build
(docs/explanation/compiled.rst), while ``basic_parser`` and its subclasses, which carry the
reference documentation and the ``@overload`` signatures, stay interpreted and derive from
it. The grammar (``_header``, ``_grammar``) stays interpreted too: the decoding steps call
it through its module, so a test that replaces one of its functions reaches both builds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final

from asiolike._build import mypyc_attr
from asiolike.beast.http import _grammar, _header, error
from asiolike.beast.http.body import is_body_type
from asiolike.beast.http.fields import fields
from asiolike.beast.http.message import empty_body, request, response, string_body
from asiolike.beast.http.verb import string_to_verb, verb
from asiolike.error import error_code, success, system_error

__all__ = ["finish", "parser_core", "put"]

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


def _copy(data: _Buffer, start: int, end: int) -> bytes:
    if type(data) is bytes:
        return data[start:end]
    return bytes(memoryview(data)[start:end])


def _text(data: _Buffer, start: int, end: int) -> str:
    return str(data[start:end], "latin-1")


@mypyc_attr(allow_interpreted_subclasses=True)
class parser_core:
    """The state of one parser; :func:`put` and the steps below work on it.

    ``basic_parser`` derives from it. The steps are functions, not methods: the instances
    are of interpreted subclasses, whose compiled methods would be called through Python's
    attribute lookup, where a compiled function is called directly.
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

    def __init__(self, msg: request | response, body_type: Any, body_limit: int) -> None:
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
        self._msg: request | response = msg
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


def put(core: parser_core, data: _Buffer) -> tuple[int, error_code]:
    """``basic_parser.put``, documented there."""
    ec = core._ec
    if ec is not success:
        return 0, ec
    if core._released:
        raise ValueError("the parser released its message: use a new parser")
    state = core._state
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
                used, ec = _put_header(core, data, n)
            elif state == _BODY:
                used, ec = _put_body(core, data, used, n)
            elif state == _CHUNK_BODY:
                used, ec = _put_chunk_body(core, data, used, n)
            elif state == _CHUNK_HEADER:
                used, ec = _put_chunk_header(core, data, used, n)
            elif state == _TRAILERS:
                used, ec = _put_trailers(core, data, used, n)
            else:
                used, ec = _put_body_to_eof(core, data, used, n)
            state = core._state
            if ec is not success or state == _COMPLETE or used >= n or not core._eager:
                break
    except Exception:
        if core._in_callback:
            # The user's chunk callback raised (or misused its return value): theirs.
            core._in_callback = False
            raise
        ec = _fault(core, core._state)
    if ec is not success and ec is not error.need_more and ec is not error.need_buffer:
        core._ec = ec
    return used, ec


def _fault(core: parser_core, state: int) -> error_code:
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


# -- header ----------------------------------------------------------------------------


def _put_header(core: parser_core, data: _Buffer, n: int) -> tuple[int, error_code]:
    limit = core._header_limit
    window = n if n < limit else limit
    scanner = core._scanner
    if n < core._seen:
        # Not the previous octets plus more: start over.
        core._scan = 0
        scanner = core._scanner = None
    core._seen = n
    core._state = _HEADER
    end = _header.find(data, b"\r\n\r\n", core._scan, window)
    if end < 0:
        # Only the octets not checked before are looked at: linear in the header size
        # however it is dribbled in. (A header that comes whole never needs a scanner.)
        if scanner is None:
            scanner = core._scanner = _header.HeaderScanner(core._is_request)
        ec = scanner.scan(data, window)
        if ec is not success:
            return 0, ec
        if n >= limit:
            return 0, error.header_limit
        core._scan = window - 3 if window > 3 else 0
        return 0, error.need_more
    core._scan = 0
    core._scanner = None
    ec = _on_header(core, data, end)
    return (0, ec) if ec is not success else (end + 4, ec)


def _on_header(core: parser_core, data: _Buffer, end: int) -> error_code:
    # The common path: one regex for the start line, one pass over every field line (see
    # _header.split_fields); whatever they refuse, _header.diagnose names octet by octet.
    text = str(data[: end + 2], "latin-1")
    is_request = core._is_request
    start = (_header.REQUEST_START if is_request else _header.STATUS_START).match(text)
    parsed = _header.split_fields(text[start.end() :]) if start is not None else None
    if start is None or parsed is None:
        return _header.diagnose(data[: end + 4], is_request)
    msg = core._msg
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
    http11 = core._http11 = minor == "1"
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
                core._conn = bit
            else:
                ec = _do_field(core, key, value)
                if ec is not success:
                    return ec
        else:
            # In order: which of Content-Length / Transfer-Encoding came first picks the
            # error, as in Beast.
            for key, value in zip(keys, values, strict=True):
                if key in present:
                    ec = _do_field(core, key, value)
                    if ec is not success:
                        return ec
        if core._te_seen and (not http11 or (is_request and not core._chunked)):
            return error.bad_transfer_encoding
    return _finish_header(core, code)


def _do_field(core: parser_core, key: str, value: str) -> error_code:
    if key == "connection" or key == "proxy-connection":
        value = value.lower()
        bit = _CONNECTION_TOKENS.get(value)
        if bit is None:
            tokens = _grammar.token_list(value)
            if tokens is None:
                return error.bad_value
            for token in tokens:
                core._conn |= _CONNECTION_TOKENS.get(token, 0)
        else:
            core._conn |= bit
    elif key == "content-length":
        if core._te_seen:
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
        if core._content_length is not None and core._content_length != length:
            return error.multiple_content_length
        core._content_length = length
    elif key == "transfer-encoding":
        if core._chunked or core._content_length is not None:
            return error.bad_transfer_encoding
        codings = _grammar.transfer_codings(value)
        if not codings or "chunked" in codings[:-1]:
            return error.bad_transfer_encoding
        core._te_seen = True
        core._chunked = codings[-1] == "chunked"
    else:  # upgrade
        core._conn |= _UPGRADE_FIELD
    return success


def _finish_header(core: parser_core, code: int) -> error_code:
    # code: the status code of a response, 0 for a request. A message without a body
    # completes here, and that is only the state: no body octet was collected and no
    # reader made yet (that waits for the body's first step), so _finish() has no work.
    length = core._content_length
    if core._skip or 100 <= code < 200 or code == 204 or code == 304 or length == 0:
        core._state = _COMPLETE
        return success
    if length is not None:
        limit = core._body_limit
        if limit is not None and length > limit:
            return error.body_limit
        core._remain = length
        core._state = _BODY
    elif core._chunked:
        core._state = _CHUNK_HEADER
    elif core._is_request:
        core._state = _COMPLETE
        return success
    else:
        core._need_eof = True
        core._state = _BODY_TO_EOF
    if core._body_type is not string_body and not core._empty:
        # As Beast's body0 state: the reader is made when the body's first step runs,
        # so that a caller of read_header can prepare the body (open the file) first.
        core._body_init = True
    return success


def _init_reader(core: parser_core) -> error_code:
    # The body type's reader takes the body from here (see parser.py's docstring).
    core._body_init = False
    msg = core._msg
    core._in_callback = True
    try:
        reader = msg._body_type.reader(msg, msg.body)
        reader.init(core._content_length)
    except system_error as exc:
        return exc.code
    finally:
        core._in_callback = False
    core._reader = reader
    return success


def _to_reader(core: parser_core, data: _Buffer, p: int, end: int) -> tuple[int, error_code]:
    # Offer data[p:end] to the reader: (octets it took, success or its error).
    core._in_callback = True
    try:
        with memoryview(data) as whole, whole[p:end] as view:
            used = core._reader.put(view)
    except system_error as exc:
        return 0, exc.code
    finally:
        core._in_callback = False
    if isinstance(used, bool) or not isinstance(used, int) or not 0 <= used <= end - p:
        raise ValueError(
            f"the body reader's put() must return how many octets it took "
            f"(0 to {end - p}), not {used!r}"
        )
    return used, success if used == end - p else error.need_buffer


def finish(core: parser_core) -> error_code:
    """The message is complete: hand the collected body over and finish the reader."""
    pieces = core._pieces
    if pieces:
        core._msg.body = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        core._pieces = []
    core._state = _COMPLETE
    reader = core._reader
    if reader is not None:
        core._reader = None
        core._in_callback = True
        try:
            reader.finish()
        except system_error as exc:
            return exc.code
        finally:
            core._in_callback = False
    return success


# -- body ------------------------------------------------------------------------------


def _put_body(core: parser_core, data: _Buffer, p: int, n: int) -> tuple[int, error_code]:
    if core._empty:
        return p, error.unexpected_body
    if core._body_init:
        ec = _init_reader(core)
        if ec is not success:
            return p, ec
    remain = core._remain
    end = n if n - p < remain else p + remain
    if core._reader is None:
        core._pieces.append(_copy(data, p, end))
        ec = success
    else:
        used, ec = _to_reader(core, data, p, end)
        if ec is not success and ec is not error.need_buffer:
            return p, ec
        end = p + used
    core._remain = remain - (end - p)
    if core._remain == 0:
        ec = finish(core)
    return end, ec


def _put_body_to_eof(core: parser_core, data: _Buffer, p: int, n: int) -> tuple[int, error_code]:
    if core._empty:
        return p, error.unexpected_body
    size = core._body_size + n - p
    if core._body_limit is not None and size > core._body_limit:
        return p, error.body_limit
    if core._body_init:
        ec = _init_reader(core)
        if ec is not success:
            return p, ec
    if core._reader is None:
        core._pieces.append(_copy(data, p, n))
        core._body_size = size
        return n, success
    used, ec = _to_reader(core, data, p, n)
    if ec is not success and ec is not error.need_buffer:
        return p, ec
    core._body_size += used
    return p + used, ec


def _put_chunk_header(core: parser_core, data: _Buffer, p: int, n: int) -> tuple[int, error_code]:
    if core._body_init:
        ec = _init_reader(core)
        if ec is not success:
            return p, ec
    q = p
    if core._expect_crlf:
        # The CRLF that ends the previous chunk's data is checked with the next line.
        if n - q < 2:
            return p, error.bad_chunk if data[q] != 13 else error.need_more
        if data[q] != 13 or data[q + 1] != 10:
            return p, error.bad_chunk
        q += 2
    limit = core._header_limit
    stop = n if n - q < limit else q + limit
    # Resume the search where the last call left it (the line arrives piecemeal).
    scan = core._scan if core._scan <= n - q else 0
    end = _header.find(data, b"\r\n", q + scan, stop)
    if end < 0:
        if n - q >= limit:
            return p, error.header_limit
        core._scan = stop - q - 1 if stop - q > 1 else 0
        return p, error.need_more
    core._scan = 0
    ec, size, extensions = _header.parse_chunk_line(_text(data, q, end))
    if ec is not success:
        return p, ec
    total = core._body_size + size
    if core._body_limit is not None and total > core._body_limit:
        return p, error.body_limit
    core._body_size = total
    if core._on_chunk_header is not None:
        core._in_callback = True
        ec = core._on_chunk_header(size, extensions) or success
        core._in_callback = False
        if ec:
            return p, ec
    core._expect_crlf = True
    if size:
        core._remain = size
        core._state = _CHUNK_BODY
        return end + 2, success
    core._state = _TRAILERS
    return _put_trailers(core, data, end + 2, n)


def _put_chunk_body(core: parser_core, data: _Buffer, p: int, n: int) -> tuple[int, error_code]:
    remain = core._remain
    end = n if n - p < remain else p + remain
    # Called as returning object, not int: compiled, a result typed int is unboxed, and
    # a wrong one would raise TypeError before the check below could say what is wrong.
    callback: Callable[[int, memoryview], object] | None = core._on_chunk_body
    if callback is not None:
        core._in_callback = True
        used = callback(remain, memoryview(data)[p:end])
        if isinstance(used, bool) or not isinstance(used, int) or not 0 <= used <= end - p:
            raise ValueError(
                f"the on_chunk_body callback must return how many octets it used "
                f"(0 to {end - p}), not {used!r}"
            )
        core._in_callback = False
        end = p + used
    elif core._empty:
        return p, error.unexpected_body
    elif core._reader is None:
        core._pieces.append(_copy(data, p, end))
    else:
        used, ec = _to_reader(core, data, p, end)
        if ec is not success and ec is not error.need_buffer:
            return p, ec
        core._remain = remain - used
        if core._remain == 0:
            core._state = _CHUNK_HEADER
        return p + used, ec
    core._remain = remain - (end - p)
    if core._remain == 0:
        core._state = _CHUNK_HEADER
    return end, success


def _put_trailers(core: parser_core, data: _Buffer, p: int, n: int) -> tuple[int, error_code]:
    if n - p < 2:
        return p, error.need_more
    if data[p] == 13:
        if data[p + 1] != 10:
            return p, error.bad_line_ending
        ec = finish(core)
        return (p + 2, ec) if ec is success else (p, ec)
    limit = core._header_limit
    stop = n if n - p < limit else p + limit
    scan = core._scan if core._scan <= n - p else 0
    end = _header.find(data, b"\r\n\r\n", p + scan, stop)
    if end < 0:
        if n - p >= limit:
            return p, error.header_limit
        core._scan = stop - p - 3 if stop - p > 3 else 0
        return p, error.need_more
    core._scan = 0
    text = _text(data, p, end + 2)
    parsed = _header.split_fields(text)
    if parsed is None:
        return p, _header.diagnose(data[p : end + 4], None)
    names, keys, values = parsed
    if not _grammar.FORBIDDEN_TRAILERS.isdisjoint(keys):
        return p, error.bad_field
    msg: fields = core._msg
    msg._append_trusted(names, keys, values)
    ec = finish(core)
    return (end + 4, ec) if ec is success else (p, ec)
