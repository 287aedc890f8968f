"""IP networks and address ranges (Asio's ``ip::network_v4``, ``network_v6``,
``address_v4_range``, ``address_v6_range``).

A network is an address and a prefix length, exactly as given: ``make_network_v4
("10.1.2.3/8")`` keeps ``10.1.2.3`` as its :meth:`~network_v4.address`, and
:meth:`~network_v4.network` / :meth:`~network_v4.canonical` give ``10.0.0.0`` and
``10.0.0.0/8``. Networks are immutable values: hashable and comparable for equality
(address and prefix length both count)::

    from asiolike import ip

    net = ip.make_network_v4("192.168.1.77/24")
    net.network()                  # address_v4('192.168.1.0')
    net.broadcast()                # address_v4('192.168.1.255')
    len(net.hosts())               # 254: .1 to .254
    net.is_subnet_of(ip.make_network_v4("192.168.0.0/16"))   # True

A range is half-open, ``[begin, end)``, iterable and sized, as Asio's iterators are; it
computes its addresses as it goes (an IPv6 range may be astronomically long).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import ClassVar, Final, Generic, Self, TypeVar

from asiolike.error import invalid_argument, system_error
from asiolike.ip.address import address_v4, address_v6, make_address_v4, make_address_v6

__all__ = [
    "address_v4_range",
    "address_v6_range",
    "network_v4",
    "network_v6",
    "make_network_v4",
    "make_network_v6",
]

_A = TypeVar("_A", address_v4, address_v6)
_V4_BITS: Final = 32
_V6_BITS: Final = 128


def _v4(value: int) -> address_v4:
    # Asio's address arithmetic wraps around.
    return address_v4(value & 0xFFFFFFFF)


def _v6(value: int, scope_id: int = 0) -> address_v6:
    return address_v6(ipaddress.IPv6Address(value & ((1 << 128) - 1)), scope_id)


def _int6(addr: address_v6) -> int:
    return int.from_bytes(addr.to_bytes(), "big")


class basic_address_range(Generic[_A]):
    """Addresses from ``begin`` up to, not including, ``end``; computed as iterated."""

    __slots__ = ("_first", "_last", "_scope")

    _first: int
    _last: int
    _scope: int

    def _make(self, value: int) -> _A:
        raise NotImplementedError

    def begin(self) -> _A:
        """The first address."""
        return self._make(self._first)

    def end(self) -> _A:
        """The address one past the last (Asio's end iterator)."""
        return self._make(self._last)

    def empty(self) -> bool:
        """Whether the range holds no address."""
        return self._last <= self._first

    def size(self) -> int:
        """The number of addresses (``len()`` gives the same up to ``sys.maxsize``)."""
        return max(0, self._last - self._first)

    def find(self, addr: _A) -> _A:
        """``addr`` if the range holds it, else :meth:`end` (as Asio's ``find``)."""
        return addr if addr in self else self.end()

    def __len__(self) -> int:
        return self.size()

    def __iter__(self) -> Iterator[_A]:
        make = self._make
        for value in range(self._first, self._last):
            yield make(value)

    def __contains__(self, addr: object) -> bool:
        value = self._value_of(addr)
        return value is not None and self._first <= value < self._last

    @staticmethod
    def _value_of(addr: object) -> int | None:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return (self._first, self._last, self._scope) == (
                other._first,
                other._last,
                other._scope,
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash((type(self), self._first, self._last, self._scope))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.begin()}, {self.end()})"


class address_v4_range(basic_address_range[address_v4]):
    """The IPv4 addresses ``[begin, end)`` (Asio's ``address_v4_range``).

    Args:
        begin: the first address (default ``0.0.0.0``).
        end: one past the last (default: ``begin``, an empty range).
    """

    __slots__ = ()

    def __init__(self, begin: address_v4 | None = None, end: address_v4 | None = None) -> None:
        self._first = 0 if begin is None else begin.to_uint()
        self._last = self._first if end is None else end.to_uint()
        self._scope = 0

    @classmethod
    def _span(cls, first: int, last: int) -> address_v4_range:
        r = cls.__new__(cls)
        r._first, r._last, r._scope = first, last, 0
        return r

    def _make(self, value: int) -> address_v4:
        return _v4(value)

    @staticmethod
    def _value_of(addr: object) -> int | None:
        return addr.to_uint() if type(addr) is address_v4 else None


class address_v6_range(basic_address_range[address_v6]):
    """The IPv6 addresses ``[begin, end)`` (Asio's ``address_v6_range``).

    The addresses carry ``begin``'s scope id.
    """

    __slots__ = ()

    def __init__(self, begin: address_v6 | None = None, end: address_v6 | None = None) -> None:
        first = address_v6() if begin is None else begin
        self._first = _int6(first)
        self._last = self._first if end is None else _int6(end)
        self._scope = first.scope_id()

    @classmethod
    def _span(cls, first: int, last: int, scope: int) -> address_v6_range:
        r = cls.__new__(cls)
        r._first, r._last, r._scope = first, last, scope
        return r

    def _make(self, value: int) -> address_v6:
        return _v6(value, self._scope)

    @staticmethod
    def _value_of(addr: object) -> int | None:
        return _int6(addr) if type(addr) is address_v6 else None


def _check_prefix(prefix_length: int, bits: int) -> int:
    if isinstance(prefix_length, bool) or not isinstance(prefix_length, int):
        raise TypeError(f"a prefix length is an int, not {prefix_length!r}")
    if not 0 <= prefix_length <= bits:
        raise ValueError(f"prefix length {prefix_length} is out of range (0 .. {bits})")
    return prefix_length


def _mask(prefix_length: int, bits: int) -> int:
    return ((1 << prefix_length) - 1) << (bits - prefix_length)


class basic_network(Generic[_A]):
    """What both network types share: the address, the prefix, and their comparisons."""

    __slots__ = ("_address", "_prefix")

    _bits: ClassVar[int]
    _address: _A
    _prefix: int

    def _remake(self, addr: _A, prefix_length: int) -> Self:
        raise NotImplementedError

    def address(self) -> _A:
        """The address the network was made with (not masked)."""
        return self._address

    def prefix_length(self) -> int:
        """The number of network bits (0 to 32, or 0 to 128)."""
        return self._prefix

    def network(self) -> _A:
        """The network's address: :meth:`address` with the host bits cleared."""
        raise NotImplementedError

    def canonical(self) -> Self:
        """The same network made from its :meth:`network` address (``10.0.0.0/8``)."""
        return self._remake(self.network(), self._prefix)

    def is_host(self) -> bool:
        """Whether the prefix covers every bit (``/32``, ``/128``: a single address)."""
        return self._prefix == self._bits

    def is_subnet_of(self, other: Self) -> bool:
        """Whether this network lies within ``other`` and is smaller (a proper subnet).

        A network is not a subnet of itself, as in Asio.
        """
        if other._prefix >= self._prefix:
            return False
        return self._remake(self._address, other._prefix).canonical() == other.canonical()

    def to_string(self) -> str:
        """``"address/prefix"``, e.g. ``"10.1.2.3/8"`` or ``"2001:db8::/32"``."""
        return f"{self._address}/{self._prefix}"

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return f"{type(self).__name__}('{self.to_string()}')"

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return self._address == other._address and self._prefix == other._prefix
        return NotImplemented

    def __hash__(self) -> int:
        return hash((type(self), self._address, self._prefix))


class network_v4(basic_network[address_v4]):
    """An IPv4 network: an address and a prefix length (Asio's ``network_v4``).

    ``network_v4(addr, 24)`` or ``network_v4(addr, netmask)`` (``address_v4
    ("255.255.255.0")``); without arguments ``0.0.0.0/0``.

    Raises:
        ValueError: a prefix length above 32, or a netmask whose bits are not contiguous.
    """

    __slots__ = ()
    _bits = _V4_BITS

    def __init__(
        self, addr: address_v4 | None = None, prefix_or_mask: int | address_v4 = 0
    ) -> None:
        if addr is None:
            addr = address_v4()
        if not isinstance(addr, address_v4):
            raise TypeError(f"network_v4 takes an address_v4, not {addr!r}")
        if isinstance(prefix_or_mask, address_v4):
            mask = prefix_or_mask.to_uint()
            prefix = _V4_BITS - (~mask & 0xFFFFFFFF).bit_length()
            if mask != _mask(prefix, _V4_BITS):
                raise ValueError(f"non-contiguous netmask {prefix_or_mask}")
        else:
            prefix = _check_prefix(prefix_or_mask, _V4_BITS)
        self._address = addr
        self._prefix = prefix

    def _remake(self, addr: address_v4, prefix_length: int) -> network_v4:
        return network_v4(addr, prefix_length)

    def netmask(self) -> address_v4:
        """The prefix as a mask (``/24`` is ``255.255.255.0``)."""
        return _v4(_mask(self._prefix, _V4_BITS))

    def network(self) -> address_v4:
        """The network's address: :meth:`address` with the host bits cleared."""
        return _v4(self._address.to_uint() & _mask(self._prefix, _V4_BITS))

    def broadcast(self) -> address_v4:
        """The network's broadcast address: the host bits all set."""
        return _v4(self.network().to_uint() | (~_mask(self._prefix, _V4_BITS) & 0xFFFFFFFF))

    def hosts(self) -> address_v4_range:
        """The addresses of the network's hosts, as Asio counts them.

        For ``/32``, the address itself; otherwise from the network address + 1 up to,
        not including, the broadcast address (so ``/31`` has none).
        """
        if self.is_host():
            value = self._address.to_uint()
            return address_v4_range._span(value, value + 1)
        return address_v4_range._span(self.network().to_uint() + 1, self.broadcast().to_uint())


class network_v6(basic_network[address_v6]):
    """An IPv6 network: an address and a prefix length (Asio's ``network_v6``).

    Raises:
        ValueError: a prefix length above 128.
    """

    __slots__ = ()
    _bits = _V6_BITS

    def __init__(self, addr: address_v6 | None = None, prefix_length: int = 0) -> None:
        if addr is None:
            addr = address_v6()
        if not isinstance(addr, address_v6):
            raise TypeError(f"network_v6 takes an address_v6, not {addr!r}")
        self._address = addr
        self._prefix = _check_prefix(prefix_length, _V6_BITS)

    def _remake(self, addr: address_v6, prefix_length: int) -> network_v6:
        return network_v6(addr, prefix_length)

    def network(self) -> address_v6:
        """The network's address: :meth:`address` with the host bits cleared (no scope)."""
        return _v6(_int6(self._address) & _mask(self._prefix, _V6_BITS))

    def hosts(self) -> address_v6_range:
        """Every address of the network (IPv6 has no broadcast address to leave out).

        For ``/128``, the address itself. The addresses keep the scope id of
        :meth:`address`.
        """
        first = _int6(self._address) & _mask(self._prefix, _V6_BITS)
        last = first | ((1 << (_V6_BITS - self._prefix)) - 1)
        return address_v6_range._span(first, last + 1, self._address.scope_id())


def _split(text: str, bits: int, what: str) -> tuple[str, int]:
    if not isinstance(text, str):
        raise TypeError(f"{what}() takes a str, not {text!r}")
    addr, slash, prefix = text.partition("/")
    if not slash or not prefix or not (prefix.isascii() and prefix.isdigit()):
        raise system_error(invalid_argument, f"{what}: {text!r} is not address/prefix")
    length = int(prefix)
    if length > bits:
        raise system_error(invalid_argument, f"{what}: prefix length {length} exceeds {bits}")
    return addr, length


def make_network_v4(
    value: str | address_v4, prefix_or_mask: int | address_v4 | None = None
) -> network_v4:
    """A :class:`network_v4` from ``"a.b.c.d/len"``, or from an address and a prefix or mask.

    Raises:
        system_error: ``invalid_argument``: the text is not an IPv4 address, a ``/`` and a
            prefix length of 0 to 32.
    """
    if isinstance(value, address_v4):
        return network_v4(value, 0 if prefix_or_mask is None else prefix_or_mask)
    addr, length = _split(value, _V4_BITS, "make_network_v4")
    return network_v4(make_address_v4(addr), length)


def make_network_v6(value: str | address_v6, prefix_length: int | None = None) -> network_v6:
    """A :class:`network_v6` from ``"addr/len"``, or from an address and a prefix length.

    Raises:
        system_error: ``invalid_argument``: the text is not an IPv6 address, a ``/`` and a
            prefix length of 0 to 128.
    """
    if isinstance(value, address_v6):
        return network_v6(value, 0 if prefix_length is None else prefix_length)
    addr, length = _split(value, _V6_BITS, "make_network_v6")
    return network_v6(make_address_v6(addr), length)
