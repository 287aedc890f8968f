"""The HTTP readers: a parser fed from a stream through a dynamic buffer (Beast's ``read.hpp``).

Theory of operation. One loop serves ``read_some``, ``read_header`` and ``read``, which
differ only in when they stop: after one successful parser step, once the header is
done, or once the message is done. Each turn offers the buffer's readable bytes to
``parser.put``, consumes what it used, and, when the parser answers ``need_more`` (or
the buffer is empty), reads more from the stream into the buffer and goes round again.
Bytes after the end of the message are left in the buffer for the next read
(pipelining): keep the same buffer for the whole connection. ``n`` in the result is the
number of bytes the parser consumed.

End of input is the stream's ``eof``: before any byte of the message it is
``http.error.end_of_stream``; inside a message it goes to ``parser.put_eof()``, which
completes a close-delimited body (success: the next read then reports
``end_of_stream``) or reports ``partial_message``. A buffer at its ``max_size`` that
still needs more bytes gives ``http.error.buffer_overflow``; the parser's own limits
(``header_limit``, ``body_limit``) are reported by the parser before that unless the
buffer is smaller than they are.

Each read asks for at most 64 KiB (Beast's step), at least the buffer's spare capacity,
and at least a hint that starts at 512 bytes and doubles after every read that filled
what it asked for, so that a large body is not read 512 bytes at a time.

The asynchronous form is a :class:`~asiolike.detail.completion.composed_op` over the
stream's ``async_read_some``: every step runs where the final handler will, and the
final handler is posted when the operation completes without waiting for the stream
(rule R1). The stream is given the op's bound ``__call__`` when the final handler has no
associated executor nor cancellation slot (``plain_steps``: a plain callable, the
stream's fast path), else the op itself; and
the op calls a plain handler directly at the end when the stream's executor
:func:`~asiolike.detail.scheduler.invokes_directly` (asked once per operation).

Both forms log each read and the message read at DEBUG on ``asiolike.beast.http``, the
bytes cut to their first :data:`PREVIEW` (checked with ``isEnabledFor`` first, so that
the log costs one call per step when it is off).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final

from asiolike.beast.http import error
from asiolike.beast.http._parser_core import put
from asiolike.beast.http.body import empty_body, string_body
from asiolike.beast.http.message import request, response
from asiolike.beast.http.parser import basic_parser, request_parser, response_parser
from asiolike.detail.completion import Executor, composed_op
from asiolike.detail.handler_check import EC_BYTES
from asiolike.detail.scheduler import invokes_directly
from asiolike.error import eof, error_code, make_error_code, success, system_error

__all__ = [
    "SOME",
    "HEADER",
    "MESSAGE",
    "PREVIEW",
    "read_op",
    "read_sync",
    "check_buffer",
    "parser_for",
    "preview",
    "log",
]

SOME: Final = 0
"""Stop after one successful parser step (``read_some``)."""
HEADER: Final = 1
"""Stop once the header is done (``read_header``)."""
MESSAGE: Final = 2
"""Stop once the message is done (``read``)."""

ReadHandler = Callable[[error_code, int], object]

log: Final = logging.getLogger("asiolike.beast.http")
"""The logger of HTTP I/O (``asiolike.beast.http``): reads and writes at DEBUG."""
_DEBUG: Final = logging.DEBUG

PREVIEW: Final = 32
"""How many bytes of data a DEBUG line shows."""


def preview(data: Any) -> str:
    """The first :data:`PREVIEW` bytes of ``data`` for a log line (``b'GET / HT'...``)."""
    view = memoryview(data)
    with view:
        shown = repr(bytes(view[:PREVIEW]))
        return shown + "..." if view.nbytes > PREVIEW else shown


def _start_line(parser: basic_parser[Any]) -> str:
    # The request or status line of the message parsed so far, for the DEBUG log.
    if not parser.is_header_done():
        return "no complete header"
    msg = parser.get()
    version = msg.version()
    if isinstance(msg, request):
        return f"{msg.method_string()} {msg.target()} HTTP/{version // 10}.{version % 10}"
    if isinstance(msg, response):
        return f"HTTP/{version // 10}.{version % 10} {msg.result_int()} {msg.reason()}"
    return type(msg).__name__  # pragma: no cover - parsers make requests or responses


_MIN_STEP: Final = 512
_MAX_STEP: Final = 65536
_BUFFER_METHODS: Final = ("data", "prepare", "commit", "consume", "size", "max_size", "capacity")


# Types already checked (the check runs for every read).
_buffer_types: set[type] = set()
_slot_names: dict[type, tuple[str, ...]] = {}


def check_buffer(buffer: object, who: str) -> None:
    """Raise TypeError unless ``buffer`` is a dynamic buffer (``flat_buffer``...)."""
    t = type(buffer)
    if t in _buffer_types:
        return
    if isinstance(buffer, (bytes, bytearray, memoryview)) or not all(
        callable(getattr(buffer, name, None)) for name in _BUFFER_METHODS
    ):
        raise TypeError(
            f"{who}: the buffer must be a dynamic buffer that keeps the bytes read past the "
            f"message (beast.flat_buffer(), streambuf()), not {t.__name__}"
        )
    _buffer_types.add(t)


def check_parser(parser: object, who: str) -> basic_parser[Any]:
    """Raise unless ``parser`` is a usable parser; returns it."""
    if not isinstance(parser, basic_parser):
        raise TypeError(
            f"{who}: expected an http.request_parser or http.response_parser, "
            f"not {type(parser).__name__}"
        )
    parser.get()  # raises ValueError once the message was released
    return parser


def parser_for(msg: object, who: str) -> basic_parser[Any]:
    """A new parser for the kind of ``msg`` (a request or a response) and its body type.

    As Beast's ``read(stream, buffer, msg)`` builds its parser from the message, the
    parser keeps the message's body value for a streamed body: a ``file_body`` whose file
    the caller opened receives the body.
    """
    parser: basic_parser[Any]
    if isinstance(msg, request):
        parser = request_parser(msg._body_type)
    elif isinstance(msg, response):
        parser = response_parser(msg._body_type)
    else:
        raise TypeError(
            f"{who}: expected an http.request, http.response or a parser, "
            f"not {type(msg).__name__}"
        )
    if msg._body_type is not string_body and msg._body_type is not empty_body:
        parser.get().body = msg.body
    return parser


def move_message(src: request | response, dst: request | response) -> None:
    """Make ``dst`` the message ``src`` is (Beast's ``m = p.release()``)."""
    t = type(src)
    names = _slot_names.get(t)
    if names is None:
        found: list[str] = []
        for cls in t.__mro__:
            slots = getattr(cls, "__slots__", ())
            for name in (slots,) if isinstance(slots, str) else slots:
                if name != "__weakref__" and name != "__dict__":
                    found.append(name)
        names = _slot_names[t] = tuple(found)
    for name in names:
        setattr(dst, name, getattr(src, name))


def _reached(parser: basic_parser[Any], until: int) -> bool:
    return parser.is_done() if until == MESSAGE else until == HEADER and parser.is_header_done()


def _step_size(buffer: Any, hint: int) -> int:
    """How many bytes the next read asks for; 0 or less when the buffer is full."""
    size: int = buffer.size()
    room: int = buffer.max_size() - size
    want: int = buffer.capacity() - size
    if want < hint:
        want = hint
    if want > _MAX_STEP:
        want = _MAX_STEP
    return want if want < room else room


def _parse(buffer: Any, parser: basic_parser[Any]) -> tuple[int, error_code]:
    """Offer the buffered bytes to the parser and consume what it used."""
    view = buffer.data()
    try:
        used, ec = put(parser, view)  # parser.put() without its interpreted frame
    finally:
        view.release()
    if used:
        buffer.consume(used)
    return used, ec


def _at_eof(parser: basic_parser[Any]) -> error_code:
    # Beast: end_of_stream before the first byte, else the parser decides (a
    # close-delimited body completes; anything else is partial_message).
    return parser.put_eof() if parser.got_some() else error.end_of_stream


class read_op(composed_op):
    """``async_read_some`` / ``async_read_header`` / ``async_read`` with a parser."""

    handler_signature = EC_BYTES

    __slots__ = ("_buffer", "_hint", "_msg", "_parser", "_stream", "_total", "_until", "_view")

    def __init__(
        self,
        handler: ReadHandler,
        io_executor: Executor,
        stream: Any,
        buffer: Any,
        parser: basic_parser[Any],
        until: int,
        msg: request | response | None = None,
    ) -> None:
        composed_op.__init__(self, handler, io_executor, invokes_directly(io_executor))
        self._stream = stream
        self._buffer = buffer
        self._parser = parser
        self._until = until
        self._msg = msg
        self._total = 0
        self._hint = _MIN_STEP
        self._view: memoryview | None = None

    def start(self) -> None:
        """Begin: complete at once (posted) if the condition already holds."""
        parser = self._parser
        if _reached(parser, self._until):
            self._finish(False, success)
        elif self._until == SOME and parser.is_done():
            # Reading would take bytes of the next message: that needs a new parser.
            self._finish(False, error.stale_parser)
        else:
            self._advance(False)

    def _finish(self, cont: bool, ec: error_code) -> None:
        if log.isEnabledFor(_DEBUG):
            log.debug(
                "async_read%s: %s, %d bytes parsed, ec=%s",
                ("_some", "_header", "")[self._until],
                _start_line(self._parser),
                self._total,
                ec.name(),
            )
        msg = self._msg
        if msg is not None and not ec:
            move_message(self._parser.release(), msg)
        self.complete(cont, ec, self._total)

    def _advance(self, cont: bool) -> None:
        """Parse what is buffered; finish, or start the next read."""
        buffer = self._buffer
        parser = self._parser
        while buffer.size():
            used, ec = _parse(buffer, parser)
            self._total += used
            if ec == error.need_more:
                break
            if ec or self._until == SOME or _reached(parser, self._until):
                self._finish(cont, ec)
                return
            if not used:
                break  # no progress without more bytes (a chunk callback that took none)
        n = _step_size(buffer, self._hint)
        if n <= 0:
            self._finish(cont, error.buffer_overflow)
            return
        view = self._view = buffer.prepare(n)
        self._stream.async_read_some(
            view, self.__call__ if self.plain_steps else self
        )

    def __call__(self, ec: error_code, n: int) -> None:
        view = self._view
        if view is not None:
            self._view = None
            if n == view.nbytes and self._hint < _MAX_STEP:
                self._hint *= 2
            if log.isEnabledFor(_DEBUG):
                log.debug("read %d bytes %s, ec=%s", n, preview(view[:n]), ec.name())
            view.release()
        self._buffer.commit(n)
        if not ec:
            self._advance(True)
        elif ec == eof:
            self._finish(True, _at_eof(self._parser))
        else:
            self._finish(True, ec)


def read_sync(
    stream: Any, buffer: Any, parser: basic_parser[Any], until: int, who: str
) -> int:
    """The synchronous loop of ``read_some`` / ``read_header`` / ``read``.

    Returns:
        The number of bytes the parser consumed.

    Raises:
        system_error: as the asynchronous form reports.
    """
    read_some = stream.read_some
    total = 0
    hint = _MIN_STEP
    if _reached(parser, until):
        return 0
    if until == SOME and parser.is_done():
        raise system_error(error.stale_parser, who)
    while True:
        while buffer.size():
            used, ec = _parse(buffer, parser)
            total += used
            if ec == error.need_more:
                break
            if ec:
                raise system_error(ec, who)
            if until == SOME or _reached(parser, until):
                return total
            if not used:
                break
        n = _step_size(buffer, hint)
        if n <= 0:
            raise system_error(error.buffer_overflow, who)
        view = buffer.prepare(n)
        try:
            got = read_some(view)
        except OSError as exc:
            ec = make_error_code(exc)
            view.release()
            buffer.commit(0)
            if ec == eof:
                ec = _at_eof(parser)
                if not ec:
                    return total
            raise system_error(ec, who) from None
        if got == view.nbytes and hint < _MAX_STEP:
            hint *= 2
        if log.isEnabledFor(_DEBUG):
            log.debug("%s: read %d bytes %s", who, got, preview(view[:got]))
        view.release()
        buffer.commit(got)
