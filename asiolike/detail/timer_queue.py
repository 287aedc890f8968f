"""Pending timer waits, ordered by expiry, for one io_context.

A heap of ``(expiry, sequence, op)``. Cancelled waits are marked and left in the heap
(removing from the middle of a heap is O(n)); to keep memory bounded when timers are re-armed
over and over (every idle timeout does that), the heap is rebuilt without them once they are
more than half of it.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from asiolike.error import error_code, operation_aborted, success

if TYPE_CHECKING:
    from asiolike.detail.completion import Executor
    from asiolike.io_context import io_context

__all__ = ["timer_queue", "wait_op"]

_COMPACT_MIN = 64
_heappush = heapq.heappush
_heappop = heapq.heappop


class wait_op:
    """One ``async_wait``: delivers ``handler(ec)`` when the timer expires or is cancelled."""

    __slots__ = ("done", "ec", "executor", "expiry", "handler")

    def __init__(
        self,
        handler: Callable[[error_code], object],
        executor: Executor | None,
        expiry: float,
    ) -> None:
        self.handler = handler
        self.executor = executor
        self.ec = success
        self.expiry = expiry
        self.done = False

    def __call__(self) -> None:
        ex = self.executor
        if ex is None:
            self.handler(self.ec)
        else:
            ex.dispatch(functools.partial(self.handler, self.ec))


class timer_queue:
    """The expiry-ordered waits of one io_context (thread-safe)."""

    def __init__(self, ctx: io_context) -> None:
        self._ctx = ctx
        self._heap: list[tuple[float, int, wait_op]] = []
        self._seq = itertools.count()
        self._cancelled = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._heap) - self._cancelled

    def enqueue(self, op: wait_op) -> None:
        """Add a wait; it counts as outstanding work until its completion is queued."""
        ctx = self._ctx
        ctx._work.append(None)
        entry = (op.expiry, next(self._seq), op)
        with self._lock:
            heap = self._heap
            _heappush(heap, entry)
            first = heap[0] is entry
        if first and ctx._reactor_sleeping:
            # A thread is blocked with a timeout computed from the old earliest expiry.
            ctx._reactor.interrupt()

    def cancel(self, op: wait_op, ec: error_code = operation_aborted) -> bool:
        """Complete a pending wait with ``ec`` now; False if it already completed."""
        with self._lock:
            if op.done:
                return False
            op.done = True
            self._cancelled += 1
            heap = self._heap
            if self._cancelled > _COMPACT_MIN and self._cancelled * 2 > len(heap):
                # In place: next_expiry() and run_due() may hold a reference to the list.
                heap[:] = [entry for entry in heap if not entry[2].done]
                heapq.heapify(heap)
                self._cancelled = 0
        op.ec = ec
        ctx = self._ctx
        ctx._enqueue(op)
        ctx._work.pop()
        return True

    def next_expiry(self) -> float | None:
        """The earliest pending expiry, or None when nothing waits."""
        heap = self._heap
        if not heap:
            return None
        with self._lock:
            while heap and heap[0][2].done:
                heapq.heappop(heap)
                self._cancelled -= 1
            return heap[0][0] if heap else None

    def run_due(self, now: float) -> int:
        """Queue the completion of every wait with ``expiry <= now``; returns how many."""
        heap = self._heap
        if not heap or heap[0][0] > now:
            return 0
        ctx = self._ctx
        # The run loop is the caller and runs the queue next: a plain append, no wake-up.
        append = ctx._queue.append
        release_work = ctx._work.pop
        count = 0
        with self._lock:
            heap = self._heap
            while heap and heap[0][0] <= now:
                op = _heappop(heap)[2]
                if op.done:
                    self._cancelled -= 1
                    continue
                op.done = True
                append(op)
                release_work()
                count += 1
        return count
