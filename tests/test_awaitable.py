"""Tests for the awaitable operators (| and &), make_parallel_group and deferred.

Each group completes once (R2), after every operand has finished, never inside the call
that started it (R1); a loser is cancelled with terminal cancellation; no work is left (R3);
the group keeps nothing once done (R10).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import Any

import pytest

import asiolike as net
from asiolike.error import operation_aborted, success
from asiolike.experimental import (
    make_parallel_group,
    wait_for_all,
    wait_for_one,
    wait_for_one_error,
    wait_for_one_success,
)


def wait(ioc: net.io_context, seconds: float) -> Any:
    return net.steady_timer(ioc, seconds).async_wait(net.use_awaitable)


async def value_after(ioc: net.io_context, seconds: float, value: Any) -> Any:
    await net.steady_timer(ioc, seconds).async_wait(net.use_awaitable)
    return value


async def fail_after(ioc: net.io_context, seconds: float, message: str) -> Any:
    await net.steady_timer(ioc, seconds).async_wait(net.use_awaitable)
    raise ValueError(message)


def spawn(ioc: net.io_context, coro: Any) -> Any:
    return net.co_spawn(ioc, coro, net.use_awaitable)


def run_coroutine(ioc: net.io_context, body: Any, run_ioc: Callable[..., int]) -> Any:
    f = net.co_spawn(ioc, body, net.use_future)
    run_ioc(ioc)
    return f.result(0)


def test_or_first_success_wins_and_loser_is_cancelled(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    async def body() -> Any:
        start = time.monotonic()
        result = await (wait(ioc, 10) | spawn(ioc, value_after(ioc, 0.01, "fast")))
        return result, time.monotonic() - start

    result, took = run_coroutine(ioc, body(), run_ioc)
    assert result == (1, "fast")
    assert took < 5  # the 10 s timer was cancelled, not waited for


def test_or_waits_for_a_success_and_raises_first_error_when_all_fail(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    async def body() -> Any:
        got = await (
            spawn(ioc, fail_after(ioc, 0, "first")) | spawn(ioc, value_after(ioc, 0.02, 9))
        )
        try:
            await (spawn(ioc, fail_after(ioc, 0.01, "a")) | fail_after(ioc, 0.03, "b"))
        except ValueError as exc:
            return got, str(exc)
        return got, None

    assert run_coroutine(ioc, body(), run_ioc) == ((1, 9), "a")


def test_and_gives_every_value_and_none_for_no_value(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    async def body() -> Any:
        return await (wait(ioc, 0.01) & spawn(ioc, value_after(ioc, 0, 2)) & value_after(ioc, 0, 3))

    assert run_coroutine(ioc, body(), run_ioc) == (None, 2, 3)


def test_and_cancels_the_rest_on_failure(ioc: net.io_context, run_ioc: Callable[..., int]) -> None:
    async def body() -> Any:
        start = time.monotonic()
        try:
            await (wait(ioc, 10) & spawn(ioc, fail_after(ioc, 0.01, "broke")))
        except ValueError as exc:
            return str(exc), time.monotonic() - start
        return None

    msg, took = run_coroutine(ioc, body(), run_ioc)
    assert msg == "broke" and took < 5


def test_chains_flatten(ioc: net.io_context, run_ioc: Callable[..., int]) -> None:
    async def body() -> Any:
        a = await (wait(ioc, 10) | wait(ioc, 10) | spawn(ioc, value_after(ioc, 0, "c")))
        b = await (
            spawn(ioc, value_after(ioc, 0, 1))
            & spawn(ioc, value_after(ioc, 0, 2))
            & spawn(ioc, value_after(ioc, 0, 3))
            & wait(ioc, 0)
        )
        return a, b

    assert run_coroutine(ioc, body(), run_ioc) == ((2, "c"), (1, 2, 3, None))


def test_cancelled_spawned_loser_sees_operation_aborted(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    seen: list[Any] = []

    async def loser() -> None:
        try:
            await net.steady_timer(ioc, 10).async_wait(net.use_awaitable)
        except net.system_error as exc:
            seen.append(exc.code)
            raise

    async def body() -> Any:
        return await (spawn(ioc, loser()) | wait(ioc, 0.01))

    assert run_coroutine(ioc, body(), run_ioc) == (1, None)
    assert seen == [operation_aborted]


def test_operators_reject_other_objects() -> None:
    ioc = net.io_context()
    op = net.post(ioc, net.use_awaitable)
    with pytest.raises(TypeError, match="awaitable operators"):
        op | 5
    ioc.close()


def test_group_keeps_nothing_after_completion(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    class marker:
        pass

    refs: list[weakref.ref[marker]] = []

    async def child() -> marker:
        m = marker()
        refs.append(weakref.ref(m))
        await net.post(ioc, net.use_awaitable)
        return m

    async def body() -> None:
        await (spawn(ioc, child()) & spawn(ioc, child()))

    run_coroutine(ioc, body(), run_ioc)
    assert len(refs) == 2 and all(r() is None for r in refs)


# -- make_parallel_group ------------------------------------------------------------------


def test_parallel_group_wait_for_all_flattened_shape(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    t1 = net.steady_timer(ioc, 0.02)
    t2 = net.steady_timer(ioc, 0.0)
    calls: list[tuple[Any, ...]] = []
    group = make_parallel_group(t1.async_wait(net.deferred), t2.async_wait(net.deferred))
    group.async_wait(wait_for_all(), lambda *args: calls.append(args))
    assert calls == []  # R1
    run_ioc(ioc)
    assert calls == [([1, 0], success, success)]
    with pytest.raises(RuntimeError):
        group.async_wait(wait_for_all(), lambda *args: None)


def test_parallel_group_wait_for_one_cancels_the_rest(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    slow = net.steady_timer(ioc, 10)
    fast = net.steady_timer(ioc, 0.01)
    calls: list[tuple[Any, ...]] = []
    make_parallel_group(slow.async_wait(net.deferred), fast.async_wait(net.deferred)).async_wait(
        wait_for_one(), lambda *args: calls.append(args)
    )
    run_ioc(ioc, timeout=3)
    assert calls == [([1, 0], operation_aborted, success)]


def test_parallel_group_success_and_error_conditions(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    calls: list[tuple[Any, ...]] = []

    # wait_for_one_success: the first (cancelled) failure does not stop the others.
    doomed = net.steady_timer(ioc, 10)
    net.post(ioc, doomed.cancel)
    ok = net.steady_timer(ioc, 0.01)
    make_parallel_group(doomed.async_wait(net.deferred), ok.async_wait(net.deferred)).async_wait(
        wait_for_one_success(), lambda *args: calls.append(args)
    )
    run_ioc(ioc, timeout=3)
    assert calls == [([0, 1], operation_aborted, success)]

    # wait_for_one_error: a success does not cancel; the failure cancels the slow one.
    calls.clear()
    ioc.restart()
    quick = net.steady_timer(ioc, 0)
    slow = net.steady_timer(ioc, 10)

    async def fails() -> None:
        await net.steady_timer(ioc, 0.02).async_wait(net.use_awaitable)
        raise ValueError("x")

    make_parallel_group(
        quick.async_wait(net.deferred),
        net.co_spawn(ioc, fails(), net.deferred),
        slow.async_wait(net.deferred),
    ).async_wait(wait_for_one_error(), lambda *args: calls.append(args))
    run_ioc(ioc, timeout=3)
    assert len(calls) == 1
    order, ec0, exc, result, ec2 = calls[0]
    assert order == [0, 1, 2] and ec0 == success and isinstance(exc, ValueError)
    assert result is None and ec2 == operation_aborted


def test_parallel_group_with_use_awaitable(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    async def body() -> Any:
        a = net.steady_timer(ioc, 0.01)
        b = net.steady_timer(ioc, 0)
        return await make_parallel_group(
            a.async_wait(net.deferred), b.async_wait(net.deferred)
        ).async_wait(wait_for_all(), net.use_awaitable)

    assert run_coroutine(ioc, body(), run_ioc) == ([1, 0], success, success)


def test_parallel_group_rejects_non_operations() -> None:
    with pytest.raises(TypeError, match="deferred"):
        make_parallel_group(42)


# -- deferred -------------------------------------------------------------------------------


def test_deferred_starts_only_when_given_a_token(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    calls: list[Any] = []
    d = net.post(ioc, net.deferred)
    run_ioc(ioc)
    assert calls == []  # nothing started
    ioc.restart()
    assert d(lambda: calls.append("ran")) is None
    with pytest.raises(RuntimeError, match="runs once"):
        d(lambda: None)
    run_ioc(ioc)
    assert calls == ["ran"]
    ioc.restart()
    f = net.steady_timer(ioc, 0).async_wait(net.deferred)(net.use_future)
    run_ioc(ioc)
    assert f.result(0) is None


def test_deferred_is_awaitable(ioc: net.io_context, run_ioc: Callable[..., int]) -> None:
    async def body() -> Any:
        await net.steady_timer(ioc, 0).async_wait(net.deferred)
        return await net.co_spawn(ioc, value_after(ioc, 0, 4), net.deferred)

    assert run_coroutine(ioc, body(), run_ioc) == 4


# -- several threads (R9) ----------------------------------------------------------------


@pytest.mark.parametrize("threads", [1, 4])
def test_operators_and_groups_on_threads(
    threads: int, ioc: net.io_context, run_threads: Callable[..., list[int]]
) -> None:
    import threading

    lock = threading.Lock()
    results: list[Any] = []

    async def body(i: int) -> None:
        ex = await net.this_coro.executor
        for _ in range(5):
            a = await (wait(ioc, 10) | spawn(ioc, value_after(ioc, 0, i)))
            b = await (spawn(ioc, value_after(ioc, 0, i)) & wait(ioc, 0) & value_after(ioc, 0, -i))
            c = await make_parallel_group(
                net.steady_timer(ex, 0).async_wait(net.deferred),
                net.steady_timer(ex, 10).async_wait(net.deferred),
            ).async_wait(wait_for_one(), net.use_awaitable)
            with lock:
                results.append((a, b, sorted(c[0]), c[1:]))

    for i in range(40):
        net.co_spawn(ioc, body(i), net.detached)
    run_threads(ioc, threads, timeout=20)
    assert len(results) == 200
    for a, b, order, rest in results:
        i = a[1]
        assert a == (1, i) and b == (i, None, -i)
        assert order == [0, 1] and rest == (success, operation_aborted)


def test_strand_coroutines_on_threads_never_overlap(
    ioc: net.io_context, run_threads: Callable[..., list[int]]
) -> None:
    s = net.make_strand(ioc)
    inside = [0]
    overlaps: list[int] = []
    done: list[int] = []

    async def body(i: int) -> None:
        for _ in range(20):
            inside[0] += 1
            if inside[0] != 1:
                overlaps.append(i)
            inside[0] -= 1
            await net.steady_timer(ioc, 0).async_wait(net.use_awaitable)
            if not s.running_in_this_thread():
                overlaps.append(-i)
        done.append(i)

    for i in range(20):
        net.co_spawn(s, body(i), net.detached)
    run_threads(ioc, 4)
    assert overlaps == [] and sorted(done) == list(range(20))


def test_parallel_group_handler_runs_on_its_associated_executor(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    s = net.make_strand(ioc)
    seen: list[bool] = []
    make_parallel_group(
        net.steady_timer(ioc, 0).async_wait(net.deferred),
        net.post(ioc, net.deferred),
    ).async_wait(
        wait_for_all(), net.bind_executor(s, lambda *args: seen.append(s.running_in_this_thread()))
    )
    run_ioc(ioc)
    assert seen == [True]
