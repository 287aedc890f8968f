"""Tests for asiolike.executor: free post/dispatch/defer, bind_executor, work guards."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

import asiolike
from asiolike import (
    bind_executor,
    defer,
    dispatch,
    executor_binder,
    executor_work_guard,
    get_associated_executor,
    io_context,
    make_strand,
    make_work_guard,
    post,
    use_future,
)
from asiolike.executor import as_executor

SUBMIT = {"post": post, "dispatch": dispatch, "defer": defer}


def targets(ioc: io_context) -> dict[str, Any]:
    """Everything the free functions accept, by name."""
    return {"ctx": ioc, "executor": ioc.get_executor(), "strand": make_strand(ioc)}


# -- free functions -------------------------------------------------------------------------


@pytest.mark.parametrize("how", sorted(SUBMIT))
@pytest.mark.parametrize("target", ["ctx", "executor", "strand"])
def test_submit_outside_run_is_queued(
    ioc: io_context, run_ioc: Callable[..., int], how: str, target: str
) -> None:
    where = targets(ioc)[target]
    calls: list[str] = []
    assert SUBMIT[how](where, lambda: calls.append(how)) is None
    assert calls == []
    run_ioc(ioc)
    assert calls == [how]


@pytest.mark.parametrize("target", ["ctx", "executor", "strand"])
def test_post_and_defer_never_inline_dispatch_inline_inside(
    ioc: io_context, run_ioc: Callable[..., int], target: str
) -> None:
    where = targets(ioc)[target]
    order: list[str] = []

    def handler() -> None:
        order.append("start")
        post(where, lambda: order.append("posted"))
        defer(where, lambda: order.append("deferred"))
        dispatch(where, lambda: order.append("dispatched"))
        order.append("end")

    # Start inside ``where`` (a strand handler for the strand case).
    post(where, handler)
    run_ioc(ioc)
    assert order == ["start", "dispatched", "end", "posted", "deferred"]


@pytest.mark.parametrize("how", sorted(SUBMIT))
def test_use_future(ioc: io_context, how: str) -> None:
    futures = [SUBMIT[how](where, use_future) for where in targets(ioc).values()]
    assert all(f is not None and not f.done() for f in futures)
    ioc.run_for(5.0)
    assert [f.result(0) for f in futures if f is not None] == [None, None, None]


def test_bad_arguments_raise_at_once(ioc: io_context) -> None:
    with pytest.raises(TypeError, match="completion handler"):
        post(ioc, 42)
    with pytest.raises(TypeError, match="completion handler"):
        dispatch(ioc.get_executor(), "not callable")
    with pytest.raises(TypeError, match="io_context or an executor"):
        post(object(), lambda: None)
    with pytest.raises(TypeError, match="io_context or an executor"):
        as_executor(42)
    assert not ioc.has_outstanding_work()


def test_as_executor(ioc: io_context) -> None:
    s = make_strand(ioc)
    assert as_executor(ioc) is ioc.get_executor()
    assert as_executor(ioc.get_executor()) is ioc.get_executor()
    assert as_executor(s) is s


def test_post_to_thread_pool_by_its_executor_provider() -> None:
    pool = asiolike.thread_pool(1)
    future = post(pool, use_future)
    assert future is not None
    assert future.result(5.0) is None
    pool.join()


# -- associated executors (R7) --------------------------------------------------------------


def test_bind_executor_runs_in_the_strand(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    s = make_strand(ioc)
    seen: list[tuple[str, bool]] = []

    def record(tag: str) -> None:
        seen.append((tag, s.running_in_this_thread()))

    post(ioc, bind_executor(s, functools.partial(record, "post ioc")))
    post(ioc.get_executor(), bind_executor(s, functools.partial(record, "post executor")))
    dispatch(ioc, bind_executor(s, functools.partial(record, "dispatch")))
    defer(ioc, bind_executor(s, functools.partial(record, "defer")))
    post(ioc, functools.partial(record, "unbound"))
    run_ioc(ioc)
    assert sorted(seen) == [
        ("defer", True),
        ("dispatch", True),
        ("post executor", True),
        ("post ioc", True),
        ("unbound", False),
    ]


def test_bound_handler_to_another_context_waits_for_that_context(ioc: io_context) -> None:
    # As in Asio's io_context test: dispatched through ioc, run by the bound context.
    other = io_context()
    count = [3]

    def decrement() -> None:
        if count[0] > 0:
            count[0] -= 1
            post(other, decrement)

    dispatch(ioc, bind_executor(other, decrement))
    assert ioc.run_for(5.0) == 1
    assert count == [3]
    assert other.run_for(5.0) == 4
    assert count == [0]
    other.close()


def test_bind_executor_forwards_arguments_and_result(ioc: io_context) -> None:
    s = make_strand(ioc)

    def add(a: int, b: int) -> int:
        return a + b

    bound = bind_executor(s, add)
    assert isinstance(bound, executor_binder)
    assert bound(2, 3) == 5
    assert bound.get() is add
    assert bound.get_executor() is s
    assert bound.associated_executor is s
    assert "bind_executor(" in repr(bound)


def test_bind_executor_to_a_context_uses_its_executor(ioc: io_context) -> None:
    bound = bind_executor(ioc, lambda: None)
    assert bound.get_executor() == ioc.get_executor()
    assert get_associated_executor(bound) == ioc.get_executor()


def test_bind_executor_needs_a_callable(ioc: io_context) -> None:
    with pytest.raises(TypeError, match="callable"):
        bind_executor(ioc, 42)  # type: ignore[arg-type]


def test_get_associated_executor(ioc: io_context) -> None:
    s = make_strand(ioc)

    def plain() -> None:
        pass

    class WithAttribute:
        associated_executor = s

        def __call__(self) -> None:
            pass

    assert get_associated_executor(plain) is None
    assert get_associated_executor(plain, ioc.get_executor()) is ioc.get_executor()
    assert get_associated_executor(functools.partial(plain)) is None
    assert get_associated_executor(bind_executor(s, plain)) is s
    assert get_associated_executor(bind_executor(s, plain), ioc.get_executor()) is s
    assert get_associated_executor(WithAttribute()) is s


def test_executor_equality(ioc: io_context) -> None:
    other = io_context()
    s = make_strand(ioc)
    assert ioc.get_executor() == ioc.get_executor()
    assert ioc.get_executor() == asiolike.io_context_executor(ioc)
    assert ioc.get_executor() != other.get_executor()
    assert ioc.get_executor() != s
    assert s == s
    assert s != make_strand(ioc)
    assert bind_executor(s, lambda: None).get_executor() == s
    other.close()


# -- work guards ----------------------------------------------------------------------------


def test_work_guard(ioc: io_context) -> None:
    guard = make_work_guard(ioc)
    assert isinstance(guard, executor_work_guard)
    assert guard.owns_work()
    assert guard.get_executor() == ioc.get_executor()
    assert ioc.has_outstanding_work()
    post(ioc, guard.reset)
    assert ioc.run_for(5.0) == 1
    assert ioc.stopped()
    assert not guard.owns_work()
    guard.reset()  # idempotent: no second release
    assert not ioc.has_outstanding_work()


def test_work_guard_context_manager_and_several_guards(ioc: io_context) -> None:
    with make_work_guard(ioc.get_executor()) as g1:
        g2 = executor_work_guard(make_strand(ioc))
        assert g1.owns_work() and g2.owns_work()
        g2.reset()
        assert ioc.has_outstanding_work()
    assert not g1.owns_work()
    assert not ioc.has_outstanding_work()


def test_work_guard_bad_argument() -> None:
    with pytest.raises(TypeError):
        make_work_guard(42)
