"""``basic_ip_protocol``: what an IP transport protocol object is (``udp.v4()``...).

A protocol object names the ``socket()`` arguments (``family()``, ``type()``,
``protocol()``) for one IP version; objects of one protocol compare equal when their
families do. Each protocol module subclasses it with its socket type and number, and keeps
one instance per IP version.
"""

from __future__ import annotations

import socket as _socket
from typing import ClassVar

__all__ = ["basic_ip_protocol"]


class basic_ip_protocol:
    """An IP protocol for one version; subclasses set ``_type``, ``_proto`` and ``_label``.

    Args:
        family: ``socket.AF_INET`` or ``socket.AF_INET6``.
    """

    __slots__ = ("_family",)

    _type: ClassVar[int]
    _proto: ClassVar[int]
    _label: ClassVar[str]

    def __init__(self, family: int) -> None:
        if family not in (_socket.AF_INET, _socket.AF_INET6):
            raise ValueError(
                f"{self._label} protocol family must be AF_INET or AF_INET6 "
                f"(use {self._label}.v4()/v6())"
            )
        self._family = family

    def family(self) -> int:
        """``AF_INET`` or ``AF_INET6``."""
        return self._family

    def type(self) -> int:
        """The socket type (``SOCK_DGRAM`` for UDP)."""
        return self._type

    def protocol(self) -> int:
        """The protocol number (``IPPROTO_UDP`` for UDP)."""
        return self._proto

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return self._family == other._family
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._label, self._family))

    def __repr__(self) -> str:
        return f"{self._label}.v{4 if self._family == _socket.AF_INET else 6}()"
