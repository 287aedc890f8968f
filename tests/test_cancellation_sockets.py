"""Per-operation cancellation of socket operations and of the algorithms over them.

Asio's reactive socket operations (``async_read_some``, ``async_write_some``,
``async_receive``, ``async_send``, ``async_connect``, ``async_wait``, ``async_accept``, and
the datagram sockets' and POSIX descriptors' operations) honour terminal, partial and total
cancellation; the composed algorithms (``async_read``,
``async_write``, ``async_read_until``, the range ``async_connect``) pass terminal and
partial on to their current step and ignore total (some bytes may have moved already).

A cancelled operation completes exactly once with ``operation_aborted``, from the queue
(never inside ``emit``), and only that operation: the socket stays open and usable, and
no byte is lost (a cancelled read took nothing; the next read gets the data).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

import asiolike as net
from asiolike import local, posix
from asiolike.error import operation_aborted, success
from asiolike.ip import make_address, tcp, udp

T = net.cancellation_type
LOOPBACK = make_address("127.0.0.1")


class _rec:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> None:
        self.calls.append(args)


def _pair(ioc: net.io_context) -> tuple[tcp.socket, tcp.socket]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
    client = tcp.socket(ioc)
    client.connect(acceptor.local_endpoint())
    server = acceptor.accept()
    acceptor.close()
    return client, server


def _fill_send_buffer(sock: tcp.socket) -> None:
    """Write until the kernel takes nothing more, so that the next write must wait."""
    sock.set_option(tcp.socket.send_buffer_size(4096))
    sock.non_blocking(True)
    chunk = b"x" * 65536
    while True:
        try:
            sock.write_some(chunk)
        except net.system_error as exc:
            assert exc.code == net.error.would_block
            break
    sock.non_blocking(False)


Starter = Callable[[net.io_context, list[Any], Any], None]


def _read_some(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    client, server = _pair(ioc)
    keep += [client, server]
    server.async_read_some(bytearray(16), h)


def _receive(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    client, server = _pair(ioc)
    keep += [client, server]
    server.async_receive(bytearray(16), net.socket_base.message_peek, h)


def _write_some(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    client, server = _pair(ioc)
    keep += [client, server]
    _fill_send_buffer(client)
    client.async_write_some(b"y" * 65536, h)


def _wait(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    client, server = _pair(ioc)
    keep += [client, server]
    server.async_wait(tcp.socket.wait_read, h)


def _accept(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
    keep.append(acceptor)
    acceptor.async_accept(h)


def _async_read(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    client, server = _pair(ioc)
    keep += [client, server]
    client.write_some(b"abc")  # some of it arrives: the step after it is cancelled
    net.async_read(server, bytearray(10), h)


def _async_read_until(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    client, server = _pair(ioc)
    keep += [client, server]
    net.async_read_until(server, net.dynamic_buffer(bytearray()), b"\n", h)


def _async_write(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    client, server = _pair(ioc)
    keep += [client, server]
    _fill_send_buffer(client)
    net.async_write(client, b"z" * 200_000, h)


def _udp_receive_from(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    sock = udp.socket(ioc, udp.endpoint(LOOPBACK, 0))
    keep.append(sock)
    sock.async_receive_from(bytearray(16), h)


def _udp_receive(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    a = udp.socket(ioc, udp.endpoint(LOOPBACK, 0))
    b = udp.socket(ioc, udp.endpoint(LOOPBACK, 0))
    keep += [a, b]
    a.connect(b.local_endpoint())
    a.async_receive(bytearray(16), h)


def _local_datagram_receive(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    a = local.datagram_protocol.socket(ioc)
    b = local.datagram_protocol.socket(ioc)
    keep += [a, b]
    local.connect_pair(a, b)
    a.async_receive(bytearray(16), h)


class _pipe:
    """Both ends of a pipe as stream descriptors, closed together."""

    def __init__(self, ioc: net.io_context) -> None:
        r, w = os.pipe()
        self.reader = posix.stream_descriptor(ioc, r)
        self.writer = posix.stream_descriptor(ioc, w)

    def is_open(self) -> bool:
        return self.reader.is_open() and self.writer.is_open()

    def close(self) -> None:
        self.reader.close()
        self.writer.close()


def _descriptor_read_some(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    pipe = _pipe(ioc)
    keep.append(pipe)
    pipe.reader.async_read_some(bytearray(16), h)


def _descriptor_write_some(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    pipe = _pipe(ioc)
    keep.append(pipe)
    pipe.writer.non_blocking(True)
    while True:  # fill the pipe, so that the next write must wait
        try:
            pipe.writer.write_some(b"x" * 65536)
        except net.system_error as exc:
            assert exc.code == net.error.would_block
            break
    pipe.writer.non_blocking(False)
    pipe.writer.async_write_some(b"y" * 16, h)


def _descriptor_wait(ioc: net.io_context, keep: list[Any], h: Any) -> None:
    pipe = _pipe(ioc)
    keep.append(pipe)
    pipe.reader.async_wait(posix.stream_descriptor.wait_read, h)


SOCKET_OPS: dict[str, Starter] = {
    "async_read_some": _read_some,
    "async_receive": _receive,
    "async_write_some": _write_some,
    "async_wait": _wait,
    "async_accept": _accept,
    "udp async_receive_from": _udp_receive_from,
    "udp async_receive": _udp_receive,
    "local datagram async_receive": _local_datagram_receive,
    "stream_descriptor async_read_some": _descriptor_read_some,
    "stream_descriptor async_write_some": _descriptor_write_some,
    "stream_descriptor async_wait": _descriptor_wait,
}
ALGORITHMS: dict[str, Starter] = {
    "async_read": _async_read,
    "async_read_until": _async_read_until,
    "async_write": _async_write,
}


def _start(
    ioc: net.io_context, starter: Starter, keep: list[Any]
) -> tuple[net.cancellation_signal, _rec]:
    sig = net.cancellation_signal()
    rec = _rec()
    starter(ioc, keep, net.bind_cancellation_slot(sig.slot(), rec))
    ioc.poll()  # whatever completes at once does; the operation under test waits
    ioc.restart()
    assert rec.calls == [], "the operation was meant to be pending"
    return sig, rec


def _close(keep: list[Any]) -> None:
    for obj in keep:
        obj.close()


@pytest.mark.parametrize("kind", [T.terminal, T.partial, T.total])
@pytest.mark.parametrize("name", list(SOCKET_OPS))
def test_a_socket_operation_is_cancelled_with_each_type(
    name: str, kind: net.cancellation_type, ioc: net.io_context
) -> None:
    keep: list[Any] = []
    try:
        sig, rec = _start(ioc, SOCKET_OPS[name], keep)
        sig.emit(kind)
        assert rec.calls == [], "the handler ran inside emit() (R1)"
        ioc.run_for(5.0)
        assert len(rec.calls) == 1 and rec.calls[0][0] == operation_aborted, rec.calls
        for obj in keep:  # only the operation: every object is still open
            assert obj.is_open()
        sig.emit(kind)  # after the completion: nothing happens (R2)
        ioc.restart()
        ioc.run_for(5.0)
        assert len(rec.calls) == 1
    finally:
        _close(keep)
        ioc.restart()
        ioc.run_for(5.0)


def test_a_cancelled_read_loses_no_byte(ioc: net.io_context) -> None:
    client, server = _pair(ioc)
    try:
        sig = net.cancellation_signal()
        first = _rec()
        server.async_read_some(bytearray(16), net.bind_cancellation_slot(sig.slot(), first))
        sig.emit(T.partial)
        ioc.run_for(5.0)
        assert first.calls == [(operation_aborted, 0)]
        client.write_some(b"hello")
        buf = bytearray(16)
        second = _rec()
        server.async_read_some(buf, second)
        ioc.restart()
        ioc.run_for(5.0)
        assert second.calls == [(success, 5)] and buf[:5] == b"hello"
    finally:
        client.close()
        server.close()


def test_a_completion_racing_with_the_emit_completes_once(ioc: net.io_context) -> None:
    # The data arrives and the reactor completes the read; the emit comes after, from a
    # handler that runs before the read's own completion: still exactly once, success.
    client, server = _pair(ioc)
    try:
        sig = net.cancellation_signal()
        rec = _rec()
        server.async_read_some(bytearray(16), net.bind_cancellation_slot(sig.slot(), rec))
        client.write_some(b"data")
        ioc.poll()  # the reactor completes the read: its completion is queued or ran
        sig.emit(T.terminal)
        ioc.restart()
        ioc.run_for(5.0)
        assert rec.calls == [(success, 4)]
    finally:
        client.close()
        server.close()


@pytest.mark.parametrize("kind", [T.terminal, T.partial])
@pytest.mark.parametrize("name", list(ALGORITHMS))
def test_an_algorithm_passes_terminal_and_partial_to_its_step(
    name: str, kind: net.cancellation_type, ioc: net.io_context
) -> None:
    keep: list[Any] = []
    try:
        sig, rec = _start(ioc, ALGORITHMS[name], keep)
        sig.emit(kind)
        ioc.run_for(5.0)
        assert len(rec.calls) == 1 and rec.calls[0][0] == operation_aborted, rec.calls
        if name == "async_read":
            assert rec.calls[0][1] == 3  # what arrived before the cancelled step
    finally:
        _close(keep)
        ioc.restart()
        ioc.run_for(5.0)


@pytest.mark.parametrize("name", list(ALGORITHMS))
def test_an_algorithm_ignores_total(name: str, ioc: net.io_context) -> None:
    keep: list[Any] = []
    try:
        sig, rec = _start(ioc, ALGORITHMS[name], keep)
        sig.emit(T.total)
        ioc.poll()
        ioc.restart()
        assert rec.calls == [], "total cancellation is not Asio's for a composed algorithm"
        sig.emit(T.terminal)  # still cancellable the supported way
        ioc.run_for(5.0)
        assert len(rec.calls) == 1 and rec.calls[0][0] == operation_aborted
    finally:
        _close(keep)
        ioc.restart()
        ioc.run_for(5.0)


def test_cancel_after_bounds_a_read(ioc: net.io_context) -> None:
    client, server = _pair(ioc)
    try:
        rec = _rec()
        server.async_read_some(bytearray(16), net.cancel_after(0.01, rec))
        ioc.run_for(5.0)
        assert rec.calls == [(operation_aborted, 0)]
        assert server.is_open()
    finally:
        client.close()
        server.close()
