"""Tests for asiolike.co_spawn and the coroutine machinery (use_awaitable, this_coro).

R1-R10 for spawned coroutines: the start is posted (R1), the completion handler runs once
(R2), a coroutine is work until it finishes (R3), an exception escaping a detached one
propagates out of run() (R4), failing operations raise system_error (R5), misuse raises
where it happens (R6), resumption goes through the coroutine's executor (R7, a strand),
several threads (R9), and a dropped coroutine is freed (R10).
"""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import Callable
from typing import Any

import pytest

import asiolike as net
from asiolike import local
from asiolike.error import operation_aborted, success


def _stream_pair(
    a_ctx: net.io_context, b_ctx: net.io_context | None = None
) -> tuple[local.stream_protocol.socket, local.stream_protocol.socket]:
    a = local.stream_protocol.socket(a_ctx)
    b = local.stream_protocol.socket(a_ctx if b_ctx is None else b_ctx)
    local.connect_pair(a, b)
    return a, b


async def value_after(ioc: net.io_context, seconds: float, value: Any) -> Any:
    t = net.steady_timer(ioc, seconds)
    await t.async_wait(net.use_awaitable)
    return value


def test_start_is_posted_never_inline(ioc: net.io_context, run_ioc: Callable[..., int]) -> None:
    log: list[str] = []

    async def body() -> None:
        log.append("ran")

    net.co_spawn(ioc, body(), net.detached)
    assert log == []  # R1: nothing ran inside co_spawn
    assert ioc.has_outstanding_work()  # R3: the coroutine is work
    run_ioc(ioc)
    assert log == ["ran"]


def test_coroutine_is_work_until_it_finishes(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    seen: list[bool] = []

    async def body() -> None:
        await net.post(ioc, net.use_awaitable)
        seen.append(ioc.has_outstanding_work())
        await net.steady_timer(ioc, 0.01).async_wait(net.use_awaitable)

    net.co_spawn(ioc, body(), net.detached)
    run_ioc(ioc)
    assert seen == [True]
    assert not ioc.has_outstanding_work()


def test_handler_gets_exception_and_result_once(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    calls: list[tuple[BaseException | None, Any]] = []

    async def ok() -> int:
        return await value_after(ioc, 0, 7)

    async def bad() -> int:
        await net.post(ioc, net.use_awaitable)
        raise ValueError("boom")

    net.co_spawn(ioc, ok(), lambda e, r: calls.append((e, r)))
    net.co_spawn(ioc, bad, lambda e, r: calls.append((e, r)))  # a function is accepted too
    run_ioc(ioc)
    assert len(calls) == 2
    assert (None, 7) in calls
    (exc,) = [e for e, _ in calls if e is not None]
    assert isinstance(exc, ValueError) and str(exc) == "boom"


def test_use_future(ioc: net.io_context, run_ioc: Callable[..., int]) -> None:
    async def ok() -> str:
        return "done"

    async def bad() -> None:
        raise KeyError("k")

    f1 = net.co_spawn(ioc, ok(), net.use_future)
    f2 = net.co_spawn(ioc.get_executor(), bad(), net.use_future)
    run_ioc(ioc)
    assert f1.result(0) == "done"
    with pytest.raises(KeyError):
        f2.result(0)


def test_detached_exception_propagates_out_of_run_and_run_goes_on(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    log: list[str] = []

    async def bad() -> None:
        await net.post(ioc, net.use_awaitable)
        raise RuntimeError("escaped")

    async def good() -> None:
        await net.steady_timer(ioc, 0.01).async_wait(net.use_awaitable)
        log.append("good")

    net.co_spawn(ioc, bad(), net.detached)
    net.co_spawn(ioc, good(), net.detached)
    with pytest.raises(RuntimeError, match="escaped"):
        ioc.run_for(5)
    run_ioc(ioc)  # R4: the context is consistent; the rest runs
    assert log == ["good"]


def test_failing_operation_raises_system_error_with_code(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    got: list[Any] = []

    async def body() -> None:
        t = net.steady_timer(ioc, 10)
        net.post(ioc, t.cancel)
        try:
            await t.async_wait(net.use_awaitable)
        except net.system_error as exc:
            got.append(exc.code)
        t2 = net.steady_timer(ioc, 10)
        net.post(ioc, t2.cancel)
        got.append(await t2.async_wait(net.as_tuple(net.use_awaitable)))

    net.co_spawn(ioc, body(), net.detached)
    run_ioc(ioc)
    assert got == [operation_aborted, (operation_aborted,)]


def test_result_shapes(ioc: net.io_context, run_ioc: Callable[..., int]) -> None:
    def initiation(handler: Callable[..., object], *args: Any) -> None:
        net.post(ioc, lambda: handler(*args))

    got: list[Any] = []

    async def body() -> None:
        got.append(await net.async_initiate(initiation, net.use_awaitable, success))
        got.append(await net.async_initiate(initiation, net.use_awaitable, success, 5))
        got.append(await net.async_initiate(initiation, net.use_awaitable, success, 5, "x"))
        got.append(await net.async_initiate(initiation, net.use_awaitable))
        got.append(await net.async_initiate(initiation, net.use_awaitable, [1], 2))

    net.co_spawn(ioc, body(), net.detached)
    run_ioc(ioc)
    assert got == [None, 5, (5, "x"), None, ([1], 2)]


def test_await_spawned_coroutine_and_its_exception(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    got: list[Any] = []

    async def child(fail: bool) -> int:
        await net.post(ioc, net.use_awaitable)
        if fail:
            raise ValueError("child failed")
        return 3

    async def parent() -> None:
        got.append(await net.co_spawn(ioc, child(False), net.use_awaitable))
        try:
            await net.co_spawn(ioc, child(True), net.use_awaitable)
        except ValueError as exc:
            got.append(str(exc))

    net.co_spawn(ioc, parent(), net.detached)
    run_ioc(ioc)
    assert got == [3, "child failed"]


def test_plain_await_of_another_async_def(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    async def inner() -> int:
        return await value_after(ioc, 0, 1) + 1

    async def outer() -> int:
        return await inner() + 1

    f = net.co_spawn(ioc, outer(), net.use_future)
    run_ioc(ioc)
    assert f.result(0) == 3


def test_this_coro_executor_and_strand(ioc: net.io_context, run_ioc: Callable[..., int]) -> None:
    s = net.make_strand(ioc)
    seen: list[bool] = []

    async def body() -> None:
        ex = await net.this_coro.executor
        seen.append(ex is s)
        for _ in range(3):
            await net.steady_timer(ioc, 0).async_wait(net.use_awaitable)
            seen.append(s.running_in_this_thread())  # R7: resumed inside the strand
            await net.post(ioc, net.use_awaitable)
            seen.append(s.running_in_this_thread())

    net.co_spawn(s, body(), net.detached)
    run_ioc(ioc)
    assert seen == [True] * 7


def test_handler_from_a_foreign_thread_resumes_on_the_executor(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    main_thread = threading.get_ident()
    where: list[int] = []

    def initiation(handler: Callable[..., object]) -> None:
        threading.Thread(target=handler, args=(success, 1)).start()

    async def body() -> None:
        assert await net.async_initiate(initiation, net.use_awaitable) == 1
        where.append(threading.get_ident())

    net.co_spawn(ioc, body(), net.detached)
    with net.make_work_guard(ioc) as guard:
        net.post(ioc, lambda: None)
        ioc.run_for(0.2)
        guard.reset()
    run_ioc(ioc)
    assert where == [main_thread]


def test_completion_handler_runs_on_its_associated_executor(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    s = net.make_strand(ioc)
    seen: list[bool] = []

    async def body() -> int:
        return 1

    handler = net.bind_executor(s, lambda e, r: seen.append(s.running_in_this_thread()))
    net.co_spawn(ioc, body(), handler)
    run_ioc(ioc)
    assert seen == [True]


def test_awaiting_outside_co_spawn_says_what_to_do(ioc: net.io_context) -> None:
    async def body() -> None:
        await net.post(ioc, net.use_awaitable)

    with pytest.raises(RuntimeError, match=r"outside a coroutine started by asiolike\.co_spawn"):
        asyncio.run(body())
    ioc.poll()


def test_awaiting_an_asyncio_future_points_to_aio(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    loop = asyncio.new_event_loop()
    errors: list[str] = []

    async def body() -> None:
        try:
            await loop.create_future()
        except TypeError as exc:
            errors.append(str(exc))
        try:
            await asyncio.sleep(0)
        except TypeError as exc:
            errors.append(str(exc))

    try:
        net.co_spawn(ioc, body(), net.detached)
        run_ioc(ioc)
    finally:
        loop.close()
    assert len(errors) == 2
    assert "asiolike.aio" in errors[0]


def test_initiation_errors_raise_inside_the_coroutine(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    def refuse(handler: Callable[..., object]) -> None:
        raise ValueError("bad argument")

    got: list[str] = []

    async def body() -> None:
        op = net.async_initiate(refuse, net.use_awaitable)
        try:
            await op
        except ValueError as exc:
            got.append(str(exc))
        again = net.post(ioc, net.use_awaitable)
        await again
        try:
            await again
        except RuntimeError as exc:
            got.append("twice" if "already awaited" in str(exc) else str(exc))

    net.co_spawn(ioc, body(), net.detached)
    run_ioc(ioc)
    assert got == ["bad argument", "twice"]


def test_co_spawn_argument_errors(ioc: net.io_context) -> None:
    with pytest.raises(TypeError, match="coroutine object"):
        net.co_spawn(ioc, 42, net.detached)

    async def body() -> None:
        pass

    with pytest.raises(TypeError, match="completion handler"):
        net.co_spawn(ioc, body(), "token")
    with pytest.raises(TypeError):
        net.co_spawn(object(), body(), net.detached)


@pytest.mark.parametrize("waiting_on", ["a queued post", "a socket read"])
def test_dropped_coroutine_is_freed_and_its_work_released(waiting_on: str, no_gc: None) -> None:
    ctx = net.io_context()
    a, b = _stream_pair(ctx)
    finalised: list[str] = []

    class marker:
        pass

    refs: list[weakref.ref[marker]] = []

    async def body() -> None:
        m = marker()
        refs.append(weakref.ref(m))
        try:
            if waiting_on == "a queued post":
                await net.steady_timer(ctx, 0).async_wait(net.use_awaitable)
                await net.post(ctx, net.use_awaitable)  # never resumed: the context closes
            else:
                await b.async_read_some(bytearray(4), net.use_awaitable)
        finally:
            finalised.append("finally")

    net.co_spawn(ctx, body(), net.detached)
    ctx.run_one()  # start: waits on the timer, or the read waits in the reactor
    if waiting_on == "a queued post":
        ctx.run_one_for(1)  # timer done; the post is queued
    else:
        b.close()  # the read's completion (operation_aborted) is queued
    assert refs and refs[0]() is not None and finalised == []
    ctx.close()  # drops the queued resumption: nothing else refers to the coroutine
    assert finalised == ["finally"]
    assert refs[0]() is None  # freed by reference counting, the collector off
    a.close()
    b.close()


def test_finished_coroutine_keeps_nothing(ioc: net.io_context, run_ioc: Callable[..., int]) -> None:
    class marker:
        pass

    refs: list[weakref.ref[marker]] = []

    async def body() -> marker:
        m = marker()
        refs.append(weakref.ref(m))
        await net.post(ioc, net.use_awaitable)
        return m

    got: list[Any] = []
    net.co_spawn(ioc, body(), lambda e, r: got.append(type(r).__name__))
    run_ioc(ioc)
    assert got == ["marker"]
    assert refs[0]() is None  # R10: neither the loop nor the thread holds the result


@pytest.mark.parametrize("threads", [1, 4])
def test_many_coroutines_on_threads(
    threads: int, ioc: net.io_context, run_threads: Callable[..., list[int]]
) -> None:
    lock = threading.Lock()
    done: list[int] = []

    async def body(i: int) -> None:
        ex = await net.this_coro.executor
        for _ in range(20):
            await net.post(ex, net.use_awaitable)
            await net.steady_timer(ioc, 0).async_wait(net.use_awaitable)
        with lock:
            done.append(i)

    for i in range(100):
        net.co_spawn(ioc, body(i), net.detached)
    run_threads(ioc, threads)
    assert sorted(done) == list(range(100))


def test_never_started_coroutine_is_closed_quietly() -> None:
    import warnings

    ctx = net.io_context()
    started: list[str] = []

    async def body() -> None:
        started.append("ran")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.co_spawn(ctx, body(), net.detached)
        assert ctx.has_outstanding_work()
        ctx.close()  # the queued start is dropped: so is the coroutine, without a warning
        gc.collect()
    assert started == []


# -- awaited socket operations: the plain resume handler (asiolike.awaitable.coro_thread) -----


def test_awaited_socket_operations_resume_from_the_run_loop(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    # R1 on the fast path: an operation done inside its initiating call (the write goes
    # out at once, the data to read is there) resumes the coroutine through the queue,
    # behind a handler posted before the await.
    a, b = _stream_pair(ioc)
    log: list[str] = []
    buf = bytearray(5)
    ops: list[tuple[str, Callable[[], Any]]] = [
        ("write_some", lambda: a.async_write_some(b"hello", net.use_awaitable)),
        ("async_write", lambda: net.async_write(a, b"hello", net.use_awaitable)),
        ("read_some", lambda: b.async_read_some(buf, net.use_awaitable)),
        ("async_read", lambda: net.async_read(b, buf, net.use_awaitable)),
        ("async_write view", lambda: net.async_write(a, memoryview(b"hey"), net.use_awaitable)),
        ("async_read view", lambda: net.async_read(b, memoryview(buf)[:3], net.use_awaitable)),
    ]

    async def body() -> None:
        for name, op in ops:
            net.post(ioc, lambda name=name: log.append("posted before " + name))
            log.append(f"{name} {await op()}")
        a.close()
        b.close()

    net.co_spawn(ioc, body(), net.detached)
    run_ioc(ioc)
    assert log == [
        entry
        for name, n in zip([name for name, _ in ops], [5, 5, 5, 5, 3, 3], strict=True)
        for entry in (f"posted before {name}", f"{name} {n}")
    ]


def test_awaited_socket_errors_raise_and_as_tuple_gives_them(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    a, b = _stream_pair(ioc)
    got: list[Any] = []

    async def body() -> None:
        a.close()
        try:
            await net.async_read(b, bytearray(4), net.use_awaitable)
        except net.system_error as exc:
            got.append(exc.code)
        got.append(await b.async_read_some(bytearray(4), net.as_tuple(net.use_awaitable)))
        b.close()
        try:
            await b.async_read_some(bytearray(4), net.use_awaitable)
        except net.system_error as exc:
            got.append(exc.code)

    net.co_spawn(ioc, body(), net.detached)
    run_ioc(ioc)
    assert got == [net.error.eof, (net.error.eof, 0), net.error.bad_descriptor]


def test_socket_of_another_context_resumes_on_the_coroutines_context(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    # The read's completion runs on the other context's thread: the coroutine is resumed
    # on its own context (R7), never there.
    other = net.io_context()
    a, b = _stream_pair(ioc, other)
    main_thread = threading.get_ident()
    where: list[tuple[int, Any]] = []

    async def body() -> None:
        buf = bytearray(3)
        where.append((threading.get_ident(), await net.async_read(b, buf, net.use_awaitable)))
        where.append((threading.get_ident(), await b.async_read_some(buf, net.use_awaitable)))
        where.append((threading.get_ident(), await b.async_write_some(b"x", net.use_awaitable)))

    a.write_some(b"abcdef")
    guard = net.make_work_guard(other)
    runner = threading.Thread(target=other.run_for, args=(10,), daemon=True)
    runner.start()
    try:
        net.co_spawn(ioc, body(), net.detached)
        run_ioc(ioc)
    finally:
        guard.reset()
        runner.join(10)
        a.close()
        b.close()
        other.close()
    assert where == [(main_thread, 3), (main_thread, 3), (main_thread, 1)]


def test_cancelling_a_coroutine_reaches_the_socket_read_it_awaits(
    ioc: net.io_context, run_ioc: Callable[..., int]
) -> None:
    # With a cancellation slot the coroutine is the operations' handler (no plain fast
    # path): the signal reaches the pending read, and no byte is lost afterwards.
    a, b = _stream_pair(ioc)
    sig = net.cancellation_signal()
    got: list[Any] = []
    buf = bytearray(4)
    reads: list[Callable[[], Any]] = [
        lambda: b.async_read_some(buf, net.use_awaitable),
        lambda: net.async_read(b, buf, net.use_awaitable),
    ]

    async def body() -> None:
        for read in reads:
            net.post(ioc, lambda: sig.emit(net.cancellation_type.terminal))
            try:
                await read()
            except net.system_error as exc:
                got.append(exc.code)
            await net.this_coro.reset_cancellation_state()
        a.write_some(b"abcd")
        got.append(await net.async_read(b, buf, net.use_awaitable))
        got.append(bytes(buf))
        a.close()
        b.close()

    net.co_spawn(ioc, body(), net.bind_cancellation_slot(sig.slot(), net.detached))
    run_ioc(ioc)
    assert got == [operation_aborted, operation_aborted, 4, b"abcd"]


@pytest.mark.parametrize("how", ["returns", "raises", "catches a failed operation"])
def test_a_finished_coroutine_is_freed_by_reference_counting(how: str, no_gc: None) -> None:
    # R10: once the completion handler has run (and kept nothing), the coroutine's frame
    # and what it held are gone, also when an exception ended it or passed through it
    # (its traceback holds the driver's frame: the driver must not hold the exception).
    ioc = net.io_context()
    a, b = _stream_pair(ioc)

    class marker:
        pass

    refs: list[weakref.ref[marker]] = []
    outcomes: list[str] = []

    async def body() -> None:
        m = marker()
        refs.append(weakref.ref(m))
        await net.steady_timer(ioc, 0).async_wait(net.use_awaitable)
        if how == "raises":
            raise ValueError("boom")
        if how == "catches a failed operation":
            a.close()
            try:
                await a.async_read_some(bytearray(4), net.use_awaitable)
            except net.system_error:
                pass
            await net.post(ioc, net.use_awaitable)

    def done(exc: BaseException | None, result: object) -> None:
        outcomes.append("error" if exc is not None else "ok")

    net.co_spawn(ioc, body(), done)
    ioc.run_for(5.0)
    assert outcomes == ["error" if how == "raises" else "ok"]
    assert refs and refs[0]() is None, "the coroutine's frame outlived its completion"
    b.close()
