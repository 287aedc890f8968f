"""``basic_socket``: what stream and datagram sockets share beyond the descriptor.

Asio's ``basic_socket`` members that an acceptor does not have: the connected peer's
endpoint, ``shutdown`` and the bytes ``available`` to read. ``basic_stream_socket`` and
``basic_datagram_socket`` derive from this class; the descriptor itself, options, waits and
closing are :class:`~asiolike.detail.reactive_socket.reactive_socket`'s.
"""

from __future__ import annotations

import array
import fcntl
import logging
import termios

from asiolike import socket_base
from asiolike.detail.reactive_socket import _Endpoint, reactive_socket
from asiolike.detail.socket_ops import error_of
from asiolike.error import system_error

__all__ = ["basic_socket"]

_DEBUG = logging.DEBUG


class basic_socket(reactive_socket[_Endpoint]):
    """A socket that can be connected: its peer, shutdown, the bytes available."""

    __slots__ = ()

    def remote_endpoint(self) -> _Endpoint:
        """The endpoint of the connected peer (a datagram socket's default peer).

        Raises:
            system_error: ``not_connected``, ``bad_descriptor`` (not open).
        """
        sock = self._require("remote_endpoint")
        try:
            name = sock.getpeername()
        except OSError as exc:
            raise system_error(error_of(exc), "remote_endpoint") from None
        return self.endpoint_type._from_sockaddr(name)  # type: ignore[no-any-return]

    def shutdown(self, what: socket_base.shutdown_type) -> None:
        """Disable sends, receives or both (``socket_base.shutdown_send``...).

        After ``shutdown_send`` on a stream socket the peer reads what was sent, then
        ``eof``.

        Raises:
            system_error: ``not_connected``, ``bad_descriptor`` (not open).
        """
        what = socket_base.shutdown_type(what)
        sock = self._require("shutdown")
        if self._log.isEnabledFor(_DEBUG):
            self._log.debug("socket fd %d: shutdown(%s)", sock.fileno(), what.name)
        try:
            sock.shutdown(what)
        except OSError as exc:
            raise system_error(error_of(exc), "shutdown") from None

    def available(self) -> int:
        """How many bytes can be read now without blocking.

        For a datagram socket: the size of the next datagram waiting (0 if there is none).

        Raises:
            system_error: ``bad_descriptor`` (not open), or the system's error.
        """
        sock = self._require("available")
        count = array.array("i", [0])
        try:
            fcntl.ioctl(sock.fileno(), termios.FIONREAD, count, True)
        except OSError as exc:
            raise system_error(error_of(exc), "available") from None
        return count[0]
