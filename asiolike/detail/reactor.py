"""The reactor: waits for descriptors to become ready and runs their pending operations.

Theory of operation. Every I/O object owns one :class:`descriptor_state` with a queue of
pending read operations and one of pending write operations (``async_wait`` and accept use
the read queue, connect the write queue). An operation is an object with ``perform()``,
which retries the non-blocking system call and returns ``True`` once it has a result, and
``__call__()``, which delivers that result to the handler.

Initiating functions first try the system call themselves (the "speculative" attempt), and
only queue the operation here when it would block; so the reactor is not involved at all on
the fast path. Interest is registered with the poller when an operation starts waiting. For
reads, the interest stays registered after the queue empties (the next read usually follows
at once, and re-registering would cost two system calls per message); it is dropped the first
time the poller reports readiness with nothing waiting. Write interest is dropped as soon as
the write queue empties, because a writable socket would otherwise wake the poller forever.

Pending operations are outstanding work (R3): the reactor counts them in :attr:`reactor.pending`
(changed under its lock), which the scheduler adds to its own count, rather than in the
scheduler's work list: that saves two calls on every operation that waits. A completed
operation is appended to the scheduler's queue (it counts as a queued handler) before it
stops being pending, so the io_context never sees its work drop to zero in between.

A descriptor's queues are touched both by the thread starting an operation and by the thread
running the poller, so changes to them happen under the reactor's lock.

Per-operation cancellation is installed here, in :meth:`reactor.start_op`, for every operation
that waits: when the operation's handler has a connected ``associated_cancellation_slot``,
:func:`asiolike.cancellation.install_cancellation` connects it to :meth:`reactor.cancel_op`,
so a request takes that one operation out of its queue and completes it with
``operation_aborted``. Every reactive operation (stream and datagram
sockets, accept, connect, ``async_wait``, descriptors) thereby honours terminal, partial and
total cancellation, as Asio's reactive operations do; a plain function or bound method has no
slot, and the check costs it no call.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import threading
from collections import deque
from typing import TYPE_CHECKING, Protocol

from asiolike.cancellation import install_cancellation
from asiolike.detail.completion import PLAIN_CALLABLES
from asiolike.error import error_code, operation_aborted

if TYPE_CHECKING:
    from asiolike.detail.scheduler import scheduler

__all__ = ["reactor", "descriptor_state", "reactor_op", "READ", "WRITE"]

READ = 0
WRITE = 1

_IN = select.POLLIN | select.POLLPRI
_OUT = select.POLLOUT
_ERR = select.POLLERR | select.POLLHUP
# Descriptor lifecycle at DEBUG; nothing per operation (the hot path stays silent).
_log = logging.getLogger("asiolike.reactor")
_DEBUG = logging.DEBUG
# One 8-byte increment suits an eventfd; a pipe just takes the bytes.
_WAKE_BYTES = (1).to_bytes(8, "little")
# Asio's reactive operations honour these cancellation types: terminal | partial | total.
_REACTIVE_CANCELLATION = 1 | 2 | 4


class reactor_op(Protocol):
    """A pending operation as the reactor sees it.

    One that counts as work (see :meth:`reactor.start_op`) also has the ``handler`` it will
    deliver to (a :class:`~asiolike.detail.completion.queued_op`).
    """

    ec: error_code

    def perform(self) -> bool: ...

    def __call__(self) -> None: ...


class descriptor_state:
    """The reactor's bookkeeping for one descriptor."""

    __slots__ = ("fd", "interest", "ops", "registered")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.ops: tuple[deque[reactor_op], deque[reactor_op]] = (deque(), deque())
        self.interest = 0
        self.registered = False


class _poller:
    """epoll where there is one, poll(2) elsewhere; timeouts in seconds (None: forever)."""

    __slots__ = ("_impl", "_ms", "modify", "register", "unregister")

    def __init__(self) -> None:
        impl: select.epoll | select.poll
        if hasattr(select, "epoll"):
            impl = select.epoll()
            self._ms = False
        else:  # pragma: no cover - exercised on non-Linux systems only
            impl = select.poll()
            self._ms = True
        self._impl = impl
        self.register = impl.register
        self.modify = impl.modify
        self.unregister = impl.unregister

    def poll(self, timeout: float | None) -> list[tuple[int, int]]:
        if self._ms:  # pragma: no cover
            return self._impl.poll(None if timeout is None else max(0, int(timeout * 1000 + 0.999)))
        return self._impl.poll(-1 if timeout is None else timeout)

    def close(self) -> None:
        close = getattr(self._impl, "close", None)
        if close is not None:
            close()


class reactor:
    """Descriptor readiness and operation queues for one :class:`io_context`."""

    def __init__(self, sched: scheduler) -> None:
        self._sched = sched
        self._poller = _poller()
        # epoll takes the timeout as given: its poll is called without the wrapper.
        self._poll = self._poller._impl.poll if not self._poller._ms else self._poller.poll
        self._lock = threading.Lock()
        self._states: dict[int, descriptor_state] = {}
        # Descriptors with registered interest; the run loop skips polling when it is zero.
        self.waiting = 0
        # Operations waiting here that count as outstanding work (R3); under _lock.
        self.pending = 0
        self._wake_r, self._wake_w = self._make_waker()
        self._poller.register(self._wake_r, select.POLLIN)
        self.interrupted = False

    @staticmethod
    def _make_waker() -> tuple[int, int]:
        eventfd = getattr(os, "eventfd", None)
        if eventfd is not None:
            fd: int = eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
            return fd, fd
        r, w = os.pipe()
        os.set_blocking(r, False)
        os.set_blocking(w, False)
        return r, w

    # -- descriptors ------------------------------------------------------------------------

    def register_descriptor(self, fd: int) -> descriptor_state:
        """Start tracking ``fd`` (no poller interest until an operation waits)."""
        state = descriptor_state(fd)
        with self._lock:
            self._states[fd] = state
        if _log.isEnabledFor(_DEBUG):
            _log.debug("fd %d: registered", fd)
        return state

    def deregister_descriptor(self, state: descriptor_state) -> int:
        """Stop tracking a descriptor about to be closed; its operations end aborted.

        Returns the number of operations cancelled.
        """
        count = self.cancel_ops(state)
        with self._lock:
            if state.registered:
                self._unregister(state)
            if self._states.get(state.fd) is state:
                del self._states[state.fd]
        if _log.isEnabledFor(_DEBUG):
            _log.debug("fd %d: deregistered, %d operations aborted", state.fd, count)
        return count

    def _unregister(self, state: descriptor_state) -> None:
        try:
            self._poller.unregister(state.fd)
        except (OSError, KeyError, ValueError):
            pass  # already closed by the user: the kernel dropped it from the set
        state.registered = False
        if state.interest:
            self.waiting -= 1
        state.interest = 0

    def _set_interest(self, state: descriptor_state, interest: int) -> None:
        # Called with the lock held. The bookkeeping changes only once the poller accepted
        # the change: a failure (a closed descriptor) must leave it as it was.
        if interest == state.interest and state.registered:
            return
        events = interest | _ERR if interest else 0
        if state.registered:
            self._poller.modify(state.fd, events)
        else:
            self._poller.register(state.fd, events)
            state.registered = True
        if interest and not state.interest:
            self.waiting += 1
        elif state.interest and not interest:
            self.waiting -= 1
        state.interest = interest

    # -- operations -------------------------------------------------------------------------

    def start_op(
        self, state: descriptor_state, kind: int, op: reactor_op, work: bool = True
    ) -> None:
        """Queue ``op`` until ``state`` is ready for ``kind`` (READ or WRITE).

        The caller has already tried the operation once and it would block. The pending
        operation counts as outstanding work until its completion is queued, unless
        ``work`` is false (an internal operation that never completes and has no handler,
        such as the signal set's read of its wakeup socket: it must be taken out with
        :meth:`remove_op` before its descriptor is deregistered). An operation that counts
        as work can be cancelled on its own through its handler's cancellation slot (see
        the module's docs).
        """
        # Read before the operation is queued: another thread's poller may complete it,
        # and the upcall clears it, as soon as the lock is released.
        handler = op.handler if work else None  # type: ignore[attr-defined]
        refused: OSError | None = None
        with self._lock:
            queue = state.ops[kind]
            queue.append(op)
            want = _IN if kind == READ else _OUT
            if not state.interest & want:
                try:
                    self._set_interest(state, state.interest | want)
                except OSError as exc:
                    queue.remove(op)
                    refused = exc
            if work and refused is None:
                self.pending += 1
        if refused is not None:
            op.ec = error_code(refused.errno or errno.EBADF)
            self._sched.post_immediate_completion(op)
            if _log.isEnabledFor(_DEBUG):
                _log.debug("fd %d: the poller refused it: %s", state.fd, refused)
        elif work and type(handler) not in PLAIN_CALLABLES:
            install_cancellation(
                handler, _REACTIVE_CANCELLATION, self.cancel_op, state, kind, op
            )

    def cancel_ops(self, state: descriptor_state, ec: error_code = operation_aborted) -> int:
        """End every pending operation of ``state`` with ``ec``; returns how many."""
        post = self._sched.post_immediate_completion
        with self._lock:
            cancelled = [*state.ops[READ], *state.ops[WRITE]]
            state.ops[READ].clear()
            state.ops[WRITE].clear()
            if state.interest & _OUT and state.registered:
                try:
                    self._set_interest(state, state.interest & ~_OUT)
                except OSError:
                    # Closed before deregistration: the kernel dropped it already, and
                    # the cancelled operations must still be delivered.
                    self._unregister(state)
        for op in cancelled:
            op.ec = ec
            post(op)
        if cancelled:
            # Only once their completions are queued: a thread deciding whether any work
            # is left (another thread may be cancelling) must never see neither.
            with self._lock:
                self.pending -= len(cancelled)
        return len(cancelled)

    def cancel_op(self, state: descriptor_state, kind: int, op: reactor_op) -> bool:
        """End one pending operation with ``operation_aborted``; False if it already finished."""
        with self._lock:
            try:
                state.ops[kind].remove(op)
            except ValueError:
                return False
        op.ec = operation_aborted
        self._sched.post_immediate_completion(op)
        with self._lock:  # after the completion is queued (see cancel_ops)
            self.pending -= 1
        return True

    def remove_op(self, state: descriptor_state, kind: int, op: reactor_op) -> bool:
        """Take a pending operation out without completing it; False if it is not there.

        Only for an internal operation that holds no work and has no handler (the signal
        set's read of its wakeup socket).
        """
        with self._lock:
            try:
                state.ops[kind].remove(op)
            except ValueError:
                return False
        return True

    # -- waiting ----------------------------------------------------------------------------

    def fileno(self) -> int:
        """The poller's own descriptor: readable when :meth:`run` would find something.

        For an outside event loop that drives the io_context (``asiolike.aio``): it
        watches this descriptor and calls ``run(0)`` when it is readable. Registered
        descriptors and the waker (:meth:`interrupt`) make it readable.

        Raises:
            RuntimeError: this platform's poller has no descriptor (poll(2), not epoll).
        """
        fileno = getattr(self._poller._impl, "fileno", None)
        if fileno is None:  # pragma: no cover - non-Linux systems only
            raise RuntimeError("this platform's poller has no descriptor to watch")
        fd: int = fileno()
        return fd

    def interrupt(self) -> None:
        """Wake a thread blocked in :meth:`run` (thread-safe)."""
        if not self.interrupted:
            self.interrupted = True
            try:
                os.write(self._wake_w, _WAKE_BYTES)
            except BlockingIOError:
                pass  # already signalled

    def run(self, timeout: float | None) -> None:
        """Wait up to ``timeout`` seconds for readiness and queue completed operations."""
        try:
            events = self._poll(timeout)
        except InterruptedError:
            return
        if not events:
            return
        states = self._states
        # The thread in run() runs the queue itself (sleepers are woken after the poll):
        # a completed operation only needs appending.
        enqueue = self._sched.queue.append
        lock = self._lock
        for fd, ev in events:
            # ``in`` and ``[]`` rather than get(): no call on the hot path.
            if fd not in states:
                if fd == self._wake_r:
                    self._drain_waker()
                continue
            state = states[fd]
            with lock:
                if ev & (_IN | _ERR):
                    queue = state.ops[READ]
                    idle = not queue
                    while queue:
                        op = queue[0]
                        if not op.perform():
                            break
                        queue.popleft()
                        enqueue(op)
                        self.pending -= 1
                    if idle and state.interest & _IN:
                        # Read interest is dropped lazily: only when readiness finds
                        # nothing waiting for it.
                        self._set_interest(state, state.interest & ~_IN)
                if ev & (_OUT | _ERR):
                    queue = state.ops[WRITE]
                    while queue:
                        op = queue[0]
                        if not op.perform():
                            break
                        queue.popleft()
                        enqueue(op)
                        self.pending -= 1
                    if not queue and state.interest & _OUT:
                        self._set_interest(state, state.interest & ~_OUT)
                if ev & _ERR and not state.ops[READ] and not state.ops[WRITE] and state.interest:
                    # A hung-up descriptor with nothing waiting would wake us forever.
                    self._set_interest(state, 0)

    def _drain_waker(self) -> None:
        # Clear the flag only after the read: cleared first, an interrupt() landing between
        # the two would have its byte consumed here while the flag stays set, and every
        # later interrupt() would be skipped (a lost wake-up). An interrupt() skipped while
        # the flag is still set is harmless: whoever called it changed the state first, and
        # the thread draining here re-checks that state before it blocks again.
        try:
            while os.read(self._wake_r, 4096) and self._wake_r != self._wake_w:
                pass
        except (BlockingIOError, InterruptedError):
            pass
        self.interrupted = False

    def close(self) -> None:
        """Release the poller and the waker (the io_context is being destroyed)."""
        if _log.isEnabledFor(_DEBUG):
            _log.debug("closing, %d descriptors still registered", len(self._states))
        self._poller.close()
        for fd in {self._wake_r, self._wake_w}:
            try:
                os.close(fd)
            except OSError:
                pass

