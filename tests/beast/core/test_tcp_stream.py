"""Tests for asiolike.beast.core.tcp_stream: Beast's TCP stream with timeouts.

Real sockets on 127.0.0.1: the stream is the client, the peer a plain Python socket the
test drives (it sends when told to, and otherwise never does). Deadlines are short (tens
of milliseconds); nothing sleeps: the io_context waits for the timers.
"""

from __future__ import annotations

import socket
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from asiolike import (
    async_write,
    bind_executor,
    io_context,
    make_strand,
    post,
    socket_base,
    steady_timer,
    use_future,
)
from asiolike.beast import error as beast_error
from asiolike.beast import get_lowest_layer, tcp_stream
from asiolike.beast.core import basic_stream
from asiolike.error import (
    bad_descriptor,
    connection_refused,
    error_code,
    not_found,
    operation_aborted,
    success,
    system_error,
)
from asiolike.ip import tcp
from tests.support.lifetimes import descriptor, gc_disabled

Result = list[tuple[Any, ...]]


def recorder(result: Result) -> Callable[..., None]:
    def handler(*args: Any) -> None:
        result.append(args)

    return handler


class Peer:
    """A listening Python socket, and the accepted end of the stream's connection."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = tcp.endpoint("127.0.0.1", self.listener.getsockname()[1])
        self.accepted: list[socket.socket] = []

    def accept(self) -> socket.socket:
        conn, _ = self.listener.accept()
        self.accepted.append(conn)
        return conn

    def close(self) -> None:
        for conn in self.accepted:
            conn.close()
        self.listener.close()


@pytest.fixture
def peer() -> Iterator[Peer]:
    p = Peer()
    try:
        yield p
    finally:
        p.close()


@pytest.fixture
def connected(ioc: io_context, peer: Peer) -> Iterator[tuple[tcp_stream, socket.socket]]:
    """A stream connected to the peer (synchronously), and the peer's end."""
    stream = tcp_stream(ioc)
    stream.connect(peer.endpoint)
    conn = peer.accept()
    try:
        yield stream, conn
    finally:
        stream.close()


def run(ioc: io_context, bound: float = 5) -> float:
    """Run to completion (bounded); returns the time it took."""
    start = time.monotonic()
    ioc.run_for(bound)
    elapsed = time.monotonic() - start
    assert not ioc.has_outstanding_work()  # R3
    ioc.restart()
    return elapsed


def fill_send_buffer(stream: tcp_stream, conn: socket.socket) -> bytes:
    """Shrink both socket buffers; returns data far larger than they hold."""
    stream.socket().set_option(socket_base.send_buffer_size(4096))
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return b"w" * (8 << 20)


# -- construction and the plain (untimed) path ------------------------------------------------


def test_construction(ioc: io_context) -> None:
    stream = tcp_stream(ioc)
    assert stream.get_executor() == ioc.get_executor()
    assert isinstance(stream.socket(), tcp.socket)
    assert not stream.socket().is_open()
    assert get_lowest_layer(stream) is stream
    assert not hasattr(stream, "next_layer")
    assert basic_stream is tcp_stream
    strand = make_strand(ioc)
    assert tcp_stream(strand).get_executor() is strand
    sock = tcp.socket(strand)
    adopted = tcp_stream(sock)
    assert adopted.socket() is sock
    assert adopted.get_executor() is strand


def test_read_and_write_without_expiry(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, conn = connected
    result: Result = []
    stream.async_write_some(b"ping", recorder(result))
    buf = bytearray(16)
    stream.async_read_some(buf, recorder(result))
    assert result == []  # R1
    conn.sendall(conn.recv(16) + b"!")
    run(ioc)
    assert result == [(success, 4), (success, 5)]
    assert buf[:5] == b"ping!"


def test_connect_one_endpoint(ioc: io_context, peer: Peer) -> None:
    for expiry in (None, 5):
        stream = tcp_stream(ioc)
        if expiry is not None:
            stream.expires_after(expiry)
        result: Result = []
        stream.async_connect(peer.endpoint, recorder(result))
        assert result == []
        run(ioc)
        assert result == [(success,)]  # handler(ec): one argument
        assert stream.socket().remote_endpoint() == peer.endpoint
        peer.accept().close()
        stream.close()


def test_connect_a_range(ioc: io_context, peer: Peer) -> None:
    refused_holder = socket.socket()
    refused_holder.bind(("127.0.0.1", 0))
    refused = tcp.endpoint("127.0.0.1", refused_holder.getsockname()[1])
    try:
        for expiry in (None, 5):
            stream = tcp_stream(ioc)
            if expiry is not None:
                stream.expires_after(expiry)
            result: Result = []
            stream.async_connect([refused, peer.endpoint], recorder(result))
            run(ioc)
            assert result == [(success, peer.endpoint)]
            peer.accept().close()
            stream.close()
            # With a condition that skips the good endpoint: the last error.
            stream.async_connect(
                [refused, peer.endpoint], lambda ec, ep: ep == refused, recorder(result)
            )
            run(ioc)
            assert result[-1] == (connection_refused, None)
            stream.async_connect([], recorder(result))
            run(ioc)
            assert result[-1] == (not_found, None)
            stream.close()
    finally:
        refused_holder.close()


def test_a_listener_that_never_accepts_is_not_a_timeout(ioc: io_context, peer: Peer) -> None:
    # The kernel completes the handshake from the backlog: the connect succeeds. It is a
    # read from a peer that never sends that times out.
    stream = tcp_stream(ioc)
    stream.expires_after(0.05)
    result: Result = []
    stream.async_connect(peer.endpoint, recorder(result))
    run(ioc)
    assert result == [(success,)]
    stream.async_read_some(bytearray(8), recorder(result))
    run(ioc)
    assert result[1] == (beast_error.timeout, 0)
    stream.close()


# -- timeouts ---------------------------------------------------------------------------------


def test_a_read_from_a_silent_peer_times_out(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, _ = connected
    armed = time.monotonic()  # never early is measured from here, not from run()
    stream.expires_after(0.05)
    result: Result = []
    stream.async_read_some(bytearray(8), recorder(result))
    run(ioc)
    assert result == [(beast_error.timeout, 0)]  # exactly once, timeout not aborted
    assert time.monotonic() - armed >= 0.05
    assert not stream.socket().is_open()
    # A later operation on the closed stream fails with bad_descriptor.
    stream.expires_never()
    stream.async_read_some(bytearray(8), recorder(result))
    stream.expires_after(5)
    stream.async_write_some(b"x", recorder(result))
    run(ioc)
    assert result[1:] == [(bad_descriptor, 0), (bad_descriptor, 0)]


def test_a_write_to_a_peer_that_never_reads_times_out(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, conn = connected
    data = fill_send_buffer(stream, conn)
    stream.expires_after(0.05)
    result: Result = []
    async_write(stream, data, recorder(result))
    run(ioc)
    assert len(result) == 1
    ec, n = result[0]
    assert ec == beast_error.timeout
    assert 0 < n < len(data)
    assert not stream.socket().is_open()


def test_every_timed_operation_times_out_and_untimed_ones_are_aborted(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, conn = connected
    data = fill_send_buffer(stream, conn)
    result: Result = []
    untimed: Result = []
    stream.async_read_some(bytearray(8), recorder(untimed))  # no deadline
    stream.expires_after(0.05)
    async_write(stream, data, recorder(result))
    run(ioc)
    assert untimed == [(operation_aborted, 0)]
    assert result[0][0] == beast_error.timeout


def test_an_earlier_deadline_rearms_the_timer(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, conn = connected
    data = fill_send_buffer(stream, conn)
    reads: Result = []
    writes: Result = []
    stream.expires_after(5)
    stream.async_read_some(bytearray(8), recorder(reads))  # armed for 5 s
    stream.expires_after(0.05)
    async_write(stream, data, recorder(writes))  # must fire at 0.05 s, not 5 s
    elapsed = run(ioc)
    assert elapsed < 2
    assert writes[0][0] == beast_error.timeout
    assert reads == [(beast_error.timeout, 0)]  # the stream timed out: every timed op


def test_expires_never(ioc: io_context, connected: tuple[tcp_stream, socket.socket]) -> None:
    stream, conn = connected
    stream.expires_after(0.01)
    stream.expires_never()
    result: Result = []
    stream.async_read_some(bytearray(8), recorder(result))
    armed = time.monotonic()  # measured from the timer's start, not from run()
    timer = steady_timer(ioc, 0.1)
    timer.async_wait(lambda ec: conn.sendall(b"late"))
    run(ioc)
    assert result == [(success, 4)]
    assert time.monotonic() - armed >= 0.1
    assert stream.socket().is_open()


def test_a_pending_operation_keeps_its_deadline(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, _ = connected
    result: Result = []
    stream.expires_after(0.05)
    stream.async_read_some(bytearray(8), recorder(result))
    stream.expires_after(10)  # for the operations started from now on
    run(ioc)
    assert result == [(beast_error.timeout, 0)]


def test_a_new_expiry_applies_to_the_next_operation(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, conn = connected
    result: Result = []
    buf = bytearray(8)
    stream.expires_after(5)
    stream.async_read_some(buf, recorder(result))
    stream.expires_never()
    conn.sendall(b"one")
    run(ioc)
    assert result == [(success, 3)]
    stream.async_read_some(buf, recorder(result))  # no deadline now
    timer = steady_timer(ioc, 0.08)
    timer.async_wait(lambda ec: conn.sendall(b"two"))
    run(ioc)
    assert result[1] == (success, 3)


def test_an_operation_started_after_its_deadline_times_out(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, conn = connected
    conn.sendall(b"data is even waiting")
    stream.expires_at(time.monotonic() - 1)
    result: Result = []
    stream.async_read_some(bytearray(8), recorder(result))
    assert result == []  # R1
    assert not stream.socket().is_open()
    run(ioc)
    assert result == [(beast_error.timeout, 0)]
    with pytest.raises(TypeError):
        stream.async_read_some(b"read-only", recorder(result))  # R6 on this path too
    # Connect opens the socket again, but its deadline has passed as well.
    stream.async_connect(tcp.endpoint("127.0.0.1", 9), recorder(result))
    run(ioc)
    assert result[1] == (beast_error.timeout,)


def test_the_timer_follows_a_chain_of_operations(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    # The first read arms the timer for 0.05 s and completes; its handler starts a read
    # with a later deadline. When the wait fires it must re-arm, not time out.
    stream, conn = connected
    result: Result = []
    buf = bytearray(8)

    def first(ec: error_code, n: int) -> None:
        result.append((ec, n))
        stream.expires_after(0.5)
        stream.async_read_some(buf, recorder(result))

    conn.sendall(b"1")
    stream.expires_after(0.05)
    stream.async_read_some(buf, first)
    armed = time.monotonic()  # measured from the timer's start, not from run()
    timer = steady_timer(ioc, 0.15)
    timer.async_wait(lambda ec: conn.sendall(b"2"))
    run(ioc)
    elapsed = time.monotonic() - armed
    assert result == [(success, 1), (success, 1)]
    assert 0.15 <= elapsed < 0.5
    assert stream.socket().is_open()


def test_run_returns_once_timed_operations_complete(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, conn = connected
    conn.sendall(b"now")
    stream.expires_after(30)
    result: Result = []
    stream.async_read_some(bytearray(8), recorder(result))
    stream.async_write_some(b"x", recorder(result))
    assert run(ioc) < 1  # the 30 s wait was cancelled with the last timed operation
    assert sorted(result, key=repr) == sorted([(success, 3), (success, 1)], key=repr)


def test_timeout_racing_with_completion(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, conn = connected
    result: Result = []
    deadline = time.monotonic() + 0.03
    stream.expires_at(deadline)
    stream.async_read_some(bytearray(8), recorder(result))

    def data_and_deadline_at_once() -> None:
        conn.sendall(b"race")
        while time.monotonic() <= deadline:
            pass  # both the data and the deadline are due when the loop looks next

    post(ioc, data_and_deadline_at_once)
    run(ioc)
    assert len(result) == 1
    if result[0][0] == beast_error.timeout:
        assert not stream.socket().is_open()
    else:
        assert result[0] == (success, 4)
        assert stream.socket().is_open()


def test_a_completion_queued_before_the_deadline_wins(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, conn = connected
    conn.sendall(b"ready")
    result: Result = []

    def start() -> None:
        deadline = time.monotonic() + 0.01
        stream.expires_at(deadline)
        stream.async_read_some(bytearray(8), recorder(result))  # completes at once, queued
        while time.monotonic() <= deadline:
            pass

    post(ioc, start)
    run(ioc)
    assert result == [(success, 5)]
    assert stream.socket().is_open()


def test_cancel_and_close_give_operation_aborted(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, _ = connected
    result: Result = []
    stream.expires_after(5)
    stream.async_read_some(bytearray(8), recorder(result))
    ioc.poll()
    stream.cancel()
    assert run(ioc) < 1
    assert result == [(operation_aborted, 0)]
    assert stream.socket().is_open()
    stream.async_read_some(bytearray(8), recorder(result))
    ioc.poll()
    stream.close()
    stream.close()  # closing twice is harmless
    stream.cancel()  # so is cancelling a closed stream
    run(ioc)
    assert result[1] == (operation_aborted, 0)


def test_completion_and_close_in_the_same_iteration(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, conn = connected
    conn.sendall(b"x")
    result: Result = []
    stream.expires_after(5)
    stream.async_read_some(bytearray(8), recorder(result))  # completed, queued
    stream.close()
    run(ioc)
    assert result == [(success, 1)]  # R2: the result, once


def test_a_second_timed_read_is_refused(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, _ = connected
    stream.expires_after(5)
    result: Result = []
    stream.async_read_some(bytearray(8), recorder(result))
    with pytest.raises(RuntimeError, match="already pending"):
        stream.async_read_some(bytearray(8), recorder(result))
    stream.close()
    run(ioc)
    assert result == [(operation_aborted, 0)]


def test_release_socket(ioc: io_context, connected: tuple[tcp_stream, socket.socket]) -> None:
    stream, conn = connected
    result: Result = []
    stream.expires_after(5)
    stream.async_read_some(bytearray(8), recorder(result))
    sock = stream.release_socket()
    run(ioc)
    assert result == [(operation_aborted, 0)]
    assert sock.is_open()
    assert not stream.socket().is_open()
    conn.sendall(b"abc")
    buf = bytearray(8)
    assert sock.read_some(buf) == 3
    sock.close()


# -- the rules: R1, R2, R3, R7 ----------------------------------------------------------------


@pytest.mark.parametrize("timed", [False, True])
def test_handlers_run_in_their_strand(
    ioc: io_context, peer: Peer, timed: bool
) -> None:
    strand = make_strand(ioc)
    seen: list[bool] = []

    def check(*args: Any) -> None:
        seen.append(strand.running_in_this_thread())

    stream = tcp_stream(ioc)
    if timed:
        stream.expires_after(5)
    stream.async_connect(peer.endpoint, bind_executor(strand, check))
    run(ioc)
    conn = peer.accept()
    conn.sendall(b"hi")
    if timed:
        stream.expires_after(5)
    stream.async_read_some(bytearray(8), bind_executor(strand, check))
    stream.async_write_some(b"x", bind_executor(strand, check))
    run(ioc)
    # A timeout, or an abort.
    if timed:
        stream.expires_at(time.monotonic() + 0.02)
    else:
        post(ioc, stream.close)
    stream.async_read_some(bytearray(8), bind_executor(strand, check))
    run(ioc)
    assert seen == [True, True, True, True]
    stream.close()


def test_a_stream_made_on_a_strand_runs_its_handlers_there(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    _, conn = connected
    strand = make_strand(ioc)
    stream = tcp_stream(strand)
    seen: list[bool] = []

    def check(*args: Any) -> None:
        seen.append(strand.running_in_this_thread())

    stream.async_read_some(bytearray(8), check)  # closed: bad_descriptor, in the strand
    stream.expires_after(0.02)
    stream.async_connect(tcp.endpoint("127.0.0.1", conn.getsockname()[1]), check)
    run(ioc)
    assert seen == [True, True]
    stream.close()


def test_immediate_results_are_posted(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, conn = connected
    conn.sendall(b"ready")
    returned: list[bool] = []
    result: Result = []

    def handler(*args: Any) -> None:
        assert returned  # R1: only after the initiating call returned
        result.append(args)

    for expiry in (None, 5.0, -1.0):
        if expiry is None:
            stream.expires_never()
        else:
            stream.expires_after(expiry)
        returned.clear()
        stream.async_read_some(bytearray(0 if expiry is None else 8), handler)
        returned.append(True)
        run(ioc)
    assert [r[0] for r in result] == [success, success, beast_error.timeout]


def test_use_future(ioc: io_context, connected: tuple[tcp_stream, socket.socket]) -> None:
    stream, conn = connected
    conn.sendall(b"abc")
    stream.expires_after(5)
    future = stream.async_read_some(bytearray(8), use_future)
    assert future is not None
    run(ioc)
    assert future.result(0) == 3
    stream.expires_after(0.02)
    future = stream.async_read_some(bytearray(8), use_future)
    assert future is not None
    run(ioc)
    with pytest.raises(system_error) as info:
        future.result(0)
    assert info.value.code == beast_error.timeout


# -- synchronous operations and misuse --------------------------------------------------------


def test_synchronous_operations(ioc: io_context, peer: Peer) -> None:
    stream = tcp_stream(ioc)
    stream.expires_after(0.001)  # not applied to synchronous operations
    assert stream.connect([peer.endpoint]) == peer.endpoint
    conn = peer.accept()
    assert stream.write_some(b"hello") == 5
    assert conn.recv(16) == b"hello"
    conn.sendall(b"back")
    buf = bytearray(8)
    assert stream.read_some(buf) == 4
    stream.close()
    with pytest.raises(system_error) as info:
        stream.read_some(buf)
    assert info.value.code == bad_descriptor
    assert stream.connect(peer.endpoint) is None
    peer.accept().close()
    stream.close()


def test_misuse_raises_at_once(ioc: io_context) -> None:
    stream = tcp_stream(ioc)
    handler = recorder([])
    with pytest.raises(TypeError):
        stream.expires_after("30")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        stream.expires_at("soon")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="range"):
        stream.async_connect("127.0.0.1", handler)
    with pytest.raises(TypeError, match="callable"):
        stream.async_connect([], "not callable", handler)
    with pytest.raises(TypeError, match="range"):
        stream.async_connect(tcp.endpoint("127.0.0.1", 1), lambda ec, ep: True, handler)
    with pytest.raises(TypeError):
        tcp_stream("not an io_context")
    assert not ioc.has_outstanding_work()


# -- the immediate write a WebSocket message uses ---------------------------------------------


def test_send_now_writes_at_once_or_declines(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket]
) -> None:
    stream, conn = connected
    assert stream._send_now(b"hello") == 5
    assert conn.recv(16) == b"hello"
    assert stream._send_now([b"gath", memoryview(b"ered")]) == 8  # one sendmsg
    assert conn.recv(16) == b"gathered"
    # With a deadline the write must be timed: declined, nothing sent.
    stream.expires_after(5)
    assert stream._send_now(b"timed") == -1
    stream.expires_never()
    # Behind a pending write it would overtake it: declined, until that write's handler ran.
    big = fill_send_buffer(stream, conn)
    results: Result = []
    stream.async_write_some(big, recorder(results))
    assert stream._send_now(b"late") == -1
    stream.cancel()
    run(ioc)
    assert len(results) == 1  # a part sent at once, or aborted
    # A closed stream declines too (the async path reports bad_descriptor).
    stream.close()
    assert stream._send_now(b"closed") == -1


# -- R6 without timing: one read and one write, pending until their handlers ran ---------------

_EXPIRIES = [None, 30.0]


def _expire(stream: tcp_stream, expiry: float | None) -> None:
    if expiry is None:
        stream.expires_never()
    else:
        stream.expires_after(expiry)


@pytest.mark.parametrize("expiry", _EXPIRIES)
def test_r6_a_second_read_raises_until_the_first_handler_ran(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket], expiry: float | None
) -> None:
    stream, conn = connected
    _expire(stream, expiry)
    events: list[Any] = []

    def first(ec: error_code, n: int) -> None:
        events.append(("first", ec, n))
        stream.async_read_some(bytearray(8), second)  # allowed: the first handler runs

    def second(ec: error_code, n: int) -> None:
        events.append(("second", ec, n))

    stream.async_read_some(bytearray(8), first)
    with pytest.raises(RuntimeError, match="a read is already pending"):
        stream.async_read_some(bytearray(8), recorder([]))
    conn.sendall(b"abc")
    ioc.run_one_for(5)
    assert events == [("first", success, 3)]
    conn.sendall(b"de")
    run(ioc)
    assert events[1] == ("second", success, 2)


@pytest.mark.parametrize("expiry", _EXPIRIES)
@pytest.mark.parametrize("size", [16, 8 << 20])
def test_r6_a_second_write_raises_until_the_first_handler_ran(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket], expiry: float | None, size: int
) -> None:
    stream, conn = connected
    result: Result = []
    if size > 16:
        # Fill the kernel's buffers: the next write waits for the reader.
        big = fill_send_buffer(stream, conn)
        while stream._send_now(big) > 0:
            pass
    _expire(stream, expiry)
    # 16 bytes go to the kernel inside the call (the completion is queued): still pending.
    stream.async_write_some(b"w" * size, recorder(result))
    with pytest.raises(RuntimeError, match="a write or connect is already pending"):
        stream.async_write_some(b"x", recorder(result))
    with pytest.raises(RuntimeError, match="already pending"):
        stream.async_connect(tcp.endpoint("127.0.0.1", 9), recorder(result))
    refused: list[str] = []

    def probe() -> None:
        # Queued after the write started, before its handler when the write completed at
        # once (then its handler is queued first) or later: refused either way.
        try:
            stream.async_write_some(b"y", recorder(result))
        except RuntimeError as exc:
            refused.append(str(exc))

    if size == 16:
        post(ioc, probe)  # runs after the queued completion: allowed
        run(ioc)
        assert refused == [] and len(result) == 2
    else:
        post(ioc, probe)  # runs while the large write waits: refused
        ioc.poll()
        assert len(refused) == 1 and "from the handler of the previous one" in refused[0]
        stream.cancel()
        run(ioc)
        assert len(result) == 1


@pytest.mark.parametrize("expiry", _EXPIRIES)
def test_r6_a_write_from_a_handler_queued_before_its_completion_raises(
    ioc: io_context, connected: tuple[tcp_stream, socket.socket], expiry: float | None
) -> None:
    stream, _ = connected
    _expire(stream, expiry)
    refused: list[str] = []
    result: Result = []

    def probe() -> None:
        try:
            stream.async_write_some(b"z", recorder(result))
        except RuntimeError as exc:
            refused.append(str(exc))

    post(ioc, probe)  # queued before the write's (immediate) completion
    stream.async_write_some(b"a", recorder(result))
    run(ioc)
    assert len(refused) == 1 and result == [(success, 1)]


# -- R10: a session dropped by its last handler is freed, and its socket closed ---------------


class _owner:
    """A session: owns its stream; its handler records the result and starts nothing."""

    def __init__(self, stream: tcp_stream, log: Result) -> None:
        self.stream = stream
        self.log = log

    def done(self, *args: Any) -> None:
        self.log.append(args)


@pytest.mark.parametrize("op", ["read", "write", "connect"])
def test_r10_a_session_with_a_deadline_is_freed_by_reference_counting(
    ioc: io_context, peer: Peer, op: str
) -> None:
    log: Result = []
    with gc_disabled():
        s = _owner(tcp_stream(ioc), log)
        if op == "connect":
            s.stream.expires_after(5)
            s.stream.async_connect(peer.endpoint, s.done)
        else:
            s.stream.connect(peer.endpoint)
            conn = peer.accept()
            s.stream.expires_after(5)  # a timer wait is pending with the operation
            if op == "read":
                s.stream.async_read_some(bytearray(8), s.done)
                conn.sendall(b"data")
            else:
                s.stream.async_write_some(b"data", s.done)
        fd = descriptor(s.stream.socket().native_handle())
        ref = weakref.ref(s)
        del s
        run(ioc)
        assert len(log) == 1 and not log[0][0]
        assert ref() is None
        assert fd.closed()
