"""Example: HTTP client, synchronous (Beast's ``http/client/sync/http_client_sync.cpp``).

Performs an HTTP GET and prints the response::

    python examples/http_client_sync.py www.example.com 80 /
    python examples/http_client_sync.py www.example.com 80 / 1.0

Arguments: the host, the port, the target, and optionally the HTTP version (``1.0``, or
``1.1`` by default). Every call blocks; an error is raised as ``system_error`` and
reported as ``Error: <message>`` with exit status 1, as the C++ catches
``std::exception``.
"""

from __future__ import annotations

import sys

import asiolike as net
from asiolike import beast
from asiolike.beast import http
from asiolike.ip import tcp

_USER_AGENT = f"asiolike/{net.__version__} http-client-sync"


def main(argv: list[str]) -> int:
    """Run the example; ``argv`` is the command line without the program name."""
    try:
        # Check command line arguments.
        if len(argv) not in (3, 4):
            print(
                "Usage: http_client_sync.py <host> <port> <target> "
                "[<HTTP version: 1.0 or 1.1(default)>]\n"
                "Example:\n"
                "    http_client_sync.py www.example.com 80 /\n"
                "    http_client_sync.py www.example.com 80 / 1.0",
                file=sys.stderr,
            )
            return 1
        host, port, target = argv[:3]
        version = 10 if len(argv) == 4 and argv[3] == "1.0" else 11

        # The io_context is required for all I/O.
        ioc = net.io_context()

        # These objects perform our I/O.
        resolver = tcp.resolver(ioc)
        stream = beast.tcp_stream(ioc)

        # Look up the domain name.
        results = resolver.resolve(host, port)

        # Make the connection on the IP address we get from a lookup.
        stream.connect(results)

        # Set up an HTTP GET request message.
        req = http.request(http.verb.get, target, version)
        req.set(http.field.host, host)
        req.set(http.field.user_agent, _USER_AGENT)

        # Send the HTTP request to the remote host.
        http.write(stream, req)

        # This buffer is used for reading and must be persisted.
        buffer = beast.flat_buffer()

        # Declare a container to hold the response.
        res = http.response(body_type=http.dynamic_body)

        # Receive the HTTP response.
        http.read(stream, buffer, res)

        # Write the message to standard out.
        print(res)

        # Gracefully close the socket.
        try:
            stream.socket().shutdown(tcp.socket.shutdown_both)
        except net.system_error as e:
            # not_connected happens sometimes, so don't bother reporting it.
            if e.code != net.error.not_connected:
                raise

        # If we get here then the connection is closed gracefully.
    except net.system_error as e:
        print(f"Error: {e.code.message()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
