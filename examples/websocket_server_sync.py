"""Example: WebSocket server, synchronous (Beast's ``websocket_server_sync.cpp``).

Echoes every message back, one thread per connection::

    python examples/websocket_server_sync.py 0.0.0.0 8080
    python examples/websocket_server_sync.py 127.0.0.1 0 --connections 1

Arguments: the address to listen on and the port (0 picks a free one). Once listening it
prints ``listening on <address>:<port>``. ``--connections N`` stops accepting after N
connections and exits once they have ended (the C++ runs until it is killed).
"""

from __future__ import annotations

import argparse
import sys
import threading

import asiolike as net
from asiolike import beast
from asiolike.beast import http, websocket
from asiolike.ip import make_address, tcp

_SERVER = f"asiolike/{net.__version__} websocket-server-sync"


def do_session(socket: tcp.socket) -> None:
    """Echoes back all received WebSocket messages, blocking."""
    try:
        # Construct the stream by moving in the socket.
        ws = websocket.stream(socket)

        # Set a decorator to change the Server of the handshake.
        def decorate(res: websocket.response_type) -> None:
            res.set(http.field.server, _SERVER)

        ws.set_option(websocket.stream_base.decorator(decorate))

        # Accept the websocket handshake.
        ws.accept()

        while True:
            # This buffer will hold the incoming message.
            buffer = beast.flat_buffer()

            # Read a message.
            ws.read(buffer)

            # Echo the message back.
            ws.text(ws.got_text())
            ws.write(buffer.data())
    except net.system_error as e:
        # This indicates that the session was closed.
        if e.code != websocket.error.closed:
            print(f"Error: {e.code.message()}", file=sys.stderr)
    finally:
        socket.close()


def main(argv: list[str] | None = None) -> int:
    """Run the server; ``argv`` is the command line without the program name."""
    parser = argparse.ArgumentParser(
        prog="websocket_server_sync.py",
        description="Beast's synchronous WebSocket echo server.",
        epilog="Example: websocket_server_sync.py 0.0.0.0 8080",
    )
    parser.add_argument("address", help="the address to listen on, e.g. 0.0.0.0")
    parser.add_argument("port", type=int, help="the port to listen on (0: any free port)")
    parser.add_argument(
        "--connections", type=int, metavar="N", help="stop accepting after N connections"
    )
    try:
        args = parser.parse_args(argv)
        address = make_address(args.address)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 1
    except ValueError as e:
        print(f"websocket_server_sync.py: {e}", file=sys.stderr)
        return 1

    # The io_context is required for all I/O.
    ioc = net.io_context(1)

    # The acceptor receives incoming connections.
    acceptor = tcp.acceptor(ioc, tcp.endpoint(address, args.port))
    ep = acceptor.local_endpoint()
    print(f"listening on {ep.address()}:{ep.port()}", flush=True)
    sessions: list[threading.Thread] = []
    while args.connections is None or len(sessions) < args.connections:
        # This will receive the new connection.
        socket = acceptor.accept()

        # Launch the session, transferring ownership of the socket.
        t = threading.Thread(target=do_session, args=(socket,), daemon=True)
        t.start()
        sessions.append(t)
    acceptor.close()
    for t in sessions:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
