"""``socket_base``: the types and constants every socket shares (Asio's ``socket_base``).

Socket options (``keep_alive``, ``reuse_address``, ``linger``...), the ``wait_type`` of
``async_wait``, the ``shutdown_type`` of ``shutdown``, ``message_flags`` and
``max_listen_connections``. Sockets and acceptors expose the same names as class
attributes, so Asio's ``tcp::acceptor::reuse_address(true)`` ports as
``tcp.acceptor.reuse_address(True)`` and ``net::socket_base::keep_alive(true)`` as
``socket_base.keep_alive(True)``.

An option object carries a value; ``sock.set_option(opt)`` applies it and
``sock.get_option(opt_type)`` (or an instance, which is filled in, as in Asio) reads it::

    sock.set_option(socket_base.keep_alive(True))
    assert sock.get_option(socket_base.keep_alive).value() is True
"""

from __future__ import annotations

import enum
import socket as _socket
import struct
import sys
from typing import ClassVar, Final

__all__ = [
    "socket_option",
    "wait_type",
    "wait_read",
    "wait_write",
    "wait_error",
    "shutdown_type",
    "shutdown_receive",
    "shutdown_send",
    "shutdown_both",
    "message_flags",
    "message_peek",
    "message_out_of_band",
    "message_do_not_route",
    "message_end_of_record",
    "max_listen_connections",
    "broadcast",
    "debug",
    "do_not_route",
    "keep_alive",
    "reuse_address",
    "out_of_band_inline",
    "enable_connection_aborted",
    "receive_buffer_size",
    "send_buffer_size",
    "receive_low_watermark",
    "send_low_watermark",
    "linger",
    "reuse_port",
]


class wait_type(enum.IntEnum):
    """What ``async_wait``/``wait`` waits for."""

    wait_read = 0
    """The socket has data to read (or a connection to accept, or is at end of file)."""
    wait_write = 1
    """The socket can take data to write (or a connect finished)."""
    wait_error = 2
    """The socket has an error condition pending."""


wait_read: Final = wait_type.wait_read
wait_write: Final = wait_type.wait_write
wait_error: Final = wait_type.wait_error


class shutdown_type(enum.IntEnum):
    """Which direction ``shutdown`` closes."""

    shutdown_receive = _socket.SHUT_RD
    """No more reads: further receives see end of file."""
    shutdown_send = _socket.SHUT_WR
    """No more writes: the peer sees end of file once it has read what was sent."""
    shutdown_both = _socket.SHUT_RDWR
    """Both directions."""


shutdown_receive: Final = shutdown_type.shutdown_receive
shutdown_send: Final = shutdown_type.shutdown_send
shutdown_both: Final = shutdown_type.shutdown_both


class message_flags(enum.IntFlag):
    """Flags for ``receive``/``send`` and their asynchronous forms (a bitmask)."""

    message_peek = _socket.MSG_PEEK
    """Look at incoming data without removing it from the receive queue."""
    message_out_of_band = _socket.MSG_OOB
    """Process out-of-band data."""
    message_do_not_route = _socket.MSG_DONTROUTE
    """Send without routing (to directly connected hosts only)."""
    message_end_of_record = getattr(_socket, "MSG_EOR", 0x80)
    """End of a record (for protocols that have records)."""


message_peek: Final = message_flags.message_peek
message_out_of_band: Final = message_flags.message_out_of_band
message_do_not_route: Final = message_flags.message_do_not_route
message_end_of_record: Final = message_flags.message_end_of_record

max_listen_connections: Final[int] = _socket.SOMAXCONN
"""The default (and largest useful) backlog for ``acceptor.listen()``."""

_LINUX: Final = sys.platform.startswith("linux")


class socket_option:
    """Base of every socket option: a level, a name and a value.

    Subclasses set the class attributes ``_level`` and ``_name`` (the ``setsockopt``
    arguments) and convert the value to and from what the system call takes.
    """

    __slots__ = ()

    _level: ClassVar[int]
    _name: ClassVar[int]
    # getsockopt buffer length for options that are structs; 0 for plain ints.
    _buflen: ClassVar[int] = 0

    def level(self, protocol: object = None) -> int:
        """The ``setsockopt`` level (``SOL_SOCKET``, ``IPPROTO_TCP``...)."""
        return self._level

    def name(self, protocol: object = None) -> int:
        """The ``setsockopt`` option name (``SO_KEEPALIVE``...)."""
        return self._name

    def _to_raw(self) -> int | bytes:
        raise NotImplementedError

    def _from_raw(self, raw: int | bytes) -> None:
        raise NotImplementedError


class _boolean_option(socket_option):
    """An option that is on or off."""

    __slots__ = ("_value",)

    def __init__(self, value: bool = False) -> None:
        self._value = bool(value)

    def value(self) -> bool:
        """Whether the option is enabled."""
        return self._value

    def __bool__(self) -> bool:
        return self._value

    def _to_raw(self) -> int:
        return 1 if self._value else 0

    def _from_raw(self, raw: int | bytes) -> None:
        self._value = bool(raw)

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash((type(self), self._value))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._value})"


class _integer_option(socket_option):
    """An option with an integer value."""

    __slots__ = ("_value",)

    def __init__(self, value: int = 0) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{type(self).__name__} takes an int, not {value!r}")
        self._value = value

    def value(self) -> int:
        """The option's value."""
        return self._value

    def _to_raw(self) -> int:
        return self._value

    def _from_raw(self, raw: int | bytes) -> None:
        assert isinstance(raw, int)
        self._value = raw

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash((type(self), self._value))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._value})"


def _is_v6(protocol: object) -> bool:
    family = getattr(protocol, "family", None)
    return family is not None and family() == _socket.AF_INET6


class _by_ip_version(socket_option):
    """Mixin: the level and name follow the socket's IP version (``IPPROTO_IP``/``IPV6``)."""

    __slots__ = ()
    _v6_level: ClassVar[int] = _socket.IPPROTO_IPV6
    _v6_name: ClassVar[int]

    def level(self, protocol: object = None) -> int:
        """``IPPROTO_IP``, or ``IPPROTO_IPV6`` for an IPv6 protocol."""
        return self._v6_level if _is_v6(protocol) else self._level

    def name(self, protocol: object = None) -> int:
        """The option name for the protocol's IP version."""
        return self._v6_name if _is_v6(protocol) else self._name


class _ip_boolean_option(_by_ip_version, _boolean_option):
    """A boolean IP option whose level and name depend on the socket's IP version."""

    __slots__ = ()


class _ip_integer_option(_by_ip_version, _integer_option):
    """An integer IP option whose level and name depend on the socket's IP version."""

    __slots__ = ()


class _buffer_size_option(_integer_option):
    __slots__ = ()

    def _from_raw(self, raw: int | bytes) -> None:
        assert isinstance(raw, int)
        # Linux doubles the size it is given (half is bookkeeping) and reports the doubled
        # value; halve it, as Asio does, so that a get after a set returns what was set.
        self._value = raw // 2 if _LINUX else raw


class broadcast(_boolean_option):
    """``SO_BROADCAST``: allow sending to broadcast addresses (datagram sockets)."""

    __slots__ = ()
    _level = _socket.SOL_SOCKET
    _name = _socket.SO_BROADCAST


class reuse_port(_boolean_option):
    """``SO_REUSEPORT``: let several sockets bind the same address and port.

    Not in Asio (whose users write ``detail::socket_option::boolean<SOL_SOCKET,
    SO_REUSEPORT>``): set it on every acceptor (or UDP socket) before ``bind``, and the
    kernel spreads incoming connections (datagrams) across them, one io_context per
    process or core. Linux and the BSDs only.
    """

    __slots__ = ()
    _level = _socket.SOL_SOCKET
    _name = getattr(_socket, "SO_REUSEPORT", -1)


class debug(_boolean_option):
    """``SO_DEBUG``: ask the kernel to record debugging information."""

    __slots__ = ()
    _level = _socket.SOL_SOCKET
    _name = _socket.SO_DEBUG


class do_not_route(_boolean_option):
    """``SO_DONTROUTE``: bypass the routing table."""

    __slots__ = ()
    _level = _socket.SOL_SOCKET
    _name = _socket.SO_DONTROUTE


class keep_alive(_boolean_option):
    """``SO_KEEPALIVE``: send keep-alive probes on an idle connection."""

    __slots__ = ()
    _level = _socket.SOL_SOCKET
    _name = _socket.SO_KEEPALIVE


class reuse_address(_boolean_option):
    """``SO_REUSEADDR``: allow binding an address still in ``TIME_WAIT``."""

    __slots__ = ()
    _level = _socket.SOL_SOCKET
    _name = _socket.SO_REUSEADDR


class out_of_band_inline(_boolean_option):
    """``SO_OOBINLINE``: deliver out-of-band data in the normal data stream."""

    __slots__ = ()
    _level = _socket.SOL_SOCKET
    _name = _socket.SO_OOBINLINE


class enable_connection_aborted(_boolean_option):
    """Report ``connection_aborted`` from accept instead of waiting for the next client.

    Not a system option: it changes how an acceptor treats a client that went away between
    connecting and being accepted (``ECONNABORTED``, ``EPROTO``). By default (False) the
    accept keeps waiting, as Asio's does.
    """

    __slots__ = ()
    _level = -1
    _name = -1


class receive_buffer_size(_buffer_size_option):
    """``SO_RCVBUF``: the size of the kernel's receive buffer, in bytes."""

    __slots__ = ()
    _level = _socket.SOL_SOCKET
    _name = _socket.SO_RCVBUF


class send_buffer_size(_buffer_size_option):
    """``SO_SNDBUF``: the size of the kernel's send buffer, in bytes."""

    __slots__ = ()
    _level = _socket.SOL_SOCKET
    _name = _socket.SO_SNDBUF


class receive_low_watermark(_integer_option):
    """``SO_RCVLOWAT``: the minimum number of bytes a receive waits for."""

    __slots__ = ()
    _level = _socket.SOL_SOCKET
    _name = _socket.SO_RCVLOWAT


class send_low_watermark(_integer_option):
    """``SO_SNDLOWAT``: the minimum free space a send waits for (read-only on Linux)."""

    __slots__ = ()
    _level = _socket.SOL_SOCKET
    _name = _socket.SO_SNDLOWAT


_LINGER = struct.Struct("ii")


class linger(socket_option):
    """``SO_LINGER``: what ``close()`` does with unsent data.

    ``linger(True, 0)`` makes ``close()`` reset the connection (the peer sees
    ``connection_reset``) instead of the orderly shutdown; ``linger(True, n)`` waits up to
    ``n`` seconds for unsent data to go out.

    Args:
        enabled: whether lingering is on.
        timeout: seconds to linger.
    """

    __slots__ = ("_enabled", "_timeout")
    _level = _socket.SOL_SOCKET
    _name = _socket.SO_LINGER
    _buflen = _LINGER.size

    def __init__(self, enabled: bool = False, timeout: int = 0) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 0:
            raise ValueError(f"linger timeout must be a non-negative int, not {timeout!r}")
        self._enabled = bool(enabled)
        self._timeout = timeout

    def enabled(self) -> bool:
        """Whether lingering is on."""
        return self._enabled

    def timeout(self) -> int:
        """The linger time in seconds."""
        return self._timeout

    def _to_raw(self) -> bytes:
        return _LINGER.pack(1 if self._enabled else 0, self._timeout)

    def _from_raw(self, raw: int | bytes) -> None:
        assert isinstance(raw, bytes)
        onoff, seconds = _LINGER.unpack(raw)
        self._enabled = bool(onoff)
        self._timeout = seconds

    def __eq__(self, other: object) -> bool:
        if isinstance(other, linger):
            return (self._enabled, self._timeout) == (other._enabled, other._timeout)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((linger, self._enabled, self._timeout))

    def __repr__(self) -> str:
        return f"linger({self._enabled}, {self._timeout})"
