"""``strand``: an executor adapter that never runs two of its handlers at the same time.

Theory of operation. A strand keeps its own FIFO of handlers. The first handler queued while
the strand is idle marks it busy and posts one *invoker* to the inner executor; the invoker
runs the handlers that are queued when it starts, then posts itself again if more arrived, or
marks the strand idle. Only one invoker exists at a time, so the handlers never overlap and
run in order, however many threads run the io_context; and posting it again after each batch
lets other work interleave. A handler that raises leaves the strand consistent: the invoker's
``finally`` still re-posts or releases it before the exception leaves ``run()``.

On a context that tracks handlers, ``post``/``dispatch`` give each handler its tracking id
(``strand@0x....post``); the invoker, posted to the inner executor, gets one of its own.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from asiolike.detail.completion import Executor
from asiolike.detail.handler_tracking import tracker
from asiolike.detail.scheduler import use_scheduler
from asiolike.io_context import io_context

__all__ = ["strand", "make_strand"]

_get_ident = threading.get_ident


class strand:
    """Runs handlers one at a time, in the order they were submitted (Asio's ``strand``).

    Args:
        inner: the executor the strand's handlers eventually run on (an io_context's
            executor, or an io_context).
    """

    __slots__ = (
        "__weakref__",
        "_busy",
        "_inner",
        "_invoker",
        "_lock",
        "_owner",
        "_queue",
        "_tracker",
    )

    def __init__(self, inner: Any) -> None:
        if isinstance(inner, io_context):
            inner = inner.get_executor()
        if isinstance(inner, strand):
            inner = inner._inner
        if not hasattr(inner, "post"):
            raise TypeError(f"strand() needs an executor or an io_context, not {inner!r}")
        self._inner: Executor = inner
        self._queue: deque[Callable[[], object]] = deque()
        self._lock = threading.Lock()
        self._busy = False
        self._owner = 0
        self._invoker = self._invoke
        try:
            self._tracker: tracker | None = use_scheduler(inner).tracker
        except TypeError:  # a user's executor of no io_context: nothing to track with
            self._tracker = None

    def get_inner_executor(self) -> Executor:
        """The executor the strand runs its handlers on."""
        return self._inner

    def context(self) -> io_context:
        """The io_context of the inner executor."""
        return self._inner.context()

    def running_in_this_thread(self) -> bool:
        """Whether the calling thread is running one of this strand's handlers now."""
        return self._owner == _get_ident()

    def post(self, f: Callable[[], object]) -> None:
        """Queue ``f`` on the strand; it runs after every handler queued before it. Thread-safe."""
        if self._tracker is not None:
            f = self._tracker.wrap(f, self, "post")
        with self._lock:
            self._queue.append(f)
            if self._busy:
                return
            self._busy = True
        self._inner.post(self._invoker)

    defer = post

    def dispatch(self, f: Callable[[], object]) -> None:
        """Run ``f`` now if the caller is inside this strand, else :meth:`post` it."""
        if self._tracker is not None:
            f = self._tracker.wrap(f, self, "dispatch")
        if self._owner == _get_ident():
            f()
        else:
            self.post(f)

    def on_work_started(self) -> None:
        """Count outstanding work on the inner executor."""
        self._inner.on_work_started()

    def on_work_finished(self) -> None:
        """Release work counted by :meth:`on_work_started`."""
        self._inner.on_work_finished()

    def _invoke(self) -> None:
        queue = self._queue
        outer_owner = self._owner
        self._owner = _get_ident()
        try:
            # Only the handlers present now: ones posted meanwhile wait for the next turn.
            for _ in range(len(queue)):
                queue.popleft()()
        finally:
            self._owner = outer_owner
            with self._lock:
                more = bool(queue)
                if not more:
                    self._busy = False
            if more:
                self._inner.post(self._invoker)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"<strand on {self._inner!r}>"


def make_strand(ctx_or_ex: Any) -> strand:
    """A new :class:`strand` over an io_context or executor (Asio's ``make_strand``)."""
    return strand(ctx_or_ex)
