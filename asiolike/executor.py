"""Free functions over executors: ``post``, ``dispatch``, ``defer`` and work guards (Asio's)."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any, overload

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.detail.completion import (
    PLAIN_CALLABLES,
    Executor,
    associated_executor_of,
    bind_executor,
    executor_binder,
    get_associated_executor,
)
from asiolike.io_context import io_context, io_context_executor
from asiolike.strand import strand

__all__ = [
    "post",
    "dispatch",
    "defer",
    "executor_work_guard",
    "make_work_guard",
    "as_executor",
    "bind_executor",
    "executor_binder",
    "get_associated_executor",
]


def as_executor(ctx_or_ex: Any) -> Executor:
    """The executor of an io_context, or ``ctx_or_ex`` itself if it is an executor.

    Raises:
        TypeError: it is neither.
    """
    # The common cases first, by type: every I/O object's constructor comes through here.
    t = type(ctx_or_ex)
    if t is io_context:
        return ctx_or_ex.get_executor()  # type: ignore[no-any-return]
    if t is strand or isinstance(ctx_or_ex, io_context_executor):
        return ctx_or_ex  # type: ignore[no-any-return]
    if hasattr(ctx_or_ex, "dispatch") and hasattr(ctx_or_ex, "running_in_this_thread"):
        return ctx_or_ex  # type: ignore[no-any-return]
    get_executor = getattr(ctx_or_ex, "get_executor", None)
    if get_executor is not None:
        ex = get_executor()
        if hasattr(ex, "dispatch"):
            return ex  # type: ignore[no-any-return]
    raise TypeError(f"expected an io_context or an executor, not {ctx_or_ex!r}")


def _submit(how: str, ctx_or_ex: Any, token: Any) -> concurrent.futures.Future[Any] | None:
    ex = as_executor(ctx_or_ex)

    def initiation(handler: Callable[[], object]) -> None:
        target = associated_executor_of(handler)
        if target is None or target == ex:
            getattr(ex, how)(handler)
        else:
            # Submitted to ``ex``, then run where the handler belongs (a strand...).
            target_ex = target
            getattr(ex, how)(lambda: target_ex.dispatch(handler))

    return async_initiate(initiation, token)


@overload
def post(ctx_or_ex: Any, token: use_awaitable_t) -> awaitable[None]: ...


@overload
def post(ctx_or_ex: Any, token: use_future_t) -> concurrent.futures.Future[None]: ...


@overload
def post(ctx_or_ex: Any, token: AdapterToken) -> Any: ...


@overload
def post(ctx_or_ex: Any, token: Callable[[], object]) -> None: ...


def post(ctx_or_ex: Any, token: Any) -> Any:
    """Submit a handler to run later; never runs it inline. Thread-safe.

    Asio's ``post``. This call returns immediately; the handler is never invoked from
    within it, even when called from a handler running in ``ctx_or_ex``. Handlers posted
    to one strand, or to an io_context run by one thread, run in the order they were
    posted.

    Args:
        ctx_or_ex: an io_context, its executor, or a strand.
        token: the completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter. A handler bound with :func:`bind_executor` is submitted to
            ``ctx_or_ex`` and then runs on its own executor.

    Handler:
        ``handler()``, no arguments.

    Returns:
        ``None`` for a handler. With ``use_future``, a ``Future[None]`` that is done once
        the submitted function has run in ``ctx_or_ex``; with ``use_awaitable``, an
        ``awaitable[None]``: ``await net.post(ex, net.use_awaitable)`` lets the handlers
        queued before it run before the coroutine continues (on its own executor).

    Errors:
        None: the handler takes no error code. An exception it raises propagates out of
        the ``run()`` that invoked it (rule R4).

    Cancellation:
        None: a submitted handler runs (unless the io_context is shut down first).

    Example:
        ::

            net.post(ioc, lambda: print("from the io_context's run()"))
            net.post(strand, session.on_tick)  # serialised with the strand's handlers
    """
    # The fast path (a plain function to an io_context) skips the token machinery.
    if type(token) in PLAIN_CALLABLES:
        if type(ctx_or_ex) is io_context:
            ctx_or_ex.get_executor().post(token)
            return None
        if type(ctx_or_ex) is io_context_executor or type(ctx_or_ex) is strand:
            ctx_or_ex.post(token)
            return None
    return _submit("post", ctx_or_ex, token)


@overload
def dispatch(ctx_or_ex: Any, token: use_awaitable_t) -> awaitable[None]: ...


@overload
def dispatch(ctx_or_ex: Any, token: use_future_t) -> concurrent.futures.Future[None]: ...


@overload
def dispatch(ctx_or_ex: Any, token: AdapterToken) -> Any: ...


@overload
def dispatch(ctx_or_ex: Any, token: Callable[[], object]) -> None: ...


def dispatch(ctx_or_ex: Any, token: Any) -> Any:
    """Run a handler now if the caller is already running in the executor, else post it.

    Asio's ``dispatch``: unlike :func:`post`, the handler may be invoked from within this
    call, when the calling thread is inside the executor (in ``run()`` of that
    io_context, or in a handler of that strand); otherwise this call returns immediately
    and the handler is never invoked from within it. Thread-safe.

    Args:
        ctx_or_ex: an io_context, its executor, or a strand.
        token: the completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter. A handler bound with :func:`bind_executor` runs on its own executor.

    Handler:
        ``handler()``, no arguments.

    Returns:
        ``None`` for a handler. With ``use_future``, a ``Future[None]`` that is done once
        the submitted function has run; with ``use_awaitable``, an ``awaitable[None]``.

    Errors:
        None: the handler takes no error code. An exception it raises propagates out of
        ``dispatch`` when it runs inline, else out of the ``run()`` that invoked it.

    Cancellation:
        None, as :func:`post`.

    Example:
        ::

            def log(line):
                # Safe from any thread; called inside the strand, it appends at once.
                net.dispatch(strand, lambda: lines.append(line))
    """
    return _submit("dispatch", ctx_or_ex, token)


@overload
def defer(ctx_or_ex: Any, token: use_awaitable_t) -> awaitable[None]: ...


@overload
def defer(ctx_or_ex: Any, token: use_future_t) -> concurrent.futures.Future[None]: ...


@overload
def defer(ctx_or_ex: Any, token: AdapterToken) -> Any: ...


@overload
def defer(ctx_or_ex: Any, token: Callable[[], object]) -> None: ...


def defer(ctx_or_ex: Any, token: Any) -> Any:
    """As :func:`post`, marking the handler as a continuation of the current one.

    Asio's ``defer``. This call returns immediately; the handler is never invoked from
    within it. Thread-safe.

    Args:
        ctx_or_ex: an io_context, its executor, or a strand.
        token: the completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter.

    Handler:
        ``handler()``, no arguments.

    Returns:
        As :func:`post`: ``None`` for a handler, a ``Future[None]`` with ``use_future``,
        an ``awaitable[None]`` with ``use_awaitable``.

    Errors:
        None, as :func:`post`.

    Cancellation:
        None, as :func:`post`.

    Example:
        ::

            net.defer(ioc, self.next_step)  # after the current handler returns
    """
    return _submit("defer", ctx_or_ex, token)


class executor_work_guard:
    """Keeps an executor's context from running out of work while it owns work.

    Asio's ``executor_work_guard``: as long as a guard owns work, ``run()`` keeps waiting
    for handlers instead of returning.
    """

    __slots__ = ("_executor", "_owns")

    def __init__(self, executor: Any) -> None:
        self._executor = as_executor(executor)
        self._executor.on_work_started()
        self._owns = True

    def get_executor(self) -> Executor:
        """The guarded executor."""
        return self._executor

    def owns_work(self) -> bool:
        """Whether the guard still holds its work."""
        return self._owns

    def reset(self) -> None:
        """Release the work (idempotent). ``run()`` may then return once the rest is done."""
        if self._owns:
            self._owns = False
            self._executor.on_work_finished()

    def __enter__(self) -> executor_work_guard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.reset()


def make_work_guard(ctx_or_ex: Any) -> executor_work_guard:
    """A new :class:`executor_work_guard` for an io_context or executor."""
    return executor_work_guard(ctx_or_ex)
