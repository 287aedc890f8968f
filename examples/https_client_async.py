"""Example: HTTPS client, asynchronous (Beast's ``http_client_async_ssl.cpp``).

Sends a GET request for ``<target>`` to ``<host>:<port>`` over TLS and prints the
response::

    python examples/https_client_async.py www.example.com 443 /
    python examples/https_client_async.py localhost 8443 / 1.1 --ca-file ca.pem

The server's certificate is verified against the system's trusted CAs, or against the
CAs in ``--ca-file`` (Beast's example loads a built-in set of root certificates), and
must be valid for ``<host>``.

The ``session`` keeps Beast's shape: one method per step (resolve, connect, TLS
handshake, write, read, TLS shutdown), each the completion handler of the step before,
and one ``fail(ec, what)`` that reports an error.

One departure from the C++: a step that fails calls ``self.fail(ec, what)``, which reports
with the module's ``fail`` and closes the connection at once. In C++ the session's
destructor closes the socket when its last handler lets go; a Python session freed by
reference counting does too, but one that sits in a reference cycle would keep its
descriptor until the garbage collector runs.
"""

from __future__ import annotations

import sys

import asiolike as net
from asiolike import beast, ssl
from asiolike.beast import http
from asiolike.ip import tcp

_USER_AGENT = f"asiolike/{net.__version__} https-client-async"


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


class session:
    """Performs one HTTPS GET and prints the response.

    Args:
        ioc: The io_context running the session; the resolver and the stream each get a
            strand of it, as in Beast.
        ctx: The TLS context (trusted CAs, verification mode).
    """

    def __init__(self, ioc: net.io_context, ctx: ssl.context) -> None:
        self.resolver = tcp.resolver(net.make_strand(ioc))
        self.stream = beast.ssl_stream(net.make_strand(ioc), ctx)
        self.buffer = beast.flat_buffer()  # (Must persist between reads)
        self.req = http.request()
        self.res = http.response()

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        beast.get_lowest_layer(self.stream).close()

    def run(self, host: str, port: str, target: str, version: int) -> None:
        """Start the operation: resolve, connect, handshake, write, read, shut down."""
        # Set SNI Hostname (many hosts need this to handshake successfully).
        try:
            self.stream.set_server_name(host)
        except ValueError as e:
            print(f"set_server_name: {e}", file=sys.stderr)
            return

        # Set the expected hostname in the peer certificate for verification.
        self.stream.set_verify_callback(ssl.host_name_verification(host))

        # Set up an HTTP GET request message.
        self.req.version(version)
        self.req.method(http.verb.get)
        self.req.target(target)
        self.req.set(http.field.host, host)
        self.req.set(http.field.user_agent, _USER_AGENT)

        # Look up the domain name.
        self.resolver.async_resolve(host, port, self.on_resolve)

    def on_resolve(self, ec: net.error_code, results: tcp.resolver.results_type) -> None:
        if ec:
            return self.fail(ec, "resolve")

        # Set a timeout on the operation.
        beast.get_lowest_layer(self.stream).expires_after(30)

        # Make the connection on the IP address we get from a lookup.
        beast.get_lowest_layer(self.stream).async_connect(results, self.on_connect)

    def on_connect(self, ec: net.error_code, ep: tcp.endpoint | None) -> None:
        if ec:
            return self.fail(ec, "connect")

        # Perform the TLS handshake (the tcp_stream's timeout still runs).
        self.stream.async_handshake(ssl.stream_base.client, self.on_handshake)

    def on_handshake(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "handshake")

        # Set a timeout on the operation.
        beast.get_lowest_layer(self.stream).expires_after(30)

        # Send the HTTP request to the remote host.
        http.async_write(self.stream, self.req, self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.fail(ec, "write")

        # Receive the HTTP response.
        http.async_read(self.stream, self.buffer, self.res, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.fail(ec, "read")

        # Write the message to standard out.
        print(beast.make_printable(http.to_bytes(self.res)))

        # Set a timeout on the operation.
        beast.get_lowest_layer(self.stream).expires_after(30)

        # Gracefully close the stream.
        self.stream.async_shutdown(self.on_shutdown)

    def on_shutdown(self, ec: net.error_code) -> None:
        # ssl.error.stream_truncated (an SSL "short read") means the peer closed the
        # connection without TLS's closing handshake, as many servers do. HTTP marks the
        # end of its messages itself (a cut-off message is http.error.partial_message),
        # so after a complete response it is safe to ignore.
        beast.get_lowest_layer(self.stream).close()
        if ec and ec != ssl.error.stream_truncated:
            return fail(ec, "shutdown")

        # If we get here then the connection is closed gracefully.


def main(argv: list[str]) -> int:
    """Run the example; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once the session ended (as the C++, also after a failure it
        reported), 1 for a wrong command line or an unreadable CA file.
    """
    args = list(argv)
    ca_file: str | None = None
    if "--ca-file" in args:
        i = args.index("--ca-file")
        if i + 1 >= len(args):
            args = []  # show the usage
        else:
            ca_file = args[i + 1]
            del args[i : i + 2]
    if len(args) not in (3, 4):
        print(
            "Usage: https_client_async.py <host> <port> <target> "
            "[<HTTP version: 1.0 or 1.1(default)>] [--ca-file <CA certificates.pem>]\n"
            "Example:\n"
            "    https_client_async.py www.example.com 443 /\n"
            "    https_client_async.py www.example.com 443 / 1.0",
            file=sys.stderr,
        )
        return 1
    host, port, target = args[:3]
    version = 10 if len(args) == 4 and args[3] == "1.0" else 11

    # The io_context is required for all I/O.
    ioc = net.io_context()

    # The TLS context is required, and holds the trusted certificates. (Beast's example
    # pins TLS 1.2 with tlsv12_client; tls_client negotiates the best version.)
    ctx = ssl.context(ssl.context.tls_client)
    try:
        if ca_file is None:
            ctx.set_default_verify_paths()
        else:
            ctx.load_verify_file(ca_file)
    except net.system_error as e:
        fail(e.code, "load_verify_file")
        return 1

    # Verify the remote server's certificate.
    ctx.set_verify_mode(ssl.verify_peer)

    # Launch the asynchronous operation.
    session(ioc, ctx).run(host, port, target, version)

    # Run the I/O service. The call will return when the get operation is complete.
    ioc.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
