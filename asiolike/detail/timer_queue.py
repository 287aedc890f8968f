"""Pending timer waits, ordered by expiry, for one io_context.

A heap of the distinct expiry times (plain floats) and a dict from each expiry to its waits
(one ``wait_op``, or a list of them in the order they were started). Floats rather than
``(expiry, sequence, op)`` tuples because the heap's comparisons are the cost of a timer:
float comparisons are about twice as cheap as tuple ones, which is most of the difference
against asyncio here.

Cancelled waits are marked and left in place (removing from the middle of a heap is O(n));
to keep memory bounded when timers are re-armed over and over (every idle timeout does
that), the structures are rebuilt without them once they are more than half of the waits.
Such a tombstone holds nothing of the user's: its completion (``operation_aborted``) is
queued at once, and a :class:`~asiolike.detail.completion.queued_op` lets go of its handler
when it runs, so an ended session's timer does not keep the session (or its socket) alive
until the tombstone's expiry.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from asiolike._build import mypyc_attr
from asiolike.detail.completion import NO_VALUE, queued_op
from asiolike.detail.handler_check import CHECK, EC, EC_OK, FUNCTION, METHOD
from asiolike.error import error_code, operation_aborted, success

if TYPE_CHECKING:
    from asiolike.detail.completion import Executor
    from asiolike.detail.scheduler import scheduler

__all__ = ["timer_queue", "wait_op"]

_COMPACT_MIN = 64
_heappush = heapq.heappush
_heappop = heapq.heappop


@mypyc_attr(allow_interpreted_subclasses=True)
class wait_op(queued_op):
    """One ``async_wait``: delivers ``handler(ec)`` when the timer expires or is cancelled."""

    __slots__ = ("done", "expiry")

    def __init__(
        self,
        handler: Callable[[error_code], object],
        executor: Executor | None,
        expiry: float,
    ) -> None:
        if CHECK:  # the handler check (asiolike.detail.handler_check)
            h: Any = handler
            t = h.__class__
            key = h.__func__ if t is METHOD else h if t is FUNCTION else t
            ok = EC_OK
            if key not in ok and not ((t is METHOD or t is FUNCTION) and key.__code__ in ok):
                EC.check(handler)
        self.handler = handler
        self.executor = executor
        self.ec = success
        self.value = NO_VALUE
        self.expiry = expiry
        self.done = False


@mypyc_attr(allow_interpreted_subclasses=True)
class timer_queue:
    """The expiry-ordered waits of one io_context (thread-safe)."""

    def __init__(self, sched: scheduler) -> None:
        self._sched = sched
        self._heap: list[float] = []
        self._buckets: dict[float, wait_op | list[wait_op]] = {}
        self._size = 0  # waits held, cancelled ones included
        self._cancelled = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._size - self._cancelled

    @property
    def heap(self) -> list[float]:
        """The expiries held, tombstones included, as a heap (read-only for others).

        The same list for the queue's whole life (compaction rebuilds it in place), so the
        run loop keeps it and tests ``if heap:`` without a call.
        """
        return self._heap

    def earliest(self) -> float | None:
        """The earliest expiry held, tombstones included (no lock: a hint for a timeout)."""
        heap = self._heap
        return heap[0] if heap else None

    def enqueue(self, op: wait_op) -> None:
        """Add a wait; it counts as outstanding work until its completion is queued."""
        sched = self._sched
        sched.work.append(None)
        expiry = op.expiry
        with self._lock:
            buckets = self._buckets
            bucket = buckets.get(expiry)
            self._size += 1
            if bucket is None:
                buckets[expiry] = op
                heap = self._heap
                _heappush(heap, expiry)
                # ==, not is: compiled, a float is unboxed, and boxed anew for is.
                first = heap[0] == expiry
            else:
                if isinstance(bucket, list):
                    bucket.append(op)
                else:
                    buckets[expiry] = [bucket, op]
                first = False
        if first and sched.reactor_sleeping:
            # A thread is blocked with a timeout computed from the old earliest expiry.
            sched.reactor.interrupt()

    def cancel(self, op: wait_op, ec: error_code = operation_aborted) -> bool:
        """Complete a pending wait with ``ec`` now; False if it already completed."""
        with self._lock:
            if op.done:
                return False
            op.done = True
            self._cancelled += 1
            if self._cancelled > _COMPACT_MIN and self._cancelled * 2 > self._size:
                self._compact()
        op.ec = ec
        self._sched.post_deferred_completion(op)
        return True

    def _compact(self) -> None:
        # Called with the lock held. In place: next_expiry() and run_due() may hold
        # references to the heap and the dict.
        live: dict[float, wait_op | list[wait_op]] = {}
        size = 0
        for expiry, bucket in self._buckets.items():
            if isinstance(bucket, list):
                kept = [op for op in bucket if not op.done]
                if kept:
                    live[expiry] = kept if len(kept) > 1 else kept[0]
                    size += len(kept)
            elif not bucket.done:
                live[expiry] = bucket
                size += 1
        self._buckets.clear()
        self._buckets.update(live)
        heap = self._heap
        heap[:] = live
        heapq.heapify(heap)
        self._size = size
        self._cancelled = 0

    def next_expiry(self) -> float | None:
        """The earliest pending expiry, or None when nothing waits."""
        heap = self._heap
        if not heap:
            return None
        with self._lock:
            buckets = self._buckets
            while heap:
                expiry = heap[0]
                bucket = buckets[expiry]
                if isinstance(bucket, list):
                    if not all(op.done for op in bucket):
                        return expiry
                    dropped = len(bucket)
                elif not bucket.done:
                    return expiry
                else:
                    dropped = 1
                # Every wait at this expiry was cancelled: forget it.
                _heappop(heap)
                del buckets[expiry]
                self._size -= dropped
                self._cancelled -= dropped
            return None

    def run_due(self, now: float) -> int:
        """Queue the completion of every wait with ``expiry <= now``; returns how many."""
        heap = self._heap
        if not heap or heap[0] > now:
            return 0
        sched = self._sched
        # The run loop is the caller and runs the queue next: a plain append, no wake-up.
        append = sched.queue.append
        release_work = sched.work.pop
        count = 0
        with self._lock:
            buckets = self._buckets
            while heap and heap[0] <= now:
                bucket = buckets.pop(_heappop(heap))
                for op in bucket if isinstance(bucket, list) else (bucket,):
                    self._size -= 1
                    if op.done:
                        self._cancelled -= 1
                        continue
                    op.done = True
                    append(op)
                    release_work()
                    count += 1
        return count
