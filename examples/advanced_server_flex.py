"""Example: advanced server, flex (Beast's ``advanced/server-flex/advanced_server_flex.cpp``).

HTTP and WebSocket, plain and TLS, all on one port::

    python examples/advanced_server_flex.py 0.0.0.0 8080 . 1 server.pem server.key

Arguments: the address to listen on, the port (0 picks a free one), the document root,
the number of threads that run the io_context, and the server's certificate chain and
private key (PEM files; Beast's example compiles a test certificate in). Once listening it
prints ``listening on <address>:<port>`` with the port actually bound.

Each connection starts in a ``detect_session``: ``beast.async_detect_ssl`` reads just
enough octets to tell a TLS ClientHello from anything else, and those octets stay in the
session's buffer. A plain client gets a ``plain_http_session`` that parses them as the
start of its first request; a TLS client gets an ``ssl_http_session`` whose handshake
starts from them (``async_handshake(server, buffer.data(), handler(ec, bytes_used))``,
then ``buffer.consume(bytes_used)``). Both serve files as ``http_server_async`` does
(its ``handle_request``, ``file_body`` and all), queue up to 8 responses so that a
client may pipeline, and hand an upgrade request (``websocket.is_upgrade``) to a
WebSocket session that accepts it (``async_accept(req)``) and echoes every message.

As in Beast, the HTTP and WebSocket sessions share their logic: a base class holds it
(Beast's CRTP base), the plain and TLS subclasses say how to reach the stream, how to end
the connection and how to make the WebSocket session.

One departure from the C++: a step that fails calls ``self.fail(ec, what)``, which reports
with the module's ``fail`` and closes the connection at once. In C++ the session's
destructor closes the socket when its last handler lets go; a Python session freed by
reference counting does too, but one that sits in a reference cycle would keep its
descriptor until the garbage collector runs.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections import deque
from typing import Any

from http_server_async import handle_request

import asiolike as net
from asiolike import beast, ssl
from asiolike.beast import http, websocket
from asiolike.ip import make_address, tcp

_SERVER = f"asiolike/{net.__version__} advanced-server-flex"


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``."""
    # ssl.error.stream_truncated: the peer closed the TLS connection without close_notify,
    # which many clients do; it is not worth a line, as Beast's example says.
    if ec == ssl.error.stream_truncated:
        return
    print(f"{what}: {ec.message()}", file=sys.stderr)


# ------------------------------------------------------------------------------------------


class websocket_session:
    """Echoes back all received WebSocket messages (the shared part of both kinds)."""

    def __init__(self, ws: websocket.stream[Any]) -> None:  # over a tcp_stream or ssl_stream
        self.ws = ws
        self.buffer = beast.flat_buffer()

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        beast.get_lowest_layer(self.ws).close()

    def run(self, req: http.request) -> None:
        """Accept the upgrade request ``req`` already read by the HTTP session."""
        # Turn off the tcp_stream's timeout: the websocket stream has its own.
        beast.get_lowest_layer(self.ws).expires_never()

        # Beast's suggested timeouts for a server.
        self.ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.server))

        # Say who we are in the upgrade response.
        def decorate(res: websocket.response_type) -> None:
            res.set(http.field.server, _SERVER)

        self.ws.set_option(websocket.stream_base.decorator(decorate))

        # Accept the websocket handshake.
        self.ws.async_accept(req, self.on_accept)

    def on_accept(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "accept")
        self.do_read()

    def do_read(self) -> None:
        # Read a message into our buffer.
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        # This indicates that the websocket_session was closed.
        if ec == websocket.error.closed:
            return
        if ec:
            return self.fail(ec, "read")

        # Echo the message.
        self.ws.text(self.ws.got_text())
        self.ws.async_write(self.buffer.data(), self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.fail(ec, "write")

        # Clear the buffer and do another read.
        self.buffer.consume(self.buffer.size())
        self.do_read()


def plain_websocket_session(stream: beast.tcp_stream) -> websocket_session:
    """A WebSocket session over a plain ``tcp_stream``."""
    return websocket_session(websocket.stream(stream))


def ssl_websocket_session(stream: beast.ssl_stream) -> websocket_session:
    """A WebSocket session over TLS (closing it shuts TLS down, then the socket)."""
    return websocket_session(websocket.stream(stream))


# ------------------------------------------------------------------------------------------


class http_session:
    """Handles an HTTP connection; the plain and TLS sessions derive from it.

    Subclasses provide ``stream`` (what the requests are read from and the responses
    written to), :meth:`do_eof` and :meth:`make_websocket_session`.
    """

    #: How many responses may wait for writing before reading stops (pipelining bound).
    queue_limit = 8

    stream: Any

    def __init__(self, buffer: beast.flat_buffer, doc_root: str) -> None:
        self.buffer = buffer
        self.doc_root = doc_root
        self.response_queue: deque[http.message_generator] = deque()
        self.parser: http.request_parser | None = None

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        beast.get_lowest_layer(self.stream).close()

    def do_read(self) -> None:
        # Construct a new parser for each message.
        self.parser = http.request_parser()

        # Apply a reasonable limit to the allowed size of the body in bytes to prevent
        # abuse.
        self.parser.body_limit(10000)

        # Set the timeout.
        beast.get_lowest_layer(self.stream).expires_after(30)

        # Read a request using the parser-oriented interface.
        http.async_read(self.stream, self.buffer, self.parser, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        # This means they closed the connection.
        if ec == http.error.end_of_stream:
            return self.do_eof()
        if ec:
            return self.fail(ec, "read")
        assert self.parser is not None
        req = self.parser.release()

        # See if it is a WebSocket Upgrade.
        if websocket.is_upgrade(req):
            # The WebSocket session takes the stream over (Beast moves it out of here).
            self.make_websocket_session().run(req)
            return

        # Send the response.
        self.queue_write(handle_request(self.doc_root, req))

        # If we aren't at the queue limit, try to pipeline another request.
        if len(self.response_queue) < self.queue_limit:
            self.do_read()

    def queue_write(self, response: http.message_generator) -> None:
        # Allocate and store the work.
        self.response_queue.append(response)

        # If there was no previous work, start the write loop.
        if len(self.response_queue) == 1:
            self.do_write()

    def do_write(self) -> None:
        # Called to start/continue the write-loop; should not be called when the write loop
        # is already active.
        if self.response_queue:
            msg = self.response_queue[0]
            keep_alive = msg.keep_alive()
            beast.async_write(self.stream, msg, lambda ec, n: self.on_write(keep_alive, ec, n))

    def on_write(self, keep_alive: bool, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.fail(ec, "write")

        if not keep_alive:
            # This means we should close the connection, usually because the response
            # indicated the "Connection: close" semantic.
            return self.do_eof()

        # Resume the read if it has been paused.
        if len(self.response_queue) == self.queue_limit:
            self.do_read()

        self.response_queue.popleft()
        self.do_write()

    def do_eof(self) -> None:
        """End the connection (subclasses)."""
        raise NotImplementedError

    def make_websocket_session(self) -> websocket_session:
        """A WebSocket session that takes this session's stream over (subclasses)."""
        raise NotImplementedError


class plain_http_session(http_session):
    """Handles a plain HTTP connection."""

    def __init__(self, stream: beast.tcp_stream, buffer: beast.flat_buffer, doc_root: str):
        super().__init__(buffer, doc_root)
        self.stream = stream

    def run(self) -> None:
        """Start the session: the octets the detector read are the request's first."""
        self.do_read()

    def do_eof(self) -> None:
        # Send a TCP shutdown.
        try:
            self.stream.socket().shutdown(tcp.socket.shutdown_send)
        except net.system_error:
            pass  # the peer may already be gone

        # At this point the connection is closed gracefully.

    def make_websocket_session(self) -> websocket_session:
        return plain_websocket_session(self.stream)


class ssl_http_session(http_session):
    """Handles an HTTPS connection."""

    def __init__(
        self,
        stream: beast.tcp_stream,
        ctx: ssl.context,
        buffer: beast.flat_buffer,
        doc_root: str,
    ):
        super().__init__(buffer, doc_root)
        self.stream = beast.ssl_stream(stream, ctx)

    def run(self) -> None:
        """Start the session: the TLS handshake, from the octets the detector read."""
        # Set the timeout.
        beast.get_lowest_layer(self.stream).expires_after(30)

        # Perform the SSL handshake. Note, this is the buffered version of the handshake.
        self.stream.async_handshake(ssl.stream_base.server, self.buffer.data(), self.on_handshake)

    def on_handshake(self, ec: net.error_code, bytes_used: int) -> None:
        if ec:
            return self.fail(ec, "handshake")

        # Consume the portion of the buffer used by the handshake.
        self.buffer.consume(bytes_used)

        self.do_read()

    def do_eof(self) -> None:
        # Set the timeout.
        beast.get_lowest_layer(self.stream).expires_after(30)

        # Perform the SSL shutdown.
        self.stream.async_shutdown(self.on_shutdown)

    def on_shutdown(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "shutdown")

        # At this point the connection is closed gracefully.

    def make_websocket_session(self) -> websocket_session:
        return ssl_websocket_session(self.stream)


# ------------------------------------------------------------------------------------------


class detect_session:
    """Detects SSL handshakes."""

    def __init__(self, socket: tcp.socket, ctx: ssl.context, doc_root: str) -> None:
        self.stream = beast.tcp_stream(socket)
        self.ctx = ctx
        self.doc_root = doc_root
        self.buffer = beast.flat_buffer()

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        self.stream.close()

    def run(self) -> None:
        """Launch the detector on the session's strand."""
        # We need to be executing within a strand to perform async operations on the I/O
        # objects in this session.
        net.dispatch(self.stream.get_executor(), self.on_run)

    def on_run(self) -> None:
        # Set the timeout.
        self.stream.expires_after(30)

        beast.async_detect_ssl(self.stream, self.buffer, self.on_detect)

    def on_detect(self, ec: net.error_code, result: bool) -> None:
        if ec:
            return self.fail(ec, "detect")

        if result:
            # Launch SSL session.
            ssl_http_session(self.stream, self.ctx, self.buffer, self.doc_root).run()
            return

        # Launch plain session.
        plain_http_session(self.stream, self.buffer, self.doc_root).run()


class listener:
    """Accepts incoming connections and launches the sessions.

    A step of the setup that fails is reported with :func:`fail`; the listener then stays
    closed and :meth:`run` does nothing, as in Beast.
    """

    def __init__(
        self, ioc: net.io_context, ctx: ssl.context, endpoint: tcp.endpoint, doc_root: str
    ) -> None:
        self.ioc = ioc
        self.ctx = ctx
        self.doc_root = doc_root
        self.acceptor = tcp.acceptor(net.make_strand(ioc))
        try:
            # Open the acceptor
            self.acceptor.open(endpoint.protocol())
        except net.system_error as e:
            fail(e.code, "open")
            return
        try:
            # Allow address reuse
            self.acceptor.set_option(net.socket_base.reuse_address(True))
            # Bind to the server address
            self.acceptor.bind(endpoint)
            # Start listening for connections
            self.acceptor.listen(net.socket_base.max_listen_connections)
        except net.system_error as e:
            fail(e.code, "listen")
            self.acceptor.close()

    def local_endpoint(self) -> tcp.endpoint:
        """The endpoint bound, with the port the system chose for port 0."""
        return self.acceptor.local_endpoint()

    def run(self) -> None:
        """Start accepting incoming connections."""
        if self.acceptor.is_open():
            self.do_accept()

    def do_accept(self) -> None:
        # The new connection gets its own strand.
        self.acceptor.async_accept(net.make_strand(self.ioc), self.on_accept)

    def on_accept(self, ec: net.error_code, socket: tcp.socket) -> None:
        if ec:
            fail(ec, "accept")
            return  # no retry: a failing acceptor would fail again at once, forever

        # Create the detector session and run it.
        detect_session(socket, self.ctx, self.doc_root).run()

        # Accept another connection.
        self.do_accept()


def main(argv: list[str] | None = None) -> int:
    """Run the server; ``argv`` is the command line without the program name.

    Returns:
        1 for a wrong command line or a certificate that does not load; 0 when the
        io_context ran out of work (the C++ runs until it is killed; so does this).
    """
    parser = argparse.ArgumentParser(
        prog="advanced_server_flex.py",
        description="Beast's advanced flex server: HTTP and WebSocket, plain and TLS, one port.",
        epilog="Example: advanced_server_flex.py 0.0.0.0 8080 . 1 server.pem server.key",
    )
    parser.add_argument("address", help="the address to listen on, e.g. 0.0.0.0")
    parser.add_argument("port", type=int, help="the port to listen on (0: any free port)")
    parser.add_argument("doc_root", help="the folder to serve files from")
    parser.add_argument("threads", type=int, help="how many threads run the io_context")
    parser.add_argument("certificate", help="the server's certificate chain (PEM)")
    parser.add_argument("private_key", help="the server's private key (PEM)")
    try:
        args = parser.parse_args(argv)
        address = make_address(args.address)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 1
    except ValueError as e:
        print(f"advanced_server_flex.py: {e}", file=sys.stderr)
        return 1
    threads = max(1, args.threads)

    # The io_context is required for all I/O.
    ioc = net.io_context(threads)

    # The SSL context is required, and holds certificates.
    ctx = ssl.context(ssl.context.tls_server)
    try:
        ctx.use_certificate_chain_file(args.certificate)
        ctx.use_private_key_file(args.private_key, ssl.context.pem)
    except net.system_error as e:
        fail(e.code, "certificate")
        return 1

    # Create and launch a listening port.
    lst = listener(ioc, ctx, tcp.endpoint(address, args.port), args.doc_root)
    if lst.acceptor.is_open():
        ep = lst.local_endpoint()
        print(f"listening on {ep.address()}:{ep.port()}", flush=True)
    lst.run()

    # Run the I/O service on the requested number of threads.
    v = [threading.Thread(target=ioc.run, daemon=True) for _ in range(threads - 1)]
    for t in v:
        t.start()
    try:
        ioc.run()
    except KeyboardInterrupt:
        ioc.stop()
    for t in v:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
