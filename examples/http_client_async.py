"""Example: HTTP client, asynchronous (Beast's ``http_client_async.cpp``).

Sends a GET request for ``<target>`` to ``<host>:<port>`` and prints the response::

    python examples/http_client_async.py www.example.com 80 /
    python examples/http_client_async.py 127.0.0.1 8080 /index.html 1.0

The ``session`` keeps Beast's shape: one method per step (resolve, connect, write, read),
each the completion handler of the step before, and one ``fail(ec, what)`` that reports
an error. Where the C++ keeps the session alive with ``shared_from_this()``, the bound
methods passed as handlers keep ``self`` alive here.

One departure from the C++: a step that fails calls ``self.fail(ec, what)``, which reports
with the module's ``fail`` and closes the connection at once. In C++ the session's
destructor closes the socket when its last handler lets go; a Python session freed by
reference counting does too, but one that sits in a reference cycle would keep its
descriptor until the garbage collector runs.
"""

from __future__ import annotations

import sys

import asiolike as net
from asiolike import beast
from asiolike.beast import http
from asiolike.ip import tcp

_USER_AGENT = f"asiolike/{net.__version__} http-client-async"


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


class session:
    """Performs one HTTP GET and prints the response.

    Args:
        ioc: The io_context running the session. The resolver and the stream each get a
            strand of it, as in Beast, so the example stays correct with several threads.
    """

    def __init__(self, ioc: net.io_context) -> None:
        self.resolver = tcp.resolver(net.make_strand(ioc))
        self.stream = beast.tcp_stream(net.make_strand(ioc))
        self.buffer = beast.flat_buffer()  # (Must persist between reads)
        self.req = http.request()
        self.res = http.response()

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        self.stream.close()

    def run(self, host: str, port: str, target: str, version: int) -> None:
        """Start the operation: resolve, connect, write the request, read the response."""
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
        self.stream.expires_after(30)

        # Make the connection on the IP address we get from a lookup.
        self.stream.async_connect(results, self.on_connect)

    def on_connect(self, ec: net.error_code, ep: tcp.endpoint | None) -> None:
        if ec:
            return self.fail(ec, "connect")

        # Set a timeout on the operation.
        self.stream.expires_after(30)

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
        print(self.res)

        # Gracefully close the socket.
        try:
            self.stream.socket().shutdown(tcp.socket.shutdown_both)
        except net.system_error as exc:
            # not_connected happens sometimes, so don't bother reporting it.
            if exc.code != net.error.not_connected:
                return self.fail(exc.code, "shutdown")

        # If we get here then the connection is closed gracefully.
        self.stream.close()


def main(argv: list[str]) -> int:
    """Run the example; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once the session ended (as the C++, also after a failure it
        reported), 1 for a wrong command line.
    """
    # Check command line arguments.
    if len(argv) not in (3, 4):
        print(
            "Usage: http_client_async.py <host> <port> <target> "
            "[<HTTP version: 1.0 or 1.1(default)>]\n"
            "Example:\n"
            "    http_client_async.py www.example.com 80 /\n"
            "    http_client_async.py www.example.com 80 / 1.0",
            file=sys.stderr,
        )
        return 1
    host, port, target = argv[:3]
    version = 10 if len(argv) == 4 and argv[3] == "1.0" else 11

    # The io_context is required for all I/O.
    ioc = net.io_context()

    # Launch the asynchronous operation.
    session(ioc).run(host, port, target, version)

    # Run the I/O service. The call will return when the get operation is complete.
    ioc.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
