"""``signal_set``: POSIX signals delivered as handlers in an io_context (Asio's ``signal_set``).

Theory of operation
-------------------
No asiolike code runs inside a Python signal handler. Python runs such a handler in the
main thread between two bytecodes, wherever that thread is: possibly inside io_context
code holding the context's non-reentrant lock, which ``post`` needs to wake a sleeping
reactor (a deadlock). So signals travel the way Asio's do on POSIX, through a self-pipe:

* One private registry per process (:class:`_signal_registry`) owns a socket pair. While
  any signal_set holds a signal, ``signal.set_wakeup_fd`` points at its write end, so the
  interpreter's C-level handler writes each signal's number there, and the Python-level
  handler installed for every held signal does nothing. The registry installs a signal's
  handler when the first set adds it and restores the previous one when the last set
  removes it; likewise the wakeup fd for the first and last signal held at all.
* Every io_context with a signal_set has one internal read (:class:`_read_op`) pending on
  the read end in its reactor. Whichever context finds the socket readable reads the
  numbers and hands each one to every set holding that signal: the set's oldest pending
  wait completes through its own io_context's queue, or, with no wait pending, the
  occurrence is counted on the set and completes a later wait.
* That read is internal, as Asio's is: it never counts as outstanding work and never
  completes. The waits count themselves, so ``run()`` with a pending wait keeps waiting in
  the reactor (where the wakeup socket wakes it) and returns when no wait is left.

Lifetime. The registry holds each set's state (:class:`_set_state`), never the set: a set
that is dropped without ``close()`` is freed and its finalizer closes it, as Asio's destructor
does (rule R10). A pending wait whose handler holds the set keeps it alive until the wait
completes, as a Beast session's pending operation keeps the session.

Locks. The registry's ``_lock`` guards the holders, the waits and the counts; a reader
takes it inside its reactor's lock, so nothing calls into a reactor while holding
``_lock``. ``_setup`` serialises what installs or restores handlers and registers or
drops readers (constructor, ``add``, ``remove``, ``clear``, ``close``).
"""

from __future__ import annotations

import errno
import logging
import signal
import socket as _socket
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from types import FrameType
from typing import TYPE_CHECKING, Any, Final, overload

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.cancellation import cancellation_type, install_cancellation
from asiolike.detail.completion import Executor, op_executor, queued_op
from asiolike.detail.handler_check import EC_SIGNAL, check_handler
from asiolike.detail.reactor import READ, descriptor_state
from asiolike.detail.scheduler import invokes_directly, use_scheduler
from asiolike.error import (
    bad_descriptor,
    error_code,
    from_errno,
    invalid_argument,
    operation_aborted,
    success,
    system_error,
)
from asiolike.executor import as_executor

if TYPE_CHECKING:
    import concurrent.futures

    from asiolike.detail.scheduler import scheduler

__all__ = ["signal_set"]

_VALID: Final = frozenset(int(s) for s in signal.valid_signals())
# sigaction() refuses these; Asio reports that as invalid_argument.
_UNCATCHABLE: Final = frozenset(
    int(getattr(signal, name)) for name in ("SIGKILL", "SIGSTOP") if hasattr(signal, name)
)
_NAMED: Final = frozenset(int(s) for s in signal.Signals)
_CHUNK: Final = 256
_log = logging.getLogger("asiolike.signal_set")

SignalHandler = Callable[[error_code, int], object]


def _ignore(signum: int, frame: FrameType | None) -> None:
    """The Python-level handler of every held signal: the wakeup fd carries the signal."""


def _require_main_thread(what: str) -> None:
    if threading.current_thread() is not threading.main_thread():
        raise ValueError(
            f"signal_set.{what}: Python installs and restores signal handlers only in the "
            "main thread; create, add to, remove from and close signal_sets there (e.g. "
            "before starting threads that call run(), or after they return)"
        )


def _check_signal(n: object, what: str, catchable: bool = True) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(
            f"signal_set.{what}: a signal number is an int such as signal.SIGINT, not {n!r}"
        )
    number = int(n)
    if number not in _VALID or (catchable and number in _UNCATCHABLE):
        raise system_error(invalid_argument, f"signal_set.{what}({number})")
    return number


class _wait_op(queued_op):
    """One ``async_wait``: delivers ``handler(ec, signal_number)`` (``value``)."""

    __slots__ = ()

    def __init__(self, handler: SignalHandler, executor: Executor | None) -> None:
        check_handler(handler, EC_SIGNAL)
        self.handler = handler
        self.executor = executor
        self.ec = success
        self.value = 0


class _set_state:
    """What the registry keeps of a :class:`signal_set`: never the set itself.

    So dropping the last reference to a set frees it, and its finalizer closes this state
    (rule R10: Asio's destructor removes the set's signals and cancels its waits). A pending
    wait whose handler holds the set (a session's bound method) keeps it alive, through
    ``waits``, until the wait completes: the set is not freed under a pending wait.
    """

    __slots__ = ("_sched", "_service", "_signals", "_undelivered", "_waits")

    def __init__(self, sched: scheduler) -> None:
        self._sched = sched
        self._signals: set[int] = set()
        self._undelivered: dict[int, int] = {}
        self._waits: deque[_wait_op] = deque()
        self._service: _service | None = None


class _read_op:
    """The internal read of one io_context on the wakeup socket; pending until dropped."""

    __slots__ = ("ec",)

    def __init__(self) -> None:
        self.ec = success

    def perform(self) -> bool:
        _registry.receive()
        return False  # never completes: it keeps reading for as long as the context has sets

    def __call__(self) -> None:
        # Only reached when the reactor refused the socket: the context's waits could
        # never complete, so say so loudly (out of run()).
        raise system_error(self.ec, "signal_set: the reactor cannot watch the wakeup socket")


class _service:
    """The signal_sets of one io_context and the internal read in its reactor."""

    __slots__ = ("reader", "sched", "sets", "state")

    def __init__(self, sched: scheduler, state: descriptor_state) -> None:
        self.sched = sched
        self.state = state
        self.reader = _read_op()
        self.sets: list[_set_state] = []


class _signal_registry:
    """The process-wide part: handlers, the wakeup socket pair, who holds which signal."""

    def __init__(self) -> None:
        self._setup = threading.Lock()
        self._lock = threading.Lock()
        self._rd: _socket.socket | None = None
        self._wr: _socket.socket | None = None
        self._services: dict[scheduler, _service] = {}
        # Signal number -> the sets holding it, in the order they added it.
        self._holders: dict[int, list[_set_state]] = {}
        self._previous: dict[int, Any] = {}
        self._previous_wakeup_fd: int | None = None  # None: ours is not installed

    # -- reading the wakeup socket (under _lock) --------------------------------------------

    def receive(self) -> None:
        """Read what the wakeup socket holds and hand it out (a reader found it readable)."""
        with self._lock:
            self._drain_locked()

    def _drain_locked(self) -> None:
        rd = self._rd
        if rd is None:
            return
        while True:
            try:
                data = rd.recv(_CHUNK)
            except (BlockingIOError, InterruptedError):
                return
            for number in data:
                self._deliver_locked(number)
            if len(data) < _CHUNK:
                return  # empty now; anything later makes the socket readable again

    def _deliver_locked(self, number: int) -> None:
        sets = self._holders.get(number)
        if sets is None:
            return  # a signal some other Python handler caught: not ours
        for s in sets:
            waits = s._waits
            if waits:
                op = waits.popleft()
                op.value = number
                s._sched.post_deferred_completion(op)
            else:
                counts = s._undelivered
                counts[number] = counts.get(number, 0) + 1

    # -- waits ------------------------------------------------------------------------------

    def wait(self, s: _set_state, op: _wait_op) -> None:
        sched = s._sched
        with self._lock:
            if s._service is None:
                op.ec = bad_descriptor
                sched.post_immediate_completion(op)
                return
            # A signal that already arrived completes this wait, even if no loop ran since.
            self._drain_locked()
            counts = s._undelivered
            if counts:
                # Queued notifications leave in ascending signal number, as in Asio.
                number = min(counts)
                left = counts.pop(number) - 1
                if left:
                    counts[number] = left
                op.value = number
                sched.post_immediate_completion(op)
            else:
                sched.work_started()
                s._waits.append(op)
                # Terminal, partial and total, as Asio's: a cancelled wait takes no
                # occurrence, the set is as if it had never started.
                install_cancellation(op.handler, cancellation_type.all, self.cancel_one, s, op)

    def cancel_one(self, s: _set_state, op: _wait_op) -> None:
        """Complete one pending wait with ``operation_aborted``, if it is still pending."""
        with self._lock:
            try:
                s._waits.remove(op)
            except ValueError:
                return  # a signal (or cancel()) completed it first
        op.ec = operation_aborted
        op.value = 0
        s._sched.post_deferred_completion(op)

    def cancel(self, s: _set_state) -> int:
        with self._lock:
            ops = list(s._waits)
            s._waits.clear()
        sched = s._sched
        for op in ops:
            op.ec = operation_aborted
            op.value = 0
            sched.post_deferred_completion(op)
        return len(ops)

    # -- sets, signals and handlers (under _setup) ------------------------------------------

    def open(self, s: _set_state) -> None:
        sched = s._sched
        with self._setup:
            with self._lock:
                if self._rd is None:
                    rd, wr = _socket.socketpair()
                    rd.setblocking(False)
                    wr.setblocking(False)
                    self._rd, self._wr = rd, wr
                svc = self._services.get(sched)
                fd = self._rd.fileno()
            if svc is None:
                reactor = sched.reactor
                svc = _service(sched, reactor.register_descriptor(fd))
                # Internal: the read does not keep run() alive (the waits do).
                reactor.start_op(svc.state, READ, svc.reader, work=False)
            with self._lock:
                self._services[sched] = svc
                svc.sets.append(s)
                s._service = svc

    def add(self, s: _set_state, number: int) -> None:
        with self._setup:
            if s._service is None:
                raise system_error(bad_descriptor, "signal_set.add on a closed signal_set")
            if number in s._signals:
                return
            if number not in self._holders:
                self._install(number)
            with self._lock:
                # Occurrences from before add() belong to the sets that held the signal.
                self._drain_locked()
                self._holders.setdefault(number, []).append(s)
                s._signals.add(number)

    def remove(self, s: _set_state, numbers: Iterable[int], what: str) -> None:
        with self._setup:
            held = [n for n in numbers if n in s._signals]
            if held:
                self._release(s, held, what)

    def close(self, s: _set_state) -> None:
        with self._setup:
            svc = s._service
            if svc is None:
                return
            self._release(s, list(s._signals), "close")
            self.cancel(s)
            pair: tuple[_socket.socket, _socket.socket] | None = None
            with self._lock:
                s._service = None
                svc.sets.remove(s)
                dead = not svc.sets
                if dead:
                    del self._services[svc.sched]
                    if not self._services and self._rd is not None and self._wr is not None:
                        pair = (self._rd, self._wr)
                        self._rd = self._wr = None
            if dead:
                reactor = svc.sched.reactor
                # Dropped without a completion: the read held no work, so nothing runs.
                reactor.remove_op(svc.state, READ, svc.reader)
                reactor.deregister_descriptor(svc.state)
            if pair is not None:
                for sock in pair:
                    sock.close()

    def close_dropped(self, s: _set_state) -> None:
        """The finalizer of a set dropped unclosed: close it, as Asio's destructor does.

        Outside the main thread the previous signal handlers cannot be restored: the waits
        are cancelled, and the set stays registered (it is logged) until the process ends.
        """
        if threading.current_thread() is threading.main_thread():
            self.close(s)
            return
        self.cancel(s)
        _log.warning(
            "a signal_set holding %s was dropped outside the main thread without close(): "
            "its signal handlers stay installed",
            sorted(s._signals),
        )

    def _release(self, s: _set_state, numbers: list[int], what: str) -> None:
        last = [n for n in numbers if len(self._holders[n]) == 1]
        if last:
            _require_main_thread(what)
        with self._lock:
            # Occurrences from before the call still reach the other holders.
            self._drain_locked()
            for n in numbers:
                sets = self._holders[n]
                sets.remove(s)
                if not sets:
                    del self._holders[n]
                s._signals.discard(n)
                s._undelivered.pop(n, None)
        for n in last:
            previous = self._previous.pop(n)
            signal.signal(n, signal.SIG_DFL if previous is None else previous)
        if not self._holders and self._previous_wakeup_fd is not None:
            signal.set_wakeup_fd(self._previous_wakeup_fd)
            self._previous_wakeup_fd = None

    def _install(self, number: int) -> None:
        assert self._wr is not None  # an open set keeps the pair alive
        fresh = self._previous_wakeup_fd is None
        if fresh:
            self._previous_wakeup_fd = signal.set_wakeup_fd(
                self._wr.fileno(), warn_on_full_buffer=False
            )
        try:
            # None: the previous handler was not installed from Python (restored as SIG_DFL).
            self._previous[number] = signal.signal(number, _ignore)
        except (OSError, ValueError) as exc:
            if fresh and self._previous_wakeup_fd is not None:
                signal.set_wakeup_fd(self._previous_wakeup_fd)
                self._previous_wakeup_fd = None
            code = from_errno(getattr(exc, "errno", None) or errno.EINVAL)
            raise system_error(code, f"signal_set.add({number})") from exc


_registry: Final = _signal_registry()


class signal_set:
    """Waits for POSIX signals; each occurrence completes a wait in the io_context.

    Asio's ``signal_set``: ``signals = net.signal_set(ioc, signal.SIGINT, signal.SIGTERM)``
    then ``signals.async_wait(handler)``. Every set holding a signal sees every occurrence
    of it (two sets holding SIGINT both complete a wait). Several waits may be pending;
    each occurrence completes the oldest. An occurrence while no wait is pending is queued
    on the set and completes the next wait (queued ones leave in ascending signal number,
    as in Asio; the queue is a count per signal, so it never grows). Pending waits are
    outstanding work: ``run()`` does not return while one is pending.

    Dropping the last reference to a set closes it, as destroying an Asio ``signal_set``
    does: its signals are released and its pending waits complete with
    ``operation_aborted``. (A wait whose handler holds the set keeps the set alive until
    it completes.)

    Why not a Python signal handler that posts: such a handler runs in the main thread
    between two bytecodes, possibly while the io_context holds its non-reentrant lock,
    which ``post`` needs to wake the reactor, so the process would deadlock. Instead the
    Python-level handler does nothing, and ``signal.set_wakeup_fd`` makes the
    interpreter's C-level handler write the signal number to a socket pair shared by all
    signal_sets of the process; the reactor of each io_context with a set watches its
    other end and hands the numbers out from the loop. This also wakes a ``run()``
    blocked in another thread, and keeps Ctrl-C from raising ``KeyboardInterrupt`` in the
    middle of a handler while SIGINT is held.

    Python installs signal handlers in the main thread only: the constructor and
    :meth:`add` must run there, and so must :meth:`remove`, :meth:`clear` and
    :meth:`close` when they release the last hold on a signal. While any set holds a
    signal, the process's wakeup fd is the registry's (the previous one, e.g. asyncio's,
    comes back when the last signal is released); do not install other handlers for held
    signals, and never call a signal_set from a Python signal handler.

    Args:
        ctx_or_ex: the io_context, its executor or a strand; handlers run there by default.
        *signals: signal numbers to :meth:`add` at once, e.g. ``signal.SIGINT``.

    Raises:
        ValueError: not called from the main thread.
        TypeError: a signal number is not an int.
        asiolike.system_error: ``invalid_argument``: a signal that does not exist or cannot
            be caught (``SIGKILL``, ``SIGSTOP``). Nothing stays installed.
    """

    __slots__ = ("__weakref__", "_closer", "_direct", "_executor", "_state")

    def __init__(self, ctx_or_ex: Any, *signals: int) -> None:
        _require_main_thread("signal_set()")
        self._executor: Any = as_executor(ctx_or_ex)
        self._direct = invokes_directly(self._executor)
        numbers = [_check_signal(n, "signal_set") for n in signals]
        state = _set_state(use_scheduler(self._executor))
        self._state = state
        _registry.open(state)
        # Dropped without close(): closed when freed (the registry holds only the state).
        self._closer = weakref.finalize(self, _registry.close_dropped, state)
        try:
            for n in numbers:
                _registry.add(state, n)
        except BaseException:
            self.close()
            raise

    def get_executor(self) -> Any:
        """The executor the set's handlers run on by default."""
        return self._executor

    def add(self, signal_number: int) -> None:
        """Add a signal to the set; nothing happens if it is already there.

        Occurrences from before the call are not seen by this set.

        Args:
            signal_number: e.g. ``signal.SIGTERM``.

        Raises:
            ValueError: not called from the main thread.
            TypeError: ``signal_number`` is not an int.
            asiolike.system_error: ``invalid_argument`` (no such signal, or ``SIGKILL`` /
                ``SIGSTOP``); ``bad_descriptor`` (the set is closed).
        """
        _require_main_thread("add")
        _registry.add(self._state, _check_signal(signal_number, "add"))

    def remove(self, signal_number: int) -> None:
        """Remove a signal from the set; nothing happens if it is not there.

        Its queued occurrences are discarded; pending waits stay pending. When no set holds
        the signal any more, its previous handler is restored.

        Args:
            signal_number: e.g. ``signal.SIGTERM``.

        Raises:
            ValueError: the previous handler must be restored and this is not the main
                thread.
            TypeError: ``signal_number`` is not an int.
            asiolike.system_error: ``invalid_argument``: no such signal.
        """
        number = _check_signal(signal_number, "remove", catchable=False)
        _registry.remove(self._state, (number,), "remove")

    def clear(self) -> None:
        """Remove every signal from the set (and discard their queued occurrences).

        Raises:
            ValueError: a previous handler must be restored and this is not the main thread.
        """
        _registry.remove(self._state, list(self._state._signals), "clear")

    def cancel(self) -> None:
        """Complete every pending wait with ``operation_aborted``; the signals stay held.

        A wait that an occurrence already completed is not affected: its handler is queued
        and gets success. Queued occurrences stay queued for later waits.
        """
        tracker = self._state._sched.tracker
        if tracker is not None:
            tracker.operation(self, "cancel")
        _registry.cancel(self._state)

    @overload
    def async_wait(self, token: use_awaitable_t) -> awaitable[int]: ...

    @overload
    def async_wait(self, token: use_future_t) -> concurrent.futures.Future[int]: ...

    @overload
    def async_wait(self, token: AdapterToken) -> Any: ...

    @overload
    def async_wait(self, token: SignalHandler) -> None: ...

    def async_wait(self, token: Any) -> Any:
        """Wait for one of the set's signals.

        Completes with the next occurrence, or soon (through the io_context's queue) with
        one that was queued. This call returns immediately; the handler is never invoked
        from within it. Waits complete in the order they were started.

        Args:
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``...).

        Handler:
            ``handler(ec: error_code, signal_number: int)``, run through its associated
            executor (by default the set's); ``signal_number`` is 0 when ``ec`` is set. A
            handler that cannot take these arguments makes this call raise ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[int]`` whose result is
            the signal number; with ``use_awaitable``, an ``awaitable[int]`` of it. A
            failing ``ec`` raises :class:`~asiolike.error.system_error` from either.

        Errors:
            ``operation_aborted``: :meth:`cancel`, :meth:`close`, or a per-operation
            cancellation.
            ``bad_descriptor``: the set was already closed.

        Cancellation:
            Per operation (a handler with a cancellation slot, ``cancel_after``...):
            terminal, partial and total, as Asio's. A cancelled wait consumes no
            occurrence: the next signal goes to the next wait, or is queued.

        Example:
            ::

                signals = net.signal_set(ioc, signal.SIGINT, signal.SIGTERM)
                signals.async_wait(lambda ec, signo: ioc.stop())
        """
        return async_initiate(self._initiate_wait, token)

    def _initiate_wait(self, handler: SignalHandler) -> None:
        op = _wait_op(handler, op_executor(handler, self._executor, self._direct))
        _registry.wait(self._state, op)

    def close(self) -> None:
        """Remove every signal and cancel the pending waits, as destroying the set in Asio.

        Handlers of signals no other set holds are restored (and the wakeup fd, when no
        signal is held at all). Closing twice does nothing.

        Raises:
            ValueError: a previous handler must be restored and this is not the main thread
                (nothing was changed; close it from the main thread).
        """
        _registry.close(self._state)  # raises, changing nothing, outside the main thread
        self._closer.detach()

    def __enter__(self) -> signal_set:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = self._state
        if state._service is None:
            return "<signal_set closed>"
        held = ", ".join(
            signal.Signals(n).name if n in _NAMED else str(n) for n in sorted(state._signals)
        )
        return f"<signal_set {{{held}}} waits={len(state._waits)}>"
