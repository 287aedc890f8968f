"""``local``: stream and datagram sockets over UNIX domain sockets (Asio's ``asio::local``).

For inter-process communication and for tests: ``local.connect_pair(a, b)`` turns two
closed sockets (both stream, or both datagram) into the two connected ends of a
``socketpair()``::

    from asiolike import local

    a = local.stream_protocol.socket(ioc)
    b = local.stream_protocol.socket(ioc)
    local.connect_pair(a, b)

The stream sockets, acceptor and operations are those of TCP, the datagram sockets those of
UDP (the same reactive socket machinery); only the endpoint differs: a filesystem path (or,
on Linux, an abstract name starting with ``"\\0"``).
"""

from __future__ import annotations

import functools
import os
import socket as _socket
from typing import Any

from asiolike.detail.datagram_socket import basic_datagram_socket
from asiolike.detail.socket_acceptor import basic_socket_acceptor
from asiolike.detail.socket_ops import error_of
from asiolike.detail.stream_socket import basic_stream_socket
from asiolike.error import already_open, name_too_long, system_error

__all__ = ["stream_protocol", "datagram_protocol", "basic_endpoint", "connect_pair"]

# sun_path holds 108 bytes on Linux (104 on BSDs); Asio keeps one for the terminator.
_MAX_PATH = 107 if os.uname().sysname == "Linux" else 103


@functools.total_ordering
class basic_endpoint:
    """A UNIX domain socket address: a path (Asio's ``local::basic_endpoint``).

    Args:
        path: a filesystem path, or a Linux abstract name starting with ``"\\0"``; empty
            for an unnamed socket.

    Raises:
        system_error: ``name_too_long``: the path does not fit a ``sockaddr_un``.
    """

    __slots__ = ("_path",)

    def __init__(self, path: str | bytes | os.PathLike[str] = "") -> None:
        text = os.fsdecode(path)
        if len(os.fsencode(text)) > _MAX_PATH:
            raise system_error(name_too_long, f"local endpoint {text!r}")
        self._path = text

    @classmethod
    def _from_sockaddr(cls, sa: Any) -> basic_endpoint:
        ep = cls.__new__(cls)
        ep._path = os.fsdecode(sa) if sa else ""
        return ep

    def path(self) -> str:
        """The path (empty for an unnamed socket)."""
        return self._path

    def protocol(self) -> stream_protocol:
        """The protocol object, ``stream_protocol()``."""
        return _STREAM

    def _sockaddr(self) -> str:
        return self._path

    def __str__(self) -> str:
        return self._path

    def __repr__(self) -> str:
        return f"local.basic_endpoint({self._path!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, basic_endpoint):
            return self._path == other._path
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if isinstance(other, basic_endpoint):
            return self._path < other._path
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("local", self._path))


class _stream_socket(basic_stream_socket[basic_endpoint]):
    """A UNIX domain stream socket (see ``basic_stream_socket``)."""

    __slots__ = ()
    endpoint_type = basic_endpoint

    @staticmethod
    def _default_protocol() -> Any:
        return _STREAM


class _stream_acceptor(basic_socket_acceptor[basic_endpoint, _stream_socket]):
    """Accepts UNIX domain stream connections on a bound path.

    ``stream_protocol.acceptor(ioc, stream_protocol.endpoint(path))`` opens, binds and
    listens. The socket file stays behind when the acceptor closes: remove it yourself.
    """

    __slots__ = ()
    endpoint_type = basic_endpoint
    socket_type = _stream_socket

    @staticmethod
    def _default_protocol() -> Any:
        return _STREAM


_stream_socket.__qualname__ = _stream_socket.__name__ = "stream_protocol.socket"
_stream_acceptor.__qualname__ = _stream_acceptor.__name__ = "stream_protocol.acceptor"


class stream_protocol:
    """The UNIX domain stream protocol (Asio's ``local::stream_protocol``).

    Its nested names are the types to use: ``stream_protocol.socket``,
    ``stream_protocol.acceptor``, ``stream_protocol.endpoint``.
    """

    __slots__ = ()

    endpoint = basic_endpoint
    socket = _stream_socket
    acceptor = _stream_acceptor

    def family(self) -> int:
        """``AF_UNIX``."""
        return _socket.AF_UNIX

    def type(self) -> int:
        """``SOCK_STREAM``."""
        return _socket.SOCK_STREAM

    def protocol(self) -> int:
        """0."""
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, stream_protocol)

    def __hash__(self) -> int:
        return hash(stream_protocol)

    def __repr__(self) -> str:
        return "local.stream_protocol()"


_STREAM = stream_protocol()
_stream_socket.protocol_type = stream_protocol
_stream_acceptor.protocol_type = stream_protocol


class _datagram_endpoint(basic_endpoint):
    """A UNIX domain datagram socket address: a path (``datagram_protocol.endpoint``)."""

    __slots__ = ()

    def protocol(self) -> datagram_protocol:  # type: ignore[override]
        """The protocol object, ``datagram_protocol()``."""
        return _DGRAM

    def __repr__(self) -> str:
        return f"local.datagram_protocol.endpoint({self._path!r})"


class _datagram_socket(basic_datagram_socket[_datagram_endpoint]):
    """A UNIX domain datagram socket (see ``basic_datagram_socket``).

    ``datagram_protocol.socket(ioc, datagram_protocol.endpoint(path))`` opens it and binds
    it to ``path``; the socket file stays behind when it closes: remove it yourself. An
    unbound sender shows as the empty path.
    """

    __slots__ = ()
    endpoint_type = _datagram_endpoint

    @staticmethod
    def _default_protocol() -> Any:
        return _DGRAM


_datagram_endpoint.__qualname__ = _datagram_endpoint.__name__ = "datagram_protocol.endpoint"
_datagram_socket.__qualname__ = _datagram_socket.__name__ = "datagram_protocol.socket"


class datagram_protocol:
    """The UNIX domain datagram protocol (Asio's ``local::datagram_protocol``).

    Its nested names are the types to use: ``datagram_protocol.socket`` and
    ``datagram_protocol.endpoint``. Datagrams keep their boundaries and, unlike UDP, are
    never lost: a sender waits while the receiver's queue is full.
    """

    __slots__ = ()

    endpoint = _datagram_endpoint
    socket = _datagram_socket

    def family(self) -> int:
        """``AF_UNIX``."""
        return _socket.AF_UNIX

    def type(self) -> int:
        """``SOCK_DGRAM``."""
        return _socket.SOCK_DGRAM

    def protocol(self) -> int:
        """0."""
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, datagram_protocol)

    def __hash__(self) -> int:
        return hash(datagram_protocol)

    def __repr__(self) -> str:
        return "local.datagram_protocol()"


_DGRAM = datagram_protocol()
_datagram_socket.protocol_type = datagram_protocol


def connect_pair(
    a: basic_stream_socket[Any] | basic_datagram_socket[Any],
    b: basic_stream_socket[Any] | basic_datagram_socket[Any],
) -> None:
    """Make two closed local sockets into the connected ends of a ``socketpair()``.

    Both are ``stream_protocol.socket`` or both ``datagram_protocol.socket``.

    Raises:
        system_error: ``already_open`` (one of them is open), or the system's error.
        TypeError: the two sockets are not of the same local protocol.
    """
    protocol = _STREAM if isinstance(a, _stream_socket) else _DGRAM
    if not isinstance(a, (_stream_socket, _datagram_socket)) or type(a) is not type(b):
        raise TypeError("connect_pair() takes two local sockets of the same protocol")
    if a.is_open() or b.is_open():
        raise system_error(already_open, "connect_pair")
    try:
        first, second = _socket.socketpair(_socket.AF_UNIX, protocol.type())
    except OSError as exc:
        raise system_error(error_of(exc), "connect_pair") from None
    a.assign(protocol, first)
    b.assign(protocol, second)
