"""Tests for asiolike.thread_pool: running work, join, stop, handler exceptions."""

from __future__ import annotations

import functools
import os
import threading

import pytest

import asiolike
from asiolike import make_strand, post, steady_timer, thread_pool, use_future
from asiolike.error import error_code, success


def test_join_waits_for_posted_work() -> None:
    pool = thread_pool(4)
    done = [0] * 1000
    names: set[str] = set()
    lock = threading.Lock()

    def work(i: int) -> None:
        with lock:
            done[i] += 1
            names.add(threading.current_thread().name)

    for i in range(1000):
        post(pool, functools.partial(work, i))
    pool.join()
    assert done == [1] * 1000
    assert names <= {f"asiolike-pool-{i}" for i in range(4)}
    assert pool.context().stopped()


def test_join_waits_for_chained_work_and_timers() -> None:
    pool = thread_pool(2)
    results: list[error_code] = []
    steps = [0]

    def step() -> None:
        steps[0] += 1
        if steps[0] < 50:
            post(pool, step)
        else:
            timer = steady_timer(pool.get_executor(), 0.01)
            timer.async_wait(results.append)

    post(pool, step)
    pool.join()
    assert steps == [50]
    assert results == [success]


def test_executor_and_context() -> None:
    pool = thread_pool(1)
    assert pool.get_executor() == pool.context().get_executor()
    assert pool.get_executor().context() is pool.context()
    future = post(pool, use_future)
    assert future is not None
    assert future.result(5.0) is None
    on_pool = asiolike.dispatch(
        pool, use_future
    )
    assert on_pool is not None
    assert on_pool.result(5.0) is None
    pool.wait()  # Asio's other name for join


def test_strand_on_a_pool_serialises() -> None:
    pool = thread_pool(4)
    s = make_strand(pool.get_executor())
    inside = [False]
    overlaps = [0]
    order: list[int] = []

    def work(i: int) -> None:
        if inside[0]:
            overlaps[0] += 1
        inside[0] = True
        order.append(i)
        inside[0] = False

    for i in range(2000):
        s.post(functools.partial(work, i))
    pool.join()
    assert overlaps == [0]
    assert order == list(range(2000))


def test_stop_abandons_queued_handlers() -> None:
    pool = thread_pool(1)
    ran: list[str] = []
    gate = threading.Event()

    def first() -> None:
        ran.append("first")
        gate.wait(5.0)
        pool.stop()

    post(pool, first)
    for _ in range(10):
        post(pool, lambda: ran.append("abandoned"))
    gate.set()
    pool.join()
    assert ran == ["first"]


def test_handler_exception_is_reraised_by_join() -> None:
    pool = thread_pool(2)
    done = [0]

    def fail() -> None:
        raise ValueError("pool handler failed")

    post(pool, fail)
    for _ in range(100):
        post(pool, lambda: done.__setitem__(0, done[0] + 1))
    with pytest.raises(ValueError, match="pool handler failed"):
        pool.join()
    assert done == [100]  # the exception did not stop the rest of the work


def test_join_releases_the_pools_descriptors() -> None:
    def open_fds() -> int:
        return len(os.listdir(f"/proc/{os.getpid()}/fd"))

    if not os.path.isdir(f"/proc/{os.getpid()}/fd"):
        pytest.skip("needs /proc to count descriptors")
    before = open_fds()
    for _ in range(20):
        thread_pool(1).join()
    assert open_fds() == before


def test_needs_a_thread() -> None:
    with pytest.raises(ValueError, match="at least one thread"):
        thread_pool(0)
