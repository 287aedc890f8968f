"""``tcp``: the TCP protocol and its socket, acceptor, resolver and endpoint (Asio's ``ip::tcp``).

Ported code reads as in C++::

    from asiolike.ip import tcp

    acceptor = tcp.acceptor(ioc, tcp.endpoint(tcp.v4(), 8080))
    sock = tcp.socket(ioc)
    sock.set_option(tcp.no_delay(True))
    resolver = tcp.resolver(ioc)
    resolver.async_resolve("example.com", "http", on_resolve)

``tcp.v4()`` and ``tcp.v6()`` are the protocol objects (``family()``, ``type()``,
``protocol()``); their class is :class:`protocol_type`.
"""

from __future__ import annotations

import socket as _socket
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from asiolike.detail.socket_acceptor import basic_socket_acceptor
from asiolike.detail.stream_socket import basic_stream_socket
from asiolike.ip.basic_endpoint import basic_endpoint
from asiolike.ip.basic_resolver import (
    basic_resolver,
    basic_resolver_entry,
    basic_resolver_results,
)
from asiolike.socket_base import _boolean_option

__all__ = [
    "protocol_type",
    "v4",
    "v6",
    "endpoint",
    "socket",
    "acceptor",
    "resolver",
    "no_delay",
]


class protocol_type:
    """The TCP protocol for one IP version: what ``tcp.v4()`` and ``tcp.v6()`` return.

    Args:
        family: ``socket.AF_INET`` or ``socket.AF_INET6``.
    """

    __slots__ = ("_family",)

    def __init__(self, family: int) -> None:
        if family not in (_socket.AF_INET, _socket.AF_INET6):
            raise ValueError("tcp protocol family must be AF_INET or AF_INET6 (use tcp.v4()/v6())")
        self._family = family

    @staticmethod
    def v4() -> protocol_type:
        """TCP over IPv4."""
        return _V4

    @staticmethod
    def v6() -> protocol_type:
        """TCP over IPv6."""
        return _V6

    def family(self) -> int:
        """``AF_INET`` or ``AF_INET6``."""
        return self._family

    def type(self) -> int:
        """``SOCK_STREAM``."""
        return _socket.SOCK_STREAM

    def protocol(self) -> int:
        """``IPPROTO_TCP``."""
        return _socket.IPPROTO_TCP

    def __eq__(self, other: object) -> bool:
        if isinstance(other, protocol_type):
            return self._family == other._family
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("tcp", self._family))

    def __repr__(self) -> str:
        return "tcp.v4()" if self._family == _socket.AF_INET else "tcp.v6()"


_V4: Final = protocol_type(_socket.AF_INET)
_V6: Final = protocol_type(_socket.AF_INET6)


def v4() -> protocol_type:
    """The TCP over IPv4 protocol object (Asio's ``tcp::v4()``)."""
    return _V4


def v6() -> protocol_type:
    """The TCP over IPv6 protocol object (Asio's ``tcp::v6()``)."""
    return _V6


class endpoint(basic_endpoint):
    """A TCP endpoint: an IP address and a port (see :class:`~asiolike.ip.basic_endpoint`).

    ``tcp.endpoint("127.0.0.1", 8080)``, ``tcp.endpoint(ip.make_address("::1"), 80)``,
    ``tcp.endpoint(tcp.v4(), 8080)`` (any address, for binding).
    """

    __slots__ = ()
    _protocols = (_V4, _V6)


class no_delay(_boolean_option):
    """``TCP_NODELAY``: send small segments at once instead of coalescing them (Nagle off)."""

    __slots__ = ()
    _level = _socket.IPPROTO_TCP
    _name = _socket.TCP_NODELAY


class socket(basic_stream_socket[endpoint]):
    """A TCP socket (Asio's ``tcp::socket``, a ``basic_stream_socket`` for TCP).

    ``tcp.socket(ioc)`` is closed until ``open()``, ``connect()`` or ``async_connect()``
    (which open it for the peer's IP version); ``tcp.socket(ioc, tcp.v6())`` opens it;
    ``tcp.socket(ioc, endpoint)`` opens and binds it; ``tcp.socket(ioc, tcp.v4(), sock)``
    adopts a Python socket.
    """

    __slots__ = ()
    protocol_type: TypeAlias = protocol_type
    endpoint_type: TypeAlias = endpoint

    @staticmethod
    def _default_protocol() -> Any:
        return _V4


class acceptor(basic_socket_acceptor[endpoint, socket]):
    """A TCP acceptor (Asio's ``tcp::acceptor``, a ``basic_socket_acceptor`` for TCP).

    ``tcp.acceptor(ioc, tcp.endpoint(tcp.v4(), 0))`` opens, sets ``reuse_address``, binds
    and listens.
    """

    __slots__ = ()
    protocol_type: TypeAlias = protocol_type
    endpoint_type: TypeAlias = endpoint
    socket_type: TypeAlias = socket

    @staticmethod
    def _default_protocol() -> Any:
        return _V4


class resolver(basic_resolver[endpoint]):
    """A TCP resolver (Asio's ``tcp::resolver``); see :class:`~asiolike.ip.basic_resolver`."""

    __slots__ = ()
    protocol_type: TypeAlias = protocol_type
    endpoint_type: TypeAlias = endpoint
    if TYPE_CHECKING:  # at run time, the classes (isinstance works)
        results_type: TypeAlias = basic_resolver_results[endpoint]
        entry_type: TypeAlias = basic_resolver_entry[endpoint]
    _socktype = _socket.SOCK_STREAM
    _proto = _socket.IPPROTO_TCP
