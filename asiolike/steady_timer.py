"""``steady_timer``: waits on the monotonic clock (Asio's ``steady_timer``)."""

from __future__ import annotations

import concurrent.futures
import datetime
import time
from collections.abc import Callable
from typing import Any

from asiolike.async_result import async_initiate
from asiolike.cancellation import associated_cancellation_slot_of, cancellation_type
from asiolike.detail.completion import op_executor
from asiolike.detail.scheduler import fast_handlers, invokes_directly, use_scheduler
from asiolike.detail.timer_queue import timer_queue, wait_op
from asiolike.error import error_code
from asiolike.executor import as_executor

__all__ = ["steady_timer", "Duration"]

Duration = float | int | datetime.timedelta


_monotonic = time.monotonic
_SUPPORTED = cancellation_type.terminal | cancellation_type.partial | cancellation_type.total


class _wait_cancellation:
    """Installed in a wait's cancellation slot: cancels that one wait (if still pending)."""

    __slots__ = ("_op", "_timers")

    def __init__(self, timers: timer_queue, op: wait_op) -> None:
        self._timers = timers
        self._op = op

    def __call__(self, type: cancellation_type) -> None:
        if type & _SUPPORTED:
            # False (nothing happens) when the wait has completed already.
            self._timers.cancel(self._op)


def _seconds(duration: Duration) -> float:
    if isinstance(duration, datetime.timedelta):
        return duration.total_seconds()
    if isinstance(duration, bool) or not isinstance(duration, (int, float)):
        raise TypeError(f"a duration is seconds (int/float) or a timedelta, not {duration!r}")
    return float(duration)


class steady_timer:
    """A timer on ``time.monotonic()``.

    Args:
        ctx_or_ex: the io_context (or executor) that runs the handlers.
        expiry: optional; a duration (seconds or ``timedelta``) from now, as Asio's
            ``steady_timer t(ioc, std::chrono::seconds(5))``. Without it the timer is
            already expired (Asio's default: the epoch).
    """

    __slots__ = (
        "__weakref__",
        "_direct",
        "_executor",
        "_expiry",
        "_fast",
        "_sched",
        "_timers",
        "_waits",
    )

    def __init__(self, ctx_or_ex: Any, expiry: Duration | None = None) -> None:
        self._executor: Any = as_executor(ctx_or_ex)
        sched = self._sched = use_scheduler(self._executor)
        # Whether handlers without an association may be called straight from the run loop.
        self._direct = invokes_directly(self._executor)
        self._fast = fast_handlers(self._executor)
        self._timers = sched.timers
        if expiry is None:
            self._expiry = 0.0
        elif type(expiry) is float or type(expiry) is int:
            self._expiry = _monotonic() + expiry
        else:
            self._expiry = _monotonic() + _seconds(expiry)
        # The pending waits: None, one wait_op (the common case), or a list of them.
        self._waits: wait_op | list[wait_op] | None = None

    def get_executor(self) -> Any:
        """The executor the timer's handlers run on by default."""
        return self._executor

    def expiry(self) -> float:
        """The expiry time, a ``time.monotonic()`` value."""
        return self._expiry

    def expires_at(self, deadline: float) -> int:
        """Set the expiry to the monotonic time ``deadline``; cancels pending waits.

        Returns:
            The number of waits cancelled (their handlers get ``operation_aborted``).
        """
        cancelled = self.cancel()
        self._expiry = float(deadline)
        return cancelled

    def expires_after(self, duration: Duration) -> int:
        """Set the expiry to ``duration`` from now; cancels pending waits (returns how many)."""
        cancelled = self.cancel()
        self._expiry = _monotonic() + _seconds(duration)
        return cancelled

    def cancel(self) -> int:
        """Complete every pending wait with ``operation_aborted``; returns how many."""
        waits = self._waits
        if waits is None:
            return 0
        self._waits = None
        tracker = self._sched.tracker
        if tracker is not None:
            tracker.operation(self, "cancel")
        cancel = self._timers.cancel
        if isinstance(waits, wait_op):
            return 1 if cancel(waits) else 0
        return sum(1 for op in waits if cancel(op))

    def cancel_one(self) -> int:
        """Cancel the oldest pending wait; returns 1 if one was cancelled, else 0."""
        waits = self._waits
        if waits is None:
            return 0
        tracker = self._sched.tracker
        if tracker is not None:
            tracker.operation(self, "cancel_one")
        if isinstance(waits, wait_op):
            self._waits = None
            return 1 if self._timers.cancel(waits) else 0
        while waits:
            if self._timers.cancel(waits.pop(0)):
                return 1
        return 0

    def wait(self) -> None:
        """Block the calling thread until the timer expires (the synchronous wait)."""
        while True:
            remaining = self._expiry - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(remaining)

    def async_wait(
        self, token: Callable[[error_code], object] | Any
    ) -> concurrent.futures.Future[Any] | None:
        """Start waiting for the expiry.

        The handler runs once the monotonic clock has reached the expiry (never earlier),
        or when the wait is cancelled. It is never invoked from inside this call; a timer
        that already expired completes through the executor.

        Handler:
            ``handler(ec: error_code)``

        Errors:
            ``operation_aborted``: ``cancel()``, ``cancel_one()``, a new expiry, or a
            per-operation cancellation.

        Cancellation:
            Honours a cancellation slot associated with the handler
            (``bind_cancellation_slot``, ``cancel_after``, a coroutine's): ``terminal``,
            ``partial`` and ``total``, as Asio's timer; the wait then completes with
            ``operation_aborted`` and the timer is as if it had never been waited on.
        """
        if type(token) in self._fast:
            # The fast path (see asiolike.detail.completion): what async_initiate does for
            # a plain handler, without the calls.
            self._initiate_wait(token)
            return None
        return async_initiate(self._initiate_wait, token)

    def _initiate_wait(self, handler: Callable[[error_code], object]) -> None:
        plain = type(handler) in self._fast
        ex = None if plain else op_executor(handler, self._executor, self._direct)
        op = wait_op(handler, ex, self._expiry)
        waits = self._waits
        if waits is None or (isinstance(waits, wait_op) and waits.done):
            # A completed wait is forgotten here; it held nothing of the user's anyway
            # (an operation lets go of its handler when it completes).
            self._waits = op
        elif isinstance(waits, wait_op):
            self._waits = [waits, op]
        else:
            if len(waits) > 16:
                # Forget completed waits so a timer waited on forever keeps a short list.
                waits[:] = [w for w in waits if not w.done]
            waits.append(op)
        self._timers.enqueue(op)
        if not plain:
            # Per-operation cancellation (asiolike.cancellation's protocol); a plain
            # handler has no slot, so the fast path never gets here.
            slot = associated_cancellation_slot_of(handler)
            if slot is not None and slot.is_connected():
                slot.assign(_wait_cancellation(self._timers, op))

    def __repr__(self) -> str:
        waits = self._waits
        pending = 0 if waits is None else 1 if isinstance(waits, wait_op) else len(waits)
        return f"<steady_timer expiry={self._expiry:.6f} waits={pending}>"
