"""Tests for asiolike.io_context: the run functions, stop/restart, work, threads, wake-ups."""

from __future__ import annotations

import functools
import threading
import time
import weakref
from collections.abc import Callable

import pytest

import asiolike
from asiolike import io_context, make_strand, make_work_guard, post, use_future
from asiolike.detail.scheduler import scheduler, use_scheduler
from asiolike.detail.timer_queue import timer_queue
from tests.support.lifetimes import gc_disabled

RunFn = Callable[[io_context], int]

# Every run function, as a callable taking the context (bounded ones get a generous bound).
RUN_FUNCTIONS: dict[str, RunFn] = {
    "run": io_context.run,
    "run_one": io_context.run_one,
    "run_for": lambda c: c.run_for(5.0),
    "run_until": lambda c: c.run_until(time.monotonic() + 5.0),
    "run_one_for": lambda c: c.run_one_for(5.0),
    "run_one_until": lambda c: c.run_one_until(time.monotonic() + 5.0),
    "poll": io_context.poll,
    "poll_one": io_context.poll_one,
}


class Counter:
    """A handler that counts its calls (and the threads it ran on)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


def raise_error() -> None:
    raise ValueError("handler failed")


def wait_until_blocked(ctx: io_context, threads: int = 1) -> None:
    """Spin until ``threads`` threads of ``ctx`` wait for work (in the reactor or not)."""
    deadline = time.monotonic() + 5.0
    while use_scheduler(ctx).sleepers < threads:
        if time.monotonic() > deadline:
            pytest.fail("run() never blocked waiting for work")


# -- counts, stop, restart ------------------------------------------------------------------


def test_no_handler_runs_before_run(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    counter = Counter()
    post(ioc, counter)
    assert counter.calls == 0
    assert not ioc.stopped()
    assert ioc.has_outstanding_work()
    assert run_ioc(ioc) == 1
    assert counter.calls == 1
    assert ioc.stopped()


def test_run_returns_number_of_handlers(ioc: io_context) -> None:
    counter = Counter()
    for _ in range(5):
        post(ioc, counter)
    assert ioc.run() == 5
    assert counter.calls == 5


def test_run_out_of_work_stops_until_restart(ioc: io_context) -> None:
    assert ioc.run() == 0
    assert ioc.stopped()
    counter = Counter()
    post(ioc, counter)
    # Stopped by running out of work: a later run() does nothing until restart().
    assert ioc.run() == 0
    assert ioc.poll() == 0
    assert ioc.run_one() == 0
    assert counter.calls == 0
    ioc.restart()
    assert not ioc.stopped()
    assert ioc.run() == 1
    assert counter.calls == 1


def test_reset_is_restart(ioc: io_context) -> None:
    ioc.run()
    ioc.reset()
    assert not ioc.stopped()


def test_handlers_posted_from_handlers(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    remaining = [10]
    seen: list[int] = []

    def step() -> None:
        if remaining[0] > 0:
            remaining[0] -= 1
            before = remaining[0]
            post(ioc, step)
            # Handlers never nest: the posted one has not run yet.
            seen.append(remaining[0] - before)

    post(ioc, step)
    assert run_ioc(ioc) == 11
    assert remaining == [0]
    assert seen == [0] * 10


def test_run_one(ioc: io_context) -> None:
    counter = Counter()
    post(ioc, counter)
    post(ioc, counter)
    assert ioc.run_one() == 1
    assert counter.calls == 1
    assert not ioc.stopped()
    assert ioc.run_one() == 1
    assert counter.calls == 2
    assert ioc.run_one() == 0
    assert ioc.stopped()


def test_poll_runs_ready_handlers_only(ioc: io_context) -> None:
    counter = Counter()
    timer = asiolike.steady_timer(ioc, 60.0)
    results: list[asiolike.error_code] = []
    timer.async_wait(results.append)

    def chain() -> None:
        counter()
        if counter.calls < 3:
            post(ioc, chain)

    post(ioc, chain)
    assert ioc.poll() == 3  # handlers posted by handlers are ready too
    assert counter.calls == 3
    assert results == []
    assert not ioc.stopped()  # the pending wait is work: poll() does not stop the context
    assert ioc.poll() == 0
    assert timer.cancel() == 1
    assert ioc.poll() == 1
    assert results == [asiolike.error.operation_aborted]


def test_poll_one(ioc: io_context) -> None:
    counter = Counter()
    post(ioc, counter)
    post(ioc, counter)
    assert ioc.poll_one() == 1
    assert counter.calls == 1
    assert ioc.poll_one() == 1
    assert ioc.poll_one() == 0
    assert counter.calls == 2


def test_run_for_returns_after_the_bound(ioc: io_context) -> None:
    timer = asiolike.steady_timer(ioc, 60.0)
    timer.async_wait(lambda ec: None)
    counter = Counter()
    post(ioc, counter)
    start = time.monotonic()
    assert ioc.run_for(0.05) == 1
    assert time.monotonic() - start >= 0.05
    assert not ioc.stopped()  # returned for the time, not for lack of work
    assert ioc.has_outstanding_work()
    assert timer.cancel() == 1
    assert ioc.run_for(5.0) == 1
    assert ioc.stopped()


def test_run_until_and_run_one_until(ioc: io_context) -> None:
    timer = asiolike.steady_timer(ioc, 60.0)
    timer.async_wait(lambda ec: None)
    deadline = time.monotonic() + 0.03
    assert ioc.run_until(deadline) == 0
    assert time.monotonic() >= deadline
    assert ioc.run_one_until(time.monotonic() + 0.01) == 0
    assert ioc.run_one_for(0.01) == 0
    timer.cancel()
    assert ioc.run_one_until(time.monotonic() + 5.0) == 1
    assert ioc.run_until(time.monotonic() + 5.0) == 0
    assert ioc.stopped()


def _spin(seconds: float) -> None:
    # A handler that takes ``seconds`` of CPU (not a sleep: the loop is busy meanwhile).
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_run_for_checks_its_deadline_before_every_handler(ioc: io_context) -> None:
    # Core v2 defect 4: with 4 ms handlers, run_for(0.02) used to return after ~337 ms
    # (the deadline was looked at every 64 handlers). Now no handler starts after it.
    started: list[float] = []
    chain = [True]

    def slow() -> None:
        started.append(time.monotonic())
        _spin(0.004)
        if chain[0]:
            post(ioc, slow)

    post(ioc, slow)
    deadline = time.monotonic() + 0.02
    ran = ioc.run_until(deadline)
    assert ran == len(started) >= 1
    assert all(t < deadline for t in started), [t - deadline for t in started]
    chain[0] = False
    assert ioc.run_for(5.0) == 1  # the one still queued, which posts nothing


def test_run_until_a_past_deadline_runs_nothing(ioc: io_context) -> None:
    counter = Counter()
    for _ in range(10):
        post(ioc, counter)
    assert ioc.run_until(time.monotonic() - 1.0) == 0
    assert ioc.run_one_until(time.monotonic() - 1.0) == 0
    assert counter.calls == 0
    assert ioc.run_for(5.0) == 10


def test_run_lets_go_of_its_last_handler_while_it_waits(ioc: io_context) -> None:
    # Core v2 defect 1 (rule R10): run() kept the last handler it ran (and through it the
    # handler's object) until another handler ran. A session whose last handler starts
    # nothing new must be freed by reference counting alone while run() waits on.
    class session:
        def on_event(self) -> None:
            pass

    s = session()
    ref = weakref.ref(s)
    post(ioc, s.on_event)
    del s
    seen: list[object] = []
    timer = asiolike.steady_timer(ioc, 0.02)
    timer.async_wait(lambda ec: seen.append(ref()))
    with gc_disabled():
        assert ioc.run_for(5.0) == 2
    assert seen == [None], "run() still held the session's last handler while waiting"


def test_run_for_wakes_for_a_timer(ioc: io_context) -> None:
    timer = asiolike.steady_timer(ioc, 0.01)
    results: list[asiolike.error_code] = []
    timer.async_wait(results.append)
    assert ioc.run_for(5.0) == 1
    assert results == [asiolike.error.success]
    assert time.monotonic() >= timer.expiry()
    assert ioc.stopped()


def test_stop_from_handler_keeps_queued_handlers(ioc: io_context) -> None:
    counter = Counter()
    post(ioc, counter)
    post(ioc, ioc.stop)
    post(ioc, counter)
    post(ioc, counter)
    assert ioc.run() == 2
    assert ioc.stopped()
    assert counter.calls == 1
    assert ioc.has_outstanding_work()
    assert ioc.run() == 0  # still stopped
    ioc.restart()
    assert ioc.run() == 2
    assert counter.calls == 3


def test_stop_with_work_guard(ioc: io_context) -> None:
    # Asio's io_context test: with a guard, only the stop handler runs.
    guard = make_work_guard(ioc)
    post(ioc, ioc.stop)
    assert ioc.run() == 1
    assert ioc.stopped()
    ioc.restart()
    counter = Counter()
    post(ioc, counter)
    guard.reset()
    assert not guard.owns_work()
    assert ioc.run() == 1
    assert counter.calls == 1


def test_stop_before_run(ioc: io_context) -> None:
    counter = Counter()
    post(ioc, counter)
    ioc.stop()
    assert ioc.run() == 0
    assert counter.calls == 0
    ioc.restart()
    assert ioc.run() == 1


# -- handler exceptions (R4) ----------------------------------------------------------------


@pytest.mark.parametrize("run_name", sorted(RUN_FUNCTIONS))
def test_handler_exception_leaves_run_and_rest_still_runs(ioc: io_context, run_name: str) -> None:
    run = RUN_FUNCTIONS[run_name]
    counter = Counter()
    for f in (raise_error, counter, counter, raise_error, counter):
        post(ioc, f)
    errors = 0
    calls = 0
    while True:
        try:
            n = run(ioc)
        except ValueError as exc:
            assert str(exc) == "handler failed"
            errors += 1
            continue
        if n == 0:
            break
        calls += 1
        assert calls < 20
    assert errors == 2
    assert counter.calls == 3
    assert not ioc.has_outstanding_work()


@pytest.mark.parametrize("run_name", ["run", "run_for", "poll", "run_one"])
def test_an_index_error_from_a_handler_propagates(ioc: io_context, run_name: str) -> None:
    # The loop guards its own pop from an empty queue; that guard must not swallow the
    # same exception raised by a handler (R4).
    def handler() -> None:
        raise IndexError("the handler's own")

    counter = Counter()
    post(ioc, handler)
    post(ioc, counter)
    runner = getattr(ioc, run_name)
    with pytest.raises(IndexError, match="the handler's own"):
        runner(5.0) if run_name == "run_for" else runner()
    assert counter.calls == 0
    assert ioc.run_for(5.0) == 1 and counter.calls == 1


def test_exception_out_of_run_keeps_context_usable(ioc: io_context) -> None:
    post(ioc, raise_error)
    with pytest.raises(ValueError):
        ioc.run()
    assert not ioc.stopped()
    assert ioc.get_executor().running_in_this_thread() is False
    counter = Counter()
    post(ioc, counter)
    assert ioc.run() == 1
    assert counter.calls == 1


# -- nesting and dispatch -------------------------------------------------------------------


@pytest.mark.parametrize("run_name", sorted(RUN_FUNCTIONS))
def test_nested_run_raises(ioc: io_context, run_name: str) -> None:
    caught: list[BaseException] = []

    def nested() -> None:
        try:
            RUN_FUNCTIONS[run_name](ioc)
        except RuntimeError as exc:
            caught.append(exc)

    post(ioc, nested)
    assert ioc.run() == 1
    assert len(caught) == 1
    assert "own handlers" in str(caught[0])


def test_run_of_another_context_from_a_handler_is_allowed(ioc: io_context) -> None:
    other = io_context()
    counter = Counter()
    post(other, counter)
    post(ioc, other.run)
    assert ioc.run() == 1
    assert counter.calls == 1
    other.close()


def test_dispatch_inline_inside_run_posted_outside(ioc: io_context) -> None:
    order: list[str] = []
    ex = ioc.get_executor()
    ex.dispatch(lambda: order.append("outside"))
    assert order == []  # not inside run(): posted

    def handler() -> None:
        order.append("handler start")
        ex.dispatch(lambda: order.append("dispatched"))
        asiolike.dispatch(ioc, lambda: order.append("free dispatch"))
        order.append("handler end")

    post(ioc, handler)
    assert ioc.run() == 2
    assert order == ["outside", "handler start", "dispatched", "free dispatch", "handler end"]


def test_nested_dispatch_runs_to_zero_at_once(ioc: io_context) -> None:
    count = [10]
    after: list[int] = []

    def nested_decrement() -> None:
        if count[0] > 0:
            count[0] -= 1
            asiolike.dispatch(ioc, nested_decrement)
            after.append(count[0])  # the nested handlers already ran

    asiolike.dispatch(ioc, nested_decrement)
    assert count == [10]  # dispatch outside run() posts
    assert ioc.run() == 1
    assert count == [0]
    assert after == [0] * 10


def test_dispatch_to_other_context_is_posted(ioc: io_context) -> None:
    other = io_context()
    counter = Counter()
    post(ioc, lambda: asiolike.dispatch(other, counter))
    assert ioc.run() == 1
    assert counter.calls == 0
    assert other.run() == 1
    assert counter.calls == 1
    other.close()


def test_running_in_this_thread(ioc: io_context) -> None:
    ex = ioc.get_executor()
    other = io_context()
    seen: list[tuple[bool, bool]] = []
    assert ex.running_in_this_thread() is False
    post(ioc, lambda: seen.append((ex.running_in_this_thread(),
                                   other.get_executor().running_in_this_thread())))
    ioc.run()
    assert seen == [(True, False)]
    assert ex.running_in_this_thread() is False
    other.close()


# -- work and wake-ups from other threads ---------------------------------------------------


@pytest.mark.parametrize("unbounded", [False, True], ids=["run_for", "run"])
def test_work_guard_keeps_run_alive_until_reset_from_another_thread(
    ioc: io_context, run_threads: Callable[..., list[int]], unbounded: bool
) -> None:
    guard = make_work_guard(ioc)
    started = threading.Event()
    post(ioc, started.set)

    def releaser() -> None:
        started.wait(5.0)
        wait_until_blocked(ioc)
        guard.reset()

    thread = threading.Thread(target=releaser)
    thread.start()
    assert run_threads(ioc, 1, unbounded=unbounded) == [1]
    thread.join(5.0)
    assert ioc.stopped()  # ran out of work, did not time out
    assert not guard.owns_work()


@pytest.mark.parametrize("unbounded", [False, True], ids=["run_for", "run"])
@pytest.mark.parametrize("how", ["post", "dispatch", "defer", "executor.post", "stop"])
def test_other_thread_wakes_blocked_run(
    ioc: io_context, run_threads: Callable[..., list[int]], how: str, unbounded: bool
) -> None:
    guard = make_work_guard(ioc)
    started = threading.Event()
    runner: list[int] = []
    ran: list[int] = []

    def start() -> None:
        runner.append(threading.get_ident())
        started.set()

    def finish() -> None:
        ran.append(threading.get_ident())
        guard.reset()

    post(ioc, start)

    def waker() -> None:
        started.wait(5.0)
        wait_until_blocked(ioc)
        if how == "post":
            asiolike.post(ioc, finish)
        elif how == "dispatch":
            asiolike.dispatch(ioc, finish)
        elif how == "defer":
            asiolike.defer(ioc, finish)
        elif how == "executor.post":
            ioc.get_executor().post(finish)
        else:
            ioc.stop()

    thread = threading.Thread(target=waker, name="waker")
    thread.start()
    counts = run_threads(ioc, 1, unbounded=unbounded)
    thread.join(5.0)
    assert ioc.stopped()
    if how == "stop":
        assert counts == [1]
        assert ran == []
        guard.reset()
    else:
        assert counts == [2]
        assert ran == runner  # run by the thread running the context
        assert not ioc.has_outstanding_work()


@pytest.mark.parametrize("unbounded", [False, True], ids=["run_for", "run"])
@pytest.mark.parametrize("run_threads_count", [1, 3])
def test_four_threads_posting_while_run_blocks(
    ioc: io_context,
    run_threads: Callable[..., list[int]],
    run_threads_count: int,
    unbounded: bool,
) -> None:
    per_thread = 10_000
    hits = [0] * (4 * per_thread)
    guard = make_work_guard(ioc)

    def record(i: int) -> None:
        hits[i] += 1

    def poster(base: int) -> None:
        ex = ioc.get_executor()
        for i in range(base, base + per_thread):
            ex.post(functools.partial(record, i))

    def coordinator() -> None:
        posters = [threading.Thread(target=poster, args=(k * per_thread,)) for k in range(4)]
        for t in posters:
            t.start()
        for t in posters:
            t.join()
        # Released from a handler queued after every post, so nothing can be missed.
        post(ioc, guard.reset)

    thread = threading.Thread(target=coordinator)
    thread.start()
    counts = run_threads(ioc, run_threads_count, unbounded=unbounded)
    thread.join(5.0)
    assert sum(counts) == 4 * per_thread + 1
    assert hits == [1] * (4 * per_thread)


@pytest.mark.parametrize("unbounded", [False, True], ids=["run_for", "run"])
def test_strands_on_four_threads_never_overlap_and_keep_order(
    ioc: io_context, run_threads: Callable[..., list[int]], fast_switching: None, unbounded: bool
) -> None:
    strands = [make_strand(ioc) for _ in range(8)]
    per_strand = 300
    inside = [False] * 8
    overlaps = [0]
    # order[s][p]: the sequence numbers poster p's handlers on strand s ran with.
    order: list[list[list[int]]] = [[[], []] for _ in range(8)]
    guard = make_work_guard(ioc)

    def handler(s: int, p: int, seq: int) -> None:
        if inside[s]:
            overlaps[0] += 1
        inside[s] = True
        order[s][p].append(seq)
        # Some work, so that another thread gets a chance to interleave.
        total = 0
        for k in range(20):
            total += k
        inside[s] = False

    def poster(p: int) -> None:
        for seq in range(per_strand):
            for s, st in enumerate(strands):
                post(st, functools.partial(handler, s, p, seq))

    def coordinator() -> None:
        posters = [threading.Thread(target=poster, args=(p,)) for p in range(2)]
        for t in posters:
            t.start()
        for t in posters:
            t.join()
        guard.reset()

    # Every thread must be inside run() before the strand work starts.
    barrier = threading.Barrier(4)
    for _ in range(4):
        post(ioc, functools.partial(barrier.wait, 5.0))
    thread = threading.Thread(target=coordinator)
    thread.start()
    run_threads(ioc, 4, unbounded=unbounded)
    thread.join(5.0)
    assert overlaps == [0]
    assert order == [[list(range(per_strand))] * 2] * 8


@pytest.mark.parametrize("unbounded", [False, True], ids=["run_for", "run"])
def test_run_on_several_threads_returns_everywhere_when_work_runs_out(
    ioc: io_context, run_threads: Callable[..., list[int]], unbounded: bool
) -> None:
    timer = asiolike.steady_timer(ioc, 0.02)
    fired: list[asiolike.error_code] = []
    timer.async_wait(fired.append)
    counter = Counter()
    for _ in range(100):
        post(ioc, counter)
    counts = run_threads(ioc, 4, unbounded=unbounded)
    assert sum(counts) == 101
    assert counter.calls == 100
    assert fired == [asiolike.error.success]


@pytest.mark.parametrize("unbounded", [False, True], ids=["run_for", "run"])
def test_run_on_several_threads_with_nothing_to_do(
    ioc: io_context, run_threads: Callable[..., list[int]], unbounded: bool
) -> None:
    assert run_threads(ioc, 4, unbounded=unbounded) == [0, 0, 0, 0]


# -- futures, close, misc -------------------------------------------------------------------


def test_post_use_future(ioc: io_context) -> None:
    future = post(ioc, use_future)
    assert future is not None
    assert not future.done()
    assert ioc.run() == 1
    assert future.result(0) is None


def test_use_future_from_another_thread(ioc: io_context) -> None:
    guard = make_work_guard(ioc)
    results: list[object] = []

    def client() -> None:
        future = asiolike.post(ioc, use_future)
        assert future is not None
        results.append(future.result(5.0))
        guard.reset()

    thread = threading.Thread(target=client)
    thread.start()
    assert ioc.run_for(5.0) == 1
    thread.join(5.0)
    assert results == [None]
    assert ioc.stopped()


def test_close_drops_handlers_and_forbids_run() -> None:
    ctx = io_context()
    counter = Counter()
    post(ctx, counter)
    ctx.close()
    assert counter.calls == 0
    assert not ctx.has_outstanding_work()
    assert ctx.stopped()
    with pytest.raises(RuntimeError, match="after close"):
        ctx.run()
    ctx.close()  # idempotent


def test_context_manager_closes() -> None:
    with io_context() as ctx:
        post(ctx, Counter())
    with pytest.raises(RuntimeError):
        ctx.poll()


def test_executor_identity_and_repr(ioc: io_context) -> None:
    ex = ioc.get_executor()
    assert ex is ioc.get_executor()
    assert ex.context() is ioc
    assert ex == asiolike.io_context_executor(ioc)
    assert hash(ex) == hash(asiolike.io_context_executor(ioc))
    other = io_context()
    assert ex != other.get_executor()
    assert "io_context_executor" in repr(ex)
    assert repr(ioc) == "<io_context idle queued=0 work=0>"
    post(ioc, Counter())
    assert repr(ioc) == "<io_context idle queued=1 work=0>"
    ioc.run()
    assert repr(ioc) == "<io_context stopped queued=0 work=0>"
    other.close()
    io_context(concurrency_hint=1).close()


# -- lost wake-ups (each of these hung run() before the fix it names) -----------------------


def test_guard_reset_racing_with_run_going_to_sleep(fast_switching: None) -> None:
    # The releasing thread drops the last work while run() is between its check of the
    # work and blocking in the reactor. Cancelled waits left in the timer heap lengthen
    # that stretch (next_expiry() pops them), so the race shows within a few hundred
    # rounds; a lost wake-up would keep run_for() until its bound.
    for _ in range(2000):
        ctx = io_context()
        try:
            waits = [asiolike.steady_timer(ctx, 60.0) for _ in range(60)]
            for t in waits:
                t.async_wait(lambda ec: None)
            for t in waits:
                t.cancel()
            guard = make_work_guard(ctx)
            go = threading.Event()
            post(ctx, go.set)

            def release(g: asiolike.executor_work_guard = guard, e: threading.Event = go) -> None:
                e.wait(5.0)
                g.reset()

            thread = threading.Thread(target=release)
            thread.start()
            start = time.monotonic()
            ctx.run_for(2.0)
            thread.join(5.0)
            assert time.monotonic() - start < 1.5, "run() missed the release of its last work"
            assert ctx.stopped()
        finally:
            ctx.close()


def test_timer_started_while_run_goes_to_sleep(ioc: io_context) -> None:
    # White-box, to force the interleaving without sleeps: pause run() right after it read
    # the earliest expiry (none) and before it blocks, start a wait from another thread
    # there, then let run() block. It must still wake for the new wait.
    paused = threading.Event()
    armed = threading.Event()

    class pausing_timer_queue(timer_queue):
        def next_expiry(self) -> float | None:
            expiry = super().next_expiry()
            if not paused.is_set():
                paused.set()
                armed.wait(5.0)
            return expiry

    class pausing_scheduler(scheduler):
        def __init__(self, ctx: io_context, handler_tracking: None) -> None:
            super().__init__(ctx, handler_tracking)
            self.timers = pausing_timer_queue(self)
            self._timer_heap = self.timers.heap

    _replace_scheduler(ioc, pausing_scheduler)
    guard = make_work_guard(ioc)
    timer = asiolike.steady_timer(ioc)  # already expired
    fired: list[asiolike.error_code] = []

    def on_timer(ec: asiolike.error_code) -> None:
        fired.append(ec)
        guard.reset()

    def arm() -> None:
        paused.wait(5.0)
        timer.async_wait(on_timer)
        armed.set()

    thread = threading.Thread(target=arm)
    thread.start()
    start = time.monotonic()
    assert ioc.run_for(5.0) == 1
    thread.join(5.0)
    assert time.monotonic() - start < 4.0, "run() slept through a timer started meanwhile"
    assert fired == [asiolike.error.success]
    assert ioc.stopped()


def _replace_scheduler(ctx: io_context, scheduler_type: type[scheduler]) -> None:
    """White-box: give a fresh ``ctx`` a scheduler of ``scheduler_type``, which overrides a step.

    A subclass rather than a method patched on the instance: the compiled build's scheduler
    and timer queue are native classes, whose instances' methods cannot be replaced, but
    which allow interpreted subclasses (docs/explanation/compiled.rst).
    """
    ctx._scheduler.close()
    ctx._scheduler = scheduler_type(ctx, None)


def _pause_before_blocking_alone(ctx: io_context, act: Callable[[], object]) -> threading.Event:
    """Make ``run()``'s single-thread blocking path call ``act`` on another thread first.

    White-box, to force an interleaving without sleeps: ``run()`` has decided to block (work
    pending, no timers) but has not blocked yet when ``act`` runs. Returns an event set
    once ``act`` has run. Call it on a fresh ``ctx``, before anything uses it.
    """
    acted = threading.Event()

    def act_and_flag() -> None:
        act()
        acted.set()

    class pausing_scheduler(scheduler):
        def _block_alone(self) -> None:
            if not acted.is_set():
                thread = threading.Thread(target=act_and_flag)
                thread.start()
                thread.join(5.0)
            super()._block_alone()

    _replace_scheduler(ctx, pausing_scheduler)
    return acted


def test_run_alone_sees_last_work_released_before_it_blocks(
    ioc: io_context, run_threads: Callable[..., list[int]]
) -> None:
    guards: list[asiolike.executor_work_guard] = []
    acted = _pause_before_blocking_alone(ioc, lambda: guards.pop().reset())
    guards.append(make_work_guard(ioc))
    assert run_threads(ioc, 1, unbounded=True) == [0]
    assert acted.is_set()
    assert ioc.stopped()


def test_run_alone_sees_timer_started_before_it_blocks(
    ioc: io_context, run_threads: Callable[..., list[int]]
) -> None:
    timers: list[asiolike.steady_timer] = []
    acted = _pause_before_blocking_alone(ioc, lambda: timers[0].async_wait(on_timer))
    guard = make_work_guard(ioc)
    timers.append(asiolike.steady_timer(ioc))  # already expired
    fired: list[asiolike.error_code] = []

    def on_timer(ec: asiolike.error_code) -> None:
        fired.append(ec)
        guard.reset()

    assert run_threads(ioc, 1, unbounded=True) == [1]
    assert acted.is_set()
    assert fired == [asiolike.error.success]


def test_a_long_handler_leaves_the_reactor_to_another_thread(
    ioc: io_context, run_threads: Callable[..., list[int]]
) -> None:
    # One thread blocks in the reactor, the other waits for handlers. A read completes and
    # its handler blocks until a timer fires: another thread must take the reactor over
    # (as Asio's scheduler hands its task on), or the timer waits for the handler.
    a = asiolike.local.stream_protocol.socket(ioc)
    b = asiolike.local.stream_protocol.socket(ioc)
    asiolike.local.connect_pair(a, b)
    fired = threading.Event()
    waited: list[bool] = []
    timer = asiolike.steady_timer(ioc, 0.2)
    timer.async_wait(lambda ec: fired.set())

    def on_read(ec: asiolike.error_code, n: int) -> None:
        waited.append(fired.wait(5.0))  # the handler that holds its thread

    a.async_read_some(bytearray(8), on_read)

    def writer() -> None:
        wait_until_blocked(ioc, 2)  # one thread in the reactor, one waiting for handlers
        b.write_some(b"x")

    thread = threading.Thread(target=writer, name="writer")
    thread.start()
    started = time.monotonic()
    run_threads(ioc, 2)
    thread.join(5.0)
    assert waited == [True]
    assert time.monotonic() - started < 2.0  # the timer fired on time, not after 5 s
    a.close()
    b.close()
