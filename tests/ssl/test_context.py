"""Tests for asiolike/ssl/context.py: Asio's ssl::context over ssl.SSLContext.

Methods and their defaults (Asio's: no verification until asked), wrapping an existing
``ssl.SSLContext``, options (the version flags become a version range, without the
``ssl`` module's deprecation warnings, which the test configuration turns into errors),
verify modes, trust anchors from files and memory, our certificate and key in either
order, from files or memory, PEM or DER, encrypted keys, DH parameters, and the errors,
which carry OpenSSL's reason.
"""

from __future__ import annotations

import base64
import shutil
import ssl as std_ssl
import subprocess
from pathlib import Path

import pytest

import asiolike
from asiolike import error, ssl, testing
from tests.ssl.pairs import handshake_pair
from tests.ssl.pki import TestPKI

TLS = std_ssl.TLSVersion


def _handshake_ok(ioc: asiolike.io_context, cctx: ssl.context, sctx: ssl.context) -> None:
    a = testing.stream(ioc)
    b = testing.connect(a)
    client = ssl.stream(a, cctx)
    client.set_verify_callback(ssl.host_name_verification("localhost"))
    try:
        assert handshake_pair(ioc, client, ssl.stream(b, sctx)) == (
            error.success,
            error.success,
        )
    finally:
        a.close()
        b.close()


def _der_of_key(pem: bytes) -> bytes:
    body = b"".join(line for line in pem.splitlines() if not line.startswith(b"-----"))
    return base64.b64decode(body)


# -- methods ----------------------------------------------------------------------------------


def test_client_method_defaults_to_no_verification() -> None:
    ctx = ssl.context(ssl.context.tls_client)
    native = ctx.native_handle()
    assert native.protocol == std_ssl.PROTOCOL_TLS_CLIENT
    assert native.verify_mode == std_ssl.CERT_NONE
    assert native.check_hostname is False
    assert repr(ctx) == (
        "<asiolike.ssl.context protocol=PROTOCOL_TLS_CLIENT verify_mode=CERT_NONE "
        "check_hostname=False>"
    )


def test_server_and_generic_methods() -> None:
    assert ssl.context(ssl.context.tls_server).native_handle().protocol == (
        std_ssl.PROTOCOL_TLS_SERVER
    )
    assert ssl.context(ssl.context.sslv23_server).native_handle().protocol == (
        std_ssl.PROTOCOL_TLS_SERVER
    )
    # The role-agnostic protocol, made without leaking its DeprecationWarning.
    assert ssl.context(ssl.context.tls).native_handle().protocol == std_ssl.PROTOCOL_TLS
    assert ssl.context(ssl.context.sslv23).native_handle().protocol == std_ssl.PROTOCOL_TLS


@pytest.mark.parametrize(
    ("method", "version"),
    [
        (ssl.context.tlsv12_client, TLS.TLSv1_2),
        (ssl.context.tlsv12_server, TLS.TLSv1_2),
        (ssl.context.tlsv13, TLS.TLSv1_3),
        (ssl.context.tlsv13_client, TLS.TLSv1_3),
    ],
)
def test_fixed_version_methods(method: ssl.context.method, version: TLS) -> None:
    native = ssl.context(method).native_handle()
    assert (native.minimum_version, native.maximum_version) == (version, version)


def test_method_errors() -> None:
    with pytest.raises(ValueError, match="SSL 2 or 3"):
        ssl.context(ssl.context.sslv3_client)
    with pytest.raises(ValueError, match="SSL 2 or 3"):
        ssl.context(ssl.context.sslv2)
    with pytest.raises(TypeError, match="takes a method"):
        ssl.context("tls_client")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes a method"):
        ssl.context(True)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ssl.context(99)  # type: ignore[arg-type]


def test_wrapping_an_existing_context_keeps_its_settings() -> None:
    native = std_ssl.create_default_context()
    ctx = ssl.context.from_native(native)
    assert ctx.native_handle() is native
    assert native.verify_mode == std_ssl.CERT_REQUIRED and native.check_hostname is True
    assert ssl.context(native).native_handle() is native
    with pytest.raises(TypeError, match=r"needs an ssl\.SSLContext"):
        ssl.context.from_native(42)  # type: ignore[arg-type]


# -- options ----------------------------------------------------------------------------------


def test_set_and_clear_plain_options() -> None:
    ctx = ssl.context(ssl.context.tls_server)
    native = ctx.native_handle()
    ctx.clear_options(ssl.context.no_compression)
    assert not native.options & std_ssl.OP_NO_COMPRESSION
    ctx.set_options(
        ssl.context.default_workarounds | ssl.context.no_compression | ssl.context.single_dh_use
    )
    assert native.options & std_ssl.OP_NO_COMPRESSION
    assert native.options & std_ssl.OP_ALL == std_ssl.OP_ALL
    with pytest.raises(TypeError, match="int bitmask"):
        ctx.set_options("no_compression")  # type: ignore[arg-type]


def test_version_options_become_a_version_range() -> None:
    ctx = ssl.context(ssl.context.tls_client)
    native = ctx.native_handle()
    assert native.minimum_version == TLS.TLSv1_2  # the ssl module's floor already
    # Beast's server examples: all no-ops here, and no deprecation warning.
    ctx.set_options(
        ssl.context.default_workarounds
        | ssl.context.no_sslv2
        | ssl.context.no_sslv3
        | ssl.context.no_tlsv1
        | ssl.context.no_tlsv1_1
    )
    assert native.minimum_version == TLS.TLSv1_2
    assert not native.options & std_ssl.OP_NO_TLSv1_1
    ctx.set_options(ssl.context.no_tlsv1_3)
    assert native.maximum_version == TLS.TLSv1_2
    other = ssl.context(ssl.context.tls_client)
    other.set_options(ssl.context.no_tlsv1_2)
    assert other.native_handle().minimum_version == TLS.TLSv1_3
    with pytest.raises(ValueError, match="every TLS version"):
        other.set_options(ssl.context.no_tlsv1_3)


def test_version_limit_is_honoured_in_the_handshake(
    ioc: asiolike.io_context, server_ctx: ssl.context, client_ctx: ssl.context
) -> None:
    server_ctx.set_options(ssl.context.no_tlsv1_3)
    a = testing.stream(ioc)
    b = testing.connect(a)
    client = ssl.stream(a, client_ctx)
    assert handshake_pair(ioc, client, ssl.stream(b, server_ctx)) == (
        error.success,
        error.success,
    )
    c = client.native_handle()
    assert c is not None and c.version() == "TLSv1.2"
    a.close()
    b.close()


# -- verification -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "cert_reqs"),
    [
        (ssl.verify_peer, std_ssl.CERT_OPTIONAL),
        (ssl.verify_peer | ssl.verify_fail_if_no_peer_cert, std_ssl.CERT_REQUIRED),
        (ssl.verify_peer | ssl.verify_client_once, std_ssl.CERT_OPTIONAL),
        (ssl.verify_none, std_ssl.CERT_NONE),
    ],
)
def test_verify_modes_map_to_cert_reqs(mode: int, cert_reqs: std_ssl.VerifyMode) -> None:
    ctx = ssl.context(ssl.context.tls_server)
    ctx.set_verify_mode(mode)
    assert ctx.native_handle().verify_mode == cert_reqs


def test_verify_mode_errors() -> None:
    ctx = ssl.context(ssl.context.tls_server)
    with pytest.raises(ValueError, match="unknown verify mode"):
        ctx.set_verify_mode(16)
    mode: object = None
    with pytest.raises(TypeError, match="int bitmask"):
        ctx.set_verify_mode(mode)  # type: ignore[arg-type]


def test_verify_none_on_a_checking_context_turns_the_check_off() -> None:
    ctx = ssl.context(std_ssl.create_default_context())
    ctx.set_verify_mode(ssl.verify_none)
    native = ctx.native_handle()
    assert native.verify_mode == std_ssl.CERT_NONE and native.check_hostname is False


def test_context_level_host_name_verification(
    ioc: asiolike.io_context, server_ctx: ssl.context, client_ctx: ssl.context
) -> None:
    client_ctx.set_verify_callback(ssl.host_name_verification("wrong.example"))
    a = testing.stream(ioc)
    b = testing.connect(a)
    cec, _ = handshake_pair(ioc, ssl.stream(a, client_ctx), ssl.stream(b, server_ctx))
    assert cec.name() == "certificate_verify_failed" and "Hostname mismatch" in cec.message()
    a.close()
    b.close()
    with pytest.raises(TypeError, match=r"only ssl\.host_name_verification"):
        client_ctx.set_verify_callback(print)  # type: ignore[arg-type]


def test_host_name_verification_values() -> None:
    hv = ssl.host_name_verification("example.com")
    assert hv.host() == "example.com"
    assert hv == ssl.rfc2818_verification("example.com") and hash(hv) == hash("example.com")
    assert hv != ssl.host_name_verification("example.org")
    assert repr(hv) == "asiolike.ssl.host_name_verification('example.com')"
    with pytest.raises(TypeError, match="must be a str"):
        ssl.host_name_verification(b"example.com")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty"):
        ssl.host_name_verification("a\x00b")
    with pytest.raises(ValueError, match="not a valid host name"):
        ssl.host_name_verification("a" * 64 + ".example")


def test_trust_from_a_file_and_from_memory(
    ioc: asiolike.io_context, server_ctx: ssl.context, pki: TestPKI
) -> None:
    pem = Path(pki.ca).read_bytes()
    for how in ("file", "pem bytes", "pem str", "der", "directory"):
        cctx = ssl.context(ssl.context.tls_client)
        cctx.set_verify_mode(ssl.verify_peer)
        if how == "file":
            cctx.load_verify_file(pki.ca)
        elif how == "pem bytes":
            cctx.add_certificate_authority(pem)
        elif how == "pem str":
            cctx.add_certificate_authority(pem.decode())
        elif how == "der":
            cctx.add_certificate_authority(std_ssl.PEM_cert_to_DER_cert(pem.decode()))
        else:
            cctx.add_verify_path(_hashed_dir(pki))
        _handshake_ok(ioc, cctx, server_ctx)


def _hashed_dir(pki: TestPKI) -> str:
    # A c_rehash-style directory: <subject hash>.0 -> the CA certificate.
    directory = Path(pki.directory) / "capath"
    if not directory.exists():
        directory.mkdir()
        if shutil.which("openssl") is None:
            pytest.skip("needs the openssl command to compute a subject hash")
        digest = subprocess.run(
            ["openssl", "x509", "-noout", "-subject_hash", "-in", pki.ca],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        (directory / f"{digest}.0").write_bytes(Path(pki.ca).read_bytes())
    return str(directory)


def test_set_default_verify_paths() -> None:
    ctx = ssl.context(ssl.context.tls_client)
    ctx.set_default_verify_paths()  # the system's store: nothing to check but no error


def test_trust_errors(pki: TestPKI, tmp_path: Path) -> None:
    ctx = ssl.context(ssl.context.tls_client)
    with pytest.raises(asiolike.system_error) as info:
        ctx.load_verify_file(tmp_path / "missing.pem")
    assert info.value.code == error.from_errno(2)
    assert str(info.value).startswith("load_verify_file: No such file or directory")
    with pytest.raises(asiolike.system_error) as info:
        ctx.load_verify_file(pki.server_key)
    assert info.value.code.category() is ssl.error.get_ssl_category()
    assert info.value.code.message() == "no certificate or crl found"
    with pytest.raises(TypeError, match="bytes-like data or a str"):
        ctx.add_certificate_authority(42)  # type: ignore[arg-type]


# -- our certificate and key ------------------------------------------------------------------


def test_chain_then_key_and_key_then_chain(
    ioc: asiolike.io_context, client_ctx: ssl.context, pki: TestPKI
) -> None:
    first = ssl.context(ssl.context.tls_server)
    first.use_certificate_chain_file(pki.server_cert)
    first.use_private_key_file(pki.server_key, ssl.context.pem)
    _handshake_ok(ioc, client_ctx, first)
    second = ssl.context(ssl.context.tls_server)
    second.use_private_key_file(pki.server_key, ssl.context.pem)
    second.use_certificate_chain_file(pki.server_cert)
    _handshake_ok(ioc, client_ctx, second)


def test_a_file_with_certificate_and_key(
    ioc: asiolike.io_context, client_ctx: ssl.context, pki: TestPKI, tmp_path: Path
) -> None:
    both = tmp_path / "both.pem"
    both.write_bytes(Path(pki.server_cert).read_bytes() + Path(pki.server_key).read_bytes())
    ctx = ssl.context(ssl.context.tls_server)
    ctx.use_certificate_chain_file(both)
    _handshake_ok(ioc, client_ctx, ctx)


def test_certificate_and_key_from_memory_pem_and_der(
    ioc: asiolike.io_context, client_ctx: ssl.context, pki: TestPKI, tmp_path: Path
) -> None:
    cert_pem = Path(pki.server_cert).read_bytes()
    key_pem = Path(pki.server_key).read_bytes()
    pem = ssl.context(ssl.context.tls_server)
    pem.use_certificate_chain(cert_pem)
    pem.use_private_key(key_pem, ssl.context.pem)
    _handshake_ok(ioc, client_ctx, pem)

    cert_der = std_ssl.PEM_cert_to_DER_cert(cert_pem.decode())
    key_der = _der_of_key(key_pem)
    der = ssl.context(ssl.context.tls_server)
    der.use_certificate(cert_der, ssl.context.asn1)
    der.use_private_key(key_der, ssl.context.asn1)
    _handshake_ok(ioc, client_ctx, der)

    (tmp_path / "cert.der").write_bytes(cert_der)
    (tmp_path / "key.der").write_bytes(key_der)
    files = ssl.context(ssl.context.tls_server)
    files.use_certificate_file(tmp_path / "cert.der", ssl.context.asn1)
    files.use_private_key_file(tmp_path / "key.der", ssl.context.asn1)
    _handshake_ok(ioc, client_ctx, files)

    single = ssl.context(ssl.context.tls_server)
    single.use_certificate(cert_pem, ssl.context.pem)
    single.use_certificate_file(pki.server_cert, ssl.context.pem)
    single.use_private_key(key_pem.decode(), ssl.context.pem)
    _handshake_ok(ioc, client_ctx, single)


def test_key_mismatch_and_missing_files(pki: TestPKI, tmp_path: Path) -> None:
    ctx = ssl.context(ssl.context.tls_server)
    ctx.use_certificate_chain_file(pki.server_cert)
    with pytest.raises(asiolike.system_error) as info:
        ctx.use_private_key_file(pki.client_key, ssl.context.pem)
    assert info.value.code.name() == "key_values_mismatch"
    assert info.value.code.message() == "key values mismatch"
    assert "use_private_key_file: key values mismatch" in str(info.value)
    with pytest.raises(asiolike.system_error) as info:
        ctx.use_certificate_chain_file(tmp_path / "missing.pem")
    assert info.value.code == error.from_errno(2)
    with pytest.raises(asiolike.system_error) as info:
        ctx.use_private_key_file(tmp_path / "missing.key", ssl.context.pem)
    assert info.value.code == error.from_errno(2)
    with pytest.raises(asiolike.system_error) as info:
        ctx.use_certificate_file(tmp_path / "missing.der", ssl.context.asn1)
    assert info.value.code == error.from_errno(2)
    with pytest.raises(ValueError, match="expected PEM data"):
        ctx.use_certificate_chain(b"\x30\x82")
    with pytest.raises(ValueError, match="expected PEM data"):
        ctx.use_certificate_chain(b"")


def _encrypted_key(pki: TestPKI, tmp_path: Path, password: bytes) -> Path:
    out = tmp_path / "encrypted.key"
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        subprocess.run(
            ["openssl", "pkcs8", "-topk8", "-in", pki.server_key, "-out", str(out),
             "-passout", f"pass:{password.decode()}"],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return out
    key = serialization.load_pem_private_key(Path(pki.server_key).read_bytes(), None)
    out.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password),
        )
    )
    return out


def test_password_callback_for_an_encrypted_key(
    ioc: asiolike.io_context, client_ctx: ssl.context, pki: TestPKI, tmp_path: Path
) -> None:
    encrypted = _encrypted_key(pki, tmp_path, b"s3cret")
    asked: list[tuple[int, int]] = []

    def password(max_length: int, purpose: ssl.context.password_purpose) -> str:
        asked.append((max_length, purpose))
        return "s3cret"

    ctx = ssl.context(ssl.context.tls_server)
    ctx.set_password_callback(password)
    ctx.use_certificate_chain_file(pki.server_cert)
    ctx.use_private_key_file(encrypted, ssl.context.pem)
    assert asked and asked[0][1] == ssl.context.password_purpose.for_reading
    _handshake_ok(ioc, client_ctx, ctx)

    wrong = ssl.context(ssl.context.tls_server)
    wrong.set_password_callback(lambda n, p: b"nope")
    wrong.use_certificate_chain_file(pki.server_cert)
    with pytest.raises(asiolike.system_error) as info:
        wrong.use_private_key_file(encrypted, ssl.context.pem)
    assert info.value.code.category() is ssl.error.get_ssl_category()
    with pytest.raises(TypeError, match="needs a callable"):
        wrong.set_password_callback("s3cret")  # type: ignore[arg-type]


def _ffdhe2048_pem() -> bytes:
    """RFC 7919's ffdhe2048 group (computed from its definition), as PEM DH parameters."""
    bits = 1918
    guard = 64
    scale = 1 << (bits + guard)
    term = scale
    total = 0
    k = 0
    while term:  # e = sum of 1/k!
        total += term
        k += 1
        term //= k
    p = (1 << 2048) - (1 << 1984) + ((total >> guard) + 560316) * (1 << 64) - 1

    def der_int(n: int) -> bytes:
        body = n.to_bytes(n.bit_length() // 8 + 1, "big")
        return b"\x02" + _der_len(len(body)) + body

    seq = der_int(p) + der_int(2)
    der = b"\x30" + _der_len(len(seq)) + seq
    b64 = base64.encodebytes(der).decode()
    return f"-----BEGIN DH PARAMETERS-----\n{b64}-----END DH PARAMETERS-----\n".encode()


def _der_len(n: int) -> bytes:
    if n < 128:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def test_dh_parameters(tmp_path: Path) -> None:
    pem = _ffdhe2048_pem()
    ctx = ssl.context(ssl.context.tls_server)
    ctx.use_tmp_dh(pem)
    path = tmp_path / "dh.pem"
    path.write_bytes(pem)
    ctx.use_tmp_dh_file(path)
    with pytest.raises(asiolike.system_error) as info:
        ctx.use_tmp_dh_file(tmp_path / "missing.pem")
    assert info.value.code == error.from_errno(2)
    with pytest.raises(ValueError, match="expected PEM data"):
        ctx.use_tmp_dh(b"not pem")
