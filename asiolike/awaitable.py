"""Coroutines driven by an io_context: ``use_awaitable``, ``as_tuple``, ``this_coro``.

Theory of operation
-------------------
Asio's ``awaitable<T>`` is a coroutine that only an *awaitable thread* (started by
``co_spawn``) may resume. Here the coroutine is a plain ``async def`` coroutine object, and
the awaitable thread is a ``coro_thread``: it owns the coroutine, the executor it runs
on, and the completion handler ``co_spawn`` was given.

*Awaiting an operation.* ``op(..., use_awaitable)`` does not start ``op``: it returns an
``awaitable_op`` holding the initiation and its arguments (as Asio, the operation starts
when awaited). Its ``__await__`` yields the awaitable itself up the chain of ``await``\\ s
to the thread driving the coroutine, which initiates the operation with *itself* as the
handler. Resumption always happens on the coroutine's executor (R7): on a strand (or any
executor but an io_context's own) the thread exposes it as ``associated_executor``, so the
operation dispatches every completion into it; on an io_context's own executor it exposes
no association, so the operation calls it straight from that context's run loop (the fast
path, where a dispatch would call it anyway). Either way ``__call__`` checks that it runs
in the executor and posts the resumption there when not: a handler invoked on a foreign
thread never resumes the coroutine there. The thread is one object reused for every
operation it awaits, so an ``await`` allocates only the awaitable and its ``__await__``
generator.

*Results* (``mode`` of the awaitable): for an operation's ``(ec, *values)``, a failing
``ec`` is thrown into the coroutine as ``system_error``; otherwise no value gives ``None``,
one value that value, several a tuple (``AUTO``; a first argument that is not an
``error_code`` makes all arguments values). A spawned coroutine's ``(exc, result)`` raises
``exc`` or gives ``result`` (``EXCEPTION``). ``as_tuple(use_awaitable)`` gives the argument
tuple unchanged and never raises (``TUPLE``).

*Requests* (``await this_coro.executor``...) are yielded like awaitables, answered by the
thread at once without suspending.

*Lifetimes* (R10). Nothing refers to a ``coro_thread`` but the handler slot of the one
operation it awaits (or the queue holding its resumption). When that operation is dropped
(its io_context closed...), the thread goes, its outstanding work is released, and Python
closes the coroutine (its ``finally`` blocks run), as Asio destroys the frame.

*Cancellation*. When ``co_spawn``'s handler has a connected cancellation slot, the thread
installs itself there; a request that passes the filter (``terminal`` only, by default, as
Asio's) is recorded in the coroutine's cancellation state and forwarded to the operation
being awaited through the thread's own signal, whose slot it exposes as
``associated_cancellation_slot``. Once cancelled, awaiting the next operation throws
``system_error(operation_aborted)`` (``this_coro.throw_if_cancelled``, true by default).
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Coroutine, Generator
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from asiolike.cancellation import (
    cancellation_signal,
    cancellation_slot,
    cancellation_type,
)
from asiolike.detail.completion import associated_executor_of
from asiolike.detail.scheduler import invokes_directly, io_context_executor, use_scheduler
from asiolike.error import error_code, operation_aborted, system_error

if TYPE_CHECKING:
    from asiolike.detail.completion import Executor

__all__ = [
    "awaitable",
    "awaitable_op",
    "use_awaitable_t",
    "use_awaitable",
    "as_tuple_t",
    "as_tuple",
    "this_coro",
    "coro_thread",
    "AUTO",
    "EXCEPTION",
    "TUPLE",
    "unpack",
    "handler_executor",
]

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)

AUTO: Final = 0
EXCEPTION: Final = 1
TUPLE: Final = 2

_partial = functools.partial
_get_ident = threading.get_ident
_error_code = error_code


class _thread_state(threading.local):
    thread: coro_thread | None = None


_tls = _thread_state()


def _not_in_co_spawn(what: object) -> RuntimeError:
    return RuntimeError(
        f"{what!r} awaited outside a coroutine started by asiolike.co_spawn: start the "
        "coroutine with net.co_spawn(ioc, coro(), net.detached) (inside asyncio, pass "
        "asiolike.aio.use_asyncio as the token instead of use_awaitable)"
    )


def unpack(mode: int, args: tuple[Any, ...]) -> tuple[BaseException | None, Any]:
    """The ``(exception, value)`` an awaiter gets from a completion's arguments."""
    if mode == AUTO:
        if not args:
            return None, None
        ec = args[0]
        if isinstance(ec, _error_code):
            if ec:
                return system_error(ec), None
            n = len(args)
            return None, None if n == 1 else args[1] if n == 2 else args[1:]
        return None, args[0] if len(args) == 1 else args
    if mode == EXCEPTION:
        return args[0], args[1] if len(args) > 1 else None
    return None, args


class awaitable(Generic[_T_co]):
    """What a coroutine started by :func:`asiolike.co_spawn` may ``await`` (Asio's ``awaitable``).

    Made by ``op(..., net.use_awaitable)``, ``co_spawn(..., net.use_awaitable)`` and the
    awaitable operators ``|`` and ``&``. Awaited once; the operation starts when awaited.
    """

    __slots__ = ()

    #: How the completion's arguments become the result (AUTO, EXCEPTION or TUPLE).
    _mode: int = AUTO

    def __await__(self) -> Generator[Any, Any, _T_co]:
        if _tls.thread is None:
            raise _not_in_co_spawn(self)
        return (yield self)  # type: ignore[no-any-return]

    def _initiate(self, handler: Callable[..., object]) -> None:
        """Start the operation; ``handler`` receives the completion's arguments."""
        raise NotImplementedError

    def __or__(self, other: Any) -> awaitable[tuple[int, Any]]:
        from asiolike.experimental.awaitable_operators import any_of

        return any_of.join(self, other)  # type: ignore[no-any-return]

    def __ror__(self, other: Any) -> awaitable[tuple[int, Any]]:
        from asiolike.experimental.awaitable_operators import any_of

        return any_of.join(other, self)  # type: ignore[no-any-return]

    def __and__(self, other: Any) -> awaitable[tuple[Any, ...]]:
        from asiolike.experimental.awaitable_operators import all_of

        return all_of.join(self, other)  # type: ignore[no-any-return]

    def __rand__(self, other: Any) -> awaitable[tuple[Any, ...]]:
        from asiolike.experimental.awaitable_operators import all_of

        return all_of.join(other, self)  # type: ignore[no-any-return]


class awaitable_op(awaitable[_T_co]):
    """An operation waiting to be awaited: its initiation, arguments and result mode."""

    __slots__ = ("_args", "_initiation", "_mode")

    def __init__(self, initiation: Callable[..., object], args: tuple[Any, ...], mode: int) -> None:
        self._initiation: Callable[..., object] | None = initiation
        self._args = args
        self._mode = mode

    def _initiate(self, handler: Callable[..., object]) -> None:
        initiation = self._initiation
        if initiation is None:
            raise RuntimeError(
                f"{self!r} was already awaited: an awaitable runs its operation once; "
                "call the initiating function again for another"
            )
        self._initiation = None
        initiation(handler, *self._args)

    def __repr__(self) -> str:
        init = self._initiation
        name = getattr(init, "__qualname__", None) or repr(init)
        return f"<awaitable {name}>"


class use_awaitable_t:
    """The type of :data:`use_awaitable`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "asiolike.use_awaitable"


use_awaitable: Final = use_awaitable_t()
"""Completion token: the initiating function returns an :class:`awaitable`.

Await it inside a coroutine started by :func:`asiolike.co_spawn`; the result is ``None``
for a handler taking ``(ec)``, the value for ``(ec, value)``, a tuple for more values. A
failing ``ec`` raises :class:`asiolike.system_error` (``.code`` is the ``error_code``).
"""


class as_tuple_t(Generic[_T]):
    """A token adapter made by :func:`as_tuple`."""

    __slots__ = ("token",)

    def __init__(self, token: _T) -> None:
        self.token = token

    def __repr__(self) -> str:
        return f"as_tuple({self.token!r})"


def as_tuple(token: _T) -> as_tuple_t[_T]:
    """Wrap a token so that the result is the whole argument tuple (Asio's ``as_tuple``).

    ``await sock.async_read_some(buf, net.as_tuple(net.use_awaitable))`` gives
    ``(ec, n)`` and never raises; with ``use_future`` the future's value is that tuple; a
    handler receives the tuple as its one argument.
    """
    return as_tuple_t(token)


# -- this_coro --------------------------------------------------------------------------------


class _request:
    """Something a coroutine asks its thread, answered without suspending."""

    __slots__ = ("_apply",)

    def __init__(self, apply: Callable[[coro_thread], Any]) -> None:
        self._apply = apply

    def __await__(self) -> Generator[Any, Any, Any]:
        if _tls.thread is None:
            raise _not_in_co_spawn(self)
        return (yield self)


class cancellation_state:
    """A view of a coroutine's cancellation state (``await this_coro.cancellation_state``)."""

    __slots__ = ("_thread",)

    def __init__(self, thread: coro_thread) -> None:
        # Weak: a coroutine keeping this view in a local must not keep itself alive (R10).
        self._thread = weakref.ref(thread)

    def cancelled(self) -> cancellation_type:
        """The cancellation types requested so far (``none`` when not cancelled)."""
        thread = self._thread()
        return cancellation_type(0 if thread is None else thread._cancelled)

    def slot(self) -> cancellation_slot:
        """The slot handed to the operations the coroutine awaits (unconnected if none)."""
        thread = self._thread()
        slot = None if thread is None else thread.associated_cancellation_slot
        return cancellation_slot() if slot is None else slot


class _this_coro:
    """Asio's ``this_coro`` namespace: what a coroutine may ask about itself."""

    __slots__ = ()

    @property
    def executor(self) -> _request:
        """``await net.this_coro.executor``: the executor the coroutine runs on."""
        return _request(_get_executor)

    @property
    def cancellation_state(self) -> _request:
        """``await net.this_coro.cancellation_state``: its :class:`cancellation_state`."""
        return _request(cancellation_state)

    def throw_if_cancelled(self, value: bool | None = None) -> _request:
        """``await net.this_coro.throw_if_cancelled(False)``: whether awaiting an operation
        after a cancellation throws ``operation_aborted`` (true by default). Without an
        argument, returns the current setting."""

        def apply(thread: coro_thread) -> bool:
            if value is not None:
                thread._throw_if_cancelled = bool(value)
            return thread._throw_if_cancelled

        return _request(apply)

    def reset_cancellation_state(
        self, filter: cancellation_type = cancellation_type.terminal
    ) -> _request:
        """``await net.this_coro.reset_cancellation_state(filter)``: forget earlier
        cancellations and forward only the types in ``filter`` from now on."""

        def apply(thread: coro_thread) -> None:
            thread._cancelled = 0
            thread._filter = int(filter)

        return _request(apply)

    def __repr__(self) -> str:
        return "asiolike.this_coro"


def _get_executor(thread: coro_thread) -> Executor:
    return thread.executor


this_coro: Final = _this_coro()
"""``net.this_coro.executor`` and friends, awaited inside a coroutine."""


# -- the awaitable thread ------------------------------------------------------------------


def _foreign(obj: object) -> TypeError:
    if hasattr(obj, "_asyncio_future_blocking") or type(obj).__module__.startswith("asyncio"):
        return TypeError(
            f"a coroutine started by asiolike.co_spawn awaited an asyncio object ({obj!r}): "
            "it runs on an io_context, not on an asyncio loop. Await asiolike operations "
            "(op(..., net.use_awaitable)) here; to mix the two, run the coroutine in asyncio "
            "and use asiolike.aio.attach(ioc) with the token asiolike.aio.use_asyncio"
        )
    return TypeError(
        f"a coroutine started by asiolike.co_spawn awaited {obj!r}: only asiolike awaitables "
        "(op(..., net.use_awaitable), co_spawn(..., net.use_awaitable), net.this_coro...) "
        "and other coroutines awaiting them can be awaited there"
    )


class coro_thread:
    """Runs one coroutine on an executor: Asio's awaitable thread (see the module docs).

    Made by :func:`asiolike.co_spawn`; it is also the completion handler of every operation
    its coroutine awaits.
    """

    __slots__ = (
        "__weakref__",
        "_cancelled",
        "_coro",
        "_filter",
        "_handler",
        "_here",
        "_mode",
        "_outer_slot",
        "_signal",
        "_threads",
        "_throw_if_cancelled",
        "_work",
        "associated_cancellation_slot",
        "associated_executor",
        "executor",
    )

    def __init__(
        self,
        coro: Coroutine[Any, Any, Any],
        executor: Executor,
        handler: Callable[..., object] | None,
        outer_slot: cancellation_slot | None,
    ) -> None:
        self._coro: Coroutine[Any, Any, Any] | None = coro
        self.executor = executor
        # On an io_context's own executor, an operation's completion reaches this handler
        # from that context's run loop, where dispatching would call it anyway: no
        # association, so operations call it directly (their fast path), and __call__
        # posts a completion that arrives anywhere else. A strand (or any other executor)
        # is associated, so every step is dispatched into it (R7).
        self.associated_executor: Executor | None = (
            None if invokes_directly(executor) else executor
        )
        self._here = executor.running_in_this_thread
        # The same question, without a call, for an io_context's executor: is this thread
        # inside one of the context's run functions?
        self._threads: dict[int, int] | None = (
            use_scheduler(executor).threads if isinstance(executor, io_context_executor) else None
        )
        self._handler = handler
        self._mode = AUTO
        self._cancelled = 0
        self._filter = int(cancellation_type.terminal)
        self._throw_if_cancelled = True
        self._outer_slot = outer_slot
        self._signal: cancellation_signal | None = None
        self.associated_cancellation_slot: cancellation_slot | None = None
        if outer_slot is not None and outer_slot.is_connected():
            self._signal = cancellation_signal()
            self.associated_cancellation_slot = self._signal.slot()
            outer_slot.assign(self._on_cancel)
        # A spawned coroutine is outstanding work until it finishes (R3).
        executor.on_work_started()
        self._work = True

    def start(self) -> None:
        """The first step (posted by ``co_spawn``, never run inside it)."""
        self._step(None, None)

    def _on_cancel(self, type: cancellation_type) -> None:
        wanted = int(type) & self._filter
        if not wanted or self._coro is None:
            return
        self._cancelled |= wanted
        signal = self._signal
        if signal is not None:
            signal.emit(cancellation_type(wanted))

    def __call__(self, *args: Any) -> None:
        """Resume the coroutine with the completion of the operation it awaits.

        Every asiolike operation delivers through the associated executor, so this runs
        where the coroutine belongs; a handler called from anywhere else (a foreign
        thread) is posted there instead of resuming the coroutine in the wrong place.
        """
        threads = self._threads
        if (_get_ident() not in threads) if threads is not None else not self._here():
            self.executor.post(_partial(self._resume, args))
            return
        if self._mode == AUTO:
            if not args:
                self._step(None, None)
                return
            ec = args[0]
            if type(ec) is _error_code:
                if ec:
                    self._step(None, system_error(ec))
                    return
                n = len(args)
                self._step(None if n == 1 else args[1] if n == 2 else args[1:], None)
                return
        exc, value = unpack(self._mode, args)
        self._step(value, exc)

    def _resume(self, args: tuple[Any, ...]) -> None:
        exc, value = unpack(self._mode, args)
        self._step(value, exc)

    def _step(self, value: Any, exc: BaseException | None) -> None:
        coro = self._coro
        if coro is None:
            raise AssertionError("a finished coroutine was resumed (an operation completed twice)")
        tls = _tls
        outer = tls.thread
        tls.thread = self
        try:
            while True:
                try:
                    if exc is None:
                        awaited = coro.send(value)
                    else:
                        thrown, exc = exc, None
                        awaited = coro.throw(thrown)
                except StopIteration as stop:
                    error, result = None, stop.value
                    break
                except BaseException as escaped:
                    error, result = escaped, None
                    break
                value = None
                if type(awaited) is awaitable_op or isinstance(awaited, awaitable):
                    if self._cancelled and self._throw_if_cancelled:
                        exc = system_error(operation_aborted)
                        continue
                    self._mode = awaited._mode
                    try:
                        awaited._initiate(self)
                    except BaseException as refused:
                        exc = refused
                        continue
                    # From here on another thread may already be resuming the coroutine:
                    # touch nothing of this thread's.
                    return
                if type(awaited) is _request:
                    try:
                        value = awaited._apply(self)
                    except BaseException as failed:
                        exc = failed
                    continue
                exc = _foreign(awaited)
        finally:
            tls.thread = outer
        self._finish(error, result)

    def _finish(self, error: BaseException | None, result: Any) -> None:
        self._coro = None
        handler, self._handler = self._handler, None
        if self._outer_slot is not None:
            self._outer_slot.clear()
            self._outer_slot = None
        self._signal = None
        self.associated_cancellation_slot = None
        ex = self.executor
        try:
            if handler is not None:
                target = associated_executor_of(handler)
                (ex if target is None else target).dispatch(_partial(handler, error, result))
            elif error is not None:
                raise error
        finally:
            if self._work:
                self._work = False
                ex.on_work_finished()

    def __del__(self) -> None:
        # Dropped unfinished (its io_context was closed with the operation it awaited):
        # the work it held goes with it, as the work guard in Asio's awaitable thread.
        if getattr(self, "_work", False):
            self._work = False
            try:
                self.executor.on_work_finished()
            except Exception:  # the context may be gone already; nothing to report to
                pass
        coro = getattr(self, "_coro", None)
        if coro is not None:
            # Its finally blocks run now (as Asio destroys the frame); one that never
            # started is closed without a "never awaited" warning.
            coro.close()

    def __repr__(self) -> str:
        coro = self._coro
        name = getattr(coro, "__qualname__", "finished") if coro is not None else "finished"
        return f"<coro_thread {name} on {self.executor!r}>"


def handler_executor(handler: object) -> Executor | None:
    """Where ``handler`` runs: a coroutine's executor, else its associated executor."""
    if type(handler) is coro_thread:
        return handler.executor
    return associated_executor_of(handler)


def current_thread() -> coro_thread | None:
    """The coroutine thread running in the calling thread now, if any (for adapters)."""
    return _tls.thread
