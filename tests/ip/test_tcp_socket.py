"""tcp.socket: connect, read, write, wait, cancel/close, errors, sync calls, options.

Real sockets on 127.0.0.1; every run is bounded (``run_ioc`` fails the test at the bound).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

import asiolike
from asiolike import error, socket_base
from asiolike.ip import make_address, tcp
from tests.ip.recorder import Recorder

Pair = Callable[..., tuple[tcp.socket, tcp.socket]]


# -- connect, accept, echo ------------------------------------------------------------------


def test_async_connect_accept_echo(ioc: asiolike.io_context, closer: Any, run_ioc: Any) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    client = closer(tcp.socket(ioc))
    events: list[object] = []
    server_buf = bytearray(64)
    client_buf = bytearray(64)

    def on_accept(ec: error.error_code, peer: tcp.socket) -> None:
        events.append(("accept", ec))
        closer(peer)
        peer.async_read_some(server_buf, lambda ec, n: on_server_read(peer, ec, n))

    def on_server_read(peer: tcp.socket, ec: error.error_code, n: int) -> None:
        events.append(("server_read", ec, bytes(server_buf[:n])))
        peer.async_write_some(
            memoryview(server_buf)[:n], lambda ec, n: events.append(("echo", ec, n))
        )

    def on_connect(ec: error.error_code) -> None:
        events.append(("connect", ec))
        client.async_write_some(b"ping", lambda ec, n: events.append(("write", ec, n)))
        client.async_read_some(client_buf, on_client_read)

    def on_client_read(ec: error.error_code, n: int) -> None:
        events.append(("client_read", ec, bytes(client_buf[:n])))

    acceptor.async_accept(on_accept)
    client.async_connect(acceptor.local_endpoint(), on_connect)
    assert events == []
    run_ioc(ioc)
    assert sorted(events, key=str) == sorted(
        [
            ("accept", error.success),
            ("connect", error.success),
            ("write", error.success, 4),
            ("server_read", error.success, b"ping"),
            ("echo", error.success, 4),
            ("client_read", error.success, b"ping"),
        ],
        key=str,
    )
    assert client.remote_endpoint() == acceptor.local_endpoint()
    assert client.local_endpoint().address() == make_address("127.0.0.1")


def test_async_connect_opens_the_socket(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    client = closer(tcp.socket(ioc))
    assert not client.is_open()
    h = Recorder()
    client.async_connect(acceptor.local_endpoint(), h)
    h.started()
    assert client.is_open()
    run_ioc(ioc)
    assert h.once == (error.success,)
    closer(acceptor.accept())


def test_connection_refused_async_and_sync(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any, refused_endpoint: tcp.endpoint
) -> None:
    client = closer(tcp.socket(ioc))
    h = Recorder()
    client.async_connect(refused_endpoint, h)
    h.started()
    run_ioc(ioc)
    assert h.once == (error.connection_refused,)
    assert client.is_open()  # Asio leaves a socket it opened open after a failed connect
    other = closer(tcp.socket(ioc))
    with pytest.raises(asiolike.system_error) as info:
        other.connect(refused_endpoint)
    assert info.value.code == error.connection_refused


def test_connect_to_closed_listener_is_refused(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    acceptor = tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0))
    endpoint = acceptor.local_endpoint()
    acceptor.close()
    h = Recorder()
    closer(tcp.socket(ioc)).async_connect(endpoint, h)
    h.started()
    run_ioc(ioc)
    assert h.once == (error.connection_refused,)


def test_connect_with_strand_handler_runs_in_strand(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    s = asiolike.strand(ioc)
    seen: list[tuple[error.error_code, bool]] = []
    closer(tcp.socket(ioc)).async_connect(
        acceptor.local_endpoint(),
        asiolike.bind_executor(s, lambda ec: seen.append((ec, s.running_in_this_thread()))),
    )
    run_ioc(ioc)
    assert seen == [(error.success, True)]
    closer(acceptor.accept())


# -- reads and writes -----------------------------------------------------------------------


def test_read_with_data_already_there_is_not_inline(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    client.write_some(b"abc")
    server.wait(socket_base.wait_read)
    buf = bytearray(8)
    h = Recorder()
    server.async_read_some(buf, h)
    h.started()
    run_ioc(ioc)
    assert h.once == (error.success, 3)
    assert buf[:3] == b"abc"


def test_read_lands_in_the_callers_buffer(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    storage = bytearray(b"xxxxxxxx")
    view = memoryview(storage)[2:6]
    h = Recorder()
    server.async_read_some(view, h)
    h.started()
    client.write_some(b"1234")
    run_ioc(ioc)
    assert h.once == (error.success, 4)
    assert storage == b"xx1234xx"


def test_zero_byte_read_and_write_complete_at_once_through_the_queue(
    ioc: asiolike.io_context, tcp_pair: Pair
) -> None:
    client, server = tcp_pair()
    r, w = Recorder(), Recorder()
    server.async_read_some(bytearray(), r)
    r.started()
    client.async_write_some(b"", w)
    w.started()
    assert ioc.poll() == 2
    assert r.once == (error.success, 0)
    assert w.once == (error.success, 0)


def test_operations_on_a_closed_socket_complete_with_bad_descriptor(
    ioc: asiolike.io_context, run_ioc: Any
) -> None:
    sock = tcp.socket(ioc)
    handlers = [Recorder() for _ in range(5)]
    sock.async_read_some(bytearray(4), handlers[0])
    sock.async_write_some(b"data", handlers[1])
    sock.async_wait(socket_base.wait_read, handlers[2])
    sock.async_receive(bytearray(4), socket_base.message_peek, handlers[3])
    sock.async_read_some(bytearray(), handlers[4])
    for h in handlers:
        h.started()
    run_ioc(ioc)
    assert handlers[0].once == (error.bad_descriptor, 0)
    assert handlers[1].once == (error.bad_descriptor, 0)
    assert handlers[2].once == (error.bad_descriptor,)
    assert handlers[3].once == (error.bad_descriptor, 0)
    assert handlers[4].once == (error.bad_descriptor, 0)
    with pytest.raises(asiolike.system_error) as info:
        sock.read_some(bytearray(4))
    assert info.value.code == error.bad_descriptor


def test_pending_read_keeps_run_going_until_data_arrives(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    buf = bytearray(16)
    order: list[str] = []
    server.async_read_some(buf, lambda ec, n: order.append(f"read {ec.name()} {n}"))
    timer = asiolike.steady_timer(ioc, 0.01)

    def on_timer(ec: error.error_code) -> None:
        order.append("timer")
        client.write_some(b"late")

    timer.async_wait(on_timer)
    assert ioc.has_outstanding_work()
    run_ioc(ioc)
    assert order == ["timer", "read success 4"]
    assert not ioc.has_outstanding_work()


def test_eof_after_peer_shutdown_send(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    client.write_some(b"last")
    client.shutdown(socket_base.shutdown_send)
    buf = bytearray(16)
    results: list[tuple[error.error_code, int]] = []

    def on_read(ec: error.error_code, n: int) -> None:
        results.append((ec, n))
        if not ec:
            server.async_read_some(buf, on_read)

    server.async_read_some(buf, on_read)
    run_ioc(ioc)
    assert results == [(error.success, 4), (error.eof, 0)]
    with pytest.raises(asiolike.system_error) as info:
        server.read_some(buf)
    assert info.value.code == error.eof


def test_connection_reset_after_rst(ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any) -> None:
    client, server = tcp_pair()
    client.set_option(socket_base.linger(True, 0))
    client.close()
    h = Recorder()
    server.async_read_some(bytearray(16), h)
    h.started()
    run_ioc(ioc)
    assert h.once == (error.connection_reset, 0)


def test_write_to_a_reset_peer_fails(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    client.set_option(socket_base.linger(True, 0))
    client.close()
    server.wait(socket_base.wait_read)  # the RST has arrived
    results: list[error.error_code] = []

    def on_write(ec: error.error_code, n: int) -> None:
        results.append(ec)
        if not ec and len(results) < 10:
            server.async_write_some(b"x" * 1024, on_write)

    server.async_write_some(b"x" * 1024, on_write)
    run_ioc(ioc)
    assert results[-1] in (error.connection_reset, error.broken_pipe)


def test_scatter_read_and_gather_write(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    w = Recorder()
    client.async_write_some([b"head", memoryview(b"-body-"), bytearray(b"tail")], w)
    w.started()
    first, second = bytearray(6), bytearray(8)
    r = Recorder()
    server.wait(socket_base.wait_read)
    server.async_read_some([first, second], r)
    r.started()
    run_ioc(ioc)
    assert w.once == (error.success, 14)
    assert r.once == (error.success, 14)
    assert bytes(first + second) == b"head-body-tail"


def test_receive_with_peek_leaves_the_data(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    client.write_some(b"peek")
    server.wait(socket_base.wait_read)
    peeked = bytearray(4)
    h = Recorder()
    server.async_receive(peeked, socket_base.message_peek, h)
    h.started()
    run_ioc(ioc)
    assert h.once == (error.success, 4)
    assert server.available() == 4
    assert server.receive(bytearray(4)) == 4


def test_reads_complete_in_order(ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any) -> None:
    client, server = tcp_pair()
    bufs = [bytearray(2) for _ in range(3)]
    got: list[bytes] = []
    for b in bufs:
        server.async_read_some(b, lambda ec, n, b=b: got.append(bytes(b[:n])))
    client.write_some(b"aabbcc")
    run_ioc(ioc)
    assert got == [b"aa", b"bb", b"cc"]


def test_read_write_and_wait_handlers_run_in_their_strand(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    s = asiolike.strand(ioc)
    seen: list[tuple[str, bool]] = []
    client.async_wait(
        socket_base.wait_write,
        asiolike.bind_executor(s, lambda ec: seen.append(("wait", s.running_in_this_thread()))),
    )
    client.async_write_some(
        b"hi",
        asiolike.bind_executor(s, lambda ec, n: seen.append(("w", s.running_in_this_thread()))),
    )
    server.async_read_some(
        bytearray(4),
        asiolike.bind_executor(s, lambda ec, n: seen.append(("r", s.running_in_this_thread()))),
    )
    run_ioc(ioc)
    assert sorted(seen) == [("r", True), ("w", True), ("wait", True)]


def test_socket_made_with_a_strand_runs_plain_handlers_in_it(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    s = asiolike.strand(ioc)
    sock = closer(tcp.socket(s))
    assert sock.get_executor() is s
    seen: list[bool] = []
    sock.async_read_some(bytearray(4), lambda ec, n: seen.append(s.running_in_this_thread()))
    run_ioc(ioc)
    assert seen == [True]


def test_use_future_read(ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any) -> None:
    client, server = tcp_pair()
    buf = bytearray(8)
    future = server.async_read_some(buf, asiolike.use_future)
    assert future is not None and not future.done()
    client.write_some(b"fut")
    run_ioc(ioc)
    assert future.result(timeout=0) == 3
    closed = tcp.socket(ioc)
    failing = closed.async_write_some(b"x", asiolike.use_future)
    ioc.restart()
    run_ioc(ioc)
    assert failing is not None
    with pytest.raises(asiolike.system_error) as info:
        failing.result(timeout=0)
    assert info.value.code == error.bad_descriptor


# -- cancel and close -----------------------------------------------------------------------


def test_close_with_pending_read_and_write_aborts_both_once(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any, fill_send_buffer: Any
) -> None:
    client, _server = tcp_pair()
    fill_send_buffer(client)
    r, w = Recorder(), Recorder()
    client.async_read_some(bytearray(16), r)
    client.async_write_some(b"y" * 65536, w)
    r.started()
    w.started()
    assert ioc.poll() == 0  # both are waiting
    client.close()
    client.close()  # closing twice is fine
    run_ioc(ioc)
    assert r.once == (error.operation_aborted, 0)
    assert w.once == (error.operation_aborted, 0)
    assert not client.is_open()


def test_cancel_aborts_pending_and_the_socket_stays_usable(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    first = Recorder()
    server.async_read_some(bytearray(4), first)
    first.started()
    server.cancel()
    run_ioc(ioc)
    assert first.once == (error.operation_aborted, 0)
    ioc.restart()
    second = Recorder()
    buf = bytearray(4)
    server.async_read_some(buf, second)
    second.started()
    client.write_some(b"ok")
    run_ioc(ioc)
    assert second.once == (error.success, 2)


def test_close_after_completion_was_queued_delivers_the_result_once(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    client.write_some(b"data")
    server.wait(socket_base.wait_read)
    h = Recorder()
    server.async_read_some(bytearray(8), h)  # completes at once (queued)
    h.started()
    server.close()
    run_ioc(ioc)
    assert h.once == (error.success, 4)


def test_cancel_in_the_iteration_that_made_the_read_ready(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    h = Recorder()
    server.async_read_some(bytearray(8), h)
    h.started()

    def write_then_cancel() -> None:
        client.write_some(b"race")  # readable now, but the reactor has not looked yet
        server.cancel()

    asiolike.post(ioc, write_then_cancel)
    run_ioc(ioc)
    assert h.once == (error.operation_aborted, 0)
    assert server.available() == 4


def test_cancel_and_release_on_closed_socket_raise(ioc: asiolike.io_context) -> None:
    sock = tcp.socket(ioc)
    for call in (sock.cancel, sock.release, sock.local_endpoint, sock.remote_endpoint):
        with pytest.raises(asiolike.system_error) as info:
            call()
        assert info.value.code == error.bad_descriptor


# -- waits ----------------------------------------------------------------------------------


def test_async_wait_read_write_and_cancel(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    wr, ww = Recorder(), Recorder()
    server.async_wait(socket_base.wait_read, wr)
    server.async_wait(tcp.socket.wait_write, ww)
    wr.started()
    ww.started()
    assert ioc.run_one_for(5) == 1
    assert ww.once == (error.success,)
    assert wr.calls == []
    client.write_some(b"!")
    run_ioc(ioc)
    assert wr.once == (error.success,)
    assert server.available() == 1  # waiting reads nothing
    ioc.restart()
    cancelled = Recorder()
    client.async_wait(socket_base.wait_read, cancelled)
    cancelled.started()
    client.cancel()
    run_ioc(ioc)
    assert cancelled.once == (error.operation_aborted,)
    with pytest.raises(ValueError):
        server.async_wait(7, Recorder())  # type: ignore[arg-type]


def test_async_wait_error_and_sync_wait(
    ioc: asiolike.io_context, tcp_pair: Pair, run_ioc: Any
) -> None:
    client, server = tcp_pair()
    h = Recorder()
    server.async_wait(socket_base.wait_error, h)
    h.started()
    client.set_option(socket_base.linger(True, 0))
    client.close()
    run_ioc(ioc)
    assert h.once == (error.success,)
    server.wait(socket_base.wait_write)


# -- many connections -----------------------------------------------------------------------


def test_200_concurrent_echo_connections(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    count = 200
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    endpoint = acceptor.local_endpoint()
    done: list[bytes] = []

    def serve(sock: tcp.socket) -> None:
        buf = bytearray(256)

        def on_read(ec: error.error_code, n: int) -> None:
            if ec:
                assert ec == error.eof
                return
            sock.async_write_some(memoryview(buf)[:n], on_write)

        def on_write(ec: error.error_code, n: int) -> None:
            assert not ec
            sock.async_read_some(buf, on_read)

        sock.async_read_some(buf, on_read)

    accepted = 0

    def on_accept(ec: error.error_code, sock: tcp.socket) -> None:
        nonlocal accepted
        assert not ec
        closer(sock)
        serve(sock)
        accepted += 1
        if accepted < count:
            acceptor.async_accept(on_accept)

    acceptor.async_accept(on_accept)

    def client(i: int) -> None:
        sock = closer(tcp.socket(ioc))
        message = f"message {i:03d}".encode()
        buf = bytearray(64)
        got = bytearray()

        def on_connect(ec: error.error_code) -> None:
            assert not ec
            sock.async_write_some(message, lambda ec, n: None)
            sock.async_read_some(buf, on_read)

        def on_read(ec: error.error_code, n: int) -> None:
            assert not ec
            got.extend(buf[:n])
            if len(got) < len(message):
                sock.async_read_some(buf, on_read)
            else:
                done.append(bytes(got))
                sock.shutdown(socket_base.shutdown_send)

        sock.async_connect(endpoint, on_connect)

    for i in range(count):
        client(i)
    run_ioc(ioc, timeout=15)
    assert sorted(done) == [f"message {i:03d}".encode() for i in range(count)]


# -- synchronous operations -----------------------------------------------------------------


def test_sync_connect_accept_read_write(ioc: asiolike.io_context, closer: Any) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    client = closer(tcp.socket(ioc))
    client.connect(acceptor.local_endpoint())
    server = closer(acceptor.accept())
    assert client.write_some(b"hello") == 5
    buf = bytearray(16)
    assert server.read_some(buf) == 5
    assert buf[:5] == b"hello"
    assert server.send(b"back") == 4
    assert client.receive(buf) == 4
    assert client.write_some(b"") == 0
    assert client.read_some(bytearray()) == 0
    client.non_blocking(True)
    assert client.non_blocking() is True
    with pytest.raises(asiolike.system_error) as info:
        client.read_some(buf)
    assert info.value.code == error.would_block
    assert not ioc.has_outstanding_work()


def test_misuse_raises_at_once(ioc: asiolike.io_context, tcp_pair: Pair) -> None:
    client, server = tcp_pair()
    with pytest.raises(TypeError, match="writable"):
        server.async_read_some(b"read-only", lambda ec, n: None)
    with pytest.raises(TypeError, match="bytes-like"):
        client.async_write_some("text", lambda ec, n: None)
    with pytest.raises(TypeError, match="completion handler"):
        client.async_write_some(b"x", "not a handler")
    with pytest.raises(TypeError, match="endpoint"):
        client.async_connect(("127.0.0.1", 80), lambda ec: None)
    with pytest.raises(asiolike.system_error) as info:
        client.open()
    assert info.value.code == error.already_open
    assert not ioc.has_outstanding_work()


# -- descriptor management, endpoints, options ---------------------------------------------


def test_release_assign_and_native_handle(
    ioc: asiolike.io_context, tcp_pair: Pair, closer: Any
) -> None:
    client, server = tcp_pair()
    fd = client.native_handle()
    assert fd >= 0
    released = client.release()
    assert released == fd and not client.is_open() and client.native_handle() == -1
    adopted = closer(tcp.socket(ioc, tcp.v4(), released))
    assert adopted.native_handle() == fd
    adopted.write_some(b"still connected")
    buf = bytearray(32)
    assert server.read_some(buf) == 15
    py = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    other = closer(tcp.socket(ioc))
    other.assign(tcp.v4(), py)
    assert other.is_open() and py.gettimeout() == 0.0
    assert other.native_non_blocking()


def test_socket_constructor_forms(ioc: asiolike.io_context, closer: Any) -> None:
    opened = closer(tcp.socket(ioc, tcp.v4()))
    assert opened.is_open()
    bound = closer(tcp.socket(ioc, tcp.endpoint("127.0.0.1", 0)))
    assert bound.local_endpoint().address() == make_address("127.0.0.1")
    assert bound.local_endpoint().port() != 0
    assert tcp.socket(ioc.get_executor()).get_executor() is ioc.get_executor()
    with pytest.raises(TypeError):
        tcp.socket(object())


def test_options_round_trip(ioc: asiolike.io_context, tcp_pair: Pair) -> None:
    client, _ = tcp_pair()
    client.set_option(tcp.no_delay(True))
    assert client.get_option(tcp.no_delay).value() is True
    client.set_option(tcp.no_delay(False))
    assert client.get_option(tcp.no_delay(True)).value() is False
    client.set_option(tcp.socket.keep_alive(True))
    assert client.get_option(socket_base.keep_alive).value() is True
    client.set_option(socket_base.linger(True, 3))
    assert client.get_option(socket_base.linger) == socket_base.linger(True, 3)
    client.set_option(socket_base.receive_buffer_size(32768))
    assert client.get_option(socket_base.receive_buffer_size).value() == 32768
    client.set_option(socket_base.send_buffer_size(32768))
    assert client.get_option(socket_base.send_buffer_size).value() == 32768


def test_shutdown_and_available(ioc: asiolike.io_context, tcp_pair: Pair) -> None:
    client, server = tcp_pair()
    assert server.available() == 0
    client.write_some(b"12345")
    server.wait(socket_base.wait_read)
    assert server.available() == 5
    server.shutdown(socket_base.shutdown_both)
    with pytest.raises(ValueError):
        server.shutdown(9)  # type: ignore[arg-type]


def test_ipv6_echo(ioc: asiolike.io_context, tcp_pair: Pair, ipv6_host: str, run_ioc: Any) -> None:
    client, server = tcp_pair(ipv6_host)
    assert client.local_endpoint().protocol() == tcp.v6()
    assert str(client.remote_endpoint()).startswith("[::1]:")
    client.async_write_some(b"six", lambda ec, n: None)
    buf = bytearray(3)
    h = Recorder()
    server.async_read_some(buf, h)
    h.started()
    run_ioc(ioc)
    assert h.once == (error.success, 3)
    assert buf == b"six"


def test_echo_with_four_threads_running_the_context(
    ioc: asiolike.io_context, closer: Any, run_threads: Any
) -> None:
    count = 40
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    endpoint = acceptor.local_endpoint()
    done: list[bytes] = []

    def serve(sock: tcp.socket) -> None:
        buf = bytearray(64)

        def on_read(ec: error.error_code, n: int) -> None:
            if not ec:
                sock.async_write_some(memoryview(buf)[:n], on_write)

        def on_write(ec: error.error_code, n: int) -> None:
            if not ec:
                sock.async_read_some(buf, on_read)

        sock.async_read_some(buf, on_read)

    accepted = 0

    def on_accept(ec: error.error_code, sock: tcp.socket) -> None:
        # One accept is pending at a time, so these never run concurrently.
        nonlocal accepted
        assert not ec
        closer(sock)
        serve(sock)
        accepted += 1
        if accepted < count:
            acceptor.async_accept(on_accept)

    def client(i: int) -> None:
        sock = closer(tcp.socket(ioc))
        buf = bytearray(16)
        got = bytearray()
        message = f"thread {i:02d}".encode()

        def on_read(ec: error.error_code, n: int) -> None:
            assert not ec
            got.extend(buf[:n])
            if len(got) < len(message):
                sock.async_read_some(buf, on_read)
            else:
                done.append(bytes(got))
                sock.shutdown(socket_base.shutdown_send)

        def on_connect(ec: error.error_code) -> None:
            assert not ec
            sock.async_write_some(message, lambda ec, n: None)
            sock.async_read_some(buf, on_read)

        sock.async_connect(endpoint, on_connect)

    for i in range(count):
        client(i)
    acceptor.async_accept(on_accept)
    run_threads(ioc, 4)
    assert sorted(done) == [f"thread {i:02d}".encode() for i in range(count)]
