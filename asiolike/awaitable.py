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
to the thread driving the coroutine, which initiates the operation with a handler that
resumes the coroutine. Resumption always happens on the coroutine's executor (R7):

* on an io_context's own executor, with no cancellation slot (the common case), the
  handler is the bound method ``thread._resume``: a plain callable, so the I/O object
  takes the fast path of the one completion path (``asiolike.detail.completion``) for it
  exactly as for a callback's handler: no association to look up, no cancellation to
  install, the completion queued by the scheduler and run from its loop (R1), where
  ``_resume`` sends the result into the coroutine. Only a completion arriving on a thread
  that is not running the coroutine's io_context (an I/O object of another context) is
  posted to it first;
* otherwise (a strand, any other executor, a cancellation slot) the handler is the thread
  itself, which exposes the executor as ``associated_executor`` (every completion is
  dispatched into it) and its cancellation slot; its ``__call__`` also posts a
  completion that arrives on a foreign thread instead of resuming there.

The thread is one object reused for every operation its coroutine awaits, so an ``await``
allocates the awaitable, its ``__await__`` generator and the bound ``_resume`` (kept
nowhere: an attribute holding it would make the thread a reference cycle).

*Results* (``mode`` of the awaitable): for an operation's ``(ec, *values)``, a failing
``ec`` raises ``system_error`` in the coroutine; otherwise no value gives ``None``, one
value that value, several a tuple (``AUTO``; a first argument that is not an
``error_code`` makes all arguments values). A spawned coroutine's ``(exc, result)`` raises
``exc`` or gives ``result`` (``EXCEPTION``). ``as_tuple(use_awaitable)`` gives the argument
tuple unchanged and never raises (``TUPLE``).

*What an awaitable is sent.* The thread resumes a coroutine only with ``coro.send``: the
result itself, ``_NOTHING`` for ``None``, or a ``_message`` carrying the exception to raise
there. A ``None`` sent, or anything thrown in, therefore comes from some other driver (an
asyncio task throws "got bad yield"): the awaitable raises ``RuntimeError`` saying that it
was awaited outside ``co_spawn``. This costs two identity tests per ``await``, where a
thread-local "running coroutine" costs four thread-local accesses per step.

*Requests* (``await this_coro.executor``...) are yielded like awaitables, answered by the
thread at once without suspending.

*Lifetimes* (R10). Nothing refers to a ``coro_thread`` but the handler of the one
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
import types
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
from asiolike.error import error_code, operation_aborted, success, system_error

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
_success = success
_MethodType = types.MethodType


class _message:
    """What a coroutine thread sends to the awaitable its coroutine is suspended at, when
    the result is not a plain value: an exception to raise there, or :data:`_NOTHING`."""

    __slots__ = ("exc",)

    def __init__(self, exc: BaseException | None) -> None:
        self.exc = exc

    def take(self) -> BaseException:
        # Handed over and forgotten: the awaitable's frame, which the exception's
        # traceback holds, must not hold the exception in turn (a cycle, R10).
        exc, self.exc = self.exc, None
        assert exc is not None
        return exc

    def __repr__(self) -> str:
        return "<nothing>" if self is _NOTHING else f"<raise {self.exc!r}>"


#: The result ``None`` as sent to an awaitable (a ``None`` sent is a foreign driver's), and
#: the "no argument" default of ``coro_thread._resume``.
_NOTHING: Final = _message(None)


def _sent(exc: BaseException | None, value: Any) -> Any:
    """What an awaitable is sent for the result ``(exc, value)``."""
    if exc is not None:
        return _message(exc)
    return _NOTHING if value is None else value


def _args_of(ec: Any, value: Any, more: tuple[Any, ...]) -> tuple[Any, ...]:
    """The argument tuple of a call of ``coro_thread._resume``."""
    if ec is _NOTHING:
        return ()
    if value is _NOTHING:
        return (ec,)
    return (ec, value, *more)


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


class _suspension:
    """Something a coroutine yields to the coroutine thread driving it (see the module docs)."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, Any, Any]:
        try:
            sent = yield self
        except GeneratorExit:  # the coroutine is being closed
            raise
        except BaseException as foreign:
            # A coroutine thread never throws into its awaitables: a foreign driver does
            # (asyncio's task: "got bad yield").
            raise _not_in_co_spawn(self) from foreign
        if type(sent) is _message:
            if sent is _NOTHING:
                return None
            raise sent.take()
        if sent is None:  # a foreign driver resumed the coroutine
            raise _not_in_co_spawn(self)
        return sent


class awaitable(_suspension, Generic[_T_co]):
    """What a coroutine started by :func:`asiolike.co_spawn` may ``await`` (Asio's ``awaitable``).

    Made by ``op(..., net.use_awaitable)``, ``co_spawn(..., net.use_awaitable)`` and the
    awaitable operators ``|`` and ``&``. Awaited once; the operation starts when awaited.
    """

    __slots__ = ()

    #: How the completion's arguments become the result (AUTO, EXCEPTION or TUPLE).
    _mode: int = AUTO

    if TYPE_CHECKING:

        def __await__(self) -> Generator[Any, Any, _T_co]: ...

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
        # coro_thread._step does the same without the call, for this exact type.
        initiation = self._initiation
        if initiation is None:
            raise _awaited_twice(self)
        self._initiation = None
        initiation(handler, *self._args)

    def __repr__(self) -> str:
        init = self._initiation
        name = getattr(init, "__qualname__", None) or repr(init)
        return f"<awaitable {name}>"


def _awaited_twice(op: awaitable_op[Any]) -> RuntimeError:
    return RuntimeError(
        f"{op!r} was already awaited: an awaitable runs its operation once; "
        "call the initiating function again for another"
    )


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


class _request(_suspension):
    """Something a coroutine asks its thread, answered without suspending."""

    __slots__ = ("_apply",)

    def __init__(self, apply: Callable[[coro_thread], Any]) -> None:
        self._apply = apply


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
        "_plain",
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
        # Nothing associated: an awaited operation may complete a plain handler by its
        # fast path (see _resume).
        self._plain = self.associated_executor is None and self.associated_cancellation_slot is None
        # A spawned coroutine is outstanding work until it finishes (R3).
        executor.on_work_started()
        self._work = True

    def start(self) -> None:
        """The first step (posted by ``co_spawn``, never run inside it)."""
        self._step(None)

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

        The handler of every awaited operation but the plain ones (see :meth:`_resume`).
        Every asiolike operation delivers through the associated executor, so this runs
        where the coroutine belongs; a handler called from anywhere else (a foreign
        thread) is posted there instead of resuming the coroutine in the wrong place.
        """
        threads = self._threads
        if (_get_ident() not in threads) if threads is not None else not self._here():
            self.executor.post(_partial(self._resume_posted, self._mode, args))
            return
        exc, value = unpack(self._mode, args)
        self._step(_sent(exc, value))

    def _resume(self, ec: Any = _NOTHING, value: Any = _NOTHING, *more: Any) -> None:
        """The plain handler of an operation awaited for an ``(ec, value)`` result.

        Handed out (as the bound method ``self._resume``, a new one per operation: an
        attribute holding it would be a reference cycle, R10) instead of the thread
        itself when the coroutine runs on an io_context's own executor and has no
        cancellation slot: then an I/O object takes its fast path for it (``type(handler)
        in self._fast``; no association to look up, no cancellation to install) and calls
        it straight from its run loop, or through the scheduler's queue when the result
        was known at once (R1). Only a completion arriving on a thread that is not
        running the coroutine's io_context (an I/O object of another context) is posted.
        """
        threads = self._threads
        if threads is None or _get_ident() not in threads:
            self.executor.post(_partial(self._resume_posted, AUTO, _args_of(ec, value, more)))
            return
        if type(ec) is _error_code and not more:
            # ``success`` by identity first: no error_code.__bool__ call on the common path.
            if ec is _success or not ec:
                self._step(_NOTHING if value is None else value)
            else:
                self._step(_message(system_error(ec)))
            return
        exc, result = unpack(AUTO, _args_of(ec, value, more))
        self._step(_sent(exc, result))

    def _resume_posted(self, mode: int, args: tuple[Any, ...]) -> None:
        exc, value = unpack(mode, args)
        self._step(_sent(exc, value))

    def _step(self, sent: Any) -> None:
        """Run the coroutine until it awaits an operation, or ends.

        ``sent`` goes to the awaitable the coroutine is suspended at (see the module
        docs); ``None`` for the first step.
        """
        coro = self._coro
        if coro is None:
            raise AssertionError("a finished coroutine was resumed (an operation completed twice)")
        throw: BaseException | None = None
        while True:
            try:
                if throw is None:
                    awaited = coro.send(sent)
                else:
                    thrown, throw = throw, None
                    awaited = coro.throw(thrown)
            except StopIteration as stop:
                error, result = None, stop.value
                break
            except BaseException as escaped:
                error, result = escaped, None
                break
            kind = type(awaited)
            if kind is awaitable_op or isinstance(awaited, awaitable):
                if self._cancelled and self._throw_if_cancelled:
                    sent = _message(system_error(operation_aborted))
                    continue
                # The handler: the plain bound method when the result is an operation's
                # (ec, value) and nothing is associated (see _resume); else the thread
                # itself, which exposes its executor and its cancellation slot.
                mode = awaited._mode
                handler: Callable[..., object]
                if mode == AUTO and self._plain:
                    handler = self._resume
                else:
                    self._mode = mode
                    handler = self
                try:
                    if kind is awaitable_op:
                        # awaitable_op._initiate, without the call.
                        initiation = awaited._initiation
                        if initiation is None:
                            raise _awaited_twice(awaited)
                        awaited._initiation = None
                        initiation(handler, *awaited._args)
                    else:
                        awaited._initiate(handler)
                except BaseException as refused:
                    sent = _message(refused)
                    continue
                # From here on another thread may already be resuming the coroutine:
                # touch nothing of this thread's. (A message sent in an earlier round
                # holds an exception whose traceback holds this frame: let go of it.)
                sent = None
                return
            if kind is _request:
                try:
                    value = awaited._apply(self)
                except BaseException as failed:
                    sent = _message(failed)
                else:
                    sent = _NOTHING if value is None else value
                continue
            # Not ours: thrown where the coroutine yielded it (no awaitable of ours there).
            throw = _foreign(awaited)
        try:
            self._finish(error, result)
        finally:
            # An exception's traceback holds this frame, whose locals would hold the
            # exception back: a cycle that would keep the coroutine's frame (and its
            # sockets) for the garbage collector (R10).
            error = result = sent = None

    def _finish(self, error: BaseException | None, result: Any) -> None:
        self._coro = None
        handler, self._handler = self._handler, None
        if self._outer_slot is not None:
            self._outer_slot.clear()
            self._outer_slot = None
        self._signal = None
        self.associated_cancellation_slot = None
        self._plain = False
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
    if type(handler) is _MethodType and type(handler.__self__) is coro_thread:
        return handler.__self__.executor  # its _resume
    return associated_executor_of(handler)
