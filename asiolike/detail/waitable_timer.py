"""``basic_waitable_timer``: what every timer shares, whatever its clock (Asio's
``basic_waitable_timer``).

``steady_timer`` (``time.monotonic()``) and ``system_timer`` (the wall clock,
``time.time()``) differ only in their clock: how an expiry is given and shown, and how long
a wait has left. Everything else is here: the executor and its fast path, the pending
waits, ``cancel``/``cancel_one``, ``async_wait`` and per-operation cancellation.

Every wait goes into the io_context's one timer queue
(:mod:`asiolike.detail.timer_queue`), which orders waits on the monotonic clock. A
steady timer's expiry already is a monotonic time. Another clock's wait (``_clock_wait``)
is queued for the time its expiry has left on that clock, from the monotonic now, and
reads its clock again when that comes (see ``system_timer``).
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any, ClassVar, overload

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.cancellation import associated_cancellation_slot_of, cancellation_type
from asiolike.detail.completion import op_executor
from asiolike.detail.scheduler import bind_io_object
from asiolike.detail.timer_queue import timer_queue, wait_op
from asiolike.error import error_code
from asiolike.executor import as_executor

__all__ = ["basic_waitable_timer"]

_SUPPORTED = cancellation_type.terminal | cancellation_type.partial | cancellation_type.total


class _wait_cancellation:
    """Installed in a wait's cancellation slot: cancels that one wait (if still pending).

    ``op`` is the wait pending now (a wall-clock wait that waits again moves it on).
    ``requested`` records a request that found ``op`` already completed: for a steady
    wait that completion wins (it was the final one); a wall-clock wait whose inner wait
    had completed only to wait again honours it instead (``system_timer``).
    """

    __slots__ = ("_timers", "op", "requested")

    def __init__(self, timers: timer_queue, op: wait_op) -> None:
        self._timers = timers
        self.op = op
        self.requested = False

    def __call__(self, type: cancellation_type) -> None:
        if type & _SUPPORTED and not self._timers.cancel(self.op):
            # The wait has completed already (its completion may still be queued).
            self.requested = True


class basic_waitable_timer:
    """A timer on some clock; subclasses give the clock (see the module's docstring).

    Args:
        ctx_or_ex: the io_context (or executor) that runs the handlers.
        expiry: the expiry, in the subclass's clock's seconds.
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

    # True when ``_expiry`` is a ``time.monotonic()`` value (the timer queue's clock).
    _steady: ClassVar[bool] = True

    def __init__(self, ctx_or_ex: Any, expiry: float) -> None:
        self._executor: Any = as_executor(ctx_or_ex)
        # The scheduler, whether handlers without an association may be called straight
        # from the run loop, and which handler types take the fast path.
        sched, self._direct, self._fast = bind_io_object(self._executor)
        self._sched = sched
        self._timers = sched.timers
        self._expiry = expiry
        # The pending waits: None, one wait_op (the common case), or a list of them.
        self._waits: wait_op | list[wait_op] | None = None

    def get_executor(self) -> Any:
        """The executor the timer's handlers run on by default."""
        return self._executor

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

    # Typed per token, so that ``await timer.async_wait(net.use_awaitable)`` checks.
    @overload
    def async_wait(self, token: use_awaitable_t) -> awaitable[None]: ...

    @overload
    def async_wait(self, token: use_future_t) -> concurrent.futures.Future[None]: ...

    @overload
    def async_wait(self, token: AdapterToken) -> Any: ...

    @overload
    def async_wait(self, token: Callable[[error_code], object]) -> None: ...

    def async_wait(self, token: Any) -> Any:
        """Start waiting for the expiry.

        The handler runs once the timer's clock has reached the expiry (never earlier),
        or when the wait is cancelled. This call returns immediately; the handler is never
        invoked from within it (a timer that already expired completes through the
        executor). Several waits may be pending on one timer; all complete at the expiry.

        Args:
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``...).

        Handler:
            ``handler(ec: error_code)``, run through its associated executor (by default the
            timer's). A handler that cannot take these arguments makes this call raise
            ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[None]``; with
            ``use_awaitable``, an ``awaitable[None]``. A failing ``ec`` (a cancelled wait)
            raises :class:`~asiolike.error.system_error` from either.

        Errors:
            ``operation_aborted``: ``cancel()``, ``cancel_one()``, a new expiry, or a
            per-operation cancellation.

        Cancellation:
            Honours a cancellation slot associated with the handler
            (``bind_cancellation_slot``, ``cancel_after``, a coroutine's): ``terminal``,
            ``partial`` and ``total``, as Asio's timer; the wait then completes with
            ``operation_aborted`` and the timer is as if it had never been waited on.

        Example:
            ::

                timer.expires_after(5)
                timer.async_wait(lambda ec: print("five seconds" if not ec else ec))
        """
        if type(token) in self._fast:
            # The fast path (see asiolike.detail.completion): what async_initiate does for
            # a plain handler, without the calls.
            self._initiate_wait(token)
            return None
        return async_initiate(self._initiate_wait, token)

    def _initiate_wait(self, handler: Callable[[error_code], object]) -> None:
        plain = type(handler) in self._fast
        if self._steady:
            ex = None if plain else op_executor(handler, self._executor, self._direct)
            op = wait_op(handler, ex, self._expiry)
        else:
            op = self._clock_wait(handler)
        self._add_wait(op)
        if not plain:
            # Per-operation cancellation (asiolike.cancellation's protocol); a plain
            # handler has no slot, so the fast path never gets here.
            slot = associated_cancellation_slot_of(handler)
            if slot is not None and slot.is_connected():
                cancellation = _wait_cancellation(self._timers, op)
                slot.assign(cancellation)
                if not self._steady:
                    op.handler.cancellation = cancellation  # type: ignore[union-attr]

    def _clock_wait(self, handler: Callable[[error_code], object]) -> wait_op:
        """The queued wait of a clock other than the steady one (see ``system_timer``)."""
        raise NotImplementedError

    def _add_wait(self, op: wait_op) -> None:
        waits = self._waits
        if waits is None:
            self._waits = op
        elif isinstance(waits, list):
            if len(waits) > 16:
                # Forget completed waits so a timer waited on forever keeps a short list.
                waits[:] = [w for w in waits if not w.done]
            waits.append(op)
        elif waits.done:
            # A completed wait is forgotten here; it held nothing of the user's anyway
            # (an operation lets go of its handler when it completes).
            self._waits = op
        else:
            self._waits = [waits, op]
        self._timers.enqueue(op)

    def __repr__(self) -> str:
        waits = self._waits
        pending = 0 if waits is None else 1 if isinstance(waits, wait_op) else len(waits)
        return f"<{type(self).__name__} expiry={self._show_expiry()} waits={pending}>"

    def _show_expiry(self) -> str:
        return f"{self._expiry:.6f}"
