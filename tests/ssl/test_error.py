"""Tests for asiolike/ssl/error.py: the asio.ssl and asio.ssl.stream categories.

Exceptions are built the way the ``ssl`` module raises them (the C code sets ``library``,
``reason`` and, for a failed verification, ``verify_code``/``verify_message``), so every
mapping is checked with exact values.
"""

from __future__ import annotations

import pickle
import ssl as std_ssl

from asiolike import error, ssl
from asiolike.ssl.error import get_ssl_category, get_stream_category, make_error_code


def _ssl_error(
    library: str | None,
    reason: str | None,
    text: str,
    cls: type[std_ssl.SSLError] = std_ssl.SSLError,
) -> std_ssl.SSLError:
    exc = cls(1, text)
    exc.library = library  # type: ignore[assignment]
    exc.reason = reason  # type: ignore[assignment]
    return exc


def test_stream_category_codes() -> None:
    assert get_stream_category().name() == "asio.ssl.stream"
    assert ssl.error.stream_truncated.value() == 1
    assert ssl.error.unspecified_system_error.value() == 2
    assert ssl.error.unexpected_result.value() == 3
    assert ssl.error.stream_truncated.name() == "stream_truncated"
    assert ssl.error.stream_truncated.message() == (
        "stream truncated: the peer closed the connection without a TLS close_notify"
    )
    assert ssl.error.stream_truncated.category() is get_stream_category()


def test_openssl_reason_keeps_openssl_numbers_and_text() -> None:
    exc = _ssl_error(
        "SSL",
        "WRONG_VERSION_NUMBER",
        "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)",
    )
    ec = make_error_code(exc)
    assert ec.category() is get_ssl_category() and get_ssl_category().name() == "asio.ssl"
    assert ec.value() == (20 << 23) | 267  # ERR_PACK(ERR_LIB_SSL, SSL_R_WRONG_VERSION_NUMBER)
    assert ec.name() == "wrong_version_number"
    assert ec.message() == "wrong version number"
    assert str(ec) == f"wrong_version_number (asio.ssl:{ec.value()}): wrong version number"
    assert ec == make_error_code(exc) and ec != ssl.error.stream_truncated


def test_verification_failures_are_distinct_codes_that_say_why() -> None:
    def verify_error(code: int, message: str) -> std_ssl.SSLError:
        exc = _ssl_error(
            "SSL",
            "CERTIFICATE_VERIFY_FAILED",
            f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message} (_ssl.c:1006)",
            std_ssl.SSLCertVerificationError,
        )
        exc.verify_code = code  # type: ignore[attr-defined]
        exc.verify_message = message  # type: ignore[attr-defined]
        return exc

    expired = make_error_code(verify_error(10, "certificate has expired"))
    issuer = make_error_code(verify_error(20, "unable to get local issuer certificate"))
    host = make_error_code(
        verify_error(62, "Hostname mismatch, certificate is not valid for 'x.example'.")
    )
    assert expired != issuer != host != expired
    assert expired.value() & 0xFFFFFFFF == (20 << 23) | 134
    assert expired.value() >> 32 == 10
    assert expired.name() == "certificate_verify_failed"
    assert expired.message() == "certificate verify failed: certificate has expired"
    assert issuer.message() == "certificate verify failed: unable to get local issuer certificate"
    # The host of one connection is not part of a code's message.
    assert host.message() == (
        "certificate verify failed: Hostname mismatch, certificate is not valid for the "
        "requested host name"
    )


def test_special_exceptions() -> None:
    assert make_error_code(std_ssl.SSLZeroReturnError(6, "TLS/SSL connection has been closed")) == (
        error.eof
    )
    assert make_error_code(std_ssl.SSLEOFError(8, "EOF occurred")) == ssl.error.stream_truncated
    # Its errno is OpenSSL's SSL_ERROR_SYSCALL, not a system error.
    assert make_error_code(std_ssl.SSLSyscallError(5, "Some I/O error occurred")) == (
        ssl.error.unspecified_system_error
    )
    assert make_error_code(std_ssl.SSLError(1, "no names")) == ssl.error.unexpected_result


def test_a_reason_the_tables_do_not_know_gets_its_own_code() -> None:
    exc = _ssl_error("NOLIB", "MADE_UP_REASON", "[NOLIB: MADE_UP_REASON] made up reason")
    ec = make_error_code(exc)
    assert ec.value() > 1 << 31
    assert ec == make_error_code(exc)
    assert ec.name() == "made_up_reason" and ec.message() == "made up reason"


def test_codes_made_without_an_exception_still_have_a_message() -> None:
    ec = error.error_code((20 << 23) | 156, get_ssl_category())  # SSL_R_HTTP_REQUEST
    assert ec.name() == "http_request"
    assert ec.message() == "http request"
    unknown = error.error_code(12345, get_ssl_category())
    assert unknown.message() == "OpenSSL error 0x3039" and unknown.name() == "asio.ssl:12345"
    assert error.error_code(0, get_ssl_category()).message() == "Success"


def test_codes_pickle_by_category_name() -> None:
    ec = ssl.error.stream_truncated
    assert pickle.loads(pickle.dumps(ec)) == ec
