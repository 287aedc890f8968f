"""Tests for asiolike.steady_timer: expiry, waits, cancellation, R1/R2/R3/R7, scale."""

from __future__ import annotations

import datetime
import functools
import random
import time
import weakref
from collections.abc import Callable

import pytest

from asiolike import (
    bind_executor,
    io_context,
    make_strand,
    post,
    steady_timer,
    system_error,
    use_future,
)
from asiolike.detail.scheduler import use_scheduler
from asiolike.error import error_code, operation_aborted, success
from tests.support.lifetimes import gc_disabled


class Waiter:
    """A wait handler that records each call, the time, and whether the caller had returned."""

    def __init__(self, timer: steady_timer | None = None) -> None:
        self.results: list[error_code] = []
        self.early = 0
        self.initiated = False
        self.saw_initiated: list[bool] = []
        self._timer = timer

    def __call__(self, ec: error_code) -> None:
        self.results.append(ec)
        self.saw_initiated.append(self.initiated)
        if self._timer is not None and not ec and time.monotonic() < self._timer.expiry():
            self.early += 1


# -- expiry -------------------------------------------------------------------------------


def test_default_timer_is_already_expired(ioc: io_context) -> None:
    timer = steady_timer(ioc)
    assert timer.expiry() == 0.0
    assert timer.get_executor() == ioc.get_executor()


def test_constructor_duration_seconds_and_timedelta(ioc: io_context) -> None:
    before = time.monotonic()
    t1 = steady_timer(ioc, 2)
    t2 = steady_timer(ioc, 1.5)
    t3 = steady_timer(ioc, datetime.timedelta(milliseconds=250))
    after = time.monotonic()
    assert before + 2 <= t1.expiry() <= after + 2
    assert before + 1.5 <= t2.expiry() <= after + 1.5
    assert before + 0.25 <= t3.expiry() <= after + 0.25


@pytest.mark.parametrize("bad", ["1", None, True, [1]])
def test_bad_duration_raises_type_error(ioc: io_context, bad: object) -> None:
    timer = steady_timer(ioc)
    with pytest.raises(TypeError, match="seconds"):
        timer.expires_after(bad)  # type: ignore[arg-type]
    if bad is not None:
        with pytest.raises(TypeError, match="seconds"):
            steady_timer(ioc, bad)  # type: ignore[arg-type]


def test_expires_after_and_expires_at(ioc: io_context) -> None:
    timer = steady_timer(ioc)
    before = time.monotonic()
    assert timer.expires_after(3) == 0
    after = time.monotonic()
    assert before + 3 <= timer.expiry() <= after + 3
    assert timer.expires_after(datetime.timedelta(seconds=1, microseconds=500_000)) == 0
    assert after + 1.5 <= timer.expiry() <= time.monotonic() + 1.5
    assert timer.expires_at(12345.5) == 0
    assert timer.expiry() == 12345.5
    assert repr(timer).startswith("<steady_timer expiry=12345.500000 waits=0")


def test_synchronous_wait_on_expired_timer_returns(ioc: io_context) -> None:
    timer = steady_timer(ioc)
    timer.expires_at(time.monotonic() - 1.0)
    timer.wait()
    assert time.monotonic() >= timer.expiry()


# -- async_wait -----------------------------------------------------------------------------


def test_async_wait_success_never_early(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    timer = steady_timer(ioc, 0.02)
    waiter = Waiter(timer)
    assert timer.async_wait(waiter) is None
    waiter.initiated = True
    assert ioc.has_outstanding_work()
    assert run_ioc(ioc) == 1
    assert waiter.results == [success]
    assert waiter.early == 0
    assert time.monotonic() >= timer.expiry()


def test_already_expired_timer_completes_through_the_queue(ioc: io_context) -> None:
    # R1: the handler is not called from inside async_wait, even though the result is known.
    timer = steady_timer(ioc)
    waiter = Waiter(timer)
    timer.async_wait(waiter)
    waiter.initiated = True
    assert waiter.results == []
    assert ioc.poll() == 1
    assert waiter.results == [success]
    assert waiter.saw_initiated == [True]


def test_async_wait_from_inside_a_handler_is_not_inline(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    timer = steady_timer(ioc)
    waiter = Waiter(timer)

    def start() -> None:
        timer.async_wait(waiter)
        waiter.initiated = True

    post(ioc, start)
    assert run_ioc(ioc) == 2
    assert waiter.saw_initiated == [True]
    assert waiter.results == [success]


def test_several_waits_on_one_timer_complete_in_order(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    timer = steady_timer(ioc, 0.01)
    order: list[tuple[int, error_code]] = []
    for i in range(5):
        timer.async_wait(functools.partial(lambda i, ec: order.append((i, ec)), i))
    assert run_ioc(ioc) == 5
    assert order == [(i, success) for i in range(5)]


def test_pending_wait_keeps_run_alive(ioc: io_context) -> None:
    # R3: run() returns only after the handler ran, and then no work is left.
    timer = steady_timer(ioc, 0.05)
    waiter = Waiter(timer)
    timer.async_wait(waiter)
    assert ioc.run_for(5.0) == 1
    assert waiter.results == [success]
    assert time.monotonic() >= timer.expiry()
    assert ioc.stopped()
    assert not ioc.has_outstanding_work()


def test_invalid_token_raises_at_once(ioc: io_context) -> None:
    timer = steady_timer(ioc, 10.0)
    with pytest.raises(TypeError, match="completion handler"):
        timer.async_wait(42)
    assert not ioc.has_outstanding_work()


# -- cancellation -------------------------------------------------------------------------


def test_cancel_counts_and_aborts(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    timer = steady_timer(ioc, 60.0)
    assert timer.cancel() == 0
    waiters = [Waiter() for _ in range(3)]
    for w in waiters:
        timer.async_wait(w)
    assert timer.cancel() == 3
    assert timer.cancel() == 0
    assert [w.results for w in waiters] == [[]] * 3  # delivered through the queue
    assert run_ioc(ioc) == 3
    assert [w.results for w in waiters] == [[operation_aborted]] * 3


def test_cancel_one_cancels_the_oldest(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    timer = steady_timer(ioc, 0.01)
    order: list[tuple[int, error_code]] = []
    for i in range(3):
        timer.async_wait(functools.partial(lambda i, ec: order.append((i, ec)), i))
    assert timer.cancel_one() == 1
    assert run_ioc(ioc) == 3
    assert order == [(0, operation_aborted), (1, success), (2, success)]
    ioc.restart()
    assert timer.cancel_one() == 0


def test_cancel_one_skips_completed_waits(ioc: io_context) -> None:
    timer = steady_timer(ioc)
    first = Waiter()
    timer.async_wait(first)
    assert ioc.poll() == 1  # the first wait completed
    assert ioc.stopped()  # out of work, as in Asio
    ioc.restart()
    timer.expires_at(time.monotonic() + 60.0)
    second = Waiter()
    timer.async_wait(second)
    assert timer.cancel_one() == 1
    assert timer.cancel_one() == 0
    assert ioc.poll() == 1
    assert first.results == [success]
    assert second.results == [operation_aborted]


@pytest.mark.parametrize("how", ["expires_after", "expires_at"])
def test_changing_the_expiry_cancels_pending_waits(
    ioc: io_context, run_ioc: Callable[..., int], how: str
) -> None:
    timer = steady_timer(ioc, 60.0)
    old = [Waiter(), Waiter()]
    for w in old:
        timer.async_wait(w)
    if how == "expires_after":
        assert timer.expires_after(0.01) == 2
    else:
        assert timer.expires_at(time.monotonic() + 0.01) == 2
    new = Waiter(timer)
    timer.async_wait(new)
    assert run_ioc(ioc) == 3
    assert [w.results for w in old] == [[operation_aborted]] * 2
    assert new.results == [success]
    assert new.early == 0


def test_cancel_after_completion_returns_zero(ioc: io_context) -> None:
    timer = steady_timer(ioc)
    waiter = Waiter()
    timer.async_wait(waiter)
    assert ioc.poll() == 1
    assert timer.cancel() == 0
    assert not ioc.has_outstanding_work()
    assert waiter.results == [success]


def test_expiry_and_cancel_in_the_same_iteration(ioc: io_context) -> None:
    # R2: both waits expire in one pass; the first handler cancels the second timer before
    # its handler ran. As in Asio, the second still gets success and cancel() returns 0.
    deadline = time.monotonic() - 1.0
    t1 = steady_timer(ioc)
    t2 = steady_timer(ioc)
    t1.expires_at(deadline)
    t2.expires_at(deadline)
    cancelled: list[int] = []
    r1: list[error_code] = []
    r2: list[error_code] = []

    def on_t1(ec: error_code) -> None:
        r1.append(ec)
        cancelled.append(t2.cancel())

    t1.async_wait(on_t1)
    t2.async_wait(r2.append)
    assert ioc.poll() == 2
    assert r1 == [success]
    assert cancelled == [0]
    assert r2 == [success]


def test_cancel_between_expiry_and_handler_from_outside(ioc: io_context) -> None:
    timer = steady_timer(ioc)
    other = steady_timer(ioc)
    results: list[error_code] = []
    timer.async_wait(Waiter())
    other.async_wait(results.append)
    # poll_one() moves both expired waits to the queue, then runs only the first.
    assert ioc.poll_one() == 1
    assert results == []
    assert other.cancel() == 0
    assert other.cancel_one() == 0
    assert ioc.poll() == 1
    assert results == [success]


# -- executors (R7) and futures -------------------------------------------------------------


def test_timer_on_a_strand_runs_handler_in_the_strand(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    strand = make_strand(ioc)
    timer = steady_timer(strand, 0.01)
    assert timer.get_executor() is strand
    seen: list[tuple[error_code, bool]] = []
    timer.async_wait(lambda ec: seen.append((ec, strand.running_in_this_thread())))
    cancelled = steady_timer(strand, 60.0)
    cancelled.async_wait(lambda ec: seen.append((ec, strand.running_in_this_thread())))
    cancelled.cancel()
    run_ioc(ioc)
    assert sorted(seen, key=lambda s: s[0].value()) == [(success, True), (operation_aborted, True)]


def test_bind_executor_runs_handler_in_the_strand(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    strand = make_strand(ioc)
    other = make_strand(ioc)
    timer = steady_timer(other, 0.01)
    seen: list[tuple[bool, bool]] = []
    timer.async_wait(
        bind_executor(
            strand,
            lambda ec: seen.append((strand.running_in_this_thread(),
                                    other.running_in_this_thread())),
        )
    )
    plain = steady_timer(ioc)
    plain.async_wait(bind_executor(strand, lambda ec: seen.append((
        strand.running_in_this_thread(), ec == success))))
    run_ioc(ioc)
    assert sorted(seen) == [(True, False), (True, True)]


def test_use_future_success(ioc: io_context) -> None:
    timer = steady_timer(ioc, 0.01)
    future = timer.async_wait(use_future)
    assert future is not None
    assert not future.done()
    assert ioc.run_for(5.0) == 1
    assert future.result(0) is None


def test_use_future_cancelled_raises_operation_aborted(ioc: io_context) -> None:
    timer = steady_timer(ioc, 60.0)
    future = timer.async_wait(use_future)
    assert future is not None
    assert timer.cancel() == 1
    assert ioc.run_for(5.0) == 1
    with pytest.raises(system_error) as info:
        future.result(0)
    assert info.value.code == operation_aborted
    assert isinstance(info.value, OSError)


# -- scale ----------------------------------------------------------------------------------


def test_many_timers_never_early_and_exact_cancel_counts(ioc: io_context) -> None:
    n = 100_000
    rng = random.Random(20240601)
    timers = [steady_timer(ioc) for _ in range(n)]
    results: list[error_code | None] = [None] * n
    calls = [0] * n
    early = [0]
    monotonic = time.monotonic

    def on_wait(i: int, ec: error_code) -> None:
        calls[i] += 1
        results[i] = ec
        if not ec and monotonic() < timers[i].expiry():
            early[0] += 1

    # Deadlines start after the arming loop (~0.2 s here) so that most of them pass while
    # run() is going, among the cancels below.
    base = monotonic() + 0.3
    for i, timer in enumerate(timers):
        timer.expires_at(base + rng.random() * 0.3)
        timer.async_wait(functools.partial(on_wait, i))

    chosen = rng.sample(range(n), n // 2)
    before_run = chosen[: n // 4]
    during_run = chosen[n // 4 :]
    # Cancelled before anything ran: every one of them is still pending.
    assert sum(timers[i].cancel() for i in before_run) == len(before_run)

    # The rest are cancelled from a ticking timer around their deadlines: each cancel races
    # with the expiry, and its count must say exactly which way the race went.
    during_run.sort(key=lambda i: timers[i].expiry())
    returned: dict[int, int] = {}
    ticker = steady_timer(ioc)
    position = [0]

    def tick(ec: error_code) -> None:
        limit = monotonic() + 0.005
        p = position[0]
        while p < len(during_run) and timers[during_run[p]].expiry() < limit:
            returned[during_run[p]] = timers[during_run[p]].cancel()
            p += 1
        position[0] = p
        if p < len(during_run):
            ticker.expires_after(0.004)
            ticker.async_wait(tick)

    ticker.async_wait(tick)
    ioc.run_for(5.0)
    assert ioc.stopped()

    assert calls == [1] * n
    assert early == [0]
    assert all(results[i] == operation_aborted for i in before_run)
    assert len(returned) == len(during_run)
    for i in during_run:
        assert results[i] == (operation_aborted if returned[i] == 1 else success)
    untouched = set(range(n)).difference(chosen)
    assert all(results[i] == success for i in untouched)


def test_rearming_one_timer_keeps_the_heap_small(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    timer = steady_timer(ioc)
    total = 100_000
    per_round = 1_000
    aborted = [0]
    heap_sizes: list[int] = []

    def on_wait(ec: error_code) -> None:
        if ec == operation_aborted:
            aborted[0] += 1

    def rearm_round(done: int) -> None:
        for _ in range(per_round):
            timer.expires_after(60.0)  # cancels the previous wait, as an idle timeout does
            timer.async_wait(on_wait)
        heap_sizes.append(len(use_scheduler(ioc).timers._heap))
        if done + per_round < total:
            post(ioc, functools.partial(rearm_round, done + per_round))
        else:
            timer.cancel()

    post(ioc, functools.partial(rearm_round, 0))
    run_ioc(ioc, 30.0)
    assert aborted == [total]
    assert max(heap_sizes) <= 200
    assert len(use_scheduler(ioc).timers) == 0
    assert len(use_scheduler(ioc).timers._heap) <= 200


# -- lifetimes (rule R10; Core v2 defect 2) -----------------------------------------------------


def test_a_completed_wait_keeps_nothing_of_the_handler(ioc: io_context) -> None:
    # session -> timer -> completed wait -> bound method -> session was a cycle that only
    # the cyclic GC broke: the timer remembered its last wait, which kept its handler.

    class session:
        def __init__(self) -> None:
            self.timer = steady_timer(ioc, 0)
            self.fired = 0

        def on_timer(self, ec: error_code) -> None:
            self.fired += 1

    s = session()
    s.timer.async_wait(s.on_timer)
    ref = weakref.ref(s)
    with gc_disabled():
        assert ioc.run_for(5.0) == 1
        assert s.fired == 1
        del s
        assert ref() is None, "the completed wait still held the session"


def test_a_cancelled_wait_lets_go_of_its_handler_before_its_expiry(ioc: io_context) -> None:
    # Issue 10 item 4: a cancelled wait stays in the timer heap (a tombstone) until its
    # expiry; it must not keep the session, and so its socket, alive until then.

    class session:
        def __init__(self) -> None:
            self.timer = steady_timer(ioc, 150.0)
            self.results: list[error_code] = []

        def on_timer(self, ec: error_code) -> None:
            self.results.append(ec)

    keep = steady_timer(ioc, 150.0)  # a live wait, so the tombstone is not compacted away
    keep.async_wait(lambda ec: None)
    s = session()
    s.timer.async_wait(s.on_timer)
    ref = weakref.ref(s)
    try:
        with gc_disabled():
            s.timer.cancel()
            assert ioc.run_one_for(5.0) == 1
            assert s.results == [operation_aborted]
            del s
            assert ref() is None, "the cancelled wait in the heap still held the session"
    finally:
        keep.cancel()
        ioc.run_for(5.0)
