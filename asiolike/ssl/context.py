"""``ssl.context``: certificates, keys and verification settings (Asio's ``ssl::context``).

A thin layer over the standard library's ``ssl.SSLContext`` (its :meth:`context.native_handle`),
with Asio's names and Asio's defaults:

* a context made from a method (``ssl.context(ssl.context.tls_client)``) does **not**
  verify the peer until ``set_verify_mode(ssl.verify_peer)`` is called, as in Asio (and
  unlike ``ssl.create_default_context()``). A context wrapped from an existing
  ``ssl.SSLContext`` keeps that context's settings;
* the certificate chain and the private key may be given in either order and from files
  or memory (``use_certificate_chain_file`` then ``use_private_key_file``); the ``ssl``
  module loads them as a pair, so the pair is loaded once both are known;
* ``set_options`` takes Asio's ``no_tlsv1``... flags and turns them into a minimum and
  maximum protocol version where it can (the ``ssl`` module deprecates the flags).

Synchronous failures raise :class:`~asiolike.error.system_error` carrying an ``asio.ssl``
code (OpenSSL's reason, e.g. ``key values mismatch``) or a system code (``No such file or
directory``), as Asio's throwing overloads do.

Per-stream settings (the verify mode, the host name to check) are applied when a stream
creates its ``SSLObject``: the ``ssl`` module only reads them from the context at that
moment, so the context's values are swapped in for that call, under a lock that every
stream of asiolike takes. Code outside asiolike that uses the same ``SSLContext`` from
another thread at that instant could see the swapped values: give such code a context of
its own.
"""

from __future__ import annotations

import enum
import os
import ssl as _ssl
import threading
import warnings
from collections.abc import Callable
from typing import Final

from typing_extensions import Buffer

from asiolike.error import from_errno, system_error
from asiolike.ssl._engine import engine
from asiolike.ssl._material import armor, material_file, pem_bytes, pem_or_der, read_file
from asiolike.ssl.error import make_error_code
from asiolike.ssl.host_name_verification import host_name_verification

__all__ = [
    "context",
    "context_base",
    "verify_mode",
    "verify_none",
    "verify_peer",
    "verify_fail_if_no_peer_cert",
    "verify_client_once",
]

verify_mode = int
"""The type of a verify mode: a bitmask of the ``verify_*`` constants (OpenSSL's values)."""

verify_none: Final = 0
"""Do not verify the peer (a server then asks no client certificate)."""
verify_peer: Final = 1
"""Verify the peer's certificate; the handshake fails if it does not verify."""
verify_fail_if_no_peer_cert: Final = 2
"""Server side, with :data:`verify_peer`: fail if the client sends no certificate."""
verify_client_once: Final = 4
"""Accepted for Asio compatibility; the ``ssl`` module has no equivalent (no effect)."""

_VERIFY_BITS: Final = verify_peer | verify_fail_if_no_peer_cert | verify_client_once

# SSL_OP_NO_* version flags and the versions they disable, oldest first.
_VERSION_FLAGS: Final = (
    (int(_ssl.OP_NO_TLSv1), _ssl.TLSVersion.TLSv1),
    (int(_ssl.OP_NO_TLSv1_1), _ssl.TLSVersion.TLSv1_1),
    (int(_ssl.OP_NO_TLSv1_2), _ssl.TLSVersion.TLSv1_2),
    (int(_ssl.OP_NO_TLSv1_3), _ssl.TLSVersion.TLSv1_3),
)
_OLD_FLAGS: Final = int(_ssl.OP_NO_SSLv2) | int(_ssl.OP_NO_SSLv3)
_VERSION_ORDER: Final = [v for _, v in _VERSION_FLAGS]

# The lock every SSLObject creation takes (see the module's docstring).
_wrap_lock = threading.Lock()
# SSLContext(PROTOCOL_TLS) warns: made under this lock, with the warning silenced.
_legacy_lock = threading.Lock()


_FIXED_VERSIONS: Final = {
    "tlsv1": _ssl.TLSVersion.TLSv1,
    "tlsv11": _ssl.TLSVersion.TLSv1_1,
    "tlsv12": _ssl.TLSVersion.TLSv1_2,
    "tlsv13": _ssl.TLSVersion.TLSv1_3,
}


class context_base:
    """Asio's ``ssl::context_base``: the method, option and file-format names."""

    __slots__ = ()

    class method(enum.IntEnum):
        """The protocol a context is made for (Asio's ``context_base::method``)."""

        sslv2 = 0
        sslv2_client = 1
        sslv2_server = 2
        sslv3 = 3
        sslv3_client = 4
        sslv3_server = 5
        tlsv1 = 6
        tlsv1_client = 7
        tlsv1_server = 8
        sslv23 = 9
        sslv23_client = 10
        sslv23_server = 11
        tlsv11 = 12
        tlsv11_client = 13
        tlsv11_server = 14
        tlsv12 = 15
        tlsv12_client = 16
        tlsv12_server = 17
        tlsv13 = 18
        tlsv13_client = 19
        tlsv13_server = 20
        tls = 21
        tls_client = 22
        tls_server = 23

    class file_format(enum.IntEnum):
        """How a certificate or key is encoded (Asio's ``context_base::file_format``)."""

        asn1 = 0
        pem = 1

    class password_purpose(enum.IntEnum):
        """Why a password is asked for (Asio's ``context_base::password_purpose``)."""

        for_reading = 0
        for_writing = 1

    sslv2 = method.sslv2
    sslv2_client = method.sslv2_client
    sslv2_server = method.sslv2_server
    sslv3 = method.sslv3
    sslv3_client = method.sslv3_client
    sslv3_server = method.sslv3_server
    tlsv1 = method.tlsv1
    tlsv1_client = method.tlsv1_client
    tlsv1_server = method.tlsv1_server
    sslv23 = method.sslv23
    sslv23_client = method.sslv23_client
    sslv23_server = method.sslv23_server
    tlsv11 = method.tlsv11
    tlsv11_client = method.tlsv11_client
    tlsv11_server = method.tlsv11_server
    tlsv12 = method.tlsv12
    tlsv12_client = method.tlsv12_client
    tlsv12_server = method.tlsv12_server
    tlsv13 = method.tlsv13
    tlsv13_client = method.tlsv13_client
    tlsv13_server = method.tlsv13_server
    tls = method.tls
    tls_client = method.tls_client
    tls_server = method.tls_server

    # Options: OpenSSL's SSL_OP_* bits, combined with ``|``.
    default_workarounds: Final = int(_ssl.OP_ALL)
    single_dh_use: Final = int(_ssl.OP_SINGLE_DH_USE)
    no_sslv2: Final = int(_ssl.OP_NO_SSLv2)
    no_sslv3: Final = int(_ssl.OP_NO_SSLv3)
    no_tlsv1: Final = int(_ssl.OP_NO_TLSv1)
    no_tlsv1_1: Final = int(_ssl.OP_NO_TLSv1_1)
    no_tlsv1_2: Final = int(_ssl.OP_NO_TLSv1_2)
    no_tlsv1_3: Final = int(_ssl.OP_NO_TLSv1_3)
    no_compression: Final = int(_ssl.OP_NO_COMPRESSION)

    asn1 = file_format.asn1
    pem = file_format.pem


_method = context_base.method
_file_format = context_base.file_format
_password_purpose = context_base.password_purpose

PasswordCallback = Callable[[int, _password_purpose], str | bytes]

# A source of certificate or key material: a file name, or bytes in PEM form.
_Source = tuple[str, bytes | None]


class context(context_base):
    """TLS settings shared by streams (Asio's ``ssl::context``).

    Args:
        method_or_native: a method (``ssl.context.tls_client``, ``tls_server``,
            ``tlsv12_client``...), or an existing ``ssl.SSLContext`` to use as it is (see
            :meth:`from_native`).

    Raises:
        ValueError: SSLv2 and SSLv3 are not available.
        TypeError: the argument is neither a method nor an ``ssl.SSLContext``.

    A context made from a method verifies nothing until :meth:`set_verify_mode` asks for
    it (Asio's default). ``tls_client``/``tls_server`` (and the ``tlsvNN_client``/``_server``
    methods) make contexts for one role; ``tls``/``sslv23``/``tlsvNN`` serve both roles.
    """

    __slots__ = ("__weakref__", "_chain", "_key", "_native", "_password_cb", "_verify_host")

    def __init__(self, method_or_native: _method | _ssl.SSLContext) -> None:
        self._chain: _Source | None = None
        self._key: _Source | None = None
        self._password_cb: PasswordCallback | None = None
        self._verify_host: host_name_verification | None = None
        if isinstance(method_or_native, _ssl.SSLContext):
            self._native = method_or_native
            return
        value: object = method_or_native
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(
                "ssl.context() takes a method (ssl.context.tls_client, tls_server...) or an "
                f"ssl.SSLContext, not {value!r}"
            )
        self._native = _new_native(_method(value))
        # Asio's default: the peer is not verified until set_verify_mode says so.
        self._native.check_hostname = False
        self._native.verify_mode = _ssl.CERT_NONE

    @classmethod
    def from_native(cls, native: _ssl.SSLContext) -> context:
        """Wrap an existing ``ssl.SSLContext`` (Asio's constructor from a native handle).

        The context keeps every setting it has (``ssl.create_default_context()``
        verifies the server and its host name, say); the methods of this class change
        it in place.

        Raises:
            TypeError: ``native`` is not an ``ssl.SSLContext``.
        """
        if not isinstance(native, _ssl.SSLContext):
            raise TypeError(f"context.from_native() needs an ssl.SSLContext, not {native!r}")
        return cls(native)

    def native_handle(self) -> _ssl.SSLContext:
        """The ``ssl.SSLContext`` (Asio's ``SSL_CTX*``)."""
        return self._native

    # -- options ----------------------------------------------------------------------------

    def set_options(self, options: int) -> None:
        """Turn on options: ``default_workarounds | no_compression | no_tlsv1 ...``.

        The protocol-version flags become a minimum/maximum version when the versions
        left form a range (the ``ssl`` module deprecates the flags themselves);
        ``no_sslv2``/``no_sslv3`` have nothing left to disable.

        Raises:
            TypeError: ``options`` is not an int.
        """
        options = _check_int(options, "set_options")
        native = self._native
        disabled = {v for flag, v in _VERSION_FLAGS if options & flag}
        rest = options & ~(_OLD_FLAGS | sum(flag for flag, _ in _VERSION_FLAGS))
        if disabled:
            self._disable_versions(disabled)
        if rest & ~int(native.options):
            native.options |= rest

    def clear_options(self, options: int) -> None:
        """Turn options off (OpenSSL's ``SSL_CTX_clear_options``).

        A version limit set by :meth:`set_options` through the minimum/maximum version
        stays; change ``native_handle().minimum_version`` for that.

        Raises:
            TypeError: ``options`` is not an int.
        """
        options = _check_int(options, "clear_options")
        native = self._native
        native.options &= ~options

    def _disable_versions(self, disabled: set[_ssl.TLSVersion]) -> None:
        native = self._native
        low = native.minimum_version
        high = native.maximum_version
        lo_i = 0 if low == _ssl.TLSVersion.MINIMUM_SUPPORTED else _VERSION_ORDER.index(low)
        hi_i = (
            len(_VERSION_ORDER) - 1
            if high == _ssl.TLSVersion.MAXIMUM_SUPPORTED
            else _VERSION_ORDER.index(high)
        )
        allowed = [v for v in _VERSION_ORDER[lo_i : hi_i + 1] if v not in disabled]
        if not allowed:
            raise ValueError("set_options: every TLS version would be disabled")
        first = _VERSION_ORDER.index(allowed[0])
        last = _VERSION_ORDER.index(allowed[-1])
        if last - first + 1 != len(allowed):
            # A hole in the range: only the deprecated flag can say that.
            native.options |= sum(flag for flag, v in _VERSION_FLAGS if v in disabled)
            return
        if first > lo_i:
            native.minimum_version = allowed[0]
        if last < hi_i:
            native.maximum_version = allowed[-1]

    # -- verification -----------------------------------------------------------------------

    def set_verify_mode(self, mode: int) -> None:
        """Set how the peer is verified: ``verify_none``, or ``verify_peer`` (``|`` flags).

        ``verify_none`` also turns off the host-name check of a wrapped context.

        Raises:
            TypeError: ``mode`` is not an int.
            ValueError: unknown bits are set.
        """
        mode = _check_verify_mode(mode, "set_verify_mode")
        native = self._native
        if not mode & verify_peer:
            native.check_hostname = False
        native.verify_mode = _cert_reqs(mode)

    def set_verify_callback(self, callback: host_name_verification) -> None:
        """Check the host name of every stream's peer (``ssl.host_name_verification``).

        Only :class:`~asiolike.ssl.host_name_verification` is supported: the ``ssl``
        module runs no Python code during certificate verification. A stream's own
        :meth:`~asiolike.ssl.stream.set_verify_callback` takes precedence.

        Raises:
            TypeError: ``callback`` is not a ``host_name_verification``.
        """
        self._verify_host = _check_verify_callback(callback, "context.set_verify_callback")

    def load_verify_file(self, filename: str | os.PathLike[str]) -> None:
        """Trust the CA certificates in a PEM file.

        Raises:
            system_error: the file cannot be read or holds no certificate.
        """
        self._call("load_verify_file", self._native.load_verify_locations, cafile=filename)

    def add_verify_path(self, path: str | os.PathLike[str]) -> None:
        """Trust the CA certificates of a hashed directory (``c_rehash`` layout).

        Raises:
            system_error: the directory cannot be used.
        """
        self._call("add_verify_path", self._native.load_verify_locations, capath=path)

    def set_default_verify_paths(self) -> None:
        """Trust the system's default CA certificates.

        Raises:
            system_error: OpenSSL could not set the paths.
        """
        self._call("set_default_verify_paths", self._native.set_default_verify_paths)

    def add_certificate_authority(self, ca: Buffer | str) -> None:
        """Trust one CA certificate given in memory (PEM text, or DER bytes).

        Raises:
            system_error: the data holds no certificate.
            TypeError: ``ca`` is not bytes-like or a str.
        """
        data = pem_or_der(ca, "add_certificate_authority")
        if isinstance(data, bytes) and b"-----BEGIN" in data:
            self._call(
                "add_certificate_authority",
                self._native.load_verify_locations,
                cadata=data.decode("ascii", "replace"),
            )
        else:
            self._call("add_certificate_authority", self._native.load_verify_locations, cadata=data)

    # -- our certificate and key ------------------------------------------------------------

    def use_certificate_chain_file(self, filename: str | os.PathLike[str]) -> None:
        """Use the certificate chain in a PEM file (our certificate first, then CAs).

        Raises:
            system_error: the file cannot be read, or (once the key is known) the key
                does not match the certificate.
        """
        self._set_chain((os.fspath(filename), None), "use_certificate_chain_file")

    def use_certificate_chain(self, chain: Buffer | str) -> None:
        """Use a certificate chain given in memory, in PEM form.

        Raises:
            system_error: as :meth:`use_certificate_chain_file`.
        """
        self._set_chain(("", pem_bytes(chain, "use_certificate_chain")), "use_certificate_chain")

    def use_certificate_file(self, filename: str | os.PathLike[str], fmt: _file_format) -> None:
        """Use the certificate in a file (PEM or ASN.1/DER), without a chain.

        Raises:
            system_error: as :meth:`use_certificate_chain_file`.
        """
        fmt = _file_format(fmt)
        if fmt == _file_format.pem:
            self._set_chain((os.fspath(filename), None), "use_certificate_file")
            return
        der = read_file(filename, "use_certificate_file")
        self._set_chain(("", _ssl.DER_cert_to_PEM_cert(der).encode()), "use_certificate_file")

    def use_certificate(self, certificate: Buffer | str, fmt: _file_format) -> None:
        """Use a certificate given in memory (PEM or ASN.1/DER).

        Raises:
            system_error: as :meth:`use_certificate_chain_file`.
        """
        if _file_format(fmt) == _file_format.pem:
            self._set_chain(("", pem_bytes(certificate, "use_certificate")), "use_certificate")
            return
        der = bytes(pem_or_der(certificate, "use_certificate"))
        self._set_chain(("", _ssl.DER_cert_to_PEM_cert(der).encode()), "use_certificate")

    def use_private_key_file(self, filename: str | os.PathLike[str], fmt: _file_format) -> None:
        """Use the private key in a file (PEM, or ASN.1/DER PKCS#8).

        Raises:
            system_error: the file cannot be read, the key is encrypted and no password
                callback gives its password, or it does not match the certificate.
        """
        if _file_format(fmt) == _file_format.pem:
            self._set_key((os.fspath(filename), None), "use_private_key_file")
            return
        der = read_file(filename, "use_private_key_file")
        self._set_key(("", armor(der, "PRIVATE KEY")), "use_private_key_file")

    def use_private_key(self, key: Buffer | str, fmt: _file_format) -> None:
        """Use a private key given in memory (PEM, or ASN.1/DER PKCS#8).

        Raises:
            system_error: as :meth:`use_private_key_file`.
        """
        if _file_format(fmt) == _file_format.pem:
            self._set_key(("", pem_bytes(key, "use_private_key")), "use_private_key")
            return
        der = bytes(pem_or_der(key, "use_private_key"))
        self._set_key(("", armor(der, "PRIVATE KEY")), "use_private_key")

    def use_rsa_private_key_file(self, filename: str | os.PathLike[str], fmt: _file_format) -> None:
        """Use an RSA private key in a file (PEM, or ASN.1/DER PKCS#1).

        Raises:
            system_error: as :meth:`use_private_key_file`.
        """
        if _file_format(fmt) == _file_format.pem:
            self._set_key((os.fspath(filename), None), "use_rsa_private_key_file")
            return
        der = read_file(filename, "use_rsa_private_key_file")
        self._set_key(("", armor(der, "RSA PRIVATE KEY")), "use_rsa_private_key_file")

    def use_tmp_dh_file(self, filename: str | os.PathLike[str]) -> None:
        """Use Diffie-Hellman parameters from a PEM file (for DHE cipher suites).

        Raises:
            system_error: the file cannot be read or holds no parameters.
        """
        self._call("use_tmp_dh_file", self._native.load_dh_params, os.fspath(filename))

    def use_tmp_dh(self, params: Buffer | str) -> None:
        """Use Diffie-Hellman parameters given in memory, in PEM form.

        Raises:
            system_error: the data holds no parameters.
        """
        data = pem_bytes(params, "use_tmp_dh")
        with material_file(data) as path:
            self._call("use_tmp_dh", self._native.load_dh_params, path)

    def set_password_callback(self, callback: PasswordCallback) -> None:
        """Give the password of an encrypted private key: ``callback(max_length, purpose)``.

        Set it before the key is loaded.

        Raises:
            TypeError: ``callback`` is not callable.
        """
        if not callable(callback):
            raise TypeError(f"set_password_callback needs a callable, not {callback!r}")
        self._password_cb = callback

    # -- internals --------------------------------------------------------------------------

    def _set_chain(self, chain: _Source, who: str) -> None:
        if chain[0] and not os.path.exists(chain[0]):
            raise system_error(from_errno(2), who)
        self._chain = chain
        if self._key is not None:
            self._load_pair(who, True)
            return
        # A file holding the key as well is complete by itself; otherwise wait for the key.
        try:
            self._load_pair(who, False)
        except system_error:
            pass

    def _set_key(self, key: _Source, who: str) -> None:
        if key[0] and not os.path.exists(key[0]):
            raise system_error(from_errno(2), who)
        self._key = key
        if self._chain is not None:
            self._load_pair(who, True)

    def _load_pair(self, who: str, with_key: bool) -> None:
        chain = self._chain
        assert chain is not None
        key_src = self._key if with_key else None
        password: Callable[[], str | bytes] | None = None
        cb = self._password_cb
        if cb is not None:
            password = lambda: cb(1024, _password_purpose.for_reading)  # noqa: E731
        with (
            material_file(chain[1]) as chain_tmp,
            material_file(None if key_src is None else key_src[1]) as key_tmp,
        ):
            certfile = chain[0] or chain_tmp
            keyfile = None if key_src is None else key_src[0] or key_tmp
            self._call(who, self._native.load_cert_chain, certfile, keyfile, password)

    def _call(self, who: str, fn: Callable[..., object], *args: object, **kw: object) -> None:
        try:
            fn(*args, **kw)
        except _ssl.SSLError as exc:
            raise system_error(make_error_code(exc), who) from None
        except OSError as exc:
            raise system_error(from_errno(exc.errno or 5), who) from None

    def _make_engine(
        self,
        server: bool,
        host: str | None,
        verify_host: host_name_verification | None,
        mode: int | None,
    ) -> engine:
        """A new engine for a stream: its ``SSLObject`` made with the stream's settings.

        Raises:
            ValueError: the settings cannot be honoured (see the messages).
            RuntimeError: the context is for the other role.
        """
        native = self._native
        if verify_host is None:
            verify_host = self._verify_host
        cert_reqs = native.verify_mode if mode is None else _cert_reqs(mode)
        check = native.check_hostname
        name = host
        if server:
            name = None
        else:
            if verify_host is not None:
                if name is not None and name != verify_host.host():
                    raise ValueError(
                        f"async_handshake: the server name {name!r} (set_server_name) and "
                        f"the verified host {verify_host.host()!r} (host_name_verification) "
                        "differ; the ssl module sends and checks one name: use the same"
                    )
                name = verify_host.host()
                check = True
            if cert_reqs == _ssl.CERT_NONE:
                check = False  # as in Asio: no verification, no name check either
            if check and name is None:
                raise ValueError(
                    "async_handshake: this context checks the server's host name "
                    "(check_hostname is True) but the stream has none: call "
                    "stream.set_server_name(host) or stream.set_verify_callback("
                    "ssl.host_name_verification(host)) before the handshake"
                )
        incoming = _ssl.MemoryBIO()
        outgoing = _ssl.MemoryBIO()
        with _wrap_lock:
            old_check = native.check_hostname
            old_reqs = native.verify_mode
            swap = (not server and check != old_check) or cert_reqs != old_reqs
            try:
                if swap:
                    native.check_hostname = False
                    native.verify_mode = cert_reqs
                    native.check_hostname = check
                obj = native.wrap_bio(incoming, outgoing, server_side=server, server_hostname=name)
            except _ssl.SSLError as exc:
                role = "server" if server else "client"
                raise RuntimeError(
                    f"async_handshake: cannot start a {role} handshake with this context "
                    f"({exc.args[-1] if exc.args else exc}); make the context with "
                    f"ssl.context.tls_{role} or ssl.context.tls"
                ) from None
            finally:
                if swap:
                    native.check_hostname = False
                    native.verify_mode = old_reqs
                    native.check_hostname = old_check
        return engine(obj, incoming, outgoing)

    def __repr__(self) -> str:
        native = self._native
        return (
            f"<asiolike.ssl.context protocol={native.protocol.name} "
            f"verify_mode={native.verify_mode.name} check_hostname={native.check_hostname}>"
        )


# -- module helpers ---------------------------------------------------------------------------


def _new_native(method: _method) -> _ssl.SSLContext:
    name = method.name
    base, _, role = name.partition("_")
    if base in ("sslv2", "sslv3"):
        raise ValueError(
            f"ssl.context: {name} is not available (OpenSSL no longer has SSL 2 or 3); "
            "use ssl.context.tls_client or ssl.context.tls_server"
        )
    native: _ssl.SSLContext
    if role == "client":
        native = _ssl.SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
    elif role == "server":
        native = _ssl.SSLContext(_ssl.PROTOCOL_TLS_SERVER)
    else:
        with _legacy_lock, warnings.catch_warnings():
            # The one protocol that serves both roles is deprecated, not going away soon.
            warnings.simplefilter("ignore", DeprecationWarning)
            native = _ssl.SSLContext(_ssl.PROTOCOL_TLS)
    version = _FIXED_VERSIONS.get(base)
    if version is not None:
        native.minimum_version = version
        native.maximum_version = version
    return native


def _cert_reqs(mode: int) -> _ssl.VerifyMode:
    if not mode & verify_peer:
        return _ssl.CERT_NONE
    if mode & verify_fail_if_no_peer_cert:
        return _ssl.CERT_REQUIRED
    return _ssl.CERT_OPTIONAL


def _check_int(value: object, who: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{who}: expected an int bitmask, not {value!r}")
    return int(value)


def _check_verify_mode(mode: object, who: str) -> int:
    value = _check_int(mode, who)
    if value & ~_VERIFY_BITS or value < 0:
        raise ValueError(
            f"{who}: unknown verify mode {value:#x}; combine ssl.verify_none, verify_peer, "
            "verify_fail_if_no_peer_cert and verify_client_once"
        )
    return value


def _check_verify_callback(callback: object, who: str) -> host_name_verification:
    if isinstance(callback, host_name_verification):
        return callback
    raise TypeError(
        f"{who}: only ssl.host_name_verification(host) is supported, not {callback!r}: "
        "the standard library's ssl module runs no Python code during certificate "
        "verification. Inspect the certificate after the handshake instead "
        "(stream.native_handle().getpeercert())"
    )
