"""``ip.unicast``: the unicast socket options (Asio's ``ip::unicast``).

``sock.set_option(ip.unicast.hops(4))`` sets the time-to-live of outgoing unicast packets.
"""

from __future__ import annotations

import socket as _socket

from asiolike.socket_base import _ip_integer_option

__all__ = ["hops"]


class hops(_ip_integer_option):
    """The time-to-live (hop limit) of outgoing unicast packets.

    ``IP_TTL`` or ``IPV6_UNICAST_HOPS``, by the socket's IP version. Setting -1 on an IPv6
    socket restores the system's default.
    """

    __slots__ = ()
    _level = _socket.IPPROTO_IP
    _name = _socket.IP_TTL
    _v6_name = _socket.IPV6_UNICAST_HOPS
