"""``steady_timer``: waits on the monotonic clock (Asio's ``steady_timer``).

What every timer shares (the waits, cancellation, ``async_wait``) is
:class:`asiolike.detail.waitable_timer.basic_waitable_timer`; this module gives it its
clock, ``time.monotonic()``.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from asiolike.detail.waitable_timer import basic_waitable_timer

__all__ = ["steady_timer", "Duration"]

Duration = float | int | datetime.timedelta


_monotonic = time.monotonic


def _seconds(duration: Duration) -> float:
    if isinstance(duration, datetime.timedelta):
        return duration.total_seconds()
    if isinstance(duration, bool) or not isinstance(duration, (int, float)):
        raise TypeError(f"a duration is seconds (int/float) or a timedelta, not {duration!r}")
    return float(duration)


class steady_timer(basic_waitable_timer):
    """A timer on ``time.monotonic()``.

    Args:
        ctx_or_ex: the io_context (or executor) that runs the handlers.
        expiry: optional; a duration (seconds or ``timedelta``) from now, as Asio's
            ``steady_timer t(ioc, std::chrono::seconds(5))``. Without it the timer is
            already expired (Asio's default: the epoch).
    """

    __slots__ = ()

    def __init__(self, ctx_or_ex: Any, expiry: Duration | None = None) -> None:
        if expiry is None:
            at = 0.0
        elif type(expiry) is float or type(expiry) is int:
            at = _monotonic() + expiry
        else:
            at = _monotonic() + _seconds(expiry)
        super().__init__(ctx_or_ex, at)

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

    def wait(self) -> None:
        """Block the calling thread until the timer expires (the synchronous wait)."""
        while True:
            remaining = self._expiry - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(remaining)
