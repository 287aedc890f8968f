"""TLS errors: the ``asio.ssl`` category (OpenSSL's reasons) and ``asio.ssl.stream``.

Two categories, as in Asio:

* ``asio.ssl`` (:func:`get_ssl_category`): errors reported by OpenSSL. The value is
  OpenSSL's packed error code (library and reason, as ``ERR_PACK`` builds it, so it equals
  what ``ec.value()`` is in Asio); for a failed certificate verification the X.509
  verification result is kept in the bits above 32, so that "certificate has expired" and
  "unable to get local issuer certificate" are different codes. The message is OpenSSL's
  reason text, followed by the verification failure (``"certificate verify failed:
  certificate has expired"``).
* ``asio.ssl.stream`` (:func:`get_stream_category`): :data:`stream_truncated` and the
  two codes Asio has beside it.

Which code means what:

============================  =============================================================
``stream_truncated``           the peer closed the transport without sending TLS's
                               ``close_notify`` first (an abrupt close, or a truncation
                               attack); also a peer that goes away during the handshake
``asiolike.error.eof``         the peer sent ``close_notify``: a clean end of the stream
an ``asio.ssl`` code           the TLS protocol failed: a certificate that does not verify
                               (the message says why), a peer that does not speak TLS
                               (``wrong version number``), an alert from the peer...
``unexpected_result``          OpenSSL gave a result the stream does not know how to handle
``unspecified_system_error``   OpenSSL reported a system error without saying which
============================  =============================================================
"""

from __future__ import annotations

import re
import ssl as _ssl
import threading
from typing import Final

from asiolike.error import enum_category, eof, error_category, error_code

__all__ = [
    "get_ssl_category",
    "get_stream_category",
    "make_error_code",
    "stream_truncated",
    "unspecified_system_error",
    "unexpected_result",
]

# OpenSSL 3's ERR_PACK: the library above bit 23, the reason below.
_LIB_SHIFT: Final = 23
_REASON_MASK: Final = (1 << _LIB_SHIFT) - 1
_VERIFY_SHIFT: Final = 32
# Codes for reasons the ssl module gives no number for are made up above this value.
_SYNTHETIC_BASE: Final = 1 << 31
# At most this many distinct texts are remembered (OpenSSL has about 1500 reasons).
_MAX_TEXTS: Final = 4096

# The verification failures whose text names the host asked for; the code keeps a text
# without the host, since a code's message may not depend on one connection.
_HOST_MISMATCH_TEXTS: Final = {
    62: "Hostname mismatch, certificate is not valid for the requested host name",
    64: "IP address mismatch, certificate is not valid for the requested address",
}
# "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)" -> the middle part.
_TEXT_RE: Final = re.compile(r"^\[[^\]]*\]\s*(.*?)(?:\s*\(_ssl\.c:\d+\))?$", re.S)


class _openssl_category(error_category):
    """``asio.ssl``: OpenSSL's error codes, with the texts OpenSSL gave for them."""

    __slots__ = ("_lock", "_names", "_reason_texts", "_synthetic", "_verify_texts")

    def __init__(self) -> None:
        super().__init__("asio.ssl")
        self._lock = threading.Lock()
        self._reason_texts: dict[int, str] = {}
        self._verify_texts: dict[int, str] = {}
        self._names: dict[int, str] = {}
        self._synthetic: dict[tuple[str, str], int] = {}

    def message(self, value: int) -> str:
        if value == 0:
            return "Success"
        packed = value & ((1 << _VERIFY_SHIFT) - 1)
        verify = value >> _VERIFY_SHIFT
        text = self._reason_texts.get(packed)
        if text is None:
            name = self._name_of(packed)
            text = name.lower().replace("_", " ") if name else f"OpenSSL error {packed:#x}"
        if verify:
            detail = self._verify_texts.get(verify, f"X.509 verification error {verify}")
            text = f"{text}: {detail}"
        return text

    def value_name(self, value: int) -> str | None:
        if value == 0:
            return "success"
        name = self._name_of(value & ((1 << _VERIFY_SHIFT) - 1))
        return name.lower() if name else None

    def _name_of(self, packed: int) -> str | None:
        name = self._names.get(packed)
        if name is None and packed < _SYNTHETIC_BASE:
            name = _ERR_NAMES.get((packed >> _LIB_SHIFT, packed & _REASON_MASK))
        return name

    def _code_for(self, library: str | None, reason: str | None) -> int:
        """OpenSSL's packed code for a (library, reason) pair of names."""
        if reason:
            pair = _ERR_CODES.get(reason)
            lib = _LIB_CODES.get(library or "")
            if pair is not None and (lib is None or pair[0] == lib):
                return (pair[0] << _LIB_SHIFT) | pair[1]
            if lib is not None and pair is not None:
                return (lib << _LIB_SHIFT) | pair[1]
        key = (library or "", reason or "")
        with self._lock:
            code = self._synthetic.get(key)
            if code is None:
                code = _SYNTHETIC_BASE + len(self._synthetic) + 1
                if len(self._synthetic) < _MAX_TEXTS:
                    self._synthetic[key] = code
                    if reason:
                        self._names[code] = reason
        return code

    def _learn(self, packed: int, text: str, verify: int, verify_text: str | None) -> None:
        with self._lock:
            if packed not in self._reason_texts and len(self._reason_texts) < _MAX_TEXTS:
                self._reason_texts[packed] = text
            known = self._verify_texts
            if verify and verify_text and verify not in known and len(known) < _MAX_TEXTS:
                known[verify] = _HOST_MISMATCH_TEXTS.get(verify, verify_text)


def _tables() -> tuple[dict[str, tuple[int, int]], dict[str, int], dict[tuple[int, int], str]]:
    # The ssl module's own tables of OpenSSL's names (private, so tolerate their absence).
    import _ssl as _ssl_impl

    codes: dict[str, tuple[int, int]] = dict(getattr(_ssl_impl, "err_names_to_codes", {}))
    libs = {name: code for code, name in getattr(_ssl_impl, "lib_codes_to_names", {}).items()}
    names: dict[tuple[int, int], str] = dict(getattr(_ssl_impl, "err_codes_to_names", {}))
    return codes, libs, names


_ERR_CODES, _LIB_CODES, _ERR_NAMES = _tables()

_ssl_category: Final = _openssl_category()
_stream_category: Final = enum_category("asio.ssl.stream")


def get_ssl_category() -> error_category:
    """The ``asio.ssl`` category: errors reported by OpenSSL (Asio's ``get_ssl_category``)."""
    return _ssl_category


def get_stream_category() -> error_category:
    """The ``asio.ssl.stream`` category of :data:`stream_truncated` and its siblings."""
    return _stream_category


stream_truncated: Final = _stream_category.define(
    1,
    "stream_truncated",
    "stream truncated: the peer closed the connection without a TLS close_notify",
)
"""The peer closed the transport without shutting TLS down first (Asio's name)."""

unspecified_system_error: Final = _stream_category.define(
    2, "unspecified_system_error", "unspecified system error"
)
"""OpenSSL reported a system call failure without an error number."""

unexpected_result: Final = _stream_category.define(
    3, "unexpected_result", "unexpected result from the TLS engine"
)
"""OpenSSL returned a result the stream cannot interpret."""


def _text_of(exc: _ssl.SSLError) -> str:
    raw = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], str) else str(exc)
    match = _TEXT_RE.match(raw)
    text = match.group(1) if match else raw
    verify_message = getattr(exc, "verify_message", None)
    if verify_message and text.endswith(": " + verify_message):
        text = text[: -len(verify_message) - 2]
    return text or (exc.reason or "").lower().replace("_", " ") or "TLS error"


def make_error_code(exc: _ssl.SSLError) -> error_code:
    """The :class:`~asiolike.error.error_code` for an exception of the ``ssl`` module.

    ``SSLZeroReturnError`` (the peer's ``close_notify``) is ``asiolike.error.eof``;
    ``SSLEOFError`` is :data:`stream_truncated`; ``SSLSyscallError`` is
    :data:`unspecified_system_error`; any other error is an ``asio.ssl`` code whose message
    is OpenSSL's reason (and, for a certificate that failed verification, why).

    Args:
        exc: the exception raised by an ``ssl.SSLObject`` or ``ssl.SSLContext`` method.
    """
    if isinstance(exc, _ssl.SSLZeroReturnError):
        return eof
    if isinstance(exc, _ssl.SSLEOFError):
        return stream_truncated
    if isinstance(exc, _ssl.SSLSyscallError):
        # Its errno is OpenSSL's SSL_ERROR_SYSCALL (5), not a system error number.
        return unspecified_system_error
    library = getattr(exc, "library", None)
    reason = getattr(exc, "reason", None)
    if library is None and reason is None:
        return unexpected_result
    packed = _ssl_category._code_for(library, reason)
    verify = int(getattr(exc, "verify_code", 0) or 0) if reason else 0
    _ssl_category._learn(packed, _text_of(exc), verify, getattr(exc, "verify_message", None))
    return error_code(packed | (verify << _VERIFY_SHIFT), _ssl_category)
