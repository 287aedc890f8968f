"""``local``: stream sockets over UNIX domain sockets (Asio's ``asio::local``).

For inter-process communication and for tests: ``local.connect_pair(a, b)`` turns two
closed sockets into the two connected ends of a ``socketpair()``::

    from asiolike import local

    a = local.stream_protocol.socket(ioc)
    b = local.stream_protocol.socket(ioc)
    local.connect_pair(a, b)

The sockets, acceptor and operations are those of TCP (the same reactive socket
machinery); only the endpoint differs: a filesystem path (or, on Linux, an abstract name
starting with ``"\\0"``).
"""

from __future__ import annotations

import functools
import os
import socket as _socket
from typing import Any

from asiolike.detail.socket_acceptor import basic_socket_acceptor
from asiolike.detail.socket_ops import error_of
from asiolike.detail.stream_socket import basic_stream_socket
from asiolike.error import already_open, name_too_long, system_error

__all__ = ["stream_protocol", "basic_endpoint", "connect_pair"]

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


class _stream_socket(basic_stream_socket):
    """A UNIX domain stream socket (see ``basic_stream_socket``)."""

    __slots__ = ()
    endpoint_type = basic_endpoint

    @staticmethod
    def _default_protocol() -> Any:
        return _STREAM


class _stream_acceptor(basic_socket_acceptor):
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


def connect_pair(a: basic_stream_socket, b: basic_stream_socket) -> None:
    """Make two closed local stream sockets into the connected ends of a ``socketpair()``.

    Raises:
        system_error: ``already_open`` (one of them is open), or the system's error.
    """
    if a.is_open() or b.is_open():
        raise system_error(already_open, "connect_pair")
    try:
        first, second = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    except OSError as exc:
        raise system_error(error_of(exc), "connect_pair") from None
    a.assign(_STREAM, first)
    b.assign(_STREAM, second)
