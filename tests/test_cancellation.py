"""Tests for asiolike.cancellation: signals and slots, bind_cancellation_slot, cancel_after.

Honoured today by steady_timer.async_wait (terminal, partial, total), by co_spawn (forwarded
to the awaited operation) and by the groups. A cancelled operation completes exactly once
with operation_aborted (R2), never inside emit() (R1); a cancellation that races with the
completion changes nothing; cancel_after never cancels early.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

import asiolike as net
from asiolike.error import operation_aborted, success

T = net.cancellation_type


def test_cancellation_type_values() -> None:
    assert T.none == 0 and T.terminal == 1 and T.partial == 2 and T.total == 4
    assert T.all == T.terminal | T.partial | T.total


def test_signal_and_slot() -> None:
    sig = net.cancellation_signal()
    slot = sig.slot()
    assert slot.is_connected() and not slot.has_handler()
    got: list[Any] = []
    slot.assign(got.append)
    assert slot.has_handler()
    sig.emit(T.partial)
    assert got == [T.partial]
    slot.clear()
    sig.emit()
    assert got == [T.partial]
    assert sig.slot() == slot
    unconnected = net.cancellation_slot()
    assert not unconnected.is_connected()
    with pytest.raises(RuntimeError, match="unconnected"):
        unconnected.assign(got.append)
    unconnected.clear()  # harmless


def test_get_associated_cancellation_slot() -> None:
    def handler(ec: net.error_code) -> None:
        pass

    assert not net.get_associated_cancellation_slot(handler).is_connected()
    sig = net.cancellation_signal()
    bound = net.bind_cancellation_slot(sig.slot(), handler)
    assert net.get_associated_cancellation_slot(bound) == sig.slot()
    with pytest.raises(TypeError):
        net.bind_cancellation_slot("slot", handler)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [T.terminal, T.partial, T.total])
def test_timer_wait_cancelled_with_each_supported_type(
    kind: net.cancellation_type, ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    sig = net.cancellation_signal()
    t = net.steady_timer(ioc, 10)
    got: list[Any] = []
    t.async_wait(net.bind_cancellation_slot(sig.slot(), got.append))
    sig.emit(kind)
    assert got == []  # R1: never inside emit
    run_ioc(ioc, timeout=3)
    assert got == [operation_aborted]
    # The timer is usable again, as if the wait had never started.
    t.expires_after(0)
    t.async_wait(got.append)
    ioc.restart()
    run_ioc(ioc)
    assert got == [operation_aborted, success]


def test_emit_of_an_unsupported_type_is_ignored(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    sig = net.cancellation_signal()
    t = net.steady_timer(ioc, 0.01)
    got: list[Any] = []
    t.async_wait(net.bind_cancellation_slot(sig.slot(), got.append))
    sig.emit(T.none)
    run_ioc(ioc)
    assert got == [success]


def test_cancellation_racing_with_completion_completes_once(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    sig = net.cancellation_signal()
    t = net.steady_timer(ioc, 0)
    got: list[Any] = []
    t.async_wait(net.bind_cancellation_slot(sig.slot(), got.append))
    ioc.run_one()  # completed: the result is in
    assert got == [success]
    sig.emit(T.terminal)  # too late: nothing happens
    sig.emit(T.terminal)
    run_ioc(ioc)
    assert got == [success]

    # Expired but not yet delivered: the expiry wins, exactly once.
    ioc.restart()
    t2 = net.steady_timer(ioc, 0)
    t2.async_wait(net.bind_cancellation_slot(sig.slot(), got.append))
    ioc.poll_one()  # a no-op post, so the due timer is moved to the queue
    sig.emit(T.terminal)
    run_ioc(ioc)
    assert got.count(success) + got.count(operation_aborted) == 2


def test_bind_cancellation_slot_on_use_future_and_use_awaitable(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    sig = net.cancellation_signal()
    f = net.steady_timer(ioc, 10).async_wait(net.bind_cancellation_slot(sig.slot(), net.use_future))
    net.post(ioc, lambda: sig.emit(T.terminal))
    run_ioc(ioc, timeout=3)
    with pytest.raises(net.system_error) as info:
        f.result(0)
    assert info.value.code == operation_aborted

    ioc.restart()
    sig2 = net.cancellation_signal()

    async def body() -> Any:
        net.post(ioc, lambda: sig2.emit(T.terminal))
        t = net.steady_timer(ioc, 10)
        token = net.bind_cancellation_slot(sig2.slot(), net.as_tuple(net.use_awaitable))
        return await t.async_wait(token)

    f2 = net.co_spawn(ioc, body(), net.use_future)
    run_ioc(ioc, timeout=3)
    assert f2.result(0) == (operation_aborted,)


def test_cancel_after_never_early(ioc: net.io_context, run_ioc: Callable[..., int]) -> None:
    got: list[tuple[Any, float]] = []
    start = time.monotonic()
    for delay in (0.01, 0.03, 0.05):
        t = net.steady_timer(ioc, 10)
        t.async_wait(net.cancel_after(delay, lambda ec, d=delay: got.append((ec, d))))  # type: ignore[misc]
    run_ioc(ioc, timeout=3)
    ends = time.monotonic()
    assert [d for _, d in got] == [0.01, 0.03, 0.05]
    assert all(ec == operation_aborted for ec, _ in got)
    assert ends - start >= 0.05


def test_cancel_after_times_each_cancellation(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    got: list[float] = []
    start = time.monotonic()

    def record(ec: net.error_code) -> None:
        assert ec == operation_aborted
        got.append(time.monotonic() - start)

    net.steady_timer(ioc, 10).async_wait(net.cancel_after(0.04, record))
    net.steady_timer(ioc, 10).async_wait(net.cancel_at(start + 0.02, record))
    run_ioc(ioc, timeout=3)
    assert len(got) == 2
    assert got[0] >= 0.02 and got[1] >= 0.04  # never early


def test_cancel_after_not_reached_stops_its_timer(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    got: list[Any] = []
    start = time.monotonic()
    net.steady_timer(ioc, 0.01).async_wait(net.cancel_after(30, got.append))
    run_ioc(ioc, timeout=3)  # returns at once: the 30 s timer was cancelled
    assert got == [success]
    assert time.monotonic() - start < 5


def test_cancel_after_in_a_coroutine_and_as_deferred(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    async def body() -> Any:
        results = []
        for token in (net.cancel_after(0.01, net.use_awaitable), net.cancel_after(0.01)):
            try:
                await net.steady_timer(ioc, 10).async_wait(token)
            except net.system_error as exc:
                results.append(exc.code)
        return results

    f = net.co_spawn(ioc, body(), net.use_future)
    run_ioc(ioc, timeout=3)
    assert f.result(0) == [operation_aborted, operation_aborted]


def test_cancel_after_argument_errors() -> None:
    with pytest.raises(TypeError):
        net.cancel_after("soon")
    with pytest.raises(TypeError):
        net.cancel_at(None)  # type: ignore[arg-type]


def test_cancelling_a_spawned_coroutine_reaches_the_awaited_operation(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    sig = net.cancellation_signal()
    seen: list[Any] = []

    async def body() -> None:
        try:
            await net.steady_timer(ioc, 10).async_wait(net.use_awaitable)
        except net.system_error as exc:
            seen.append(exc.code)
        # Cancelled: awaiting the next operation throws at once (throw_if_cancelled).
        try:
            await net.post(ioc, net.use_awaitable)
        except net.system_error as exc:
            seen.append(("next", exc.code))
        state = await net.this_coro.cancellation_state
        seen.append(state.cancelled())
        await net.this_coro.reset_cancellation_state()
        await net.post(ioc, net.use_awaitable)
        seen.append("resumed")

    net.co_spawn(ioc, body(), net.bind_cancellation_slot(sig.slot(), net.detached))
    net.post(ioc, lambda: sig.emit(T.terminal))
    run_ioc(ioc, timeout=3)
    assert seen == [operation_aborted, ("next", operation_aborted), T.terminal, "resumed"]


def test_coroutine_filter_ignores_partial_by_default(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    sig = net.cancellation_signal()
    seen: list[Any] = []

    async def body() -> None:
        await net.steady_timer(ioc, 0.05).async_wait(net.use_awaitable)
        seen.append("expired")
        await net.this_coro.reset_cancellation_state(T.all)
        await net.this_coro.throw_if_cancelled(False)
        try:
            await net.steady_timer(ioc, 10).async_wait(net.use_awaitable)
        except net.system_error:
            seen.append("partial reached the wait")

    net.co_spawn(ioc, body(), net.bind_cancellation_slot(sig.slot(), net.detached))
    net.post(ioc, lambda: sig.emit(T.partial))  # filtered out: the first wait expires
    t = net.steady_timer(ioc, 0.1)
    t.async_wait(lambda ec: sig.emit(T.partial))
    run_ioc(ioc, timeout=3)
    assert seen == ["expired", "partial reached the wait"]


def test_cancel_after_on_a_spawned_coroutine(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    async def sleeper() -> str:
        await net.steady_timer(ioc, 10).async_wait(net.use_awaitable)
        return "slept"

    f = net.co_spawn(ioc, sleeper(), net.cancel_after(0.02, net.use_future))
    run_ioc(ioc, timeout=3)
    with pytest.raises(net.system_error):
        f.result(0)


def test_cancel_after_on_a_coroutine_awaiting_a_group(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    seen: list[Any] = []

    async def sleeper(tag: str) -> None:
        try:
            await net.steady_timer(ioc, 10).async_wait(net.use_awaitable)
        except net.system_error as exc:
            seen.append((tag, exc.code))
            raise

    async def body() -> None:
        await (
            net.co_spawn(ioc, sleeper("a"), net.use_awaitable)
            & net.co_spawn(ioc, sleeper("b"), net.use_awaitable)
        )

    start = time.monotonic()
    f = net.co_spawn(ioc, body(), net.cancel_after(0.02, net.use_future))
    run_ioc(ioc, timeout=5)
    assert time.monotonic() - start < 5
    with pytest.raises(net.system_error):
        f.result(0)
    assert sorted(seen) == [("a", operation_aborted), ("b", operation_aborted)]


def test_cancellation_racing_with_expiry_in_a_coroutine_resumes_once(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    for _ in range(20):
        sig = net.cancellation_signal()
        results: list[Any] = []

        async def body() -> None:
            got = await net.steady_timer(ioc, 0.001).async_wait(net.as_tuple(net.use_awaitable))
            results.append(got)

        net.co_spawn(ioc, body(), net.bind_cancellation_slot(sig.slot(), net.detached))
        racer = net.steady_timer(ioc, 0.001)
        racer.async_wait(lambda ec: sig.emit(T.terminal))
        run_ioc(ioc)
        ioc.restart()
        assert len(results) == 1 and results[0] in ((success,), (operation_aborted,))
