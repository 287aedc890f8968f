"""Tests for asiolike.read_until: delimiters (bytes, str, regex, match functions), every split."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from asiolike import bind_executor, io_context, make_strand, post, use_future
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.buffer import dynamic_buffer, streambuf
from asiolike.error import eof, error_code, not_found, operation_aborted, success, system_error
from asiolike.read_until import async_read_until, read_until
from asiolike.testing import connect, fail_count, fail_loop, stream

Results = list[tuple[error_code, int]]

MESSAGE = b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody"
HEADER_END = MESSAGE.index(b"\r\n\r\n") + 4

DYNAMIC: dict[str, Callable[[int | None], Any]] = {
    "streambuf": lambda limit: streambuf(limit),
    "dynamic_buffer": lambda limit: dynamic_buffer(bytearray(), limit),
    "flat_buffer": lambda limit: flat_buffer(limit),
}


def recorder(results: Results) -> Callable[[error_code, int], None]:
    def handler(ec: error_code, n: int) -> None:
        results.append((ec, n))

    return handler


def content(dynbuf: Any) -> bytes:
    with dynbuf.data() as view:
        return bytes(view)


def run_until(ioc: io_context, ts: Any, dynbuf: Any, delim: Any) -> tuple[error_code, int]:
    results: Results = []
    async_read_until(ts, dynbuf, delim, recorder(results))
    assert results == []  # R1
    ioc.run_for(5)
    assert len(results) == 1  # R2
    assert not ioc.has_outstanding_work()  # R3
    ioc.restart()
    return results[0]


def crlf_crlf(data: memoryview, start: int) -> tuple[int, bool]:
    """A match function for the end of an HTTP header, resuming where it left off."""
    i = bytes(data[start:]).find(b"\r\n\r\n")
    if i >= 0:
        return start + i + 4, True
    return max(start, len(data) - 3), False


DELIMITERS: dict[str, Any] = {
    "bytes": b"\r\n\r\n",
    "bytearray": bytearray(b"\r\n\r\n"),
    "str": "\r\n\r\n",
    "regex": re.compile(rb"\r\n\r\n"),
    "function": crlf_crlf,
}


@pytest.mark.parametrize("delim", DELIMITERS)
@pytest.mark.parametrize("kind", DYNAMIC)
def test_every_read_cap(ioc: io_context, delim: str, kind: str) -> None:
    for cap in range(1, len(MESSAGE) + 1):
        ts = stream(ioc, MESSAGE)
        ts.read_size(cap)
        dynbuf = DYNAMIC[kind](None)
        assert run_until(ioc, ts, dynbuf, DELIMITERS[delim]) == (success, HEADER_END), cap
        # Bytes after the delimiter stay in the buffer (or in the stream).
        assert content(dynbuf) + ts.bytes() == MESSAGE


@pytest.mark.parametrize("delim", DELIMITERS)
def test_split_at_every_position_between_two_writes(ioc: io_context, delim: str) -> None:
    for split in range(len(MESSAGE) + 1):
        a, b = stream(ioc), stream(ioc)
        connect(a, b)
        dynbuf = streambuf()
        results: Results = []
        if split:
            a.write_some(MESSAGE[:split])
        async_read_until(b, dynbuf, DELIMITERS[delim], recorder(results))
        ioc.poll()
        assert results == ([] if split < HEADER_END else [(success, HEADER_END)]), split
        if split < len(MESSAGE):
            a.write_some(MESSAGE[split:])
        ioc.run_for(5)
        ioc.restart()
        assert results == [(success, HEADER_END)], split
        assert content(dynbuf) + b.bytes() == MESSAGE


def test_data_after_the_delimiter_serves_the_next_call_without_reading(ioc: io_context) -> None:
    ts = stream(ioc, b"one\ntwo\nthree")
    ts.close_remote()
    dynbuf = streambuf()
    assert run_until(ioc, ts, dynbuf, b"\n") == (success, 4)
    assert content(dynbuf) == b"one\ntwo\nthree"
    nread = ts.nread()
    dynbuf.consume(4)
    assert run_until(ioc, ts, dynbuf, "\n") == (success, 4)
    assert ts.nread() == nread  # found in the buffer: completed through the queue
    dynbuf.consume(4)
    assert run_until(ioc, ts, dynbuf, b"\n") == (eof, 0)
    assert content(dynbuf) == b"three"  # eof leaves the bytes read


def test_not_found_when_the_buffer_is_full_and_nothing_is_lost(ioc: io_context) -> None:
    for cap in (1, 3, 7, None):
        ts = stream(ioc, b"0123456789abcdef\n")
        if cap:
            ts.read_size(cap)
        dynbuf = streambuf(10)
        assert run_until(ioc, ts, dynbuf, b"\n") == (not_found, 0)
        assert content(dynbuf) == b"0123456789"
        assert ts.bytes() == b"abcdef\n"


@pytest.mark.parametrize("kind", DYNAMIC)
def test_a_delimiter_ending_exactly_at_max_size_is_found(ioc: io_context, kind: str) -> None:
    ts = stream(ioc, b"123456789\nrest")
    ts.read_size(4)
    dynbuf = DYNAMIC[kind](10)
    assert run_until(ioc, ts, dynbuf, b"\n") == (success, 10)
    # A full buffer without the delimiter: not_found at once, without reading.
    nread = ts.nread()
    assert run_until(ioc, ts, dynbuf, b"#") == (not_found, 0)
    assert ts.nread() == nread


def test_a_multibyte_delimiter_straddling_the_max_size(ioc: io_context) -> None:
    ts = stream(ioc, b"abcdefgh\r\n")
    dynbuf = streambuf(9)
    assert run_until(ioc, ts, dynbuf, b"\r\n") == (not_found, 0)
    assert content(dynbuf) == b"abcdefgh\r"


def test_regex_match_ends_where_the_regex_match_ends(ioc: io_context) -> None:
    ts = stream(ioc, b"key=value; next")
    ts.read_size(2)
    dynbuf = streambuf()
    assert run_until(ioc, ts, dynbuf, re.compile(rb"=\w+;")) == (success, 10)


def test_regex_is_searched_from_the_start_again(ioc: io_context) -> None:
    # The match begins in the first read and is completed by later ones.
    ts = stream(ioc, b"xx<tag attr='1'>rest")
    ts.read_size(3)
    dynbuf = streambuf()
    assert run_until(ioc, ts, dynbuf, re.compile(rb"<[^>]*>")) == (success, 16)


def test_the_match_function_protocol(ioc: io_context) -> None:
    ts = stream(ioc, b"aaaa:bbbbbb:c")
    ts.read_size(3)
    calls: list[tuple[bytes, int]] = []

    def second_colon(data: memoryview, start: int) -> tuple[int, bool]:
        calls.append((bytes(data), start))
        assert data.readonly
        count = bytes(data).count(b":")
        if count >= 2:
            return bytes(data).index(b":", bytes(data).index(b":") + 1) + 1, True
        return len(data), False  # resume after everything seen

    dynbuf = streambuf()
    assert run_until(ioc, ts, dynbuf, second_colon) == (success, 12)
    assert calls[0] == (b"", 0)
    starts = [start for _, start in calls]
    assert starts == [len(data) for data, _ in [(b"", 0), *calls[:-1]]]


def test_a_bad_match_function_result_raises(ioc: io_context) -> None:
    ts = stream(ioc, b"abc")
    dynbuf = streambuf()
    with pytest.raises(TypeError, match="match function"):
        async_read_until(ts, dynbuf, lambda data, start: len(data), recorder([]))  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="outside"):
        async_read_until(ts, dynbuf, lambda data, start: (start + 99, True), recorder([]))
    assert not ioc.has_outstanding_work()


def test_long_line_with_one_byte_reads_is_scanned_once(ioc: io_context) -> None:
    line = b"x" * 60_000 + b"\r\n"
    ts = stream(ioc, line)
    ts.read_size(1)
    dynbuf = streambuf()
    assert run_until(ioc, ts, dynbuf, b"\r\n") == (success, len(line))


def test_read_errors_complete_with_zero(ioc: io_context) -> None:
    ts = stream(ioc, b"partial")
    dynbuf = streambuf()
    results: Results = []
    async_read_until(ts, dynbuf, b"\n", recorder(results))
    ioc.poll()
    ts.close()
    ioc.run_for(5)
    assert results == [(operation_aborted, 0)]
    assert content(dynbuf) == b"partial"


def test_completion_racing_with_close_runs_the_handler_once(ioc: io_context) -> None:
    a, b = stream(ioc), stream(ioc)
    connect(a, b)
    results: Results = []
    async_read_until(b, streambuf(), b"\n", recorder(results))

    def complete_and_close() -> None:
        a.write_some(b"line\n")  # the read completes (queued) ...
        b.close()  # ... so closing now aborts nothing

    post(ioc, complete_and_close)
    ioc.run_for(5)
    assert results == [(success, 5)]
    assert not ioc.has_outstanding_work()


def test_handler_runs_in_the_bound_strand(ioc: io_context) -> None:
    strand = make_strand(ioc)
    seen: list[tuple[bool, error_code, int]] = []
    ts = stream(ioc, b"ab\ncd")
    ts.read_size(1)

    def on_line(ec: error_code, n: int) -> None:
        seen.append((strand.running_in_this_thread(), ec, n))

    async_read_until(ts, streambuf(), b"\n", bind_executor(strand, on_line))
    ioc.run_for(5)
    assert seen == [(True, success, 3)]


def test_use_future(ioc: io_context) -> None:
    ts = stream(ioc, b"line\n")
    future = async_read_until(ts, streambuf(), b"\n", use_future)
    assert future is not None
    ioc.run_for(5)
    assert future.result(0) == 5


def test_misuse_raises_at_once(ioc: io_context) -> None:
    ts = stream(ioc, b"x")
    handler = recorder([])
    with pytest.raises(ValueError, match="empty"):
        async_read_until(ts, streambuf(), b"", handler)
    with pytest.raises(ValueError, match="ASCII"):
        async_read_until(ts, streambuf(), "\u00e9", handler)
    with pytest.raises(TypeError, match="bytes pattern"):
        async_read_until(ts, streambuf(), re.compile("x"), handler)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="delimiter"):
        async_read_until(ts, streambuf(), 10, handler)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dynamic buffer"):
        async_read_until(ts, bytearray(10), b"\n", handler)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="async_read_some"):
        async_read_until(object(), streambuf(), b"\n", handler)
    with pytest.raises(TypeError, match="completion handler"):
        async_read_until(ts, streambuf(), b"\n", 3)
    assert ts.nread() == 0
    assert not ioc.has_outstanding_work()


def test_fail_loop() -> None:
    def body(fc: fail_count) -> error_code:
        ctx = io_context()
        ts = stream(ctx, MESSAGE, fc=fc)
        ts.read_size(10)
        dynbuf = dynamic_buffer(bytearray())
        results: Results = []
        async_read_until(ts, dynbuf, b"\r\n\r\n", recorder(results))
        ctx.run_for(5)
        ec, n = results[0]
        if not ec:
            assert n == HEADER_END
        return ec

    assert fail_loop(body) == -(-HEADER_END // 10)


@pytest.mark.parametrize("delim", DELIMITERS)
def test_sync_read_until(ioc: io_context, delim: str) -> None:
    ts = stream(ioc, MESSAGE)
    ts.read_size(3)
    ts.close_remote()
    dynbuf = dynamic_buffer(bytearray())
    assert read_until(ts, dynbuf, DELIMITERS[delim]) == HEADER_END
    dynbuf.consume(HEADER_END)
    with pytest.raises(system_error) as info:
        read_until(ts, dynbuf, DELIMITERS[delim])
    assert info.value.code == eof
    assert content(dynbuf) == b"body"


def test_sync_read_until_not_found() -> None:
    ts = stream(io_context(), b"0123456789")
    dynbuf = streambuf(5)
    with pytest.raises(system_error) as info:
        read_until(ts, dynbuf, b"\n")
    assert info.value.code == not_found
    assert content(dynbuf) == b"01234"
    with pytest.raises(TypeError, match="read_some"):
        read_until(object(), dynbuf, b"\n")
