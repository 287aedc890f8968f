"""A throw-away PKI for the TLS tests and benchmarks: a CA, a server, an expired server.

Made fresh (in a temporary directory) at the start of a test session with the
``cryptography`` package when it is installed, else with the ``openssl`` command line:
see ``tests/ssl/README.md``. Keys are EC P-256 (fast handshakes); every certificate is
valid for ``localhost`` and ``127.0.0.1`` except the client's (``client.test`` only).
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import os
import shutil
import subprocess

__all__ = ["TestPKI", "make_test_pki"]


@dataclasses.dataclass(frozen=True)
class TestPKI:
    """Paths of the generated files (PEM)."""

    __test__ = False  # not a test class, despite the name

    directory: str
    ca: str  # the CA certificate (trust it to verify the others)
    server_cert: str  # server certificate, signed by the CA, valid 10 years
    server_key: str
    expired_cert: str  # same name, signed by the CA, expired yesterday
    expired_key: str
    client_cert: str  # for client.test only, signed by the CA (mutual TLS, wrong names)
    client_key: str
    how: str  # "cryptography" or "openssl"


def make_test_pki(directory: str) -> TestPKI:
    """Generate the PKI into ``directory`` (which must exist).

    ``ASIOLIKE_TEST_PKI=openssl`` in the environment forces the command-line way.

    Raises:
        RuntimeError: neither ``cryptography`` nor the ``openssl`` command is available.
    """
    try:
        import cryptography  # noqa: F401

        if os.environ.get("ASIOLIKE_TEST_PKI") == "openssl":
            raise ImportError("the openssl command was asked for")
    except ImportError:
        if shutil.which("openssl") is None:
            raise RuntimeError(
                "the TLS tests need the cryptography package or the openssl command"
            ) from None
        return _with_openssl(directory)
    return _with_cryptography(directory)


def _paths(directory: str, how: str) -> TestPKI:
    def p(name: str) -> str:
        return os.path.join(directory, name)

    return TestPKI(
        directory=directory,
        ca=p("ca.pem"),
        server_cert=p("server.pem"),
        server_key=p("server.key"),
        expired_cert=p("expired.pem"),
        expired_key=p("expired.key"),
        client_cert=p("client.pem"),
        client_key=p("client.key"),
        how=how,
    )


def _with_cryptography(directory: str) -> TestPKI:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    out = _paths(directory, "cryptography")
    now = datetime.datetime.now(datetime.UTC)
    day = datetime.timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "asiolike test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - day)
        .not_valid_after(now + 3650 * day)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(cn: str, before: datetime.datetime, after: datetime.datetime) -> tuple[bytes, bytes]:
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = [x509.DNSName(cn)]
        if cn == "localhost":
            names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(before)
            .not_valid_after(after)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
            .sign(ca_key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cert.public_bytes(serialization.Encoding.PEM), key_pem

    _write(out.ca, ca.public_bytes(serialization.Encoding.PEM))
    for cert_path, key_path, cn, before, after in (
        (out.server_cert, out.server_key, "localhost", now - day, now + 3650 * day),
        (out.expired_cert, out.expired_key, "localhost", now - 30 * day, now - day),
        (out.client_cert, out.client_key, "client.test", now - day, now + 3650 * day),
    ):
        cert_pem, key_pem = leaf(cn, before, after)
        _write(cert_path, cert_pem)
        _write(key_path, key_pem)
    return out


def _with_openssl(directory: str) -> TestPKI:
    out = _paths(directory, "openssl")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)

    ca_key = os.path.join(directory, "ca.key")
    run(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", ca_key, "-out", out.ca, "-days", "3650", "-subj", "/CN=asiolike test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,digitalSignature,keyCertSign,cRLSign",
    )  # fmt: skip
    for serial, (cert, key, cn, days) in enumerate(
        (
            (out.server_cert, out.server_key, "localhost", "3650"),
            (out.expired_cert, out.expired_key, "localhost", "-1"),
            (out.client_cert, out.client_key, "client.test", "3650"),
        ),
        start=2,
    ):
        ext = os.path.join(directory, f"{serial}.ext")
        csr = os.path.join(directory, f"{serial}.csr")
        _write(
            ext,
            f"subjectAltName=DNS:{cn}{',IP:127.0.0.1' if cn == 'localhost' else ''}\n"
            "basicConstraints=critical,CA:FALSE\n"
            "extendedKeyUsage=serverAuth,clientAuth\n".encode(),
        )
        run(
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", csr, "-subj", f"/CN={cn}",
        )  # fmt: skip
        # "-days -1" ends the validity a day before it starts: expired.
        run(
            "x509", "-req", "-in", csr, "-CA", out.ca, "-CAkey", ca_key,
            "-set_serial", str(serial), "-days", days, "-extfile", ext, "-out", cert,
        )  # fmt: skip
    return out


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
