"""``co_spawn``: run a coroutine on an io_context, an executor or a strand (Asio's ``co_spawn``)."""

from __future__ import annotations

import concurrent.futures
import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar, overload

from asiolike.async_result import async_initiate, detached_t, use_future_t
from asiolike.awaitable import awaitable, coro_thread, use_awaitable_t
from asiolike.cancellation import associated_cancellation_slot_of
from asiolike.executor import as_executor

__all__ = ["co_spawn"]

_T = TypeVar("_T")


def _as_coroutine(coro: Any) -> Coroutine[Any, Any, Any]:
    if inspect.iscoroutine(coro):
        return coro
    if callable(coro):
        made = coro()
        if inspect.iscoroutine(made):
            return made
        coro = made
    if inspect.isawaitable(coro) and isinstance(coro, awaitable):
        return _await_one(coro)
    raise TypeError(
        f"co_spawn needs a coroutine object (call your async def: co_spawn(ioc, main(), "
        f"net.detached)) or a function returning one, not {coro!r}"
    )


async def _await_one(op: awaitable[_T]) -> _T:
    return await op


@overload
def co_spawn(
    ex: Any, coro: Coroutine[Any, Any, _T] | Callable[[], Coroutine[Any, Any, _T]],
    token: use_awaitable_t,
) -> awaitable[_T]: ...


@overload
def co_spawn(
    ex: Any, coro: Coroutine[Any, Any, _T] | Callable[[], Coroutine[Any, Any, _T]],
    token: use_future_t,
) -> concurrent.futures.Future[_T]: ...


@overload
def co_spawn(
    ex: Any, coro: Coroutine[Any, Any, _T] | Callable[[], Coroutine[Any, Any, _T]],
    token: detached_t | Callable[[BaseException | None, _T], object],
) -> None: ...


@overload
def co_spawn(ex: Any, coro: Awaitable[_T] | Callable[[], Awaitable[_T]], token: Any) -> Any: ...


def co_spawn(ex: Any, coro: Any, token: Any) -> Any:
    """Run ``coro`` on ``ex``; its completion goes to ``token`` (Asio's ``co_spawn``).

    The coroutine starts through a post to ``ex``: this call returns immediately; the
    handler is never invoked from within it, and the coroutine does not start there. It
    runs on ``ex`` (every step, including each resumption after an ``await``) and counts
    as outstanding work of ``ex``'s context until it finishes (R3).

    Args:
        ex: an io_context, an executor, or a strand.
        coro: a coroutine object (``main()`` for an ``async def main()``), or a function
            taking no argument that returns one.
        token: the completion token: :data:`asiolike.detached` (nothing is told of the
            end; an exception escaping the coroutine propagates out of ``run()``, R4), a
            handler, :data:`asiolike.use_future`, :data:`asiolike.use_awaitable`, or an
            adapter (``bind_cancellation_slot``, ``cancel_after``...).

    Handler:
        ``handler(exc: BaseException | None, result)`` (Asio's
        ``void(std::exception_ptr, T)``), run through its associated executor (by default
        ``ex``): ``exc`` is the exception that escaped the coroutine (``None`` on
        success), ``result`` its return value.

    Returns:
        ``None`` for a handler or ``detached``. With ``use_future``, a ``Future`` whose
        result is the coroutine's return value (or which raises what escaped it); with
        ``use_awaitable``, an ``awaitable`` of the same, for another coroutine to await
        (the spawn then happens when it is awaited).

    Errors:
        The coroutine's own exceptions, passed as ``exc`` (an operation's failing
        ``ec`` is thrown into the coroutine as :class:`~asiolike.error.system_error`, so
        an uncaught one arrives here).

    Cancellation:
        ``terminal`` by default, through a cancellation slot associated with the token
        (``bind_cancellation_slot``, ``cancel_after``): the request is forwarded to the
        operation the coroutine awaits, and the next ``await`` of an operation throws
        ``system_error(operation_aborted)``. ``this_coro.reset_cancellation_state``
        widens the filter (``partial``, ``total``); ``this_coro.throw_if_cancelled``
        turns the throwing off.

    Raises:
        TypeError: ``coro`` is not a coroutine; ``ex`` is not an executor or io_context;
            ``token`` is not a token.

    Example:
        ::

            async def echo(sock):
                buf = bytearray(1024)
                while True:
                    n = await sock.async_read_some(buf, net.use_awaitable)
                    await net.async_write(sock, memoryview(buf)[:n], net.use_awaitable)

            net.co_spawn(ioc, echo(sock), net.detached)
    """
    coroutine = _as_coroutine(coro)
    try:
        executor = as_executor(ex)
    except TypeError:
        coroutine.close()  # never started: no "never awaited" warning
        raise

    def initiation(handler: Callable[..., object]) -> None:
        thread = coro_thread(coroutine, executor, handler, associated_cancellation_slot_of(handler))
        executor.post(thread.start)

    initiation.io_executor = executor  # type: ignore[attr-defined]  # for cancel_after
    try:
        return async_initiate(initiation, token, exception_first=True)
    except BaseException:
        coroutine.close()  # never started: no "never awaited" warning
        raise
