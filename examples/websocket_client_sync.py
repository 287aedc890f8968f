"""Example: WebSocket client, synchronous (Beast's ``websocket_client_sync.cpp``).

Connects, sends a message, prints the answer and closes::

    python examples/websocket_client_sync.py 127.0.0.1 8080 "Hello, world!"

Every call blocks; an error is raised as ``system_error`` and reported as
``Error: <message>`` with exit status 1, as the C++ catches ``std::exception``.
"""

from __future__ import annotations

import sys

import asiolike as net
from asiolike import beast
from asiolike.beast import http, websocket
from asiolike.ip import tcp

_USER_AGENT = f"asiolike/{net.__version__} websocket-client-coro"


def main(argv: list[str]) -> int:
    """Run the example; ``argv`` is the command line without the program name."""
    try:
        # Check command line arguments.
        if len(argv) != 3:
            print(
                "Usage: websocket_client_sync.py <host> <port> <text>\n"
                "Example:\n"
                '    websocket_client_sync.py echo.websocket.org 80 "Hello, world!"',
                file=sys.stderr,
            )
            return 1
        host, port, text = argv

        # The io_context is required for all I/O.
        ioc = net.io_context()

        # These objects perform our I/O.
        resolver = tcp.resolver(ioc)
        ws = websocket.stream(tcp.socket(ioc))

        # Look up the domain name.
        results = resolver.resolve(host, port)

        # Make the connection on the IP address we get from a lookup.
        ep = net.connect(ws.next_layer(), results)

        # Update the host string. This will provide the value of the Host HTTP header
        # during the WebSocket handshake.
        host += ":" + str(ep.port())

        # Set a decorator to change the User-Agent of the handshake.
        def decorate(req: websocket.request_type) -> None:
            req.set(http.field.user_agent, _USER_AGENT)

        ws.set_option(websocket.stream_base.decorator(decorate))

        # Perform the websocket handshake.
        ws.handshake(host, "/")

        # Send the message.
        ws.write(net.buffer(text.encode()))

        # This buffer will hold the incoming message.
        buffer = beast.flat_buffer()

        # Read a message into our buffer.
        ws.read(buffer)

        # Close the WebSocket connection.
        ws.close(websocket.close_code.normal)

        # If we get here then the connection is closed gracefully.

        # The make_printable() function helps print a ConstBufferSequence.
        print(beast.make_printable(buffer.data()))
    except net.system_error as e:
        print(f"Error: {e.code.message()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
