"""Tests for asiolike.detail.timer_queue: ordering, cancellation, work, bounded memory."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

from asiolike import io_context, make_strand
from asiolike.detail.scheduler import use_scheduler
from asiolike.detail.timer_queue import timer_queue, wait_op
from asiolike.error import error_code, operation_aborted, success, timed_out

Results = list[tuple[int, error_code]]


def make_op(results: Results, tag: int, expiry: float, executor: object = None) -> wait_op:
    handler = functools.partial(lambda t, ec: results.append((t, ec)), tag)
    return wait_op(handler, executor, expiry)  # type: ignore[arg-type]


def test_enqueue_counts_as_work_and_orders_by_expiry(ioc: io_context) -> None:
    tq = timer_queue(use_scheduler(ioc))
    results: Results = []
    assert tq.next_expiry() is None
    assert len(tq) == 0
    for tag, expiry in [(1, 30.0), (2, 10.0), (3, 20.0), (4, 10.0)]:
        tq.enqueue(make_op(results, tag, expiry))
    assert len(tq) == 4
    assert tq.next_expiry() == 10.0
    assert ioc.has_outstanding_work()
    assert tq.run_due(5.0) == 0
    assert tq.run_due(20.0) == 3
    assert results == []  # queued, not called
    assert ioc.poll() == 3
    # By expiry; equal expiries in the order they were started.
    assert results == [(2, success), (4, success), (3, success)]
    assert tq.next_expiry() == 30.0
    assert len(tq) == 1
    assert tq.run_due(30.0) == 1
    assert ioc.poll() == 1
    assert results[-1] == (1, success)
    assert tq.next_expiry() is None
    assert not ioc.has_outstanding_work()


def test_cancel_is_exactly_once(ioc: io_context) -> None:
    tq = timer_queue(use_scheduler(ioc))
    results: Results = []
    a = make_op(results, 1, 10.0)
    b = make_op(results, 2, 20.0)
    tq.enqueue(a)
    tq.enqueue(b)
    assert tq.cancel(a) is True
    assert tq.cancel(a) is False
    assert a.ec == operation_aborted
    assert len(tq) == 1
    assert tq.next_expiry() == 20.0  # the cancelled entry is skipped
    assert tq.run_due(100.0) == 1  # only b
    assert tq.cancel(b) is False  # already completed: too late to cancel
    assert ioc.poll() == 2
    assert results == [(1, operation_aborted), (2, success)]
    assert not ioc.has_outstanding_work()


def test_cancel_with_another_code(ioc: io_context) -> None:
    tq = timer_queue(use_scheduler(ioc))
    results: Results = []
    op = make_op(results, 1, 10.0)
    tq.enqueue(op)
    assert tq.cancel(op, timed_out) is True
    ioc.poll()
    assert results == [(1, timed_out)]


def test_cancelled_entries_do_not_pile_up(ioc: io_context) -> None:
    tq = timer_queue(use_scheduler(ioc))
    results: Results = []
    live = make_op(results, 0, 1.0)
    tq.enqueue(live)
    sizes = []
    for i in range(10_000):
        op = make_op(results, i + 1, 50.0 + i)
        tq.enqueue(op)
        tq.cancel(op)
        sizes.append(len(tq._heap))
    assert max(sizes) <= 200
    assert len(tq) == 1
    assert tq.next_expiry() == 1.0
    assert tq.run_due(1.0) == 1
    ioc.poll()
    assert len(results) == 10_001
    assert results[-1] == (0, success)
    assert not ioc.has_outstanding_work()


def test_completion_goes_through_the_executor(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    strand = make_strand(ioc)
    seen: list[tuple[error_code, bool]] = []
    op = wait_op(lambda ec: seen.append((ec, strand.running_in_this_thread())), strand, 0.0)
    use_scheduler(ioc).timers.enqueue(op)
    run_ioc(ioc)
    assert seen == [(success, True)]


def test_concurrent_enqueue_cancel_and_expiry(ioc: io_context, fast_switching: None) -> None:
    # Threads start and cancel waits while this thread expires them: every wait completes
    # exactly once, and cancel() says which way each race went.
    tq = timer_queue(use_scheduler(ioc))
    per_thread = 3000
    threads_n = 4
    results: Results = []
    cancelled: list[list[bool]] = [[] for _ in range(threads_n)]
    ops: list[list[wait_op]] = [[] for _ in range(threads_n)]
    done = [0]

    def worker(k: int) -> None:
        for i in range(per_thread):
            op = make_op(results, k * per_thread + i, float(i))
            ops[k].append(op)
            tq.enqueue(op)
            if i % 2:
                cancelled[k].append(tq.cancel(ops[k][i - 1]))
        done[0] += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(threads_n)]
    for t in threads:
        t.start()
    now = 0.0
    while done[0] < threads_n:
        tq.run_due(now)
        tq.next_expiry()
        now += 1.0
    for t in threads:
        t.join()
    tq.run_due(float(per_thread))
    ioc.poll()
    tags = sorted(tag for tag, _ in results)
    assert tags == list(range(threads_n * per_thread))
    outcome = dict(results)
    for k in range(threads_n):
        for j, was_cancelled in enumerate(cancelled[k]):
            tag = k * per_thread + 2 * j
            assert outcome[tag] == (operation_aborted if was_cancelled else success)
    assert len(tq) == 0
    assert tq.next_expiry() is None
    assert not ioc.has_outstanding_work()


def test_cancel_racing_with_next_expiry_keeps_the_count(
    ioc: io_context, fast_switching: None
) -> None:
    # One thread starts and cancels waits (rebuilding the heap now and then) while another
    # looks for the next expiry, as a run() thread going to sleep does. The count of
    # cancelled entries must stay exact, or the heap is no longer kept small.
    tq = timer_queue(use_scheduler(ioc))
    results: Results = []
    tq.enqueue(make_op(results, 0, 1e9))
    finished = [False]

    def churn() -> None:
        for i in range(30_000):
            op = make_op(results, 1, float(i % 50))
            tq.enqueue(op)
            tq.cancel(op)
        finished[0] = True

    thread = threading.Thread(target=churn)
    thread.start()
    while not finished[0]:
        tq.next_expiry()
    thread.join()
    assert tq.next_expiry() == 1e9
    assert len(tq) == 1
    assert 0 <= tq._cancelled <= len(tq._heap) <= 200
    ioc.poll()
    assert len(results) == 30_000
    ioc.restart()
    live = tq._buckets[tq._heap[0]]
    assert isinstance(live, wait_op)
    assert tq.cancel(live)
    ioc.poll()
    assert not ioc.has_outstanding_work()
