"""Argument checks of ``websocket.stream``'s functions: misuse raises at once (R6)."""

from __future__ import annotations

from typing import Final

from asiolike.async_result import is_completion_token
from asiolike.beast.websocket._frame import is_valid_close_code
from asiolike.beast.websocket.rfc6455 import close_code, close_reason
from asiolike.buffer import DynamicBuffer

__all__ = [
    "NO_ARG",
    "SECOND_READ",
    "SECOND_WRITE",
    "check_limit",
    "check_token",
    "close_reason_arg",
    "initial_bytes",
    "is_dynamic",
    "writable",
]


class _no_arg_t:
    __slots__ = ()


NO_ARG: Final = _no_arg_t()


def is_dynamic(obj: object) -> bool:
    t = type(obj)
    return (
        t is not bytearray
        and t is not memoryview
        and hasattr(obj, "prepare")
        and hasattr(obj, "commit")
    )


def check_token(token: object, what: str) -> None:
    if not is_completion_token(token):
        raise TypeError(
            f"websocket.stream.{what}: the last argument must be a completion handler or "
            f"a completion token (asiolike.use_future, use_awaitable...), not {token!r}"
        )


def writable(buffer: object, what: str) -> memoryview:
    if isinstance(buffer, (bytes, str)):
        raise TypeError(
            f"websocket.stream.{what}: pass a bytearray, a writable memoryview or "
            "a dynamic buffer (beast.flat_buffer), not a read-only object"
        )
    try:
        view = memoryview(buffer)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"websocket.stream.{what}: expected a dynamic buffer (beast.flat_buffer) or a "
            f"writable bytes-like object, not {type(buffer).__name__}"
        ) from None
    if view.readonly:
        raise TypeError(f"websocket.stream.{what}: the buffer is read-only")
    return view if view.format == "B" and view.ndim == 1 else view.cast("B")


def initial_bytes(buffer: object) -> bytes:
    """Octets already read for ``accept``: a dynamic buffer's data (consumed) or a buffer."""
    if is_dynamic(buffer):
        dyn: DynamicBuffer = buffer  # type: ignore[assignment]
        data = bytes(dyn.data())
        dyn.consume(len(data))
        return data
    try:
        return bytes(memoryview(buffer))  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            "websocket.stream.accept: pass the octets already read as a bytes-like object or "
            f"a dynamic buffer, or an http.request, not {type(buffer).__name__}"
        ) from None


def close_reason_arg(cr: object) -> close_reason:
    if type(cr) is close_code:
        reason = close_reason(cr)  # the usual argument: no isinstance checks
    elif isinstance(cr, close_reason):
        reason = cr
    elif isinstance(cr, (int, str)) and not isinstance(cr, bool):
        reason = close_reason(cr)
    else:
        raise TypeError(
            f"websocket.stream.close: expected a close_reason, a close_code or a str, not {cr!r}"
        )
    if reason.code != close_code.none and not is_valid_close_code(reason.code):
        raise ValueError(
            f"websocket.stream.close: close code {reason.code} may not be sent; use "
            "1000-1003, 1007-1014 or 3000-4999"
        )
    return reason


SECOND_READ: Final = (
    "websocket.stream.{}: a read is already pending; only one read (read or read_some) "
    "may be pending at a time: start the next one from the handler of the previous one"
)
SECOND_WRITE: Final = (
    "websocket.stream.{}: a write is already pending; only one write (write or write_some) "
    "may be pending at a time: start the next one from its handler, or queue outgoing "
    "messages (see the write-queue example)"
)


def check_limit(limit: object, what: str) -> None:
    """A read limit is an int >= 0 (0: no limit)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(
            f"websocket.stream.{what}: limit must be an int >= 0 (0: no limit), not {limit!r}"
        )
