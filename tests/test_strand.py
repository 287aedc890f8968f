"""Tests for asiolike.strand: serialisation, order, dispatch, exceptions, threads."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

import pytest

from asiolike import io_context, make_strand, make_work_guard, post, strand


def fail() -> None:
    raise ValueError("strand handler failed")


# -- construction ---------------------------------------------------------------------------


def test_construction_and_identity(ioc: io_context) -> None:
    s1 = make_strand(ioc)
    s2 = strand(ioc.get_executor())
    assert isinstance(s1, strand)
    assert s1.context() is ioc
    assert s1.get_inner_executor() == ioc.get_executor()
    assert s2.get_inner_executor() == ioc.get_executor()
    assert s1 == s1 and s1 != s2  # strands compare by identity
    assert hash(s1) != hash(s2) or s1 is s2
    assert len({s1, s2, s1}) == 2
    # A strand over a strand serialises on the inner executor of the first.
    s3 = strand(s1)
    assert s3.get_inner_executor() == ioc.get_executor()
    assert s3 != s1
    assert "strand on" in repr(s1)


def test_bad_inner_raises(ioc: io_context) -> None:
    with pytest.raises(TypeError, match="executor or an io_context"):
        strand(42)


def test_work_counting_goes_to_the_inner_executor(ioc: io_context) -> None:
    s = make_strand(ioc)
    s.on_work_started()
    assert ioc.has_outstanding_work()
    s.on_work_finished()
    assert not ioc.has_outstanding_work()
    guard = make_work_guard(s)
    assert guard.get_executor() is s
    assert ioc.has_outstanding_work()
    guard.reset()
    assert not ioc.has_outstanding_work()


# -- order and serialisation ------------------------------------------------------------------


def test_fifo_and_not_inline(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    s = make_strand(ioc)
    order: list[int] = []
    for i in range(100):
        s.post(functools.partial(order.append, i))
    assert order == []
    run_ioc(ioc)
    assert order == list(range(100))


def test_defer_is_post(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    s = make_strand(ioc)
    order: list[str] = []
    s.defer(lambda: order.append("deferred"))
    s.post(lambda: order.append("posted"))
    assert order == []
    run_ioc(ioc)
    assert order == ["deferred", "posted"]


def test_running_in_this_thread(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    s1 = make_strand(ioc)
    s2 = make_strand(ioc)
    seen: list[tuple[str, bool, bool]] = []
    assert not s1.running_in_this_thread()
    s1.post(lambda: seen.append(("s1", s1.running_in_this_thread(), s2.running_in_this_thread())))
    s2.post(lambda: seen.append(("s2", s1.running_in_this_thread(), s2.running_in_this_thread())))
    post(ioc, lambda: seen.append(("ioc", s1.running_in_this_thread(),
                                   s2.running_in_this_thread())))
    run_ioc(ioc)
    assert sorted(seen) == [("ioc", False, False), ("s1", True, False), ("s2", False, True)]
    assert not s1.running_in_this_thread()


def test_handlers_posted_meanwhile_wait_for_the_next_turn(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    # The invoker runs the batch present when it starts, then queues itself again behind
    # other work: a strand cannot starve the context.
    s = make_strand(ioc)
    order: list[str] = []

    def first() -> None:
        order.append("strand 1")
        s.post(lambda: order.append("strand 2"))

    s.post(first)
    post(ioc, lambda: order.append("plain"))
    run_ioc(ioc)
    assert order == ["strand 1", "plain", "strand 2"]


# -- dispatch -------------------------------------------------------------------------------


def test_dispatch_inline_inside_the_strand(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    s = make_strand(ioc)
    order: list[str] = []

    def handler() -> None:
        order.append("start")
        s.dispatch(lambda: order.append("dispatched"))
        order.append("end")

    s.post(handler)
    run_ioc(ioc)
    assert order == ["start", "dispatched", "end"]


def test_dispatch_outside_run_is_posted(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    s = make_strand(ioc)
    order: list[str] = []
    s.dispatch(lambda: order.append("dispatched"))
    assert order == []
    run_ioc(ioc)
    assert order == ["dispatched"]


def test_dispatch_from_plain_handler_is_posted(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    # Not inside the strand, even though inside run(): queued, never inline.
    s = make_strand(ioc)
    order: list[str] = []

    def handler() -> None:
        order.append("start")
        s.dispatch(lambda: order.append(f"dispatched in strand={s.running_in_this_thread()}"))
        order.append("end")

    post(ioc, handler)
    run_ioc(ioc)
    assert order == ["start", "end", "dispatched in strand=True"]


def test_dispatch_from_another_strand_is_posted(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    s1 = make_strand(ioc)
    s2 = make_strand(ioc)
    order: list[str] = []

    def handler() -> None:
        s2.dispatch(lambda: order.append("s2"))
        order.append("s1 end")

    s1.post(handler)
    run_ioc(ioc)
    assert order == ["s1 end", "s2"]


# -- exceptions -----------------------------------------------------------------------------


def test_exception_leaves_the_strand_usable(ioc: io_context) -> None:
    s = make_strand(ioc)
    order: list[int] = []
    s.post(functools.partial(order.append, 1))
    s.post(fail)
    s.post(functools.partial(order.append, 2))
    with pytest.raises(ValueError, match="strand handler failed"):
        ioc.run_for(5.0)
    assert order == [1]
    assert not s.running_in_this_thread()
    s.post(functools.partial(order.append, 3))
    assert ioc.run_for(5.0) >= 1
    assert order == [1, 2, 3]
    assert ioc.stopped()
    # Still serialising and usable afterwards.
    ioc.restart()
    s.post(functools.partial(order.append, 4))
    s.dispatch(functools.partial(order.append, 5))
    ioc.run_for(5.0)
    assert order == [1, 2, 3, 4, 5]


def test_exception_from_dispatch_inside_the_strand_propagates(ioc: io_context) -> None:
    s = make_strand(ioc)
    caught: list[str] = []

    def handler() -> None:
        try:
            s.dispatch(fail)
        except ValueError as exc:
            caught.append(str(exc))
        caught.append(f"still inside={s.running_in_this_thread()}")

    s.post(handler)
    ioc.run_for(5.0)
    assert caught == ["strand handler failed", "still inside=True"]


# -- threads --------------------------------------------------------------------------------


def test_never_concurrent_on_four_threads(
    ioc: io_context, run_threads: Callable[..., list[int]], fast_switching: None
) -> None:
    s = make_strand(ioc)
    inside = [False]
    overlaps = [0]
    order: list[tuple[int, int]] = []
    chains = 8
    steps = 250

    def step(chain: int, n: int) -> None:
        if inside[0]:
            overlaps[0] += 1
        inside[0] = True
        order.append((chain, n))
        total = 0
        for k in range(20):
            total += k
        inside[0] = False
        if n + 1 < steps:
            # Alternate between the strand and the plain context, so that every thread
            # keeps getting strand work.
            post(ioc, functools.partial(s.post, functools.partial(step, chain, n + 1)))

    # Every thread must be inside run() before the strand work starts.
    barrier = threading.Barrier(4)
    for _ in range(4):
        post(ioc, functools.partial(barrier.wait, 5.0))
    for chain in range(chains):
        s.post(functools.partial(step, chain, 0))
    run_threads(ioc, 4)
    assert overlaps == [0]
    assert len(order) == chains * steps
    for chain in range(chains):
        assert [n for c, n in order if c == chain] == list(range(steps))


def test_fifo_for_posts_from_other_threads(
    ioc: io_context, run_threads: Callable[..., list[int]], fast_switching: None
) -> None:
    s = make_strand(ioc)
    guard = make_work_guard(ioc)
    seen: list[list[int]] = [[], [], []]

    def poster(p: int) -> None:
        for i in range(2000):
            s.post(functools.partial(seen[p].append, i))

    def coordinator() -> None:
        threads = [threading.Thread(target=poster, args=(p,)) for p in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        guard.reset()

    thread = threading.Thread(target=coordinator)
    thread.start()
    run_threads(ioc, 3)
    thread.join(5.0)
    assert seen == [list(range(2000))] * 3
