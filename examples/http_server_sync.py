"""Example: HTTP server, synchronous (Beast's ``http/server/sync/http_server_sync.cpp``).

Serves the files under a folder, one thread per connection::

    python examples/http_server_sync.py 0.0.0.0 8080 .
    python examples/http_server_sync.py 127.0.0.1 0 ./www --connections 2

Arguments: the address to listen on, the port (0 picks a free one) and the document root.
Once listening it prints ``listening on <address>:<port>``. ``--connections N`` stops
accepting after N connections and exits once they have ended (the C++ runs until killed).

Each connection runs ``do_session`` on a thread of its own: read a request, answer it with
``handle_request`` (the one of ``http_server_async.py``: files go out as ``file_body``,
with ``os.sendfile``), until the client is done or the response says ``close``.
"""

from __future__ import annotations

import argparse
import sys
import threading

from http_server_async import handle_request

import asiolike as net
from asiolike import beast
from asiolike.beast import http
from asiolike.ip import make_address, tcp


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


def do_session(socket: tcp.socket, doc_root: str) -> None:
    """Handle one HTTP server connection, blocking."""
    # This buffer is required to persist across reads.
    buffer = beast.flat_buffer()

    try:
        while True:
            # Read a request.
            req = http.request()
            try:
                http.read(socket, buffer, req)
            except net.system_error as e:
                if e.code == http.error.end_of_stream:
                    break
                return fail(e.code, "read")

            # Handle request.
            msg = handle_request(doc_root, req)

            # Determine if we should close the connection.
            keep_alive = msg.keep_alive()

            # Send the response.
            beast.write(socket, msg)

            if not keep_alive:
                # This means we should close the connection, usually because the response
                # indicated the "Connection: close" semantic.
                break

        # Send a TCP shutdown.
        socket.shutdown(tcp.socket.shutdown_send)
    except net.system_error as e:
        fail(e.code, "write")
    finally:
        # At this point the connection is closed gracefully.
        socket.close()


def main(argv: list[str] | None = None) -> int:
    """Run the server; ``argv`` is the command line without the program name."""
    parser = argparse.ArgumentParser(
        prog="http_server_sync.py",
        description="Beast's synchronous HTTP server: serves the files under doc_root.",
        epilog="Example: http_server_sync.py 0.0.0.0 8080 .",
    )
    parser.add_argument("address", help="the address to listen on, e.g. 0.0.0.0")
    parser.add_argument("port", type=int, help="the port to listen on (0: any free port)")
    parser.add_argument("doc_root", help="the folder to serve files from")
    parser.add_argument(
        "--connections", type=int, metavar="N", help="stop accepting after N connections"
    )
    try:
        args = parser.parse_args(argv)
        address = make_address(args.address)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 1
    except ValueError as e:
        print(f"http_server_sync.py: {e}", file=sys.stderr)
        return 1

    # The io_context is required for all I/O.
    ioc = net.io_context(1)

    # The acceptor receives incoming connections.
    acceptor = tcp.acceptor(ioc, tcp.endpoint(address, args.port))
    ep = acceptor.local_endpoint()
    print(f"listening on {ep.address()}:{ep.port()}", flush=True)
    sessions: list[threading.Thread] = []
    while args.connections is None or len(sessions) < args.connections:
        # Block until we get a connection.
        socket = acceptor.accept()

        # Launch the session, transferring ownership of the socket.
        t = threading.Thread(target=do_session, args=(socket, args.doc_root), daemon=True)
        t.start()
        sessions.append(t)
    acceptor.close()
    for t in sessions:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
