"""IP addresses: ``address_v4``, ``address_v6`` and ``address`` (either), as in Asio.

Built on the standard ``ipaddress`` module. Addresses are immutable values: hashable,
comparable (``address`` orders every v4 address before every v6 one, as Asio does) and
printable (``str(a) == a.to_string()``). Parsing a string that is not an address raises
:class:`asiolike.error.system_error` with ``invalid_argument``, as Asio's ``make_address``
throws; it is also an ``OSError``.

An IPv6 address carries a scope id (the interface index of a link-local address): parsed
from ``"fe80::1%eth0"`` or ``"fe80::1%2"``, part of equality and ordering.
"""

from __future__ import annotations

import functools
import ipaddress
import socket as _socket
from typing import Final

from asiolike.error import invalid_argument, system_error

__all__ = [
    "address",
    "address_v4",
    "address_v6",
    "bad_address_cast",
    "make_address",
    "make_address_v4",
    "make_address_v6",
    "v4_mapped",
    "v4_mapped_t",
]


class bad_address_cast(TypeError):
    """``to_v4()`` on a v6 address (or the other way), or a v4-mapped cast of the wrong kind.

    Asio's ``bad_address_cast`` (a ``std::bad_cast``).
    """


class v4_mapped_t:
    """The type of :data:`v4_mapped`, the tag of the v4-mapped conversions."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "asiolike.ip.v4_mapped"


v4_mapped: Final = v4_mapped_t()
"""Tag for ``make_address_v6(v4_mapped, a4)`` and ``make_address_v4(v4_mapped, a6)``."""


def _invalid(text: object, what: str) -> system_error:
    return system_error(invalid_argument, f"{what}: {text!r} is not an IP address")


@functools.total_ordering
class address_v4:
    """An IPv4 address.

    Args:
        value: the four bytes in network order, an unsigned 32-bit integer in host order,
            or an ``ipaddress.IPv4Address``. Without it: ``0.0.0.0``.

    Raises:
        ValueError: bytes not 4 long, or an integer out of range.
    """

    __slots__ = ("_ip",)

    _ip: ipaddress.IPv4Address

    def __init__(self, value: bytes | bytearray | int | ipaddress.IPv4Address = 0) -> None:
        if isinstance(value, ipaddress.IPv4Address):
            self._ip = value
        elif isinstance(value, (bytes, bytearray)):
            if len(value) != 4:
                raise ValueError(f"address_v4 takes 4 bytes, got {len(value)}")
            self._ip = ipaddress.IPv4Address(bytes(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value <= 0xFFFFFFFF:
                raise ValueError(f"address_v4 value {value} is out of range (0 .. 2**32-1)")
            self._ip = ipaddress.IPv4Address(value)
        else:
            raise TypeError(f"address_v4 takes bytes or an int, not {value!r}")

    @staticmethod
    def any() -> address_v4:
        """``0.0.0.0``: bind to every interface."""
        return _V4_ANY

    @staticmethod
    def loopback() -> address_v4:
        """``127.0.0.1``."""
        return _V4_LOOPBACK

    @staticmethod
    def broadcast(addr: address_v4 | None = None, mask: address_v4 | None = None) -> address_v4:
        """``255.255.255.255``; or, given an address and its netmask, that subnet's broadcast.

        ``address_v4.broadcast(make_address_v4("10.1.2.3"), make_address_v4("255.0.0.0"))``
        is ``10.255.255.255`` (Asio's two-argument form; ``network_v4.broadcast()`` says
        the same with a network).
        """
        if addr is None and mask is None:
            return _V4_BROADCAST
        if not isinstance(addr, address_v4) or not isinstance(mask, address_v4):
            raise TypeError("address_v4.broadcast(addr, mask) takes two address_v4 values")
        return address_v4(addr.to_uint() | (~mask.to_uint() & 0xFFFFFFFF))

    def to_bytes(self) -> bytes:
        """The four bytes, in network order."""
        return self._ip.packed

    def to_uint(self) -> int:
        """The address as an unsigned 32-bit integer in host order."""
        return int(self._ip)

    def to_string(self) -> str:
        """Dotted decimal, e.g. ``"127.0.0.1"``."""
        return str(self._ip)

    def is_loopback(self) -> bool:
        """Whether the address is in ``127.0.0.0/8``."""
        return self._ip.is_loopback

    def is_unspecified(self) -> bool:
        """Whether the address is ``0.0.0.0``."""
        return self._ip.is_unspecified

    def is_multicast(self) -> bool:
        """Whether the address is in ``224.0.0.0/4``."""
        return self._ip.is_multicast

    def __str__(self) -> str:
        return str(self._ip)

    def __repr__(self) -> str:
        return f"address_v4('{self._ip}')"

    def __eq__(self, other: object) -> bool:
        if type(other) is address_v4:
            return self._ip == other._ip
        if type(other) is address:
            return other._impl == self
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if type(other) is address_v4:
            return self._ip < other._ip
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._ip)


@functools.total_ordering
class address_v6:
    """An IPv6 address with a scope id.

    Args:
        value: the sixteen bytes in network order, or an ``ipaddress.IPv6Address``.
            Without it: ``::``.
        scope_id: the interface index for link-local addresses (0: none).

    Raises:
        ValueError: bytes not 16 long, or a negative scope id.
    """

    __slots__ = ("_ip", "_scope")

    _ip: ipaddress.IPv6Address
    _scope: int

    def __init__(
        self, value: bytes | bytearray | ipaddress.IPv6Address = bytes(16), scope_id: int = 0
    ) -> None:
        if isinstance(value, ipaddress.IPv6Address):
            # A scoped ipaddress value carries its scope as a string; the scope id is ours.
            self._ip = ipaddress.IPv6Address(value.packed) if value.scope_id else value
        elif isinstance(value, (bytes, bytearray)):
            if len(value) != 16:
                raise ValueError(f"address_v6 takes 16 bytes, got {len(value)}")
            self._ip = ipaddress.IPv6Address(bytes(value))
        else:
            raise TypeError(f"address_v6 takes 16 bytes, not {value!r}")
        if isinstance(scope_id, bool) or not isinstance(scope_id, int) or scope_id < 0:
            raise ValueError(f"scope_id must be a non-negative int, not {scope_id!r}")
        self._scope = scope_id

    @staticmethod
    def any() -> address_v6:
        """``::``: bind to every interface."""
        return _V6_ANY

    @staticmethod
    def loopback() -> address_v6:
        """``::1``."""
        return _V6_LOOPBACK

    def scope_id(self) -> int:
        """The scope id (interface index); 0 when there is none."""
        return self._scope

    def to_bytes(self) -> bytes:
        """The sixteen bytes, in network order."""
        return self._ip.packed

    def to_string(self) -> str:
        """The text form, as ``inet_ntop`` writes it, with ``%scope`` when the scope id is set.

        A v4-mapped address prints as ``::ffff:10.1.2.3``, whatever the Python version.
        """
        text = _socket.inet_ntop(_socket.AF_INET6, self._ip.packed)
        if not self._scope:
            return text
        name: str | None = None
        if self._ip.is_link_local or (self._ip.is_multicast and self._ip.packed[1] & 0xF == 2):
            try:
                name = _socket.if_indextoname(self._scope)
            except OSError:
                name = None
        return f"{text}%{name if name is not None else self._scope}"

    def is_loopback(self) -> bool:
        """Whether the address is ``::1``."""
        return self._ip.is_loopback

    def is_unspecified(self) -> bool:
        """Whether the address is ``::``."""
        return self._ip.is_unspecified

    def is_link_local(self) -> bool:
        """Whether the address is in ``fe80::/10``."""
        return self._ip.is_link_local

    def is_site_local(self) -> bool:
        """Whether the address is in the deprecated ``fec0::/10``."""
        return self._ip.is_site_local

    def is_v4_mapped(self) -> bool:
        """Whether the address is an IPv4 address mapped into IPv6 (``::ffff:a.b.c.d``)."""
        return self._ip.ipv4_mapped is not None

    def is_multicast(self) -> bool:
        """Whether the address is in ``ff00::/8``."""
        return self._ip.is_multicast

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return f"address_v6('{self.to_string()}')"

    def __eq__(self, other: object) -> bool:
        if type(other) is address_v6:
            return self._ip == other._ip and self._scope == other._scope
        if type(other) is address:
            return other._impl == self
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if type(other) is address_v6:
            return (self._ip, self._scope) < (other._ip, other._scope)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._ip, self._scope))


@functools.total_ordering
class address:
    """An IP address of either version (Asio's ``ip::address``).

    Args:
        value: an ``address_v4`` or ``address_v6`` (or another ``address``). Without it:
            the v4 ``0.0.0.0``.
    """

    __slots__ = ("_impl",)

    _impl: address_v4 | address_v6

    def __init__(self, value: address_v4 | address_v6 | address | None = None) -> None:
        if value is None:
            self._impl = _V4_ANY
        elif type(value) is address:
            self._impl = value._impl
        elif isinstance(value, (address_v4, address_v6)):
            self._impl = value
        else:
            raise TypeError(
                f"address() takes an address_v4 or address_v6, not {value!r} "
                "(use ip.make_address() to parse a string)"
            )

    def is_v4(self) -> bool:
        """Whether this is an IPv4 address."""
        return type(self._impl) is address_v4

    def is_v6(self) -> bool:
        """Whether this is an IPv6 address."""
        return type(self._impl) is address_v6

    def to_v4(self) -> address_v4:
        """The IPv4 address.

        Raises:
            bad_address_cast: this is an IPv6 address.
        """
        impl = self._impl
        if type(impl) is not address_v4:
            raise bad_address_cast(f"{impl} is not an IPv4 address")
        return impl

    def to_v6(self) -> address_v6:
        """The IPv6 address.

        Raises:
            bad_address_cast: this is an IPv4 address.
        """
        impl = self._impl
        if type(impl) is not address_v6:
            raise bad_address_cast(f"{impl} is not an IPv6 address")
        return impl

    def to_string(self) -> str:
        """The text form (``"127.0.0.1"``, ``"::1"``, ``"fe80::1%2"``)."""
        return self._impl.to_string()

    def is_loopback(self) -> bool:
        """Whether this is a loopback address."""
        return self._impl.is_loopback()

    def is_unspecified(self) -> bool:
        """Whether this is the unspecified ("any") address."""
        return self._impl.is_unspecified()

    def is_multicast(self) -> bool:
        """Whether this is a multicast address."""
        return self._impl.is_multicast()

    def __str__(self) -> str:
        return self._impl.to_string()

    def __repr__(self) -> str:
        return f"address('{self._impl.to_string()}')"

    def __eq__(self, other: object) -> bool:
        if type(other) is address:
            return self._impl == other._impl
        if type(other) is address_v4 or type(other) is address_v6:
            return self._impl == other
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if type(other) is not address:
            return NotImplemented
        mine, theirs = self._impl, other._impl
        if type(mine) is not type(theirs):
            return type(mine) is address_v4
        return mine < theirs

    def __hash__(self) -> int:
        return hash(self._impl)


_V4_ANY: Final = address_v4(0)
_V4_LOOPBACK: Final = address_v4(0x7F000001)
_V4_BROADCAST: Final = address_v4(0xFFFFFFFF)
_V6_ANY: Final = address_v6()
_V6_LOOPBACK: Final = address_v6(ipaddress.IPv6Address(1))


def _scope_from_text(name: str) -> int:
    # As Asio: an interface name if the system knows it, else a number, else no scope.
    try:
        return _socket.if_nametoindex(name)
    except OSError:
        pass
    return int(name) if name.isdigit() else 0


def _parse_v4(text: str, what: str) -> address_v4:
    try:
        return address_v4(ipaddress.IPv4Address(text))
    except ValueError:
        raise _invalid(text, what) from None


def _parse_v6(text: str, what: str) -> address_v6:
    host, sep, scope = text.partition("%")
    if sep and not scope:
        raise _invalid(text, what)
    try:
        ip = ipaddress.IPv6Address(host)
    except ValueError:
        raise _invalid(text, what) from None
    return address_v6(ip, _scope_from_text(scope) if sep else 0)


def make_address_v4(
    value: str | bytes | bytearray | int | v4_mapped_t, mapped: address_v6 | None = None
) -> address_v4:
    """An IPv4 address from text, bytes or an integer; or from a v4-mapped v6 address.

    ``make_address_v4(v4_mapped, a6)`` takes the IPv4 address out of ``::ffff:a.b.c.d``.

    Raises:
        system_error: ``invalid_argument``: the text is not a dotted-decimal address.
        bad_address_cast: ``a6`` is not v4-mapped.
    """
    if isinstance(value, v4_mapped_t):
        if not isinstance(mapped, address_v6):
            raise TypeError("make_address_v4(v4_mapped, a6) needs an address_v6")
        inner = mapped._ip.ipv4_mapped
        if inner is None:
            raise bad_address_cast(f"{mapped} is not a v4-mapped address")
        return address_v4(inner)
    if isinstance(value, str):
        return _parse_v4(value, "make_address_v4")
    return address_v4(value)


def make_address_v6(
    value: str | bytes | bytearray | v4_mapped_t,
    mapped: address_v4 | None = None,
    scope_id: int = 0,
) -> address_v6:
    """An IPv6 address from text or bytes; or the v4-mapped form of an IPv4 address.

    ``make_address_v6(v4_mapped, a4)`` gives ``::ffff:a.b.c.d``.

    Raises:
        system_error: ``invalid_argument``: the text is not an IPv6 address.
    """
    if isinstance(value, v4_mapped_t):
        if not isinstance(mapped, address_v4):
            raise TypeError("make_address_v6(v4_mapped, a4) needs an address_v4")
        return address_v6(b"\0" * 10 + b"\xff\xff" + mapped.to_bytes())
    if isinstance(value, str):
        return _parse_v6(value, "make_address_v6")
    return address_v6(value, scope_id)


def make_address(value: str | address | address_v4 | address_v6) -> address:
    """An :class:`address` from its text form (either version) or from a v4/v6 address.

    Raises:
        system_error: ``invalid_argument``: the text is not an IP address.
    """
    if isinstance(value, str):
        if ":" in value:
            return address(_parse_v6(value, "make_address"))
        return address(_parse_v4(value, "make_address"))
    if isinstance(value, (address, address_v4, address_v6)):
        return address(value)
    raise TypeError(f"make_address() takes a str or an address, not {value!r}")
