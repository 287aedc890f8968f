"""``io_context``: Asio's ``io_context``, the public face of the scheduler that runs handlers.

The queue, the work count and the run loop live in :mod:`asiolike.detail.scheduler` (Asio's
``detail::scheduler``), whose theory of operation explains them; this class forwards to it.
I/O objects reach the scheduler through :func:`asiolike.detail.scheduler.use_scheduler`,
never through this class's private state.
"""

from __future__ import annotations

import logging
import time

from asiolike.detail.handler_tracking import TextSink
from asiolike.detail.scheduler import io_context_executor, scheduler

__all__ = ["io_context", "io_context_executor"]

_log = logging.getLogger(__name__)
_DEBUG = logging.DEBUG
_monotonic = time.monotonic


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

    __slots__ = ("__weakref__", "_scheduler")

    def __init__(
        self, concurrency_hint: int = -1, handler_tracking: bool | TextSink | None = None
    ) -> None:
        self._scheduler = scheduler(self, handler_tracking)

    # -- public API -------------------------------------------------------------------------

    def get_executor(self) -> io_context_executor:
        """The context's executor (always the same object)."""
        return self._scheduler.executor

    def run(self) -> int:
        """Run handlers until no work is left or :meth:`stop` is called.

        Returns:
            The number of handlers run. An exception raised by a handler propagates out;
            the context stays consistent and ``run()`` may be called again to go on.
        """
        return self._scheduler.run(None, None, True)

    def run_one(self) -> int:
        """Run at most one handler, waiting for one if needed. Returns 0 or 1."""
        return self._scheduler.run(1, None, True)

    def run_for(self, seconds: float) -> int:
        """As :meth:`run`, but return after ``seconds`` at the latest."""
        return self._scheduler.run(None, _monotonic() + seconds, True)

    def run_until(self, deadline: float) -> int:
        """As :meth:`run`, but return by the ``time.monotonic()`` value ``deadline``."""
        return self._scheduler.run(None, deadline, True)

    def run_one_for(self, seconds: float) -> int:
        """As :meth:`run_one`, waiting at most ``seconds``."""
        return self._scheduler.run(1, _monotonic() + seconds, True)

    def run_one_until(self, deadline: float) -> int:
        """As :meth:`run_one`, waiting until the monotonic ``deadline`` at the latest."""
        return self._scheduler.run(1, deadline, True)

    def poll(self) -> int:
        """Run every handler that is ready now, without waiting. Returns how many ran."""
        return self._scheduler.run(None, None, False)

    def poll_one(self) -> int:
        """Run at most one ready handler, without waiting. Returns 0 or 1."""
        return self._scheduler.run(1, None, False)

    def stop(self) -> None:
        """Make every ``run()`` return as soon as possible. Thread-safe.

        Queued handlers stay queued; after :meth:`restart` a later ``run()`` runs them.
        """
        self._scheduler.stop()

    def stopped(self) -> bool:
        """Whether the context is stopped (by :meth:`stop`, or by running out of work)."""
        return self._scheduler.stopped

    def restart(self) -> None:
        """Prepare a stopped context for another ``run()``."""
        self._scheduler.stopped = False

    reset = restart

    def has_outstanding_work(self) -> bool:
        """Whether handlers are queued, operations pending or work guards live (an extra)."""
        return self._scheduler.has_outstanding_work()

    def close(self) -> None:
        """Drop queued handlers and release the reactor (as destroying an Asio io_context)."""
        sched = self._scheduler
        if sched.closed:
            return
        dropped = sched.close()
        if _log.isEnabledFor(_DEBUG):
            _log.debug("%r: closed, %d queued handlers dropped", self, dropped)

    def __del__(self) -> None:
        # As Asio's destructor: the poller and the waker are released even without close().
        sched = getattr(self, "_scheduler", None)
        if sched is not None and not sched.closed:
            try:
                sched.close()
            except Exception:  # nothing can be reported from a destructor
                pass

    def __enter__(self) -> io_context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        sched = self._scheduler
        return f"<io_context {sched.state()} queued={len(sched.queue)} work={len(sched.work)}>"
