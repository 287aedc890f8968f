"""``io_context``: the queue of ready handlers and the loop that runs them (Asio's scheduler).

Theory of operation.

*The queue* holds plain callables; posting is one ``deque.append`` (atomic under the GIL, so
no lock on the hot path). Completed operations are queued as callable operation objects, so
a completion allocates nothing beyond the operation itself.

*Outstanding work* (rule R3) is the queued handlers, plus pending operations and live work
guards (counted in ``_work``, a list used as an atomic counter: ``append``/``pop`` are
single, thread-safe steps under the GIL, which ``+= 1`` is not), plus handlers being run
right now by other threads. ``run()`` returns when all three are zero, or after ``stop()``.

*Threads.* Any number of threads may call ``run()``. A thread that finds the queue empty
takes the slow path under ``_lock``: if no work is left anywhere it stops the context; else
one thread (the first) waits in the reactor, the others on a condition variable. Posting
checks one integer (``_sleepers``) and wakes a sleeper only when there is one. The check is
race-free because both sides write before they read: the poster appends, then reads
``_sleepers``; a sleeper raises ``_sleepers``, then re-reads the queue.

*Handler tracking* (Asio's ``ASIO_ENABLE_HANDLER_TRACKING``, see
:mod:`asiolike.detail.handler_tracking`) costs nothing here when off: a context that tracks
gets an executor subclass that wraps what it is given, and the loop runs what it finds.

*Fairness.* The reactor is polled (without blocking) after every ``_POLL_BATCH`` handlers when
descriptors are waiting or timers are pending, and whenever the queue runs dry; never once
per handler, which is what makes chained posts cheap.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Final

from asiolike.detail.handler_tracking import TextSink, make_tracker, tracker
from asiolike.detail.reactor import reactor
from asiolike.detail.timer_queue import timer_queue

__all__ = ["io_context", "io_context_executor"]

_POLL_BATCH: Final = 64
_log = logging.getLogger(__name__)
_DEBUG: Final = logging.DEBUG
_get_ident = threading.get_ident
_monotonic = time.monotonic


class io_context_executor:
    """The executor of an :class:`io_context` (Asio's ``io_context::executor_type``).

    Cheap to copy and compare; two executors of one context are equal.
    """

    __slots__ = ("__weakref__", "_ctx")

    def __init__(self, ctx: io_context) -> None:
        self._ctx = ctx

    def context(self) -> io_context:
        """The io_context this executor submits to."""
        return self._ctx

    def post(self, f: Callable[[], object]) -> None:
        """Queue ``f`` to run in a thread calling ``run()``; never runs it inline. Thread-safe."""
        ctx = self._ctx
        ctx._queue.append(f)
        if ctx._sleepers:
            ctx._wake_one()

    def defer(self, f: Callable[[], object]) -> None:
        """As :meth:`post` (a hint that ``f`` continues the current handler)."""
        ctx = self._ctx
        ctx._queue.append(f)
        if ctx._sleepers:
            ctx._wake_one()

    def dispatch(self, f: Callable[[], object]) -> None:
        """Run ``f`` now if this thread is running the context, else :meth:`post` it."""
        ctx = self._ctx
        if _get_ident() in ctx._threads:
            f()
        else:
            ctx._queue.append(f)
            if ctx._sleepers:
                ctx._wake_one()

    def running_in_this_thread(self) -> bool:
        """Whether the calling thread is inside ``run()`` (or ``poll()``...) of the context."""
        return _get_ident() in self._ctx._threads

    def on_work_started(self) -> None:
        """Count one unit of outstanding work (keeps ``run()`` from returning)."""
        self._ctx._work.append(None)

    def on_work_finished(self) -> None:
        """Release one unit of work counted by :meth:`on_work_started`."""
        ctx = self._ctx
        ctx._work.pop()
        if not ctx._work:
            # Under the lock, unlike a post's check of ``_sleepers``: a thread that saw
            # this work a moment ago may not have raised ``_sleepers`` yet, and it
            # re-checks the queue, not the work, before it blocks.
            ctx._wake_all()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, io_context_executor) and other._ctx is self._ctx

    def __hash__(self) -> int:
        return id(self._ctx)

    def __repr__(self) -> str:
        return f"<io_context_executor of {self._ctx!r}>"


class _tracked_executor(io_context_executor):
    """The executor of a context that tracks handlers: each submitted handler gets an id."""

    __slots__ = ()

    def _track(self, f: Callable[[], object], operation: str) -> Callable[[], object]:
        ctx = self._ctx
        t: tracker | None = ctx._tracker
        assert t is not None
        return t.wrap(f, ctx, operation)

    def post(self, f: Callable[[], object]) -> None:
        io_context_executor.post(self, self._track(f, "post"))

    def defer(self, f: Callable[[], object]) -> None:
        io_context_executor.defer(self, self._track(f, "defer"))

    def dispatch(self, f: Callable[[], object]) -> None:
        io_context_executor.dispatch(self, self._track(f, "dispatch"))


class io_context:
    """The core of asiolike: runs handlers, timers and socket operations.

    Asio's ``io_context``: queue work with :func:`asiolike.post` or start asynchronous
    operations on objects built with this context, then call :meth:`run`. ``run()`` returns
    when no work is left (and the context is then *stopped*: call :meth:`restart` before
    running it again) or after :meth:`stop`.

    Args:
        concurrency_hint: accepted for Asio compatibility; asiolike always allows several
            threads to call ``run()``.
        handler_tracking: write every handler's creation, invocation, completion and
            destruction in Asio's handler-tracking format (readable by Asio's
            ``handlerviz.pl`` and by ``python -m asiolike.handlerviz``). ``None`` (the
            default) follows the ``ASIOLIKE_HANDLER_TRACKING`` environment variable;
            ``True`` writes to the file named by ``ASIOLIKE_HANDLER_TRACKING_FILE``, else
            to standard error; a text stream (anything with ``write(str)``) receives the
            lines; ``False`` turns tracking off.

    Raises:
        TypeError: ``handler_tracking`` is none of those.
        OSError: the tracking file cannot be opened.
    """

    def __init__(
        self, concurrency_hint: int = -1, handler_tracking: bool | TextSink | None = None
    ) -> None:
        self._queue: deque[Callable[[], object]] = deque()
        self._work: list[None] = []
        self._stopped = False
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._threads: dict[int, int] = {}
        self._running = 0  # threads inside a run function
        self._idle = 0  # of those, threads in the slow path (not running a handler)
        self._sleepers = 0  # of those, threads blocked or about to block
        self._cond_waiters = 0
        self._reactor_sleeping = False
        self._reactor_owner = False
        self._reactor = reactor(self)
        self._timers = timer_queue(self)
        self._tracker = make_tracker(handler_tracking)
        self._executor = (
            io_context_executor(self) if self._tracker is None else _tracked_executor(self)
        )
        self._closed = False

    # -- public API -------------------------------------------------------------------------

    def get_executor(self) -> io_context_executor:
        """The context's executor (always the same object)."""
        return self._executor

    def run(self) -> int:
        """Run handlers until no work is left or :meth:`stop` is called.

        Returns:
            The number of handlers run. An exception raised by a handler propagates out;
            the context stays consistent and ``run()`` may be called again to go on.
        """
        return self._run(None, None, True)

    def run_one(self) -> int:
        """Run at most one handler, waiting for one if needed. Returns 0 or 1."""
        return self._run(1, None, True)

    def run_for(self, seconds: float) -> int:
        """As :meth:`run`, but return after ``seconds`` at the latest."""
        return self._run(None, _monotonic() + seconds, True)

    def run_until(self, deadline: float) -> int:
        """As :meth:`run`, but return by the ``time.monotonic()`` value ``deadline``."""
        return self._run(None, deadline, True)

    def run_one_for(self, seconds: float) -> int:
        """As :meth:`run_one`, waiting at most ``seconds``."""
        return self._run(1, _monotonic() + seconds, True)

    def run_one_until(self, deadline: float) -> int:
        """As :meth:`run_one`, waiting until the monotonic ``deadline`` at the latest."""
        return self._run(1, deadline, True)

    def poll(self) -> int:
        """Run every handler that is ready now, without waiting. Returns how many ran."""
        return self._run(None, None, False)

    def poll_one(self) -> int:
        """Run at most one ready handler, without waiting. Returns 0 or 1."""
        return self._run(1, None, False)

    def stop(self) -> None:
        """Make every ``run()`` return as soon as possible. Thread-safe.

        Queued handlers stay queued; after :meth:`restart` a later ``run()`` runs them.
        """
        self._stopped = True
        self._wake_all()

    def stopped(self) -> bool:
        """Whether the context is stopped (by :meth:`stop`, or by running out of work)."""
        return self._stopped

    def restart(self) -> None:
        """Prepare a stopped context for another ``run()``."""
        self._stopped = False

    reset = restart

    def has_outstanding_work(self) -> bool:
        """Whether handlers are queued, operations pending or work guards live (an extra)."""
        return bool(self._queue or self._work)

    def close(self) -> None:
        """Drop queued handlers and release the reactor (as destroying an Asio io_context)."""
        if self._closed:
            return
        self._closed = True
        self._stopped = True
        if _log.isEnabledFor(_DEBUG):
            _log.debug("%r: closed, %d queued handlers dropped", self, len(self._queue))
        # Dropping the queue destroys its handlers: with tracking on, each writes "~id".
        self._queue.clear()
        self._reactor.close()

    def __del__(self) -> None:
        # As Asio's destructor: the poller and the waker are released even without close().
        if not getattr(self, "_closed", True):
            self._closed = True
            try:
                self._reactor.close()
            except Exception:  # nothing can be reported from a destructor
                pass

    def __enter__(self) -> io_context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running" if self._running else "idle"
        return f"<io_context {state} queued={len(self._queue)} work={len(self._work)}>"

    # -- used by executors, the reactor and the timer queue ---------------------------------

    def _enqueue(self, f: Callable[[], object]) -> None:
        self._queue.append(f)
        if self._sleepers:
            self._wake_one()

    def _wake_one(self) -> None:
        with self._lock:
            if self._cond_waiters:
                self._cond.notify()
            elif self._reactor_sleeping:
                self._reactor.interrupt()

    def _wake_all(self) -> None:
        with self._lock:
            self._cond.notify_all()
            if self._reactor_sleeping:
                self._reactor.interrupt()

    # -- the loop ---------------------------------------------------------------------------

    def _run(self, limit: int | None, deadline: float | None, block: bool) -> int:
        if self._closed:
            raise RuntimeError("io_context.run() after close(): create a new io_context")
        ident = _get_ident()
        threads = self._threads
        if ident in threads:
            raise RuntimeError(
                "io_context.run()/run_one()/poll() called from one of its own handlers: "
                "a handler must return to the loop instead of running it again"
            )
        if self._stopped:
            return 0
        with self._lock:
            threads[ident] = 1
            self._running += 1
        try:
            if limit is None and block and deadline is None:
                return self._run_all()
            return self._run_limited(limit, deadline, block)
        except BaseException as exc:
            if _log.isEnabledFor(_DEBUG):
                _log.debug("%r: a handler raised %r; it propagates out of run()", self, exc)
            raise
        finally:
            with self._lock:
                self._running -= 1
                del threads[ident]

    def _run_all(self) -> int:
        """``run()``: the hot loop."""
        queue = self._queue
        pop = queue.popleft
        n = 0
        while True:
            limit = n + _POLL_BATCH
            try:
                while n < limit:
                    f = pop()
                    n += 1
                    f()
                    if self._stopped:
                        return n
            except IndexError:
                pass
            if self._stopped:
                return n
            if queue:
                self._poll_reactor()
            elif self._running == 1 and self._work and not self._timers._heap:
                self._block_alone()
            elif not self._wait(None, True):
                return n

    def _run_limited(self, limit: int | None, deadline: float | None, block: bool) -> int:
        """Every other run function: a bounded count, a deadline, or no waiting."""
        pop = self._queue.popleft
        n = 0
        since_poll = 0
        while limit is None or n < limit:
            if self._stopped:
                return n
            try:
                f = pop()
            except IndexError:
                if not self._wait(deadline, block):
                    return n
                continue
            n += 1
            f()
            since_poll += 1
            if since_poll >= _POLL_BATCH:
                since_poll = 0
                self._poll_reactor()
                if deadline is not None and _monotonic() >= deadline:
                    return n
        return n

    def _poll_reactor(self) -> None:
        """A non-blocking look at descriptors and timers, if anything could be ready."""
        timers = self._timers
        if timers._heap:
            timers.run_due(_monotonic())
        if self._reactor.waiting:
            # Claimed under the lock: another thread may be about to block in the reactor.
            with self._lock:
                if self._reactor_owner:
                    return
                self._reactor_owner = True
            try:
                self._reactor.run(0)
            finally:
                self._reactor_owner = False

    def _block_alone(self) -> None:
        """Block in the reactor: the common case of :meth:`_wait`, without its bookkeeping.

        Only for ``run()`` on one thread with operations pending and no timers: then the
        reactor is the only source of new handlers (besides other threads' posts, which
        interrupt it), and nothing needs a timeout.
        """
        lock = self._lock
        with lock:
            if self._reactor_owner:
                return
            self._reactor_owner = True
            self._reactor_sleeping = True
            self._sleepers += 1
        try:
            # Re-checked now that the flags are up: the last work released, or a wait
            # enqueued, since the caller looked saw no sleeper to interrupt.
            if not self._queue and not self._stopped and self._work and not self._timers._heap:
                self._reactor.run(None)
        finally:
            with lock:
                self._sleepers -= 1
                self._reactor_sleeping = False
                self._reactor_owner = False
                if self._cond_waiters and self._queue:
                    # Another thread entered run() meanwhile and waits for handlers.
                    self._cond.notify(len(self._queue))

    def _wait(self, deadline: float | None, block: bool) -> bool:
        """The queue is empty: wait for something to run (only poll, if not ``block``).

        Returns False when the calling run function should return (stopped, out of work,
        past ``deadline``, or nothing ready for a non-blocking poll).
        """
        cond = self._cond
        with self._lock:
            self._idle += 1
            try:
                while True:
                    if self._stopped:
                        return False
                    if self._queue:
                        return True
                    if not self._work and self._idle == self._running:
                        # No work anywhere and no other thread inside a handler: Asio stops.
                        self._stopped = True
                        cond.notify_all()
                        if self._reactor_sleeping:
                            self._reactor.interrupt()
                        return False
                    now = _monotonic()
                    if not block:
                        self._lock.release()
                        try:
                            self._poll_reactor()
                        finally:
                            self._lock.acquire()
                        return bool(self._queue)
                    if deadline is not None and now >= deadline:
                        return False
                    if not self._reactor_owner:
                        self._reactor_owner = True
                        try:
                            self._wait_in_reactor(deadline, now)
                        finally:
                            self._reactor_owner = False
                        if self._queue:
                            if self._cond_waiters:
                                # A thread for each handler but the one this thread takes,
                                # and one to take the reactor over, as Asio hands its task
                                # on: while handlers run, timers and sockets keep going.
                                cond.notify(len(self._queue))
                            return True
                        continue
                    self._sleepers += 1
                    self._cond_waiters += 1
                    try:
                        if self._queue or self._stopped:
                            continue
                        timeout = None if deadline is None else max(0.0, deadline - now)
                        cond.wait(timeout)
                    finally:
                        self._sleepers -= 1
                        self._cond_waiters -= 1
            finally:
                self._idle -= 1

    def _wait_in_reactor(self, deadline: float | None, now: float) -> None:
        # Called with _lock held; releases it while blocked in the poller.
        timers = self._timers
        expiry = timers.next_expiry()
        if expiry is not None and expiry <= now:
            self._lock.release()
            try:
                timers.run_due(now)
                self._reactor.run(0)
            finally:
                self._lock.acquire()
            return
        wake = expiry
        if deadline is not None and (wake is None or deadline < wake):
            wake = deadline
        timeout = None if wake is None else max(0.0, wake - now)
        self._sleepers += 1
        self._reactor_sleeping = True
        self._lock.release()
        try:
            if not self._queue and not self._stopped:
                # A wait enqueued after next_expiry() above saw no sleeping reactor to
                # interrupt: now that the flag is up, look at the earliest expiry again.
                heap = timers._heap
                if heap and (wake is None or heap[0] < wake):
                    timeout = max(0.0, heap[0] - _monotonic())
                self._reactor.run(timeout)
            else:
                self._reactor.run(0)
        finally:
            self._lock.acquire()
            self._reactor_sleeping = False
            self._sleepers -= 1
        if timers._heap:
            self._lock.release()
            try:
                timers.run_due(_monotonic())
            finally:
                self._lock.acquire()
