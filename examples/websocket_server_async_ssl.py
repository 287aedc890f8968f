"""Example: WebSocket server over TLS, asynchronous (Beast's ``websocket_server_async_ssl.cpp``).

Echoes every message it receives over ``wss://``, text as text and binary as binary::

    python examples/websocket_server_async_ssl.py 0.0.0.0 8443 1 server.pem server.key

Arguments: the address to listen on, the port (0 picks a free one), the number of
threads that run the io_context, and the server's certificate chain and private key (PEM
files; Beast's example compiles a test certificate in). Once listening it prints
``listening on <address>:<port>``, with the port actually bound, so that a script or a
test can wait for that line and connect.

Each connection gets a ``session`` on a strand of its own, with a
``websocket.stream(beast.ssl_stream(...))``: the TLS handshake first (bounded by the
tcp_stream's timeout), then the WebSocket handshake, then the echo loop. When the client
closes, the stream shuts TLS down and closes the socket.

One departure from the C++: a step that fails calls ``self.fail(ec, what)``, which reports
with the module's ``fail`` and closes the connection at once. In C++ the session's
destructor closes the socket when its last handler lets go; a Python session freed by
reference counting does too, but one that sits in a reference cycle would keep its
descriptor until the garbage collector runs.

When ``accept`` fails, the listener reports it and stops accepting, as Beast's does: a
failure such as ``no_descriptors`` (``ulimit -n`` reached) would fail again at once, and
retrying at once would spin at 100% CPU. The process keeps serving the connections it
has; restart it to accept again. ``python -m asiolike serve`` shows the alternative: it
backs off (0.1 s doubling to 1 s) and accepts again once descriptors are free.
"""

from __future__ import annotations

import sys
import threading

import asiolike as net
from asiolike import beast, ssl
from asiolike.beast import http, websocket
from asiolike.ip import make_address, tcp

_SERVER = f"asiolike/{net.__version__} websocket-server-async-ssl"


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


class session:
    """Echoes back all received WebSocket messages, over TLS.

    Args:
        socket: The accepted connection; the session owns it from now on. Its executor
            (a strand, see :class:`listener`) runs every handler of the session.
        ctx: The server's TLS context (certificate and key).
    """

    def __init__(self, socket: tcp.socket, ctx: ssl.context) -> None:
        self.ws = websocket.stream(beast.ssl_stream(socket, ctx))
        self.buffer = beast.flat_buffer()

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        beast.get_lowest_layer(self.ws).close()

    def run(self) -> None:
        """Start the session on its strand."""
        # The I/O objects of the session may only be used from within its strand.
        net.dispatch(self.ws.get_executor(), self.on_run)

    def on_run(self) -> None:
        # Set the timeout of the TLS handshake.
        beast.get_lowest_layer(self.ws).expires_after(30)

        # Perform the TLS handshake.
        self.ws.next_layer().async_handshake(ssl.stream_base.server, self.on_handshake)

    def on_handshake(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "handshake")

        # Turn off the tcp_stream's timeout: the websocket stream has its own.
        beast.get_lowest_layer(self.ws).expires_never()

        # Beast's suggested timeouts for a server.
        self.ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.server))

        # Say who we are in the upgrade response.
        def decorate(res: websocket.response_type) -> None:
            res.set(http.field.server, _SERVER)

        self.ws.set_option(websocket.stream_base.decorator(decorate))

        # Accept the websocket handshake.
        self.ws.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "accept")

        self.do_read()

    def do_read(self) -> None:
        # Read a message into our buffer.
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        # The peer closed the session: nothing left to do.
        if ec == websocket.error.closed:
            return

        if ec:
            return self.fail(ec, "read")

        # Echo the message, as text if it came as text.
        self.ws.text(self.ws.got_text())
        self.ws.async_write(self.buffer.data(), self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.fail(ec, "write")

        # Clear the buffer.
        self.buffer.consume(self.buffer.size())

        # Do another read.
        self.do_read()


class listener:
    """Accepts incoming connections and launches the sessions.

    Args:
        ioc: The io_context running the listener and the sessions.
        ctx: The server's TLS context, shared by the sessions.
        endpoint: Where to listen (port 0: a free port, see :meth:`local_endpoint`).
    """

    def __init__(self, ioc: net.io_context, ctx: ssl.context, endpoint: tcp.endpoint) -> None:
        self.ioc = ioc
        self.ctx = ctx
        self.acceptor = tcp.acceptor(ioc)

        try:
            self.acceptor.open(endpoint.protocol())
        except net.system_error as e:
            return fail(e.code, "open")

        try:
            # Allow address reuse, so that a restarted server can bind at once.
            self.acceptor.set_option(net.socket_base.reuse_address(True))
            self.acceptor.bind(endpoint)
            self.acceptor.listen(net.socket_base.max_listen_connections)
        except net.system_error as e:
            fail(e.code, "listen")
            self.acceptor.close()

    def local_endpoint(self) -> tcp.endpoint:
        """The endpoint bound, with the port the system chose for port 0."""
        return self.acceptor.local_endpoint()

    def run(self) -> None:
        """Start accepting incoming connections."""
        if not self.acceptor.is_open():
            return
        self.do_accept()

    def do_accept(self) -> None:
        # The new connection gets its own strand.
        self.acceptor.async_accept(net.make_strand(self.ioc), self.on_accept)

    def on_accept(self, ec: net.error_code, socket: tcp.socket) -> None:
        if ec:
            fail(ec, "accept")
            return  # no retry: a failing acceptor would fail again at once, forever

        # Create the session and run it.
        session(socket, self.ctx).run()

        # Accept another connection.
        self.do_accept()


def main(argv: list[str]) -> int:
    """Run the server until the process is stopped; ``argv`` lacks the program name.

    Returns:
        The exit status: 1 for a wrong command line, an address that does not parse or a
        certificate/key that does not load; 0 when the io_context ran out of work.
    """
    if len(argv) != 5:
        print(
            "Usage: websocket_server_async_ssl.py <address> <port> <threads> "
            "<certificate chain.pem> <private key.pem>\n"
            "Example:\n"
            "    websocket_server_async_ssl.py 0.0.0.0 8443 1 server.pem server.key",
            file=sys.stderr,
        )
        return 1
    try:
        address = make_address(argv[0])
        port = int(argv[1])
        threads = max(1, int(argv[2]))
    except (ValueError, OSError) as e:
        print(f"websocket_server_async_ssl.py: {e}", file=sys.stderr)
        return 1

    # The io_context is required for all I/O.
    ioc = net.io_context(threads)

    # The TLS context is required, and holds the certificate and key.
    ctx = ssl.context(ssl.context.tls_server)
    try:
        ctx.use_certificate_chain_file(argv[3])
        ctx.use_private_key_file(argv[4], ssl.context.pem)
    except net.system_error as e:
        fail(e.code, "certificate")
        return 1

    # Create and launch a listening port.
    lst = listener(ioc, ctx, tcp.endpoint(address, port))
    if lst.acceptor.is_open():
        ep = lst.local_endpoint()
        print(f"listening on {ep.address()}:{ep.port()}", flush=True)
    lst.run()

    # Run the I/O service on the requested number of threads.
    v = [threading.Thread(target=ioc.run, daemon=True) for _ in range(threads - 1)]
    for t in v:
        t.start()
    ioc.run()
    for t in v:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
