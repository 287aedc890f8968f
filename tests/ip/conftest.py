"""Fixtures for the transport tests: sockets that are closed after the test, connected pairs.

Every socket a test makes through these fixtures is closed at teardown (before the ``ioc``
fixture checks that no work is left), so a failing test does not also leak descriptors.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import asiolike
from asiolike.ip import tcp


class Closer:
    """Collects sockets, acceptors and Python sockets to close at teardown."""

    def __init__(self) -> None:
        self.objects: list[Any] = []

    def __call__(self, obj: Any) -> Any:
        self.objects.append(obj)
        return obj

    def close_all(self) -> None:
        for obj in reversed(self.objects):
            obj.close()
        self.objects.clear()


@pytest.fixture
def closer(ioc: asiolike.io_context) -> Iterator[Closer]:
    """``closer(obj)`` registers ``obj`` (returned) to be closed after the test."""
    c = Closer()
    try:
        yield c
    finally:
        c.close_all()


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


_HAVE_IPV6 = _ipv6_loopback()


@pytest.fixture
def ipv6_host() -> str:
    """``"::1"``; skips the test on a machine without an IPv6 loopback."""
    if not _HAVE_IPV6:
        pytest.skip("no IPv6 loopback (::1) on this machine")
    return "::1"


@pytest.fixture
def tcp_pair(
    ioc: asiolike.io_context, closer: Closer
) -> Callable[..., tuple[tcp.socket, tcp.socket]]:
    """``tcp_pair()`` -> ``(client, server)``: two connected TCP sockets over 127.0.0.1.

    Made with the synchronous connect and accept (the kernel completes the handshake
    into the listen queue). Pass ``host="::1"`` for IPv6.
    """

    def make(host: str = "127.0.0.1") -> tuple[tcp.socket, tcp.socket]:
        acceptor = tcp.acceptor(ioc, tcp.endpoint(host, 0))
        try:
            client = closer(tcp.socket(ioc))
            client.connect(acceptor.local_endpoint())
            server = closer(acceptor.accept())
        finally:
            acceptor.close()
        return client, server

    return make


@pytest.fixture
def refused_endpoint() -> Iterator[tcp.endpoint]:
    """An endpoint on 127.0.0.1 whose port is bound but not listening: connects are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        yield tcp.endpoint("127.0.0.1", s.getsockname()[1])


@pytest.fixture
def fill_send_buffer() -> Callable[[tcp.socket], int]:
    """``fill_send_buffer(sock)``: write until the kernel takes no more; returns the bytes.

    The peer must not read meanwhile. Uses the user non-blocking mode to detect the full
    buffer, then restores blocking mode.
    """
    return _fill_send_buffer


def _fill_send_buffer(sock: tcp.socket) -> int:
    sock.set_option(tcp.socket.send_buffer_size(4096))
    chunk = b"\0" * 65536
    total = 0
    sock.non_blocking(True)
    try:
        while True:
            try:
                total += sock.write_some(chunk)
            except asiolike.system_error as exc:
                assert exc.code == asiolike.error.would_block
                return total
    finally:
        sock.non_blocking(False)
