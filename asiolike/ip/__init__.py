"""``asiolike.ip``: IP addresses, networks, endpoints, TCP and UDP (Asio's ``asio::ip``).

``from asiolike.ip import tcp`` gives ``tcp.socket``, ``tcp.acceptor``, ``tcp.resolver``,
``tcp.endpoint``, ``tcp.v4()``, ``tcp.v6()`` and ``tcp.no_delay``; ``from asiolike.ip
import udp`` gives ``udp.socket``, ``udp.resolver``, ``udp.endpoint``, ``udp.v4()`` and
``udp.v6()``. The multicast and unicast options are in ``ip.multicast`` and ``ip.unicast``.
"""

import socket as _socket

from asiolike.ip import multicast, tcp, udp, unicast
from asiolike.ip.address import (
    address,
    address_v4,
    address_v6,
    bad_address_cast,
    make_address,
    make_address_v4,
    make_address_v6,
    v4_mapped,
    v4_mapped_t,
)
from asiolike.ip.basic_endpoint import basic_endpoint
from asiolike.ip.basic_resolver import (
    basic_resolver,
    basic_resolver_entry,
    basic_resolver_results,
    resolver_base,
    resolver_flags,
)
from asiolike.ip.network import (
    address_v4_range,
    address_v6_range,
    make_network_v4,
    make_network_v6,
    network_v4,
    network_v6,
)
from asiolike.socket_base import _boolean_option

__all__ = [
    "address",
    "address_v4",
    "address_v4_range",
    "address_v6",
    "address_v6_range",
    "bad_address_cast",
    "basic_endpoint",
    "basic_resolver",
    "basic_resolver_entry",
    "basic_resolver_results",
    "host_name",
    "make_address",
    "make_address_v4",
    "make_address_v6",
    "make_network_v4",
    "make_network_v6",
    "multicast",
    "network_v4",
    "network_v6",
    "resolver_base",
    "resolver_flags",
    "tcp",
    "udp",
    "unicast",
    "v4_mapped",
    "v4_mapped_t",
    "v6_only",
]


class v6_only(_boolean_option):
    """``IPV6_V6ONLY``: an IPv6 socket that does not also accept IPv4 (v4-mapped) traffic."""

    __slots__ = ()
    _level = _socket.IPPROTO_IPV6
    _name = _socket.IPV6_V6ONLY


def host_name() -> str:
    """The name of this host (Asio's ``ip::host_name()``)."""
    return _socket.gethostname()
