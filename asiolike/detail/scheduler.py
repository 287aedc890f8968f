"""The scheduler behind every ``io_context``: its queue, its work count, its run loop.

Theory of operation
-------------------
This is Asio's ``detail::scheduler``: :class:`asiolike.io_context` is the public face and
holds one :class:`scheduler`, which every I/O object, operation, executor, the reactor and
the timer queue reach through :func:`use_scheduler` and the small interface below. Nothing
outside this module touches the scheduler's private state.

The interface (what I/O objects and operations may use):

* :meth:`scheduler.post_immediate_completion` (``op``): a completion ready now, from any
  thread; wakes a thread blocked in ``run()`` if one sleeps. This is how an operation
  whose result is known inside its initiating function completes (rule R1).
* :meth:`scheduler.work_started` / :meth:`scheduler.work_finished`: a pending operation
  counts as outstanding work (rule R3). Operations waiting in the reactor are counted by
  the reactor itself (``reactor.pending``), which this scheduler adds to its own count.
* :meth:`scheduler.post_deferred_completion` (``op``): a pending operation finished: its
  completion is queued, *then* its work is released, so the count never touches zero in
  between. Called by whoever completes it (the reactor, the timer queue, ``cancel()``).
* ``scheduler.executor``, ``scheduler.reactor``, ``scheduler.timers``, ``scheduler.tracker``
  (a handler-tracking :class:`~asiolike.detail.handler_tracking.tracker`, or ``None``).
* :func:`invokes_directly` and :func:`fast_handlers` (``executor``): the *fast path*
  questions, asked once when an I/O object is built. The first is true when the object's
  executor is its context's own (tracked or not): a handler without an associated executor
  may then be called straight from the run loop (it is already where dispatching would
  put it). The second gives the handler types whose initiation may skip
  ``async_initiate``: the plain callables, on an untracked context's own executor only.
  Every operation and I/O object decides its fast path with these; :func:`bind_io_object`
  asks both and :func:`use_scheduler` in one call, for constructors.

*The queue* holds plain callables; posting is one ``deque.append`` (atomic under the GIL, so
no lock on the hot path). Completed operations are queued as callable operation objects, so
a completion allocates nothing beyond the operation itself.

*Outstanding work* (rule R3) is the queued handlers, plus pending operations and live work
guards (counted in ``work``, a list used as an atomic counter: ``append``/``pop`` are single,
thread-safe steps under the GIL, which ``+= 1`` is not), plus handlers being run right now
by other threads. ``run()`` returns when all three are zero, or after ``stop()``.

*Lifetimes* (rule R10). The loop keeps no reference to a handler once it has returned: its
local is cleared before it waits, so a session whose last handler starts nothing new is
freed (and its socket closed) by reference counting alone while ``run()`` goes on waiting.

*Threads.* Any number of threads may call ``run()``. A thread that finds the queue empty
takes the slow path under ``_lock``: if no work is left anywhere it stops the context; else
one thread (the first) waits in the reactor, the others on a condition variable. Posting
checks one integer (``sleepers``) and wakes a sleeper only when there is one. The check is
race-free because both sides write before they read: the poster appends, then reads
``sleepers``; a sleeper raises ``sleepers``, then re-reads the queue.

*Deadlines.* ``run_for``/``run_until`` look at the clock before every handler, as Asio's
``run_one_until`` does: a deadline already past runs nothing.

*Driven from outside* (``asiolike.aio``). :meth:`scheduler.attach` hands the loop to an
outside event loop: ``run()`` and its kin then raise, the attachment counts as work (the
context never stops for lack of it), and the scheduler keeps ``sleepers`` raised and
``reactor_sleeping`` set between steps, so that a post or a new earliest timer interrupts
the reactor, whose descriptor (:meth:`~asiolike.detail.reactor.reactor.fileno`) the outside
loop watches. Each :meth:`scheduler.run_external` is one non-blocking step in the attaching
thread: due timers, one poll of the reactor (which also drains the waker), then up to
``limit`` ready handlers. :meth:`scheduler.detach` gives ``run()`` back.

*Fairness.* The reactor is polled (without blocking) after every ``_POLL_BATCH`` handlers
when descriptors are waiting or timers are pending, and whenever the queue runs dry; never
once per handler, which is what makes chained posts cheap.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from asiolike._build import mypyc_attr
from asiolike.detail.completion import NO_FAST_PATH, PLAIN_CALLABLES
from asiolike.detail.handler_tracking import TextSink, make_tracker, tracker
from asiolike.detail.reactor import reactor
from asiolike.detail.timer_queue import timer_queue

if TYPE_CHECKING:
    from asiolike.io_context import io_context

__all__ = [
    "scheduler",
    "io_context_executor",
    "tracked_executor",
    "use_scheduler",
    "invokes_directly",
    "fast_handlers",
    "bind_io_object",
]

_POLL_BATCH: Final = 64
_log = logging.getLogger("asiolike.io_context")
_DEBUG: Final = logging.DEBUG
_get_ident = threading.get_ident
_monotonic = time.monotonic


@mypyc_attr(allow_interpreted_subclasses=True)
class io_context_executor:
    """The executor of an :class:`~asiolike.io_context` (Asio's ``io_context::executor_type``).

    Cheap to copy and compare; two executors of one context are equal.
    """

    __slots__ = ("__weakref__", "_ctx", "_sched")

    def __init__(self, ctx: io_context, sched: scheduler | None = None) -> None:
        self._ctx = ctx
        self._sched = use_scheduler(ctx) if sched is None else sched

    def context(self) -> io_context:
        """The io_context this executor submits to."""
        return self._ctx

    def post(self, f: Callable[[], object]) -> None:
        """Queue ``f`` to run in a thread calling ``run()``; never runs it inline. Thread-safe."""
        sched = self._sched
        sched.queue.append(f)
        if sched.sleepers:
            sched.wake_one()

    def defer(self, f: Callable[[], object]) -> None:
        """As :meth:`post` (a hint that ``f`` continues the current handler)."""
        sched = self._sched
        sched.queue.append(f)
        if sched.sleepers:
            sched.wake_one()

    def dispatch(self, f: Callable[[], object]) -> None:
        """Run ``f`` now if this thread is running the context, else :meth:`post` it."""
        sched = self._sched
        if _get_ident() in sched.threads:
            f()
        else:
            sched.queue.append(f)
            if sched.sleepers:
                sched.wake_one()

    def running_in_this_thread(self) -> bool:
        """Whether the calling thread is inside ``run()`` (or ``poll()``...) of the context."""
        return _get_ident() in self._sched.threads

    def on_work_started(self) -> None:
        """Count one unit of outstanding work (keeps ``run()`` from returning)."""
        self._sched.work.append(None)

    def on_work_finished(self) -> None:
        """Release one unit of work counted by :meth:`on_work_started`."""
        self._sched.work_finished()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, io_context_executor) and other._ctx is self._ctx

    def __hash__(self) -> int:
        return id(self._ctx)

    def __repr__(self) -> str:
        return f"<io_context_executor of {self._ctx!r}>"


class tracked_executor(io_context_executor):
    """The executor of a context that tracks handlers: each submitted handler gets an id."""

    __slots__ = ()

    def _track(self, f: Callable[[], object], operation: str) -> Callable[[], object]:
        t = self._sched.tracker
        assert t is not None
        return t.wrap(f, self._ctx, operation)

    def post(self, f: Callable[[], object]) -> None:
        io_context_executor.post(self, self._track(f, "post"))

    def defer(self, f: Callable[[], object]) -> None:
        io_context_executor.defer(self, self._track(f, "defer"))

    def dispatch(self, f: Callable[[], object]) -> None:
        io_context_executor.dispatch(self, self._track(f, "dispatch"))


def invokes_directly(executor: object) -> bool:
    """Whether a handler without an association may be called straight from the run loop.

    True for an io_context's own executor (tracked or not): a completion taken from that
    context's queue is already where dispatching would run it. False for a strand or a
    user's executor. I/O objects and composed operations ask it once, when they are built.
    """
    return isinstance(executor, io_context_executor)


def fast_handlers(executor: object) -> frozenset[type]:
    """The handler types whose operations on ``executor`` may skip ``async_initiate``.

    The plain callables (functions, bound methods, partials: none can carry an associated
    executor) on an untracked context's own executor; nothing elsewhere, so that a tracked
    context gives every handler its tracking id and a strand gets every handler. I/O
    objects keep the answer and test ``type(token) in self._fast``.
    """
    return PLAIN_CALLABLES if type(executor) is io_context_executor else NO_FAST_PATH


def bind_io_object(executor: object) -> tuple[scheduler, bool, frozenset[type]]:
    """The three answers an I/O object needs once, when it is built, in one call.

    ``(use_scheduler(executor), invokes_directly(executor), fast_handlers(executor))``:
    the same queries, asked together because constructors are a hot path too (a timer per
    wait, a socket per connection).

    Raises:
        TypeError: as :func:`use_scheduler`.
    """
    t = type(executor)
    if t is io_context_executor:
        return executor._sched, True, PLAIN_CALLABLES  # type: ignore[attr-defined]
    if t is tracked_executor:
        return executor._sched, True, NO_FAST_PATH  # type: ignore[attr-defined]
    return use_scheduler(executor), invokes_directly(executor), fast_handlers(executor)


def use_scheduler(ctx_or_executor: object) -> scheduler:
    """The scheduler of an io_context, or of the context of an executor (Asio's ``use_service``).

    Raises:
        TypeError: the argument is neither an io_context nor an executor of one.
    """
    if isinstance(ctx_or_executor, io_context_executor):
        return ctx_or_executor._sched  # the common case, asked by every I/O object
    sched = getattr(ctx_or_executor, "_scheduler", None)
    if sched is None:
        context = getattr(ctx_or_executor, "context", None)
        if context is not None:
            sched = getattr(context(), "_scheduler", None)
    if type(sched) is not scheduler:
        raise TypeError(f"expected an io_context or an executor of one, not {ctx_or_executor!r}")
    return sched


@mypyc_attr(allow_interpreted_subclasses=True)
class scheduler:
    """The run loop and queues of one io_context (see the module's theory of operation)."""

    def __init__(self, ctx: io_context, handler_tracking: bool | TextSink | None) -> None:
        self.queue: deque[Callable[[], object]] = deque()
        self.work: list[None] = []
        self.stopped = False
        self.threads: dict[int, int] = {}
        self.sleepers = 0  # threads blocked or about to block
        self.reactor_sleeping = False
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._running = 0  # threads inside a run function
        self._idle = 0  # of those, threads in the slow path (not running a handler)
        self._cond_waiters = 0
        self._reactor_owner = False
        self.closed = False
        # The outside loop driving this scheduler (asiolike.aio), and its thread.
        self.attached: object | None = None
        self._attached_thread = 0
        self._driving = False
        self.reactor = reactor(self)
        self.timers = timer_queue(self)
        # Truthy while any timer wait is held; the same list for the queue's life.
        self._timer_heap = self.timers.heap
        self.tracker: tracker | None = make_tracker(handler_tracking)
        self.executor: io_context_executor = (
            io_context_executor(ctx, self) if self.tracker is None else tracked_executor(ctx, self)
        )

    # -- the interface for I/O objects and operations ---------------------------------------

    def post_immediate_completion(self, op: Callable[[], object]) -> None:
        """Queue a completion known now (from any thread); wakes a sleeping thread."""
        self.queue.append(op)
        if self.sleepers:
            self.wake_one()

    def post_deferred_completion(self, op: Callable[[], object]) -> None:
        """A pending operation finished: queue its completion, then release its work."""
        self.queue.append(op)
        self.work.pop()
        if self.sleepers:
            self.wake_one()

    def work_started(self) -> None:
        """Count a pending operation (or a guard) as outstanding work."""
        self.work.append(None)

    def work_finished(self) -> None:
        """Release one unit of work; wakes the waiting threads when none is left."""
        work = self.work
        work.pop()
        if not work:
            # Under the lock, unlike a post's check of ``sleepers``: a thread that saw
            # this work a moment ago may not have raised ``sleepers`` yet, and it
            # re-checks the queue, not the work, before it blocks.
            self.wake_all()

    def running_in_this_thread(self) -> bool:
        """Whether the calling thread is inside a run function of this scheduler."""
        return _get_ident() in self.threads

    def has_outstanding_work(self) -> bool:
        """Queued handlers, pending operations or live work guards."""
        return bool(self.queue or self.work or self.reactor.pending)

    def wake_one(self) -> None:
        """Wake one thread waiting for handlers (or interrupt the one in the reactor)."""
        with self._lock:
            if self._cond_waiters:
                self._cond.notify()
            elif self.reactor_sleeping:
                self.reactor.interrupt()

    def wake_all(self) -> None:
        """Wake every waiting thread (stop, or work reached zero)."""
        with self._lock:
            self._cond.notify_all()
            if self.reactor_sleeping:
                self.reactor.interrupt()

    # -- stopping and closing ---------------------------------------------------------------

    def stop(self) -> None:
        self.stopped = True
        self.wake_all()

    def close(self) -> int:
        """Drop queued handlers and release the reactor; returns how many were dropped."""
        if self.closed:
            return 0
        self.closed = True
        self.stopped = True
        dropped = len(self.queue)
        # Dropping the queue destroys its handlers: with tracking on, each writes "~id".
        self.queue.clear()
        self.reactor.close()
        return dropped

    # -- driven by an outside event loop (asiolike.aio) ------------------------------------

    def attach(self, owner: object) -> None:
        """Let ``owner`` drive this scheduler from the calling thread with :meth:`run_external`.

        Until :meth:`detach`, ``run()`` and its kin raise ``RuntimeError``; the attachment
        counts as one unit of work.

        Raises:
            RuntimeError: already attached, or a thread is inside ``run()`` now.
        """
        with self._lock:
            if self.attached is not None:
                raise RuntimeError(f"the io_context is already driven by {self.attached!r}")
            if self._running:
                raise RuntimeError(
                    "cannot attach an io_context while a thread is inside its run(): "
                    "let run() return first"
                )
            self.attached = owner
            self._attached_thread = _get_ident()
            self.work.append(None)
            # Between steps every post and every new earliest timer interrupts the reactor:
            # that makes its descriptor readable for the outside loop.
            self.sleepers += 1
            self.reactor_sleeping = True

    def detach(self) -> None:
        """Give the loop back to ``run()`` (a no-op when not attached)."""
        with self._lock:
            if self.attached is None:
                return
            self.attached = None
            if not self._driving:  # else run_external's step lowered them already
                self.sleepers -= 1
                self.reactor_sleeping = False
        self.work_finished()

    def run_external(self, limit: int) -> int:
        """One non-blocking step of an attached scheduler; returns the handlers run.

        Runs the due timers, polls the reactor once without blocking (draining the waker),
        then up to ``limit`` ready handlers. Call it from the attaching thread. A handler's
        exception propagates, as from ``run()``.
        """
        lock = self._lock
        with lock:
            self.sleepers -= 1
            self.reactor_sleeping = False
            self._driving = True
        try:
            if self._timer_heap:
                self.timers.run_due(_monotonic())
            if not self.closed:
                self.reactor.run(0)
            return self.run(limit, None, False)
        finally:
            with lock:
                self._driving = False
                if self.attached is not None:
                    self.sleepers += 1
                    self.reactor_sleeping = True

    def state(self) -> str:
        """``stopped``, ``running`` or ``idle``, for ``repr``."""
        return "stopped" if self.stopped else "running" if self._running else "idle"

    # -- the loop ---------------------------------------------------------------------------

    def run(self, limit: int | None, deadline: float | None, block: bool) -> int:
        """The one entry of every run function (``run``, ``run_one``, ``run_for``, ``poll``...)."""
        if self.closed:
            raise RuntimeError("io_context.run() after close(): create a new io_context")
        ident = _get_ident()
        threads = self.threads
        if ident in threads:
            raise RuntimeError(
                "io_context.run()/run_one()/poll() called from one of its own handlers: "
                "a handler must return to the loop instead of running it again"
            )
        if self.attached is not None and not (self._driving and ident == self._attached_thread):
            raise RuntimeError(
                f"io_context.run()/run_one()/poll() while {self.attached!r} drives it: "
                "call detach() on the handle that attach() returned first"
            )
        if self.stopped:
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
                _log.debug("a handler raised %r; it propagates out of run()", exc)
            raise
        finally:
            with self._lock:
                self._running -= 1
                del threads[ident]

    def _run_all(self) -> int:
        """``run()``: the hot loop."""
        queue = self.queue
        pop = queue.popleft
        reactor = self.reactor
        n = 0
        while True:
            limit = n + _POLL_BATCH
            while queue and n < limit:
                # The test spares a failing pop (a call and an exception) when the queue
                # runs dry; the guard is for another thread emptying it between the test
                # and the pop. Only the pop is guarded: an IndexError from a handler must
                # propagate (R4).
                try:
                    f = pop()
                except IndexError:
                    break
                n += 1
                f()
                # Let go of the handler before anything else happens (R10): a session whose
                # last handler started nothing new is freed now, not when the next one runs.
                f = None  # type: ignore[assignment]
                if self.stopped:
                    return n
            if self.stopped:
                return n
            if queue:
                self._poll_reactor()
            elif self._running == 1 and (self.work or reactor.pending) and not self._timer_heap:
                self._block_alone()
            elif not self._wait(None, True):
                return n

    def _run_limited(self, limit: int | None, deadline: float | None, block: bool) -> int:
        """Every other run function: a bounded count, a deadline, or no waiting."""
        queue = self.queue
        pop = queue.popleft
        n = 0
        since_poll = 0
        while limit is None or n < limit:
            if self.stopped:
                return n
            if deadline is not None and _monotonic() >= deadline:
                # Checked before every handler, as Asio's run_one_until: a deadline
                # already past runs nothing, a long handler cannot overrun by many more.
                return n
            try:
                f = pop()
            except IndexError:  # empty (or emptied by another thread since): wait
                if not self._wait(deadline, block):
                    return n
                continue
            n += 1
            f()
            f = None  # type: ignore[assignment]  # R10, as in _run_all
            since_poll += 1
            if since_poll >= _POLL_BATCH:
                since_poll = 0
                self._poll_reactor()
        return n

    def _poll_reactor(self) -> None:
        """A non-blocking look at descriptors and timers, if anything could be ready."""
        if self._timer_heap:
            self.timers.run_due(_monotonic())
        if self.reactor.waiting:
            # Claimed under the lock: another thread may be about to block in the reactor.
            with self._lock:
                if self._reactor_owner:
                    return
                self._reactor_owner = True
            try:
                self.reactor.run(0)
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
            self.reactor_sleeping = True
            self.sleepers += 1
        try:
            # Re-checked now that the flags are up: the last work released, or a wait
            # enqueued, since the caller looked saw no sleeper to interrupt.
            if (
                not self.queue
                and not self.stopped
                and (self.work or self.reactor.pending)
                and not self._timer_heap
            ):
                self.reactor.run(None)
        finally:
            with lock:
                self.sleepers -= 1
                self.reactor_sleeping = False
                self._reactor_owner = False
                if self._cond_waiters and self.queue:
                    # Another thread entered run() meanwhile and waits for handlers.
                    self._cond.notify(len(self.queue))

    def _wait(self, deadline: float | None, block: bool) -> bool:
        """The queue is empty: wait for something to run (only poll, if not ``block``).

        Returns False when the calling run function should return (stopped, out of work,
        past ``deadline``, or nothing ready for a non-blocking poll).
        """
        with self._lock:
            self._idle += 1
            try:
                return self._wait_locked(deadline, block)
            finally:
                self._idle -= 1

    def _wait_locked(self, deadline: float | None, block: bool) -> bool:
        # The body of _wait, with _lock held and this thread counted idle. A function of
        # its own so that no ``continue`` runs inside a try/finally (compilers of Python,
        # mypyc among them, handle that poorly).
        cond = self._cond
        while True:
            if self.stopped:
                return False
            if self.queue:
                return True
            if not self.work and not self.reactor.pending and self._idle == self._running:
                # No work anywhere and no other thread inside a handler: Asio stops.
                self.stopped = True
                cond.notify_all()
                if self.reactor_sleeping:
                    self.reactor.interrupt()
                return False
            now = _monotonic()
            if not block:
                self._lock.release()
                try:
                    self._poll_reactor()
                finally:
                    self._lock.acquire()
                return bool(self.queue)
            if deadline is not None and now >= deadline:
                return False
            if not self._reactor_owner:
                self._reactor_owner = True
                try:
                    self._wait_in_reactor(deadline, now)
                finally:
                    self._reactor_owner = False
                if self.queue:
                    if self._cond_waiters:
                        # A thread for each handler but the one this thread takes,
                        # and one to take the reactor over, as Asio hands its task
                        # on: while handlers run, timers and sockets keep going.
                        cond.notify(len(self.queue))
                    return True
                continue
            self.sleepers += 1
            self._cond_waiters += 1
            try:
                if not self.queue and not self.stopped:
                    timeout = None if deadline is None else max(0.0, deadline - now)
                    cond.wait(timeout)
            finally:
                self.sleepers -= 1
                self._cond_waiters -= 1

    def _wait_in_reactor(self, deadline: float | None, now: float) -> None:
        # Called with _lock held; releases it while blocked in the poller.
        timers = self.timers
        expiry = timers.next_expiry()
        if expiry is not None and expiry <= now:
            self._lock.release()
            try:
                timers.run_due(now)
                self.reactor.run(0)
            finally:
                self._lock.acquire()
            return
        wake = expiry
        if deadline is not None and (wake is None or deadline < wake):
            wake = deadline
        timeout = None if wake is None else max(0.0, wake - now)
        self.sleepers += 1
        self.reactor_sleeping = True
        self._lock.release()
        try:
            if not self.queue and not self.stopped:
                # A wait enqueued after next_expiry() above saw no sleeping reactor to
                # interrupt: now that the flag is up, look at the earliest expiry again.
                earliest = timers.earliest()
                if earliest is not None and (wake is None or earliest < wake):
                    timeout = max(0.0, earliest - _monotonic())
                self.reactor.run(timeout)
            else:
                self.reactor.run(0)
        finally:
            self._lock.acquire()
            self.reactor_sleeping = False
            self.sleepers -= 1
        if self._timer_heap:
            self._lock.release()
            try:
                timers.run_due(_monotonic())
            finally:
                self._lock.acquire()
