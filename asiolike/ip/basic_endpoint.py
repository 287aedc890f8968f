"""``basic_endpoint``: an IP address and a port, for one protocol (Asio's ``ip::basic_endpoint``).

``tcp.endpoint`` is this class bound to the TCP protocol objects. Endpoints are immutable
values: hashable, ordered by address then port, printed as ``127.0.0.1:8080`` or
``[::1]:8080``.
"""

from __future__ import annotations

import functools
import ipaddress
import socket as _socket
from typing import Any, ClassVar, Self

from asiolike.ip.address import (
    address,
    address_v4,
    address_v6,
    make_address,
)

__all__ = ["basic_endpoint", "SockAddr"]

SockAddr = tuple[str, int] | tuple[str, int, int, int]
"""What Python's socket functions take and return for an IP socket address."""


def _check_port(port: int) -> int:
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError(f"a port is an int, not {port!r}")
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is out of range (0 .. 65535)")
    return port


@functools.total_ordering
class basic_endpoint:
    """An IP endpoint: address and port.

    Args:
        addr: an :class:`~asiolike.ip.address` (or ``address_v4``/``address_v6``), its text
            form (``"127.0.0.1"``, ``"::1"``), or a protocol object (``tcp.v4()``,
            ``tcp.v6()``) for the unspecified address of that version (Asio's
            ``endpoint(tcp::v4(), port)``, for binding). Without it: ``0.0.0.0``.
        port: the port number, 0 to 65535.

    Raises:
        system_error: ``invalid_argument``: ``addr`` is text that is not an address.
        ValueError: the port is out of range.
    """

    __slots__ = ("_address", "_port", "_sa")

    # The (v4, v6) protocol objects, set by each protocol's endpoint subclass.
    _protocols: ClassVar[tuple[Any, Any]]

    _address: address
    _port: int
    _sa: SockAddr

    def __init__(self, addr: Any = None, port: int = 0) -> None:
        if addr is None:
            a = address()
        elif type(addr) is address:
            a = addr
        elif isinstance(addr, (str, address_v4, address_v6)):
            a = make_address(addr)
        elif hasattr(addr, "family"):
            family = addr.family()
            if family == _socket.AF_INET6:
                a = address(address_v6.any())
            elif family == _socket.AF_INET:
                a = address(address_v4.any())
            else:
                raise ValueError(f"{addr!r} is not an IP protocol")
        else:
            raise TypeError(
                f"an endpoint takes an address, its text form or a protocol, not {addr!r}"
            )
        self._address = a
        self._port = _check_port(port)
        impl = a._impl
        if type(impl) is address_v4:
            self._sa = (str(impl._ip), port)
        else:
            assert type(impl) is address_v6
            self._sa = (str(impl._ip), port, 0, impl._scope)

    @classmethod
    def _from_sockaddr(cls, sa: Any) -> Self:
        """The endpoint for a Python socket address (from accept, getsockname...)."""
        ep = cls.__new__(cls)
        if len(sa) == 2:
            ep._address = address(address_v4(ipaddress.IPv4Address(sa[0])))
        else:
            host = sa[0].partition("%")[0]
            ep._address = address(address_v6(ipaddress.IPv6Address(host), sa[3]))
        ep._port = sa[1]
        ep._sa = tuple(sa)
        return ep

    def address(self) -> address:
        """The IP address."""
        return self._address

    def port(self) -> int:
        """The port number."""
        return self._port

    def protocol(self) -> Any:
        """The protocol object for this endpoint's IP version (``tcp.v4()`` or ``tcp.v6()``)."""
        return self._protocols[0 if len(self._sa) == 2 else 1]

    def _sockaddr(self) -> SockAddr:
        return self._sa

    def __str__(self) -> str:
        if len(self._sa) == 2:
            return f"{self._sa[0]}:{self._port}"
        return f"[{self._address.to_string()}]:{self._port}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}('{self._address.to_string()}', {self._port})"

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return self._address == other._address and self._port == other._port
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if type(other) is type(self):
            if self._address == other._address:
                return self._port < other._port
            return self._address < other._address
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._address, self._port))
