"""``udp``: the UDP protocol and its socket, resolver and endpoint (Asio's ``ip::udp``).

Ported code reads as in C++::

    from asiolike.ip import udp

    sock = udp.socket(ioc, udp.endpoint(udp.v4(), 9000))    # open and bind
    sock.async_receive_from(buf, on_receive)                 # handler(ec, n, sender)
    sock.async_send_to(b"hello", udp.endpoint("127.0.0.1", 9001), on_send)
    resolver = udp.resolver(ioc)
    endpoints = resolver.resolve(udp.v4(), "localhost", "daytime")

``udp.v4()`` and ``udp.v6()`` are the protocol objects (``family()``, ``type()``,
``protocol()``); their class is :class:`protocol_type`. Options for UDP sockets:
``udp.socket.broadcast`` (``socket_base.broadcast``), :mod:`asiolike.ip.multicast`,
:mod:`asiolike.ip.unicast` and ``ip.v6_only``.
"""

from __future__ import annotations

import socket as _socket
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from asiolike.detail.datagram_socket import basic_datagram_socket
from asiolike.detail.ip_protocol import basic_ip_protocol
from asiolike.ip.basic_endpoint import basic_endpoint
from asiolike.ip.basic_resolver import (
    basic_resolver,
    basic_resolver_entry,
    basic_resolver_results,
)

__all__ = ["protocol_type", "v4", "v6", "endpoint", "socket", "resolver"]


class protocol_type(basic_ip_protocol):
    """The UDP protocol for one IP version: what ``udp.v4()`` and ``udp.v6()`` return.

    ``family()`` is ``AF_INET`` or ``AF_INET6``, ``type()`` ``SOCK_DGRAM``, ``protocol()``
    ``IPPROTO_UDP``.

    Args:
        family: ``socket.AF_INET`` or ``socket.AF_INET6``.
    """

    __slots__ = ()
    _type = _socket.SOCK_DGRAM
    _proto = _socket.IPPROTO_UDP
    _label = "udp"

    @staticmethod
    def v4() -> protocol_type:
        """UDP over IPv4."""
        return _V4

    @staticmethod
    def v6() -> protocol_type:
        """UDP over IPv6."""
        return _V6


_V4: Final = protocol_type(_socket.AF_INET)
_V6: Final = protocol_type(_socket.AF_INET6)


def v4() -> protocol_type:
    """The UDP over IPv4 protocol object (Asio's ``udp::v4()``)."""
    return _V4


def v6() -> protocol_type:
    """The UDP over IPv6 protocol object (Asio's ``udp::v6()``)."""
    return _V6


class endpoint(basic_endpoint):
    """A UDP endpoint: an IP address and a port (see :class:`~asiolike.ip.basic_endpoint`).

    ``udp.endpoint("127.0.0.1", 9000)``, ``udp.endpoint(ip.make_address("::1"), 53)``,
    ``udp.endpoint(udp.v4(), 9000)`` (any address, for binding).
    """

    __slots__ = ()
    _protocols = (_V4, _V6)


class socket(basic_datagram_socket[endpoint]):
    """A UDP socket (Asio's ``udp::socket``, a ``basic_datagram_socket`` for UDP).

    ``udp.socket(ioc)`` is closed until ``open()`` or ``connect()``;
    ``udp.socket(ioc, udp.v4())`` opens it; ``udp.socket(ioc, endpoint)`` opens it and
    binds it to ``endpoint``; ``udp.socket(ioc, udp.v4(), sock)`` adopts a Python socket.

    Example, an echo server's loop (``examples/udp_echo_server_async.py``)::

        def do_receive():
            sock.async_receive_from(data, on_receive)

        def on_receive(ec, n, sender):
            if not ec and n > 0:
                sock.async_send_to(memoryview(data)[:n], sender, lambda ec, n: do_receive())
            else:
                do_receive()
    """

    __slots__ = ()
    protocol_type: TypeAlias = protocol_type
    endpoint_type: TypeAlias = endpoint

    @staticmethod
    def _default_protocol() -> Any:
        return _V4


class resolver(basic_resolver[endpoint]):
    """A UDP resolver (Asio's ``udp::resolver``); see :class:`~asiolike.ip.basic_resolver`.

    Its results hold ``udp.endpoint`` values.
    """

    __slots__ = ()
    protocol_type: TypeAlias = protocol_type
    endpoint_type: TypeAlias = endpoint
    if TYPE_CHECKING:  # at run time, the classes (isinstance works)
        results_type: TypeAlias = basic_resolver_results[endpoint]
        entry_type: TypeAlias = basic_resolver_entry[endpoint]
    _socktype = _socket.SOCK_DGRAM
    _proto = _socket.IPPROTO_UDP
