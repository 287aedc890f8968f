"""RFC 6455 vocabulary: close codes, close reasons, opcodes and ``is_upgrade``.

The names are Beast's (``websocket::close_code``, ``close_reason``, ``ping_data``,
``is_upgrade``), so that ported code reads like the original::

    ws.async_close(websocket.close_reason(websocket.close_code.normal), self.on_close)
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final, TypeAlias

from asiolike.beast import http
from asiolike.beast.websocket._tokens import token_list_contains

__all__ = [
    "close_code",
    "close_reason",
    "opcode",
    "ping_data",
    "reason_string_max",
    "ping_data_max",
    "is_upgrade",
]

reason_string_max: Final = 123
"""The largest close reason, in UTF-8 bytes (125 bytes of payload less the 2-byte code)."""

ping_data_max: Final = 125
"""The largest ping or pong payload, in bytes."""

ping_data: TypeAlias = bytes
"""The payload of a ping or pong frame: at most 125 bytes (``str`` is sent as UTF-8)."""


class close_code(IntEnum):
    """Close status codes, as Beast's ``websocket::close_code`` (RFC 6455 section 7.4.1).

    ``none``, ``reserved1``, ``no_status``, ``abnormal`` and ``reserved3`` may never appear in
    a close frame; ``none`` means "no code" (a close frame with an empty payload).
    """

    none = 0
    """No code: the close frame carries no payload (illegal on the wire as a value)."""
    normal = 1000
    """Normal closure: the purpose of the connection was fulfilled."""
    going_away = 1001
    """The endpoint is going away (server shutdown, browser navigating away)."""
    protocol_error = 1002
    """The endpoint is failing the connection because of a protocol error."""
    unknown_data = 1003
    """The endpoint received a type of data it cannot accept."""
    reserved1 = 1004
    """Reserved; may not be sent."""
    no_status = 1005
    """No status code was present (illegal on the wire)."""
    abnormal = 1006
    """The connection closed without a close frame (illegal on the wire)."""
    bad_payload = 1007
    """A message's data was inconsistent with its type (e.g. non-UTF-8 text)."""
    policy_error = 1008
    """A message violated the endpoint's policy."""
    too_big = 1009
    """A message was too big to process."""
    needs_extension = 1010
    """The client expected the server to negotiate an extension it did not."""
    internal_error = 1011
    """The server met an unexpected condition."""
    service_restart = 1012
    """The server is restarting."""
    try_again_later = 1013
    """The server is overloaded; try again later."""
    reserved2 = 1014
    """Registered by IANA as "bad gateway"; valid on the wire."""
    reserved3 = 1015
    """TLS handshake failure (illegal on the wire)."""

    bad_gateway = 1014
    """Alias of ``reserved2``, the name newer Beast releases use."""


class opcode(IntEnum):
    """Frame opcodes (RFC 6455 section 5.2), named as Beast's ``detail::opcode``."""

    cont = 0
    text = 1
    binary = 2
    rsv3 = 3
    rsv4 = 4
    rsv5 = 5
    rsv6 = 6
    rsv7 = 7
    close = 8
    ping = 9
    pong = 10
    crsvb = 11
    crsvc = 12
    crsvd = 13
    crsve = 14
    crsvf = 15


class close_reason:
    """The code and optional reason of a close frame, as Beast's ``websocket::close_reason``.

    ``close_reason()`` has no code and is falsy; ``close_reason(close_code.going_away)``
    carries a code; ``close_reason("bye")`` carries the reason with code ``normal``;
    ``close_reason(close_code.normal, "bye")`` carries both.

    Args:
        code: The close code (a :class:`close_code` or any integer 0..65535), or a ``str``
            reason, meaning ``close_code.normal`` with that reason.
        reason: The reason, at most 123 bytes once encoded as UTF-8.

    Raises:
        ValueError: The code is outside 0..65535, the reason is longer than 123 UTF-8 bytes,
            or a reason is given without a code.
        TypeError: The code is neither an integer nor a string.
    """

    __slots__ = ("code", "reason")

    code: int
    """The close code (``close_code.none`` when the close frame had no payload)."""
    reason: str
    """The reason text, possibly empty."""

    def __init__(self, code: int | str = close_code.none, reason: str = "") -> None:
        # A close_code or a plain int (every close frame sent or parsed) skips the
        # isinstance checks that sort out the other argument types.
        if type(code) is not close_code and type(code) is not int:
            if isinstance(code, str):
                if reason:
                    raise TypeError("close_reason(code, reason): pass the code first")
                reason = code
                code = close_code.normal
            elif isinstance(code, bool) or not isinstance(code, int):
                raise TypeError(f"close_reason: code must be an int, not {type(code).__name__}")
        if not 0 <= code <= 0xFFFF:
            raise ValueError(f"close_reason: code {code} does not fit in 16 bits")
        if reason:
            if code == close_code.none:
                raise ValueError(
                    "close_reason: a reason needs a code; "
                    "use close_reason(close_code.normal, reason)"
                )
            size = len(reason.encode("utf-8"))
            if size > reason_string_max:
                raise ValueError(
                    f"close_reason: the reason is {size} bytes of UTF-8; shorten it to "
                    f"{reason_string_max} bytes"
                )
        self.code = code
        self.reason = reason

    def __bool__(self) -> bool:
        return self.code != close_code.none

    def __eq__(self, other: object) -> bool:
        if isinstance(other, close_reason):
            return self.code == other.code and self.reason == other.reason
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.code, self.reason))

    def __repr__(self) -> str:
        try:
            name = close_code(self.code).name
        except ValueError:
            name = str(self.code)
        if self.reason:
            return f"close_reason({name}, {self.reason!r})"
        return f"close_reason({name})"


def is_upgrade(req: http.request) -> bool:
    """Whether an HTTP request asks for a WebSocket upgrade, as Beast's ``is_upgrade``.

    True for a GET request of HTTP/1.1 or later whose Connection field lists the
    ``upgrade`` token and whose Upgrade field lists ``websocket`` (both case-insensitive).
    It does not validate the other handshake fields: a request for which this returns
    ``True`` may still be refused by ``accept`` (``check_request`` says why).

    Args:
        req: The HTTP request, typically just read by ``http.async_read``.

    Returns:
        ``True`` when the request should be handed to a ``websocket.stream``.
    """
    if req.version() < 11:
        return False
    if req.method() != http.verb.get:
        return False
    if not token_list_contains(req[http.field.connection], "upgrade"):
        return False
    return token_list_contains(req[http.field.upgrade], "websocket")
