"""``system_timer``: waits on the wall clock (Asio's ``system_timer``).

The expiry is a point in calendar time: a timezone-aware :class:`datetime.datetime` (a
naive one is read as local time, as ``datetime.timestamp()`` reads it), or a duration
from now (seconds or a ``timedelta``)::

    import datetime
    import asiolike as net

    timer = net.system_timer(ioc)
    timer.expires_at(datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc))
    timer.async_wait(on_new_year)

What the timer shares with ``steady_timer`` (the waits, cancellation, ``async_wait``) is
:class:`asiolike.detail.waitable_timer.basic_waitable_timer`.

Theory of operation. The io_context's timer queue runs on the monotonic clock. A wait
(:class:`_wall_clock_wait`, a composed operation) is queued for the time its expiry has
left on the wall clock, at most ``_RECHECK`` seconds (five minutes, as Asio's reactor
caps its sleep), and reads the wall clock when that comes: the handler runs only once
the wall clock has reached the expiry, as Asio's. If the system's time was set back
meanwhile, the wait is queued again for what is left; if it was set forward, the wait
notices within ``_RECHECK`` seconds.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Any

from asiolike.detail.completion import composed_op, op_executor
from asiolike.detail.handler_check import EC
from asiolike.detail.timer_queue import wait_op
from asiolike.detail.waitable_timer import _wait_cancellation, basic_waitable_timer
from asiolike.error import error_code, operation_aborted
from asiolike.steady_timer import Duration, _seconds

__all__ = ["system_timer", "TimePoint"]

TimePoint = datetime.datetime
"""A wall-clock expiry: an aware ``datetime`` (a naive one is local time)."""

_time = time.time
_monotonic = time.monotonic
_UTC = datetime.UTC
#: The longest a wait sleeps before it reads the wall clock again, in seconds.
_RECHECK = 300.0


def _timestamp(when: datetime.datetime) -> float:
    if not isinstance(when, datetime.datetime):
        raise TypeError(
            f"a system_timer expiry is a datetime (or use expires_after with seconds or a "
            f"timedelta), not {when!r}"
        )
    return when.timestamp()


class system_timer(basic_waitable_timer):
    """A timer on the wall clock, ``time.time()`` (Asio's ``system_timer``).

    The expiry is a point in calendar time: a timezone-aware ``datetime`` (a naive one is
    local time, as ``datetime.timestamp()`` reads it), or a duration from now. A wait is
    complete only once the wall clock has reached the expiry, as in Asio: a wait reads the
    clock when the time it had left has passed, and at least every five minutes, so
    it follows the system's time being set back or forward.

    Example::

        timer = net.system_timer(ioc)
        timer.expires_at(datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc))
        timer.async_wait(on_new_year)

    Args:
        ctx_or_ex: the io_context (or executor) that runs the handlers.
        expiry: optional; a ``datetime`` (the expiry itself) or a duration (seconds or a
            ``timedelta``) from now, as Asio's two constructors. Without it the timer is
            already expired (Asio's default: the epoch).

    Raises:
        TypeError: ``expiry`` is neither a ``datetime`` nor a duration.
    """

    __slots__ = ()
    _steady = False

    def __init__(self, ctx_or_ex: Any, expiry: datetime.datetime | Duration | None = None) -> None:
        if expiry is None:
            at = 0.0
        elif isinstance(expiry, datetime.datetime):
            at = expiry.timestamp()
        else:
            at = _time() + _seconds(expiry)
        super().__init__(ctx_or_ex, at)

    def _clock_wait(self, handler: Callable[[error_code], object]) -> wait_op:
        return _wall_clock_wait(handler, self).queue()

    def expiry(self) -> datetime.datetime:
        """The expiry, an aware ``datetime`` in UTC (``.astimezone()`` gives local time)."""
        return datetime.datetime.fromtimestamp(self._expiry, _UTC)

    def expires_at(self, expiry_time: datetime.datetime) -> int:
        """Set the expiry to ``expiry_time``; cancels pending waits.

        Args:
            expiry_time: an aware ``datetime``; a naive one is local time.

        Returns:
            The number of waits cancelled (their handlers get ``operation_aborted``).

        Raises:
            TypeError: ``expiry_time`` is not a ``datetime``.
        """
        at = _timestamp(expiry_time)
        cancelled = self.cancel()
        self._expiry = at
        return cancelled

    def expires_after(self, duration: Duration) -> int:
        """Set the expiry to ``duration`` (seconds or ``timedelta``) from now.

        Cancels pending waits and returns how many.
        """
        at = _time() + _seconds(duration)
        cancelled = self.cancel()
        self._expiry = at
        return cancelled

    def wait(self) -> None:
        """Block the calling thread until the wall clock reaches the expiry.

        The clock is read again after each sleep, so a wall-clock change is followed.
        """
        while True:
            remaining = self._expiry - _time()
            if remaining <= 0:
                return
            time.sleep(min(remaining, 1.0))

    def _show_expiry(self) -> str:
        return self.expiry().isoformat()


class _wall_clock_wait(composed_op):
    """One ``async_wait`` of a :class:`system_timer`: monotonic waits until the wall clock
    has reached the expiry (see the module's theory of operation)."""

    handler_signature = EC

    __slots__ = ("cancellation", "expiry", "timer")

    def __init__(self, handler: Callable[[error_code], object], timer: system_timer) -> None:
        super().__init__(handler, timer._executor, timer._direct)
        self.timer: system_timer | None = timer
        self.expiry = timer._expiry
        #: The wait's cancellation-slot handler, if any (moved on to each new wait).
        self.cancellation: _wait_cancellation | None = None

    def queue(self) -> wait_op:
        """The next monotonic wait, with this operation as its handler (not yet queued)."""
        timer = self.timer
        assert timer is not None
        left = min(self.expiry - _time(), _RECHECK)
        return wait_op(self, op_executor(self, timer._executor, timer._direct), _monotonic() + left)

    def __call__(self, ec: error_code) -> None:
        timer = self.timer
        if not ec and timer is not None and _time() < self.expiry:
            cancellation = self.cancellation
            if cancellation is not None and cancellation.requested:
                # Cancelled while this inner wait's completion was queued: the request
                # is for the whole wait, which ends here.
                ec = operation_aborted
            else:
                # Not yet on the wall clock (its time was set back, or the wait is long):
                # wait again, as one pending wait of the timer.
                op = self.queue()
                timer._add_wait(op)
                if cancellation is not None:
                    cancellation.op = op
                return
        self.timer = self.cancellation = None
        self.complete(True, ec)
