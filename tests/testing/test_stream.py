"""Tests for asiolike.testing: the in-memory test stream, fail_count and fail_loop."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

import asiolike
from asiolike import bind_executor, io_context, make_strand, use_future
from asiolike.error import (
    connection_reset,
    eof,
    error_code,
    operation_aborted,
    success,
    system_error,
    timed_out,
)
from asiolike.testing import connect, error, fail_count, fail_loop, stream

Results = list[tuple[error_code, int]]


def recorder(results: Results) -> Callable[[error_code, int], None]:
    def handler(ec: error_code, n: int) -> None:
        results.append((ec, n))

    return handler


def pair(ioc: io_context) -> tuple[stream, stream]:
    a = stream(ioc)
    b = stream(ioc)
    connect(a, b)
    return a, b


# -- reading and writing -------------------------------------------------------------------


def test_read_available_data_completes_through_the_queue(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    ts = stream(ioc, b"hello world")
    buf = bytearray(5)
    results: Results = []
    returned = False

    def handler(ec: error_code, n: int) -> None:
        assert returned  # R1: never inside the initiating call
        results.append((ec, n))

    ts.async_read_some(buf, handler)
    returned = True
    assert results == []
    run_ioc(ioc)
    assert results == [(success, 5)]
    assert buf == b"hello"
    assert ts.str() == " world"
    assert ts.bytes() == b" world"
    assert ts.nread() == 1
    assert ts.nwrite() == 0


def test_pending_read_completes_when_the_peer_writes(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    a, b = pair(ioc)
    buf = bytearray(16)
    results: Results = []
    b.async_read_some(buf, recorder(results))
    # R3: the waiting read is outstanding work.
    assert ioc.has_outstanding_work()
    ioc.poll()
    assert results == []
    assert ioc.has_outstanding_work()
    writes: Results = []
    a.async_write_some(b"abc", recorder(writes))
    run_ioc(ioc)
    assert results == [(success, 3)]
    assert writes == [(success, 3)]
    assert bytes(buf[:3]) == b"abc"
    assert a.nwrite() == 1
    assert b.nread() == 1


def test_pending_read_completes_when_data_is_appended(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    ts = stream(ioc)
    buf = bytearray(4)
    results: Results = []
    ts.async_read_some(memoryview(buf), recorder(results))
    ioc.poll()
    assert results == []
    ts.append("xyzzy")
    run_ioc(ioc)
    assert results == [(success, 4)]
    assert buf == b"xyzz"
    assert ts.str() == "y"


def test_run_returns_only_after_the_pending_read_completed(ioc: io_context) -> None:
    a, b = pair(ioc)
    order: list[str] = []
    buf = bytearray(3)
    b.async_read_some(buf, lambda ec, n: order.append(f"read {ec.name()} {n}"))
    timer = asiolike.steady_timer(ioc, 0.01)
    timer.async_wait(lambda ec: a.write_some(b"xyz"))
    ioc.run_for(5)
    assert order == ["read success 3"]
    assert not ioc.has_outstanding_work()


def test_read_size_caps_every_read(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    ts = stream(ioc, b"0123456789")
    ts.read_size(3)
    buf = bytearray(10)
    results: Results = []
    ts.async_read_some(buf, recorder(results))
    run_ioc(ioc)
    assert results == [(success, 3)]
    assert ts.read_some(memoryview(buf)[3:]) == 3
    assert bytes(buf[:6]) == b"012345"


def test_write_size_caps_every_write(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    a, b = pair(ioc)
    a.write_size(4)
    results: Results = []
    a.async_write_some(b"abcdefgh", recorder(results))
    run_ioc(ioc)
    assert results == [(success, 4)]
    assert b.str() == "abcd"
    assert a.write_some([b"xy", b"zw", b"uv"]) == 4
    assert b.bytes() == b"abcdxyzw"


def test_gather_write_and_scatter_read(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    a, b = pair(ioc)
    assert a.write_some([b"ab", bytearray(b"cd"), memoryview(b"efg")]) == 7
    first, second = bytearray(3), bytearray(10)
    results: Results = []
    b.async_read_some([first, second], recorder(results))
    run_ioc(ioc)
    assert results == [(success, 7)]
    assert first == b"abc"
    assert bytes(second[:4]) == b"defg"


def test_zero_byte_operations_complete_through_the_queue(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    a, b = pair(ioc)
    results: Results = []
    b.async_read_some(bytearray(), recorder(results))
    a.async_write_some(b"", recorder(results))
    assert results == []
    run_ioc(ioc)
    assert results == [(success, 0), (success, 0)]
    assert b.read_some(bytearray()) == 0
    assert a.write_some(b"") == 0


def test_large_reads_and_writes_keep_bytes_in_order(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    a, b = pair(ioc)
    data = bytes(range(256)) * 1024  # 256 KiB: copies above the small-copy size
    sent = 0
    while sent < len(data):
        sent += a.write_some(memoryview(data)[sent : sent + 70000])
    received = bytearray()
    buf = bytearray(100000)
    while len(received) < len(data):
        n = b.read_some(buf)
        received += buf[:n]
    assert received == data
    assert b.str() == ""


def test_use_future(ioc: io_context) -> None:
    a, b = pair(ioc)
    buf = bytearray(2)
    wf = a.async_write_some(b"hi", use_future)
    rf = b.async_read_some(buf, use_future)
    assert wf is not None and rf is not None
    ioc.run_for(5)
    assert wf.result(0) == 2
    assert rf.result(0) == 2
    assert buf == b"hi"


# -- closing, cancelling -------------------------------------------------------------------


def test_close_aborts_the_pending_read_and_the_peer_reads_eof(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    a, b = pair(ioc)
    a.write_some(b"last")
    a.close()
    results: Results = []
    b.async_read_some(bytearray(4), recorder(results))
    run_ioc(ioc)
    assert results == [(success, 4)]  # data before eof
    results.clear()
    b.async_read_some(bytearray(4), recorder(results))
    ioc.restart()
    run_ioc(ioc)
    assert results == [(eof, 0)]


def test_close_aborts_this_ends_pending_read(ioc: io_context) -> None:
    a, b = pair(ioc)
    mine: Results = []
    theirs: Results = []
    a.async_read_some(bytearray(4), recorder(mine))
    b.async_read_some(bytearray(4), recorder(theirs))
    a.close()
    assert mine == [] and theirs == []  # R1 for close too
    ioc.run_for(5)
    assert mine == [(operation_aborted, 0)]
    assert theirs == [(eof, 0)]
    assert not ioc.has_outstanding_work()


def test_writes_after_close_fail_with_connection_reset(ioc: io_context) -> None:
    a, b = pair(ioc)
    a.close()
    results: Results = []
    a.async_write_some(b"x", recorder(results))
    b.async_write_some(b"y", recorder(results))
    ioc.run_for(5)
    assert results == [(connection_reset, 0), (connection_reset, 0)]
    with pytest.raises(system_error) as info:
        b.write_some(b"z")
    assert info.value.code == connection_reset
    # An unconnected stream cannot write either.
    with pytest.raises(system_error) as info:
        stream(ioc).write_some(b"z")
    assert info.value.code == connection_reset


def test_reads_after_own_close_get_the_rest_then_eof(ioc: io_context) -> None:
    ts = stream(ioc, b"ab")
    ts.close()
    buf = bytearray(8)
    assert ts.read_some(buf) == 2
    with pytest.raises(system_error) as info:
        ts.read_some(buf)
    assert info.value.code == eof


def test_close_remote_ends_the_input_after_the_data(ioc: io_context) -> None:
    ts = stream(ioc, b"xy")
    results: Results = []
    ts.close_remote()
    ts.async_read_some(bytearray(8), recorder(results))
    ioc.run_for(5)
    ioc.restart()
    ts.async_read_some(bytearray(8), recorder(results))
    ioc.run_for(5)
    assert results == [(success, 2), (eof, 0)]


def test_close_remote_completes_a_pending_read_with_eof(ioc: io_context) -> None:
    ts = stream(ioc)
    results: Results = []
    ts.async_read_some(bytearray(8), recorder(results))
    ts.close_remote()
    ts.close_remote()  # idempotent
    ioc.run_for(5)
    assert results == [(eof, 0)]
    assert not ioc.has_outstanding_work()


def test_cancel(ioc: io_context) -> None:
    ts = stream(ioc)
    results: Results = []
    assert ts.cancel() == 0
    ts.async_read_some(bytearray(8), recorder(results))
    assert ts.cancel() == 1
    assert ts.cancel() == 0
    ioc.run_for(5)
    assert results == [(operation_aborted, 0)]


def test_completion_and_close_in_the_same_iteration_run_the_handler_once(
    ioc: io_context,
) -> None:
    a, b = pair(ioc)
    results: Results = []
    b.async_read_some(bytearray(8), recorder(results))

    def write_then_close() -> None:
        a.write_some(b"data")  # completes the read (queued)
        b.close()  # too late to abort it
        b.cancel()

    asiolike.post(ioc, write_then_close)
    ioc.run_for(5)
    assert results == [(success, 4)]  # R2: exactly once
    assert not ioc.has_outstanding_work()


def test_reconnect_after_close(ioc: io_context) -> None:
    a, b = pair(ioc)
    a.close()
    c = connect(a)
    c.write_some(b"again")
    assert a.read_some(bytearray(8)) == 5
    with pytest.raises(RuntimeError, match="already connected"):
        connect(a, b)


# -- misuse ----------------------------------------------------------------------------------


def test_misuse_raises_at_once(ioc: io_context) -> None:
    ts = stream(ioc)
    handler = recorder([])
    with pytest.raises(TypeError, match="read-only"):
        ts.async_read_some(b"abc", handler)
    with pytest.raises(TypeError, match="read-only"):
        ts.async_read_some(memoryview(b"abc"), handler)
    with pytest.raises(TypeError, match="writable"):
        ts.async_read_some(42, handler)
    with pytest.raises(TypeError, match="encode"):
        ts.async_write_some("text", handler)
    with pytest.raises(TypeError, match="completion handler"):
        ts.async_read_some(bytearray(1), 42)
    with pytest.raises(ValueError, match="latin-1"):
        ts.append("snowman \u2603")
    with pytest.raises(ValueError):
        ts.read_size(0)
    with pytest.raises(ValueError):
        ts.write_size(0)
    with pytest.raises(TypeError):
        stream(ioc, fc=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ts.connect(ts)
    ts.async_read_some(bytearray(1), handler)
    with pytest.raises(RuntimeError, match="already waiting"):
        ts.async_read_some(bytearray(1), handler)
    with pytest.raises(RuntimeError):
        ts.read_some(bytearray(1))
    ts.close()
    ioc.run_for(5)
    assert not ioc.has_outstanding_work()


# -- executors ----------------------------------------------------------------------------


def test_bound_handlers_run_in_their_strand(ioc: io_context, run_ioc: Callable[..., int]) -> None:
    a, b = pair(ioc)
    strand = make_strand(ioc)
    seen: list[tuple[str, bool]] = []
    b.async_read_some(
        bytearray(1),
        bind_executor(
            strand, lambda ec, n: seen.append(("pending", strand.running_in_this_thread()))
        ),
    )
    a.async_write_some(
        b"xy",
        bind_executor(
            strand, lambda ec, n: seen.append(("write", strand.running_in_this_thread()))
        ),
    )
    run_ioc(ioc)
    b.async_read_some(
        bytearray(1),
        bind_executor(
            strand, lambda ec, n: seen.append(("ready", strand.running_in_this_thread()))
        ),
    )
    ioc.restart()
    run_ioc(ioc)
    assert sorted(seen) == [("pending", True), ("ready", True), ("write", True)]


def test_a_stream_made_with_a_strand_runs_handlers_in_it(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    strand = make_strand(ioc)
    ts = stream(strand, b"x")
    assert ts.get_executor() is strand
    seen: list[bool] = []
    ts.async_read_some(bytearray(1), lambda ec, n: seen.append(strand.running_in_this_thread()))
    run_ioc(ioc)
    assert seen == [True]


def test_ends_on_two_contexts_and_threads() -> None:
    size = 1 << 20
    data = bytes(range(256)) * (size // 256)
    reader_ctx, writer_ctx = io_context(), io_context()
    a = stream(writer_ctx)
    b = stream(reader_ctx)
    connect(a, b)
    b.read_size(1000)
    received = bytearray()
    buf = bytearray(4096)
    outcome: list[error_code] = []

    def on_read(ec: error_code, n: int) -> None:
        received.extend(buf[:n])
        if ec:
            outcome.append(ec)
            return
        b.async_read_some(buf, on_read)

    b.async_read_some(buf, on_read)

    def writer() -> None:
        view = memoryview(data)
        sent = 0
        while sent < size:
            sent += a.write_some(view[sent : sent + 3000])
        a.close()

    thread = threading.Thread(target=writer)
    thread.start()
    reader_ctx.run_for(5)
    thread.join(5)
    assert outcome == [eof]
    assert received == data
    assert not reader_ctx.has_outstanding_work()


def test_blocking_read_some_wakes_when_another_thread_writes(ioc: io_context) -> None:
    a, b = pair(ioc)
    timer = threading.Timer(0.01, a.write_some, args=(b"late",))
    timer.start()
    buf = bytearray(8)
    assert b.read_some(buf) == 4
    timer.join()
    closer = threading.Timer(0.01, a.close)
    closer.start()
    with pytest.raises(system_error) as info:
        b.read_some(buf)
    closer.join()
    assert info.value.code == eof


# -- fail_count and fail_loop --------------------------------------------------------------


def test_fail_count_fails_on_and_after_the_nth_operation() -> None:
    fc = fail_count(2)
    assert [bool(fc.fail_code()) for _ in range(5)] == [False, False, True, True, True]
    assert fc.triggered()
    assert fail_count(0).fail_code() == error.test_failure
    with pytest.raises(system_error) as info:
        fail_count(0, timed_out).fail()
    assert info.value.code == timed_out
    assert error.test_failure.category().name() == "asiolike.testing"
    assert error.get_category() is error.test_failure.category()
    with pytest.raises(ValueError):
        fail_count(-1)
    with pytest.raises(ValueError):
        fail_count(1, success)


def test_fail_count_counts_every_operation_of_the_streams_sharing_it(ioc: io_context) -> None:
    fc = fail_count(3)
    a = stream(ioc, fc=fc)
    b = stream(ioc, b"abc", fc=fc)
    connect(a, b)
    results: Results = []
    a.async_write_some(b"1", recorder(results))  # 0
    b.async_read_some(bytearray(1), recorder(results))  # 1
    b.async_write_some(b"2", recorder(results))  # 2
    a.async_read_some(bytearray(1), recorder(results))  # 3: fails
    ioc.run_for(5)
    assert results == [(success, 1), (success, 1), (success, 1), (error.test_failure, 0)]
    with pytest.raises(system_error) as info:
        a.write_some(b"x")
    assert info.value.code == error.test_failure


def test_fail_loop_reaches_every_failure_point() -> None:
    seen: list[int] = []

    def body(fc: fail_count) -> error_code:
        ctx = io_context()
        a = stream(ctx, fc=fc)
        b = stream(ctx, fc=fc)
        connect(a, b)
        results: Results = []
        ops = 0

        def step(ec: error_code, n: int) -> None:
            nonlocal ops
            if ec:
                results.append((ec, n))
                return
            ops += 1
            if ops == 4:
                results.append((ec, n))
                return
            a.async_write_some(b"x", step)

        a.async_write_some(b"x", step)
        ctx.run_for(5)
        seen.append(ops)
        return results[0][0]

    assert fail_loop(body) == 4
    assert seen == [0, 1, 2, 3, 4]


def test_fail_loop_with_a_synchronous_body() -> None:
    def body(fc: fail_count) -> None:
        ts = stream(io_context(), b"abcdef", fc=fc)
        buf = bytearray(2)
        for _ in range(3):
            ts.read_some(buf)

    assert fail_loop(body) == 3


def test_fail_loop_detects_a_swallowed_failure() -> None:
    def body(fc: fail_count) -> error_code:
        ts = stream(io_context(), b"abc", fc=fc)
        results: Results = []
        ts.async_read_some(bytearray(3), recorder(results))
        ts.get_executor().context().run_for(5)
        return success  # ignores results: swallows the failure

    with pytest.raises(AssertionError, match="did not surface"):
        fail_loop(body)


def test_fail_loop_detects_another_error_and_the_limit() -> None:
    with pytest.raises(AssertionError, match="injected"):
        fail_loop(lambda fc: timed_out if fc.fail_code() else success)
    with pytest.raises(AssertionError, match="no failure was injected"):
        fail_loop(lambda fc: stream(io_context()).write_some(b"x"))
    with pytest.raises(AssertionError, match="after 3 runs"):
        fail_loop(lambda fc: [fc.fail_code() for _ in range(10)][-1], limit=3)
    with pytest.raises(AssertionError, match="injected nothing"):
        fail_loop(lambda fc: timed_out)
