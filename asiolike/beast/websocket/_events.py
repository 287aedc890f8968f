"""The events a :class:`~asiolike.beast.websocket._protocol.Connection` returns.

Small ``__slots__`` objects, one per thing the driver must act on; see the theory of
operation in ``_protocol``. Replies (a pong, an echoed close frame) come ready to write, so
the driver never builds frames itself.
"""

from __future__ import annotations

from typing import TypeAlias

from asiolike.beast.websocket.rfc6455 import close_code, close_reason
from asiolike.error import error_code

__all__ = ["DataEvent", "PingEvent", "PongEvent", "CloseEvent", "ErrorEvent", "Event"]


class DataEvent:
    """A piece of the current message's payload.

    Attributes:
        data: The payload bytes (possibly empty, e.g. for an empty message). A
            ``memoryview`` of the input when it was lent (``Connection.feed(data,
            borrow=True)``): valid until ``Connection.own_input``, so copy it before.
        fin: True when this piece ends the message.
    """

    __slots__ = ("data", "fin")

    def __init__(self, data: bytes | memoryview, fin: bool) -> None:
        self.data = data
        self.fin = fin

    def __repr__(self) -> str:
        return f"DataEvent({len(self.data)} bytes, fin={self.fin})"


class PingEvent:
    """A ping arrived; write ``reply`` (the pong frame) before reading on.

    Attributes:
        payload: The ping's payload (at most 125 bytes).
        reply: The pong frame to write.
    """

    __slots__ = ("payload", "reply")

    def __init__(self, payload: bytes, reply: bytes) -> None:
        self.payload = payload
        self.reply = reply

    def __repr__(self) -> str:
        return f"PingEvent({self.payload!r})"


class PongEvent:
    """A pong arrived.

    Attributes:
        payload: The pong's payload (at most 125 bytes).
    """

    __slots__ = ("payload",)

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def __repr__(self) -> str:
        return f"PongEvent({self.payload!r})"


class CloseEvent:
    """The peer sent a close frame: write ``reply`` (if any), then tear down.

    Attributes:
        reason: The peer's close code and reason (falsy when it sent none).
        reply: Our close frame echoing the code, or ``b""`` when we already sent one.
    """

    __slots__ = ("reason", "reply")

    def __init__(self, reason: close_reason, reply: bytes) -> None:
        self.reason = reason
        self.reply = reply

    def __repr__(self) -> str:
        return f"CloseEvent({self.reason!r}, reply={len(self.reply)} bytes)"


class ErrorEvent:
    """The connection failed: write ``reply`` (if any), tear down, report ``error``.

    Attributes:
        error: The ``websocket.error`` code.
        code: The close code sent in ``reply``, or ``None`` when we had already sent a
            close frame.
        reply: Our close frame, or ``b""``.
    """

    __slots__ = ("code", "error", "reply")

    def __init__(self, ec: error_code, code: close_code | None, reply: bytes) -> None:
        self.error = ec
        self.code = code
        self.reply = reply

    def __repr__(self) -> str:
        return f"ErrorEvent({self.error.name()}, code={self.code})"


Event: TypeAlias = DataEvent | PingEvent | PongEvent | CloseEvent | ErrorEvent
