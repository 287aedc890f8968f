"""``ip.multicast``: the multicast socket options (Asio's ``ip::multicast``).

Set on a UDP socket with ``set_option``::

    from asiolike import ip

    sock.set_option(ip.multicast.join_group(ip.make_address("239.255.0.1")))
    sock.set_option(ip.multicast.enable_loopback(True))
    sock.set_option(ip.multicast.hops(1))

:class:`join_group` and :class:`leave_group` take the group's address (and optionally the
interface: an IPv4 address, or an IPv6 interface index); the option's level follows the
group's IP version. :class:`enable_loopback` and :class:`hops` follow the socket's.
"""

from __future__ import annotations

import socket as _socket
import struct
from typing import Final

from asiolike.ip.address import address, address_v4, address_v6, make_address
from asiolike.socket_base import _ip_boolean_option, _ip_integer_option, socket_option

__all__ = ["join_group", "leave_group", "outbound_interface", "enable_loopback", "hops"]

_MREQ6: Final = struct.Struct("=16sI")  # struct ipv6_mreq: the group and an interface index


class _membership(socket_option):
    """A group membership request (``ip_mreq`` / ``ipv6_mreq``); set-only."""

    __slots__ = ("_group", "_interface")
    _v6_name: int

    def __init__(
        self,
        multicast_address: address | address_v4 | address_v6 | str | None = None,
        network_interface: address_v4 | int | None = None,
    ) -> None:
        group = address() if multicast_address is None else make_address(multicast_address)
        impl = group.to_v4() if group.is_v4() else group.to_v6()
        if isinstance(impl, address_v4):
            if network_interface is None:
                network_interface = address_v4.any()
            if not isinstance(network_interface, address_v4):
                raise TypeError("an IPv4 group takes its interface as an address_v4")
        else:
            if network_interface is None:
                network_interface = impl.scope_id()
            if isinstance(network_interface, bool) or not isinstance(network_interface, int):
                raise TypeError("an IPv6 group takes its interface as an index (int)")
        self._group = impl
        self._interface = network_interface

    def level(self, protocol: object = None) -> int:
        """``IPPROTO_IP`` for an IPv4 group, ``IPPROTO_IPV6`` for an IPv6 one."""
        v4 = isinstance(self._group, address_v4)
        return _socket.IPPROTO_IP if v4 else _socket.IPPROTO_IPV6

    def name(self, protocol: object = None) -> int:
        """The option name for the group's IP version."""
        return self._name if isinstance(self._group, address_v4) else self._v6_name

    def _to_raw(self) -> bytes:
        group, interface = self._group, self._interface
        if isinstance(interface, address_v4):
            return group.to_bytes() + interface.to_bytes()
        return _MREQ6.pack(group.to_bytes(), interface)

    def _from_raw(self, raw: int | bytes) -> None:
        raise TypeError(f"{type(self).__name__} can only be set, not read (as in Asio)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._group}, {self._interface})"


class join_group(_membership):
    """Join a multicast group: the socket receives the group's datagrams.

    Args:
        multicast_address: the group (``address``, ``address_v4``, ``address_v6`` or text).
        network_interface: for an IPv4 group, the local interface's address (default: any,
            the kernel picks); for an IPv6 group, the interface index (default: the
            address's scope id, 0 for the kernel's choice).

    Raises (from ``set_option``):
        system_error: ``invalid_argument`` (not a multicast address), ``address_in_use``
            (already joined), ``no_such_device`` (no usable interface).
    """

    __slots__ = ()
    _level = _socket.IPPROTO_IP
    _name = _socket.IP_ADD_MEMBERSHIP
    _v6_name = _socket.IPV6_JOIN_GROUP


class leave_group(_membership):
    """Leave a multicast group joined with :class:`join_group` (same arguments).

    Raises (from ``set_option``):
        system_error: ``address_not_available`` (not a member) or the system's error.
    """

    __slots__ = ()
    _level = _socket.IPPROTO_IP
    _name = _socket.IP_DROP_MEMBERSHIP
    _v6_name = _socket.IPV6_LEAVE_GROUP


class outbound_interface(socket_option):
    """The interface multicast datagrams are sent from.

    Args:
        network_interface: an ``address_v4`` (an IPv4 socket: ``IP_MULTICAST_IF``) or an
            interface index (an IPv6 socket: ``IPV6_MULTICAST_IF``).
    """

    __slots__ = ("_interface",)

    def __init__(self, network_interface: address_v4 | int = 0) -> None:
        if isinstance(network_interface, bool) or not isinstance(
            network_interface, (address_v4, int)
        ):
            raise TypeError("outbound_interface takes an address_v4 or an interface index")
        self._interface = network_interface

    def level(self, protocol: object = None) -> int:
        """``IPPROTO_IP`` for an IPv4 interface address, ``IPPROTO_IPV6`` for an index."""
        v4 = isinstance(self._interface, address_v4)
        return _socket.IPPROTO_IP if v4 else _socket.IPPROTO_IPV6

    def name(self, protocol: object = None) -> int:
        """``IP_MULTICAST_IF`` or ``IPV6_MULTICAST_IF``."""
        v4 = isinstance(self._interface, address_v4)
        return _socket.IP_MULTICAST_IF if v4 else _socket.IPV6_MULTICAST_IF

    def _to_raw(self) -> int | bytes:
        interface = self._interface
        return interface.to_bytes() if isinstance(interface, address_v4) else interface

    def _from_raw(self, raw: int | bytes) -> None:
        raise TypeError("outbound_interface can only be set, not read (as in Asio)")

    def __repr__(self) -> str:
        return f"outbound_interface({self._interface})"


class enable_loopback(_ip_boolean_option):
    """Whether this host's own sockets in the group receive the datagrams sent (default on).

    ``IP_MULTICAST_LOOP`` or ``IPV6_MULTICAST_LOOP``, by the socket's IP version.
    """

    __slots__ = ()
    _level = _socket.IPPROTO_IP
    _name = _socket.IP_MULTICAST_LOOP
    _v6_name = _socket.IPV6_MULTICAST_LOOP


class hops(_ip_integer_option):
    """The time-to-live of outgoing multicast datagrams (default 1: this network only).

    ``IP_MULTICAST_TTL`` or ``IPV6_MULTICAST_HOPS``, by the socket's IP version.

    Raises:
        ValueError: not in 0 .. 255 (Asio's ``std::out_of_range``).
    """

    __slots__ = ()
    _level = _socket.IPPROTO_IP
    _name = _socket.IP_MULTICAST_TTL
    _v6_name = _socket.IPV6_MULTICAST_HOPS

    def __init__(self, value: int = 0) -> None:
        super().__init__(value)
        if not 0 <= value <= 255:
            raise ValueError(f"multicast hops must be in 0 .. 255, not {value}")
