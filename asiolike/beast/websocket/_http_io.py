"""Reading the upgrade request or response during the opening handshake.

The handshake and accept operations receive bytes from the next layer and offer them to an
HTTP parser (Beast's ``put()`` contract) through :class:`http_reader`, which keeps the
unconsumed octets. Its buffer is bounded by the parser: the header may not exceed
``header_limit`` (``http.error.header_limit``) and body octets are consumed as they come
(``body_limit``). What follows the message stays in the buffer: for a successful upgrade
those are the first WebSocket frames.

End of input is mapped as Beast's ``http::read`` maps it: nothing received gives
``http.error.end_of_stream``; a message cut short gives ``partial_message`` (or completes
a response whose body runs to the end of the connection).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from asiolike.beast import http
from asiolike.error import eof, error_code, success, system_error

if TYPE_CHECKING:
    from asiolike.beast.websocket._impl import stream_impl

__all__ = ["http_reader", "copy_response", "read_message_sync"]

_need_more: Final = http.error.need_more
_P = TypeVar("_P", http.request_parser, http.response_parser)


class http_reader(Generic[_P]):
    """Feeds received octets to an HTTP parser and keeps what it has not used."""

    __slots__ = ("buf", "parser")

    def __init__(self, parser: _P, initial: bytes) -> None:
        parser.eager(True)
        self.parser: _P = parser
        self.buf = bytearray(initial)

    def step(self) -> error_code:
        """Parse what is buffered: success (message done), ``need_more``, or an error."""
        parser = self.parser
        buf = self.buf
        while True:
            if not buf:
                return _need_more
            used, ec = parser.put(buf)
            if used:
                del buf[:used]
            if parser.is_done():
                return success
            if ec:
                return ec
            if not used:
                return _need_more

    def feed(self, data: memoryview) -> error_code:
        """Append received octets and parse."""
        self.buf += data
        return self.step()

    def eof(self) -> error_code:
        """The input ended: success if that completes the message, else the error."""
        parser = self.parser
        if not parser.got_some() and not self.buf:
            return http.error.end_of_stream
        ec = parser.put_eof()
        if ec:
            return ec
        return success

    def leftover(self) -> bytes:
        """The octets after the message (the first frames, after a successful upgrade)."""
        data = bytes(self.buf)
        self.buf.clear()
        return data


def copy_response(dst: http.response, src: http.response) -> None:
    """Make ``dst`` hold what ``src`` holds (Beast moves the response into the caller's)."""
    dst.clear()
    for name, value in src:
        dst.insert(name, value)
    dst.version(src.version())
    dst.result(src.result_int())
    dst.body = src.body
    try:
        dst.reason(src.reason())
    except ValueError:  # a received phrase the setter refuses (obs-text): keep the default
        dst.reason("")


def read_message_sync(ws: stream_impl, reader: http_reader[Any]) -> error_code:
    """Block until ``reader`` has its message; returns success or the error."""
    result = reader.step()
    while result == _need_more:
        try:
            n = ws._sync_read()
        except system_error as exc:
            if exc.code != eof:
                return exc.code
            return reader.eof()
        result = reader.feed(ws._received(n))
    return result
