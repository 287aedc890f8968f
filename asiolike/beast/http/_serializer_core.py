"""The serializer's state and the steps that make a message's buffers, under ``http.serializer``.

Theory of operation: ``serializer.py`` documents the serializer (what it checks, how the
body comes out, ``sendfile``); this module holds what every message runs through: the
serializer's state as one class, :class:`serializer_core`, the header text, the framing
checks, and the steps behind ``next`` and ``consume``. It is compiled with mypyc in the
compiled build (docs/explanation/compiled.rst), while ``serializer`` and its subclasses,
which carry the reference documentation and the ``@overload`` signatures, stay interpreted
and derive from it.
"""

from __future__ import annotations

from typing import Any, Final

from asiolike._build import mypyc_attr
from asiolike.beast.http import error
from asiolike.beast.http.body import body_size
from asiolike.beast.http.message import IN_MEMORY_BODIES, request, response
from asiolike.beast.http.status import obsolete_reason
from asiolike.error import system_error

__all__ = [
    "build_pieces",
    "can_sendfile",
    "checked_body",
    "consume",
    "header_text",
    "next_buffer",
    "serializer_core",
]

COALESCE: Final = 16384
"""A body up to this size goes out in one buffer with the header (one system call)."""


def header_text(msg: request | response) -> str:
    """The start line and the fields of ``msg``, through the empty line that ends them."""
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


def checked_body(msg: request | response) -> tuple[bytes | bytearray | memoryview, bool]:
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


def build_pieces(
    msg: request | response, body: bytes | bytearray | memoryview, chunked: bool, split: bool
) -> tuple[list[bytes | bytearray | memoryview], int]:
    head = header_text(msg).encode("latin-1")
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
    elif size <= COALESCE:
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


@mypyc_attr(allow_interpreted_subclasses=True)
class serializer_core:
    """The state of one serializer; :func:`next_buffer` and :func:`consume` work on it.

    ``serializer`` derives from it. The steps are functions, not methods: the instances
    are of interpreted subclasses, whose compiled methods would be called through Python's
    attribute lookup, where a compiled function is called directly.
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

    def __init__(self, msg: request | response) -> None:
        if not isinstance(msg, request | response):
            raise TypeError(f"serializer needs an http.request or http.response, not {msg!r}")
        self._msg: request | response = msg
        body_type = msg._body_type
        self._writer: Any = None
        if body_type in IN_MEMORY_BODIES:
            self._body, self._chunked = checked_body(msg)
            self._more = self._generic = False
        else:
            # Checked and started at the first next(), as Beast's serializer: a relay
            # makes it before the parser has read the header (see serializer.py).
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


def next_buffer(core: serializer_core) -> bytes | memoryview | None:
    """``serializer.next``, documented there."""
    pieces = core._pieces
    if pieces is None:
        pieces = core._pieces = _build(core)
    while not pieces:
        if not core._more:
            return None
        pieces += _pull(core)
    piece = pieces[0]
    offset = core._offset
    limit = core._limit
    if offset == 0 and type(piece) is bytes and (limit is None or len(piece) <= limit):
        return piece
    view = memoryview(piece)[offset:]
    return view if limit is None else view[:limit]


def consume(core: serializer_core, n: object) -> None:
    """``serializer.consume``, documented there (``n`` is checked here: ``object``)."""
    pieces = core._pieces
    if pieces is None or not pieces:
        if n == 0:
            return
        raise ValueError("consume() before next() returned octets, or after the end")
    left = memoryview(pieces[0]).nbytes - core._offset
    if core._limit is not None:
        left = min(left, core._limit)
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= left:
        raise ValueError(f"consume({n!r}): the last next() returned {left} octets")
    core._consumed += n
    core._offset += n
    if core._offset == memoryview(pieces[0]).nbytes:
        del pieces[0]
        core._offset = 0


def _build(core: serializer_core) -> list[bytes | bytearray | memoryview]:
    if not core._generic:
        pieces, core._header_size = build_pieces(core._msg, core._body, core._chunked, core._split)
        return pieces
    msg = core._msg
    body_type = msg._body_type
    core._chunked = _checked_framing(msg, body_size(body_type, msg.body))
    head = header_text(msg).encode("latin-1")
    core._header_size = len(head)
    if not core._chunked and "content-length" not in msg._keys and _no_body(msg):
        # Nothing says a body follows (a relayed GET): the header is the message.
        core._more = False
        return [head]
    writer = core._writer = body_type.writer(msg, msg.body)
    writer.init()
    if core._split or (can_sendfile(core) and writer.sendfile_source()[2] > COALESCE):
        # A large file goes out with sendfile after the header; a small one is read
        # and joins the header below (one system call).
        return [head]
    # The header and a small first piece go out as one buffer (one system call).
    try:
        first: list[bytes | bytearray | memoryview] = _pull(core)
    except system_error as exc:
        if exc.code != error.need_buffer:
            raise
        return [head]
    if sum(memoryview(p).nbytes for p in first) <= COALESCE:
        return [b"".join((head, *first))]
    return [head, *first]


def _pull(core: serializer_core) -> list[bytes | bytearray | memoryview]:
    # The writer's next piece, framed.
    got = core._writer.get()
    if got is None:
        raise system_error(error.need_buffer, "serializer")
    data, more = got
    core._more = more = bool(more)
    n = len(data) if type(data) is bytes else memoryview(data).nbytes
    if not core._chunked:
        return [data] if n else []
    out: list[bytes | bytearray | memoryview] = []
    if n:
        size_line = b"%x\r\n" % n
        if n <= COALESCE:
            out.append(b"".join((size_line, data, b"\r\n")))
        else:
            out += (size_line, data, b"\r\n")
    if not more:
        out.append(b"0\r\n\r\n")
    return out


def can_sendfile(core: serializer_core) -> bool:
    """``serializer.can_sendfile``, documented there."""
    if not core._generic:
        return False
    chunked = core._chunked if core._pieces is not None else core._msg.chunked()
    return not chunked and hasattr(core._msg._body_type.writer, "sendfile_source")
