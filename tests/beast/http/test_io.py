"""Tests for asiolike.beast.http.io: reading and writing messages on streams.

Most tests run over :class:`asiolike.testing.stream` with reads capped at 1 and 7 bytes
(every parser input is then also fed one byte at a time) and under the fail loop (every
operation of the stream fails once, and the failure must reach the handler). The
interoperability tests use real sockets on 127.0.0.1: our client against the standard
library's ``http.server``, and ``http.client`` against a small server of ours.
"""

from __future__ import annotations

import http.client as http_client
import http.server as http_server
import threading
import tracemalloc
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from asiolike import bind_executor, io_context, make_strand, post, testing, use_future
from asiolike.beast import flat_buffer, http
from asiolike.beast.core import tcp_stream
from asiolike.error import error_code, operation_aborted, success, system_error
from asiolike.ip import tcp
from tests.support.lifetimes import descriptor, gc_disabled

Result = list[tuple[error_code, int]]

REQUEST = (
    b"POST /submit?x=1 HTTP/1.1\r\n"
    b"Host: example.com\r\n"
    b"User-Agent: test\r\n"
    b"Content-Length: 11\r\n"
    b"\r\n"
    b"hello world"
)
RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Server: test\r\n"
    b"Content-Length: 5\r\n"
    b"\r\n"
    b"abcde"
)
CHUNKED = (
    b"HTTP/1.1 200 OK\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"\r\n"
    b"5;name=value\r\nhello\r\n"
    b"6\r\n world\r\n"
    b"0\r\n"
    b"Trailer-Field: yes\r\n"
    b"\r\n"
)
CLOSE_DELIMITED = b"HTTP/1.1 200 OK\r\nServer: test\r\n\r\nuntil the end"

CAPS = [None, 1, 7]


def recorder(result: Result) -> Callable[[error_code, int], None]:
    def handler(ec: error_code, n: int) -> None:
        result.append((ec, n))

    return handler


def make_stream(
    ioc: io_context, data: bytes, cap: int | None = None, *, ended: bool = True, fc: Any = None
) -> testing.stream:
    ts = testing.stream(ioc, data, fc=fc)
    if cap is not None:
        ts.read_size(cap)
    if ended:
        ts.close_remote()
    return ts


def read_one(
    ioc: io_context, ts: Any, buffer: Any, target: Any, how: Callable[..., Any] = http.async_read
) -> tuple[error_code, int]:
    result: Result = []
    how(ts, buffer, target, recorder(result))
    assert result == []  # R1
    ioc.run_for(5)
    assert len(result) == 1  # R2
    assert not ioc.has_outstanding_work()  # R3
    ioc.restart()
    return result[0]


# -- reading messages -------------------------------------------------------------------------


@pytest.mark.parametrize("cap", CAPS)
def test_read_a_request_into_a_message(ioc: io_context, cap: int | None) -> None:
    ts = make_stream(ioc, REQUEST, cap)
    buffer = flat_buffer()
    req = http.request()
    assert read_one(ioc, ts, buffer, req) == (success, len(REQUEST))
    assert req.method() is http.verb.post
    assert req.target() == "/submit?x=1"
    assert req.version() == 11
    assert list(req) == [("Host", "example.com"), ("User-Agent", "test"), ("Content-Length", "11")]
    assert req.body == b"hello world"
    assert buffer.size() == 0


@pytest.mark.parametrize("cap", CAPS)
def test_read_a_response_with_a_parser(ioc: io_context, cap: int | None) -> None:
    ts = make_stream(ioc, RESPONSE, cap)
    parser = http.response_parser()
    assert read_one(ioc, ts, flat_buffer(), parser) == (success, len(RESPONSE))
    assert parser.is_done()
    res = parser.get()
    assert res.result() is http.status.ok
    assert res["Server"] == "test"
    assert res.body == b"abcde"


@pytest.mark.parametrize("cap", CAPS)
def test_read_a_chunked_body_with_trailers(ioc: io_context, cap: int | None) -> None:
    ts = make_stream(ioc, CHUNKED, cap)
    res = http.response()
    assert read_one(ioc, ts, flat_buffer(), res) == (success, len(CHUNKED))
    assert res.body == b"hello world"
    assert res["Trailer-Field"] == "yes"


@pytest.mark.parametrize("cap", CAPS)
def test_a_close_delimited_body_ends_at_eof_then_end_of_stream(
    ioc: io_context, cap: int | None
) -> None:
    ts = make_stream(ioc, CLOSE_DELIMITED, cap)
    buffer = flat_buffer()
    parser = http.response_parser()
    assert read_one(ioc, ts, buffer, parser) == (success, len(CLOSE_DELIMITED))
    assert parser.need_eof()
    assert parser.get().body == b"until the end"
    # As Beast: the next read sees the end of the stream.
    assert read_one(ioc, ts, buffer, http.response()) == (http.error.end_of_stream, 0)


def test_eof_before_any_byte_is_end_of_stream(ioc: io_context) -> None:
    ts = make_stream(ioc, b"")
    assert read_one(ioc, ts, flat_buffer(), http.request()) == (http.error.end_of_stream, 0)


@pytest.mark.parametrize("cut", [1, 20, len(REQUEST) - 11, len(REQUEST) - 1])
def test_eof_inside_a_message_is_partial_message(ioc: io_context, cut: int) -> None:
    ts = make_stream(ioc, REQUEST[:cut], 7)
    ec, n = read_one(ioc, ts, flat_buffer(), http.request_parser())
    assert ec == http.error.partial_message
    # The header is consumed once it is whole; the partial body octets are too.
    assert n == (cut if cut >= len(REQUEST) - 11 else 0)


def test_a_failed_read_leaves_the_message_unchanged(ioc: io_context) -> None:
    ts = make_stream(ioc, REQUEST[:30])
    req = http.request(http.verb.get, "/before")
    assert read_one(ioc, ts, flat_buffer(), req)[0] == http.error.partial_message
    assert req.target() == "/before"
    assert req.method() is http.verb.get


@pytest.mark.parametrize("cap", CAPS)
def test_pipelined_requests_share_the_buffer(ioc: io_context, cap: int | None) -> None:
    second = b"GET /two HTTP/1.1\r\nHost: b\r\n\r\n"
    third = b"GET /three HTTP/1.1\r\nHost: c\r\n\r\n"
    ts = make_stream(ioc, REQUEST + second + third[:10], cap, ended=False)
    buffer = flat_buffer()
    first_req = http.request()
    assert read_one(ioc, ts, buffer, first_req) == (success, len(REQUEST))
    assert first_req.body == b"hello world"
    reads = ts.nread()
    req = http.request()
    assert read_one(ioc, ts, buffer, req) == (success, len(second))
    assert req.target() == "/two"
    if cap is None:
        # Everything was read at once: the second request came from the buffer alone.
        assert ts.nread() == reads
    result: Result = []
    req3 = http.request()
    http.async_read(ts, buffer, req3, recorder(result))
    ioc.poll()
    assert result == []  # waits for the rest of the third request
    ts.append(third[10:])
    ioc.run_for(5)
    assert result == [(success, len(third))]
    assert req3.target() == "/three"
    ioc.restart()
    ts.close_remote()
    assert read_one(ioc, ts, buffer, http.request()) == (http.error.end_of_stream, 0)


def test_read_header_then_read_the_body(ioc: io_context) -> None:
    ts = make_stream(ioc, REQUEST, 7)
    buffer = flat_buffer()
    parser = http.request_parser()
    parser.eager(True)
    header_size = len(REQUEST) - 11
    assert read_one(ioc, ts, buffer, parser, http.async_read_header) == (success, header_size)
    assert parser.is_header_done() and not parser.is_done()
    assert parser.eager() is False
    assert parser.content_length() == 11
    assert read_one(ioc, ts, buffer, parser) == (success, 11)
    assert parser.get().body == b"hello world"
    # Already done: completes at once (through the queue) without reading.
    reads = ts.nread()
    assert read_one(ioc, ts, buffer, parser) == (success, 0)
    assert read_one(ioc, ts, buffer, parser, http.async_read_header) == (success, 0)
    assert ts.nread() == reads


def test_read_some_stops_after_one_parser_step(ioc: io_context) -> None:
    ts = make_stream(ioc, CHUNKED)
    buffer = flat_buffer()
    parser = http.response_parser()
    steps = []
    while not parser.is_done():
        ec, n = read_one(ioc, ts, buffer, parser, http.async_read_some)
        assert not ec
        steps.append(n)
    assert sum(steps) == len(CHUNKED)
    assert len(steps) > 2  # header, then the chunks one by one (the parser is not eager)
    assert steps[0] == CHUNKED.index(b"\r\n\r\n") + 4
    ec, n = read_one(ioc, ts, buffer, parser, http.async_read_some)
    assert (ec, n) == (http.error.stale_parser, 0)


def test_header_limit(ioc: io_context) -> None:
    data = b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 200 + b"\r\n\r\n"
    parser = http.request_parser()
    parser.header_limit(100)
    ts = make_stream(ioc, data, 7)
    assert read_one(ioc, ts, flat_buffer(), parser) == (http.error.header_limit, 0)
    # The default limit (8 KiB) with an unlimited buffer.
    big = b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n"
    ts = make_stream(ioc, big)
    assert read_one(ioc, ts, flat_buffer(), http.request()) == (http.error.header_limit, 0)


def test_a_full_buffer_is_buffer_overflow(ioc: io_context) -> None:
    data = b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 200 + b"\r\n\r\n"
    ts = make_stream(ioc, data)
    buffer = flat_buffer(64)
    assert read_one(ioc, ts, buffer, http.request()) == (http.error.buffer_overflow, 0)
    assert buffer.size() == 64


def test_body_limit(ioc: io_context) -> None:
    parser = http.request_parser()
    parser.body_limit(10)
    ts = make_stream(ioc, REQUEST)
    assert read_one(ioc, ts, flat_buffer(), parser) == (http.error.body_limit, 0)
    chunked = (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"
    )
    parser = http.request_parser()
    parser.body_limit(10)
    ts = make_stream(ioc, chunked, 7)
    ec, _ = read_one(ioc, ts, flat_buffer(), parser)
    assert ec == http.error.body_limit


def test_a_huge_content_length_fails_before_any_body_byte(ioc: io_context) -> None:
    header = b"HTTP/1.1 200 OK\r\nContent-Length: " + str(100 << 20).encode() + b"\r\n\r\n"
    ts = make_stream(ioc, header + b"x" * 1000, ended=False)
    buffer = flat_buffer()
    tracemalloc.start()
    try:
        ec, n = read_one(ioc, ts, buffer, http.response())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (ec, n) == (http.error.body_limit, 0)
    assert peak < 1 << 20  # nothing near the announced 100 MiB was allocated
    ts.close_remote()


def test_a_large_body_is_read_in_growing_steps(ioc: io_context) -> None:
    body = bytes(range(256)) * 4096  # 1 MiB
    data = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    ts = make_stream(ioc, data)
    res = http.response()
    assert read_one(ioc, ts, flat_buffer(), res) == (success, len(data))
    assert res.body == body
    assert ts.nread() < 40  # 64 KiB steps after a few doublings, not 512-byte ones


def test_protocol_errors_reach_the_handler(ioc: io_context) -> None:
    ts = make_stream(ioc, b"GET / HTTP/1.1\r\nBad Field: x\r\n\r\n", 1)
    assert read_one(ioc, ts, flat_buffer(), http.request()) == (http.error.bad_field, 0)


def test_fail_loop_read(ioc: io_context) -> None:
    def body(fc: testing.fail_count) -> error_code:
        ts = testing.stream(ioc, REQUEST, fc=fc)
        ts.read_size(7)
        result: Result = []
        req = http.request()
        http.async_read(ts, flat_buffer(), req, recorder(result))
        ioc.run_for(5)
        ioc.restart()
        assert len(result) == 1
        if not result[0][0]:
            assert req.body == b"hello world"
        return result[0][0]

    assert testing.fail_loop(body) == len(REQUEST) // 7 + 1


def test_fail_loop_write(ioc: io_context) -> None:
    res = http.response(http.status.ok, 11, b"x" * 100)
    res.prepare_payload()
    expected = http.to_bytes(res)

    def body(fc: testing.fail_count) -> error_code:
        ts = testing.stream(ioc, fc=fc)
        peer = testing.connect(ts)
        ts.write_size(7)
        result: Result = []
        http.async_write(ts, res, recorder(result))
        ioc.run_for(5)
        ioc.restart()
        assert len(result) == 1
        if not result[0][0]:
            assert result[0][1] == len(expected)
            assert peer.bytes() == expected
        return result[0][0]

    assert testing.fail_loop(body) == -(-len(expected) // 7)


def test_a_pending_read_is_aborted_by_close(ioc: io_context) -> None:
    ts = make_stream(ioc, REQUEST[:20], ended=False)
    result: Result = []
    http.async_read(ts, flat_buffer(), http.request(), recorder(result))
    ioc.poll()
    assert result == []
    ts.close()
    ioc.run_for(5)
    assert result == [(operation_aborted, 0)]


# -- writing ----------------------------------------------------------------------------------


def written(
    ioc: io_context, ts: testing.stream, msg_or_sr: Any, how: Any = http.async_write
) -> tuple[error_code, int]:
    result: Result = []
    how(ts, msg_or_sr, recorder(result))
    assert result == []  # R1
    ioc.run_for(5)
    assert len(result) == 1
    assert not ioc.has_outstanding_work()
    ioc.restart()
    return result[0]


@pytest.mark.parametrize("cap", CAPS)
def test_write_a_message(ioc: io_context, cap: int | None) -> None:
    ts = testing.stream(ioc)
    peer = testing.connect(ts)
    if cap is not None:
        ts.write_size(cap)
    req = http.request(http.verb.post, "/x", 11, "payload")
    req.set(http.field.host, "h")
    req.prepare_payload()
    expected = http.to_bytes(req)
    assert written(ioc, ts, req) == (success, len(expected))
    assert peer.bytes() == expected
    parser = http.request_parser()
    peer.close_remote()
    assert read_one(ioc, peer, flat_buffer(), parser) == (success, len(expected))
    assert parser.get().body == b"payload"


def test_header_and_small_body_go_out_in_one_write(ioc: io_context) -> None:
    ts = testing.stream(ioc)
    peer = testing.connect(ts)
    res = http.response(http.status.ok, 11, b"y" * 1000)
    res.prepare_payload()
    assert written(ioc, ts, res)[0] == success
    assert ts.nwrite() == 1
    big = http.response(http.status.ok, 11, b"z" * (1 << 20))
    big.prepare_payload()
    ec, n = written(ioc, ts, big)
    assert (ec, n) == (success, len(http.to_bytes(big)))
    assert ts.nwrite() == 3  # the header, then the body from the message's own memory
    assert peer.bytes().endswith(b"z" * (1 << 20))


def test_a_response_that_needs_eof_is_written_with_success(ioc: io_context) -> None:
    ts = testing.stream(ioc)
    testing.connect(ts)
    res = http.response(http.status.ok, 10, b"bye")
    res.prepare_payload()
    assert res.need_eof()
    assert written(ioc, ts, res)[0] == success  # Beast >= 1.70: never end_of_stream


def test_write_header_then_the_rest(ioc: io_context) -> None:
    ts = testing.stream(ioc)
    peer = testing.connect(ts)
    res = http.response(http.status.ok, 11, b"body")
    res.prepare_payload()
    sr = http.serializer(res)
    ec, n = written(ioc, ts, sr, http.async_write_header)
    assert ec == success
    assert peer.bytes() == http.to_bytes(res)[:n]
    assert sr.is_header_done() and not sr.is_done()
    assert written(ioc, ts, sr) == (success, 4)
    assert peer.bytes() == http.to_bytes(res)
    # Done: completes at once with 0.
    assert written(ioc, ts, sr) == (success, 0)
    assert written(ioc, ts, sr, http.async_write_some) == (success, 0)


def test_write_some_writes_once(ioc: io_context) -> None:
    ts = testing.stream(ioc)
    testing.connect(ts)
    ts.write_size(10)
    res = http.response(http.status.ok, 11, b"body")
    res.prepare_payload()
    sr = http.serializer(res)
    assert written(ioc, ts, sr, http.async_write_some) == (success, 10)
    assert ts.nwrite() == 1


def test_write_errors_reach_the_handler(ioc: io_context) -> None:
    ts = testing.stream(ioc)  # not connected: writes fail with connection_reset
    res = http.response(http.status.ok, 11)
    ec, n = written(ioc, ts, res)
    assert ec and n == 0


# -- rules ------------------------------------------------------------------------------------


def test_handlers_run_on_their_associated_executor(ioc: io_context) -> None:
    strand = make_strand(ioc)
    ts = make_stream(ioc, REQUEST, 7)
    peer = testing.stream(ioc)
    out = testing.connect(peer)
    seen: list[bool] = []

    def handler(ec: error_code, n: int) -> None:
        seen.append(strand.running_in_this_thread())

    http.async_read(ts, flat_buffer(), http.request(), bind_executor(strand, handler))
    res = http.response(http.status.ok, 11, b"x")
    res.prepare_payload()
    peer.write_size(3)
    http.async_write(peer, res, bind_executor(strand, handler))
    # Immediate completions too.
    http.async_read(ts, flat_buffer(), http.request_parser(), bind_executor(strand, handler))
    ioc.run_for(5)
    assert seen == [True, True, True]
    assert out.bytes() == http.to_bytes(res)


def test_immediate_completion_is_posted(ioc: io_context) -> None:
    parser = http.request_parser()
    ts = make_stream(ioc, REQUEST)
    buffer = flat_buffer()
    read_one(ioc, ts, buffer, parser)
    returned: list[bool] = []
    result: Result = []

    def handler(ec: error_code, n: int) -> None:
        assert returned == [True]
        result.append((ec, n))

    http.async_read(ts, buffer, parser, handler)
    returned.append(True)
    assert ioc.run_for(5) == 1
    assert result == [(success, 0)]


def test_use_future(ioc: io_context) -> None:
    ts = make_stream(ioc, RESPONSE)
    future = http.async_read(ts, flat_buffer(), http.response(), use_future)
    assert future is not None
    ioc.run_for(5)
    assert future.result(0) == len(RESPONSE)
    ioc.restart()
    ts = make_stream(ioc, b"")
    future = http.async_read(ts, flat_buffer(), http.response(), use_future)
    assert future is not None
    ioc.run_for(5)
    with pytest.raises(system_error) as info:
        future.result(0)
    assert info.value.code == http.error.end_of_stream


def test_misuse_raises_at_once(ioc: io_context) -> None:
    ts = make_stream(ioc, b"")
    handler = recorder([])
    with pytest.raises(TypeError, match="dynamic buffer"):
        http.async_read(ts, bytearray(10), http.request(), handler)
    with pytest.raises(TypeError, match="parser"):
        http.async_read(ts, flat_buffer(), "GET /", handler)
    with pytest.raises(TypeError, match="parser"):
        http.async_read_header(ts, flat_buffer(), http.request(), handler)
    with pytest.raises(TypeError, match="async_read_some"):
        http.async_read(object(), flat_buffer(), http.request(), handler)
    released = http.request_parser()
    released.release()
    with pytest.raises(ValueError, match="released"):
        http.async_read(ts, flat_buffer(), released, handler)
    bad = http.request(http.verb.post, "/", 11, b"body without length")
    with pytest.raises(ValueError, match="prepare_payload"):
        http.async_write(ts, bad, handler)
    with pytest.raises(TypeError, match="serializer"):
        http.async_write_some(ts, http.request(), handler)
    assert not ioc.has_outstanding_work()


# -- synchronous ------------------------------------------------------------------------------


def test_sync_read_and_write(ioc: io_context) -> None:
    ts = make_stream(ioc, REQUEST + REQUEST, 7)
    buffer = flat_buffer()
    req = http.request()
    assert http.read(ts, buffer, req) == len(REQUEST)
    assert req.body == b"hello world"
    parser = http.request_parser()
    assert http.read_header(ts, buffer, parser) == len(REQUEST) - 11
    pieces = []
    while not parser.is_done():
        pieces.append(http.read_some(ts, buffer, parser))
    assert sum(pieces) == 11 and len(pieces) > 1  # each step: what one read brought
    with pytest.raises(system_error) as info:
        http.read_some(ts, buffer, parser)
    assert info.value.code == http.error.stale_parser
    with pytest.raises(system_error) as info:
        http.read(ts, buffer, http.request())
    assert info.value.code == http.error.end_of_stream

    ts = make_stream(ioc, CLOSE_DELIMITED, 7)
    res = http.response()
    assert http.read(ts, flat_buffer(), res) == len(CLOSE_DELIMITED)
    assert res.body == b"until the end"
    ts = make_stream(ioc, RESPONSE[:10])
    with pytest.raises(system_error) as info:
        http.read(ts, flat_buffer(), http.response())
    assert info.value.code == http.error.partial_message

    out = testing.stream(ioc)
    peer = testing.connect(out)
    out.write_size(5)
    res = http.response(http.status.ok, 11, b"abcdef")
    res.prepare_payload()
    sr = http.serializer(res)
    assert http.write_header(out, sr) == len(http.to_bytes(res)) - 6
    assert http.write_some(out, sr) == 5
    assert http.write(out, sr) == 1
    assert http.write_some(out, sr) == 0
    assert peer.bytes() == http.to_bytes(res)
    unconnected = testing.stream(ioc)
    with pytest.raises(system_error):
        http.write(unconnected, res)


# -- interoperability -------------------------------------------------------------------------


class _StdlibHandler(http_server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/close":
            # No Content-Length: the body ends when the connection closes.
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"closing body")
            self.close_connection = True
            return
        payload = f"you asked for {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def stdlib_server() -> Iterator[int]:
    server = http_server.ThreadingHTTPServer(("127.0.0.1", 0), _StdlibHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_our_client_against_http_server(ioc: io_context, stdlib_server: int) -> None:
    stream = tcp_stream(ioc)
    stream.connect(tcp.endpoint("127.0.0.1", stdlib_server))
    buffer = flat_buffer()
    results: list[tuple[error_code, Any]] = []

    def request(target: str) -> http.request:
        req = http.request(http.verb.get, target, 11)
        req.set(http.field.host, "127.0.0.1")
        return req

    # Two requests on one connection (keep-alive), then one the server closes after.
    def step(i: int) -> None:
        target = ["/a", "/b", "/close"][i]
        stream.expires_after(5)

        def on_write(ec: error_code, n: int) -> None:
            assert not ec, ec
            res = http.response()

            def on_read(ec: error_code, n: int) -> None:
                results.append((ec, res))
                if not ec and i < 2:
                    step(i + 1)

            http.async_read(stream, buffer, res, on_read)

        http.async_write(stream, request(target), on_write)

    step(0)
    ioc.run_for(5)
    assert [ec for ec, _ in results] == [success, success, success]
    assert [res.body for _, res in results] == [
        b"you asked for /a",
        b"you asked for /b",
        b"closing body",
    ]
    assert results[2][1].need_eof()
    stream.close()


class _Server:
    """A small keep-alive HTTP server of ours: echoes the target and body of each request."""

    def __init__(self, ioc: io_context) -> None:
        self.acceptor = tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0))
        self.port = self.acceptor.local_endpoint().port()
        self.served = 0
        self.acceptor.async_accept(self.on_accept)

    def on_accept(self, ec: error_code, sock: Any) -> None:
        if ec:
            return
        _Session(self, tcp_stream(sock)).do_read()
        self.acceptor.async_accept(self.on_accept)


class _Session:
    def __init__(self, server: _Server, stream: tcp_stream) -> None:
        self.server = server
        self.stream = stream
        self.buffer = flat_buffer()
        self.req = http.request()

    def do_read(self) -> None:
        self.req = http.request()
        self.stream.expires_after(5)
        http.async_read(self.stream, self.buffer, self.req, self.on_read)

    def on_read(self, ec: error_code, n: int) -> None:
        if ec == http.error.end_of_stream:
            self.stream.socket().shutdown(tcp.socket.shutdown_send)
            self.stream.close()
            return
        if ec:
            self.stream.close()
            return
        res = http.response(http.status.ok, self.req.version())
        res.set(http.field.content_type, "text/plain")
        res.keep_alive(self.req.keep_alive())
        res.body = f"{self.req.method_string()} {self.req.target()} {self.req.body!r}"
        res.prepare_payload()
        self.server.served += 1
        http.async_write(self.stream, res, lambda ec, n: self.on_write(ec, res.need_eof()))

    def on_write(self, ec: error_code, close: bool) -> None:
        if ec or close:
            self.stream.close()
            return
        self.do_read()


def test_http_client_against_our_server() -> None:
    ioc = io_context()
    server = _Server(ioc)
    errors: list[BaseException] = []
    bodies: list[bytes] = []

    def client() -> None:
        try:
            conn = http_client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            for path in ("/one", "/two"):
                conn.request("GET", path)
                bodies.append(conn.getresponse().read())
            conn.request("POST", "/form", body=b"a=1&b=2")
            bodies.append(conn.getresponse().read())
            conn.close()
        except BaseException as exc:
            errors.append(exc)
        finally:
            post(ioc, server.acceptor.close)

    thread = threading.Thread(target=client)
    thread.start()
    ioc.run_for(5)
    thread.join(5)
    assert errors == []
    assert bodies == [b"GET /one b''", b"GET /two b''", b"POST /form b'a=1&b=2'"]
    assert server.served == 3
    assert not ioc.has_outstanding_work()
    ioc.close()



# -- R10: a session dropped by its last handler is freed, and its socket closed ---------------


class _owner:
    """A session: owns its stream and buffer; its handler records and starts nothing."""

    def __init__(self, stream: tcp_stream, log: list[Any]) -> None:
        self.stream = stream
        self.buffer = flat_buffer()
        self.req = http.request()
        self.log = log
        self.fd = descriptor(stream.socket().native_handle())

    def done(self, *args: Any) -> None:
        self.log.append(args)


def test_r10_http_sessions_are_freed_by_reference_counting(ioc: io_context) -> None:
    log: list[Any] = []
    with gc_disabled():
        acceptor = tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0))
        c = tcp.socket(ioc)
        c.connect(acceptor.local_endpoint())
        s = acceptor.accept()
        acceptor.close()
        a, b = _owner(tcp_stream(c), log), _owner(tcp_stream(s), log)
        del c, s
        a.stream.expires_after(5)  # with the deadline's timer too
        b.stream.expires_after(5)
        req = http.request(http.verb.post, "/", 11)
        req.set(http.field.host, "x")
        req.body = b"body"
        req.prepare_payload()
        http.async_write(a.stream, req, a.done)
        http.async_read(b.stream, b.buffer, b.req, b.done)
        refs = [weakref.ref(a), weakref.ref(b)]
        fds = [a.fd, b.fd]
        del a, b
        ioc.run_for(5)
        assert ioc.stopped()
        assert len(log) == 2 and not any(args[0] for args in log), log
        assert [r() for r in refs] == [None, None]
        assert [fd.closed() for fd in fds] == [True, True]
