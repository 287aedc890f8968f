"""Stream options, as Beast's ``stream_base`` (``timeout``, ``decorator``, ``none()``).

Set them with ``ws.set_option(...)`` and read them back with ``ws.get_option(...)``::

    ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.server))
    ws.set_option(websocket.stream_base.decorator(
        lambda res: res.set(http.field.server, "my-server")))

Durations are seconds (``int``/``float``) or :class:`datetime.timedelta`;
``stream_base.none()`` (``None``) disables a timeout, as Beast's ``none()``.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable
from typing import Any, Final, TypeAlias

from asiolike.beast.core.role import role_type

__all__ = ["frame_type", "stream_base", "Duration", "seconds_or_none"]

Duration: TypeAlias = float | int | datetime.timedelta

_SUGGESTED_HANDSHAKE: Final = 30.0
_SUGGESTED_SERVER_IDLE: Final = 300.0


def seconds_or_none(value: Duration | None, what: str) -> float | None:
    """``value`` as seconds, ``None`` kept (no timeout).

    Raises:
        TypeError: ``value`` is not a number, a ``timedelta`` or ``None``.
        ValueError: ``value`` is negative.
    """
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"stream_base.timeout: {what} is seconds (int/float), a timedelta or "
            f"stream_base.none(), not {value!r}"
        )
    else:
        seconds = float(value)
    if seconds < 0:
        raise ValueError(f"stream_base.timeout: {what} must be >= 0 seconds, got {seconds}")
    return seconds


class frame_type(enum.Enum):
    """The kind of control frame passed to ``stream.control_callback`` (Beast's ``frame_type``)."""

    close = "close"
    """A close frame was received; the callback gets the close reason (UTF-8 bytes)."""
    ping = "ping"
    """A ping frame was received; the callback gets its payload."""
    pong = "pong"
    """A pong frame was received; the callback gets its payload."""


class _timeout:
    """Timeout settings of a WebSocket stream (Beast's ``stream_base::timeout``).

    Args:
        handshake_timeout: Time allowed for the opening handshake (``handshake`` or
            ``accept``) and for the closing handshake (``close``, or answering the peer's
            close); ``stream_base.none()`` for no limit.
        idle_timeout: Time without received data after which the connection is considered
            dead; ``stream_base.none()`` for no limit.
        keep_alive_pings: With an idle timeout, send a ping when half of it passed without
            data, and give up only if the other half also passes without data. A read
            must be pending for the pong to be seen; it completes with
            ``beast.error.timeout`` when the connection is given up.

    Raises:
        TypeError: A duration is not seconds, a ``timedelta`` or ``None``.
        ValueError: A negative duration.
    """

    __slots__ = ("handshake_timeout", "idle_timeout", "keep_alive_pings")

    def __init__(
        self,
        handshake_timeout: Duration | None = None,
        idle_timeout: Duration | None = None,
        keep_alive_pings: bool = False,
    ) -> None:
        self.handshake_timeout: float | None = None
        self.idle_timeout: float | None = None
        # Every stream makes the default (no timeouts): it needs no conversion.
        if handshake_timeout is not None:
            self.handshake_timeout = seconds_or_none(handshake_timeout, "handshake_timeout")
        if idle_timeout is not None:
            self.idle_timeout = seconds_or_none(idle_timeout, "idle_timeout")
        self.keep_alive_pings = bool(keep_alive_pings)

    @staticmethod
    def suggested(role: role_type) -> _timeout:
        """Beast's suggested settings for a role.

        Client: 30 s handshake, no idle timeout, no pings. Server: 30 s handshake, 300 s
        idle timeout with keep-alive pings.

        Args:
            role: ``beast.role_type.client`` or ``beast.role_type.server``.

        Raises:
            TypeError: ``role`` is not a ``role_type``.
        """
        if role is role_type.client:
            return _timeout(_SUGGESTED_HANDSHAKE, None, False)
        if role is role_type.server:
            return _timeout(_SUGGESTED_HANDSHAKE, _SUGGESTED_SERVER_IDLE, True)
        raise TypeError(f"timeout.suggested() needs a beast.role_type, not {role!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _timeout):
            return NotImplemented
        return (
            self.handshake_timeout == other.handshake_timeout
            and self.idle_timeout == other.idle_timeout
            and self.keep_alive_pings == other.keep_alive_pings
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"stream_base.timeout(handshake_timeout={self.handshake_timeout}, "
            f"idle_timeout={self.idle_timeout}, keep_alive_pings={self.keep_alive_pings})"
        )


class _decorator:
    """A function that edits the upgrade request or response before it is sent.

    Beast's ``stream_base::decorator``. The function is called with the
    :class:`~asiolike.beast.http.request` a client sends (``handshake``) or the
    :class:`~asiolike.beast.http.response` a server sends (``accept``, also the 400 and
    426 answers); test ``msg.is_request`` to tell them apart. Setting a new decorator
    replaces the previous one.

    Args:
        fn: ``fn(msg) -> None``.

    Raises:
        TypeError: ``fn`` is not callable.
    """

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Any], object]) -> None:
        if not callable(fn):
            raise TypeError(f"stream_base.decorator needs a callable, not {fn!r}")
        self.fn = fn

    def __repr__(self) -> str:
        return f"stream_base.decorator({self.fn!r})"


class stream_base:
    """What every WebSocket stream shares: its option types (Beast's ``stream_base``).

    ``websocket.stream`` derives from it, so ``websocket.stream.timeout`` is the same as
    ``websocket.stream_base.timeout``.
    """

    __slots__ = ()

    timeout = _timeout
    decorator = _decorator

    @staticmethod
    def none() -> None:
        """The "no timeout" duration (Beast's ``stream_base::none()``): ``None``."""
        return None
