"""Certificate and key material for ``ssl.context``: PEM/DER bytes and temporary files.

The ``ssl`` module loads certificates, keys and DH parameters from files only, while Asio
also takes them from memory (``use_certificate_chain(buffer)``, as Beast's server examples
do) and in DER form. These helpers turn what the user gave into PEM bytes, and PEM bytes
into a private temporary file for the duration of one ``ssl`` call.
"""

from __future__ import annotations

import base64
import os
import tempfile

from asiolike.error import from_errno, system_error

__all__ = ["pem_or_der", "pem_bytes", "armor", "read_file", "material_file"]


def pem_or_der(data: object, who: str) -> bytes:
    """The bytes of ``data`` (a str is taken as ASCII PEM text)."""
    if isinstance(data, str):
        return data.encode("ascii", "replace")
    try:
        return bytes(memoryview(data))  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{who}: expected bytes-like data or a str, not {data!r}") from None


def pem_bytes(data: object, who: str) -> bytes:
    """As :func:`pem_or_der`, and it must be PEM."""
    raw = pem_or_der(data, who)
    if b"-----BEGIN" not in raw:
        raise ValueError(f"{who}: expected PEM data (-----BEGIN ...); use ssl.context.asn1 for DER")
    return raw


def armor(der: bytes, label: str) -> bytes:
    """DER bytes in PEM armour with ``label`` (``"PRIVATE KEY"``...)."""
    body = base64.encodebytes(der).decode("ascii")
    return f"-----BEGIN {label}-----\n{body}-----END {label}-----\n".encode("ascii")


def read_file(filename: str | os.PathLike[str], who: str) -> bytes:
    """The content of a file; ``system_error`` if it cannot be read."""
    try:
        with open(filename, "rb") as f:
            return f.read()
    except OSError as exc:
        raise system_error(from_errno(exc.errno or 5), who) from None


class material_file:
    """A private temporary file holding PEM data, for the ``ssl`` calls that take paths."""

    __slots__ = ("_data", "_path")

    def __init__(self, data: bytes | None) -> None:
        self._data = data
        self._path: str | None = None

    def __enter__(self) -> str | None:
        if self._data is None:
            return None
        fd, path = tempfile.mkstemp(prefix="asiolike-ssl-", suffix=".pem")
        self._path = path
        with os.fdopen(fd, "wb") as f:  # mkstemp makes it readable by us only
            f.write(self._data)
        return path

    def __exit__(self, *exc: object) -> None:
        if self._path is not None:
            os.unlink(self._path)
            self._path = None
