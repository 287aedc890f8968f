"""socket_base: the option classes, their round trips on real sockets, and the enums."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator

import pytest

import asiolike
from asiolike import error, local, socket_base
from asiolike.ip import tcp

LINUX = sys.platform.startswith("linux")


@pytest.fixture
def sock(ioc: asiolike.io_context) -> Iterator[tcp.socket]:
    s = tcp.socket(ioc, tcp.v4())
    try:
        yield s
    finally:
        s.close()


def test_enums() -> None:
    assert (socket_base.wait_read, socket_base.wait_write, socket_base.wait_error) == (0, 1, 2)
    assert socket_base.shutdown_receive == socket.SHUT_RD
    assert socket_base.shutdown_send == socket.SHUT_WR
    assert socket_base.shutdown_both == socket.SHUT_RDWR
    assert int(socket_base.message_peek) == int(socket.MSG_PEEK)
    assert int(socket_base.message_out_of_band) == int(socket.MSG_OOB)
    assert int(socket_base.message_do_not_route) == int(socket.MSG_DONTROUTE)
    flags = socket_base.message_peek | socket_base.message_out_of_band
    assert isinstance(flags, socket_base.message_flags)
    assert socket_base.max_listen_connections == socket.SOMAXCONN
    assert tcp.socket.wait_read is socket_base.wait_read
    assert tcp.acceptor.max_listen_connections == socket.SOMAXCONN


def test_option_values() -> None:
    assert socket_base.keep_alive().value() is False
    assert socket_base.keep_alive(True).value() is True and bool(socket_base.keep_alive(True))
    assert socket_base.keep_alive(True) == socket_base.keep_alive(True)
    assert socket_base.keep_alive(True) != socket_base.reuse_address(True)
    assert repr(socket_base.reuse_address(True)) == "reuse_address(True)"
    assert socket_base.receive_buffer_size(1024).value() == 1024
    assert repr(socket_base.send_buffer_size(5)) == "send_buffer_size(5)"
    lg = socket_base.linger(True, 7)
    assert (lg.enabled(), lg.timeout()) == (True, 7)
    assert lg == socket_base.linger(True, 7) and lg != socket_base.linger(False, 7)
    assert repr(lg) == "linger(True, 7)"
    assert socket_base.keep_alive(True).level() == socket.SOL_SOCKET
    assert socket_base.keep_alive(True).name() == socket.SO_KEEPALIVE
    assert tcp.no_delay(True).level() == socket.IPPROTO_TCP
    assert len({socket_base.keep_alive(True), socket_base.keep_alive(True)}) == 1
    with pytest.raises(TypeError):
        socket_base.receive_buffer_size("big")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        socket_base.linger(True, -1)


@pytest.mark.parametrize(
    "option",
    [
        socket_base.keep_alive,
        socket_base.reuse_address,
        socket_base.out_of_band_inline,
        socket_base.do_not_route,
        tcp.no_delay,
    ],
)
def test_boolean_round_trips(sock: tcp.socket, option: type[socket_base._boolean_option]) -> None:
    for value in (True, False):
        sock.set_option(option(value))
        assert sock.get_option(option).value() is value


def test_integer_and_linger_round_trips(sock: tcp.socket) -> None:
    sock.set_option(socket_base.receive_buffer_size(65536))
    assert sock.get_option(socket_base.receive_buffer_size).value() == 65536
    sock.set_option(socket_base.send_buffer_size(16384))
    assert sock.get_option(socket_base.send_buffer_size).value() == 16384
    sock.set_option(socket_base.receive_low_watermark(10))
    assert sock.get_option(socket_base.receive_low_watermark).value() == 10
    sock.set_option(socket_base.linger(True, 0))
    assert sock.get_option(socket_base.linger) == socket_base.linger(True, 0)
    sock.set_option(socket_base.linger(False, 0))
    assert sock.get_option(socket_base.linger).enabled() is False
    raw = sock._sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)  # type: ignore[union-attr]
    assert raw == (2 * 65536 if LINUX else 65536)


def test_get_option_fills_in_an_instance(sock: tcp.socket) -> None:
    sock.set_option(socket_base.keep_alive(True))
    opt = socket_base.keep_alive()
    assert sock.get_option(opt) is opt
    assert opt.value() is True


def test_enable_connection_aborted_is_not_a_system_option(sock: tcp.socket) -> None:
    sock.set_option(socket_base.enable_connection_aborted(True))
    assert sock.get_option(socket_base.enable_connection_aborted).value() is True


def test_option_errors(ioc: asiolike.io_context, sock: tcp.socket) -> None:
    closed = tcp.socket(ioc)
    with pytest.raises(asiolike.system_error) as info:
        closed.get_option(socket_base.keep_alive)
    assert info.value.code == error.bad_descriptor
    with pytest.raises(asiolike.system_error) as info:
        closed.set_option(socket_base.keep_alive(True))
    assert info.value.code == error.bad_descriptor
    with pytest.raises(TypeError):
        sock.set_option(True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sock.get_option(int)  # type: ignore[type-var]
    a, b = local.stream_protocol.socket(ioc), local.stream_protocol.socket(ioc)
    local.connect_pair(a, b)
    try:
        with pytest.raises(asiolike.system_error) as info:
            a.get_option(tcp.no_delay)
        assert info.value.code == error.operation_not_supported
    finally:
        a.close()
        b.close()
