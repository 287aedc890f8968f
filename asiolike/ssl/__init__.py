"""TLS for asiolike streams: Asio's ``asio::ssl`` over the standard library's ``ssl`` module.

Port Asio code by name::

    from asiolike import ssl

    ctx = ssl.context(ssl.context.tls_client)
    ctx.set_verify_mode(ssl.verify_peer)
    ctx.load_verify_file("ca.pem")
    stream = ssl.stream(tcp.socket(ioc), ctx)
    stream.set_server_name(host)                                   # SNI
    stream.set_verify_callback(ssl.host_name_verification(host))  # check the name
    stream.async_handshake(ssl.stream_base.client, on_handshake)

``beast.ssl_stream`` is the same stream over a ``beast.tcp_stream`` (Beast's
``ssl_stream``), so that the tcp_stream's timeouts cover the TLS handshake.

No third-party dependency: the TLS engine is ``ssl.SSLObject`` between two
``ssl.MemoryBIO``\\ s, driven over the next layer as Asio drives OpenSSL.
"""

from asiolike.ssl import error
from asiolike.ssl.context import (
    context,
    context_base,
    verify_client_once,
    verify_fail_if_no_peer_cert,
    verify_mode,
    verify_none,
    verify_peer,
)
from asiolike.ssl.host_name_verification import host_name_verification, rfc2818_verification
from asiolike.ssl.stream import stream, stream_base

__all__ = [
    "context",
    "context_base",
    "error",
    "host_name_verification",
    "rfc2818_verification",
    "stream",
    "stream_base",
    "verify_client_once",
    "verify_fail_if_no_peer_cert",
    "verify_mode",
    "verify_none",
    "verify_peer",
]
