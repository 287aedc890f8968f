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
:class:`asiolike.detail.waitable_timer.basic_waitable_timer`. A wait is measured from the
moment it starts: the time left on the wall clock then is waited for on the monotonic
clock, so a change of the system's time during the wait does not move it (Asio's reactor
re-reads the clock at least every five minutes and would follow the change). To follow
a wall-clock change, wait again: a new ``async_wait`` reads the clock anew.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from asiolike.detail.waitable_timer import basic_waitable_timer
from asiolike.steady_timer import Duration, _seconds

__all__ = ["system_timer", "TimePoint"]

TimePoint = datetime.datetime
"""A wall-clock expiry: an aware ``datetime`` (a naive one is local time)."""

_time = time.time
_monotonic = time.monotonic
_UTC = datetime.UTC


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
    measured from the moment it starts: the time left on the wall clock then is waited
    for on the monotonic clock, so a change of the system's time during a wait does not
    move it (Asio re-reads the clock at least every five minutes and would follow it);
    a new ``async_wait`` reads the clock anew.

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

    def _monotonic_expiry(self) -> float:
        return _monotonic() + (self._expiry - _time())

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
