"""Tests for asiolike.read: async_read / read over the test stream (Asio's read.cpp style).

Short reads are forced with the test stream's read cap (1 and 7 bytes, and uncapped); every
completion condition runs against every cap; the fail loop reaches every failure point.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest

from asiolike import (
    bind_executor,
    get_associated_executor,
    io_context,
    make_strand,
    post,
    use_future,
)
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.buffer import dynamic_buffer, streambuf
from asiolike.completion_condition import (
    transfer_all,
    transfer_at_least,
    transfer_exactly,
)
from asiolike.error import eof, error_code, operation_aborted, success, system_error
from asiolike.read import async_read, read
from asiolike.testing import connect, fail_count, fail_loop, stream
from asiolike.write import async_write

Results = list[tuple[error_code, int]]

# 36 bytes, as Asio's read.cpp uses a fixed alphabet.
DATA = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
CAPS = [1, 7, 10, None]


def recorder(results: Results) -> Callable[[error_code, int], None]:
    def handler(ec: error_code, n: int) -> None:
        results.append((ec, n))

    return handler


def source(ioc: io_context, data: bytes, cap: int | None, end: bool = True) -> stream:
    """A stream holding ``data`` (then eof when ``end``), read ``cap`` bytes at a time."""
    ts = stream(ioc, data)
    if cap is not None:
        ts.read_size(cap)
    if end:
        ts.close_remote()
    return ts


class layered:
    """A stream layered over a test stream, recording each read_some (like a Beast layer)."""

    def __init__(self, next_layer: stream) -> None:
        self.next_layer = next_layer
        self.sizes: list[int] = []
        self.steps: list[Any] = []
        self.probe: Callable[[], Any] = lambda: None

    def get_executor(self) -> Any:
        return self.next_layer.get_executor()

    def async_read_some(self, buf: Any, handler: Any) -> None:
        self.sizes.append(len(buf))
        self.next_layer.async_read_some(buf, layered_step(self, handler))


class layered_step:
    """The layer's intermediate handler: records where it runs, keeps the association."""

    def __init__(self, layer: layered, handler: Any) -> None:
        self.layer = layer
        self.handler = handler
        self.associated_executor = get_associated_executor(handler)

    def __call__(self, ec: error_code, n: int) -> None:
        self.layer.steps.append(self.layer.probe())
        self.handler(ec, n)


def run_read(ioc: io_context, ts: Any, buf: Any, cond: Any = None) -> tuple[error_code, int]:
    results: Results = []
    if cond is None:
        async_read(ts, buf, recorder(results))
    else:
        async_read(ts, buf, cond, recorder(results))
    assert results == []  # R1
    ioc.run_for(5)
    assert len(results) == 1  # R2
    assert not ioc.has_outstanding_work()  # R3
    ioc.restart()
    return results[0]


# -- fixed buffers ---------------------------------------------------------------------------


@pytest.mark.parametrize("cap", CAPS)
def test_transfer_all_fills_the_buffer(ioc: io_context, cap: int | None) -> None:
    ts = source(ioc, DATA, cap)
    buf = bytearray(len(DATA))
    assert run_read(ioc, ts, buf) == (success, len(DATA))
    assert buf == DATA
    expected_reads = len(DATA) if cap is None else -(-len(DATA) // cap)
    assert ts.nread() == (1 if cap is None else expected_reads)


@pytest.mark.parametrize("cap", CAPS)
def test_transfer_all_into_a_larger_buffer_ends_with_eof_and_the_count(
    ioc: io_context, cap: int | None
) -> None:
    ts = source(ioc, DATA, cap)
    buf = bytearray(100)
    assert run_read(ioc, ts, buf, transfer_all()) == (eof, len(DATA))
    assert bytes(buf[: len(DATA)]) == DATA


@pytest.mark.parametrize("cap", CAPS)
@pytest.mark.parametrize("minimum", [1, 10, 36])
def test_transfer_at_least(ioc: io_context, cap: int | None, minimum: int) -> None:
    ts = source(ioc, DATA, cap)
    buf = bytearray(len(DATA))
    ec, n = run_read(ioc, ts, buf, transfer_at_least(minimum))
    step = len(DATA) if cap is None else cap
    expected = min(len(DATA), -(-minimum // step) * step)
    assert (ec, n) == (success, expected)
    assert bytes(buf[:n]) == DATA[:n]
    assert ts.str() == DATA[n:].decode()


@pytest.mark.parametrize("cap", CAPS)
@pytest.mark.parametrize("size", [1, 10, 36])
def test_transfer_exactly(ioc: io_context, cap: int | None, size: int) -> None:
    ts = source(ioc, DATA, cap)
    buf = bytearray(100)
    assert run_read(ioc, ts, buf, transfer_exactly(size)) == (success, size)
    assert bytes(buf[:size]) == DATA[:size]
    assert ts.str() == DATA[size:].decode()  # never reads more than asked


@pytest.mark.parametrize("cap", CAPS)
def test_transfer_exactly_more_than_available_reports_eof(ioc: io_context, cap: int | None) -> None:
    ts = source(ioc, DATA, cap)
    buf = bytearray(100)
    assert run_read(ioc, ts, buf, transfer_exactly(50)) == (eof, len(DATA))


def test_transfer_at_least_zero_completes_without_reading(ioc: io_context) -> None:
    ts = source(ioc, DATA, None)
    buf = bytearray(10)
    assert run_read(ioc, ts, buf, transfer_at_least(0)) == (success, 0)
    assert ts.nread() == 0
    assert buf == bytearray(10)


def test_empty_buffer_completes_without_reading(ioc: io_context) -> None:
    ts = source(ioc, DATA, None)
    assert run_read(ioc, ts, bytearray()) == (success, 0)
    assert ts.nread() == 0


@pytest.mark.parametrize("cap", [1, 7, None])
def test_a_custom_condition_is_asked_before_the_first_read_and_after_each(
    ioc: io_context, cap: int | None
) -> None:
    ts = source(ioc, DATA, cap)
    calls: list[tuple[error_code, int]] = []

    def condition(ec: error_code, total: int) -> int:
        calls.append((ec, total))
        return 0 if total >= 12 else 5

    buf = bytearray(100)
    ec, n = run_read(ioc, ts, buf, condition)
    assert calls[0] == (success, 0)
    step = 5 if cap is None else min(5, cap)
    expected_totals = [0]
    while expected_totals[-1] < 12:
        expected_totals.append(expected_totals[-1] + step)
    assert [t for _, t in calls] == expected_totals
    assert (ec, n) == (success, expected_totals[-1])
    assert bytes(buf[:n]) == DATA[:n]


def test_a_bool_condition_means_complete(ioc: io_context) -> None:
    ts = source(ioc, DATA, 7)
    buf = bytearray(100)
    assert run_read(ioc, ts, buf, lambda ec, total: bool(ec) or total >= 14) == (success, 14)


def test_a_writable_memoryview_is_filled(ioc: io_context) -> None:
    ts = source(ioc, DATA, 7)
    storage = bytearray(40)
    assert run_read(ioc, ts, memoryview(storage)[2:20]) == (success, 18)
    assert bytes(storage[2:20]) == DATA[:18]
    assert storage[:2] == b"\0\0"


def test_pending_read_completes_as_the_peer_writes(ioc: io_context) -> None:
    a, b = stream(ioc), stream(ioc)
    connect(a, b)
    b.read_size(3)
    buf = bytearray(10)
    results: Results = []
    async_read(b, buf, recorder(results))
    ioc.poll()
    assert results == [] and ioc.has_outstanding_work()  # R3: waits for the rest
    a.write_some(b"0123")
    ioc.poll()
    assert results == []
    a.write_some(b"456789xyz")
    ioc.run_for(5)
    assert results == [(success, 10)]
    assert buf == b"0123456789"
    assert b.str() == "xyz"


def test_close_during_the_read_reports_operation_aborted_with_the_count(ioc: io_context) -> None:
    ts = stream(ioc, b"abc")
    buf = bytearray(10)
    results: Results = []
    async_read(ts, buf, recorder(results))
    ioc.poll()
    ts.close()
    ioc.run_for(5)
    assert results == [(operation_aborted, 3)]


def test_completion_racing_with_close_runs_the_handler_once(ioc: io_context) -> None:
    a, b = stream(ioc), stream(ioc)
    connect(a, b)
    buf = bytearray(4)
    results: Results = []
    async_read(b, buf, recorder(results))

    def complete_and_close() -> None:
        a.write_some(b"full")  # the read's last step completes (queued) ...
        b.close()  # ... so closing now aborts nothing

    post(ioc, complete_and_close)
    ioc.run_for(5)
    assert results == [(success, 4)]
    assert not ioc.has_outstanding_work()


def test_handler_and_steps_run_in_the_bound_strand(ioc: io_context) -> None:
    strand = make_strand(ioc)
    ts = layered(source(ioc, DATA, 5))
    ts.probe = strand.running_in_this_thread
    seen: list[tuple[bool, error_code, int]] = []
    async_read(
        ts,
        bytearray(20),
        bind_executor(strand, lambda ec, n: seen.append((strand.running_in_this_thread(), ec, n))),
    )
    ioc.run_for(5)
    assert seen == [(True, success, 20)]
    assert ts.steps == [True] * 4  # R7: intermediate steps run in the strand too


def test_immediate_completion_runs_in_the_bound_strand(ioc: io_context) -> None:
    strand = make_strand(ioc)
    seen: list[bool] = []
    async_read(
        stream(ioc),
        bytearray(),
        bind_executor(strand, lambda ec, n: seen.append(strand.running_in_this_thread())),
    )
    assert seen == []
    ioc.run_for(5)
    assert seen == [True]


def test_use_future(ioc: io_context) -> None:
    ts = source(ioc, DATA, 7)
    buf = bytearray(20)
    future = async_read(ts, buf, transfer_exactly(9), use_future)
    assert future is not None
    ioc.run_for(5)
    assert future.result(0) == 9
    failing = async_read(source(ioc, b"ab", None), bytearray(5), use_future)
    assert failing is not None
    ioc.restart()
    ioc.run_for(5)
    with pytest.raises(system_error) as info:
        failing.result(0)
    assert info.value.code == eof


def test_misuse_raises_at_once(ioc: io_context) -> None:
    ts = source(ioc, DATA, None)
    handler = recorder([])
    with pytest.raises(TypeError, match="read-only"):
        async_read(ts, b"immutable", handler)
    with pytest.raises(TypeError, match="read-only"):
        async_read(ts, memoryview(bytearray(3)).toreadonly(), handler)
    with pytest.raises(TypeError, match="writable bytes-like"):
        async_read(ts, [bytearray(3)], handler)
    with pytest.raises(TypeError, match="callable"):
        async_read(ts, bytearray(3), 5, handler)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="async_read_some"):
        async_read(object(), bytearray(3), handler)
    with pytest.raises(TypeError, match="completion handler"):
        async_read(ts, bytearray(3), transfer_all(), None)
    with pytest.raises(TypeError, match="read-only"):
        read(ts, b"x")
    assert ts.nread() == 0
    assert not ioc.has_outstanding_work()


def test_fail_loop_reaches_every_read() -> None:
    def body(fc: fail_count) -> error_code:
        ctx = io_context()
        ts = stream(ctx, DATA, fc=fc)
        ts.read_size(10)
        buf = bytearray(len(DATA))
        results: Results = []
        async_read(ts, buf, recorder(results))
        ctx.run_for(5)
        assert len(results) == 1
        ec, n = results[0]
        if not ec:
            assert n == len(DATA)
            assert buf == DATA
        return ec

    assert fail_loop(body) == 4  # 36 bytes in reads of 10


# -- dynamic buffers -----------------------------------------------------------------------

DYNAMIC: dict[str, Callable[[int | None], Any]] = {
    "streambuf": lambda limit: streambuf(limit),
    "dynamic_buffer": lambda limit: dynamic_buffer(bytearray(), limit),
    "flat_buffer": lambda limit: flat_buffer(limit),
}


def content(dynbuf: Any) -> bytes:
    with dynbuf.data() as view:
        return bytes(view)


@pytest.mark.parametrize("kind", DYNAMIC)
@pytest.mark.parametrize("cap", CAPS)
def test_dynamic_buffer_reads_until_eof(ioc: io_context, kind: str, cap: int | None) -> None:
    data = os.urandom(3000)
    ts = source(ioc, data, cap)
    dynbuf = DYNAMIC[kind](None)
    assert run_read(ioc, ts, dynbuf) == (eof, 3000)
    assert content(dynbuf) == data


@pytest.mark.parametrize("kind", DYNAMIC)
def test_dynamic_buffer_stops_at_max_size(ioc: io_context, kind: str) -> None:
    ts = source(ioc, DATA, 7)
    dynbuf = DYNAMIC[kind](20)
    assert run_read(ioc, ts, dynbuf) == (success, 20)
    assert content(dynbuf) == DATA[:20]
    assert ts.str() == DATA[20:].decode()
    # Full: the next read completes at once without reading.
    nread = ts.nread()
    assert run_read(ioc, ts, dynbuf) == (success, 0)
    assert ts.nread() == nread


@pytest.mark.parametrize("kind", DYNAMIC)
@pytest.mark.parametrize("cap", [1, 7])
def test_dynamic_buffer_with_conditions(ioc: io_context, kind: str, cap: int) -> None:
    ts = source(ioc, DATA, cap)
    dynbuf = DYNAMIC[kind](None)
    assert run_read(ioc, ts, dynbuf, transfer_exactly(9)) == (success, 9)
    assert content(dynbuf) == DATA[:9]
    ec, n = run_read(ioc, ts, dynbuf, transfer_at_least(10))
    assert ec == success and 10 <= n < 10 + cap
    assert content(dynbuf) == DATA[: 9 + n]
    assert run_read(ioc, ts, dynbuf, transfer_at_least(0)) == (success, 0)


def test_dynamic_buffer_prepares_at_least_512_bytes(ioc: io_context) -> None:
    ts = layered(source(ioc, DATA, None))
    dynbuf = streambuf()
    assert run_read(ioc, ts, dynbuf, transfer_exactly(3)) == (success, 3)
    assert ts.sizes == [3]  # the condition caps the 512-byte minimum
    ts.sizes.clear()
    assert run_read(ioc, ts, dynbuf) == (eof, len(DATA) - 3)
    assert ts.sizes == [512, 512]  # the data, then eof


def test_fail_loop_with_a_dynamic_buffer() -> None:
    def body(fc: fail_count) -> error_code:
        ctx = io_context()
        ts = stream(ctx, DATA, fc=fc)
        ts.read_size(12)
        dynbuf = dynamic_buffer(bytearray(), 36)
        results: Results = []
        async_read(ts, dynbuf, recorder(results))
        ctx.run_for(5)
        ec, n = results[0]
        if not ec:
            assert (n, content(dynbuf)) == (36, DATA)
        return ec

    assert fail_loop(body) == 3


# -- synchronous read ------------------------------------------------------------------------


@pytest.mark.parametrize("cap", CAPS)
def test_sync_read_conditions(ioc: io_context, cap: int | None) -> None:
    ts = source(ioc, DATA, cap)
    buf = bytearray(100)
    assert read(ts, memoryview(buf)[:5]) == 5
    assert read(ts, memoryview(buf)[5:], transfer_exactly(5)) == 5
    n = read(ts, memoryview(buf)[10:], transfer_at_least(3))
    assert 3 <= n <= (3 if cap is None else 3 + cap) or cap is None
    assert bytes(buf[: 10 + n]) == DATA[: 10 + n]
    assert read(ts, bytearray(4), transfer_at_least(0)) == 0
    with pytest.raises(system_error) as info:
        read(ts, bytearray(100))
    assert info.value.code == eof


@pytest.mark.parametrize("kind", DYNAMIC)
def test_sync_read_into_dynamic_buffers(ioc: io_context, kind: str) -> None:
    ts = source(ioc, DATA, 7)
    dynbuf = DYNAMIC[kind](None)
    assert read(ts, dynbuf, transfer_exactly(10)) == 10
    with pytest.raises(system_error) as info:
        read(ts, dynbuf)
    assert info.value.code == eof
    assert content(dynbuf) == DATA


def test_sync_fail_loop() -> None:
    def body(fc: fail_count) -> None:
        ts = stream(io_context(), DATA, fc=fc)
        ts.read_size(20)
        buf = bytearray(36)
        assert read(ts, buf) == 36

    assert fail_loop(body) == 2


# -- volume --------------------------------------------------------------------------------


def pump(size: int, read_cap: int) -> float:
    """``size`` random bytes through async_write and async_read; returns the seconds taken."""
    data = os.urandom(size)
    ioc = io_context()
    a, b = stream(ioc), stream(ioc)
    connect(a, b)
    b.read_size(read_cap)
    buf = bytearray(size)
    results: Results = []
    start = time.perf_counter()
    async_write(a, data, recorder(results))
    async_read(b, buf, recorder(results))
    # 2 Mi one-byte steps take ~3 s on a quiet machine: the bound leaves room for a busy one.
    ioc.run_for(240)
    elapsed = time.perf_counter() - start
    assert results == [(success, size), (success, size)]
    assert buf == data
    assert not ioc.has_outstanding_work()
    return elapsed


def test_4_mib_with_7_byte_reads() -> None:
    pump(4 << 20, 7)


def test_2_mib_with_1_byte_reads() -> None:
    # Two million one-byte steps (16 MiB of them took ~25 s, a CI budget of its own; the
    # loop's logic is the same at every size).
    pump(2 << 20, 1)
