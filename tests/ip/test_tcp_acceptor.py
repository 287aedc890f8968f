"""tcp.acceptor: the constructor forms, every async_accept overload, cancel/close, sync accept."""

from __future__ import annotations

import socket
from typing import Any

import pytest

import asiolike
from asiolike import error, socket_base
from asiolike.ip import tcp
from tests.ip.recorder import Recorder


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port))


def test_constructor_opens_binds_and_listens(ioc: asiolike.io_context, closer: Any) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint(tcp.v4(), 0)))
    assert acceptor.is_open()
    assert acceptor.get_option(socket_base.reuse_address).value() is True
    endpoint = acceptor.local_endpoint()
    assert endpoint.address().is_unspecified() and endpoint.port() != 0
    no_reuse = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0), reuse_address=False))
    assert no_reuse.get_option(tcp.acceptor.reuse_address).value() is False
    only_open = closer(tcp.acceptor(ioc, tcp.v4()))
    assert only_open.is_open()
    closed = tcp.acceptor(ioc)
    assert not closed.is_open() and closed.native_handle() == -1


def test_open_bind_listen_step_by_step(ioc: asiolike.io_context, closer: Any) -> None:
    acceptor = closer(tcp.acceptor(ioc))
    acceptor.open(tcp.v4())
    acceptor.set_option(tcp.acceptor.reuse_address(True))
    acceptor.bind(tcp.endpoint("127.0.0.1", 0))
    acceptor.listen(16)
    with _connect(acceptor.local_endpoint().port()):
        peer = closer(acceptor.accept())
        assert peer.remote_endpoint().address() == acceptor.local_endpoint().address()


def test_bind_address_in_use(ioc: asiolike.io_context, closer: Any) -> None:
    first = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    with pytest.raises(asiolike.system_error) as info:
        tcp.acceptor(ioc, first.local_endpoint(), reuse_address=False)
    assert info.value.code == error.address_in_use


def test_async_accept_returns_a_socket_on_the_acceptors_executor(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    h = Recorder()
    acceptor.async_accept(h)
    h.started()
    with _connect(acceptor.local_endpoint().port()) as client:
        run_ioc(ioc)
        ec, peer = h.once
        closer(peer)
        assert ec == error.success
        assert isinstance(peer, tcp.socket) and peer.is_open()
        assert peer.get_executor() is acceptor.get_executor()
        assert peer.remote_endpoint() == tcp.endpoint(*client.getsockname())


def test_async_accept_into_a_peer_socket(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    peer = closer(tcp.socket(ioc))
    h = Recorder()
    acceptor.async_accept(peer, h)
    h.started()
    with _connect(acceptor.local_endpoint().port()) as client:
        run_ioc(ioc)
        assert h.once == (error.success,)
        assert peer.is_open()
        client.sendall(b"hi")
        assert peer.read_some(bytearray(2)) == 2


def test_async_accept_into_an_open_peer_is_already_open(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    peer = closer(tcp.socket(ioc, tcp.v4()))
    h = Recorder()
    acceptor.async_accept(peer, h)
    h.started()
    run_ioc(ioc)
    assert h.once == (error.already_open,)


def test_async_accept_with_another_context(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    other = asiolike.io_context()
    try:
        acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
        h = Recorder()
        acceptor.async_accept(other, h)
        h.started()
        with _connect(acceptor.local_endpoint().port()):
            run_ioc(ioc)
            ec, peer = h.once
            closer(peer)
            assert ec == error.success
            assert peer.get_executor() is other.get_executor()
        strand = asiolike.strand(ioc)
        ioc.restart()
        h2 = Recorder()
        acceptor.async_accept(strand, h2)
        h2.started()
        with _connect(acceptor.local_endpoint().port()):
            run_ioc(ioc)
            ec, peer = h2.once
            closer(peer)
            assert peer.get_executor() is strand
    finally:
        other.close()


def test_accept_handler_runs_in_its_strand(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    s = asiolike.strand(ioc)
    seen: list[bool] = []

    def on_accept(ec: error.error_code, peer: tcp.socket) -> None:
        closer(peer)
        seen.append(s.running_in_this_thread())

    acceptor.async_accept(asiolike.bind_executor(s, on_accept))
    with _connect(acceptor.local_endpoint().port()):
        run_ioc(ioc)
    assert seen == [True]


def test_pending_accept_keeps_run_going(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    h = Recorder()
    acceptor.async_accept(h)
    h.started()
    clients: list[socket.socket] = []
    timer = asiolike.steady_timer(ioc, 0.01)
    timer.async_wait(lambda ec: clients.append(_connect(acceptor.local_endpoint().port())))
    run_ioc(ioc)
    ec, peer = h.once
    closer(peer)
    for c in clients:
        c.close()
    assert ec == error.success and not ioc.has_outstanding_work()


def test_close_and_cancel_abort_pending_accepts_once(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    cancelled, closed = Recorder(), Recorder()
    acceptor.async_accept(cancelled)
    cancelled.started()
    acceptor.cancel()
    run_ioc(ioc)
    ec, peer = cancelled.once
    assert ec == error.operation_aborted and not peer.is_open()
    ioc.restart()
    peer2 = tcp.socket(ioc)
    acceptor.async_accept(peer2, closed)
    closed.started()
    acceptor.close()
    acceptor.close()
    run_ioc(ioc)
    assert closed.once == (error.operation_aborted,)
    assert not peer2.is_open()


def test_accept_on_closed_acceptor_is_bad_descriptor(
    ioc: asiolike.io_context, run_ioc: Any
) -> None:
    acceptor = tcp.acceptor(ioc)
    h = Recorder()
    acceptor.async_accept(h)
    h.started()
    run_ioc(ioc)
    ec, peer = h.once
    assert ec == error.bad_descriptor and not peer.is_open()
    with pytest.raises(asiolike.system_error) as info:
        acceptor.accept()
    assert info.value.code == error.bad_descriptor


def test_sync_accept_forms(ioc: asiolike.io_context, closer: Any) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    port = acceptor.local_endpoint().port()
    with _connect(port), _connect(port):
        first = closer(acceptor.accept())
        assert first.is_open() and first.get_executor() is ioc.get_executor()
        peer = closer(tcp.socket(ioc))
        assert acceptor.accept(peer) is None
        assert peer.is_open()
    acceptor.non_blocking(True)
    with pytest.raises(asiolike.system_error) as info:
        acceptor.accept()
    assert info.value.code == error.would_block
    with pytest.raises(asiolike.system_error) as info:
        acceptor.accept(closer(tcp.socket(ioc, tcp.v4())))
    assert info.value.code == error.already_open


def test_use_future_accept(ioc: asiolike.io_context, closer: Any, run_ioc: Any) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    future = acceptor.async_accept(asiolike.use_future)
    assert future is not None
    with _connect(acceptor.local_endpoint().port()):
        run_ioc(ioc)
        peer = closer(future.result(timeout=0))
        assert isinstance(peer, tcp.socket) and peer.is_open()


def test_enable_connection_aborted_option(ioc: asiolike.io_context, closer: Any) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    assert acceptor.get_option(socket_base.enable_connection_aborted).value() is False
    acceptor.set_option(tcp.acceptor.enable_connection_aborted(True))
    assert acceptor.get_option(socket_base.enable_connection_aborted).value() is True


def test_client_that_reset_before_accept(
    ioc: asiolike.io_context, closer: Any, run_ioc: Any
) -> None:
    # Linux hands such a connection out (it does not fail accept with ECONNABORTED): the
    # accept succeeds and the first read reports the reset.
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    client = _connect(acceptor.local_endpoint().port())
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    client.close()
    results: list[error.error_code] = []

    def on_accept(ec: error.error_code, peer: tcp.socket) -> None:
        results.append(ec)
        if not ec:
            closer(peer)
            peer.async_read_some(bytearray(4), lambda ec, n: results.append(ec))

    acceptor.async_accept(on_accept)
    run_ioc(ioc)
    assert results[0] in (error.success, error.connection_aborted)
    assert results[-1] in (error.connection_reset, error.eof, error.connection_aborted)


def test_async_accept_misuse(ioc: asiolike.io_context, closer: Any) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0)))
    with pytest.raises(TypeError):
        acceptor.async_accept()
    with pytest.raises(TypeError):
        acceptor.async_accept(1, 2, 3)
    with pytest.raises(TypeError):
        acceptor.async_accept(acceptor, lambda ec: None)
    with pytest.raises(TypeError):
        acceptor.bind(("127.0.0.1", 0))


def test_ipv6_acceptor(ioc: asiolike.io_context, closer: Any, ipv6_host: str, run_ioc: Any) -> None:
    acceptor = closer(tcp.acceptor(ioc, tcp.endpoint(ipv6_host, 0)))
    assert acceptor.local_endpoint().protocol() == tcp.v6()
    h = Recorder()
    acceptor.async_accept(h)
    h.started()
    client = closer(tcp.socket(ioc))
    client.async_connect(acceptor.local_endpoint(), lambda ec: None)
    run_ioc(ioc)
    ec, peer = h.once
    closer(peer)
    assert ec == error.success and peer.local_endpoint().protocol() == tcp.v6()
