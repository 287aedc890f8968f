"""Completion tokens: the last argument of every initiating function.

A token is either a plain callable (the handler) or :data:`use_future`. Every initiating
function in asiolike funnels through :func:`async_initiate`, so a new kind of token (a
coroutine-driving ``use_awaitable``, say) is added here and nowhere else.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any, Final, TypeVar

from asiolike.detail import handler_tracking as _tracking
from asiolike.error import error_code, system_error

__all__ = ["use_future_t", "use_future", "async_initiate", "CompletionToken"]

_T = TypeVar("_T")


class use_future_t:
    """The type of :data:`use_future`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "asiolike.use_future"


use_future: Final = use_future_t()
"""Completion token: the initiating function returns a ``concurrent.futures.Future``.

The future's ``result()`` is ``None`` for handlers taking only ``(ec)``, the single value for
``(ec, value)``, and a tuple for more values. A failing ``ec`` raises
:class:`asiolike.error.system_error` from ``result()``. Do not block on ``result()`` in the
thread that runs the io_context: nothing would complete it.
"""

CompletionToken = Callable[..., object] | use_future_t


class _future_handler:
    """Completes a future the way use_future promises; one per operation."""

    __slots__ = ("_future",)

    def __init__(self, future: concurrent.futures.Future[Any]) -> None:
        self._future = future

    def __call__(self, *args: Any) -> None:
        future = self._future
        if args and isinstance(args[0], error_code):
            ec, values = args[0], args[1:]
            if ec:
                future.set_exception(system_error(ec))
                return
        else:
            values = args
        if not values:
            future.set_result(None)
        elif len(values) == 1:
            future.set_result(values[0])
        else:
            future.set_result(values)


def async_initiate(
    initiation: Callable[..., object], token: object, *args: Any
) -> concurrent.futures.Future[Any] | None:
    """Start an operation: ``initiation(handler, *args)`` with the handler made from ``token``.

    Returns the future for :data:`use_future`, ``None`` for a plain handler.

    Raises:
        TypeError: ``token`` is neither callable nor ``use_future``.
    """
    if type(token) is use_future_t:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.set_running_or_notify_cancel()
        handler: Callable[..., object] = _future_handler(future)
        if _tracking.active:
            handler = _tracking.track_initiation(handler, initiation, args)
        initiation(handler, *args)
        return future
    if not callable(token):
        raise TypeError(
            f"the last argument must be a completion handler (a callable) or "
            f"asiolike.use_future, not {token!r}"
        )
    if _tracking.active:
        # Handler tracking is on for some io_context: maybe this operation's.
        token = _tracking.track_initiation(token, initiation, args)
    initiation(token, *args)
    return None
