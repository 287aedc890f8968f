"""Example: WebSocket client over TLS, asynchronous (Beast's ``websocket_client_async_ssl.cpp``).

Connects to ``wss://<host>:<port>/``, sends ``<text>`` as one message, prints the message
the server answers with, and closes the connection cleanly (WebSocket close, then TLS
shutdown)::

    python examples/websocket_client_async_ssl.py echo.example.com 443 "Hello, world!"
    python examples/websocket_client_async_ssl.py localhost 8443 "Hi" --ca-file ca.pem

The server's certificate is verified against the system's trusted CAs, or against the
CAs in ``--ca-file`` (Beast's example loads a built-in set), and must be valid for
``<host>``.

The stream is ``websocket.stream(beast.ssl_stream(...))``: Beast's
``websocket::stream<beast::ssl_stream<beast::tcp_stream>>``. The ``session`` keeps Beast's
shape: one method per step, each the completion handler of the step before.

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
from asiolike.beast import http, websocket
from asiolike.ip import tcp

_USER_AGENT = f"asiolike/{net.__version__} websocket-client-async-ssl"


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


class session:
    """Sends a WebSocket message over TLS and prints the response.

    Args:
        ioc: The io_context running the session; the resolver and the stream each get a
            strand of it, as in Beast.
        ctx: The TLS context (trusted CAs, verification mode).
    """

    def __init__(self, ioc: net.io_context, ctx: ssl.context) -> None:
        self.resolver = tcp.resolver(net.make_strand(ioc))
        self.ws = websocket.stream(beast.ssl_stream(net.make_strand(ioc), ctx))
        self.buffer = beast.flat_buffer()
        self.host = ""
        self.text = ""

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        beast.get_lowest_layer(self.ws).close()

    def run(self, host: str, port: str, text: str) -> None:
        """Start the conversation: resolve, connect, TLS, WebSocket, write, read, close."""
        # Kept for later steps: the Host field of the handshake, and the message.
        self.host = host
        self.text = text

        # Look up the domain name.
        self.resolver.async_resolve(host, port, self.on_resolve)

    def on_resolve(self, ec: net.error_code, results: tcp.resolver.results_type) -> None:
        if ec:
            return self.fail(ec, "resolve")

        # Set a timeout on the operation.
        beast.get_lowest_layer(self.ws).expires_after(30)

        # Make the connection on the IP address we get from a lookup.
        beast.get_lowest_layer(self.ws).async_connect(results, self.on_connect)

    def on_connect(self, ec: net.error_code, ep: tcp.endpoint | None) -> None:
        if ec:
            return self.fail(ec, "connect")
        assert ep is not None

        # Set a timeout on the TLS handshake.
        beast.get_lowest_layer(self.ws).expires_after(30)

        # Set SNI Hostname (many hosts need this to handshake successfully).
        try:
            self.ws.next_layer().set_server_name(self.host)
        except ValueError as e:
            print(f"set_server_name: {e}", file=sys.stderr)
            beast.get_lowest_layer(self.ws).close()
            return

        # Set the expected hostname in the peer certificate for verification.
        self.ws.next_layer().set_verify_callback(ssl.host_name_verification(self.host))

        # The Host field of the upgrade request carries the port too.
        self.host += f":{ep.port()}"

        # Perform the TLS handshake.
        self.ws.next_layer().async_handshake(ssl.stream_base.client, self.on_ssl_handshake)

    def on_ssl_handshake(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "ssl_handshake")

        # Turn off the tcp_stream's timeout: the websocket stream has its own.
        beast.get_lowest_layer(self.ws).expires_never()

        # Beast's suggested timeouts for a client.
        self.ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.client))

        # Say who we are in the upgrade request.
        def decorate(req: websocket.request_type) -> None:
            req.set(http.field.user_agent, _USER_AGENT)

        self.ws.set_option(websocket.stream_base.decorator(decorate))

        # Perform the websocket handshake.
        self.ws.async_handshake(self.host, "/", self.on_handshake)

    def on_handshake(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "handshake")

        # Send the message.
        self.ws.async_write(self.text, self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.fail(ec, "write")

        # Read a message into our buffer.
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.fail(ec, "read")

        # Close the WebSocket connection (and then TLS, and the socket).
        self.ws.async_close(websocket.close_code.normal, self.on_close)

    def on_close(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "close")

        # If we get here then the connection is closed gracefully.

        # The make_printable() function helps print a ConstBufferSequence.
        print(beast.make_printable(self.buffer.data()))


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
    if len(args) != 3:
        print(
            "Usage: websocket_client_async_ssl.py <host> <port> <text> "
            "[--ca-file <CA certificates.pem>]\n"
            "Example:\n"
            '    websocket_client_async_ssl.py echo.example.com 443 "Hello, world!"',
            file=sys.stderr,
        )
        return 1
    host, port, text = args

    # The io_context is required for all I/O.
    ioc = net.io_context()

    # The TLS context is required, and holds the trusted certificates.
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
    session(ioc, ctx).run(host, port, text)

    # Run the I/O service. The call will return when the socket is closed.
    ioc.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
