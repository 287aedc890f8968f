"""Example: advanced server (Beast's ``advanced/server/advanced_server.cpp``).

HTTP and WebSocket on one port, plain TCP::

    python examples/advanced_server.py 0.0.0.0 8080 . 1

Arguments: the address to listen on, the port (0 picks a free one), the document root and
the number of threads that run the io_context. Once listening it prints ``listening on
<address>:<port>``.

Each connection gets an HTTP session that serves files (``http_server_async``'s
``handle_request``, ``file_body`` with ``os.sendfile``), queues up to 8 responses so that a
client may pipeline, and hands a WebSocket upgrade request (``websocket.is_upgrade``) to a
WebSocket session that accepts it with ``async_accept(req)`` and echoes every message.
The sessions are the plain ones of ``advanced_server_flex.py`` (Beast's two examples share
that code too, the flex one adding TLS and the detector in front), including its one
departure from the C++: a session that fails closes its connection at once.
"""

from __future__ import annotations

import argparse
import sys
import threading

from advanced_server_flex import fail, plain_http_session

import asiolike as net
from asiolike import beast
from asiolike.ip import make_address, tcp


class listener:
    """Accepts incoming connections and launches the sessions.

    A step of the setup that fails is reported with :func:`fail`; the listener then stays
    closed and :meth:`run` does nothing, as in Beast.
    """

    def __init__(self, ioc: net.io_context, endpoint: tcp.endpoint, doc_root: str) -> None:
        self.ioc = ioc
        self.doc_root = doc_root
        self.acceptor = tcp.acceptor(net.make_strand(ioc))
        try:
            # Open the acceptor
            self.acceptor.open(endpoint.protocol())
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

        # Create the http session and run it (on its strand).
        session = plain_http_session(beast.tcp_stream(socket), beast.flat_buffer(), self.doc_root)
        net.dispatch(session.stream.get_executor(), session.run)

        # Accept another connection.
        self.do_accept()


def main(argv: list[str] | None = None) -> int:
    """Run the server; ``argv`` is the command line without the program name."""
    parser = argparse.ArgumentParser(
        prog="advanced_server.py",
        description="Beast's advanced server: HTTP and WebSocket on one port.",
        epilog="Example: advanced_server.py 0.0.0.0 8080 . 1",
    )
    parser.add_argument("address", help="the address to listen on, e.g. 0.0.0.0")
    parser.add_argument("port", type=int, help="the port to listen on (0: any free port)")
    parser.add_argument("doc_root", help="the folder to serve files from")
    parser.add_argument("threads", type=int, help="how many threads run the io_context")
    try:
        args = parser.parse_args(argv)
        address = make_address(args.address)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 1
    except ValueError as e:
        print(f"advanced_server.py: {e}", file=sys.stderr)
        return 1
    threads = max(1, args.threads)

    # The io_context is required for all I/O.
    ioc = net.io_context(threads)

    # Create and launch a listening port.
    lst = listener(ioc, tcp.endpoint(address, args.port), args.doc_root)
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
