"""Living inside asyncio: an io_context driven by the running asyncio loop, and ``use_asyncio``.

Theory of operation
-------------------
:func:`attach` hands an io_context's loop to an asyncio event loop, in the loop's thread,
with no extra thread. The scheduler's reactor is an epoll set with a descriptor of its own,
readable whenever one of its sockets is ready or someone interrupted it; the asyncio loop
watches that descriptor with ``loop.add_reader``. While attached, the scheduler keeps its
"a thread sleeps in the reactor" flags raised between steps, so that every post (from any
thread) and every new earliest timer interrupts the reactor, which makes the descriptor
readable. A readable descriptor, a due timer (a ``loop.call_at`` kept at the earliest
expiry) or handlers left over from the last step schedule one *step*:
``scheduler.run_external``: due timers, one non-blocking poll of the reactor, then up to
:data:`STEP_LIMIT` handlers, after which control goes back to asyncio so that its own
callbacks interleave with ours.

Every rule holds as under ``run()``: handlers run in the loop's thread, never inline, once;
timers never fire early (a ``call_at`` that fires a little early finds nothing due and is
scheduled again). The attachment counts as outstanding work, so the context does not stop
when it runs out of work; ``ioc.run()`` raises ``RuntimeError`` while attached. An exception
escaping a handler (or a ``detached`` coroutine) cannot propagate out of a ``run()`` that
does not exist: it goes to the asyncio loop's exception handler, which logs it, and the
io_context goes on with what is left (R4's consistency).

:data:`~asiolike.aio.use_asyncio` (a token, handled in :func:`asiolike.async_initiate`) makes an
initiating function return an ``asyncio.Future`` of the running loop, so asyncio coroutines
can ``await`` asiolike operations; it works with an attached io_context and with one run by
another thread.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Final

from asiolike.async_result import use_asyncio, use_asyncio_t
from asiolike.detail.scheduler import use_scheduler

__all__ = ["attach", "attachment", "use_asyncio", "use_asyncio_t", "STEP_LIMIT"]

STEP_LIMIT: Final = 256
"""Handlers run per step before control returns to the asyncio loop."""

_monotonic = time.monotonic


class attachment:
    """An io_context driven by an asyncio loop; made by :func:`attach`.

    Also an async context manager: ``async with aio.attach(ioc): ...`` detaches at the end.
    """

    def __init__(self, ioc: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._ioc = ioc
        self._loop = loop
        sched = use_scheduler(ioc)
        fd = sched.reactor.fileno()
        sched.attach(self)
        self._sched: Any = sched
        self._fd = fd
        self._soon: asyncio.Handle | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        try:
            loop.add_reader(fd, self._step)
        except BaseException:
            sched.detach()
            raise
        self._schedule_soon()

    @property
    def attached(self) -> bool:
        """Whether the loop still drives the io_context."""
        return self._sched is not None

    def detach(self) -> None:
        """Stop driving the io_context (from the loop's thread). Idempotent.

        Handlers still queued stay queued: ``ioc.run()`` (after ``ioc.restart()`` if it
        was stopped) runs them.
        """
        sched, self._sched = self._sched, None
        if sched is None:
            return
        self._loop.remove_reader(self._fd)
        if self._soon is not None:
            self._soon.cancel()
            self._soon = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        sched.detach()

    def _schedule_soon(self) -> None:
        if self._soon is None:
            self._soon = self._loop.call_soon(self._step)

    def _step(self) -> None:
        self._soon = None
        sched = self._sched
        if sched is None:
            return
        try:
            sched.run_external(STEP_LIMIT)
        finally:
            self._after_step()

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        self._step()

    def _after_step(self) -> None:
        sched = self._sched
        if sched is None or sched.stopped:
            return
        if sched.queue:
            self._schedule_soon()
        expiry = sched.timers.next_expiry()
        if expiry == self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_at = expiry
        if expiry is not None:
            loop = self._loop
            self._timer = loop.call_at(loop.time() + (expiry - _monotonic()), self._on_timer)

    async def __aenter__(self) -> attachment:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.detach()

    def __repr__(self) -> str:
        state = "attached" if self._sched is not None else "detached"
        return f"<asiolike.aio attachment {state} to {self._loop!r}>"


def attach(ioc: Any, loop: asyncio.AbstractEventLoop | None = None) -> attachment:
    """Drive ``ioc`` from an asyncio loop, in that loop's thread, until ``detach()``.

    Args:
        ioc: the io_context.
        loop: the asyncio loop (default: the running one). Call from its thread.

    Returns:
        An :class:`attachment`; its ``detach()`` hands ``ioc`` back to ``run()``.

    Raises:
        RuntimeError: no running loop and none given; ``ioc`` is already attached or
            inside ``run()`` in some thread; the platform's poller has no descriptor.
    """
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "asiolike.aio.attach(ioc) needs a running asyncio loop: call it from a "
                "coroutine (inside asyncio.run(...)) or pass loop="
            ) from None
    return attachment(ioc, loop)
