"""Tests for asiolike.write: async_write / write over the test stream (Asio's write.cpp style)."""

from __future__ import annotations

import os
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
from asiolike.completion_condition import transfer_all, transfer_at_least, transfer_exactly
from asiolike.error import connection_reset, error_code, success, system_error
from asiolike.ip import tcp
from asiolike.read import async_read
from asiolike.testing import connect, error, fail_count, fail_loop, stream
from asiolike.write import async_write, write

Results = list[tuple[error_code, int]]

DATA = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
CAPS = [1, 7, 10, None]


def recorder(results: Results) -> Callable[[error_code, int], None]:
    def handler(ec: error_code, n: int) -> None:
        results.append((ec, n))

    return handler


def pair(
    ioc: io_context, cap: int | None = None, fc: fail_count | None = None
) -> tuple[stream, stream]:
    a, b = stream(ioc, fc=fc), stream(ioc)
    connect(a, b)
    if cap is not None:
        a.write_size(cap)
    return a, b


class layered:
    """A layer over a test stream that records every chunk passed to write_some."""

    def __init__(self, next_layer: stream, probe: Callable[[], Any] = lambda: None) -> None:
        self.next_layer = next_layer
        # (size, the object whose memory it shows): views are released after completion.
        self.chunks: list[tuple[int, object]] = []
        self.steps: list[Any] = []
        self.probe = probe

    def get_executor(self) -> Any:
        return self.next_layer.get_executor()

    def async_write_some(self, data: Any, handler: Any) -> None:
        self.chunks.append((data.nbytes, data.obj))
        self.next_layer.async_write_some(data, layered_step(self, handler))

    def write_some(self, data: Any) -> int:
        self.chunks.append((data.nbytes, data.obj))
        return self.next_layer.write_some(data)


class layered_step:
    def __init__(self, layer: layered, handler: Any) -> None:
        self.layer = layer
        self.handler = handler
        self.associated_executor = get_associated_executor(handler)

    def __call__(self, ec: error_code, n: int) -> None:
        self.layer.steps.append(self.layer.probe())
        self.handler(ec, n)


def run_write(ioc: io_context, ts: Any, data: Any, cond: Any = None) -> tuple[error_code, int]:
    results: Results = []
    if cond is None:
        async_write(ts, data, recorder(results))
    else:
        async_write(ts, data, cond, recorder(results))
    assert results == []  # R1
    ioc.run_for(5)
    assert len(results) == 1  # R2
    assert not ioc.has_outstanding_work()  # R3
    ioc.restart()
    return results[0]


@pytest.mark.parametrize("cap", CAPS)
@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_writes_everything(ioc: io_context, cap: int | None, kind: Callable[[bytes], Any]) -> None:
    a, b = pair(ioc, cap)
    assert run_write(ioc, a, kind(DATA)) == (success, len(DATA))
    assert b.bytes() == DATA
    assert a.nwrite() == (1 if cap is None else -(-len(DATA) // cap))


@pytest.mark.parametrize("cap", CAPS)
def test_transfer_at_least(ioc: io_context, cap: int | None) -> None:
    a, b = pair(ioc, cap)
    ec, n = run_write(ioc, a, DATA, transfer_at_least(10))
    step = len(DATA) if cap is None else cap
    assert (ec, n) == (success, min(len(DATA), -(-10 // step) * step))
    assert b.bytes() == DATA[:n]


@pytest.mark.parametrize("cap", CAPS)
@pytest.mark.parametrize("size", [1, 10, 36])
def test_transfer_exactly(ioc: io_context, cap: int | None, size: int) -> None:
    a, b = pair(ioc, cap)
    assert run_write(ioc, a, DATA, transfer_exactly(size)) == (success, size)
    assert b.bytes() == DATA[:size]


def test_a_condition_met_at_once_writes_nothing(ioc: io_context) -> None:
    a, _ = pair(ioc)
    assert run_write(ioc, a, DATA, transfer_at_least(0)) == (success, 0)
    assert run_write(ioc, a, b"") == (success, 0)
    assert run_write(ioc, a, []) == (success, 0)
    assert a.nwrite() == 0


def test_a_custom_condition_is_asked_before_and_after_each_write(ioc: io_context) -> None:
    a, b = pair(ioc, 4)
    calls: list[int] = []

    def condition(ec: error_code, total: int) -> int:
        calls.append(total)
        return 0 if total >= 10 else 3

    assert run_write(ioc, a, DATA, condition) == (success, 12)
    assert calls == [0, 3, 6, 9, 12]
    assert b.bytes() == DATA[:12]


@pytest.mark.parametrize("cap", [1, 7, None])
def test_buffer_sequences_are_written_in_order(ioc: io_context, cap: int | None) -> None:
    a, b = pair(ioc, cap)
    parts = [b"GET / HTTP/1.1\r\n", b"", bytearray(b"Host: x\r\n\r\n"), memoryview(DATA), b"!"]
    expected = b"".join(bytes(p) for p in parts)
    assert run_write(ioc, a, parts) == (success, len(expected))
    assert b.bytes() == expected
    assert run_write(ioc, a, tuple(parts)) == (success, len(expected))


def test_small_buffers_are_gathered_large_ones_never_copied(ioc: io_context) -> None:
    a, b = pair(ioc)
    big = os.urandom(200_000)
    layer = layered(a)
    small = [b"x" * 100 for _ in range(5)]
    assert run_write(ioc, layer, [*small, big, b"tail"]) == (success, 500 + 200_000 + 4)
    assert b.bytes() == b"".join(small) + big + b"tail"
    sizes = [size for size, _ in layer.chunks]
    assert sizes == [500, 65536, 65536, 65536, 200_000 - 3 * 65536, 4]
    # Every chunk of the large buffer is a view of the caller's object: no copy.
    assert all(obj is big for _, obj in layer.chunks[1:5])


def test_64_mib_is_written_from_views_of_the_callers_memory(ioc: io_context) -> None:
    data = os.urandom(64 << 20)
    a, b = pair(ioc)
    layer = layered(a)
    assert run_write(ioc, layer, data) == (success, len(data))
    assert len(layer.chunks) == 1024
    assert all(obj is data and size == 65536 for size, obj in layer.chunks)
    assert b.bytes() == data


@pytest.mark.parametrize("kind", ["streambuf", "dynamic_buffer", "flat_buffer"])
def test_dynamic_buffer_is_written_and_consumed(ioc: io_context, kind: str) -> None:
    a, b = pair(ioc, 7)
    dynbuf: Any = {"streambuf": streambuf, "flat_buffer": flat_buffer}.get(kind, lambda: None)()
    storage = bytearray()
    if dynbuf is None:
        dynbuf = dynamic_buffer(storage)
    view = dynbuf.prepare(len(DATA))
    view[:] = DATA
    del view
    dynbuf.commit(len(DATA))
    assert run_write(ioc, a, dynbuf, transfer_exactly(20)) == (success, 20)
    assert dynbuf.size() == len(DATA) - 20
    assert run_write(ioc, a, dynbuf) == (success, len(DATA) - 20)
    assert dynbuf.size() == 0
    assert b.bytes() == DATA
    if kind == "dynamic_buffer":
        assert storage == b""


def test_errors_report_the_bytes_written_so_far(ioc: io_context) -> None:
    a, b = pair(ioc, 10)
    results: Results = []
    async_write(a, DATA, recorder(results))
    # The test stream takes each write at once; one step later 20 bytes have been sent.
    assert ioc.run_one() == 1
    b.close()
    ioc.run_for(5)
    assert results == [(connection_reset, 20)]
    assert b.bytes() == DATA[:20]
    ioc.restart()
    assert run_write(ioc, stream(ioc), b"x") == (connection_reset, 0)


def test_completion_racing_with_close_runs_the_handler_once(ioc: io_context) -> None:
    a, _ = pair(ioc)
    results: Results = []
    async_write(a, DATA, recorder(results))
    post(ioc, a.close)  # runs after the write completed, before its handler
    ioc.run_for(5)
    assert results == [(success, len(DATA))]
    assert not ioc.has_outstanding_work()


def test_handler_and_steps_run_in_the_bound_strand(ioc: io_context) -> None:
    strand = make_strand(ioc)
    a, _ = pair(ioc, 10)
    layer = layered(a, strand.running_in_this_thread)
    seen: list[tuple[bool, error_code, int]] = []
    async_write(
        layer,
        DATA,
        bind_executor(strand, lambda ec, n: seen.append((strand.running_in_this_thread(), ec, n))),
    )
    ioc.run_for(5)
    assert seen == [(True, success, len(DATA))]
    assert layer.steps == [True] * 4
    seen.clear()
    async_write(
        a,
        b"",
        bind_executor(strand, lambda ec, n: seen.append((strand.running_in_this_thread(), ec, n))),
    )
    ioc.restart()
    ioc.run_for(5)
    assert seen == [(True, success, 0)]


def test_use_future(ioc: io_context) -> None:
    a, _ = pair(ioc, 5)
    future = async_write(a, DATA, use_future)
    assert future is not None
    ioc.run_for(5)
    assert future.result(0) == len(DATA)


def test_misuse_raises_at_once(ioc: io_context) -> None:
    a, _ = pair(ioc)
    handler = recorder([])
    with pytest.raises(TypeError, match="encode"):
        async_write(a, "text", handler)
    with pytest.raises(TypeError, match="bytes-like"):
        async_write(a, 42, handler)
    with pytest.raises(TypeError, match="bytes-like"):
        async_write(a, [b"ok", 42], handler)
    with pytest.raises(TypeError, match="callable"):
        async_write(a, DATA, "cond", handler)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="async_write_some"):
        async_write(object(), DATA, handler)
    with pytest.raises(TypeError, match="write_some"):
        write(object(), DATA)
    assert a.nwrite() == 0
    assert not ioc.has_outstanding_work()


def test_fail_loop_reaches_every_write() -> None:
    def body(fc: fail_count) -> error_code:
        ctx = io_context()
        a, b = pair(ctx, 10, fc)
        results: Results = []
        async_write(a, DATA, recorder(results))
        ctx.run_for(5)
        ec, n = results[0]
        assert b.bytes() == DATA[:n]
        if ec:
            assert ec == error.test_failure and n % 10 == 0
        return ec

    assert fail_loop(body) == 4


@pytest.mark.parametrize("cap", CAPS)
def test_sync_write(ioc: io_context, cap: int | None) -> None:
    a, b = pair(ioc, cap)
    assert write(a, DATA) == len(DATA)
    assert write(a, [b"ab", b"cd"], transfer_exactly(3)) == 3
    assert write(a, DATA, transfer_all()) == len(DATA)
    dynbuf = streambuf()
    view = dynbuf.prepare(4)
    view[:] = b"wxyz"
    del view
    dynbuf.commit(4)
    assert write(a, dynbuf) == 4
    assert dynbuf.size() == 0
    assert b.bytes() == DATA + b"abc" + DATA + b"wxyz"
    b.close()
    with pytest.raises(system_error) as info:
        write(a, DATA)
    assert info.value.code == connection_reset


def test_sync_fail_loop() -> None:
    def body(fc: fail_count) -> None:
        a, b = pair(io_context(), 12, fc)
        assert write(a, DATA) == 36
        assert b.bytes() == DATA

    assert fail_loop(body) == 3


def test_dynamic_buffers_over_real_sockets(ioc: io_context) -> None:
    acceptor = tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0))
    client = tcp.socket(ioc)
    client.connect(tcp.endpoint("127.0.0.1", acceptor.local_endpoint().port()))
    server = acceptor.accept()
    data = os.urandom(1 << 20)
    # dynamic_buffer over a bytearray: every view must be released before it is resized.
    outgoing = bytearray(data)
    incoming = bytearray()
    results: Results = []
    async_write(client, dynamic_buffer(outgoing), recorder(results))
    async_read(server, dynamic_buffer(incoming), transfer_exactly(len(data)), recorder(results))
    ioc.run_for(5)
    assert sorted(n for _, n in results) == [len(data), len(data)]
    assert all(ec == success for ec, _ in results)
    assert outgoing == b""
    assert incoming == data
    for s in (client, server, acceptor):
        s.close()


def exchange_and_clear(ioc: io_context, writer: Any, reader: Any) -> None:
    """Write and read 200 kB; each handler clears the bytearray it passed."""
    outgoing = bytearray(os.urandom(200_000))
    incoming = bytearray(200_000)
    expected = bytes(outgoing)
    done: list[str] = []

    def on_write(ec: error_code, n: int) -> None:
        assert (ec, n) == (success, 200_000)
        outgoing.clear()  # BufferError if a view of it were still alive
        done.append("write")

    def on_read(ec: error_code, n: int) -> None:
        assert (ec, n) == (success, 200_000)
        assert incoming == expected
        incoming.clear()
        done.append("read")

    async_write(writer, outgoing, on_write)
    async_read(reader, incoming, on_read)
    ioc.run_for(5)
    ioc.restart()
    assert sorted(done) == ["read", "write"]


def test_the_handler_may_resize_the_buffers_it_passed(ioc: io_context) -> None:
    acceptor = tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0))
    client = tcp.socket(ioc)
    client.connect(tcp.endpoint("127.0.0.1", acceptor.local_endpoint().port()))
    server = acceptor.accept()
    exchange_and_clear(ioc, client, server)
    exchange_and_clear(ioc, *pair(ioc, 1000))
    for s in (client, server, acceptor):
        s.close()
