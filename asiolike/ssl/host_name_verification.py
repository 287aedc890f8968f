"""``ssl.host_name_verification``: check the peer certificate's name (Asio's verifier).

In Asio this is a verify callback: ``stream.set_verify_callback(
ssl::host_name_verification(host))`` makes the handshake fail unless the server's
certificate is valid for ``host``. The standard library's ``ssl`` module runs no Python
callback during verification; it checks a host name inside OpenSSL instead. So here the
object is a *description* of the check: :meth:`asiolike.ssl.stream.set_verify_callback`
(or :meth:`asiolike.ssl.context.set_verify_callback`) accepts it and asks OpenSSL to check
the name (RFC 6125 rules: subject alternative names, one wildcard label, IP addresses),
exactly as Python's own ``check_hostname`` does. Arbitrary verify callbacks are not
supported, and are refused with a message that says so.

The check only applies when the peer is verified at all (``verify_peer``), as in Asio,
where a verify callback is not consulted in ``verify_none`` mode.
"""

from __future__ import annotations

__all__ = ["host_name_verification", "rfc2818_verification"]


class host_name_verification:
    """Verify that the peer's certificate is valid for ``host`` (Asio's class of this name).

    Args:
        host: a DNS name (``"example.com"``) or an IP address (``"127.0.0.1"``).

    Raises:
        TypeError: ``host`` is not a ``str``.
        ValueError: ``host`` is empty, or not a valid host name.
    """

    __slots__ = ("_host",)

    def __init__(self, host: str) -> None:
        self._host = _check_host(host, "host_name_verification")

    def host(self) -> str:
        """The host name (or address) the certificate must be valid for."""
        return self._host

    def __eq__(self, other: object) -> bool:
        if isinstance(other, host_name_verification):
            return other._host == self._host
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._host)

    def __repr__(self) -> str:
        return f"asiolike.ssl.host_name_verification({self._host!r})"


rfc2818_verification = host_name_verification
"""Asio's older, deprecated name for :class:`host_name_verification`."""


def _check_host(host: object, who: str) -> str:
    """Validate a host name the way the ``ssl`` module will need it (IDNA-encodable)."""
    if not isinstance(host, str):
        raise TypeError(f"{who}: the host name must be a str, not {type(host).__name__}")
    if not host or "\x00" in host:
        raise ValueError(f"{who}: expected a non-empty host name without NUL, got {host!r}")
    try:
        host.encode("idna")
    except UnicodeError as exc:
        raise ValueError(f"{who}: {host!r} is not a valid host name ({exc})") from None
    return host
