"""Completion tokens: the last argument of every initiating function.

Theory of operation
-------------------
Every initiating function in asiolike funnels through :func:`asiolike.async_initiate`, the
one place that turns a *completion token* into a handler and decides what the initiating
function returns (Asio's ``async_result``). The tokens:

* a callable (the handler): the initiating function starts the operation and returns
  ``None``;
* :data:`~asiolike.use_future`: it returns a ``concurrent.futures.Future``;
* :data:`~asiolike.use_awaitable`: it returns an awaitable; the operation starts when a
  coroutine started by ``co_spawn`` awaits it;
* :func:`~asiolike.as_tuple` (token): as ``token``, the result being the whole argument
  tuple (nothing raises);
* :data:`~asiolike.deferred`: it returns a deferred operation, which takes its token later;
* :data:`~asiolike.detached`: it starts the operation and ignores the result (a spawned
  coroutine's exception propagates out of ``run()``);
* :func:`~asiolike.bind_cancellation_slot` (slot, token): as the wrapped token, the
  operation's handler associated with ``slot``;
* :func:`~asiolike.cancel_after` / :func:`~asiolike.cancel_at`: as the wrapped token,
  the operation cancelled when a timer expires first;
* ``asiolike.aio.use_asyncio``: it returns an ``asyncio.Future`` of the running loop.

Adapters (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``) are unwrapped by
wrapping the *initiation*: the adapted initiation wraps the handler the inner token makes,
then calls the real one. An operation's handler takes ``(ec, *values)``; a spawned
coroutine's takes ``(exception, result)`` (``exception_first=True``).

Typing: this function returns ``Any`` in effect (what the token makes); each initiating
function declares overloads on the token's type, as :meth:`asiolike.steady_timer.async_wait`
does: ``use_awaitable`` gives ``awaitable[T]``, ``use_future`` gives
``concurrent.futures.Future[T]`` (``T`` the operation's value type, ``None`` for an ``(ec)``
handler), an :data:`~asiolike.async_result.AdapterToken` gives ``Any``, and a handler of
the operation's shape gives ``None``, so that ``mypy --strict`` reports a handler of the
wrong shape.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any, Final, TypeAlias, TypeVar

from asiolike.awaitable import (
    AUTO,
    EXCEPTION,
    TUPLE,
    as_tuple_t,
    awaitable_op,
    handler_executor,
    unpack,
    use_awaitable_t,
)
from asiolike.cancellation import (
    associated_cancellation_slot_of,
    cancel_after_t,
    cancellation_signal,
    cancellation_slot,
    cancellation_slot_binder,
    cancellation_type,
)
from asiolike.deferred import deferred, deferred_async_operation, deferred_t
from asiolike.detail import handler_tracking as _tracking
from asiolike.detail.completion import associated_executor_of
from asiolike.error import error_code, system_error

__all__ = [
    "use_future_t",
    "use_future",
    "detached_t",
    "detached",
    "use_asyncio_t",
    "use_asyncio",
    "async_initiate",
    "is_completion_token",
    "CompletionToken",
    "AdapterToken",
    "AsyncResult",
]

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


class detached_t:
    """The type of :data:`detached`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "asiolike.detached"


detached: Final = detached_t()
"""Completion token: start the operation and ignore its result (Asio's ``detached``).

With :func:`asiolike.co_spawn`, an exception escaping the coroutine propagates out of
``run()`` (rule R4) instead of being lost.
"""


class use_asyncio_t:
    """The type of ``asiolike.aio.use_asyncio``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "asiolike.aio.use_asyncio"


use_asyncio: Final = use_asyncio_t()
"""Completion token: the initiating function returns an ``asyncio.Future`` of the running loop.

Same result shapes and errors as :data:`use_future`. The result is delivered in the loop's
thread (directly when the handler runs there, as with ``aio.attach``; through
``call_soon_threadsafe`` from a thread running the io_context). Must be used in a thread
running an asyncio loop.
"""

CompletionToken = Callable[..., object] | use_future_t | use_awaitable_t | as_tuple_t[Any] | (
    deferred_t | detached_t | cancellation_slot_binder | cancel_after_t | use_asyncio_t
)

AdapterToken: TypeAlias = (
    as_tuple_t[Any] | deferred_t | detached_t | cancellation_slot_binder | cancel_after_t
) | use_asyncio_t
"""The tokens other than a handler, :data:`use_future` and :data:`use_awaitable`.

The last overload of each initiating function takes these and returns ``Any``: what they
make depends on the token they wrap. It comes before the handler's overload (a
``bind_cancellation_slot`` binder is callable) and, unlike ``token: Any``, leaves a handler
of the wrong shape to be reported by ``mypy``."""


AsyncResult: TypeAlias = Any
"""What an initiating function returns, whatever the token: a return annotation that lets
``await op(..., use_awaitable)`` and ``op(..., use_future).result()`` type-check in users'
code where per-token overloads (as :meth:`asiolike.steady_timer.async_wait` has) are not
written. An initiating function annotated ``Future[Any] | None`` makes ``await`` on its
result a type error for ``mypy --strict``."""


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


class _exception_future_handler(_future_handler):
    """A future for a handler taking ``(exception, result)`` (a spawned coroutine)."""

    __slots__ = ()

    def __call__(self, *args: Any) -> None:
        exc = args[0]
        if exc is not None:
            self._future.set_exception(exc)
        else:
            self._future.set_result(args[1] if len(args) > 1 else None)


def _ignore(*args: Any) -> None:
    """The handler :data:`detached` makes for an operation."""


def _rethrow(exc: BaseException | None, result: Any = None) -> None:
    """The handler :data:`detached` makes for a spawned coroutine: R4 for coroutines."""
    if exc is not None:
        raise exc


class _forwarding_handler:
    """Base of handlers that wrap another: forwards its associations."""

    __slots__ = ("_handler",)

    def __init__(self, handler: Callable[..., object]) -> None:
        self._handler = handler

    @property
    def associated_executor(self) -> Any:
        return associated_executor_of(self._handler)

    @property
    def associated_cancellation_slot(self) -> cancellation_slot | None:
        return associated_cancellation_slot_of(self._handler)


class _tuple_handler(_forwarding_handler):
    """``as_tuple(handler)``: the arguments arrive as one tuple."""

    __slots__ = ()

    def __call__(self, *args: Any) -> object:
        return self._handler(args)


class _timeout_handler(_forwarding_handler):
    """The handler ``cancel_after`` gives the operation: stops the timer, then forwards."""

    __slots__ = ("_timer", "associated_cancellation_slot")

    def __init__(self, handler: Callable[..., object], timer: Any, slot: cancellation_slot):
        self._handler = handler
        self._timer = timer
        self.associated_cancellation_slot = slot  # type: ignore[misc]

    def __call__(self, *args: Any) -> object:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        return self._handler(*args)


class _on_timeout:
    """The timer's handler for ``cancel_after``: emits unless the timer was cancelled."""

    __slots__ = ("_signal", "_type")

    def __init__(self, signal: cancellation_signal, type: cancellation_type) -> None:
        self._signal = signal
        self._type = type

    def __call__(self, ec: error_code) -> None:
        if not ec:
            self._signal.emit(self._type)


def _initiation_executor(initiation: Any) -> Any:
    """The executor an initiation's I/O object runs on, if it tells: its ``io_executor``
    attribute (set by adapters and ``co_spawn``), or its bound object's ``get_executor()``."""
    ex = getattr(initiation, "io_executor", None)
    if ex is None:
        get_executor = getattr(getattr(initiation, "__self__", None), "get_executor", None)
        if get_executor is not None:
            ex = get_executor()
    return ex


def _io_executor(initiation: Any, args: tuple[Any, ...]) -> Any:
    """The executor of the I/O object an initiation works on (for ``cancel_after``'s timer)."""
    ex = _initiation_executor(initiation)
    if ex is not None:
        return ex
    for candidate in args:
        get_executor = getattr(candidate, "get_executor", None)
        if get_executor is not None:
            return get_executor()
    raise TypeError(
        "cancel_after cannot tell which executor this operation runs on: bind one to the "
        "handler with net.bind_executor(ex, handler)"
    )


class _asyncio_handler:
    """Settles an asyncio future from a completion, in the future's loop thread."""

    __slots__ = ("_future", "_loop", "_mode", "_thread")

    def __init__(self, loop: Any, future: Any, mode: int) -> None:
        self._loop = loop
        self._future = future
        self._mode = mode
        self._thread = threading.get_ident()

    def __call__(self, *args: Any) -> None:
        if threading.get_ident() == self._thread:
            _settle(self._future, self._mode, args)
            return
        try:
            self._loop.call_soon_threadsafe(_settle, self._future, self._mode, args)
        except RuntimeError:
            pass  # the loop is closed: nobody is waiting for the future any more


def _settle(future: Any, mode: int, args: tuple[Any, ...]) -> None:
    if future.done():  # cancelled by its awaiter
        return
    exc, value = unpack(mode, args)
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(value)


def is_completion_token(token: object) -> bool:
    """Whether :func:`asiolike.async_initiate` accepts ``token``.

    For initiating functions that check their arguments before calling it (R6).
    """
    kind = type(token)
    return kind is use_future_t or kind is use_awaitable_t or kind in _TOKEN_TYPES or callable(
        token
    )


def _is_handler(target: object) -> bool:
    return callable(target) and type(target) not in _TOKEN_TYPES


def async_initiate(
    initiation: Callable[..., object],
    token: object,
    *args: Any,
    exception_first: bool = False,
) -> concurrent.futures.Future[Any] | None:
    """Start an operation: ``initiation(handler, *args)`` with the handler made from ``token``.

    Returns what the token makes (see the module's table): ``None`` for a plain handler,
    the future for :data:`use_future`, an awaitable for ``use_awaitable``... (The declared
    type is that of the two classic tokens, so that the initiating functions' own
    annotations hold; see the module docs on typing.)

    Args:
        initiation: ``initiation(handler, *args)`` starts the operation.
        token: the completion token.
        args: passed to ``initiation``.
        exception_first: the handler takes ``(exception, result)`` (``co_spawn``), not
            ``(ec, *values)``.

    Raises:
        TypeError: ``token`` is not a completion token.
    """
    kind = type(token)
    if kind is use_awaitable_t:
        return awaitable_op(  # type: ignore[return-value]
            initiation, args, EXCEPTION if exception_first else AUTO
        )
    if kind is use_future_t:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.set_running_or_notify_cancel()
        handler: Callable[..., object] = (
            _exception_future_handler(future) if exception_first else _future_handler(future)
        )
        if _tracking.active:
            handler = _tracking.track_initiation(handler, initiation, args)
        initiation(handler, *args)
        return future
    if kind in _TOKEN_TYPES:
        return _adapt(kind, initiation, token, args, exception_first)  # type: ignore[no-any-return]
    if not callable(token):
        raise TypeError(
            f"the last argument must be a completion handler (a callable) or a token: "
            f"asiolike.use_future, use_awaitable, deferred, detached, or an adapter "
            f"(as_tuple, cancel_after, bind_cancellation_slot); not {token!r}"
        )
    if _tracking.active:
        # Handler tracking is on for some io_context: maybe this operation's.
        token = _tracking.track_initiation(token, initiation, args)
    initiation(token, *args)
    return None


def _adapt(
    kind: type,
    initiation: Callable[..., object],
    token: Any,
    args: tuple[Any, ...],
    exception_first: bool,
) -> Any:
    """The tokens other than a handler, use_future and use_awaitable."""
    if kind is detached_t:
        initiation(_rethrow if exception_first else _ignore, *args)
        return None
    if kind is deferred_t:
        return deferred_async_operation(initiation, args, EXCEPTION if exception_first else AUTO)
    if kind is as_tuple_t:
        inner = token.token
        if type(inner) is use_awaitable_t:
            return awaitable_op(initiation, args, TUPLE)

        def tupled(handler: Callable[..., object], *a: Any) -> None:
            initiation(_tuple_handler(handler), *a)

        if _is_handler(inner):
            tupled(inner, *args)
            return None
        return async_initiate(tupled, inner, *args)
    if kind is cancellation_slot_binder:
        inner = token.target
        if _is_handler(inner):
            if _tracking.active:
                token = _tracking.track_initiation(token, initiation, args)
            initiation(token, *args)
            return None
        slot = token.associated_cancellation_slot

        def bound(handler: Callable[..., object], *a: Any) -> None:
            initiation(cancellation_slot_binder(slot, handler), *a)

        bound.io_executor = _initiation_executor(initiation)  # type: ignore[attr-defined]
        return async_initiate(bound, inner, *args, exception_first=exception_first)
    if kind is cancel_after_t:
        adapter: cancel_after_t = token

        def timed(handler: Callable[..., object], *a: Any) -> None:
            from asiolike.steady_timer import steady_timer

            ex = handler_executor(handler)
            if ex is None:
                ex = _io_executor(initiation, a)
            signal = cancellation_signal()
            outer = associated_cancellation_slot_of(handler)
            if outer is not None and outer.is_connected():
                outer.assign(signal.emit)
            timer = steady_timer(ex)
            timer.expires_at(adapter.expiry())
            timer.async_wait(_on_timeout(signal, adapter.type))
            initiation(_timeout_handler(handler, timer, signal.slot()), *a)

        timed.io_executor = _initiation_executor(initiation)  # type: ignore[attr-defined]
        inner = deferred if adapter.token is None else adapter.token
        return async_initiate(timed, inner, *args, exception_first=exception_first)
    if kind is use_asyncio_t:
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "asiolike.aio.use_asyncio needs a running asyncio loop in this thread: start "
                "the operation from a coroutine or callback of that loop"
            ) from None
        future = loop.create_future()
        initiation(_asyncio_handler(loop, future, EXCEPTION if exception_first else AUTO), *args)
        return future
    raise AssertionError(kind)  # pragma: no cover


_TOKEN_TYPES: Final = frozenset(
    {detached_t, deferred_t, as_tuple_t, cancellation_slot_binder, cancel_after_t, use_asyncio_t}
)
